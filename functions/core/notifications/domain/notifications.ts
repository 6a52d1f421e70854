/**
 * What the storefront (and so the customer) learns: the pure table from a domain event to a storefront
 * notification. Pure: no AWS, no clock. An event that maps to nothing is not customer-visible (internal
 * steps such as OrderRouted, operator exceptions, supplier feeds) and is never delivered.
 *
 * docs/notifications.md lists the table; test/unit/notifications/mapping.test.ts holds it.
 */
import { minorToDecimal } from '../../kernel/money';
import { CARRIER_NAMES, normalizeCarrier, trackingUrl } from '../../suppliers/domain/tracking/carriers';
import type { DomainEventType } from '../../events/domain/events';

/** Notification types (the `type` of a custom webhook, Standard Webhooks style `<object>.<event>`). */
export const NOTIFICATION_TYPES = [
  'order.accepted',
  'order.on_hold',
  'order.hold_released',
  'order.rejected',
  'fulfillment.accepted',
  'fulfillment.shipped',
  'fulfillment.tracking_updated',
  'fulfillment.delivered',
  'order.partially_shipped',
  'order.shipped',
  'order.delivered',
  'order.lines_cancelled',
  'order.cancelled',
  'cancellation.accepted',
  'cancellation.rejected',
  'refund.requested',
  // issue 15: delivery exceptions
  'fulfillment.delivery_exception',
  'fulfillment.reshipped',
  // returns (issue 15)
  'return.authorized',
  'return.rejected',
  'return.received',
  'return.refund_requested',
  'return.closed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Customer-visible tracking statuses (Shopify FulfillmentEventStatus names where they exist). */
export const TRACKING_STATUSES = ['IN_TRANSIT', 'OUT_FOR_DELIVERY', 'ATTEMPTED_DELIVERY', 'DELAYED', 'EXCEPTION', 'READY_FOR_PICKUP'] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

export interface LineQuantity {
  readonly lineNo: number;
  readonly quantity: number;
}

export interface Parcel {
  readonly carrier: string | null;
  readonly trackingNumber: string;
  readonly trackingUrl: string | null;
  readonly lines: readonly LineQuantity[];
}

/** A storefront notification: its type and the customer-visible facts (no PII, no internal scores). */
export interface Notification {
  readonly type: NotificationType;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The domain event as the bus carries it (detail; data already parsed as an object). */
export interface EventFacts {
  readonly type: DomainEventType;
  readonly actor: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function lineQuantities(v: unknown): LineQuantity[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((l: unknown) => {
    if (typeof l !== 'object' || l === null) return [];
    const rec = l as Record<string, unknown>;
    const lineNo = num(rec['lineNo']);
    const quantity = num(rec['quantity']);
    return lineNo === undefined || quantity === undefined ? [] : [{ lineNo, quantity }];
  });
}

/** A supplier tracking event → the customer-visible status (undefined: not worth telling, or told by another event). */
export function trackingStatusOf(event: string): TrackingStatus | undefined {
  switch (event) {
    case 'CARRIER_PICKED_UP':
    case 'IN_TRANSIT':
      return 'IN_TRANSIT';
    case 'OUT_FOR_DELIVERY':
      return 'OUT_FOR_DELIVERY';
    case 'ATTEMPTED_DELIVERY':
      return 'ATTEMPTED_DELIVERY';
    case 'DELAYED':
      return 'DELAYED';
    case 'READY_FOR_PICKUP':
      return 'READY_FOR_PICKUP';
    case 'RETURNING_TO_SENDER':
    case 'FAILURE':
    case 'EXCEPTION':
    case 'LOST':
    case 'RETURNED_TO_SENDER':
      return 'EXCEPTION';
    default:
      return undefined; // LABEL_CREATED (nothing moved yet), DELIVERED (FulfillmentDelivered tells it)
  }
}

/** A fulfillment exception the customer should see (deadline missed = delayed; lost = exception). */
function exceptionStatusOf(code: string | undefined): TrackingStatus | undefined {
  if (code === 'SHIP_BY_PASSED' || code === 'DELIVER_BY_PASSED') return 'DELAYED';
  if (code === 'LOST' || code === 'EXCEPTION' || code === 'FAILURE' || code === 'RETURNED_TO_SENDER' || code === 'RETURNING_TO_SENDER') return 'EXCEPTION';
  return undefined; // UNVERIFIED_TRACKING, DISPATCH_UNACKNOWLEDGED, ...: operator matters
}

/** The parcel of a ShipmentCreated: carrier display name and tracking URL when the carrier is known. */
export function parcelOf(data: Readonly<Record<string, unknown>>): Parcel {
  const trackingNumber = str(data['trackingNumber']) ?? '';
  const carrierText = str(data['carrier']);
  const carrier = carrierText === undefined ? undefined : normalizeCarrier(carrierText);
  return {
    carrier: carrier === undefined || carrier === 'OTHER' || carrier === 'POSTAL' ? (carrierText ?? null) : CARRIER_NAMES[carrier],
    trackingNumber,
    trackingUrl: carrier === undefined ? null : (trackingUrl(carrier, trackingNumber) ?? null),
    lines: lineQuantities(data['lines']),
  };
}

function money(amountMinor: unknown, currency: unknown): { amount: string; currency: string } | undefined {
  const minor = num(amountMinor);
  const code = str(currency);
  if (minor === undefined || code === undefined) return undefined;
  try {
    return { amount: minorToDecimal(minor, code), currency: code };
  } catch {
    return undefined;
  }
}

type Mapper = (e: EventFacts) => Notification | undefined;
const fid = (d: Readonly<Record<string, unknown>>) => ({ fulfillmentId: str(d['fulfillmentId']) ?? null });

/** The mapping table: one row per customer-visible domain event. */
export const NOTIFICATION_MAP: Readonly<Partial<Record<DomainEventType, Mapper>>> = {
  OrderReserved: () => ({ type: 'order.accepted', data: {} }),
  OrderOnHold: ({ data }) => ({
    type: 'order.on_hold',
    data: { reason: str(data['holdReason']) ?? null, holdExpiresAt: str(data['holdExpiresAt']) ?? null },
  }),
  OrderReleased: ({ data }) => ({ type: 'order.hold_released', data: { reason: str(data['holdReason']) ?? null } }),
  OrderRejected: ({ data }) => ({
    type: 'order.rejected',
    data: {
      reasons: (Array.isArray(data['reasons']) ? (data['reasons'] as unknown[]) : []).flatMap((r) => {
        if (typeof r !== 'object' || r === null) return [];
        const rec = r as Record<string, unknown>;
        return [{ code: str(rec['code']) ?? 'UNKNOWN', lineNo: num(rec['lineNo']) ?? null, detail: str(rec['detail']) ?? null }];
      }),
    },
  }),
  FulfillmentAccepted: ({ data }) => ({ type: 'fulfillment.accepted', data: { ...fid(data), estimatedShipDate: str(data['estimatedShipDate']) ?? null } }),
  ShipmentCreated: ({ data }) => ({ type: 'fulfillment.shipped', data: { ...fid(data), parcel: parcelOf(data) } }),
  TrackingUpdated: ({ data }) => {
    const status = trackingStatusOf(str(data['event']) ?? '');
    if (status === undefined) return undefined;
    return { type: 'fulfillment.tracking_updated', data: { ...fid(data), status, trackingNumber: str(data['trackingNumber']) ?? null } };
  },
  FulfillmentException: ({ data }) => {
    const status = exceptionStatusOf(str(data['code']));
    if (status === undefined) return undefined;
    return { type: 'fulfillment.tracking_updated', data: { ...fid(data), status, trackingNumber: str(data['trackingNumber']) ?? null } };
  },
  FulfillmentDelivered: ({ data }) => ({ type: 'fulfillment.delivered', data: fid(data) }),
  OrderPartiallyShipped: () => ({ type: 'order.partially_shipped', data: {} }),
  OrderShipped: () => ({ type: 'order.shipped', data: {} }),
  OrderDelivered: () => ({ type: 'order.delivered', data: {} }),
  LinesCancelled: ({ data }) => ({ type: 'order.lines_cancelled', data: { reason: str(data['reason']) ?? null, lines: lineQuantities(data['lines']) } }),
  OrderCancelled: ({ data, actor }) => ({ type: 'order.cancelled', data: { reason: str(data['reason']) ?? null, requestedBy: actor } }),
  CancellationAccepted: ({ data }) => ({ type: 'cancellation.accepted', data: { ...fid(data), lines: lineQuantities(data['lines']) } }),
  CancellationRejected: ({ data }) => ({
    type: 'cancellation.rejected',
    data: { ...fid(data), reason: str(data['reason']) ?? null, message: str(data['message']) ?? null },
  }),
  // Lost in transit (no scan for days): told before the customer asks; what happens next follows (reshipped / refund.requested).
  DeliveryExceptionRaised: ({ data }) => ({
    type: 'fulfillment.delivery_exception',
    data: { ...fid(data), code: str(data['code']) ?? null, trackingNumber: str(data['trackingNumber']) ?? null },
  }),
  ReplacementCreated: ({ data }) => ({
    type: 'fulfillment.reshipped',
    data: { ...fid(data), fromFulfillmentId: str(data['fromFulfillmentId']) ?? null, reason: str(data['reason']) ?? null, lines: lineQuantities(data['lines']) },
  }),
  RefundRequested: ({ data }) => {
    const amount = money(data['amountMinor'], data['currency']);
    return {
      type: 'refund.requested',
      data: { amount: amount?.amount ?? null, currency: amount?.currency ?? str(data['currency']) ?? null, reason: str(data['reason']) ?? null, lines: lineQuantities(data['lines']) },
    };
  },
  ReturnAuthorized: ({ data }) => ({
    type: 'return.authorized',
    data: {
      returnId: str(data['returnId']) ?? null,
      rma: str(data['rma']) ?? null,
      returnAddress: typeof data['returnAddress'] === 'object' && data['returnAddress'] !== null ? data['returnAddress'] : null,
      instructions: str(data['instructions']) ?? null,
      labelRef: str(data['labelRef']) ?? null,
    },
  }),
  ReturnRejected: ({ data }) => ({ type: 'return.rejected', data: { returnId: str(data['returnId']) ?? null, reason: str(data['reason']) ?? null, message: str(data['message']) ?? null } }),
  ReturnReceived: ({ data }) => ({ type: 'return.received', data: { returnId: str(data['returnId']) ?? null } }),
  ReturnRefundRequested: ({ data }) => {
    const amount = money(data['amountMinor'], data['currency']);
    const fee = money(data['restockingFeeMinor'], data['currency']);
    return {
      type: 'return.refund_requested',
      data: { returnId: str(data['returnId']) ?? null, amount: amount?.amount ?? null, currency: amount?.currency ?? null, restockingFee: fee?.amount ?? null, reason: str(data['reason']) ?? null, lines: lineQuantities(data['lines']) },
    };
  },
  ReturnClosed: ({ data }) => {
    const amount = money(data['amountMinor'], data['currency']);
    return {
      type: 'return.closed',
      data: { returnId: str(data['returnId']) ?? null, closedBy: str(data['closedBy']) ?? null, resolution: str(data['resolution']) ?? null, amount: amount?.amount ?? null, currency: amount?.currency ?? null },
    };
  },
};

/** Event types that can produce a notification (the EventBridge rule's detail-type filter). */
export const NOTIFYING_EVENT_TYPES = Object.keys(NOTIFICATION_MAP) as DomainEventType[];

/** The notification of one domain event, or undefined when the customer does not need to know. */
export function toNotification(event: EventFacts): Notification | undefined {
  return NOTIFICATION_MAP[event.type]?.(event);
}

/**
 * The fulfillment lifecycle (one per supplier per order), its vocabulary and state. A fulfillment is a
 * set of facts (accepted at, shipments by tracking number, scans, exceptions...) that only ever grows;
 * its status is a function of those facts (fulfillment-events.ts merges events in). Label created is
 * not shipped: a shipment counts as shipped on its first carrier scan. Diagrams: docs/domain-rules.md.
 */
import type { FulfillmentStatus } from './fulfillment-status';
import type { LineQuantity } from '../../orders/domain/order-lifecycle';

/** Shopify fulfillment-order rejection reasons (plus TIMED_OUT for acceptance-SLA silence). */
export const REJECT_REASONS = [
  'OUT_OF_STOCK',
  'INCORRECT_ADDRESS',
  'INELIGIBLE_PRODUCT',
  'UNDELIVERABLE_DESTINATION',
  'OTHER',
  'TIMED_OUT',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Carrier tracking codes. All but LABEL_CREATED are carrier scans (the parcel is with the carrier). */
export const TRACKING_CODES = [
  'LABEL_CREATED',
  'CARRIER_PICKED_UP',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'DELAYED',
  'ATTEMPTED_DELIVERY',
  'EXCEPTION',
  'FAILURE',
  'LOST',
  'RETURNED_TO_SENDER',
  'DELIVERED',
  // issue 15: delivery exceptions
  'READY_FOR_PICKUP',
  'RETURNING_TO_SENDER',
] as const;
export type TrackingCode = (typeof TRACKING_CODES)[number];

/** Tracking codes that open an exception on the shipment until a later non-exception scan. */
export const EXCEPTION_TRACKING_CODES: readonly TrackingCode[] = ['EXCEPTION', 'FAILURE', 'LOST', 'RETURNED_TO_SENDER', 'RETURNING_TO_SENDER'];

/** Order of codes that carry the same timestamp (a later stage wins the tie). */
export const TRACKING_CODE_RANK: Readonly<Record<TrackingCode, number>> = {
  LABEL_CREATED: 0,
  CARRIER_PICKED_UP: 1,
  IN_TRANSIT: 2,
  DELAYED: 3,
  OUT_FOR_DELIVERY: 4,
  ATTEMPTED_DELIVERY: 5,
  READY_FOR_PICKUP: 5.5,
  EXCEPTION: 6,
  FAILURE: 7,
  LOST: 8,
  RETURNING_TO_SENDER: 8.5,
  RETURNED_TO_SENDER: 9,
  DELIVERED: 10,
};

export type FulfillmentExceptionCode = 'SHIP_BY_PASSED' | 'DELIVER_BY_PASSED' | 'EXCEPTION' | 'FAILURE' | 'LOST' | 'RETURNED_TO_SENDER' | 'RETURNING_TO_SENDER';

export interface ShipmentRecord {
  /** Normalized (upper case, no separators). */
  readonly trackingNumber: string;
  readonly carrier?: string | undefined;
  /**
   * The tracking number matched no known format of its carrier and was accepted as plausible (a parcel is
   * never refused because a validator is out of date): operators check it (exception UNVERIFIED_TRACKING
   * until the parcel is delivered).
   */
  readonly trackingUnverified?: true | undefined;
  /** Line quantities in this parcel; undefined while only carrier scans (no supplier SHIPPED) are known. */
  readonly lines?: readonly LineQuantity[] | undefined;
  /** When the supplier reported the shipment (label created). */
  readonly labelCreatedAt?: string | undefined;
  /** First carrier scan: the moment the parcel counts as shipped. */
  readonly firstScanAt?: string | undefined;
  readonly lastEvent?: { readonly code: TrackingCode; readonly at: string } | undefined;
  readonly deliveredAt?: string | undefined;
}

export interface ExceptionRecord {
  readonly code: FulfillmentExceptionCode;
  readonly at: string;
  readonly trackingNumber?: string | undefined;
  readonly message?: string | undefined;
}

export interface RejectionRecord {
  readonly reason: RejectReason;
  readonly lineNo?: number | undefined;
  readonly message?: string | undefined;
}

/** Everything known about one fulfillment. JSON-serializable; store it as-is on the item. */
export interface FulfillmentState {
  readonly status: FulfillmentStatus;
  readonly lines: readonly LineQuantity[];
  readonly dispatchedAt?: string | undefined;
  readonly acceptedAt?: string | undefined;
  readonly estimatedShipDate?: string | undefined;
  readonly rejectedAt?: string | undefined;
  readonly rejections?: readonly RejectionRecord[] | undefined;
  readonly cancelledAt?: string | undefined;
  readonly cancelReason?: string | undefined;
  /** Supplier declared the whole fulfillment delivered (DELIVERED without a tracking number). */
  readonly deliveredAt?: string | undefined;
  /** Sorted by tracking number. Several per fulfillment; never overwritten. */
  readonly shipments: readonly ShipmentRecord[];
  /** Append-only history of exceptions, sorted by time (see openExceptions for the live ones). */
  readonly exceptions: readonly ExceptionRecord[];
  /** Ids of the last applied events (bounded), for exact duplicate detection. */
  readonly appliedEventIds: readonly string[];
}

interface EventBase {
  /** When it happened (ISO timestamp) - the supplier's or carrier's time, or the platform's. */
  readonly at: string;
  /** Message id, if the channel provides one: an exact replay is recognized as duplicate. */
  readonly eventId?: string | undefined;
}

export type FulfillmentEvent =
  | (EventBase & { readonly type: 'DISPATCHED' })
  | (EventBase & { readonly type: 'ACCEPTED'; readonly estimatedShipDate?: string | undefined })
  | (EventBase & { readonly type: 'REJECTED'; readonly reasons: readonly RejectionRecord[] })
  | (EventBase & { readonly type: 'ACCEPTANCE_TIMED_OUT' })
  | (EventBase & {
      readonly type: 'SHIPPED';
      readonly trackingNumber: string;
      readonly carrier?: string | undefined;
      readonly trackingUnverified?: true | undefined;
      readonly lines: readonly LineQuantity[];
    })
  | (EventBase & { readonly type: 'TRACKING'; readonly trackingNumber: string; readonly code: TrackingCode; readonly message?: string | undefined })
  | (EventBase & { readonly type: 'DELIVERED'; readonly trackingNumber?: string | undefined })
  | (EventBase & { readonly type: 'DEADLINE_PASSED'; readonly deadline: 'SHIP_BY' | 'DELIVER_BY' })
  | (EventBase & { readonly type: 'CANCELLED'; readonly reason?: string | undefined });

export type InvalidEventReason =
  | 'INVALID_EVENT'
  | 'UNKNOWN_LINE'
  | 'OVER_SHIPPED'
  | 'TRACKING_CONFLICT'
  | 'ALREADY_SHIPPED'
  | 'ACCEPTED_AFTER_CLOSE'
  | 'GOODS_MOVED_AFTER_CLOSE';

export type ApplyResult =
  | {
      readonly outcome: 'applied';
      readonly state: FulfillmentState;
      readonly previousStatus: FulfillmentStatus;
      /** Whether the status changed (publish a status event only then; facts may be added without it). */
      readonly statusChanged: boolean;
    }
  | { readonly outcome: 'duplicate' | 'stale'; readonly state: FulfillmentState; readonly detail: string }
  | { readonly outcome: 'invalid'; readonly state: FulfillmentState; readonly reason: InvalidEventReason; readonly detail: string };

/** Coarse status graph (forward jumps allowed for late/out-of-order events; EXCEPTION ↔ recovery). */
export const FULFILLMENT_TRANSITIONS: Readonly<Record<FulfillmentStatus, readonly FulfillmentStatus[]>> = {
  PENDING: ['DISPATCHED', 'ACCEPTED', 'REJECTED', 'SHIPPED', 'IN_TRANSIT', 'DELIVERED', 'EXCEPTION', 'CANCELLED'],
  DISPATCHED: ['ACCEPTED', 'REJECTED', 'SHIPPED', 'IN_TRANSIT', 'DELIVERED', 'EXCEPTION', 'CANCELLED'],
  ACCEPTED: ['REJECTED', 'SHIPPED', 'IN_TRANSIT', 'DELIVERED', 'EXCEPTION', 'CANCELLED'],
  SHIPPED: ['IN_TRANSIT', 'DELIVERED', 'EXCEPTION'],
  IN_TRANSIT: ['DELIVERED', 'EXCEPTION'],
  EXCEPTION: ['IN_TRANSIT', 'DELIVERED', 'REJECTED', 'CANCELLED'],
  DELIVERED: [],
  REJECTED: [],
  CANCELLED: [],
};

export function canTransitionFulfillment(from: FulfillmentStatus, to: FulfillmentStatus): boolean {
  return FULFILLMENT_TRANSITIONS[from].includes(to);
}

/** Progress stage of a fulfillment, ignoring exceptions: it never decreases (see applyFulfillmentEvent). */
export const FULFILLMENT_PROGRESS: Readonly<Record<Exclude<FulfillmentStatus, 'EXCEPTION'>, number>> = {
  PENDING: 0,
  DISPATCHED: 1,
  ACCEPTED: 2,
  SHIPPED: 3,
  IN_TRANSIT: 4,
  DELIVERED: 5,
  REJECTED: 6,
  CANCELLED: 6,
};

export const MAX_EVENT_IDS = 50;

/** A new fulfillment for the given line quantities. */
export function newFulfillment(lines: readonly LineQuantity[]): FulfillmentState {
  return {
    status: 'PENDING',
    lines: [...lines].sort((a, b) => a.lineNo - b.lineNo),
    shipments: [],
    exceptions: [],
    appliedEventIds: [],
  };
}

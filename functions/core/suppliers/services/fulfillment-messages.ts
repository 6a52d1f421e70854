/**
 * Applying one supplier fulfillment message (ACCEPTED, REJECTED, SHIPPED, TRACKING_EVENT, DELIVERED;
 * suppliers/schemas/supplier-messages.ts) to its fulfillment.
 *
 * - Isolation: the supplier is the one whose inbound queue delivered the message (never a field of
 *   the message); a fulfillment of another supplier is refused with SUPPLIER_MISMATCH (and a metric).
 * - Once: the change is written conditionally on the fulfillment's version, and the fulfillment records
 *   the message ids it applied (`appliedEventIds`); the domain's applyFulfillmentEvent recognizes a
 *   message already applied (and the same fact under another id) and never moves a fulfillment back. So
 *   no separate dedupe record is written: a concurrent second delivery loses the version race, re-reads
 *   and finds itself a duplicate; a later one is a duplicate (or stale) from the start. (Until the cost
 *   work of issue "Fast and current" a dedupe record per message was written in the transaction too.)
 * - Every applied change writes its timeline events and, when the shipments change what the order
 *   looks like, the order's derived status (PARTIALLY_SHIPPED / SHIPPED / DELIVERED) in that transaction.
 *   A change that leaves both the order status and the fulfillment's order-level view as they were (a
 *   scan after the parcel already counts as shipped, OUT_FOR_DELIVERY, DELAYED, an acceptance) does not
 *   touch the order item at all: fulfillment + timeline only, fewer write units per order.
 * - Then the waiting workflow state (if any) is resumed when its stage was reached.
 *
 * Outcomes: applied / duplicate / stale (acknowledge) or poison (move to the DLQ with a reason);
 * anything thrown is transient (the message is retried).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { applyFulfillmentEvent, baseFulfillmentStatus, fulfillmentProgress } from '../../workflow/domain/fulfillment-events';
import { shippedAt } from '../../workflow/domain/fulfillment-progress';
import { nextOrderStatus } from '../../orders/domain/order-lifecycle';
import { summarizeOrderProgress } from '../../workflow/domain/fulfillment-progress';
import { type FulfillmentEvent, type RejectionRecord } from '../../workflow/domain/fulfillment';
import { normalizeTrackingNumber, validateTrackingNumber } from '../domain/tracking';
import type { OrderStatus } from '../../orders/domain/order';
import type { InboundErrorCode, SupplierInboundMessage } from '../schemas/supplier-messages';
import { nextFulfillment, parseFulfillmentId, type FulfillmentRecord, type PurchaseLine } from '../../workflow/domain/fulfillment-record';
import { putFulfillmentUpdate } from '../../workflow/store/fulfillments';
import { bumpOrderVersion, loadOrderAggregate, nextOrder, putOrderUpdate } from '../../workflow/store/order-aggregate';
import { TimelineBatch } from '../../events/store/timeline';
import { transact, type TransactItem } from '../../runtime/table/transactions';
import { reconcileFulfillmentToken } from '../../workflow/services/callbacks';
import { orderLevelView } from '../../workflow/services/cancellations';
import { cancellationMessage, sendToSupplier } from './supplier-outbound';
import { RETRY, optimistic } from '../../workflow/services/workflow-common';
import type { InboundDeps, InboundOutcome } from './supplier-inbound';

class Poison extends Error {
  constructor(
    readonly code: InboundErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function resolveLine(lines: readonly PurchaseLine[], ref: { lineNo?: number | undefined; supplierSku?: string | undefined }): number {
  if (ref.lineNo !== undefined) {
    if (!lines.some((l) => l.lineNo === ref.lineNo)) throw new Poison('UNKNOWN_LINE', `line ${ref.lineNo} is not in this purchase order`);
    if (ref.supplierSku !== undefined && !lines.some((l) => l.lineNo === ref.lineNo && l.supplierSku === ref.supplierSku)) {
      throw new Poison('UNKNOWN_LINE', `line ${ref.lineNo} is not supplier SKU ${ref.supplierSku}`);
    }
    return ref.lineNo;
  }
  const matches = lines.filter((l) => l.supplierSku === ref.supplierSku);
  if (matches.length === 0) throw new Poison('UNKNOWN_LINE', `supplier SKU ${ref.supplierSku ?? ''} is not in this purchase order`);
  if (matches.length > 1) throw new Poison('UNKNOWN_LINE', `supplier SKU ${ref.supplierSku ?? ''} is on several lines: name the line by lineNo`);
  return (matches[0] as PurchaseLine).lineNo;
}

interface CheckedTracking {
  readonly trackingNumber: string;
  /** The carrier as the supplier named it when no rule knows it (carrier OTHER), else the carrier code. */
  readonly carrier?: string;
  /** No known format of the carrier matched: accepted as plausible, surfaced to operators. */
  readonly unverified?: true;
}

function checkTracking(record: FulfillmentRecord, trackingNumber: string, carrier?: string): CheckedTracking {
  const normalized = normalizeTrackingNumber(trackingNumber);
  const known = record.shipments.find((s) => s.trackingNumber === normalized);
  if (known !== undefined && carrier === undefined) return { trackingNumber: normalized };
  const validation = validateTrackingNumber(trackingNumber, carrier);
  if (!validation.valid) throw new Poison('INVALID_TRACKING_NUMBER', `${validation.reason}: ${validation.message}`);
  return {
    trackingNumber: validation.trackingNumber,
    carrier: validation.carrier === 'OTHER' ? validation.carrierName : validation.carrier,
    ...(validation.flag === 'UNVERIFIED_TRACKING' ? { unverified: true as const } : {}),
  };
}

/** The domain events a message stands for (several parcels = several SHIPPED events). */
export function toFulfillmentEvents(message: SupplierInboundMessage, record: FulfillmentRecord): FulfillmentEvent[] {
  const base = { at: message.occurredAt, eventId: message.messageId };
  switch (message.type) {
    case 'ACCEPTED':
      return [{ ...base, type: 'ACCEPTED', estimatedShipDate: message.estimatedShipDate }];
    case 'REJECTED': {
      const reasons: RejectionRecord[] = message.lines.map((l) => ({
        reason: l.reason,
        lineNo: resolveLine(record.purchaseLines, l),
        ...(l.message === undefined ? {} : { message: l.message }),
      }));
      return [{ ...base, type: 'REJECTED', reasons }];
    }
    case 'SHIPPED': {
      const parcels =
        message.parcels ?? (message.trackingNumber !== undefined && message.lines !== undefined ? [{ trackingNumber: message.trackingNumber, lines: message.lines }] : []);
      return parcels.map((parcel, index) => {
        const carrierName = 'carrier' in parcel && typeof parcel.carrier === 'string' ? parcel.carrier : message.carrier;
        const tracking = checkTracking(record, parcel.trackingNumber, carrierName);
        return {
          at: message.occurredAt,
          eventId: index === 0 ? message.messageId : `${message.messageId}#${index}`,
          type: 'SHIPPED',
          trackingNumber: tracking.trackingNumber,
          carrier: tracking.carrier,
          ...(tracking.unverified === true ? { trackingUnverified: true as const } : {}),
          lines: parcel.lines.map((l) => ({ lineNo: resolveLine(record.purchaseLines, l), quantity: l.quantity })),
        };
      });
    }
    case 'TRACKING_EVENT': {
      const tracking = checkTracking(record, message.trackingNumber);
      return [{ ...base, type: 'TRACKING', trackingNumber: tracking.trackingNumber, code: message.event, message: message.location ?? message.message }];
    }
    case 'DELIVERED': {
      if (message.trackingNumber === undefined) return [{ ...base, type: 'DELIVERED' }];
      return [{ ...base, type: 'DELIVERED', trackingNumber: checkTracking(record, message.trackingNumber).trackingNumber }];
    }
    case 'CANCELLATION_ACCEPTED':
    case 'CANCELLATION_REJECTED':
      // Answers to a cancellation request change the fulfillment's lines, not its facts (cancellation-answers.ts).
      return [];
    case 'RETURN_AUTHORIZED':
    case 'RETURN_REJECTED':
    case 'RETURN_SHIPPED':
    case 'RETURN_RECEIVED':
      // Return messages change the return, not the fulfillment (return-messages.ts).
      return [];
  }
}

/**
 * What the waiting workflow states look at (checkFulfillmentStage): closed (cancelled / rejected),
 * accepted, shipped, delivered. A change that leaves it as it was cannot resume a state, so the task
 * token is not read after it: a state waiting on this fulfillment either saw the stage itself when it
 * stored its token or was resumed by the change that reached the stage (a retried delivery of that
 * change, a duplicate, reads the token again).
 */
export function stageView(record: FulfillmentRecord): string {
  const base = baseFulfillmentStatus(record);
  const closed = base === 'CANCELLED' || base === 'REJECTED' || base === 'DELIVERED' ? base : '';
  return `${closed}|${fulfillmentProgress(record) >= 2 ? 'accepted' : ''}|${shippedAt(record) ?? ''}`;
}

const SHIPPING_ORDER_STATUSES: readonly OrderStatus[] = ['IN_FULFILLMENT', 'PARTIALLY_SHIPPED', 'SHIPPED'];

// Long: one switch over the supplier message types; each case adds that message's events.
function timelineFor(
  timeline: TimelineBatch,
  message: SupplierInboundMessage,
  before: FulfillmentRecord,
  after: FulfillmentRecord,
  events: readonly FulfillmentEvent[],
): void {
  const ids = { fulfillmentId: after.fulfillmentId, supplierId: after.supplierId };
  switch (message.type) {
    case 'ACCEPTED':
      timeline.add({
        type: 'FulfillmentAccepted',
        actor: 'supplier',
        message: `${after.supplierId} accepted the purchase order${message.estimatedShipDate === undefined ? '' : ` (ships ${message.estimatedShipDate})`}`,
        data: { ...ids, estimatedShipDate: message.estimatedShipDate },
      });
      break;
    case 'REJECTED':
      timeline.add({
        type: 'FulfillmentRejected',
        actor: 'supplier',
        message: `${after.supplierId} rejected the purchase order (${[...new Set(message.lines.map((l) => l.reason))].join(', ')})`,
        data: { ...ids, reasons: after.rejections ?? [] },
      });
      break;
    case 'SHIPPED':
      for (const event of events) {
        if (event.type !== 'SHIPPED') continue;
        timeline.add({
          type: 'ShipmentCreated',
          actor: 'supplier',
          message: `Parcel ${event.trackingNumber}${event.carrier === undefined ? '' : ` (${event.carrier})`} created by ${after.supplierId}${event.trackingUnverified === true ? ' (tracking number unverified: no known format matched; an operator checks it)' : ''}`,
          data: { ...ids, trackingNumber: event.trackingNumber, carrier: event.carrier, lines: event.lines, ...(event.trackingUnverified === true ? { trackingUnverified: true } : {}) },
        });
      }
      break;
    case 'TRACKING_EVENT':
      timeline.add({
        type: 'TrackingUpdated',
        actor: 'supplier',
        message: `${message.event.replaceAll('_', ' ').toLowerCase()}: parcel ${normalizeTrackingNumber(message.trackingNumber)}${message.location === undefined ? '' : ` (${message.location})`}`,
        data: { ...ids, trackingNumber: normalizeTrackingNumber(message.trackingNumber), event: message.event, location: message.location },
      });
      break;
    case 'DELIVERED':
      timeline.add({
        type: 'TrackingUpdated',
        actor: 'supplier',
        message: message.trackingNumber === undefined ? 'Delivered (whole fulfillment)' : `delivered: parcel ${normalizeTrackingNumber(message.trackingNumber)}`,
        data: { ...ids, trackingNumber: message.trackingNumber === undefined ? undefined : normalizeTrackingNumber(message.trackingNumber), event: 'DELIVERED' },
      });
      break;
  }
  if (after.status !== before.status) {
    if (after.status === 'DELIVERED') {
      timeline.add({ type: 'FulfillmentDelivered', actor: 'supplier', message: `Fulfillment ${after.fulfillmentId} delivered`, data: ids });
    } else if (after.status === 'EXCEPTION') {
      const latest = after.exceptions[after.exceptions.length - 1];
      timeline.add({
        type: 'FulfillmentException',
        actor: 'supplier',
        message: `Carrier reported ${latest?.code ?? 'an exception'} for fulfillment ${after.fulfillmentId}`,
        data: { ...ids, code: latest?.code, trackingNumber: latest?.trackingNumber },
      });
    }
  }
}

/**
 * Apply one fulfillment message of `supplierId` to its fulfillment (optimistic: re-read and retried on a
 * version conflict). Long: the body is one read-decide-write attempt (ownership, events, the change's
 * transaction, resuming the workflow) that reads top to bottom; its parts are the helpers above.
 */
export async function applyFulfillmentMessage(deps: InboundDeps, supplierId: string, message: SupplierInboundMessage): Promise<InboundOutcome> {
  const fulfillmentId = message.fulfillmentId;
  const ref = parseFulfillmentId(fulfillmentId);
  if (ref === undefined) return { kind: 'poison', code: 'UNKNOWN_FULFILLMENT', message: 'not a fulfillment id', fulfillmentId };

  return optimistic('SupplierMessage', async (): Promise<InboundOutcome | typeof RETRY> => {
    const aggregate = await loadOrderAggregate(deps.store, ref.orderId);
    const record = aggregate?.fulfillments.find((f) => f.fulfillmentId === fulfillmentId);
    if (aggregate === undefined || record === undefined) {
      return { kind: 'poison', code: 'UNKNOWN_FULFILLMENT', message: `fulfillment ${fulfillmentId} does not exist`, fulfillmentId };
    }
    if (record.supplierId !== supplierId) {
      deps.metrics.addMetric('SupplierMismatch', MetricUnit.Count, 1);
      deps.logger.warn('Supplier tried to act on another supplier\'s fulfillment', { supplierId: supplierId, fulfillmentId, type: message.type });
      return { kind: 'poison', code: 'SUPPLIER_MISMATCH', message: 'this fulfillment does not belong to the sending supplier', fulfillmentId };
    }

    let events: FulfillmentEvent[];
    try {
      events = toFulfillmentEvents(message, record);
    } catch (error) {
      if (error instanceof Poison) return { kind: 'poison', code: error.code, message: error.message, fulfillmentId };
      throw error;
    }
    let state: FulfillmentRecord = record;
    let applied = false;
    let lastNoop: 'duplicate' | 'stale' = 'duplicate';
    for (const event of events) {
      const result = applyFulfillmentEvent(state, event);
      if (result.outcome === 'invalid') {
        if (result.reason === 'ACCEPTED_AFTER_CLOSE' && record.status === 'CANCELLED') {
          // The supplier accepted a fulfillment we cancelled: tell it again (best effort: the refusal stands either way).
          try {
            await sendToSupplier(deps, record.supplierId, cancellationMessage(record.fulfillmentId, record.cancelReason ?? 'CANCELLED', deps.now()));
          } catch (error) {
            deps.logger.warn('Cancellation could not be re-sent', { fulfillmentId, error: error instanceof Error ? error.name : 'unknown' });
          }
        }
        return { kind: 'poison', code: result.reason, message: result.detail, fulfillmentId };
      }
      if (result.outcome === 'applied') {
        state = { ...state, ...result.state };
        applied = true;
      } else {
        lastNoop = result.outcome;
      }
    }

    const now = deps.now();
    const at = now.toISOString();
    if (!applied) {
      // Nothing to write: the fulfillment already records this message (or newer facts).
      const resumed = await reconcileFulfillmentToken(deps, record);
      return { kind: lastNoop, fulfillmentId, resumed };
    }

    const next = nextFulfillment(record, state, at);
    const fulfillments = aggregate.fulfillments.map((f) => (f.fulfillmentId === fulfillmentId ? next : f));
    const { order } = aggregate;
    let orderStatus = order.status;
    const timeline = new TimelineBatch(order.orderId, order.channelId, at);
    timelineFor(timeline, message, record, next, events);
    if (SHIPPING_ORDER_STATUSES.includes(order.status)) {
      const derived = summarizeOrderProgress(fulfillments).status;
      if (derived === 'PARTIALLY_SHIPPED' || derived === 'SHIPPED' || derived === 'DELIVERED') orderStatus = nextOrderStatus(order.status, derived);
    }
    if (orderStatus !== order.status) {
      const type = orderStatus === 'DELIVERED' ? 'OrderDelivered' : orderStatus === 'SHIPPED' ? 'OrderShipped' : 'OrderPartiallyShipped';
      const text = orderStatus === 'DELIVERED' ? 'Every line was delivered' : orderStatus === 'SHIPPED' ? 'Every line has shipped' : 'Some lines have shipped';
      timeline.add({ type, actor: 'platform', message: text });
    }
    // The order item: rewritten when its status changes; its version bumped when the fulfillment changed what
    // order-level writers read (orderLevelView), so a concurrent Complete / cancellation re-reads; else untouched.
    const orderItem: TransactItem[] =
      orderStatus !== order.status
        ? [putOrderUpdate(deps.store, nextOrder(order, { status: orderStatus }, at), order.version)]
        : orderLevelView(next) !== orderLevelView(record)
          ? [bumpOrderVersion(deps.store, order.orderId, order.version)]
          : [];
    const items: TransactItem[] = [
      putFulfillmentUpdate(deps.store, next, record.version),
      ...orderItem,
      ...timeline.items(deps.store),
    ];
    const outcome = await transact(deps.store, items);
    // A version moved (another delivery of this message, or another writer, won): re-read and decide again.
    if (!outcome.ok) return RETRY;
    deps.logger.info('Supplier message applied', {
      orderId: next.orderId,
      supplierId: supplierId,
      fulfillmentId,
      type: message.type,
      status: next.status,
      orderStatus,
    });
    deps.metrics.addMetric(`SupplierMessage${message.type}`, MetricUnit.Count, 1);
    const resumed = stageView(next) === stageView(record) ? 'no-stage-change' : await reconcileFulfillmentToken(deps, next);
    return { kind: 'applied', fulfillmentId, status: next.status, orderStatus, resumed };
  });
}

/**
 * Cancelling: fulfillments (CancelFulfillment, CancelOrder) and whole orders (CancelOrder, ops reject,
 * Complete when nothing is left). Money: a RefundRequested event for what was taken and not yet
 * refunded (order.refundRequestedMinor keeps the running total, so nothing is refunded twice).
 *
 * Side effects outside DynamoDB happen AFTER the state change commits and are re-entrant: a cancelled,
 * dispatched fulfillment without `cancellationSentAt` still owes its CANCELLATION message, and HELD
 * reservations of closed fulfillments are released; both are retried by every later call.
 */
import type { Clock } from '../../kernel/clock';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { fulfillmentLineProgress } from '../domain/fulfillment-progress';
import { moneyActionOnCancel, refundForCancelledLines, type LineQuantity } from '../../orders/domain/order-lifecycle';
import { moneyText } from '../../kernel/money';
import type { Actor } from '../../events/domain/events';
import type { WorkflowOrder } from '../../orders/domain/order';
import type { StoreContext } from '../../runtime/table/context';
import { isLive, type FulfillmentRecord } from '../domain/fulfillment-record';
import { keys } from '../../runtime/table/keys';
import type { OrderAggregate } from '../store/order-aggregate';
import { settleReservations } from '../../inventory/store/reservations';
import type { TimelineBatch } from '../../events/store/timeline';
import { cancellationMessage, sendToSupplier, type OutboundDeps } from '../../suppliers/services/supplier-outbound';
import type { TaskLogger } from './workflow-common';

/** Add cancelled quantities to the order's running list (capped at the ordered quantity). */
export function mergeCancelledLines(order: WorkflowOrder, cancelled: readonly LineQuantity[]): LineQuantity[] {
  const ordered = new Map(order.lines.map((l) => [l.lineNo, l.quantity]));
  const totals = new Map<number, number>();
  for (const l of [...(order.cancelledLines ?? []), ...cancelled]) {
    totals.set(l.lineNo, Math.min(ordered.get(l.lineNo) ?? 0, (totals.get(l.lineNo) ?? 0) + l.quantity));
  }
  return [...totals.entries()].filter(([, q]) => q > 0).sort(([a], [b]) => a - b).map(([lineNo, quantity]) => ({ lineNo, quantity }));
}

export interface RefundDecision {
  readonly action: 'REFUND' | 'VOID_AUTHORIZATION' | 'NONE';
  readonly amountMinor: number;
  readonly lines: readonly { readonly lineNo: number; readonly quantity: number; readonly amountMinor: number }[];
}

/** Refund for cancelled line quantities (merchandise only), never more than what is left to refund. */
export function refundForLines(order: WorkflowOrder, cancelled: readonly LineQuantity[]): RefundDecision {
  const refund = refundForCancelledLines(order.lines, cancelled, order.payment.status);
  const left = Math.max(0, order.totals.totalMinor - (order.refundRequestedMinor ?? 0));
  return { action: refund.action, amountMinor: Math.min(left, refund.amountMinor), lines: refund.lines };
}

/** Refund when the whole order is cancelled: everything taken and not refunded yet (shipping and tax included). */
export function refundForWholeOrder(order: WorkflowOrder, cancelled: readonly LineQuantity[]): RefundDecision {
  const action = moneyActionOnCancel(order.payment.status);
  const amountMinor = action === 'NONE' ? 0 : Math.max(0, order.totals.totalMinor - (order.refundRequestedMinor ?? 0));
  const prices = new Map(order.lines.map((l) => [l.lineNo, l.unitPriceMinor]));
  return { action, amountMinor, lines: cancelled.map((l) => ({ ...l, amountMinor: l.quantity * (prices.get(l.lineNo) ?? 0) })) };
}

/** Timeline events for a refund (only when money moves). */
export function addRefundEvent(timeline: TimelineBatch, order: WorkflowOrder, refund: RefundDecision, reason: string, actor: Actor = 'platform'): void {
  if (refund.action === 'NONE' || refund.amountMinor <= 0) return;
  timeline.add({
    type: 'RefundRequested',
    actor,
    message: `${refund.action === 'REFUND' ? 'Refund' : 'Void of the authorization'} requested: ${moneyText(refund.amountMinor, order.currency)}`,
    data: { action: refund.action, amountMinor: refund.amountMinor, currency: order.currency, reason, lines: refund.lines, paymentReference: order.payment.reference },
  });
}

/** The lines still open on the order: ordered minus cancelled. */
export function openLines(order: WorkflowOrder): LineQuantity[] {
  const cancelled = new Map((order.cancelledLines ?? []).map((l) => [l.lineNo, l.quantity]));
  return order.lines
    .map((l) => ({ lineNo: l.lineNo, quantity: l.quantity - (cancelled.get(l.lineNo) ?? 0) }))
    .filter((l) => l.quantity > 0);
}

/** Whether a fulfillment can still be cancelled (nothing shipped). */
export function isCancellable(record: FulfillmentRecord): boolean {
  return isLive(record) && record.shipments.length === 0 && record.deliveredAt === undefined;
}

/**
 * What order-level decisions read of a fulfillment: the writers that derive the order from fulfillments
 * they only READ (Complete, CancelOrder / ops reject via planOrderCancellation, the supplier inbound
 * handler's derived status) look at liveness, PENDING / DELIVERED / EXCEPTION, cancellability and the
 * per-line shipped / delivered quantities (summarizeOrderProgress), nothing else. A fulfillment change that
 * leaves this view as it was (a carrier scan after the parcel already counts as shipped, OUT_FOR_DELIVERY,
 * DELAYED, an acceptance) cannot invalidate any of those decisions, so it need not bump the order's
 * version: it writes the fulfillment (version-conditioned) and its timeline events only.
 */
export function orderLevelView(record: FulfillmentRecord): string {
  // DISPATCHED and ACCEPTED are the same stage for every order-level reader (awaiting shipment).
  const stage = record.status === 'ACCEPTED' ? 'DISPATCHED' : record.status;
  return JSON.stringify({ stage, live: isLive(record), cancellable: isCancellable(record), lines: fulfillmentLineProgress(record) });
}

export interface AfterworkDeps {
  readonly store: StoreContext;
  readonly logger: TaskLogger;
  readonly now: Clock;
}

async function markCancellationSent(store: StoreContext, record: FulfillmentRecord, at: string): Promise<void> {
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: keys.fulfillment(record.orderId, record.fulfillmentId),
      UpdateExpression: 'SET cancellationSentAt = :at, version = version + :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': at, ':one': 1 },
    }),
  );
}

/**
 * Re-entrant side effects of closed fulfillments: release their HELD reservations (and, when the
 * order is terminal, every HELD reservation), and, given the outbound channel, send the CANCELLATION
 * each cancelled, dispatched fulfillment still owes.
 */
export async function settleClosedFulfillments(
  deps: AfterworkDeps & { readonly outbound?: OutboundDeps | undefined },
  aggregate: OrderAggregate,
  reason: string,
): Promise<void> {
  const at = deps.now().toISOString();
  const closed = new Set(aggregate.fulfillments.filter((f) => !isLive(f)).map((f) => f.fulfillmentId));
  const terminal = aggregate.order.status === 'CANCELLED' || aggregate.order.status === 'REJECTED';
  const toRelease = aggregate.reservations.filter((r) => r.status === 'HELD' && (terminal || closed.has(r.fulfillmentId)));
  if (toRelease.length > 0) {
    const released = await settleReservations(deps.store, toRelease, 'RELEASE', reason, at);
    if (released.length > 0) deps.logger.info('Reservations released', { orderId: aggregate.order.orderId, count: released.length, reason });
  }
  const outbound = deps.outbound;
  if (outbound === undefined) return;
  for (const record of aggregate.fulfillments) {
    if (record.status !== 'CANCELLED' || record.dispatchedAt === undefined || record.cancellationSentAt !== undefined) continue;
    const result = await sendToSupplier(outbound, record.supplierId, cancellationMessage(record.fulfillmentId, record.cancelReason ?? reason, deps.now()));
    if (result === 'no-channel') {
      deps.logger.error('Cancellation not sent: supplier has no outbound queue', { supplierId: record.supplierId, fulfillmentId: record.fulfillmentId });
      continue;
    }
    await markCancellationSent(deps.store, record, at);
    deps.logger.info('Cancellation sent to supplier', { fulfillmentId: record.fulfillmentId, supplierId: record.supplierId });
  }
}

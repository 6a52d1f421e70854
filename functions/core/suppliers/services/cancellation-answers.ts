/**
 * A supplier's answer to a cancellation request (CANCELLATION_ACCEPTED / CANCELLATION_REJECTED, over its
 * inbound queue or as a file in `inbox/cancellation-answers/`), applied to the fulfillment that carries the
 * open request (`cancellationRequest.requestId`):
 *
 * - accepted, every unit of the fulfillment: it is CANCELLED (the supplier knows: no CANCELLATION is owed),
 *   its lines cancelled on the order, the refund requested, its reservations released; the waiting workflow
 *   state is failed with FulfillmentCancelled (the ASL's ReleaseCancelled ends the Map iteration);
 * - accepted, some units: the fulfillment keeps the rest (lines, purchase lines and reservation shrunk in the same
 *   transaction) and its workflow goes on with fewer lines;
 * - rejected: the request is closed, the purchase order stands (CancellationRejected with the reason).
 *
 * One transaction per answer (fulfillment + order, both version-conditioned, + the request record + timeline);
 * an answer for no open request is a duplicate when the request record already has it, else poison.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { TimelineBatch } from '../../events/store/timeline';
import { transact, type TransactItem } from '../../runtime/table/transactions';
import { nextFulfillment, parseFulfillmentId } from '../../workflow/domain/fulfillment-record';
import { putFulfillmentUpdate } from '../../workflow/store/fulfillments';
import { loadOrderAggregate, nextOrder, putOrderUpdate } from '../../workflow/store/order-aggregate';
import { getCancelRequest, putCancelRequestUpdate, type CancellationRequestRecord } from '../../workflow/store/cancel-requests';
import { addRefundEvent, mergeCancelledLines, refundForLines, settleClosedFulfillments } from '../../workflow/services/cancellations';
import { cancelUnits } from '../../workflow/services/cancel-requests';
import { reconcileFulfillmentToken } from '../../workflow/services/callbacks';
import { RETRY, optimistic } from '../../workflow/services/workflow-common';
import type { CancellationAnswerMessage } from '../schemas/supplier-messages';
import type { InboundDeps, InboundOutcome } from './supplier-inbound';

/** The request record after one fulfillment answered (its outcome's lines follow the answer). */
function answered(request: CancellationRequestRecord, fulfillmentId: string, accepted: boolean, lines: readonly { lineNo: number; quantity: number }[], at: string): CancellationRequestRecord {
  const pending = request.pending.filter((id) => id !== fulfillmentId);
  const outcomeLines = request.outcome.lines.map((l) => {
    const hit = lines.find((x) => x.lineNo === l.lineNo);
    return l.state === 'REQUESTED' && hit !== undefined ? { ...l, state: accepted ? ('CANCELLED' as const) : ('NOT_CANCELLABLE' as const) } : l;
  });
  const stillAsked = outcomeLines.some((l) => l.state === 'REQUESTED') && pending.length > 0;
  const anyCancelled = outcomeLines.some((l) => l.state === 'CANCELLED');
  const status = stillAsked ? 'CANCELLATION_REQUESTED' : anyCancelled ? 'CANCELLED' : 'NOT_CANCELLABLE';
  return {
    ...request,
    pending,
    outcome: { ...request.outcome, status, lines: outcomeLines, ...(status === 'NOT_CANCELLABLE' && !accepted ? { reason: 'SUPPLIER_REJECTED' } : {}) },
    updatedAt: at,
    version: request.version + 1,
  };
}

// Long: one optimistic read-decide-write attempt per answer, top to bottom.
export async function applyCancellationAnswer(deps: InboundDeps, supplierId: string, message: CancellationAnswerMessage): Promise<InboundOutcome> {
  const fulfillmentId = message.fulfillmentId;
  const ref = parseFulfillmentId(fulfillmentId);
  if (ref === undefined) return { kind: 'poison', code: 'UNKNOWN_FULFILLMENT', message: 'not a fulfillment id', fulfillmentId };
  const accepted = message.type === 'CANCELLATION_ACCEPTED';
  const result = await optimistic('CancellationAnswer', async (): Promise<{ outcome: InboundOutcome; whole: boolean } | typeof RETRY> => {
    const aggregate = await loadOrderAggregate(deps.store, ref.orderId);
    const record = aggregate?.fulfillments.find((f) => f.fulfillmentId === fulfillmentId);
    if (aggregate === undefined || record === undefined) {
      return { outcome: { kind: 'poison', code: 'UNKNOWN_FULFILLMENT', message: `fulfillment ${fulfillmentId} does not exist`, fulfillmentId }, whole: false };
    }
    if (record.supplierId !== supplierId) {
      deps.metrics.addMetric('SupplierMismatch', MetricUnit.Count, 1);
      return { outcome: { kind: 'poison', code: 'SUPPLIER_MISMATCH', message: 'this fulfillment does not belong to the sending supplier', fulfillmentId }, whole: false };
    }
    const mark = record.cancellationRequest;
    if (mark === undefined || mark.requestId !== message.requestId) {
      // Already answered (a redelivery) or never asked.
      const known = record.appliedEventIds.includes(message.messageId);
      return {
        outcome: known
          ? { kind: 'duplicate', fulfillmentId, resumed: 'no-token' }
          : { kind: 'poison', code: 'INVALID_EVENT', message: `no open cancellation request ${message.requestId} on this fulfillment`, fulfillmentId },
        whole: false,
      };
    }
    const request = await getCancelRequest(deps.store, ref.orderId, mark.sourceRequestId);
    const { order } = aggregate;
    const at = deps.now().toISOString();
    const ids = { fulfillmentId, supplierId };
    const timeline = new TimelineBatch(order.orderId, order.channelId, at);
    const seen = [...record.appliedEventIds, message.messageId].slice(-50);
    const items: TransactItem[] = [];
    let whole = false;
    const applies = accepted && record.shipments.length === 0 && record.status !== 'CANCELLED';
    if (applies) {
      whole = record.lines.every((l) => (mark.lines.find((x) => x.lineNo === l.lineNo)?.quantity ?? 0) >= l.quantity);
      // The supplier knows (it accepted): no unilateral CANCELLATION is owed for this fulfillment.
      const done = cancelUnits(deps, aggregate, record, mark.lines, whole, mark.reason, at, {
        cancellationRequest: undefined,
        appliedEventIds: seen,
        ...(whole ? { cancellationSentAt: at } : {}),
      });
      items.push(...done.items);
      const refund = refundForLines(order, mark.lines);
      const refunded = refund.action === 'NONE' ? 0 : refund.amountMinor;
      timeline.add({ type: 'CancellationAccepted', actor: 'supplier', message: `${supplierId} accepted the cancellation request`, data: { ...ids, requestId: mark.sourceRequestId, lines: mark.lines } });
      if (whole) timeline.add({ type: 'FulfillmentCancelled', actor: 'supplier', message: `Fulfillment ${fulfillmentId} at ${supplierId} cancelled on request`, data: { ...ids, reason: mark.reason } });
      timeline.add({ type: 'LinesCancelled', actor: 'supplier', message: `Line${mark.lines.length === 1 ? '' : 's'} ${mark.lines.map((l) => l.lineNo).join(', ')} cancelled at ${supplierId}`, data: { fromFulfillmentId: fulfillmentId, reason: mark.reason, lines: mark.lines } });
      addRefundEvent(timeline, order, refund, mark.reason, 'supplier');
      items.push(putOrderUpdate(deps.store, nextOrder(order, { cancelledLines: mergeCancelledLines(order, mark.lines), refundRequestedMinor: (order.refundRequestedMinor ?? 0) + refunded }, at), order.version));
    } else {
      const reason = message.type === 'CANCELLATION_REJECTED' ? message.reason : 'ALREADY_SHIPPED';
      const next = nextFulfillment(record, { cancellationRequest: undefined, appliedEventIds: seen }, at);
      items.push(putFulfillmentUpdate(deps.store, next, record.version), putOrderUpdate(deps.store, nextOrder(order, {}, at), order.version));
      timeline.add({
        type: 'CancellationRejected',
        actor: 'supplier',
        message: `${supplierId} refused the cancellation request (${reason}); the order goes on`,
        data: { ...ids, requestId: mark.sourceRequestId, reason, ...(message.type === 'CANCELLATION_REJECTED' && message.message !== undefined ? { message: message.message } : {}) },
      });
    }
    if (request !== undefined) items.push(putCancelRequestUpdate(deps.store, answered(request, fulfillmentId, applies, mark.lines, at), request.version));
    items.push(...timeline.items(deps.store));
    const outcome = await transact(deps.store, items);
    if (!outcome.ok) return RETRY;
    deps.metrics.addMetric(`SupplierMessage${message.type}`, MetricUnit.Count, 1);
    return { outcome: { kind: 'applied', fulfillmentId, status: whole ? 'CANCELLED' : record.status, orderStatus: order.status, resumed: 'waiting' }, whole };
  });
  if (result.outcome.kind !== 'applied' || !result.whole) return result.outcome;
  // A fully cancelled fulfillment: release its stock and end its Map iteration (FulfillmentCancelled).
  const fresh = await loadOrderAggregate(deps.store, ref.orderId);
  if (fresh === undefined) return result.outcome;
  await settleClosedFulfillments(deps, fresh, 'CANCELLED');
  const record = fresh.fulfillments.find((f) => f.fulfillmentId === fulfillmentId);
  const resumed = record === undefined ? 'no-token' : await reconcileFulfillmentToken(deps, record);
  deps.logger.info('Cancellation accepted by the supplier', { fulfillmentId, supplierId, resumed });
  return { ...result.outcome, resumed };
}

/**
 * The Dispatch task (waitForTaskToken): publish the purchase order and record DISPATCHED. Kept apart
 * from the other callback tasks (callbacks.ts) because it is the one that renders the packing slip PDF
 * (suppliers/services/purchase-order-delivery.ts, pdf-lib): only the bundles that import this module
 * carry pdf-lib (docs/infrastructure.md, "Bundles and the AWS SDK").
 */
import { applyFulfillmentEvent } from '../domain/fulfillment-events';
import type { Channel } from '../../orders/domain/channel';
import type { WorkflowOrder } from '../../orders/domain/order';
import type { FulfillmentDocuments } from '../domain/fulfillment-status';
import type { Supplier } from '../../suppliers/domain/supplier';
import { WorkflowStateError } from '../../kernel/errors';
import type { DispatchInput } from '../schemas/workflow';
import { getChannel, getSupplier } from '../../inventory/store/catalog';
import { documentsOf, hasDocuments, recordDocuments, type WithDocuments } from '../../suppliers/store/documents';
import { putFulfillmentUpdate } from '../store/fulfillments';
import { nextFulfillment, type FulfillmentRecord } from '../domain/fulfillment-record';
import { bumpOrderVersion, getWorkflowOrder } from '../store/order-aggregate';
import { putTaskToken } from '../store/task-tokens';
import { TimelineBatch } from '../../events/store/timeline';
import { transact } from '../../runtime/table/transactions';
import { cancellationMessage, sendToSupplier, type OutboundDeps } from '../../suppliers/services/supplier-outbound';
import { sendPurchaseOrderAmendment } from '../../suppliers/services/po-amendment';
import { deliverPurchaseOrder } from '../../suppliers/services/purchase-order-delivery';
import { readFulfillment, resumeIfReached, tokenRecord, type CallbackDeps, type CallbackResult } from './callbacks';
import { RETRY, optimistic } from './workflow-common';

export type DispatchDeps = CallbackDeps & OutboundDeps;

// Long: one optimistic attempt of the Dispatch task (token, purchase order, timeline, transaction, resume) that reads top to bottom.
/**
 * Dispatch: store the ACCEPTANCE token, publish the purchase order (first, so a crash can only repeat
 * it, never lose it: the packing slip and, for `file` suppliers, the purchase-order file in the
 * supplier's outbox, or the PURCHASE_ORDER message; same keys and messageId every time), record
 * DISPATCHED + FulfillmentDispatched with the published `documents`.
 * A fulfillment already accepted / rejected / cancelled resumes the state at once.
 */
export async function dispatch(deps: DispatchDeps, input: DispatchInput): Promise<CallbackResult> {
  const { fulfillment: task } = input;
  const token = tokenRecord('ACCEPTANCE', input.taskToken, task.orderId, deps.now(), task);
  await putTaskToken(deps.store, token);
  let sent = false;
  let published: FulfillmentDocuments = {};
  // The order's address revision the published purchase order carries (0: the checkout address).
  let sentRevision = 0;
  return optimistic('Dispatch', async () => {
    const record = await readFulfillment(deps.store, task.orderId, task.fulfillmentId);
    if (sent && record.status === 'CANCELLED' && record.dispatchedAt === undefined) {
      // A cancellation won the race to record (the order's version): the purchase order already went out, so
      // the supplier is told not to ship it; the iteration then ends with FulfillmentCancelled below.
      await sendToSupplier(deps, record.supplierId, cancellationMessage(record.fulfillmentId, record.cancelReason ?? 'CANCELLED', deps.now()));
      deps.logger.info('Purchase order withdrawn: cancelled while it was being sent', { fulfillmentId: record.fulfillmentId });
    }
    const resumed = await resumeIfReached(deps, record, token);
    if (resumed !== 'waiting') return { action: resumed === 'sent' ? 'resumed' : 'already-handled', status: record.status };
    if (record.dispatchedAt !== undefined) {
      // Re-entry (Lambda retry, redrive, a restarted local runtime): the purchase order may never have
      // reached the supplier, so publish it again, as first issued (same keys, same messageId: suppliers dedupe).
      const order = await getWorkflowOrder(deps.store, task.orderId);
      if (order === undefined) throw new WorkflowStateError(`Order ${task.orderId} does not exist`);
      const [supplier, channel] = await Promise.all([getSupplier(deps.store, record.supplierId), getChannel(deps.store, order.channelId)]);
      const again = await deliverPurchaseOrder(deps, { order, fulfillment: record, supplier, channel, issuedAt: new Date(record.dispatchedAt) });
      if (Object.keys(again.documents).length > 0 && !hasDocuments(documentsOf(record), again.documents)) {
        await recordDocuments(deps.store, record.orderId, record.fulfillmentId, again.documents);
      }
      // The first issue may predate an address change (the supplier dedupes this re-send): the amendment of the
      // current revision again, idempotent (same revision, same message id / file key).
      if ((order.addressRevision ?? 0) > 0) await amendShipTo(deps, order, record, deps.now());
      return { action: 'waiting', status: record.status };
    }

    const order = await getWorkflowOrder(deps.store, task.orderId);
    if (order === undefined) throw new WorkflowStateError(`Order ${task.orderId} does not exist`);
    const now = deps.now();
    const at = now.toISOString();
    const timeline = new TimelineBatch(order.orderId, order.channelId, at);
    let event: Parameters<typeof applyFulfillmentEvent>[1];
    if (!sent) {
      const [supplier, channel]: [Supplier | undefined, Channel | undefined] = await Promise.all([
        getSupplier(deps.store, record.supplierId),
        getChannel(deps.store, order.channelId),
      ]);
      const result = await deliverPurchaseOrder(deps, { order, fulfillment: record, supplier, channel, issuedAt: now });
      if (result.delivery === 'no-channel') {
        deps.logger.error('Supplier has no outbound queue configured', { supplierId: record.supplierId, fulfillmentId: record.fulfillmentId });
        event = { type: 'REJECTED', at, reasons: [{ reason: 'OTHER', message: 'the supplier has no outbound channel configured' }] };
      } else {
        sent = true;
        published = result.documents;
        sentRevision = order.addressRevision ?? 0;
        event = { type: 'DISPATCHED', at };
      }
    } else {
      event = { type: 'DISPATCHED', at };
    }
    const applied = applyFulfillmentEvent(record, event);
    if (applied.outcome !== 'applied') return RETRY;
    if (event.type === 'DISPATCHED') {
      timeline.add({
        type: 'FulfillmentDispatched',
        actor: 'platform',
        message: `Purchase order sent to ${record.supplierId}`,
        data: { fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, shipBy: record.promise.shipBy, deliverBy: record.promise.deliverBy },
      });
    } else {
      timeline.add({
        type: 'FulfillmentRejected',
        actor: 'platform',
        message: `Fulfillment ${record.fulfillmentId} could not be sent to ${record.supplierId}`,
        data: { fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, reasons: applied.state.rejections ?? [] },
      });
    }
    // The published documents go into the same write as DISPATCHED (merged with any recorded before).
    const changes: Partial<FulfillmentRecord> & WithDocuments =
      event.type === 'DISPATCHED' && Object.keys(published).length > 0
        ? { ...applied.state, documents: { ...documentsOf(record), ...published } }
        : applied.state;
    const next = nextFulfillment(record, changes, at);
    const outcome = await transact(deps.store, [
      putFulfillmentUpdate(deps.store, next, record.version),
      bumpOrderVersion(deps.store, order.orderId, order.version),
      ...timeline.items(deps.store),
    ]);
    if (!outcome.ok) return RETRY;
    deps.logger.info(event.type === 'DISPATCHED' ? 'Purchase order dispatched' : 'Fulfillment rejected: no channel', {
      orderId: order.orderId,
      fulfillmentId: record.fulfillmentId,
      supplierId: record.supplierId,
    });
    // An address change that committed while the purchase order was being sent saw the fulfillment not yet
    // dispatched (so it amended nothing) and moved the order's version (so this write was retried on the new
    // order): the supplier holds the old ship-to, the amendment brings the new one.
    if (event.type === 'DISPATCHED' && (order.addressRevision ?? 0) !== sentRevision) await amendShipTo(deps, order, next, now);
    const after = await resumeIfReached(deps, next, token);
    return { action: after === 'waiting' ? 'waiting' : after === 'sent' ? 'resumed' : 'already-handled', status: next.status };
  });
}

/** PURCHASE_ORDER_AMENDED with the order's current ship-to and address revision (suppliers/services/po-amendment.ts). */
async function amendShipTo(deps: DispatchDeps, order: WorkflowOrder, fulfillment: FulfillmentRecord, issuedAt: Date): Promise<void> {
  await sendPurchaseOrderAmendment(deps, { order, fulfillment, revision: order.addressRevision ?? 1, issuedAt });
  deps.logger.info('Purchase order amended: the address changed while it was being sent', { orderId: order.orderId, fulfillmentId: fulfillment.fulfillmentId });
}


/**
 * Reroute (Dispatch caught SupplierRejected or States.Timeout): the fulfillment becomes REJECTED
 * (reason TIMED_OUT on silence; the supplier's reasons were recorded by the inbound handler), its
 * reservations are released, and its lines are routed again with every supplier that already
 * rejected them excluded: new fulfillments (next sequence numbers) reserved in one transaction, or the
 * lines no one can serve cancelled with a refund request. Re-entrant: the outcome is recorded on the
 * rejected fulfillment (`reroute`) and returned again on a repeat.
 *
 * An acceptance that raced the timeout wins: the same fulfillment is returned as REROUTED and the
 * next Dispatch resumes at once. Units the customer asked to cancel while the supplier was silent (an open
 * `cancellationRequest` on the rejected fulfillment) are cancelled with a refund request, never rerouted.
 */
import { routeOrder } from '../domain/routing';
import { type Exclusion } from '../domain/routing-rules';
import { applyFulfillmentEvent } from '../domain/fulfillment-events';
import { type LineQuantity } from '../../orders/domain/order-lifecycle';
import { WorkflowStateError } from '../../kernel/errors';
import type { RerouteInput, RerouteResult } from '../schemas/workflow';
import { loadRoutingCatalog } from '../../inventory/store/catalog';
import { isLive, nextFulfillment, type FulfillmentRecord } from '../domain/fulfillment-record';
import { putFulfillmentUpdate } from '../store/fulfillments';
import { bumpOrderVersion, loadOrderAggregate, nextOrder, putOrderUpdate } from '../store/order-aggregate';
import { settleReservations } from '../../inventory/store/reservations';
import { TimelineBatch } from '../../events/store/timeline';
import { transact } from '../../runtime/table/transactions';
import { allocate, commitAllocation, fulfillmentSummary, nextSequence } from './allocation';
import { addRefundEvent, mergeCancelledLines, refundForLines } from './cancellations';
import { RETRY, optimistic, toFulfillmentTask, type WorkflowDeps } from './workflow-common';

function recorded(record: FulfillmentRecord, children: readonly FulfillmentRecord[], deps: WorkflowDeps): RerouteResult {
  const reroute = record.reroute;
  const now = deps.now();
  if (reroute !== undefined && reroute.outcome === 'REROUTED') {
    const first = children.find((c) => c.fulfillmentId === reroute.fulfillmentIds[0]);
    if (first !== undefined) {
      return { outcome: 'REROUTED', fulfillment: toFulfillmentTask(first, now, deps.settings), additionalFulfillments: reroute.fulfillmentIds.length - 1 };
    }
  }
  return { outcome: 'LINES_CANCELLED', refundRequestedMinor: reroute?.refundRequestedMinor ?? 0 };
}

type Aggregate = NonNullable<Awaited<ReturnType<typeof loadOrderAggregate>>>;

/** 1. Silence past the acceptance SLA (or anything but a recorded rejection): record the timeout. */
async function recordTimeout(deps: WorkflowDeps, aggregate: Aggregate, record: FulfillmentRecord, now: Date): Promise<RerouteResult | typeof RETRY> {
  const { order } = aggregate;
  const at = now.toISOString();
  const applied = applyFulfillmentEvent(record, { type: 'ACCEPTANCE_TIMED_OUT', at });
  if (applied.outcome !== 'applied') {
    // Accepted (or shipped) meanwhile: carry on with this fulfillment.
    deps.logger.info('Acceptance arrived with the timeout; continuing', { fulfillmentId: record.fulfillmentId, status: record.status });
    return { outcome: 'REROUTED', fulfillment: toFulfillmentTask(record, now, deps.settings), additionalFulfillments: 0 };
  }
  const timeline = new TimelineBatch(order.orderId, order.channelId, at).add({
    type: 'FulfillmentRejected',
    actor: 'platform',
    message: `${record.supplierId} did not answer within its ${record.acceptanceSlaMinutes} min acceptance SLA`,
    data: { fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, reasons: applied.state.rejections ?? [] },
  });
  // Committed or lost a race: either way the next pass re-reads and reroutes the REJECTED fulfillment.
  await transact(deps.store, [
    putFulfillmentUpdate(deps.store, nextFulfillment(record, applied.state, at), record.version),
    bumpOrderVersion(deps.store, order.orderId, order.version),
    ...timeline.items(deps.store),
  ]);
  return RETRY;
}

/** 3a. Route the rejected lines again, without any supplier that already rejected them. */
async function planReroute(deps: WorkflowDeps, aggregate: Aggregate, record: FulfillmentRecord, at: string) {
  const { order, fulfillments, reservations } = aggregate;
  const exclusions: Exclusion[] = fulfillments
    .filter((f) => f.status === 'REJECTED')
    .flatMap((f) => f.lines.map((l) => ({ supplierId: f.supplierId, lineNo: l.lineNo })));
  const orderLines = new Map(order.lines.map((l) => [l.lineNo, l]));
  // The customer's open cancellation request wins over a reroute: those units are cancelled, not sent elsewhere.
  const requested = new Map((record.cancellationRequest?.lines ?? []).map((l) => [l.lineNo, l.quantity]));
  const withdrawn: LineQuantity[] = record.lines.flatMap((l) => {
    const quantity = Math.min(requested.get(l.lineNo) ?? 0, l.quantity);
    return quantity > 0 ? [{ lineNo: l.lineNo, quantity }] : [];
  });
  const lines = record.lines.flatMap((l) => {
    const line = orderLines.get(l.lineNo);
    const quantity = l.quantity - Math.min(requested.get(l.lineNo) ?? 0, l.quantity);
    return line === undefined || quantity === 0 ? [] : [{ lineNo: l.lineNo, sku: line.sku, quantity, unitPriceMinor: line.unitPriceMinor }];
  });
  const catalog = await loadRoutingCatalog(deps.store, lines.map((l) => l.sku));
  const { suppliers } = catalog;
  const allocation = routeOrder(
    {
      lines,
      destination: { country: order.shippingAddress.country, postcode: order.shippingAddress.postcode },
      offers: catalog.offers,
      suppliers: [...suppliers.values()],
      now: at,
      currency: order.currency,
      exclusions,
    },
    deps.settings.routing,
  );
  const firstSequence = nextSequence(fulfillments, reservations);
  const allocated = allocation.fulfillments.map((planned, index) =>
    allocate(order, planned, firstSequence + index, suppliers.get(planned.supplierId), at, deps.settings, record.fulfillmentId),
  );
  const unservable: LineQuantity[] = allocation.unservable.map((u) => ({ lineNo: u.lineNo, quantity: u.quantity }));
  const cancelled = [...withdrawn, ...unservable];
  return { catalog, allocation, allocated, withdrawn, unservable, cancelled, refund: refundForLines(order, cancelled) };
}

type ReroutePlan = Awaited<ReturnType<typeof planReroute>>;

/** 3b. The timeline of a reroute: where the lines went, which were cancelled, the refund request. */
function rerouteTimeline(aggregate: Aggregate, record: FulfillmentRecord, plan: ReroutePlan, at: string): TimelineBatch {
  const { order } = aggregate;
  const children = plan.allocated.map((a) => a.record);
  const timeline = new TimelineBatch(order.orderId, order.channelId, at);
  if (children.length > 0) {
    timeline.add({
      type: 'FulfillmentRerouted',
      actor: 'platform',
      message: `Lines of ${record.fulfillmentId} (rejected by ${record.supplierId}) rerouted to ${children.map((c) => c.supplierId).join(', ')}`,
      data: { fromFulfillmentId: record.fulfillmentId, fromSupplierId: record.supplierId, fulfillments: fulfillmentSummary(children) },
    });
  }
  const request = record.cancellationRequest;
  if (plan.withdrawn.length > 0 && request !== undefined) {
    timeline.add({
      type: 'LinesCancelled',
      actor: 'platform',
      message: `${record.supplierId} never confirmed the purchase order: line${plan.withdrawn.length === 1 ? '' : 's'} ${plan.withdrawn.map((c) => c.lineNo).join(', ')} cancelled as requested, not rerouted`,
      data: { reason: request.reason, fromFulfillmentId: record.fulfillmentId, lines: plan.withdrawn },
    });
  }
  if (plan.unservable.length > 0) {
    timeline.add({
      type: 'LinesCancelled',
      actor: 'platform',
      message: `No other supplier can serve line${plan.unservable.length === 1 ? '' : 's'} ${plan.unservable.map((c) => c.lineNo).join(', ')}: cancelled`,
      data: {
        fromFulfillmentId: record.fulfillmentId,
        lines: plan.allocation.unservable.map((u) => ({ lineNo: u.lineNo, quantity: u.quantity, codes: u.reasons.map((r) => r.code) })),
      },
    });
  }
  if (plan.cancelled.length > 0) addRefundEvent(timeline, order, plan.refund, plan.unservable.length > 0 ? 'LINES_UNSERVABLE' : 'CANCELLATION_REQUESTED');
  return timeline;
}

/** 3c. One transaction: the new fulfillments and their reservations, the outcome on the rejected one, the order. */
async function commitReroute(deps: WorkflowDeps, aggregate: Aggregate, record: FulfillmentRecord, plan: ReroutePlan, at: string): Promise<RerouteResult | typeof RETRY> {
  const { order, fulfillments } = aggregate;
  const children = plan.allocated.map((a) => a.record);
  const refunded = plan.refund.action === 'NONE' ? 0 : plan.refund.amountMinor;
  const nextRecord = nextFulfillment(
    record,
    { reroute: { outcome: children.length > 0 ? 'REROUTED' : 'LINES_CANCELLED', fulfillmentIds: children.map((c) => c.fulfillmentId), cancelledLines: plan.cancelled, refundRequestedMinor: refunded, at } },
    at,
  );
  const nextOrderItem = nextOrder(
    order,
    plan.cancelled.length === 0 ? {} : { cancelledLines: mergeCancelledLines(order, plan.cancelled), refundRequestedMinor: (order.refundRequestedMinor ?? 0) + refunded },
    at,
  );
  const timeline = rerouteTimeline(aggregate, record, plan, at);
  const outcome = await commitAllocation(
    deps.store,
    plan.allocated,
    plan.catalog,
    [putFulfillmentUpdate(deps.store, nextRecord, record.version), putOrderUpdate(deps.store, nextOrderItem, order.version), ...timeline.items(deps.store)],
    at,
    deps.settings.hotSkus,
  );
  if (!outcome.ok) return RETRY;
  deps.logger.info('Fulfillment rerouted', {
    orderId: order.orderId,
    from: record.fulfillmentId,
    to: children.map((c) => c.fulfillmentId),
    cancelledLines: plan.cancelled.map((c) => c.lineNo),
    liveFulfillments: fulfillments.filter(isLive).length,
  });
  return recorded(nextRecord, children, deps);
}

/** One optimistic read-decide-write attempt: record the timeout, release the rejected stock, reroute. */
export async function reroute(deps: WorkflowDeps, input: RerouteInput): Promise<RerouteResult> {
  const task = input.fulfillment;
  return optimistic('Reroute', async () => {
    const aggregate = await loadOrderAggregate(deps.store, task.orderId);
    if (aggregate === undefined) throw new WorkflowStateError(`Order ${task.orderId} does not exist`);
    const record = aggregate.fulfillments.find((f) => f.fulfillmentId === task.fulfillmentId);
    if (record === undefined) throw new WorkflowStateError(`Fulfillment ${task.fulfillmentId} does not exist`);
    const now = deps.now();
    const at = now.toISOString();

    if (record.reroute !== undefined) return recorded(record, aggregate.fulfillments, deps);
    if (record.status === 'CANCELLED') return { outcome: 'LINES_CANCELLED', refundRequestedMinor: 0 };
    if (record.status !== 'REJECTED') return recordTimeout(deps, aggregate, record, now);

    // 2. Give back what the rejected supplier held.
    const held = aggregate.reservations.filter((r) => r.fulfillmentId === record.fulfillmentId && r.status === 'HELD');
    if (held.length > 0) {
      await settleReservations(deps.store, held, 'RELEASE', 'SUPPLIER_REJECTED', at);
      return RETRY;
    }
    return commitReroute(deps, aggregate, record, await planReroute(deps, aggregate, record, at), at);
  });
}

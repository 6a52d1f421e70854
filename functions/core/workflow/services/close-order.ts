/**
 * CancelOrder / CompensateOrder, CancelFulfillment and Complete: the tasks that close an order or a
 * fulfillment. All re-entrant (they look at what is stored) and idempotent (refunds are tracked on
 * the order, reservations settle once, cancellation messages are sent until marked sent).
 */
import { applyFulfillmentEvent } from '../domain/fulfillment-events';
import { canTransition, nextOrderStatus, type LineQuantity } from '../../orders/domain/order-lifecycle';
import { summarizeOrderProgress } from '../domain/fulfillment-progress';
import type { Actor } from '../../events/domain/events';
import type { OrderStatus, WorkflowOrder } from '../../orders/domain/order';
import { WORKFLOW_ERROR_NAMES, WorkflowOutcome, WorkflowStateError } from '../../kernel/errors';
import type {
  CancelFulfillmentInput,
  CancelFulfillmentResult,
  CancelOrderInput,
  CancelOrderResult,
  CancelReason,
  CompleteResult,
  FlagExceptionInput,
  FulfillmentTask,
} from '../schemas/workflow';
import { isLive, nextFulfillment, type FulfillmentRecord } from '../domain/fulfillment-record';
import { putFulfillmentUpdate } from '../store/fulfillments';
import { bumpOrderVersion, loadOrderAggregate, nextOrder, putOrderUpdate, type OrderAggregate } from '../store/order-aggregate';
import { settleReservations } from '../../inventory/store/reservations';
import { TimelineBatch } from '../../events/store/timeline';
import { transact, type TransactItem } from '../../runtime/table/transactions';
import {
  addRefundEvent,
  isCancellable,
  mergeCancelledLines,
  openLines,
  refundForLines,
  refundForWholeOrder,
  settleClosedFulfillments,
  type AfterworkDeps,
} from './cancellations';
import type { OutboundDeps } from '../../suppliers/services/supplier-outbound';
import { RETRY, optimistic, toFulfillmentTask, type WorkflowDeps } from './workflow-common';

/** CancelOrder / CancelFulfillment also send CANCELLATION messages (outbound). */
export type CloseDeps = WorkflowDeps & AfterworkDeps & { readonly outbound: OutboundDeps };

async function load(deps: WorkflowDeps, orderId: string): Promise<OrderAggregate> {
  const aggregate = await loadOrderAggregate(deps.store, orderId);
  if (aggregate === undefined) throw new WorkflowStateError(`Order ${orderId} does not exist`);
  return aggregate;
}

/** CancelOrder's reason: given by the state machine, else inferred from the state it was handed. */
export function cancelReason(input: CancelOrderInput): CancelReason {
  if (input.reason !== undefined) return input.reason;
  if (input.hold?.decision === 'REJECT') return 'HOLD_REJECTED';
  if (input.error?.Error === 'States.Timeout' && (input.route?.outcome === 'HOLD' || input.screen?.outcome === 'HOLD')) return 'HOLD_TIMEOUT';
  if (input.route?.outcome === 'OUT_OF_STOCK') return 'OUT_OF_STOCK';
  return input.error === undefined ? 'CANCELLED' : 'FAILURE';
}

const CANCEL_MESSAGES: Readonly<Record<CancelReason, string>> = {
  OUT_OF_STOCK: 'Order cancelled: not enough stock at any eligible supplier',
  HOLD_REJECTED: 'Order cancelled: the hold was rejected',
  HOLD_TIMEOUT: 'Order cancelled: the hold was not resolved in time',
  FAILURE: 'Order compensated after a workflow failure',
  CANCELLED: 'Order cancelled',
};

export interface WholeOrderCancellation {
  readonly items: TransactItem[];
  readonly next: WorkflowOrder;
  readonly refundMinor: number;
  readonly cancelled: readonly FulfillmentRecord[];
}

/**
 * The writes that cancel whatever can still be cancelled: every unshipped fulfillment, and the order
 * itself when nothing shipped (else its status follows what shipped). Shared with ops reject.
 */
export function planOrderCancellation(
  deps: Pick<WorkflowDeps, 'store'>,
  aggregate: OrderAggregate,
  reason: string,
  message: string,
  actor: Actor,
  at: string,
  extra: { readonly error?: string | undefined; readonly note?: string | undefined; readonly orderChanges?: Partial<WorkflowOrder> } = {},
): WholeOrderCancellation {
  const { order, fulfillments } = aggregate;
  const timeline = new TimelineBatch(order.orderId, order.channelId, at);
  const items: TransactItem[] = [];
  const cancelled: FulfillmentRecord[] = [];
  const after: FulfillmentRecord[] = [];
  for (const record of fulfillments) {
    if (!isCancellable(record)) {
      after.push(record);
      continue;
    }
    const applied = applyFulfillmentEvent(record, { type: 'CANCELLED', at, reason });
    if (applied.outcome !== 'applied') {
      after.push(record);
      continue;
    }
    const next = nextFulfillment(record, applied.state, at);
    items.push(putFulfillmentUpdate(deps.store, next, record.version));
    cancelled.push(next);
    after.push(next);
    timeline.add({
      type: 'FulfillmentCancelled',
      actor,
      message: `Fulfillment ${record.fulfillmentId} at ${record.supplierId} cancelled (${reason})`,
      data: { fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, reason },
    });
  }
  const stillLive = after.filter(isLive);
  let next: WorkflowOrder;
  let refundMinor = 0;
  if (stillLive.length === 0 && canTransition(order.status, 'CANCELLED')) {
    const lines = openLines(order);
    const refund = refundForWholeOrder(order, lines);
    refundMinor = refund.action === 'NONE' ? 0 : refund.amountMinor;
    timeline.add({
      type: 'OrderCancelled',
      actor,
      message: extra.note === undefined ? message : `${message}: ${extra.note}`,
      data: { reason, ...(extra.error === undefined ? {} : { error: extra.error }) },
    });
    if (reason === 'FAILURE') {
      timeline.add({ type: 'OrderFailed', actor: 'platform', message: 'The order workflow failed; the order was compensated', data: { error: extra.error ?? 'unknown' } });
    }
    addRefundEvent(timeline, order, refund, reason, actor);
    next = nextOrder(
      order,
      {
        status: 'CANCELLED',
        holdReason: undefined,
        cancellation: { reason, actor, at },
        cancelledLines: mergeCancelledLines(order, lines),
        refundRequestedMinor: (order.refundRequestedMinor ?? 0) + refundMinor,
        ...extra.orderChanges,
      },
      at,
    );
  } else {
    // Goods already moved: cancel what did not ship, refund its lines, the order follows its shipments.
    const lines: LineQuantity[] = cancelled.flatMap((f) => f.lines);
    const refund = refundForLines(order, lines);
    refundMinor = refund.action === 'NONE' ? 0 : refund.amountMinor;
    if (lines.length > 0) {
      timeline.add({
        type: 'LinesCancelled',
        actor,
        message: `${message}: unshipped lines cancelled, shipped goods continue`,
        data: { reason, lines, ...(extra.error === undefined ? {} : { error: extra.error }) },
      });
      addRefundEvent(timeline, order, refund, reason, actor);
    }
    if (reason === 'FAILURE') {
      timeline.add({ type: 'OrderFailed', actor: 'platform', message: 'The order workflow failed; unshipped lines were compensated', data: { error: extra.error ?? 'unknown' } });
    }
    const derived = summarizeOrderProgress(after).status;
    const status = derived === 'CANCELLED' ? order.status : nextOrderStatus(order.status, derived);
    next = nextOrder(
      order,
      {
        status,
        cancelledLines: mergeCancelledLines(order, lines),
        refundRequestedMinor: (order.refundRequestedMinor ?? 0) + refundMinor,
      },
      at,
    );
  }
  items.push(putOrderUpdate(deps.store, next, order.version), ...timeline.items(deps.store));
  return { items, next, refundMinor, cancelled };
}

/** CancelOrder and CompensateOrder. */
export async function cancelOrder(deps: CloseDeps, input: CancelOrderInput): Promise<CancelOrderResult> {
  const reason = cancelReason(input);
  const result = await optimistic('CancelOrder', async () => {
    const aggregate = await load(deps, input.orderId);
    const { order } = aggregate;
    if (order.status === 'CANCELLED' || order.status === 'REJECTED' || order.status === 'DELIVERED') {
      return { aggregate, status: order.status, refundMinor: 0, cancelled: [] as string[] };
    }
    if (reason === 'HOLD_TIMEOUT' && order.status !== 'ON_HOLD') {
      // The hold was resolved (approved, paid) just as its wait timed out: nothing expired. The state machine
      // sees the status and goes back to ValidateAndRoute (CancelOrderApplied?), which continues the order.
      deps.logger.warn('Hold timeout after the hold was resolved: not cancelling', { orderId: order.orderId, status: order.status });
      return { aggregate, status: order.status, refundMinor: 0, cancelled: [] as string[] };
    }
    const at = deps.now().toISOString();
    const plan = planOrderCancellation(deps, aggregate, reason, CANCEL_MESSAGES[reason], reason === 'HOLD_REJECTED' ? 'operator' : 'platform', at, {
      error: input.error?.Error,
    });
    const outcome = await transact(deps.store, plan.items);
    if (!outcome.ok) return RETRY;
    deps.logger.info('Order cancellation applied', { orderId: order.orderId, reason, status: plan.next.status, refundMinor: plan.refundMinor });
    return { aggregate, status: plan.next.status, refundMinor: plan.refundMinor, cancelled: plan.cancelled.map((f) => f.fulfillmentId) };
  });
  const fresh = await load(deps, input.orderId);
  await settleClosedFulfillments(deps, fresh, reason);
  return {
    orderId: input.orderId,
    status: result.status,
    reason,
    refundRequestedMinor: result.refundMinor,
    cancelledFulfillmentIds: result.cancelled,
  };
}

/** CancelFulfillment: the supplier never shipped within ship-by + grace. */
export async function cancelFulfillment(deps: CloseDeps, input: CancelFulfillmentInput): Promise<CancelFulfillmentResult> {
  const task = input.fulfillment;
  const reason = input.reason ?? 'SHIP_BY_PASSED';
  const result = await optimistic('CancelFulfillment', async (): Promise<CancelFulfillmentResult | typeof RETRY> => {
    const aggregate = await load(deps, task.orderId);
    const { order } = aggregate;
    const record = aggregate.fulfillments.find((f) => f.fulfillmentId === task.fulfillmentId);
    if (record === undefined) throw new WorkflowStateError(`Fulfillment ${task.fulfillmentId} does not exist`);
    if (!isLive(record)) return { outcome: 'ALREADY_CLOSED', fulfillmentId: record.fulfillmentId, refundRequestedMinor: 0 };
    const at = deps.now().toISOString();
    const applied = applyFulfillmentEvent(record, { type: 'CANCELLED', at, reason });
    if (applied.outcome !== 'applied') {
      deps.logger.warn('Fulfillment cannot be cancelled (goods already moved); its exception stays open', {
        fulfillmentId: record.fulfillmentId,
        outcome: applied.outcome,
      });
      return { outcome: 'NOT_CANCELLABLE', fulfillmentId: record.fulfillmentId, refundRequestedMinor: 0 };
    }
    const next = nextFulfillment(record, applied.state, at);
    const refund = refundForLines(order, record.lines);
    const refunded = refund.action === 'NONE' ? 0 : refund.amountMinor;
    const timeline = new TimelineBatch(order.orderId, order.channelId, at)
      .add({
        type: 'FulfillmentCancelled',
        actor: 'platform',
        message: `Fulfillment ${record.fulfillmentId} at ${record.supplierId} cancelled: not shipped by ${record.promise.shipBy} plus grace`,
        data: { fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, reason },
      })
      .add({
        type: 'LinesCancelled',
        actor: 'platform',
        message: `Line${record.lines.length === 1 ? '' : 's'} ${record.lines.map((l) => l.lineNo).join(', ')} cancelled`,
        data: { fromFulfillmentId: record.fulfillmentId, lines: record.lines, reason },
      });
    addRefundEvent(timeline, order, refund, reason);
    const nextOrderItem = nextOrder(
      order,
      { cancelledLines: mergeCancelledLines(order, record.lines), refundRequestedMinor: (order.refundRequestedMinor ?? 0) + refunded },
      at,
    );
    const outcome = await transact(deps.store, [
      putFulfillmentUpdate(deps.store, next, record.version),
      putOrderUpdate(deps.store, nextOrderItem, order.version),
      ...timeline.items(deps.store),
    ]);
    if (!outcome.ok) return RETRY;
    deps.logger.info('Fulfillment cancelled', { orderId: order.orderId, fulfillmentId: record.fulfillmentId, reason, refundMinor: refunded });
    return { outcome: 'CANCELLED', fulfillmentId: record.fulfillmentId, refundRequestedMinor: refunded };
  });
  await settleClosedFulfillments(deps, await load(deps, task.orderId), reason);
  return result;
}

/**
 * Complete: after the Map. PENDING live fulfillments (a reroute split lines onto several suppliers)
 * go around again (MORE); otherwise the order's final status is derived from its fulfillments:
 * DELIVERED (reservations consumed), CANCELLED (nothing left live: refund the rest), or EXCEPTION
 * (a fulfillment is still open, e.g. lost: it stays on the exceptions index).
 */
export async function complete(deps: WorkflowDeps, input: { readonly orderId: string }): Promise<CompleteResult> {
  const result = await optimistic('Complete', async (): Promise<CompleteResult | typeof RETRY> => {
    const aggregate = await load(deps, input.orderId);
    const { order, fulfillments } = aggregate;
    const now = deps.now();
    const at = now.toISOString();
    const pending = fulfillments.filter((f) => isLive(f) && f.status === 'PENDING');
    if (pending.length > 0 && (order.status === 'IN_FULFILLMENT' || order.status === 'PARTIALLY_SHIPPED' || order.status === 'SHIPPED')) {
      return { outcome: 'MORE', status: order.status, fulfillments: pending.map((f): FulfillmentTask => toFulfillmentTask(f, now, deps.settings)) };
    }
    if (order.status === 'DELIVERED') return { outcome: 'DELIVERED', status: order.status, fulfillments: [] };
    if (order.status === 'CANCELLED' || order.status === 'REJECTED') return { outcome: 'CANCELLED', status: order.status, fulfillments: [] };

    const derived = fulfillments.length === 0 ? 'IN_FULFILLMENT' : summarizeOrderProgress(fulfillments).status;
    if (derived === 'CANCELLED') {
      const plan = planOrderCancellation(deps, aggregate, 'ALL_LINES_CANCELLED', 'Order cancelled: no line could be fulfilled', 'platform', at);
      const outcome = await transact(deps.store, plan.items);
      if (!outcome.ok) return RETRY;
      return { outcome: 'CANCELLED', status: plan.next.status, fulfillments: [] };
    }
    const status: OrderStatus = nextOrderStatus(order.status, derived);
    if (status !== order.status) {
      const timeline = new TimelineBatch(order.orderId, order.channelId, at);
      if (status === 'DELIVERED') timeline.add({ type: 'OrderDelivered', actor: 'platform', message: 'Every line was delivered', data: { fulfillments: fulfillments.filter(isLive).length } });
      else if (status === 'SHIPPED') timeline.add({ type: 'OrderShipped', actor: 'platform', message: 'Every line has shipped' });
      else if (status === 'PARTIALLY_SHIPPED') timeline.add({ type: 'OrderPartiallyShipped', actor: 'platform', message: 'Some lines have shipped' });
      const outcome = await transact(deps.store, [putOrderUpdate(deps.store, nextOrder(order, { status }, at), order.version), ...timeline.items(deps.store)]);
      if (!outcome.ok) return RETRY;
    }
    return { outcome: status === 'DELIVERED' ? 'DELIVERED' : 'EXCEPTION', status, fulfillments: [] };
  });
  if (result.outcome === 'DELIVERED' || result.outcome === 'CANCELLED') {
    const aggregate = await load(deps, input.orderId);
    await settleClosedFulfillments(deps, aggregate, result.outcome === 'DELIVERED' ? 'DELIVERED' : 'ALL_LINES_CANCELLED');
    // Delivered goods left the supplier's shelf: their reservations leave `stock` and `reserved` together.
    const delivered = new Set(aggregate.fulfillments.filter((f) => f.status === 'DELIVERED').map((f) => f.fulfillmentId));
    const consume = aggregate.reservations.filter((r) => r.status === 'HELD' && delivered.has(r.fulfillmentId));
    if (consume.length > 0) await settleReservations(deps.store, consume, 'CONSUME', 'DELIVERED', deps.now().toISOString());
  }
  deps.logger.info('Order completed', { orderId: input.orderId, outcome: result.outcome, status: result.status });
  return result;
}

/**
 * The Complete / NextFulfillments states: MORE becomes the named error MoreFulfillments (Complete ends the
 * execution otherwise); `report: 'PENDING'` answers the PENDING fulfillments for another pass of the Map.
 */
export async function completeState(deps: WorkflowDeps, input: { readonly orderId: string; readonly report?: 'HOLD' | 'PENDING' | undefined }): Promise<CompleteResult> {
  if (input.report === 'PENDING') {
    const { order, fulfillments } = await load(deps, input.orderId);
    const now = deps.now();
    const pending = fulfillments.filter((f) => isLive(f) && f.status === 'PENDING');
    return { outcome: 'MORE', status: order.status, fulfillments: pending.map((f) => toFulfillmentTask(f, now, deps.settings)) };
  }
  const result = await complete(deps, input);
  if (result.outcome === 'MORE') {
    throw new WorkflowOutcome(WORKFLOW_ERROR_NAMES.moreFulfillments, `${result.fulfillments.length} more fulfillment(s) to dispatch`);
  }
  return result;
}

const EXCEPTION_MESSAGES = {
  SHIP_BY_PASSED: (r: FulfillmentRecord) => `Ship-by date ${r.promise.shipBy} passed without a carrier scan (${r.supplierId})`,
  DELIVER_BY_PASSED: (r: FulfillmentRecord) => `Deliver-by date ${r.promise.deliverBy} passed without delivery (${r.supplierId})`,
  LOST: (r: FulfillmentRecord) => `No delivery within the grace period after ${r.promise.deliverBy}: parcel presumed lost (${r.supplierId})`,
} as const;

/** FlagException: surface a passed deadline / a presumed loss on the exceptions index (never silent). */
export async function flagException(deps: WorkflowDeps, input: FlagExceptionInput): Promise<FulfillmentTask & { readonly flagged: boolean; readonly code: string }> {
  const task = input.fulfillment;
  return optimistic('FlagException', async () => {
    const aggregate = await load(deps, task.orderId);
    const { order } = aggregate;
    const record = aggregate.fulfillments.find((f) => f.fulfillmentId === task.fulfillmentId);
    if (record === undefined) throw new WorkflowStateError(`Fulfillment ${task.fulfillmentId} does not exist`);
    const now = deps.now();
    const at = now.toISOString();
    let next: FulfillmentRecord | undefined;
    if (input.exception === 'LOST') {
      if (isLive(record) && record.status !== 'DELIVERED' && record.lostAt === undefined) next = nextFulfillment(record, { lostAt: at }, at);
    } else {
      const applied = applyFulfillmentEvent(record, { type: 'DEADLINE_PASSED', at, deadline: input.exception === 'SHIP_BY_PASSED' ? 'SHIP_BY' : 'DELIVER_BY' });
      if (applied.outcome === 'applied') next = nextFulfillment(record, applied.state, at);
    }
    if (next === undefined) return { ...toFulfillmentTask(record, now, deps.settings), flagged: false, code: input.exception };
    const timeline = new TimelineBatch(order.orderId, order.channelId, at).add({
      type: 'FulfillmentException',
      actor: 'platform',
      message: EXCEPTION_MESSAGES[input.exception](record),
      data: { fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, code: input.exception, shipBy: record.promise.shipBy, deliverBy: record.promise.deliverBy },
    });
    const outcome = await transact(deps.store, [
      putFulfillmentUpdate(deps.store, next, record.version),
      bumpOrderVersion(deps.store, order.orderId, order.version),
      ...timeline.items(deps.store),
    ]);
    if (!outcome.ok) return RETRY;
    deps.logger.warn('Fulfillment exception raised', { orderId: order.orderId, fulfillmentId: record.fulfillmentId, code: input.exception });
    return { ...toFulfillmentTask(next, now, deps.settings), flagged: true, code: input.exception };
  });
}

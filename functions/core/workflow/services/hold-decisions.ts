/**
 * Resolving holds from outside the workflow: an operator's approve / reject (ops API) and the
 * storefront's payment update. Each changes the order first (one transaction with its timeline
 * events) and then resumes the AwaitHoldDecision state through the stored token; when the workflow
 * has not stored its token yet, it finds the order released and resumes itself (callbacks.ts).
 * Repeating a request that already took effect resumes again and answers the same (idempotent).
 *
 * Putting an order on hold after a workflow failure (HoldOnFailure, below):
 * a forward task of the order workflow failed past its bounded retries (throttling,
 * contention, a dependency down, a bug). The order is surfaced to an operator and never compensated
 * (domain/failure-policy.ts):
 *
 * - not yet with suppliers → ON_HOLD `TRANSIENT_FAILURE` (timeline OrderOnHold naming the error) with an
 *   exception mark on the order item (gsi3 EXCEPTION#TRANSIENT_FAILURE, GET /ops/exceptions). The next states
 *   (HoldDeadline → AwaitHoldDecision) wait for the operator: approve continues from the stored order,
 *   reject cancels it. The mark goes with the next write of the order (the order item is replaced whole).
 * - already with suppliers → the same exception mark (once) and an OrderStuck timeline entry; the workflow
 *   re-enters from the stored order after `failureRetrySeconds`.
 * - on hold or terminal → nothing to write.
 *
 * Idempotent: a repeated call finds the order held or marked and writes nothing more.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../kernel/clock';
import type { PaymentStatus, WorkflowOrder } from '../../orders/domain/order';
import { ConflictError, NotFoundError, WorkflowStateError } from '../../kernel/errors';
import { orderItem } from '../../orders/store/orders';
import { gsiKeys, keys } from '../../runtime/table/keys';
import { describeFailure, failureDisposition, type FailureDisposition } from '../domain/failure-policy';
import type { HoldDecisionResponse, UpdatePaymentResponse } from '../schemas/ops';
import type { CaughtError, HoldDecision } from '../schemas/workflow';
import { getWorkflowOrder, loadOrderAggregate, nextOrder, putOrderUpdate } from '../store/order-aggregate';
import { getHoldToken } from '../store/task-tokens';
import { TimelineBatch } from '../../events/store/timeline';
import { conditionalPut, transact, type TransactItem } from '../../runtime/table/transactions';
import { planOrderCancellation } from './close-order';
import { resumeWithStoredToken, type Responder } from './task-responder';
import { RETRY, optimistic, type TaskLogger, type WorkflowDeps } from './workflow-common';
import { waitSeconds } from './workflow-settings';
import type { StoreContext } from '../../runtime/table/context';

export interface HoldDeps extends Responder {
  readonly store: StoreContext;
  readonly now: Clock;
  readonly logger: TaskLogger;
}

const ORDER_NOT_FOUND = (orderId: string) =>
  new NotFoundError('Order not found', { issues: [{ path: 'pathParameters.orderId', message: `no order ${orderId}` }] });

/** Resume the waiting hold state, if a token is stored (also used by the address correction, orders/services/address-change.ts). */
export async function resumeHoldDecision(deps: HoldDeps, orderId: string, decision: HoldDecision): Promise<boolean> {
  const token = await getHoldToken(deps.store, orderId);
  if (token === undefined) return false;
  const response = await resumeWithStoredToken(deps, token, { kind: 'success', output: decision });
  deps.logger.info('Hold decision delivered to the workflow', { orderId, decision: decision.decision, response });
  return response === 'sent';
}

export async function approveHold(deps: HoldDeps, input: { readonly orderId: string; readonly note?: string | undefined }): Promise<HoldDecisionResponse> {
  const order = await optimistic('ApproveHold', async (): Promise<WorkflowOrder | typeof RETRY> => {
    const current = await getWorkflowOrder(deps.store, input.orderId);
    if (current === undefined) throw ORDER_NOT_FOUND(input.orderId);
    if (current.status !== 'ON_HOLD') {
      if (current.holdRelease?.decision === 'APPROVE' && current.holdRelease.actor === 'operator' && current.status !== 'CANCELLED') return current;
      throw new ConflictError(`Order is not on hold (status ${current.status})`, { issues: [{ path: 'pathParameters.orderId', message: `is ${current.status}, not ON_HOLD` }] });
    }
    const at = deps.now().toISOString();
    const holdReason = current.holdReason ?? 'OPERATOR_HOLD';
    const next = nextOrder(
      current,
      {
        // A TRANSIENT_FAILURE hold of an order that was never validated (no screening yet) goes back to RECEIVED: approving it retries, it does not skip validation.
        status: holdReason === 'TRANSIENT_FAILURE' && current.screening === undefined ? 'RECEIVED' : 'VALIDATED',
        holdReason: undefined,
        holdExpiresAt: undefined,
        holdRelease: { decision: 'APPROVE', actor: 'operator', holdReason, at, ...(input.note === undefined ? {} : { note: input.note }) },
        ...(holdReason === 'OPERATOR_HOLD' ? { reviewApprovedAt: at } : {}),
      },
      at,
    );
    const timeline = new TimelineBatch(current.orderId, current.channelId, at).add({
      type: 'OrderReleased',
      actor: 'operator',
      message: `Hold (${holdReason}) approved by an operator${input.note === undefined ? '' : `: ${input.note}`}`,
      data: { holdReason, decision: 'APPROVE' },
    });
    const outcome = await transact(deps.store, [putOrderUpdate(deps.store, next, current.version), ...timeline.items(deps.store)]);
    if (!outcome.ok) return RETRY;
    deps.logger.info('Hold approved', { orderId: current.orderId, holdReason });
    return next;
  });
  const resumed = await resumeHoldDecision(deps, order.orderId, { decision: 'APPROVE' });
  return { orderId: order.orderId, decision: 'APPROVE', status: order.status, resumed };
}

export async function rejectHold(deps: HoldDeps, input: { readonly orderId: string; readonly reason: string }): Promise<HoldDecisionResponse> {
  const order = await optimistic('RejectHold', async (): Promise<WorkflowOrder | typeof RETRY> => {
    const aggregate = await loadOrderAggregate(deps.store, input.orderId);
    if (aggregate === undefined) throw ORDER_NOT_FOUND(input.orderId);
    const current = aggregate.order;
    if (current.status !== 'ON_HOLD') {
      if (current.status === 'CANCELLED' && current.holdRelease?.decision === 'REJECT' && current.holdRelease.actor === 'operator') return current;
      throw new ConflictError(`Order is not on hold (status ${current.status})`, { issues: [{ path: 'pathParameters.orderId', message: `is ${current.status}, not ON_HOLD` }] });
    }
    const at = deps.now().toISOString();
    const holdReason = current.holdReason ?? 'OPERATOR_HOLD';
    const plan = planOrderCancellation(deps, aggregate, 'HOLD_REJECTED', `Hold (${holdReason}) rejected by an operator`, 'operator', at, {
      note: input.reason,
      orderChanges: { holdRelease: { decision: 'REJECT', actor: 'operator', holdReason, at, note: input.reason }, holdExpiresAt: undefined },
    });
    const outcome = await transact(deps.store, plan.items);
    if (!outcome.ok) return RETRY;
    deps.logger.info('Hold rejected', { orderId: current.orderId, holdReason, refundMinor: plan.refundMinor });
    return plan.next;
  });
  const resumed = await resumeHoldDecision(deps, order.orderId, { decision: 'REJECT' });
  return { orderId: order.orderId, decision: 'REJECT', status: order.status, resumed };
}

const PAYMENT_RANK: Readonly<Record<PaymentStatus, number>> = { pending: 0, partially_paid: 0, authorized: 1, paid: 2, refunded: 3, voided: 3 };

export async function updatePayment(
  deps: HoldDeps,
  input: { readonly channelId: string; readonly orderId: string; readonly status: 'paid' | 'authorized'; readonly reference?: string | undefined },
): Promise<UpdatePaymentResponse> {
  const result = await optimistic('UpdatePayment', async (): Promise<{ order: WorkflowOrder; released: boolean } | typeof RETRY> => {
    const current = await getWorkflowOrder(deps.store, input.orderId);
    if (current === undefined || current.channelId !== input.channelId) {
      throw new NotFoundError('Order not found', { issues: [{ path: 'pathParameters.orderId', message: 'no such order for this channel' }] });
    }
    if (current.status === 'CANCELLED' || current.status === 'REJECTED') {
      throw new ConflictError(`Order is ${current.status}`, { issues: [{ path: 'pathParameters.orderId', message: `is ${current.status}: payment can no longer change it` }] });
    }
    const previous = current.payment.status;
    if (PAYMENT_RANK[input.status] < PAYMENT_RANK[previous]) {
      throw new ConflictError(`Payment is already ${previous}`, { issues: [{ path: 'status', message: `cannot go from ${previous} to ${input.status}` }] });
    }
    const reference = input.reference ?? current.payment.reference;
    if (previous === input.status && reference === current.payment.reference) {
      // A repeat: nothing to write; an order this payment released may still need its workflow resumed.
      return { order: current, released: current.holdRelease?.actor === 'retailer' && current.status === 'VALIDATED' };
    }
    const at = deps.now().toISOString();
    const releases = current.status === 'ON_HOLD' && current.holdReason === 'AWAITING_PAYMENT';
    const timeline = new TimelineBatch(current.orderId, current.channelId, at).add({
      type: 'PaymentUpdated',
      actor: 'retailer',
      message: `Payment ${input.status} (was ${previous})`,
      data: { status: input.status, previous },
    });
    if (releases) {
      timeline.add({ type: 'OrderReleased', actor: 'retailer', message: 'Payment received: the order continues', data: { holdReason: 'AWAITING_PAYMENT', decision: 'APPROVE' } });
    }
    const next = nextOrder(
      current,
      {
        payment: { ...current.payment, status: input.status, reference },
        ...(releases
          ? {
              status: 'VALIDATED' as const,
              holdReason: undefined,
              holdExpiresAt: undefined,
              // Screen again: the fraud rules did not run while payment was missing.
              screening: undefined,
              holdRelease: { decision: 'APPROVE' as const, actor: 'retailer' as const, holdReason: 'AWAITING_PAYMENT' as const, at },
            }
          : {}),
      },
      at,
    );
    const outcome = await transact(deps.store, [putOrderUpdate(deps.store, next, current.version), ...timeline.items(deps.store)]);
    if (!outcome.ok) return RETRY;
    deps.logger.info('Payment updated', { orderId: current.orderId, status: input.status, released: releases });
    return { order: next, released: releases };
  });
  const resumed = result.released ? await resumeHoldDecision(deps, result.order.orderId, { decision: 'APPROVE' }) : false;
  return {
    orderId: result.order.orderId,
    status: result.order.status,
    payment: { status: result.order.payment.status, reference: result.order.payment.reference },
    resumed,
  };
}

// ---------------------------------------------------------------------------------------------- HoldOnFailure

export const TRANSIENT_FAILURE = 'TRANSIENT_FAILURE';

export interface FailureHoldResult {
  readonly disposition: FailureDisposition;
  /** The RetryAfterFailure Wait state's seconds: 0 unless the workflow re-enters on its own (MARK). */
  readonly retryAfterSeconds: number;
}

/** The order ON_HOLD TRANSIENT_FAILURE, with its exception mark, replacing the item read at `order.version`. */
function holdItems(deps: WorkflowDeps, order: WorkflowOrder, failure: { error: string; message: string }, at: string): TransactItem[] {
  const next = nextOrder(order, { status: 'ON_HOLD', holdReason: 'TRANSIENT_FAILURE', holdExpiresAt: undefined, holdRelease: undefined }, at);
  const put = conditionalPut(deps.store, { ...orderItem(next), ...gsiKeys.exception(TRANSIENT_FAILURE, at, order.orderId) }, 'version = :expected', {
    ':expected': order.version,
  });
  const timeline = new TimelineBatch(order.orderId, order.channelId, at).add({
    type: 'OrderOnHold',
    actor: 'platform',
    message: `Held for an operator: the workflow kept failing (${failure.error}) after its retries; approve to continue, reject to cancel`,
    data: { holdReason: 'TRANSIENT_FAILURE', score: 0, rules: [{ rule: failure.error, points: 0, explanation: failure.message }] },
  });
  return [put, ...timeline.items(deps.store)];
}

/** The exception mark on an order already with suppliers (once: not over another mark), and an OrderStuck entry. */
function markItems(deps: WorkflowDeps, order: WorkflowOrder, failure: { error: string; message: string }, at: string): TransactItem[] {
  const mark = gsiKeys.exception(TRANSIENT_FAILURE, at, order.orderId);
  const update: TransactItem = {
    Update: {
      TableName: deps.store.tableName,
      Key: keys.order(order.orderId),
      UpdateExpression: 'SET gsi3pk = :g3pk, gsi3sk = :g3sk',
      ConditionExpression: 'version = :version AND attribute_not_exists(gsi3pk)',
      ExpressionAttributeValues: { ':g3pk': mark.gsi3pk, ':g3sk': mark.gsi3sk, ':version': order.version },
    },
  };
  const timeline = new TimelineBatch(order.orderId, order.channelId, at).add({
    type: 'OrderStuck',
    actor: 'platform',
    message: `The workflow kept failing (${failure.error}: ${failure.message}) after its retries; it tries again from the stored order`,
    data: {
      status: order.status,
      since: at,
      deadlineMinutes: Math.round(deps.settings.failureRetrySeconds / 60),
      lastChangedAt: order.updatedAt,
      execution: 'RUNNING',
      reason: TRANSIENT_FAILURE,
    },
  });
  return [update, ...timeline.items(deps.store)];
}

/** Whether the order item already carries an exception mark (the workflow reads orders without their index keys). */
async function hasExceptionMark(deps: WorkflowDeps, orderId: string): Promise<boolean> {
  const result = await deps.store.ddb.send(
    new GetCommand({ TableName: deps.store.tableName, Key: keys.order(orderId), ProjectionExpression: 'gsi3pk', ConsistentRead: true }),
  );
  return typeof result.Item?.gsi3pk === 'string';
}

export async function holdOnFailure(deps: WorkflowDeps, input: { readonly orderId: string; readonly error?: CaughtError | undefined }): Promise<FailureHoldResult> {
  const failure = describeFailure(input.error);
  return optimistic('HoldOnFailure', async (): Promise<FailureHoldResult | typeof RETRY> => {
    const order = await getWorkflowOrder(deps.store, input.orderId);
    if (order === undefined) throw new WorkflowStateError(`Order ${input.orderId} does not exist`);
    const disposition = failureDisposition(order.status);
    const at = deps.now().toISOString();
    if (disposition === 'HOLD') {
      const outcome = await transact(deps.store, holdItems(deps, order, failure, at));
      if (!outcome.ok) return RETRY;
      deps.logger.warn('Order held after a workflow failure', { orderId: order.orderId, status: order.status, errorName: failure.error });
      return { disposition, retryAfterSeconds: 0 };
    }
    if (disposition === 'MARK') {
      const retryAfterSeconds = waitSeconds(deps.settings.failureRetrySeconds, deps.settings);
      const marked = await hasExceptionMark(deps, order.orderId);
      if (!marked) {
        const outcome = await transact(deps.store, markItems(deps, order, failure, at));
        if (!outcome.ok) return RETRY;
      }
      deps.logger.warn('Workflow failure surfaced on an order with suppliers', { orderId: order.orderId, status: order.status, errorName: failure.error, marked });
      return { disposition, retryAfterSeconds };
    }
    deps.logger.info('Workflow failure on an order on hold or closed: nothing to surface', { orderId: order.orderId, status: order.status, errorName: failure.error });
    return { disposition, retryAfterSeconds: 0 };
  });
}

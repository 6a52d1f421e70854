/**
 * Resolving holds from outside the workflow: an operator's approve / reject (ops API) and the
 * storefront's payment update. Each changes the order first (one transaction with its timeline
 * events) and then resumes the AwaitHoldDecision state through the stored token; when the workflow
 * has not stored its token yet, it finds the order released and resumes itself (callbacks.ts).
 * Repeating a request that already took effect resumes again and answers the same (idempotent).
 */
import type { Clock } from '../../kernel/clock';
import type { PaymentStatus, WorkflowOrder } from '../../orders/domain/order';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { HoldDecisionResponse, UpdatePaymentResponse } from '../schemas/ops';
import type { HoldDecision } from '../schemas/workflow';
import { getWorkflowOrder, loadOrderAggregate, nextOrder, putOrderUpdate } from '../store/order-aggregate';
import { getHoldToken } from '../store/task-tokens';
import { TimelineBatch } from '../../events/store/timeline';
import { transact } from '../../runtime/table/transactions';
import { planOrderCancellation } from './close-order';
import { resumeWithStoredToken, type Responder } from './task-responder';
import { RETRY, optimistic, type TaskLogger, type WorkflowDeps } from './workflow-common';
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

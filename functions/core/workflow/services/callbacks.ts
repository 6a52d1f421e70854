/**
 * The callback (waitForTaskToken) tasks: AwaitShipment / AwaitDelivery (await-milestone) and
 * AwaitHoldDecision, and what Dispatch (dispatch.ts, apart because it renders the packing slip) shares
 * with them. Each stores its token FIRST and then looks at the stored state: whoever
 * changes the state (supplier inbound, ops, payment update) changes it first and then reads the
 * token, so one of the two always sees the other and the state is resumed exactly when it should be
 * (twice at worst, the second answer being "already handled").
 */
import { WorkflowStateError } from '../../kernel/errors';
import type { MilestoneInput } from '../schemas/workflow';
import type { StoreContext } from '../../runtime/table/context';
import { getFulfillment } from '../store/fulfillments';
import type { FulfillmentRecord } from '../domain/fulfillment-record';
import { getWorkflowOrder } from '../store/order-aggregate';
import { getFulfillmentToken, putTaskToken, TOKEN_TTL_SECONDS, type TaskTokenRecord, type TokenStage } from '../store/task-tokens';
import { resumeWithStoredToken, type Responder, type TaskResponse } from './task-responder';
import { checkFulfillmentStage, holdDecisionFor, type WorkflowDeps } from './workflow-common';

export type CallbackDeps = WorkflowDeps & Responder;

export function tokenRecord(stage: TokenStage, taskToken: string, orderId: string, now: Date, fulfillment?: { fulfillmentId: string; supplierId: string }): TaskTokenRecord {
  return {
    taskToken,
    stage,
    orderId,
    ...(fulfillment === undefined ? {} : { fulfillmentId: fulfillment.fulfillmentId, supplierId: fulfillment.supplierId }),
    storedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + TOKEN_TTL_SECONDS,
  };
}

export interface CallbackResult {
  /** What the task did: stored its token and waits, or resumed the state itself. */
  readonly action: 'waiting' | 'resumed' | 'already-handled';
  readonly status: string;
}

/**
 * If the fulfillment already reached the stage `token` waits for, resume the state (success with
 * the refreshed FulfillmentTask, or SupplierRejected) and forget the token.
 */
export async function resumeIfReached(
  deps: CallbackDeps,
  record: FulfillmentRecord,
  token: TaskTokenRecord,
): Promise<TaskResponse | 'waiting'> {
  if (token.stage === 'HOLD') return 'waiting';
  const check = checkFulfillmentStage(record, token.stage, deps.now(), deps.settings);
  if (check.kind === 'waiting') return 'waiting';
  return resumeWithStoredToken(deps, token, check.kind === 'success' ? { kind: 'success', output: check.output } : { kind: 'failure', error: check.error, cause: check.cause });
}

export async function readFulfillment(store: StoreContext, orderId: string, fulfillmentId: string): Promise<FulfillmentRecord> {
  const record = await getFulfillment(store, orderId, fulfillmentId);
  if (record === undefined) throw new WorkflowStateError(`Fulfillment ${fulfillmentId} does not exist`);
  return record;
}

/** AwaitShipment / AwaitDelivery (+ the after-deadline waits): store the token, resume if already there. */
export async function awaitMilestone(deps: CallbackDeps, input: MilestoneInput): Promise<CallbackResult> {
  const { fulfillment: task } = input;
  const token = tokenRecord(input.milestone, input.taskToken, task.orderId, deps.now(), task);
  await putTaskToken(deps.store, token);
  const record = await readFulfillment(deps.store, task.orderId, task.fulfillmentId);
  const resumed = await resumeIfReached(deps, record, token);
  return { action: resumed === 'waiting' ? 'waiting' : resumed === 'sent' ? 'resumed' : 'already-handled', status: record.status };
}

/** AwaitHoldDecision: store the hold token; an order no longer on hold resumes with its decision at once. */
export async function awaitHold(deps: CallbackDeps, input: { readonly taskToken: string; readonly orderId: string }): Promise<CallbackResult> {
  const token = tokenRecord('HOLD', input.taskToken, input.orderId, deps.now());
  await putTaskToken(deps.store, token);
  const order = await getWorkflowOrder(deps.store, input.orderId);
  if (order === undefined) throw new WorkflowStateError(`Order ${input.orderId} does not exist`);
  const decision = holdDecisionFor(order);
  if (decision === undefined) return { action: 'waiting', status: order.status };
  const response = await resumeWithStoredToken(deps, token, { kind: 'success', output: decision });
  return { action: response === 'sent' ? 'resumed' : 'already-handled', status: order.status };
}

/** After a supplier event: resume whatever state waits on this fulfillment, if its stage was reached. */
export async function reconcileFulfillmentToken(deps: CallbackDeps, record: FulfillmentRecord): Promise<TaskResponse | 'waiting' | 'no-token'> {
  const token = await getFulfillmentToken(deps.store, record.fulfillmentId);
  if (token === undefined) return 'no-token';
  return resumeIfReached(deps, record, token);
}

/**
 * Putting an order on hold after a workflow failure (the HoldOnFailure task): a forward task of the order
 * workflow failed past its bounded retries (throttling, contention, a dependency down, a bug). The order
 * is surfaced to an operator and never compensated (domain/failure-policy.ts):
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
import type { WorkflowOrder } from '../../orders/domain/order';
import { WorkflowStateError } from '../../kernel/errors';
import { orderItem } from '../../orders/store/orders';
import { gsiKeys, keys } from '../../runtime/table/keys';
import { describeFailure, failureDisposition, type FailureDisposition } from '../domain/failure-policy';
import type { CaughtError } from '../schemas/workflow';
import { getWorkflowOrder, nextOrder } from '../store/order-aggregate';
import { TimelineBatch } from '../../events/store/timeline';
import { conditionalPut, transact, type TransactItem } from '../../runtime/table/transactions';
import { RETRY, optimistic, type WorkflowDeps } from '../services/workflow-common';
import { waitSeconds } from '../services/workflow-settings';

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

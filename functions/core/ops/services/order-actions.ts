/**
 * The operator's actions on one order besides approve/reject (workflow/services/hold-decisions.ts). Each is
 * idempotent (a repeat answers the same without writing again) and runs as the calling operator (the handler's
 * actingAs: timeline events carry `actorId`); the handler logs every action with the operator's id.
 *   hold     RECEIVED / VALIDATED → ON_HOLD (OPERATOR_HOLD): the workflow waits at AwaitHoldDecision; an order
 *            already on hold stays held for its reason (changed: false)
 *   release  an order on hold continues (the approve decision, with the operator's note)
 *   cancel   the cancellation flow (cancel-requests.ts, source operator): now, or asked of the suppliers
 *   redrive  a FAILED / TIMED_OUT / ABORTED execution runs again from where it failed (RedriveExecution)
 *   resolve  the order's open exception marks leave the exceptions index (with the operator's note)
 * redrive, retry and resolve change no order item: each writes an OperatorAction audit entry on the timeline
 * (ops/store/audit.ts, idempotent) with the operator's id and note.
 *   retry    a failed execution is redriven; anything else is a 409 saying what is (and is not) failed
 */
import { DescribeExecutionCommand, RedriveExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { CancelReason, CancellationOutcome } from '../../orders/schemas/cancellation';
import { TimelineBatch } from '../../events/store/timeline';
import { transact, type TransactItem } from '../../runtime/table/transactions';
import { keys, prefixes } from '../../runtime/table/keys';
import { executionArnFor } from '../../sweeps/domain/rules';
import { requestCancellation, type CancellationDeps } from '../../workflow/services/cancel-requests';
import { approveHold, type HoldDeps } from '../../workflow/services/hold-decisions';
import { RETRY, optimistic } from '../../workflow/services/workflow-common';
import { getWorkflowOrder, nextOrder, putOrderUpdate } from '../../workflow/store/order-aggregate';
import { actingOperator } from '../actor-context';
import { operatorAuditPut, writeOperatorAudit } from '../store/audit';
import type { HoldDecisionResponse } from '../../workflow/schemas/ops';

export interface ActionDeps extends HoldDeps {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  /** The cancellation flow's dependencies (supplier channels), built on first use. */
  readonly cancellation: () => CancellationDeps;
  readonly defaultHoldHours: number;
}

const notFound = (orderId: string) => new NotFoundError('Order not found', { issues: [{ path: 'pathParameters.orderId', message: `no order ${orderId}` }] });
const conflict = (message: string, why: string) => new ConflictError(message, { issues: [{ path: 'pathParameters.orderId', message: why }] });

export interface HoldResult {
  readonly orderId: string;
  readonly status: 'ON_HOLD';
  /** OPERATOR_HOLD, or the reason it already was held for (kept: its release path depends on it). */
  readonly holdReason: string;
  readonly holdExpiresAt: string;
  /** false: it already was on hold (nothing written). */
  readonly changed: boolean;
}

export async function holdOrder(deps: ActionDeps, input: { readonly orderId: string; readonly reason: string; readonly note?: string | undefined }): Promise<HoldResult> {
  return optimistic('OperatorHold', async (): Promise<HoldResult | typeof RETRY> => {
    const current = await getWorkflowOrder(deps.store, input.orderId);
    if (current === undefined) throw notFound(input.orderId);
    const now = deps.now();
    // Already held (operator, fraud review, payment, address): the hold stays as it is, so that its release
    // (approve) clears the reason it was held for; nothing is written.
    if (current.status === 'ON_HOLD') {
      return { orderId: current.orderId, status: 'ON_HOLD', holdReason: current.holdReason ?? 'OPERATOR_HOLD', holdExpiresAt: current.holdExpiresAt ?? '', changed: false };
    }
    if (current.status !== 'RECEIVED' && current.status !== 'VALIDATED') {
      throw conflict(`Order cannot be held (status ${current.status})`, `is ${current.status}: only an order not yet routed (RECEIVED, VALIDATED) or already on hold can be held; cancel it instead`);
    }
    const at = now.toISOString();
    const holdExpiresAt = new Date(now.getTime() + deps.defaultHoldHours * 3_600_000).toISOString();
    const next = nextOrder(current, { status: 'ON_HOLD', holdReason: 'OPERATOR_HOLD', holdExpiresAt, holdRelease: undefined }, at);
    const note = input.note === undefined ? '' : ` (${input.note})`;
    const timeline = new TimelineBatch(current.orderId, current.channelId, at).add({
      type: 'OrderOnHold',
      actor: 'operator',
      message: `Held by an operator: ${input.reason}${note}`,
      data: { holdReason: 'OPERATOR_HOLD', score: 0, rules: [{ rule: 'OPERATOR', points: 0, explanation: input.reason }], holdExpiresAt },
    });
    const outcome = await transact(deps.store, [putOrderUpdate(deps.store, next, current.version), ...timeline.items(deps.store)]);
    if (!outcome.ok) return RETRY;
    return { orderId: current.orderId, status: 'ON_HOLD', holdReason: 'OPERATOR_HOLD', holdExpiresAt, changed: true };
  });
}

/** Release: the approve decision (any hold reason), with the operator's note on the timeline. */
export function releaseOrder(deps: ActionDeps, input: { readonly orderId: string; readonly note?: string | undefined }): Promise<HoldDecisionResponse> {
  return approveHold(deps, input);
}

export async function cancelOrder(
  deps: ActionDeps,
  input: { readonly orderId: string; readonly requestId: string; readonly reason: CancelReason; readonly note?: string | undefined },
): Promise<CancellationOutcome> {
  const order = await getWorkflowOrder(deps.store, input.orderId);
  if (order === undefined) throw notFound(input.orderId);
  return requestCancellation(deps.cancellation(), { channelId: order.channelId, orderId: input.orderId, requestId: input.requestId, source: 'operator', reason: input.reason, note: input.note });
}

export interface RedriveResult {
  readonly orderId: string;
  readonly executionArn: string;
  readonly previousStatus: string;
  readonly redriveDate: string;
}

const REDRIVABLE = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/** The operator acting (the handler's actingAs), `operator` when none (a direct call, e.g. a script). */
const operatorId = (): string => actingOperator() ?? 'operator';

export async function redriveOrder(deps: ActionDeps, input: { readonly orderId: string; readonly action?: 'redrive' | 'retry' }): Promise<RedriveResult> {
  const order = await getWorkflowOrder(deps.store, input.orderId);
  if (order === undefined) throw notFound(input.orderId);
  const executionArn = executionArnFor(deps.stateMachineArn, input.orderId);
  let status: string;
  try {
    status = (await deps.sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'UNKNOWN';
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist') throw conflict('No execution', 'has no workflow execution (the sweep starts lost ones)');
    throw error;
  }
  if (!REDRIVABLE.has(status)) throw conflict(`Execution is ${status}`, `its execution is ${status}: only FAILED, TIMED_OUT or ABORTED executions can be redriven`);
  const redriven = await deps.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: `${input.orderId}-${status}`.slice(0, 64) }));
  const redriveDate = (redriven.redriveDate ?? deps.now()).toISOString();
  // Audited at the redrive's own time: a retried request (same clientToken, same redriveDate) writes no second entry.
  const action = input.action ?? 'redrive';
  await writeOperatorAudit(deps.store, {
    orderId: input.orderId,
    channelId: order.channelId,
    at: redriveDate,
    actorId: operatorId(),
    action,
    message: `Execution redriven by an operator (${action}; it was ${status})`,
    factKey: `redrive:${executionArn}:${redriveDate}`,
    data: { previousStatus: status },
  });
  return { orderId: input.orderId, executionArn, previousStatus: status, redriveDate };
}

export async function retryOrder(deps: ActionDeps, input: { readonly orderId: string }): Promise<RedriveResult> {
  const executionArn = executionArnFor(deps.stateMachineArn, input.orderId);
  let status = 'NONE';
  try {
    status = (await deps.sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'UNKNOWN';
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ExecutionDoesNotExist')) throw error;
  }
  if (REDRIVABLE.has(status)) return redriveOrder(deps, { ...input, action: 'retry' });
  throw conflict(
    'Nothing to retry',
    status === 'RUNNING'
      ? 'its execution is RUNNING: its tasks retry by themselves (Retry policies), and waits end by their supplier answer or timeout; resolve or cancel instead'
      : `its execution is ${status}: there is no failed step to re-send`,
  );
}

export interface ResolveResult {
  readonly orderId: string;
  /** The exception kinds closed (the order's and its fulfillments'). */
  readonly resolved: readonly string[];
  readonly note: string;
}

/**
 * Close the order's open exceptions: drop the gsi3 marks of the order item (ORDER_STUCK) and of its
 * fulfillments (conditional on the mark still being the one seen) with an audit entry on the timeline, in one
 * transaction. A fulfillment's mark comes back with its next write only if the fact behind it still holds
 * (fulfillment-record.ts exceptionMarker).
 */
export async function resolveOrder(deps: ActionDeps, input: { readonly orderId: string; readonly note: string }): Promise<ResolveResult> {
  const items = await deps.store.ddb.send(
    new QueryCommand({
      TableName: deps.store.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'attribute_exists(gsi3pk)',
      ExpressionAttributeValues: { ':pk': keys.order(input.orderId).pk },
      ProjectionExpression: 'pk, sk, gsi3pk, gsi3sk',
      ConsistentRead: true,
    }),
  );
  const open = (items.Items ?? []).filter((i) => i.sk === '#ORDER' || String(i.sk).startsWith(prefixes.fulfillment));
  if (open.length === 0) {
    const order = await getWorkflowOrder(deps.store, input.orderId);
    if (order === undefined) throw notFound(input.orderId);
    throw conflict('No open exception', 'has no open exception (GET /ops/exceptions lists them)');
  }
  const order = await getWorkflowOrder(deps.store, input.orderId);
  const at = deps.now().toISOString();
  const resolved = open.map((item) => String(item.gsi3pk).replace(/^EXCEPTION#/, ''));
  // One transaction: every mark seen leaves the index (conditional on it still being that mark) with the
  // audit entry; a concurrent change or a retried request cancels it all (nothing half-done, no second entry).
  const writes: TransactItem[] = open.map((item) => ({
    Update: {
      TableName: deps.store.tableName,
      Key: { pk: item.pk, sk: item.sk },
      UpdateExpression: 'REMOVE gsi3pk, gsi3sk SET exceptionResolution = :r',
      ConditionExpression: 'gsi3pk = :k AND gsi3sk = :s',
      ExpressionAttributeValues: { ':k': item.gsi3pk, ':s': item.gsi3sk, ':r': { kind: String(item.gsi3pk).replace(/^EXCEPTION#/, ''), at, note: input.note } },
    },
  }));
  writes.push(
    operatorAuditPut(deps.store, {
      orderId: input.orderId,
      channelId: order?.channelId,
      at,
      actorId: operatorId(),
      action: 'resolve',
      message: `Exception resolved by an operator (${resolved.join(', ')}): ${input.note}`,
      note: input.note,
      factKey: `resolve:${open.map((i) => `${String(i.sk)}=${String(i.gsi3sk)}`).join('|')}`,
      data: { resolved },
    }),
  );
  const outcome = await transact(deps.store, writes);
  if (!outcome.ok) throw conflict('Exceptions changed meanwhile', 'its exceptions changed while resolving (or were just resolved): look again and retry');
  return { orderId: input.orderId, resolved, note: input.note };
}

/**
 * Order sweep: orders in a non-terminal status past their stage deadline (STUCK_ORDER_MINUTES, see
 * sweeps/domain/rules.ts) are looked at, per status from gsi2 `STATUS#{status}` with `gsi2sk < now − deadline`:
 *   - RECEIVED and no execution named after the order (DescribeExecution → ExecutionDoesNotExist): the
 *     stream router's start was lost → StartExecution(name = orderId, input {orderId}); a concurrent
 *     start (ExecutionAlreadyExists) is fine. Metric `WorkflowStartsRecovered`. A start that fails is
 *     logged (`WorkflowStartsFailed`) and the order is surfaced; the next run tries again.
 *   - anything else is surfaced once: in ONE transaction the order item gets the gsi3 mark
 *     `EXCEPTION#ORDER_STUCK` / `{since}#{orderId}` (conditional: same status and updatedAt, no mark yet)
 *     and an `OrderStuck` timeline event (published as a domain event). Metric `OrdersStuck`.
 * The mark lives only in the index attributes, which every workflow write of the order drops (orders
 * are written whole): an order that moves on leaves the exceptions index by itself, and one that gets
 * stuck again later is surfaced again.
 */
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  executionArnFor,
  stuckCheck,
  stuckOrderAction,
  stuckQueryCutoff,
  sweptOrderStatuses,
  type ExecutionState,
  type StuckOrderMinutes,
} from '../domain/rules';
import type { WorkflowOrder } from '../../orders/domain/order';
import { stripKeys } from '../../runtime/table/context';
import { GSI2, gsiKeys, keys } from '../../runtime/table/keys';
import { TimelineBatch } from '../../events/store/timeline';
import type { TransactItem } from '../../runtime/table/transactions';
import { eachItem, runPagedSweep, transactSurfacing, type SweepDeps } from './sweeps';

export const ORDER_STUCK = 'ORDER_STUCK';

export interface OrderSweepDeps extends SweepDeps {
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly stateMachineArn: string;
  readonly minutes: StuckOrderMinutes;
}

export interface OrderSweepResult {
  readonly examined: number;
  readonly stuck: number;
  readonly started: number;
  readonly startFailures: number;
  readonly failed: number;
}

const EXECUTION_STATES: readonly ExecutionState[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

export async function describeOrderExecution(deps: Pick<OrderSweepDeps, 'sfn' | 'stateMachineArn' | 'logger'>, orderId: string): Promise<ExecutionState> {
  try {
    const out = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: executionArnFor(deps.stateMachineArn, orderId) }));
    const status = out.status as ExecutionState | undefined;
    return status !== undefined && EXECUTION_STATES.includes(status) ? status : 'UNKNOWN';
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return 'MISSING';
    deps.logger.warn('DescribeExecution failed', { orderId, errorName: error instanceof Error ? error.name : 'unknown' });
    return 'UNKNOWN';
  }
}

type StartOutcome = 'STARTED' | 'ALREADY_EXISTS' | 'FAILED';

async function startExecution(deps: OrderSweepDeps, orderId: string): Promise<StartOutcome> {
  try {
    await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: orderId, input: JSON.stringify({ orderId }) }));
    return 'STARTED';
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return 'ALREADY_EXISTS';
    deps.logger.error('Workflow start failed', { orderId, errorName: error instanceof Error ? error.name : 'unknown' });
    return 'FAILED';
  }
}

export function markStuckItems(
  deps: Pick<SweepDeps, 'store'>,
  order: WorkflowOrder,
  details: { readonly since: string; readonly deadlineMinutes: number; readonly execution: ExecutionState; readonly reason: string },
  at: string,
): TransactItem[] {
  const mark = gsiKeys.exception(ORDER_STUCK, details.since, order.orderId);
  const update: TransactItem = {
    Update: {
      TableName: deps.store.tableName,
      Key: keys.order(order.orderId),
      UpdateExpression: 'SET gsi3pk = :g3pk, gsi3sk = :g3sk',
      ConditionExpression: '#status = :status AND updatedAt = :updatedAt AND attribute_not_exists(gsi3pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':g3pk': mark.gsi3pk, ':g3sk': mark.gsi3sk, ':status': order.status, ':updatedAt': order.updatedAt },
    },
  };
  const events = new TimelineBatch(order.orderId, order.channelId, at).add({
    type: 'OrderStuck',
    actor: 'platform',
    message: `Order has been ${order.status} past its ${details.deadlineMinutes}-minute stage deadline (since ${details.since}); workflow execution: ${details.execution}`,
    data: {
      status: order.status,
      since: details.since,
      deadlineMinutes: details.deadlineMinutes,
      lastChangedAt: order.updatedAt,
      execution: details.execution,
      reason: details.reason,
      ...(order.holdReason === undefined ? {} : { holdReason: order.holdReason }),
    },
  });
  return [update, ...events.items(deps.store)];
}

async function surface(deps: OrderSweepDeps, order: WorkflowOrder, details: Parameters<typeof markStuckItems>[2], at: string): Promise<boolean> {
  return transactSurfacing(deps.store, () => markStuckItems(deps, order, details, at), `surface order ${order.orderId}`);
}

/** Why the order is stuck, for the operator (OrderStuck `data.reason`). */
export function stuckReason(execution: ExecutionState): string {
  switch (execution) {
    case 'RUNNING':
      return 'DEADLINE_PASSED';
    case 'MISSING':
      return 'NO_EXECUTION';
    case 'UNKNOWN':
      return 'EXECUTION_UNKNOWN';
    default:
      return 'WORKFLOW_ENDED';
  }
}

export async function sweepOrders(deps: OrderSweepDeps): Promise<OrderSweepResult> {
  const now = deps.now().toISOString();
  let stuck = 0;
  let started = 0;
  let startFailures = 0;
  const queries = sweptOrderStatuses(deps.minutes).map((status) => ({
    name: status,
    input: {
      TableName: deps.store.tableName,
      IndexName: GSI2,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :cutoff',
      ExpressionAttributeValues: { ':pk': `STATUS#${status}`, ':cutoff': stuckQueryCutoff(status, now, deps.minutes) ?? '' },
    },
  }));
  const run = await runPagedSweep(deps, 'orders', queries, (items) =>
    eachItem(
      deps,
      'Order sweep',
      items.map((item) => ({ order: stripKeys(item) as unknown as WorkflowOrder, surfaced: item.gsi3pk !== undefined })),
      ({ order }) => ({ orderId: order.orderId }),
      async ({ order, surfaced }) => {
        const check = stuckCheck(order, now, deps.minutes);
        if (!check.stuck || check.since === undefined || check.deadlineMinutes === undefined) return;
        // RECEIVED: always look for the execution (a start that failed before is retried every cycle).
        if (order.status !== 'RECEIVED' && surfaced) return;
        const execution = await describeOrderExecution(deps, order.orderId);
        const action = stuckOrderAction(order.status, execution, surfaced);
        let reason = stuckReason(execution);
        if (action.kind === 'START') {
          const outcome = await startExecution(deps, order.orderId);
          if (outcome === 'STARTED') {
            started += 1;
            deps.logger.warn('Lost workflow start recovered', { orderId: order.orderId });
            return;
          }
          if (outcome === 'ALREADY_EXISTS') return;
          startFailures += 1;
          reason = 'START_FAILED';
          if (surfaced) return;
        } else if (action.kind === 'NONE') {
          return;
        }
        if (await surface(deps, order, { since: check.since, deadlineMinutes: check.deadlineMinutes, execution, reason }, now)) {
          stuck += 1;
          deps.logger.warn('Stuck order surfaced', { orderId: order.orderId, status: order.status, since: check.since, execution, reason });
        }
      },
    ),
  );
  deps.metrics.addMetric('OrdersStuck', MetricUnit.Count, stuck);
  deps.metrics.addMetric('WorkflowStartsRecovered', MetricUnit.Count, started);
  deps.metrics.addMetric('WorkflowStartsFailed', MetricUnit.Count, startFailures);
  return { examined: run.examined, stuck, started, startFailures, failed: run.failed };
}

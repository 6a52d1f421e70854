/**
 * Scheduled (EventBridge): orders past their stage deadline. A RECEIVED order without an execution is
 * started (its start was lost); any other is surfaced once (gsi3 EXCEPTION#ORDER_STUCK + OrderStuck).
 * Env: TABLE_NAME, STATE_MACHINE_ARN, STUCK_ORDER_MINUTES? (JSON), SWEEP_PAGE_LIMIT? (200).
 * Needs states:DescribeExecution (executions of the machine) and states:StartExecution.
 * Metrics OrdersStuck, WorkflowStartsRecovered, WorkflowStartsFailed.
 */
import { systemClock } from '../core/kernel/clock';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { getSfnClient } from '../core/runtime/clients';
import { sweepOrders, type OrderSweepDeps } from '../core/sweeps/services/sweep-orders';
import { pageLimitFromEnv, scheduledSweepHandler, stuckOrderMinutesFromEnv } from '../core/sweeps/services/sweeps';

const deps: OrderSweepDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  logger,
  metrics,
  pageLimit: pageLimitFromEnv(),
  sfn: getSfnClient(),
  stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
  minutes: stuckOrderMinutesFromEnv(),
};

export const handler = scheduledSweepHandler('orders', () => sweepOrders(deps));

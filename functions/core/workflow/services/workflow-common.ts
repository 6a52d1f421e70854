/**
 * Shared pieces of the workflow tasks: dependencies, the optimistic-concurrency loop, FulfillmentTask
 * computation and "has this fulfillment / order reached the stage a token waits for".
 */
import type { Clock } from '../../kernel/clock';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MetricUnit } from '@aws-lambda-powertools/metrics';

type MetricUnitValue = (typeof MetricUnit)[keyof typeof MetricUnit];
import { baseFulfillmentStatus, fulfillmentProgress } from '../domain/fulfillment-events';
import { shippedAt } from '../domain/fulfillment-progress';
import type { WorkflowOrder } from '../../orders/domain/order';
import { TransientError, WORKFLOW_ERROR_NAMES } from '../../kernel/errors';
import type { FulfillmentTask, HoldDecision, MilestoneResult } from '../schemas/workflow';
import type { StoreContext } from '../../runtime/table/context';
import type { FulfillmentRecord } from '../domain/fulfillment-record';
import type { TokenStage } from '../store/task-tokens';
import { backoffMs, sleep } from '../../runtime/table/transactions';
import { secondsUntil, waitSeconds, type WorkflowSettings } from './workflow-settings';

export type TaskLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
/** The part of Powertools Metrics the tasks use (a plain function in tests). */
export interface TaskMetrics {
  addMetric(name: string, unit: MetricUnitValue, value: number): unknown;
}

export interface WorkflowDeps {
  readonly store: StoreContext;
  readonly settings: WorkflowSettings;
  readonly now: Clock;
  readonly logger: TaskLogger;
}

/** Returned by an optimistic step to re-read and try again. */
export const RETRY = Symbol('retry');

const MAX_OPTIMISTIC_ATTEMPTS = 8;

/**
 * Read-decide-write under optimistic locking: `step` re-reads, decides and writes conditionally;
 * it returns RETRY when its write lost a race. Past the attempts, a TransientError lets Step Functions
 * (or SQS) retry later.
 */
export async function optimistic<T>(
  what: string,
  step: (attempt: number) => Promise<T | typeof RETRY>,
  maxAttempts: number = MAX_OPTIMISTIC_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const result = await step(attempt);
    if (result !== RETRY) return result;
    await sleep(backoffMs(attempt));
  }
  throw new TransientError(`${what}: concurrent updates kept winning, retry later`);
}

/** The Map item for a fulfillment, with waits computed from its stored SLA and deadlines. */
export function toFulfillmentTask(record: FulfillmentRecord, now: Date, settings: WorkflowSettings): FulfillmentTask {
  const slaSeconds = record.acceptanceSlaMinutes * 60;
  const acceptanceTimeoutSeconds =
    record.dispatchedAt === undefined
      ? waitSeconds(slaSeconds, settings)
      : secondsUntil(new Date(Date.parse(record.dispatchedAt) + slaSeconds * 1000).toISOString(), now, settings);
  return {
    orderId: record.orderId,
    fulfillmentId: record.fulfillmentId,
    supplierId: record.supplierId,
    acceptanceTimeoutSeconds,
    shipTimeoutSeconds: secondsUntil(record.promise.shipByDeadline, now, settings),
    deliveryTimeoutSeconds: secondsUntil(record.promise.deliverByDeadline, now, settings),
    shipGraceTimeoutSeconds: waitSeconds(settings.shipGraceSeconds, settings),
    deliveryGraceTimeoutSeconds: waitSeconds(settings.deliveryGraceSeconds, settings),
  };
}

export type StageCheck =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'success'; readonly output: MilestoneResult }
  | { readonly kind: 'failure'; readonly error: typeof WORKFLOW_ERROR_NAMES.supplierRejected | typeof WORKFLOW_ERROR_NAMES.fulfillmentCancelled; readonly cause: string };

/** The FulfillmentCancelled cause: which fulfillment, why. */
export function cancelledCause(record: FulfillmentRecord): string {
  return JSON.stringify({ fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, reason: record.cancelReason ?? 'CANCELLED' });
}

/** The SupplierRejected cause: which fulfillment, and the supplier's reasons per line. */
export function rejectionCause(record: FulfillmentRecord): string {
  return JSON.stringify({ fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, reasons: record.rejections ?? [] });
}

/** Whether a fulfillment has reached the stage a task token waits for (and what to answer). */
export function checkFulfillmentStage(record: FulfillmentRecord, stage: Exclude<TokenStage, 'HOLD'>, now: Date, settings: WorkflowSettings): StageCheck {
  const task = toFulfillmentTask(record, now, settings);
  const base = baseFulfillmentStatus(record);
  const nowIso = now.toISOString();
  if (base === 'CANCELLED') {
    // Ends the Map iteration: the state machine catches FulfillmentCancelled into ReleaseCancelled.
    return { kind: 'failure', error: WORKFLOW_ERROR_NAMES.fulfillmentCancelled, cause: cancelledCause(record) };
  }
  if (base === 'REJECTED') return { kind: 'failure', error: WORKFLOW_ERROR_NAMES.supplierRejected, cause: rejectionCause(record) };
  switch (stage) {
    case 'ACCEPTANCE':
      return fulfillmentProgress(record) >= 2
        ? {
            kind: 'success',
            output: {
              ...task,
              stage,
              accepted: true,
              reachedAt: record.acceptedAt ?? nowIso,
              ...(record.estimatedShipDate === undefined ? {} : { estimatedShipDate: record.estimatedShipDate }),
            },
          }
        : { kind: 'waiting' };
    case 'SHIPPED': {
      const at = shippedAt(record);
      return at === undefined ? { kind: 'waiting' } : { kind: 'success', output: { ...task, stage, reachedAt: at } };
    }
    case 'DELIVERED':
      return base === 'DELIVERED' ? { kind: 'success', output: { ...task, stage, reachedAt: record.deliveredAt ?? nowIso } } : { kind: 'waiting' };
  }
}

/** The hold decision implied by the order's status, or undefined while it is still on hold. */
export function holdDecisionFor(order: Pick<WorkflowOrder, 'status' | 'holdRelease'>): HoldDecision | undefined {
  switch (order.status) {
    case 'ON_HOLD':
      return undefined;
    case 'RECEIVED':
      // Back to RECEIVED only by an approved TRANSIENT_FAILURE hold (hold-decisions.ts): validate it now.
      return order.holdRelease?.decision === 'APPROVE' ? { decision: 'APPROVE' } : undefined;
    case 'CANCELLED':
    case 'REJECTED':
      return { decision: 'REJECT' };
    default:
      return { decision: 'APPROVE' };
  }
}

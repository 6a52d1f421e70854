/**
 * Scheduled (EventBridge): surface dispatched fulfillments whose supplier has not acknowledged the
 * purchase order within its acceptance SLA + grace (gsi3 EXCEPTION#DISPATCH_UNACKNOWLEDGED + FulfillmentOverdue).
 * Env: TABLE_NAME, SWEEP_PAGE_LIMIT? (200), DISPATCH_GRACE_MINUTES? (30). Metric FulfillmentsOverdue.
 */
import { systemClock } from '../core/kernel/clock';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { sweepDispatches, type DispatchSweepDeps } from '../core/sweeps/services/sweep-dispatches';
import { dispatchGraceFromEnv, pageLimitFromEnv, scheduledSweepHandler } from '../core/sweeps/services/sweeps';

const deps: DispatchSweepDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  logger,
  metrics,
  pageLimit: pageLimitFromEnv(),
  graceMinutes: dispatchGraceFromEnv(),
};

export const handler = scheduledSweepHandler('dispatches', () => sweepDispatches(deps));

/**
 * Scheduled (EventBridge): release HELD reservations past `holdExpiresAt` that nothing needs any more.
 * Env: TABLE_NAME, SWEEP_PAGE_LIMIT? (200). Metric ReservationsReleased.
 */
import { systemClock } from '../core/kernel/clock';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { sweepReservations } from '../core/sweeps/services/sweep-reservations';
import { pageLimitFromEnv, scheduledSweepHandler, type SweepDeps } from '../core/sweeps/services/sweeps';

const deps: SweepDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  logger,
  metrics,
  pageLimit: pageLimitFromEnv(),
};

export const handler = scheduledSweepHandler('reservations', () => sweepReservations(deps));

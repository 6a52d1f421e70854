/**
 * Scheduled (EventBridge): declare parcels lost after LOST_PARCEL_DAYS without a carrier event, open their
 * carrier claims, tell the customer (deliveries/services/lost-parcels.ts). Env: TABLE_NAME, SWEEP_PAGE_LIMIT?
 * (200), LOST_PARCEL_DAYS? (7), CARRIER_CLAIM_WINDOW_DAYS? (30). Metric ParcelsLost.
 */
import { systemClock } from '../core/kernel/clock';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { deliverySettingsFromEnv, sweepLostParcels, type LostParcelSweepDeps } from '../core/deliveries/services/lost-parcels';
import { pageLimitFromEnv, scheduledSweepHandler } from '../core/sweeps/services/sweeps';

const deps: LostParcelSweepDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  logger,
  metrics,
  pageLimit: pageLimitFromEnv(),
  delivery: deliverySettingsFromEnv(),
};

export const handler = scheduledSweepHandler('lost-parcels', () => sweepLostParcels(deps));

/**
 * Scheduled (EventBridge): ACTIVE suppliers whose last feed is older than their freshness SLA become
 * STALE (+ SupplierStale event); their SKUs stop selling until the next good feed.
 * Env: TABLE_NAME, SUPPLIER_FILES (JSON `[{ supplierId, channel, roleId? }]`). Metric SuppliersStale (gauge).
 */
import { systemClock } from '../core/kernel/clock';
import { getDocumentClient } from '../core/runtime/clients';
import { jsonEnv, requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { supplierIdsFromConfig, sweepStaleFeeds, type StaleFeedSweepDeps } from '../core/sweeps/services/sweep-stale-feeds';
import { scheduledSweepHandler } from '../core/sweeps/services/sweeps';

const deps: StaleFeedSweepDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  logger,
  metrics,
  supplierIds: jsonEnv('SUPPLIER_FILES', supplierIdsFromConfig),
};

export const handler = scheduledSweepHandler('stale-feeds', () => sweepStaleFeeds(deps));

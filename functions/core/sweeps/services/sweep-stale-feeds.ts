/**
 * Stale-feed sweep: the configured suppliers (SUPPLIER_FILES ids, one BatchGet per 100) that are
 * ACTIVE with a last feed older than their feedFreshnessSlaHours (or none at all) become STALE: in ONE
 * transaction the supplier item gets `status = STALE`, `staleSince = now` (conditional on still
 * ACTIVE with the same lastFeedAt: a feed that lands meanwhile wins) and a `SupplierStale` supplier
 * event is written (published on the domain bus by the stream router). Their offers stop counting
 * (routing and availability ignore stale feeds and non-ACTIVE suppliers); the next good feed turns the
 * supplier ACTIVE again (the feed service). Metric `SuppliersStale` = STALE suppliers after the run
 * (a gauge, emitted every run so the alarm always has data), `SuppliersMarkedStale` = this run's.
 * Bounded by the number of configured suppliers.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { feedFreshness } from '../domain/rules';
import type { Supplier } from '../../suppliers/domain/supplier';
import type { TypedSupplierEvent } from '../../events/schemas/domain-events';
import { SupplierFilesConfig } from '../../suppliers/schemas/supplier-files';
import { loadSuppliers } from '../../inventory/store/catalog';
import { supplierEventItem, takeSupplierEventSeq } from '../../inventory/store/inventory';
import { keys } from '../../runtime/table/keys';
import type { TransactItem } from '../../runtime/table/transactions';
import { transactSurfacing, type SweepDeps } from './sweeps';

/** The configured supplier ids of SUPPLIER_FILES (only the ids matter here). */
export function supplierIdsFromConfig(value: unknown): string[] {
  return [...new Set(SupplierFilesConfig.parse(value).map((e) => e.supplierId))];
}

export interface StaleFeedSweepDeps extends Omit<SweepDeps, 'pageLimit'> {
  readonly supplierIds: readonly string[];
}

export interface StaleFeedSweepResult {
  readonly checked: number;
  readonly markedStale: readonly string[];
  readonly staleAfter: number;
  /** Configured ids without a supplier item. */
  readonly missing: readonly string[];
}

export function markStaleItems(deps: Pick<SweepDeps, 'store'>, supplier: Supplier, at: string, sequence: number): TransactItem[] {
  const ctx = deps.store;
  const event: TypedSupplierEvent = {
    supplierId: supplier.supplierId,
    at,
    type: 'SupplierStale',
    message:
      supplier.lastFeedAt === undefined
        ? `No inventory feed received yet (freshness SLA ${supplier.feedFreshnessSlaHours} h): its SKUs are not sold until a good feed arrives`
        : `Last inventory feed ${supplier.lastFeedAt} is older than the ${supplier.feedFreshnessSlaHours} h freshness SLA: its SKUs are not sold until a good feed arrives`,
    data: { lastFeedAt: supplier.lastFeedAt ?? null, feedFreshnessSlaHours: supplier.feedFreshnessSlaHours, staleSince: at, ...(supplier.lastFeedKey === undefined ? {} : { lastFeedKey: supplier.lastFeedKey }) },
  };
  const sameFeed = supplier.lastFeedAt === undefined ? 'attribute_not_exists(lastFeedAt)' : 'lastFeedAt = :lastFeedAt';
  return [
    {
      Update: {
        TableName: ctx.tableName,
        Key: keys.supplier(supplier.supplierId),
        UpdateExpression: 'SET #status = :stale, staleSince = :at',
        ConditionExpression: `#status = :active AND ${sameFeed}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':stale': 'STALE',
          ':active': 'ACTIVE',
          ':at': at,
          ...(supplier.lastFeedAt === undefined ? {} : { ':lastFeedAt': supplier.lastFeedAt }),
        },
      },
    },
    { Put: { TableName: ctx.tableName, Item: supplierEventItem(event, sequence), ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
}

async function markStale(deps: StaleFeedSweepDeps, supplier: Supplier, at: string): Promise<boolean> {
  return transactSurfacing(deps.store, () => markStaleItems(deps, supplier, at, takeSupplierEventSeq()), `mark supplier ${supplier.supplierId} stale`);
}

export async function sweepStaleFeeds(deps: StaleFeedSweepDeps): Promise<StaleFeedSweepResult> {
  const now = deps.now().toISOString();
  const suppliers = await loadSuppliers(deps.store, deps.supplierIds);
  const missing = deps.supplierIds.filter((id) => !suppliers.has(id));
  if (missing.length > 0) deps.logger.warn('Configured suppliers without a supplier item', { supplierIds: missing });
  const markedStale: string[] = [];
  let staleAfter = 0;
  let failures = 0;
  for (const supplier of suppliers.values()) {
    const state = feedFreshness(supplier, now);
    if (state === 'ALREADY_STALE') staleAfter += 1;
    if (state !== 'MARK_STALE') continue;
    try {
      if (await markStale(deps, supplier, now)) {
        markedStale.push(supplier.supplierId);
        staleAfter += 1;
        deps.logger.warn('Supplier feed stale: its SKUs stop selling', { supplierId: supplier.supplierId, lastFeedAt: supplier.lastFeedAt, slaHours: supplier.feedFreshnessSlaHours });
      } else {
        deps.logger.info('Supplier changed while marking it stale: left as it is now', { supplierId: supplier.supplierId });
      }
    } catch (error) {
      failures += 1;
      deps.logger.error('Marking supplier stale failed', { supplierId: supplier.supplierId, errorName: error instanceof Error ? error.name : 'unknown' });
    }
  }
  deps.metrics.addMetric('SuppliersStale', MetricUnit.Count, staleAfter);
  deps.metrics.addMetric('SuppliersMarkedStale', MetricUnit.Count, markedStale.length);
  if (failures > 0) throw new Error(`Stale-feed sweep: ${failures} supplier(s) could not be marked`);
  return { checked: suppliers.size, markedStale, staleAfter, missing };
}

import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { markStaleItems, supplierIdsFromConfig, sweepStaleFeeds, type StaleFeedSweepDeps } from '../../../functions/core/sweeps/services/sweep-stale-feeds';
import { transact } from '../../../functions/core/runtime/table/transactions';
import { captureOutput } from '../fixtures/handler-env';
import { lambdaContext } from '../fixtures/requests';
import { FakeTable } from '../workflow/support/fake-table';
import { T0, harness, plusMinutes, putSupplier, supplier, type Harness } from './support';

const ddbMock = mockClient(DynamoDBDocumentClient);
let table: FakeTable;
let h: Harness;

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  h = harness(T0);
});
afterAll(() => vi.unstubAllEnvs());

const deps = (ids: readonly string[]): StaleFeedSweepDeps => ({ ...h.deps(), supplierIds: ids });
const stored = (id: string) => table.get(`SUPPLIER#${id}`, '#SUPPLIER') ?? {};
const events = (id: string) => table.entities('SupplierEvent', `SUPPLIER#${id}`);
const hoursAgo = (h: number) => plusMinutes(T0, -h * 60);

describe('stale-feed sweep', () => {
  it('marks an ACTIVE supplier past its freshness SLA STALE, once, with a SupplierStale event', async () => {
    putSupplier(table, supplier('fresh', { lastFeedAt: hoursAgo(2) }));
    putSupplier(table, supplier('late', { lastFeedAt: hoursAgo(25), lastFeedKey: 'suppliers/late/inbox/inventory/feed.csv' }));
    putSupplier(table, supplier('old', { status: 'STALE', staleSince: hoursAgo(48), lastFeedAt: hoursAgo(72) }));

    const first = await sweepStaleFeeds(deps(['fresh', 'late', 'old']));
    expect(first).toMatchObject({ checked: 3, markedStale: ['late'], staleAfter: 2, missing: [] });
    expect(stored('late')).toMatchObject({ status: 'STALE', staleSince: T0, lastFeedAt: hoursAgo(25) });
    expect(stored('fresh')).toMatchObject({ status: 'ACTIVE' });
    expect(events('late')).toEqual([
      expect.objectContaining({
        entity: 'SupplierEvent',
        supplierId: 'late',
        type: 'SupplierStale',
        at: T0,
        data: { lastFeedAt: hoursAgo(25), feedFreshnessSlaHours: 24, staleSince: T0, lastFeedKey: 'suppliers/late/inbox/inventory/feed.csv' },
      }),
    ]);
    expect(String(events('late')[0]?.sk)).toMatch(new RegExp(`^EVENT#${T0}#\\d{4}$`));

    h.clock.ms += 3_600_000;
    const second = await sweepStaleFeeds(deps(['fresh', 'late', 'old']));
    expect(second).toMatchObject({ markedStale: [], staleAfter: 2 });
    expect(events('late')).toHaveLength(1);
    // The gauge is emitted on every run, so the alarm always has data.
    expect(h.metrics.addMetric.mock.calls.filter((c) => c[0] === 'SuppliersStale').map((c) => c[2])).toEqual([2, 2]);
  });

  it('a supplier that never sent a feed is stale; a SUSPENDED one is left alone', async () => {
    putSupplier(table, supplier('never', { lastFeedAt: undefined }));
    putSupplier(table, supplier('paused', { status: 'SUSPENDED', lastFeedAt: hoursAgo(500) }));
    const result = await sweepStaleFeeds(deps(['never', 'paused', 'ghost']));
    expect(result).toMatchObject({ markedStale: ['never'], staleAfter: 1, missing: ['ghost'] });
    expect(stored('paused')).toMatchObject({ status: 'SUSPENDED' });
    expect(stored('paused').staleSince).toBeUndefined();
  });

  it('a feed that landed after the sweep read the supplier wins (conditional on the same lastFeedAt)', async () => {
    const read = supplier('late', { lastFeedAt: hoursAgo(25) });
    putSupplier(table, { ...read, lastFeedAt: plusMinutes(T0, -1) });
    const outcome = await transact(h.deps().store, markStaleItems(h.deps(), read, T0, 1234));
    expect(outcome.ok).toBe(false);
    expect(stored('late')).toMatchObject({ status: 'ACTIVE', lastFeedAt: plusMinutes(T0, -1) });
    expect(events('late')).toEqual([]);
  });

  it('never turns a STALE supplier ACTIVE again, even with a fresh feed time (recovery is the feed service’s job)', async () => {
    putSupplier(table, supplier('back', { status: 'STALE', staleSince: hoursAgo(30), lastFeedAt: hoursAgo(1) }));
    const result = await sweepStaleFeeds(deps(['back']));
    expect(result).toMatchObject({ markedStale: [], staleAfter: 1 });
    expect(stored('back')).toMatchObject({ status: 'STALE', staleSince: hoursAgo(30) });
    expect(table.log.filter((l) => l.command === 'TransactWrite' || l.command === 'Update')).toEqual([]);
  });

  it('reads the supplier ids from SUPPLIER_FILES', () => {
    expect(supplierIdsFromConfig([{ supplierId: 'a', channel: 'file', roleId: 'AROA1' }, { supplierId: 'b', channel: 'sqs' }, { supplierId: 'a', channel: 'file' }])).toEqual(['a', 'b']);
    expect(() => supplierIdsFromConfig([{ supplierId: '', channel: 'file' }])).toThrow();
    expect(() => supplierIdsFromConfig({ supplierId: 'a' })).toThrow();
  });
});

describe('sweep-stale-feeds handler', () => {
  it('reads its configuration at cold start and runs the sweep on a scheduled event', async () => {
    putSupplier(table, supplier('late', { lastFeedAt: hoursAgo(30) }));
    vi.stubEnv('TABLE_NAME', 'PipelineTable');
    vi.stubEnv('SUPPLIER_FILES', JSON.stringify([{ supplierId: 'late', channel: 'file' }]));
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const output = captureOutput();
    const { handler } = await import('../../../functions/sweeps/sweep-stale-feeds');
    const result = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, lambdaContext).finally(() => output.restore());
    expect(output.text()).toContain('"sweep":"stale-feeds"');
    expect(result).toMatchObject({ markedStale: ['late'], staleAfter: 1 });
    expect(stored('late')).toMatchObject({ status: 'STALE' });
  });
});

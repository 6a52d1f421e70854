import type { S3Event } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../fixtures/requests';
import { BUCKET, LATER, SUPPLIER_ID, feedWorld, inboxKey, supplierEvents } from './support';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'PipelineTable';
  process.env.FILES_BUCKET = 'supplier-files';
  process.env.SUPPLIER_FILES = JSON.stringify([
    { supplierId: 'acme', channel: 'file', roleId: 'AROAACMEACCESS' },
    { supplierId: 'globex', channel: 'file', roleId: 'AROAGLOBEXACCESS' },
  ]);
  process.env.INVENTORY_PULL = '[]';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const { handler, processFeedObject } = await import('../../../functions/inventory/feed-file');
const { refreshFeeds, refreshSource } = await import('../../../functions/inventory/refresh-feeds');
const { loadSupplierFiles } = await import('../../../functions/core/suppliers/services/file-reports');

function s3Event(key: string, options: { principalId?: string; eTag?: string; bucket?: string } = {}): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-11-25T10:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: options.principalId ?? 'AWS:AROAACMEACCESS:acme-upload' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'r', 'x-amz-id-2': 'i' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'feeds',
          bucket: { name: options.bucket ?? BUCKET, ownerIdentity: { principalId: 'owner' }, arn: `arn:aws:s3:::${BUCKET}` },
          object: { key, size: 10, eTag: options.eTag ?? '', sequencer: '0' },
        },
      },
    ],
  };
}

describe('feed-file handler (S3 ObjectCreated)', () => {
  it('decodes the key (+ = space), applies the feed and replays as a no-op', async () => {
    const world = feedWorld();
    const { etag } = world.drop('my feed (2).csv', 'sku,qty\nA-1,4\n');
    const event = s3Event('suppliers/acme/inbox/inventory/my+feed+%282%29.csv', { eTag: etag });

    expect(await handler(event, lambdaContext)).toEqual({ outcomes: ['APPLIED'] });
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(4);
    expect(world.table.entities('SupplierFile')[0]).toMatchObject({ objectKey: inboxKey('my feed (2).csv'), status: 'APPLIED', etag });

    expect(await handler(event, lambdaContext)).toEqual({ outcomes: ['ALREADY_PROCESSED'] });
  });

  it('reads the ETag with HeadObject when the event has none', async () => {
    const world = feedWorld();
    const { etag } = world.drop('f.csv', 'sku,qty\nA-1,4\n');
    const event = s3Event(inboxKey('f.csv'));
    const record = event.Records[0];
    if (record !== undefined) record.s3.object = { key: inboxKey('f.csv'), size: 10, sequencer: '0' } as typeof record.s3.object;
    expect(await handler(event, lambdaContext)).toEqual({ outcomes: ['APPLIED'] });
    expect(world.table.entities('SupplierFile')[0]?.['etag']).toBe(etag);
  });

  it("refuses a file another supplier's access role wrote into this supplier's inbox: no report, event + metric", async () => {
    const world = feedWorld();
    const { key, etag } = world.drop('evil.csv', 'sku,qty\nA-1,0\n');
    const outcome = await processFeedObject({ bucket: BUCKET, key, etag, principalId: 'AWS:AROAGLOBEXACCESS:globex-upload' }, world.deps, loadSupplierFiles());

    expect(outcome).toBe('REFUSED');
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(10);
    expect(world.bucket.keys(`${BUCKET}/suppliers/${SUPPLIER_ID}/outbox/`)).toEqual([]);
    expect(world.table.entities('SupplierFile')[0]).toMatchObject({ status: 'REFUSED', reason: 'FOREIGN_ROLE: written by the access role of supplier globex' });
    expect(supplierEvents(world)).toEqual([expect.objectContaining({ type: 'SupplierFileRefused', data: expect.objectContaining({ actorSupplierId: 'globex' }) })]);
    expect(world.deps.metrics.total('SupplierFilesRefused')).toBe(1);

    // The same object again: recorded once.
    await processFeedObject({ bucket: BUCKET, key, etag, principalId: 'AWS:AROAGLOBEXACCESS:globex-upload' }, world.deps, loadSupplierFiles());
    expect(world.deps.metrics.total('SupplierFilesRefused')).toBe(1);
  });

  it.each([
    ['an unconfigured supplier prefix', 'suppliers/initech/inbox/inventory/f.csv', 'AWS:AROAACMEACCESS:x', 'REFUSED'],
    ['an operator (not a supplier role)', inboxKey('f.csv'), 'AWS:AIDAOPERATOR', 'APPLIED'],
    ['the owner role', inboxKey('f.csv'), 'AROAACMEACCESS:session', 'APPLIED'],
    ['a tracking file', 'suppliers/acme/inbox/tracking/t.csv', 'AWS:AROAACMEACCESS:x', 'IGNORED'],
    ['a key outside the inbox', 'suppliers/acme/outbox/reports/x.json', 'AWS:AROAACMEACCESS:x', 'IGNORED'],
  ])('%s → %s', async (_name, key, principalId, expected) => {
    const world = feedWorld();
    const etag = world.bucket.put(BUCKET, key, 'sku,qty\nA-1,4\n');
    expect(await processFeedObject({ bucket: BUCKET, key, etag, principalId }, world.deps, loadSupplierFiles())).toBe(expected);
  });

  it('rejects an event that is not an S3 notification', async () => {
    feedWorld();
    await expect(handler({ Records: [{ body: 'x' }] }, lambdaContext)).rejects.toThrow();
  });
});

describe('refresh-feeds (scheduled pull)', () => {
  const source = { supplierId: SUPPLIER_ID, bucket: 'acme-exports', key: 'exports/stock.csv' };

  it('applies a new ETag once, then skips it without reading the object', async () => {
    const world = feedWorld();
    world.bucket.put('acme-exports', 'exports/stock.csv', 'sku,qty\nA-1,2\n');
    expect(await refreshSource(source, world.deps)).toBe('APPLIED');
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(2);
    const reads = world.bucket.gets;

    expect(await refreshSource(source, world.deps)).toBe('UNCHANGED');
    expect(world.bucket.gets).toBe(reads);

    world.bucket.put('acme-exports', 'exports/stock.csv', 'sku,qty\nA-1,3\n');
    world.clock = LATER;
    expect(await refreshSource(source, world.deps)).toBe('APPLIED');
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(3);
    expect(supplierEvents(world).filter((e) => e.type === 'SupplierFeedApplied').map((e) => (e['data'] as { source: string }).source)).toEqual(['pull', 'pull']);
  });

  it('one failing source does not stop the others; the failure is rethrown at the end', async () => {
    const world = feedWorld();
    world.bucket.put('acme-exports', 'exports/stock.csv', 'sku,qty\nA-1,5\n');
    const missing = { supplierId: SUPPLIER_ID, bucket: 'acme-exports', key: 'exports/missing.csv' };
    await expect(refreshFeeds([missing, source], world.deps)).rejects.toThrow('NotFound');
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(5);
  });
});

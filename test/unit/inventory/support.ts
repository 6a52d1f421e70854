/**
 * A seeded world for inventory feed tests: the workflow's in-memory table (plus BatchWriteItem, with
 * optional UnprocessedItems), an in-memory S3 bucket behind aws-sdk-client-mock, a supplier with
 * offers, a fixed clock and recording logger / metrics.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import type { FeedOffer } from '../../../functions/core/inventory/domain/feed-offers';
import type { Supplier, SupplierFileSettings } from '../../../functions/core/suppliers/domain/supplier';
import type { FileMetrics } from '../../../functions/core/suppliers/services/file-reports';
import type { FeedDeps } from '../../../functions/core/inventory/services/feed-types';
import { offerItem } from '../../../functions/core/inventory/store/inventory';
import { keys } from '../../../functions/core/runtime/table/keys';
import { FakeTable, TABLE } from '../workflow/support/fake-table';
import type { Item } from '../workflow/support/expressions';

export const NOW = new Date('2026-11-25T10:00:00.000Z');
export const LATER = new Date('2026-11-25T11:00:00.000Z');
export const SUPPLIER_ID = 'acme';
export const OTHER_SUPPLIER_ID = 'globex';
export const BUCKET = 'supplier-files';
export const inboxKey = (name: string, supplierId = SUPPLIER_ID) => `suppliers/${supplierId}/inbox/inventory/${name}`;

export function supplier(overrides: Partial<Supplier> = {}, files?: Partial<SupplierFileSettings>): Supplier {
  return {
    supplierId: SUPPLIER_ID,
    name: 'ACME Wholesale',
    channel: 'file',
    priority: 1,
    currency: 'EUR',
    acceptanceSlaMinutes: 60,
    processingDays: 1,
    feedFreshnessSlaHours: 24,
    shippingZones: [],
    status: 'ACTIVE',
    blindShipping: true,
    lastFeedAt: '2026-11-24T10:00:00.000Z',
    ...(files === undefined ? {} : { files: { purchaseOrderFormat: 'csv', ...files } }),
    ...overrides,
  };
}

export function supplierItem(s: Supplier = supplier()): Item {
  return { ...s, ...keys.supplier(s.supplierId), entity: 'Supplier' };
}

export function offer(sku: string, supplierSku: string, overrides: Partial<FeedOffer> = {}): FeedOffer {
  return {
    sku,
    supplierId: SUPPLIER_ID,
    supplierSku,
    wholesaleCostMinor: 1000,
    currency: 'EUR',
    stock: 10,
    discontinued: false,
    lastFeedAt: '2026-11-24T10:00:00.000Z',
    ...overrides,
  };
}

/** Three offers: A-1 → SKU-A, B-2 → SKU-B, C-3 → SKU-C (10 in stock, 10.00 EUR each). */
export const OFFERS: readonly FeedOffer[] = [offer('SKU-A', 'A-1'), offer('SKU-B', 'B-2'), offer('SKU-C', 'C-3', { mapMinor: 2500 })];

export function counterItem(sku: string, reserved: number, supplierId = SUPPLIER_ID): Item {
  return { sku, supplierId, reserved, ...keys.offerReservations(sku, supplierId), entity: 'OfferReservations' };
}

export const etagOf = (body: string | Buffer): string => createHash('md5').update(body).digest('hex');

/** An in-memory S3 (Put / Get / Head / Copy) keyed by bucket + key. */
export class FakeBucket {
  readonly objects = new Map<string, { body: Buffer; etag: string }>();
  gets = 0;

  put(bucket: string, key: string, body: string | Buffer): string {
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const etag = etagOf(data);
    this.objects.set(`${bucket}/${key}`, { body: data, etag });
    return etag;
  }

  text(bucket: string, key: string): string | undefined {
    return this.objects.get(`${bucket}/${key}`)?.body.toString('utf8');
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  install(mock: AwsClientStub<S3Client> = mockClient(S3Client)): AwsClientStub<S3Client> {
    mock.on(PutObjectCommand).callsFake((input: { Bucket?: string; Key?: string; Body?: unknown }) => {
      const body = input.Body;
      const etag = this.put(input.Bucket ?? '', input.Key ?? '', typeof body === 'string' || Buffer.isBuffer(body) ? body : String(body));
      return { ETag: `"${etag}"` };
    });
    mock.on(GetObjectCommand).callsFake((input: { Bucket?: string; Key?: string; IfMatch?: string }) => {
      this.gets++;
      const object = this.objects.get(`${input.Bucket ?? ''}/${input.Key ?? ''}`);
      if (object === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      if (input.IfMatch !== undefined && input.IfMatch.replace(/"/g, '') !== object.etag) {
        throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      }
      // Small chunks: the parsers must cope with records split across chunks.
      const chunks: Buffer[] = [];
      for (let i = 0; i < object.body.length; i += 7) chunks.push(object.body.subarray(i, i + 7));
      return { ETag: `"${object.etag}"`, Body: Readable.from(chunks) as unknown as GetObjectCommandOutput['Body'] };
    });
    mock.on(HeadObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) => {
      const object = this.objects.get(`${input.Bucket ?? ''}/${input.Key ?? ''}`);
      if (object === undefined) throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
      return { ETag: `"${object.etag}"`, ContentLength: object.body.length };
    });
    mock.on(CopyObjectCommand).callsFake((input: { Bucket?: string; Key?: string; CopySource?: string }) => {
      const source = input.CopySource ?? '';
      const slash = source.indexOf('/');
      const from = `${source.slice(0, slash)}/${source
        .slice(slash + 1)
        .split('/')
        .map(decodeURIComponent)
        .join('/')}`;
      const object = this.objects.get(from);
      if (object === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      this.objects.set(`${input.Bucket ?? ''}/${input.Key ?? ''}`, { ...object });
      return { CopyObjectResult: { ETag: `"${object.etag}"` } };
    });
    return mock;
  }
}

/** BatchWriteItem on the fake table; `unprocessedOnce` leaves the last N items of the next call unprocessed (once). */
export function installBatchWrite(table: FakeTable, mock: AwsClientStub<DynamoDBDocumentClient>, options: { unprocessedOnce?: number } = {}): { calls: () => number } {
  let calls = 0;
  let leaveOut = options.unprocessedOnce ?? 0;
  mock.on(BatchWriteCommand).callsFake(async (input: BatchWriteCommandInput) => {
    await Promise.resolve();
    calls++;
    table.log.push({ command: 'BatchWrite', input: structuredClone(input) });
    const unprocessed: Record<string, NonNullable<BatchWriteCommandInput['RequestItems']>[string]> = {};
    for (const [tableName, requests] of Object.entries(input.RequestItems ?? {})) {
      const keep = leaveOut > 0 ? requests.slice(0, Math.max(0, requests.length - leaveOut)) : requests;
      const left = requests.slice(keep.length);
      if (left.length > 0) {
        unprocessed[tableName] = left;
        leaveOut = 0;
      }
      for (const request of keep) if (request.PutRequest?.Item !== undefined) table.seed(request.PutRequest.Item);
    }
    return { UnprocessedItems: unprocessed };
  });
  return { calls: () => calls };
}

export interface RecordingMetrics extends FileMetrics {
  readonly counts: { name: string; value: number; supplierId?: string | undefined }[];
  total(name: string): number;
}

export function recordingMetrics(): RecordingMetrics {
  const counts: RecordingMetrics['counts'] = [];
  return {
    counts,
    count(name, value, supplierId) {
      counts.push({ name, value, supplierId });
    },
    total: (name) => counts.filter((c) => c.name === name).reduce((s, c) => s + c.value, 0),
  };
}

export const silentLogger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

const ddbMock = mockClient(DynamoDBDocumentClient);
const s3Mock = mockClient(S3Client);

export interface FeedWorld {
  readonly table: FakeTable;
  readonly bucket: FakeBucket;
  readonly deps: FeedDeps & { readonly metrics: RecordingMetrics; readonly logger: ReturnType<typeof silentLogger> };
  readonly ddbMock: AwsClientStub<DynamoDBDocumentClient>;
  readonly batchWrites: () => number;
  clock: Date;
  /** Offer item as stored now. */
  storedOffer(sku: string, supplierId?: string): Item | undefined;
  /** Put a file in the inbox; returns its ETag. */
  drop(name: string, body: string | Buffer, supplierId?: string): { key: string; etag: string };
}

export function feedWorld(
  options: { supplier?: Supplier; offers?: readonly FeedOffer[]; extra?: readonly Item[]; unprocessedOnce?: number; chunkRows?: number } = {},
): FeedWorld {
  ddbMock.reset();
  s3Mock.reset();
  const table = new FakeTable();
  table.install(ddbMock);
  const writes = installBatchWrite(table, ddbMock, options.unprocessedOnce === undefined ? {} : { unprocessedOnce: options.unprocessedOnce });
  const bucket = new FakeBucket();
  bucket.install(s3Mock);
  table.seed(supplierItem(options.supplier ?? supplier()), ...(options.offers ?? OFFERS).map((o) => offerItem(o)), ...(options.extra ?? []));
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  const world: FeedWorld = {
    table,
    bucket,
    ddbMock,
    batchWrites: writes.calls,
    clock: NOW,
    deps: {
      store: { ddb, tableName: TABLE },
      s3: new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
      filesBucket: BUCKET,
      now: () => world.clock,
      logger: silentLogger(),
      metrics: recordingMetrics(),
      tuning: { chunkRows: options.chunkRows ?? 2, writeConcurrency: 2, indexSettleMs: 0, lockWaitMs: 50 },
    },
    storedOffer: (sku, supplierId = SUPPLIER_ID) => table.get(keys.offer(sku, supplierId).pk, keys.offer(sku, supplierId).sk),
    drop(name, body, supplierId = SUPPLIER_ID) {
      const key = inboxKey(name, supplierId);
      return { key, etag: bucket.put(BUCKET, key, body) };
    },
  };
  return world;
}

/** Apply options for applyFeedFile from a dropped object (body opened from the fake bucket). */
export function dropped(world: FeedWorld, name: string, body: string | Buffer, supplierId = SUPPLIER_ID) {
  const { key, etag } = world.drop(name, body, supplierId);
  return {
    bucket: BUCKET,
    key,
    etag,
    supplierId,
    body: () => Readable.from([typeof body === 'string' ? Buffer.from(body) : body]),
  };
}

export function reportOf(world: FeedWorld, name: string, etag: string): Record<string, unknown> | undefined {
  const text = world.bucket.text(BUCKET, `suppliers/${SUPPLIER_ID}/outbox/reports/inventory/${name}.${etag.slice(0, 8)}.report.json`);
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

export function supplierEvents(world: FeedWorld, supplierId = SUPPLIER_ID): Item[] {
  return world.table.entities('SupplierEvent', `SUPPLIER#${supplierId}`);
}

/**
 * Stock never goes back in time (issue 13), on DynamoDB Local: feed files (whole snapshots) and
 * INVENTORY_UPDATE messages (partial snapshots) of one supplier, applied shuffled AND concurrently, 20
 * rounds each: every offer ends with the newest truth that states it, stale ones are skipped, unchanged
 * rows are not rewritten, a message delivered twice at once applies once, reservation counters are untouched.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { localS3Client } from '../../local/emulators/s3/s3';
import { offerItem } from '../../functions/core/inventory/store/inventory';
import { applyInventoryRows, type InventoryRowsOptions, type InventoryRowsOutcome } from '../../functions/core/inventory/services/inventory-rows';
import { applyFeedFile } from '../../functions/core/inventory/services/inventory-feed';
import type { FeedDeps, FeedFileResult } from '../../functions/core/inventory/services/feed-types';
import { watermarkKey } from '../../functions/core/inventory/store/watermark';
import { dedupeItem, isLiveDedupe } from '../../functions/core/runtime/table/dedupe';
import { keys } from '../../functions/core/runtime/table/keys';
import { endpoints } from './helpers';

const ROUNDS = 20;
const SKUS = 12;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A seeded pseudo-random generator (mulberry32): a failing round can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A snapshot: its as-of, the SKUs it states (all for a whole one) and their stock. */
interface Snapshot {
  readonly asOf: string;
  readonly whole: boolean;
  readonly stock: ReadonlyMap<number, number>;
}

/** The retry a caller does when the apply lock stays busy (SQS redelivery, Lambda async retry); bounded. */
async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 6 || !(error instanceof Error) || error.name !== 'TransientError') throw error;
    }
  }
}

describe('stock never goes back in time (DynamoDB Local)', () => {
  // As the functions build it (runtime/table): undefined members are dropped.
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: endpoints().dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const tableName = () => endpoints().dynamodb.tableName;
  const bucket = () => endpoints().s3.bucket ?? 'asof-files';
  const deps = (): FeedDeps => ({
    store: { ddb, tableName: tableName() },
    s3: localS3Client(endpoints().s3.endpoint),
    filesBucket: bucket(),
    now: () => new Date(),
    logger: quiet,
    metrics: { count: () => undefined },
    // DynamoDB Local updates gsi1 with the item: no settle time needed.
    tuning: { chunkRows: 5, writeConcurrency: 8, indexSettleMs: 0, lockWaitMs: 20_000 },
  });

  /** A supplier of its own per test, with SKUS offers (stock 50) and a reservation counter on offer 0. */
  async function seedSupplier(label: string): Promise<{ supplierId: string; sku: (i: number) => string }> {
    const supplierId = `asof-${label}-${randomUUID().slice(0, 8)}`;
    const sku = (i: number) => `ASOF-${supplierId}-${i}`;
    const now = new Date().toISOString();
    await ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.supplier(supplierId),
          entity: 'Supplier',
          supplierId,
          name: 'As-of test supplier',
          channel: 'file',
          priority: 9,
          currency: 'EUR',
          acceptanceSlaMinutes: 60,
          processingDays: 1,
          feedFreshnessSlaHours: 24,
          shippingZones: [],
          status: 'ACTIVE',
          blindShipping: true,
          lastFeedAt: now,
        },
      }),
    );
    for (let i = 0; i < SKUS; i++) {
      const item = offerItem({ sku: sku(i), supplierId, supplierSku: `S-${i}`, wholesaleCostMinor: 1000, currency: 'EUR', stock: 50, discontinued: false, lastFeedAt: now });
      await ddb.send(new PutCommand({ TableName: tableName(), Item: item }));
    }
    await ddb.send(new PutCommand({ TableName: tableName(), Item: { ...keys.offerReservations(sku(0), supplierId), entity: 'OfferReservations', sku: sku(0), supplierId, reserved: 3 } }));
    return { supplierId, sku };
  }

  const get = async (key: { pk: string; sk: string }) => (await ddb.send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }))).Item;

  /** Snapshots of one round with distinct as-of (after every earlier round), small stocks so equal values happen. */
  function round(n: number, rnd: () => number, base: number, shapes: readonly boolean[]): Snapshot[] {
    return shapes.map((whole, s) => {
      const stated = whole ? Array.from({ length: SKUS }, (_, i) => i) : Array.from({ length: SKUS }, (_, i) => i).filter(() => rnd() < 0.5);
      if (stated.length === 0) stated.push(Math.floor(rnd() * SKUS));
      return {
        asOf: new Date(base + n * 3_600_000 + s * 1000 + Math.floor(rnd() * 900)).toISOString(),
        whole,
        stock: new Map(stated.map((i) => [i, Math.floor(rnd() * 4)])),
      };
    });
  }

  /** Per SKU, the newest snapshot stating it (across every round so far) sets the stock. */
  function expected(all: readonly Snapshot[]): Map<number, number> {
    const truth = new Map<number, { asOf: string; stock: number }>();
    for (const snap of all) {
      for (const [i, stock] of snap.stock) {
        const held = truth.get(i);
        if (held === undefined || held.asOf < snap.asOf) truth.set(i, { asOf: snap.asOf, stock });
      }
    }
    return new Map([...truth].map(([i, t]) => [i, t.stock]));
  }

  async function expectNewest(supplierId: string, sku: (i: number) => string, all: readonly Snapshot[], label: string): Promise<void> {
    const want = expected(all);
    for (let i = 0; i < SKUS; i++) {
      const item = await get(keys.offer(sku(i), supplierId));
      expect({ label, i, stock: item?.['stock'] }).toEqual({ label, i, stock: want.get(i) ?? 50 });
    }
  }

  const csv = (snap: Snapshot) => `sku,qty\n${[...snap.stock].map(([i, q]) => `S-${i},${q}`).join('\n')}\n`;
  const rowsOf = (snap: Snapshot) => [...snap.stock].map(([i, quantity]) => ({ supplierSku: `S-${i}`, quantity }));

  function applyFile(supplierId: string, snap: Snapshot, name: string): Promise<FeedFileResult> {
    return withRetry(() =>
      applyFeedFile(deps(), {
        bucket: bucket(),
        key: `suppliers/${supplierId}/inbox/inventory/${name}.csv`,
        etag: randomUUID().replace(/-/g, ''),
        supplierId,
        asOf: snap.asOf,
        body: () => Readable.from([Buffer.from(csv(snap))]),
      }),
    );
  }

  function applyMessage(supplierId: string, snap: Snapshot, messageId: string, once?: InventoryRowsOptions['once']): Promise<InventoryRowsOutcome> {
    return withRetry(() => applyInventoryRows(deps(), supplierId, rowsOf(snap), { complete: snap.whole, asOf: snap.asOf, source: { kind: 'sqs', messageId }, once }));
  }

  beforeAll(() => {
    expect(endpoints().dynamodb.endpoint).toMatch(/^http/);
  });

  it(`feed files: ${ROUNDS} rounds of 3 files, shuffled and concurrent: the newest wins, the others are SUPERSEDED`, { timeout: 240_000 }, async () => {
    const { supplierId, sku } = await seedSupplier('files');
    const rnd = random(31);
    const base = Date.parse('2031-01-01T00:00:00.000Z');
    const all: Snapshot[] = [];
    let superseded = 0;
    for (let n = 0; n < ROUNDS; n++) {
      const snaps = round(n, rnd, base, [true, true, true]);
      all.push(...snaps);
      const results = await Promise.all(shuffle(snaps, rnd).map((snap, k) => applyFile(supplierId, snap, `r${n}-${k}`)));
      expect(results.map((r) => r.status).filter((s) => s !== 'APPLIED' && s !== 'SUPERSEDED')).toEqual([]);
      superseded += results.filter((r) => r.status === 'SUPERSEDED').length;
      await expectNewest(supplierId, sku, all, `file round ${n}`);
      const newest = [...snaps].sort((a, b) => a.asOf.localeCompare(b.asOf)).at(-1) as Snapshot;
      expect(await get(watermarkKey(supplierId))).toMatchObject({ fullAsOf: newest.asOf });
      expect(await get(watermarkKey(supplierId))).not.toHaveProperty('leaseOwner');
    }
    expect(superseded).toBeGreaterThan(0);
    // The newest truth again, as of later: nothing changed, so no row is written.
    const last = [...all].sort((a, b) => a.asOf.localeCompare(b.asOf)).at(-1) as Snapshot;
    const again = await applyFile(supplierId, { ...last, asOf: new Date(Date.parse(last.asOf) + 60_000).toISOString() }, 'again');
    expect(again).toMatchObject({ status: 'APPLIED', written: 0, unchanged: SKUS, stale: 0 });
    expect((await get(keys.offerReservations(sku(0), supplierId)))?.['reserved']).toBe(3);
  });

  it(`files and partial INVENTORY_UPDATEs: ${ROUNDS} rounds, shuffled and concurrent: per SKU the newest truth stating it wins`, { timeout: 240_000 }, async () => {
    const { supplierId, sku } = await seedSupplier('mixed');
    const rnd = random(13);
    const base = Date.parse('2032-01-01T00:00:00.000Z');
    const all: Snapshot[] = [];
    let stale = 0;
    for (let n = 0; n < ROUNDS; n++) {
      // Two whole files and three partial messages per round, as-of in random positions.
      const snaps = round(n, rnd, base, shuffle([true, true, false, false, false], rnd));
      all.push(...snaps);
      const outcomes = await Promise.all(
        shuffle(snaps, rnd).map(async (snap, k) => (snap.whole ? applyFile(supplierId, snap, `m${n}-${k}`) : applyMessage(supplierId, snap, `m${n}-${k}`))),
      );
      for (const outcome of outcomes) {
        if ('kind' in outcome && outcome.kind === 'stale') stale++;
        if ('kind' in outcome && outcome.kind === 'applied') stale += outcome.stale;
        if ('status' in outcome) stale += outcome.stale;
      }
      await expectNewest(supplierId, sku, all, `mixed round ${n}`);
    }
    expect(stale).toBeGreaterThan(0);
    expect((await get(keys.offerReservations(sku(0), supplierId)))?.['reserved']).toBe(3);
  });

  it('a message delivered twice at once (and again later) applies once; an older one after it never overwrites', { timeout: 120_000 }, async () => {
    const { supplierId, sku } = await seedSupplier('dedupe');
    const scope = `supplier:${supplierId}`;
    const once = (messageId: string): InventoryRowsOptions['once'] => ({
      applied: async () => isLiveDedupe(await get(keys.dedupe(scope, messageId)), Math.floor(Date.now() / 1000)),
      record: { Put: { TableName: tableName(), Item: dedupeItem({ scope, id: messageId, kind: 'INVENTORY_UPDATE', createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 3600 }) } },
    });
    const newer: Snapshot = { asOf: '2033-01-01T00:00:10.000Z', whole: false, stock: new Map([[1, 7]]) };
    const older: Snapshot = { asOf: '2033-01-01T00:00:05.000Z', whole: false, stock: new Map([[1, 2]]) };
    for (let n = 0; n < ROUNDS; n++) {
      const id = `dup-${n}`;
      const snap: Snapshot = { ...newer, asOf: new Date(Date.parse(newer.asOf) + n * 60_000).toISOString(), stock: new Map([[1, n % 2 === 0 ? 7 : 8]]) };
      const [a, b] = await Promise.all([applyMessage(supplierId, snap, id, once(id)), applyMessage(supplierId, snap, id, once(id))]);
      expect([a.kind, b.kind].sort()).toEqual(['applied', 'duplicate']);
      expect((await applyMessage(supplierId, snap, id, once(id))).kind).toBe('duplicate');
      const late = await applyMessage(supplierId, { ...older, asOf: new Date(Date.parse(snap.asOf) - 1000).toISOString() }, `old-${n}`, once(`old-${n}`));
      expect(late).toMatchObject({ kind: 'applied', written: 0, stale: 1 });
      expect((await get(keys.offer(sku(1), supplierId)))?.['stock']).toBe(n % 2 === 0 ? 7 : 8);
    }
  });
});

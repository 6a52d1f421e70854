/**
 * Stock never goes back in time (issue 13): the watermark item and apply lock (store conditions on the
 * in-memory table behind aws-sdk-client-mock), and feed files / INVENTORY_UPDATE rows ordered by as-of.
 */
import { describe, expect, it } from 'vitest';
import { applyFeedFile } from '../../../functions/core/inventory/services/inventory-feed';
import { applyInventoryRows } from '../../../functions/core/inventory/services/inventory-rows';
import { holdApplyLock } from '../../../functions/core/inventory/services/apply-lock';
import { acquireLease, readWatermark, releaseItem, renewLease, watermarkKey } from '../../../functions/core/inventory/store/watermark';
import { transact } from '../../../functions/core/runtime/table/transactions';
import { offerItem } from '../../../functions/core/inventory/store/inventory';
import { LATER, NOW, SUPPLIER_ID, counterItem, dropped, feedWorld, offer, type FeedWorld } from './support';

const T1 = '2026-11-25T09:00:00.000Z';
const T2 = '2026-11-25T10:00:00.000Z';
const T3 = '2026-11-25T11:00:00.000Z';

const watermarkItem = (fields: Record<string, unknown>) => ({ ...watermarkKey(SUPPLIER_ID), entity: 'FeedWatermark', supplierId: SUPPLIER_ID, applies: 0, ...fields });
const stored = (world: FeedWorld) => world.table.get(watermarkKey(SUPPLIER_ID).pk, watermarkKey(SUPPLIER_ID).sk);
const commands = (world: FeedWorld, name: string) => world.table.log.filter((l) => l.command === name);
const rows = (stock: Record<string, number>) => Object.entries(stock).map(([supplierSku, quantity]) => ({ supplierSku, quantity }));

describe('watermark store: the apply lock', () => {
  it('acquire takes a free lease, refuses a live one held by another, takes over an expired one', async () => {
    const world = feedWorld();
    const store = world.deps.store;
    const nowMs = NOW.getTime();
    const mine = await acquireLease(store, { supplierId: SUPPLIER_ID, owner: 'a', nowMs, leaseMs: 1000, source: 'feed.csv' });
    expect(mine).toMatchObject({ supplierId: SUPPLIER_ID, applies: 0, leaseOwner: 'a', leaseExpiresAt: nowMs + 1000, leaseSource: 'feed.csv', tookOver: false });
    expect(await acquireLease(store, { supplierId: SUPPLIER_ID, owner: 'b', nowMs: nowMs + 999, leaseMs: 1000, source: 'x' })).toBeUndefined();
    // Re-entrant for its owner (a retry of the same call).
    expect(await acquireLease(store, { supplierId: SUPPLIER_ID, owner: 'a', nowMs: nowMs + 10, leaseMs: 1000, source: 'feed.csv' })).toBeDefined();
    expect(await acquireLease(store, { supplierId: SUPPLIER_ID, owner: 'b', nowMs: nowMs + 5000, leaseMs: 1000, source: 'x' })).toMatchObject({ leaseOwner: 'b', tookOver: true });
    // The old owner cannot renew once taken over.
    expect(await renewLease(store, { supplierId: SUPPLIER_ID, owner: 'a', nowMs: nowMs + 5001, leaseMs: 1000 })).toBe(false);
    expect(await renewLease(store, { supplierId: SUPPLIER_ID, owner: 'b', nowMs: nowMs + 5001, leaseMs: 1000 })).toBe(true);
    expect(stored(world)?.['leaseExpiresAt']).toBe(nowMs + 6001);
  });

  it('release advances the marks only for the owner, never backwards, and frees the lease', async () => {
    const world = feedWorld({ extra: [watermarkItem({ fullAsOf: T2, applies: 4, leaseOwner: 'a', leaseExpiresAt: NOW.getTime() + 1000 })] });
    const store = world.deps.store;
    expect(await transact(store, [releaseItem(store, SUPPLIER_ID, 'b', { marks: { fullAsOf: T3 }, wrote: true, at: T3 })])).toMatchObject({ ok: false });
    expect(await transact(store, [releaseItem(store, SUPPLIER_ID, 'a', { marks: { fullAsOf: T1 }, wrote: true, at: T3 })])).toMatchObject({ ok: false });
    expect(await transact(store, [releaseItem(store, SUPPLIER_ID, 'a', { marks: { fullAsOf: T3, partialAsOf: T1 }, wrote: true, at: T3 })])).toEqual({ ok: true });
    expect(await readWatermark(store, SUPPLIER_ID)).toEqual({ supplierId: SUPPLIER_ID, applies: 5, fullAsOf: T3, partialAsOf: T1, lastWriteAt: T3, leaseOwner: undefined, leaseExpiresAt: undefined, leaseSource: undefined });
  });

  it('a second apply waits for the lease and fails with a TransientError (retried) when it stays held', async () => {
    const world = feedWorld({ extra: [watermarkItem({ leaseOwner: 'other', leaseExpiresAt: NOW.getTime() + 60_000 })] });
    await expect(holdApplyLock(world.deps, SUPPLIER_ID, 'x', 60)).rejects.toMatchObject({ name: 'TransientError' });
    expect(commands(world, 'Update').length).toBeGreaterThan(1);
  });
});

describe('feed files ordered by as-of', () => {
  it('applies a newer file under the lock: changed rows only (batch, stamped with its as-of), the watermark advances, the lease is freed', async () => {
    const world = feedWorld({ extra: [watermarkItem({ fullAsOf: T1, applies: 2 })] });
    const result = await applyFeedFile(world.deps, { ...dropped(world, 'f.csv', 'sku,qty\nA-1,10\nB-2,3\n'), asOf: T2 });
    expect(result).toMatchObject({ status: 'APPLIED', written: 1, unchanged: 1, stale: 0 });
    expect(commands(world, 'Put').filter((c) => (c.input as { Item?: { entity?: string } }).Item?.entity === 'Offer')).toHaveLength(0);
    expect(world.batchWrites()).toBe(1);
    expect(world.storedOffer('SKU-B')).toMatchObject({ stock: 3, stockAsOf: T2 });
    expect(world.storedOffer('SKU-A')).not.toHaveProperty('stockAsOf');
    expect(stored(world)).toMatchObject({ fullAsOf: T2, applies: 3, lastWriteAt: NOW.toISOString() });
    expect(stored(world)).not.toHaveProperty('leaseOwner');
  });

  it('a file not newer than the watermark is SUPERSEDED before its body is read; nothing is written', async () => {
    const world = feedWorld({ extra: [watermarkItem({ fullAsOf: T2 })] });
    let opened = 0;
    const input = dropped(world, 'old.csv', 'sku,qty\nA-1,1\n');
    const result = await applyFeedFile(world.deps, {
      ...input,
      asOf: T2,
      body: () => {
        opened++;
        return input.body();
      },
    });
    expect(result).toMatchObject({ status: 'SUPERSEDED', reason: `a newer feed (as of ${T2}) was already applied` });
    expect(opened).toBe(0);
    expect(world.batchWrites()).toBe(0);
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(10);
    expect(world.deps.metrics.total('FeedFilesSuperseded')).toBe(1);
  });

  it('a newer feed applied while this one was read makes it SUPERSEDED under the lock', async () => {
    const world = feedWorld();
    // Another apply finishes after this file's first look at the watermark, before it takes the lock.
    world.table.before = (command) => {
      if (command !== 'Update' || stored(world)?.['fullAsOf'] !== undefined) return;
      world.table.seed(watermarkItem({ fullAsOf: T3, applies: 1 }));
    };
    const result = await applyFeedFile(world.deps, { ...dropped(world, 'f.csv', 'sku,qty\nA-1,1\n'), asOf: T2 });
    expect(result).toMatchObject({ status: 'SUPERSEDED' });
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(10);
    expect(stored(world)).not.toHaveProperty('leaseOwner');
  });

  it('a file older than an applied partial update writes each changed row conditionally: rows holding a newer truth are stale', async () => {
    const world = feedWorld({ offers: [offer('SKU-A', 'A-1', { stockAsOf: T3, stock: 4 }), offer('SKU-B', 'B-2'), offer('SKU-C', 'C-3')], extra: [watermarkItem({ fullAsOf: T1, partialAsOf: T3 })] });
    const result = await applyFeedFile(world.deps, { ...dropped(world, 'f.csv', 'sku,qty\nA-1,9\nB-2,9\nC-3,10\n'), asOf: T2 });
    expect(result).toMatchObject({ status: 'APPLIED', written: 1, unchanged: 1, stale: 1 });
    expect(world.batchWrites()).toBe(0);
    expect(world.storedOffer('SKU-A')).toMatchObject({ stock: 4, stockAsOf: T3 });
    expect(world.storedOffer('SKU-B')).toMatchObject({ stock: 9, stockAsOf: T2 });
    expect(stored(world)).toMatchObject({ fullAsOf: T2, partialAsOf: T3 });
  });

  it('while another apply holds the lock the file fails with a TransientError, recorded FAILED, nothing written', async () => {
    const world = feedWorld({ extra: [watermarkItem({ leaseOwner: 'other', leaseExpiresAt: NOW.getTime() + 60_000 })] });
    const input = { ...dropped(world, 'f.csv', 'sku,qty\nA-1,1\n'), asOf: T2 };
    await expect(applyFeedFile(world.deps, input)).rejects.toMatchObject({ name: 'TransientError' });
    expect(world.table.get(`FILE#${SUPPLIER_ID}`, `INVENTORY#${input.key}#${input.etag}`)).toMatchObject({ status: 'FAILED' });
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(10);
    // Once the holder's lease expired, the retry applies it.
    world.clock = LATER;
    expect(await applyFeedFile(world.deps, input)).toMatchObject({ status: 'APPLIED', written: 1 });
  });

  it('taking over the lock of an apply that died re-reads the offers (its writes may be newer than the first read)', async () => {
    const world = feedWorld({ extra: [watermarkItem({ fullAsOf: T1, leaseOwner: 'dead', leaseExpiresAt: NOW.getTime() - 1 })] });
    const input = { ...dropped(world, 'f.csv', 'sku,qty\nA-1,10\n'), asOf: T2 };
    // The dead apply's write lands after this file first read the offers.
    let queries = 0;
    world.table.before = (command) => {
      if (command === 'Query' && ++queries === 1) world.table.seed(offerItem(offer('SKU-A', 'A-1', { stock: 4, stockAsOf: T1 })));
    };
    expect(await applyFeedFile(world.deps, input)).toMatchObject({ status: 'APPLIED', written: 1 });
    expect(queries).toBe(2);
    expect(world.storedOffer('SKU-A')).toMatchObject({ stock: 10, stockAsOf: T2 });
  });

  it('a lease lost before the outcome is recorded fails the file (retried), its record and watermark untouched', async () => {
    const world = feedWorld();
    world.table.before = (command) => {
      if (command === 'TransactWrite') world.table.seed(watermarkItem({ leaseOwner: 'thief', leaseExpiresAt: NOW.getTime() + 60_000 }));
    };
    const input = { ...dropped(world, 'f.csv', 'sku,qty\nA-1,1\n'), asOf: T2 };
    await expect(applyFeedFile(world.deps, input)).rejects.toThrow(/apply lock .* was lost/);
    expect(world.table.get(`FILE#${SUPPLIER_ID}`, `INVENTORY#${input.key}#${input.etag}`)).toMatchObject({ status: 'FAILED' });
    expect(stored(world)).toMatchObject({ leaseOwner: 'thief' });
    expect(stored(world)).not.toHaveProperty('fullAsOf');
  });
});

describe('INVENTORY_UPDATE rows ordered by as-of', () => {
  const source = (messageId: string) => ({ kind: 'sqs', messageId });

  it('a partial update writes changed offers and moves stockAsOf on unchanged ones, conditionally; the partial mark advances', async () => {
    const world = feedWorld({ extra: [watermarkItem({ fullAsOf: T1 })] });
    const outcome = await applyInventoryRows(world.deps, SUPPLIER_ID, rows({ 'A-1': 10, 'B-2': 3 }), { asOf: T2, source: source('m1') });
    expect(outcome).toMatchObject({ kind: 'applied', written: 1, unchanged: 1, stale: 0 });
    expect(world.batchWrites()).toBe(0);
    expect(world.storedOffer('SKU-A')).toMatchObject({ stock: 10, stockAsOf: T2 });
    expect(world.storedOffer('SKU-B')).toMatchObject({ stock: 3, stockAsOf: T2 });
    expect(world.storedOffer('SKU-C')).not.toHaveProperty('stockAsOf');
    expect(stored(world)).toMatchObject({ fullAsOf: T1, partialAsOf: T2 });
    expect(stored(world)).not.toHaveProperty('leaseOwner');
  });

  it('an older partial update never overwrites a row a newer one wrote, but applies to the SKUs it did not state', async () => {
    const world = feedWorld();
    await applyInventoryRows(world.deps, SUPPLIER_ID, rows({ 'B-2': 3 }), { asOf: T3, source: source('newer') });
    const late = await applyInventoryRows(world.deps, SUPPLIER_ID, rows({ 'B-2': 8, 'C-3': 1 }), { asOf: T2, source: source('older') });
    expect(late).toMatchObject({ kind: 'applied', written: 1, stale: 1 });
    expect(world.storedOffer('SKU-B')).toMatchObject({ stock: 3, stockAsOf: T3 });
    expect(world.storedOffer('SKU-C')).toMatchObject({ stock: 1, stockAsOf: T2 });
    expect(stored(world)).toMatchObject({ partialAsOf: T3 });
  });

  it('moving stockAsOf on an unchanged offer keeps a delivery consumed meanwhile (stock - q); reservation counters are never written', async () => {
    const world = feedWorld({ extra: [counterItem('SKU-A', 2)] });
    world.table.before = (command, input) => {
      // The delivery's consume lands between the read and the touch.
      if (command === 'Update' && (input as { UpdateExpression?: string }).UpdateExpression === 'SET stockAsOf = :asOf') {
        const current = world.storedOffer('SKU-A');
        if (current?.['stock'] === 10) world.table.seed({ ...current, stock: 8 });
      }
    };
    const outcome = await applyInventoryRows(world.deps, SUPPLIER_ID, rows({ 'A-1': 10 }), { asOf: T2, source: source('m') });
    expect(outcome).toMatchObject({ kind: 'applied', written: 0, unchanged: 1 });
    expect(world.storedOffer('SKU-A')).toMatchObject({ stock: 8, stockAsOf: T2 });
    expect(world.table.get('SKU#SKU-A', `RESERVED#${SUPPLIER_ID}`)).toMatchObject({ reserved: 2 });
  });

  it('an update not newer than the last whole snapshot is stale: nothing read or written, no lock taken', async () => {
    const world = feedWorld({ extra: [watermarkItem({ fullAsOf: T2 })] });
    const outcome = await applyInventoryRows(world.deps, SUPPLIER_ID, rows({ 'A-1': 1 }), { asOf: T1, source: source('old') });
    expect(outcome).toEqual({ kind: 'stale', newerAsOf: T2 });
    expect(commands(world, 'Update')).toHaveLength(0);
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(10);
    expect(world.deps.metrics.total('InventoryUpdatesStale')).toBe(1);
  });

  it('exactly once: the dedupe check runs under the lock and its record is written with the release', async () => {
    const world = feedWorld();
    let applied = false;
    const record = { Put: { TableName: world.deps.store.tableName, Item: { pk: 'DEDUPE#supplier:acme#m1', sk: '#DEDUPE', entity: 'Dedupe' } } };
    const once = { applied: async () => applied, record };
    expect(await applyInventoryRows(world.deps, SUPPLIER_ID, rows({ 'A-1': 2 }), { asOf: T2, source: source('m1'), once })).toMatchObject({ kind: 'applied', written: 1 });
    const tx = commands(world, 'TransactWrite').at(-1)?.input as { TransactItems: { Put?: { Item: { pk: string } }; Update?: { Key: { sk: string } } }[] };
    expect(tx.TransactItems.map((i) => i.Put?.Item.pk ?? i.Update?.Key.sk)).toEqual(['DEDUPE#supplier:acme#m1', 'FEED#WATERMARK']);
    applied = true;
    expect(await applyInventoryRows(world.deps, SUPPLIER_ID, rows({ 'A-1': 5 }), { asOf: T3, source: source('m1'), once })).toEqual({ kind: 'duplicate' });
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(2);
    expect(stored(world)).not.toHaveProperty('leaseOwner');
  });

  it('a complete snapshot is a whole one: unchanged rows are not touched and the whole mark advances', async () => {
    const world = feedWorld();
    const outcome = await applyInventoryRows(world.deps, SUPPLIER_ID, rows({ 'A-1': 10, 'B-2': 10, 'C-3': 4 }), { complete: true, asOf: T2, source: source('full') });
    expect(outcome).toMatchObject({ kind: 'applied', written: 1, unchanged: 2 });
    expect(world.storedOffer('SKU-A')).not.toHaveProperty('stockAsOf');
    expect(world.storedOffer('SKU-C')).toMatchObject({ stock: 4, stockAsOf: T2 });
    expect(stored(world)).toMatchObject({ fullAsOf: T2 });
    // A partial update older than it is stale whole.
    expect(await applyInventoryRows(world.deps, SUPPLIER_ID, rows({ 'C-3': 9 }), { asOf: T1, source: source('p') })).toMatchObject({ kind: 'stale' });
  });
});

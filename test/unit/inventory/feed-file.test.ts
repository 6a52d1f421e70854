import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { applyFeedFile } from '../../../functions/core/inventory/services/inventory-feed';
import { offerItem } from '../../../functions/core/inventory/store/inventory';
import { keys } from '../../../functions/core/runtime/table/keys';
import {
  BUCKET,
  LATER,
  NOW,
  OFFERS,
  SUPPLIER_ID,
  counterItem,
  dropped,
  feedWorld,
  offer,
  reportOf,
  supplier,
  supplierEvents,
  supplierItem,
  type FeedWorld,
} from './support';

const fileRecord = (world: FeedWorld, key: string, etag: string) => world.table.get(`FILE#${SUPPLIER_ID}`, `INVENTORY#${key}#${etag}`);
const batchWrittenKeys = (world: FeedWorld): string[] =>
  world.table.log
    .filter((l) => l.command === 'BatchWrite')
    .flatMap((l) => Object.values((l.input as { RequestItems: Record<string, { PutRequest: { Item: { sk: string; pk: string } } }[]> }).RequestItems).flat())
    .map((r) => r.PutRequest.Item.pk);
const stored = (world: FeedWorld) => world.table.get(keys.supplier(SUPPLIER_ID).pk, keys.supplier(SUPPLIER_ID).sk);

describe('applyFeedFile: good, bad and mixed rows', () => {
  it('writes only the changed rows, whole, and records the feed on the supplier', async () => {
    const world = feedWorld();
    const input = dropped(world, 'feed.csv', 'sku,qty,cost\nA-1,10,10.00\nB-2,4,10.00\nC-3,10,11.50\n');

    const result = await applyFeedFile(world.deps, input);

    expect(result).toMatchObject({ status: 'APPLIED', rows: 3, written: 2, unchanged: 1, rejected: 0, unmapped: 0 });
    expect(batchWrittenKeys(world).sort()).toEqual(['SKU#SKU-B', 'SKU#SKU-C']);
    expect(world.storedOffer('SKU-B')).toMatchObject({ stock: 4, lastFeedAt: NOW.toISOString(), entity: 'Offer', gsi1pk: `SUPPLIER#${SUPPLIER_ID}`, gsi1sk: 'SSKU#B-2' });
    expect(world.storedOffer('SKU-C')).toMatchObject({ stock: 10, wholesaleCostMinor: 1150, mapMinor: 2500 });
    expect(world.storedOffer('SKU-A')?.lastFeedAt).toBe('2026-11-24T10:00:00.000Z');
    expect(stored(world)).toMatchObject({ lastFeedAt: NOW.toISOString(), lastFeedKey: input.key, status: 'ACTIVE' });
    expect(fileRecord(world, input.key, input.etag)).toMatchObject({ status: 'APPLIED', rows: 3, written: 2, unchanged: 1, rejected: 0 });
    expect(supplierEvents(world).map((e) => e.type)).toEqual(['SupplierFeedApplied']);
    // Nothing to report: no report in the outbox.
    expect(world.bucket.keys(`${BUCKET}/suppliers/${SUPPLIER_ID}/outbox/`)).toEqual([]);
    expect(world.deps.metrics.total('FeedRowsApplied')).toBe(2);
  });

  it('handles CSV quirks: BOM, CRLF, quoted commas, blank and ",,," lines, unknown columns, a multi-line cell', async () => {
    const world = feedWorld({ supplier: supplier({}, { quarantineThreshold: 0.5 }) });
    const body = '\uFEFFSKU,Title,Qty,Price\r\nA-1,"Shirt, black",7,10.00\r\n\r\n,,,\r\nB-2,"Two\r\nlines",oops,10.00\r\nC-3,Mug,3,"9.90"\r\n';
    const input = dropped(world, 'quirks.csv', body);

    const result = await applyFeedFile(world.deps, input);

    expect(result).toMatchObject({ status: 'APPLIED', rows: 3, written: 2, rejected: 1 });
    expect(world.storedOffer('SKU-A')?.stock).toBe(7);
    expect(world.storedOffer('SKU-C')).toMatchObject({ stock: 3, wholesaleCostMinor: 990 });
    expect(world.storedOffer('SKU-B')?.stock).toBe(10);
    const report = reportOf(world, 'quirks.csv', input.etag);
    // Row numbers as a spreadsheet shows them: header 1, A-1 2, blank 3, ",,," 4, B-2 5 (two-line cell), C-3 6.
    expect(report).toMatchObject({
      status: 'APPLIED',
      rows: 3,
      written: 2,
      rejected: 1,
      rejectedRows: [{ row: 5, field: 'quantity (Qty)', reason: 'must be a whole number of units (0 or more)', value: 'oops' }],
      warnings: [{ row: 1, code: 'UNKNOWN_COLUMN' }],
    });
    expect(world.bucket.text(BUCKET, `suppliers/${SUPPLIER_ID}/outbox/reports/inventory/quirks.csv.${input.etag.slice(0, 8)}.report.csv`)).toContain(
      '5,quantity (Qty),must be a whole number of units (0 or more),oops',
    );
    expect(fileRecord(world, input.key, input.etag)?.reportKey).toBe(`suppliers/${SUPPLIER_ID}/outbox/reports/inventory/quirks.csv.${input.etag.slice(0, 8)}.report.json`);
    expect(world.deps.metrics.counts).toContainEqual({ name: 'FeedRowsRejected', value: 1, supplierId: SUPPLIER_ID });
  });

  it('duplicate supplier SKUs: the last row wins, earlier rows get DUPLICATE_SKU; unknown SKUs are unmapped warnings', async () => {
    const world = feedWorld();
    const input = dropped(world, 'dups.csv', 'sku,qty\nA-1,1\nZZ-9,5\nA-1,2\nB-2,10\nA-1,3\n');

    const result = await applyFeedFile(world.deps, input);

    expect(result).toMatchObject({ status: 'APPLIED', rows: 5, written: 1, unchanged: 1, unmapped: 1, duplicates: 2, rejected: 0 });
    expect(world.storedOffer('SKU-A')?.stock).toBe(3);
    expect((reportOf(world, 'dups.csv', input.etag)?.['warnings'] as { row: number; code: string }[]).map((w) => [w.row, w.code])).toEqual([
      [2, 'DUPLICATE_SKU'],
      [3, 'UNKNOWN_SKU'],
      [4, 'DUPLICATE_SKU'],
    ]);
  });

  it('never reads `reserved` off the offer item and never writes it back', async () => {
    const legacy = { ...offerItem(offer('SKU-A', 'A-1')), reserved: 9 };
    const world = feedWorld({ offers: [], extra: [legacy] });
    await applyFeedFile(world.deps, dropped(world, 'f.csv', 'sku,qty\nA-1,5\n'));
    const item = world.storedOffer('SKU-A');
    expect(item?.stock).toBe(5);
    expect(item).not.toHaveProperty('reserved');
    expect(item).not.toHaveProperty('shortfall');
  });

  it('retries what BatchWriteItem leaves unprocessed', async () => {
    const world = feedWorld({ unprocessedOnce: 1, chunkRows: 100 });
    const result = await applyFeedFile(world.deps, dropped(world, 'f.csv', 'sku,qty\nA-1,1\nB-2,2\nC-3,3\n'));
    expect(result.written).toBe(3);
    expect(world.batchWrites()).toBe(2);
    expect(OFFERS.map((o) => world.storedOffer(o.sku)?.stock)).toEqual([1, 2, 3]);
  });

  it('streams large files in chunks and reports progress for both passes', async () => {
    const offers = Array.from({ length: 2500 }, (_, i) => offer(`SKU-${i}`, `S-${i}`));
    const world = feedWorld({ offers, chunkRows: 1000 });
    const lines = offers.map((o, i) => `${o.supplierSku},${i % 2 === 0 ? 10 : 20}`);
    const progress: [number, string][] = [];
    const result = await applyFeedFile(world.deps, { ...dropped(world, 'big.csv', `sku,qty\n${lines.join('\n')}\n`), onProgress: (rows, phase) => progress.push([rows, phase]) });
    expect(result).toMatchObject({ status: 'APPLIED', rows: 2500, written: 1250, unchanged: 1250 });
    expect(world.storedOffer('SKU-2499')?.stock).toBe(20);
    expect(progress).toEqual([
      [1000, 'validate'],
      [2000, 'validate'],
      [2500, 'validate'],
      [1000, 'apply'],
      [2000, 'apply'],
      [2500, 'apply'],
    ]);
  });
});

describe('applyFeedFile: quarantine', () => {
  const tenRows = (bad: number) =>
    `sku,qty\n${Array.from({ length: 10 }, (_, i) => (i < bad ? `A-1,bad${i}` : `B-2,${i}`)).join('\n')}\n`;

  it('quarantines a mostly-garbage file whole: nothing applied, copy in quarantine/, report, record, event, metric', async () => {
    const world = feedWorld();
    const input = dropped(world, 'garbage.csv', tenRows(3));

    const result = await applyFeedFile(world.deps, input);

    expect(result).toMatchObject({ status: 'QUARANTINED', rows: 10, rejected: 3, written: 0 });
    expect(result.reason).toContain('3 of 10 rows rejected');
    expect(world.batchWrites()).toBe(0);
    expect(world.storedOffer('SKU-B')?.stock).toBe(10);
    expect(world.bucket.text(BUCKET, `quarantine/${SUPPLIER_ID}/inventory/garbage.csv`)).toBe(tenRows(3));
    expect(reportOf(world, 'garbage.csv', input.etag)).toMatchObject({ status: 'QUARANTINED', rows: 10, rejected: 3, written: 0 });
    expect(fileRecord(world, input.key, input.etag)).toMatchObject({ status: 'QUARANTINED', gsi3pk: 'EXCEPTION#FILE_QUARANTINED', gsi3sk: `${NOW.toISOString()}#${SUPPLIER_ID}` });
    expect(supplierEvents(world).map((e) => e.type)).toEqual(['SupplierFeedQuarantined']);
    expect(stored(world)).toMatchObject({ lastFeedAt: '2026-11-24T10:00:00.000Z' });
    expect(world.deps.metrics.counts).toContainEqual({ name: 'SupplierFilesQuarantined', value: 1, supplierId: SUPPLIER_ID });
  });

  it.each([
    [2, undefined, 'APPLIED'],
    [3, undefined, 'QUARANTINED'],
    [3, 0.5, 'APPLIED'],
    [1, 0.05, 'QUARANTINED'],
  ])('%i of 10 rows rejected with threshold %s → %s', async (bad, threshold, status) => {
    const world = feedWorld({ supplier: supplier({}, threshold === undefined ? undefined : { quarantineThreshold: threshold }) });
    const result = await applyFeedFile(world.deps, dropped(world, 'f.csv', tenRows(bad)));
    expect(result.status).toBe(status);
    expect(world.storedOffer('SKU-B')?.stock).toBe(status === 'APPLIED' ? 9 : 10);
  });

  it.each([
    ['no required column', 'product,count\nA-1,1\n', 'required column missing: supplierSku'],
    ['an unclosed quote', 'sku,qty\nA-1,"1\nB-2,2\n', 'not a readable CSV file'],
    ['an empty file', '', 'the file is empty'],
    ['a header only', 'sku,qty\n', 'no data rows'],
  ])('quarantines a file with %s', async (_name, body, reason) => {
    const world = feedWorld();
    const result = await applyFeedFile(world.deps, dropped(world, 'f.csv', body));
    expect(result.status).toBe('QUARANTINED');
    expect(result.reason).toContain(reason);
    expect(world.batchWrites()).toBe(0);
  });

  it('quarantines JSON that is not a feed', async () => {
    const world = feedWorld();
    const result = await applyFeedFile(world.deps, dropped(world, 'f.json', '{"items": 3}'));
    expect(result).toMatchObject({ status: 'QUARANTINED', reason: 'a JSON feed is { "items": [ ... ] } or an array of rows' });
  });
});

describe('applyFeedFile: replay and failure', () => {
  it('the same key + ETag applies once; the body is not even read the second time', async () => {
    const world = feedWorld();
    const input = dropped(world, 'f.csv', 'sku,qty\nA-1,1\n');
    let opened = 0;
    const body = () => {
      opened++;
      return Readable.from(['sku,qty\nA-1,1\n']);
    };
    expect((await applyFeedFile(world.deps, { ...input, body })).status).toBe('APPLIED');
    world.clock = LATER;
    const writesBefore = world.batchWrites();

    const replay = await applyFeedFile(world.deps, { ...input, body });

    expect(replay).toMatchObject({ status: 'ALREADY_PROCESSED', reason: 'APPLIED', written: 0 });
    expect(opened).toBe(1);
    expect(world.batchWrites()).toBe(writesBefore);
    expect(supplierEvents(world)).toHaveLength(1);
    expect(stored(world)?.lastFeedAt).toBe(NOW.toISOString());
  });

  it('an inbox feed stored before the last applied one (late delivery or retry) is SUPERSEDED: older stock never comes back', async () => {
    const world = feedWorld();
    const newer = { ...dropped(world, 'b.csv', 'sku,qty\nB-2,9\n'), objectTime: '2026-11-25T10:05:00.000Z' };
    expect(await applyFeedFile(world.deps, newer)).toMatchObject({ status: 'APPLIED', written: 1 });
    expect(stored(world)?.lastFeedObjectAt).toBe('2026-11-25T10:05:00.000Z');
    const before = world.batchWrites();

    const older = { ...dropped(world, 'a.csv', 'sku,qty\nB-2,1\n'), objectTime: '2026-11-25T10:00:00.000Z' };
    const late = await applyFeedFile(world.deps, older);

    expect(late).toMatchObject({ status: 'SUPERSEDED', written: 0 });
    expect(world.batchWrites()).toBe(before);
    expect(world.storedOffer('SKU-B')?.stock).toBe(9);
    expect(fileRecord(world, older.key, older.etag)).toMatchObject({ status: 'SUPERSEDED' });
    expect(world.deps.metrics.total('FeedFilesSuperseded')).toBe(1);
  });

  it('the same content under a new ETag writes nothing (changed rows only) but refreshes the feed time', async () => {
    const world = feedWorld();
    await applyFeedFile(world.deps, dropped(world, 'f.csv', 'sku,qty\nA-1,1\nB-2,2\n'));
    world.clock = LATER;
    const before = world.batchWrites();
    const again = await applyFeedFile(world.deps, { ...dropped(world, 'f.csv', 'sku,qty\nA-1,1\nB-2,2\n'), etag: 'other-etag' });
    expect(again).toMatchObject({ status: 'APPLIED', written: 0, unchanged: 2 });
    expect(world.batchWrites()).toBe(before);
    expect(stored(world)?.lastFeedAt).toBe(LATER.toISOString());
  });

  it('a failure marks the record FAILED and is rethrown; the retry claims it at once and finishes', async () => {
    const world = feedWorld({ chunkRows: 1 });
    const input = dropped(world, 'f.csv', 'sku,qty\nA-1,1\nB-2,2\nC-3,3\n');
    world.table.failNext.push({ command: 'BatchGet', error: Object.assign(new Error('throttled'), { name: 'ThrottlingException' }) });
    // C-3 drops (10 → 3): the counter read fails.
    await expect(applyFeedFile(world.deps, input)).rejects.toThrow('throttled');
    expect(fileRecord(world, input.key, input.etag)).toMatchObject({ status: 'FAILED', reason: 'ThrottlingException: throttled' });

    const retry = await applyFeedFile(world.deps, input);
    expect(retry.status).toBe('APPLIED');
    expect(OFFERS.map((o) => world.storedOffer(o.sku)?.stock)).toEqual([1, 2, 3]);
  });

  it('an object overwritten after its event is not read (the newer version has its own event)', async () => {
    const world = feedWorld();
    const input = dropped(world, 'f.csv', 'sku,qty\nA-1,1\n');
    const result = await applyFeedFile(world.deps, {
      ...input,
      body: () => Promise.reject(Object.assign(new Error('precondition'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } })),
    });
    expect(result.status).toBe('SUPERSEDED');
    expect(fileRecord(world, input.key, input.etag)?.status).toBe('FAILED');
  });
});

describe('applyFeedFile: shortfall, freshness, aliases, JSON, money units', () => {
  it('a stock drop below what is reserved is surfaced; the reservation counter is untouched', async () => {
    const world = feedWorld({ extra: [counterItem('SKU-A', 8), counterItem('SKU-B', 1)] });
    await applyFeedFile(world.deps, dropped(world, 'f.csv', 'sku,qty\nA-1,5\nB-2,20\nC-3,9\n'));

    expect(world.storedOffer('SKU-A')).toMatchObject({
      stock: 5,
      shortfall: 3,
      gsi3pk: 'EXCEPTION#STOCK_SHORTFALL',
      gsi3sk: `${NOW.toISOString()}#SKU-A#${SUPPLIER_ID}`,
    });
    expect(world.storedOffer('SKU-C')).not.toHaveProperty('shortfall');
    expect(world.table.get('SKU#SKU-A', `RESERVED#${SUPPLIER_ID}`)?.['reserved']).toBe(8);
    // Counters are read only for rows whose stock dropped (A and C), not for B (stock rose).
    const readKeys = world.table.log
      .filter((l) => l.command === 'BatchGet')
      .flatMap((l) => Object.values((l.input as { RequestItems: Record<string, { Keys: { pk: string }[] }> }).RequestItems).flatMap((r) => r.Keys.map((k) => k.pk)));
    expect(readKeys.sort()).toEqual(['SKU#SKU-A', 'SKU#SKU-C']);
    const shortfall = supplierEvents(world).find((e) => e.type === 'StockShortfall');
    expect(shortfall?.['data']).toMatchObject({ count: 1, offers: [{ sku: 'SKU-A', supplierSku: 'A-1', stock: 5, reserved: 8, shortfall: 3 }] });

    // Back in stock: the shortfall and its exception keys go.
    world.clock = LATER;
    await applyFeedFile(world.deps, dropped(world, 'g.csv', 'sku,qty\nA-1,9\n'));
    const after = world.storedOffer('SKU-A');
    expect(after?.['stock']).toBe(9);
    expect(after).not.toHaveProperty('shortfall');
    expect(after).not.toHaveProperty('gsi3pk');
  });

  it('a short offer keeps its shortfall start while still short', async () => {
    const short = offerItem(offer('SKU-A', 'A-1', { stock: 2, shortfall: 1, shortfallSince: '2026-11-20T00:00:00.000Z' }));
    const world = feedWorld({ offers: [], extra: [short, counterItem('SKU-A', 3)] });
    await applyFeedFile(world.deps, dropped(world, 'f.csv', 'sku,qty,cost\nA-1,1,10.00\n'));
    expect(world.storedOffer('SKU-A')).toMatchObject({ stock: 1, shortfall: 2, gsi3sk: `2026-11-20T00:00:00.000Z#SKU-A#${SUPPLIER_ID}` });
  });

  it('a good feed makes a STALE supplier ACTIVE again (SupplierFresh)', async () => {
    const world = feedWorld({ supplier: supplier({ status: 'STALE', staleSince: '2026-11-25T08:00:00.000Z' }) });
    await applyFeedFile(world.deps, dropped(world, 'f.csv', 'sku,qty\nA-1,10\n'));
    const item = stored(world);
    expect(item).toMatchObject({ status: 'ACTIVE', lastFeedAt: NOW.toISOString() });
    expect(item).not.toHaveProperty('staleSince');
    expect(supplierEvents(world).map((e) => e.type).sort()).toEqual(['SupplierFeedApplied', 'SupplierFresh']);
  });

  it('a supplier the stale-feed sweep marks STALE while a feed is applied comes out ACTIVE', async () => {
    const world = feedWorld();
    const input = dropped(world, 'f.csv', 'sku,qty\nA-1,3\n');
    const onProgress = (_rows: number, phase: string) => {
      if (phase === 'apply') world.table.seed(supplierItem(supplier({ status: 'STALE', staleSince: NOW.toISOString() })));
    };
    await applyFeedFile(world.deps, { ...input, onProgress });
    expect(stored(world)).toMatchObject({ status: 'ACTIVE', lastFeedAt: NOW.toISOString() });
    expect(supplierEvents(world).map((e) => e.type).sort()).toEqual(['SupplierFeedApplied', 'SupplierFresh']);
  });

  it('a quarantined feed leaves a STALE supplier STALE', async () => {
    const world = feedWorld({ supplier: supplier({ status: 'STALE', staleSince: '2026-11-25T08:00:00.000Z' }) });
    await applyFeedFile(world.deps, dropped(world, 'f.csv', 'sku,qty\nA-1,x\n'));
    expect(stored(world)).toMatchObject({ status: 'STALE', staleSince: '2026-11-25T08:00:00.000Z' });
  });

  it('uses the supplier header aliases (and a semicolon-separated file)', async () => {
    const world = feedWorld({ supplier: supplier({}, { headerAliases: { supplierSku: ['Artikelnummer'], quantity: ['Bestand'], cost: ['EK-Preis'] } }) });
    const result = await applyFeedFile(world.deps, dropped(world, 'lager.csv', 'Artikelnummer;Bestand;EK-Preis\nA-1;4;"8.40"\nB-2;x;1\n'));
    expect(result).toMatchObject({ status: 'QUARANTINED', rows: 2, rejected: 1 });
    expect(reportOf(world, 'lager.csv', world.bucket.objects.get(`${BUCKET}/suppliers/${SUPPLIER_ID}/inbox/inventory/lager.csv`)?.etag ?? '')?.['rejectedRows']).toEqual([
      { row: 3, field: 'quantity (Bestand)', reason: 'must be a whole number of units (0 or more)', value: 'x' },
    ]);
    const ok = await applyFeedFile(world.deps, dropped(world, 'lager2.csv', 'Artikelnummer;Bestand;EK-Preis\nA-1;4;8.40\n'));
    expect(ok.status).toBe('APPLIED');
    expect(world.storedOffer('SKU-A')).toMatchObject({ stock: 4, wholesaleCostMinor: 840 });
  });

  it('applies JSON feeds ({ items } or a bare array, `sku` accepted), numbering items from 1', async () => {
    const world = feedWorld();
    const items = [
      { supplierSku: 'A-1', quantity: 1, cost: '9.99', discontinued: 'no' },
      { sku: 'B-2', quantity: 2, map: 30 },
      { sku: 'C-3', quantity: -1 },
      { sku: 'C-3', quantity: 3, map: null },
      { sku: 'A-1', quantity: 1, cost: 9.99 },
    ];
    const input = dropped(world, 'feed.json', JSON.stringify({ items }));
    const result = await applyFeedFile(world.deps, input);
    expect(result).toMatchObject({ status: 'APPLIED', rows: 5, written: 3, rejected: 1, duplicates: 1 });
    expect(world.storedOffer('SKU-A')).toMatchObject({ stock: 1, wholesaleCostMinor: 999 });
    expect(world.storedOffer('SKU-B')).toMatchObject({ stock: 2, mapMinor: 3000 });
    expect(world.storedOffer('SKU-C')).not.toHaveProperty('mapMinor');
    expect(reportOf(world, 'feed.json', input.etag)?.['rejectedRows']).toEqual([{ row: 3, field: 'quantity', reason: 'must be a whole number of units (0 or more)', value: '-1' }]);

    // A later file (an equal as-of would be the same truth: SUPERSEDED).
    world.clock = LATER;
    const bare = await applyFeedFile(world.deps, dropped(world, 'bare.json', JSON.stringify([{ sku: 'A-1', quantity: 7 }])));
    expect(bare).toMatchObject({ status: 'APPLIED', written: 1 });
  });

  it('reads cost in minor units when the supplier is set to moneyUnits: minor', async () => {
    const world = feedWorld({ supplier: supplier({}, { moneyUnits: 'minor' }) });
    await applyFeedFile(world.deps, dropped(world, 'f.csv', 'sku,qty,cost\nA-1,10,1299\n'));
    expect(world.storedOffer('SKU-A')?.wholesaleCostMinor).toBe(1299);
  });

  it('refuses a file for a supplier that does not exist', async () => {
    const world = feedWorld();
    const result = await applyFeedFile(world.deps, dropped(world, 'f.csv', 'sku,qty\nA-1,1\n', 'nobody'));
    expect(result.status).toBe('REFUSED');
    expect(world.table.entities('SupplierFile')[0]).toMatchObject({ status: 'REFUSED', supplierId: 'nobody' });
  });
});

import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildFileReport, csvCell, fileReportCsv, hasSomethingToReport, ReportCollector } from '../../../functions/core/inventory/domain/file-report';
import { csvRecordToInput, resolveHeaders, SpreadsheetRows } from '../../../functions/core/inventory/domain/feed-headers';
import { diffOffer, DuplicateTracker, needsReservedCount, quarantineReason, settleShortfall, type FeedOffer } from '../../../functions/core/inventory/domain/feed-offers';
import { moneyToMinor, type RowContext } from '../../../functions/core/inventory/domain/feed-rows';
import { parseFeedRow } from '../../../functions/core/inventory/schemas/feed-rows';
import type { FeedField } from '../../../functions/core/suppliers/domain/supplier';
import { sniffDelimiter } from '../../../functions/core/inventory/services/feed-sources';

const ctx: RowContext = { moneyUnits: 'major', currency: 'EUR' };
const base: FeedOffer = { sku: 'SKU-A', supplierId: 'acme', supplierSku: 'A-1', wholesaleCostMinor: 1000, currency: 'EUR', stock: 10, discontinued: false, lastFeedAt: '2026-11-24T10:00:00.000Z' };
const NOW = '2026-11-25T10:00:00.000Z';

describe('header aliases', () => {
  it.each<[string, FeedField]>([
    ['sku', 'supplierSku'],
    ['SKU', 'supplierSku'],
    [' item_number ', 'supplierSku'],
    ['Item Number', 'supplierSku'],
    ['product-code', 'supplierSku'],
    ['supplierSku', 'supplierSku'],
    ['QTY', 'quantity'],
    ['on_hand', 'quantity'],
    ['On-Hand', 'quantity'],
    ['available', 'quantity'],
    ['Price', 'cost'],
    ['unit_cost', 'cost'],
    ['min_advertised_price', 'map'],
    ['is_discontinued', 'discontinued'],
    ['Status', 'discontinued'],
    ['currency', 'currency'],
  ])('%j maps to %s', (header, field) => {
    const resolved = resolveHeaders([header]);
    expect(resolved.columns).toEqual([{ field, index: 0, header: header.trim() }]);
  });

  it('reports unknown and duplicate columns as header warnings and lists missing required fields', () => {
    const resolved = resolveHeaders(['title', 'qty', 'stock', '']);
    expect(resolved.columns).toEqual([{ field: 'quantity', index: 1, header: 'qty' }]);
    expect(resolved.missing).toEqual(['supplierSku']);
    expect(resolved.warnings.map((w) => [w.row, w.code])).toEqual([
      [1, 'UNKNOWN_COLUMN'],
      [1, 'DUPLICATE_COLUMN'],
    ]);
  });

  it('adds supplier aliases to the defaults, and a supplier alias wins over a default one', () => {
    const resolved = resolveHeaders(['Artikelnummer', 'Bestand', 'price', 'sku'], { supplierSku: ['artikelnummer'], quantity: ['bestand'], map: ['price'] });
    expect(resolved.columns.map((c) => [c.header, c.field])).toEqual([
      ['Artikelnummer', 'supplierSku'],
      ['Bestand', 'quantity'],
      ['price', 'map'],
    ]);
    expect(resolved.warnings.map((w) => w.code)).toEqual(['DUPLICATE_COLUMN']);
    expect(resolved.missing).toEqual([]);
  });
});

describe('row parsing', () => {
  it.each([
    [{ supplierSku: 'A-1', quantity: '12' }, { supplierSku: 'A-1', stock: 12 }],
    [{ supplierSku: ' A-1 ', quantity: '12.0', cost: '12.50' }, { supplierSku: 'A-1', stock: 12, wholesaleCostMinor: 1250, currency: 'EUR' }],
    [{ supplierSku: 'A-1', quantity: 0, cost: 12.5, map: '019.99' }, { supplierSku: 'A-1', stock: 0, wholesaleCostMinor: 1250, mapMinor: 1999, currency: 'EUR' }],
    [{ sku: 'A-1', quantity: 3, map: null }, { supplierSku: 'A-1', stock: 3, mapMinor: null }],
    [{ supplierSku: 'A-1', quantity: '1', discontinued: 'Y' }, { supplierSku: 'A-1', stock: 1, discontinued: true }],
    [{ supplierSku: 'A-1', quantity: '1', discontinued: 'active' }, { supplierSku: 'A-1', stock: 1, discontinued: false }],
    [{ supplierSku: 'A-1', quantity: '1', discontinued: '0' }, { supplierSku: 'A-1', stock: 1, discontinued: false }],
    [{ supplierSku: 'A-1', quantity: '1', currency: 'usd', cost: '3' }, { supplierSku: 'A-1', stock: 1, wholesaleCostMinor: 300, currency: 'USD' }],
    [{ supplierSku: 'A-1', quantity: '1', currency: 'JPY', cost: '1500' }, { supplierSku: 'A-1', stock: 1, wholesaleCostMinor: 1500, currency: 'JPY' }],
  ])('accepts %j', (input, change) => {
    expect(parseFeedRow(input, 2, ctx)).toEqual({ ok: true, change });
  });

  it.each([
    [{ supplierSku: 'A-1' }, 'quantity', 'is required'],
    [{ supplierSku: 'A-1', quantity: '-1' }, 'quantity', 'whole number'],
    [{ supplierSku: 'A-1', quantity: '1.5' }, 'quantity', 'whole number'],
    [{ supplierSku: 'A-1', quantity: 'lots' }, 'quantity', 'whole number'],
    [{ supplierSku: 'A-1', quantity: '99999999999' }, 'quantity', 'at most'],
    [{ quantity: '1' }, 'supplierSku', 'is required'],
    [{ supplierSku: 'A-1', quantity: '1', cost: '12,50' }, 'cost', 'decimal amount'],
    [{ supplierSku: 'A-1', quantity: '1', cost: '$12' }, 'cost', 'decimal amount'],
    [{ supplierSku: 'A-1', quantity: '1', cost: '-3' }, 'cost', 'decimal amount'],
    [{ supplierSku: 'A-1', quantity: '1', cost: '12.505' }, 'cost', 'more than 2 decimal places'],
    [{ supplierSku: 'A-1', quantity: '1', cost: '12.5', currency: 'JPY' }, 'cost', 'more than 0 decimal places'],
    [{ supplierSku: 'A-1', quantity: '1', discontinued: 'maybe' }, 'discontinued', 'true/false'],
    [{ supplierSku: 'A-1', quantity: '1', currency: 'EURO' }, 'currency', 'ISO 4217'],
    [null, '(row)', 'expected object'],
  ])('rejects %j on %s', (input, field, reason) => {
    const outcome = parseFeedRow(input, 7, ctx);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.rejections[0]).toMatchObject({ row: 7, field });
    expect(outcome.rejections[0]?.reason).toContain(reason);
  });

  it('reports every bad field of a row, labelled with the file header and the value as written', () => {
    const outcome = parseFeedRow({ supplierSku: 'A-1', quantity: 'x', cost: 'abc' }, 4, { ...ctx, headers: { quantity: 'qty', cost: 'price' } });
    expect(outcome).toEqual({
      ok: false,
      rejections: [
        { row: 4, field: 'quantity (qty)', reason: 'must be a whole number of units (0 or more)', value: 'x' },
        expect.objectContaining({ row: 4, field: 'cost (price)', value: 'abc' }),
      ],
    });
  });

  it('reads money as integer minor units when the supplier says so', () => {
    const minor: RowContext = { ...ctx, moneyUnits: 'minor' };
    expect(parseFeedRow({ supplierSku: 'A-1', quantity: 1, cost: '1250' }, 2, minor)).toEqual({ ok: true, change: { supplierSku: 'A-1', stock: 1, wholesaleCostMinor: 1250, currency: 'EUR' } });
    const bad = parseFeedRow({ supplierSku: 'A-1', quantity: 1, cost: '12.50' }, 2, minor);
    expect(bad.ok ? '' : bad.rejections[0]?.reason).toContain('minor units');
  });

  it('maps CSV cells: empty cells are not given, an empty MAP cell removes the MAP', () => {
    const { columns } = resolveHeaders(['sku', 'qty', 'cost', 'map', 'discontinued']);
    expect(csvRecordToInput(['A-1', '5', '', '', ''], columns)).toEqual({ supplierSku: 'A-1', quantity: '5', map: null });
    expect(csvRecordToInput(['A-1'], columns)).toEqual({ supplierSku: 'A-1' });
  });

  it('property: any whole quantity and any cents amount round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: 10_000_000_00 }), (quantity, cents) => {
        const cost = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
        const outcome = parseFeedRow({ supplierSku: 'S', quantity: String(quantity), cost }, 2, ctx);
        expect(outcome).toEqual({ ok: true, change: { supplierSku: 'S', stock: quantity, wholesaleCostMinor: cents, currency: 'EUR' } });
      }),
    );
  });

  it('property: moneyToMinor never accepts a negative or fractional minor amount', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.constantFrom<'major' | 'minor'>('major', 'minor'), (text, units) => {
        const result = moneyToMinor(text, units, 'EUR');
        if (result.ok) expect(Number.isSafeInteger(result.minor) && result.minor >= 0).toBe(true);
      }),
    );
  });
});

describe('diff', () => {
  it('a row that says what the offer says is unchanged (missing cost keeps the cost)', () => {
    expect(diffOffer(base, { supplierSku: 'A-1', stock: 10 }, NOW)).toEqual({ changed: false, next: base });
    expect(diffOffer(base, { supplierSku: 'A-1', stock: 10, wholesaleCostMinor: 1000, discontinued: false, currency: 'EUR' }, NOW).changed).toBe(false);
  });

  it.each([
    ['stock', { stock: 9 }],
    ['cost', { stock: 10, wholesaleCostMinor: 999 }],
    ['map', { stock: 10, mapMinor: 1500 }],
    ['discontinued', { stock: 10, discontinued: true }],
    ['currency', { stock: 10, currency: 'USD' }],
  ])('a change of %s is written with lastFeedAt = now', (_name, change) => {
    const diff = diffOffer(base, { supplierSku: 'A-1', ...change }, NOW);
    expect(diff.changed).toBe(true);
    expect(diff.next).toMatchObject({ ...change, lastFeedAt: NOW });
  });

  it("a price without a currency is in the supplier's currency; a row without money keeps the offer's currency", () => {
    const usd = { ...base, currency: 'USD' };
    const priced = parseFeedRow({ supplierSku: 'A-1', quantity: 10, cost: '10.00' }, 2, ctx);
    const stockOnly = parseFeedRow({ supplierSku: 'A-1', quantity: 10 }, 3, ctx);
    if (!priced.ok || !stockOnly.ok) throw new Error('rows should parse');
    expect(diffOffer(usd, priced.change, NOW)).toMatchObject({ changed: true, next: { currency: 'EUR', wholesaleCostMinor: 1000 } });
    expect(diffOffer(usd, stockOnly.change, NOW).changed).toBe(false);
  });

  it('null MAP removes it; an absent MAP keeps it', () => {
    const withMap = { ...base, mapMinor: 2000 };
    expect(diffOffer(withMap, { supplierSku: 'A-1', stock: 10, mapMinor: null }, NOW).next.mapMinor).toBeUndefined();
    expect(diffOffer(withMap, { supplierSku: 'A-1', stock: 10 }, NOW).changed).toBe(false);
  });

  it('property: applying a row built from the offer itself never changes it', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(100_000), fc.option(fc.nat(100_000), { nil: undefined }), fc.boolean(), (stock, cost, map, discontinued) => {
        const current: FeedOffer = { ...base, stock, wholesaleCostMinor: cost, mapMinor: map, discontinued };
        expect(diffOffer(current, { supplierSku: 'A-1', stock, wholesaleCostMinor: cost, mapMinor: map ?? null, discontinued }, NOW).changed).toBe(false);
      }),
    );
  });
});

describe('shortfall', () => {
  it('needs the counter only when stock dropped or the offer is already short', () => {
    expect(needsReservedCount(base, { ...base, stock: 9 })).toBe(true);
    expect(needsReservedCount(base, { ...base, stock: 11 })).toBe(false);
    expect(needsReservedCount({ ...base, shortfall: 2 }, { ...base, stock: 11 })).toBe(true);
  });

  it.each([
    [5, 8, 3, true],
    [8, 8, undefined, false],
    [9, 0, undefined, false],
    [0, 1, 1, true],
  ])('stock %i with %i reserved → shortfall %s', (stock, reserved, shortfall, entered) => {
    const result = settleShortfall({ ...base, stock }, reserved, NOW);
    expect(result.offer.shortfall).toBe(shortfall);
    expect(result.entered).toBe(entered);
    expect(result.offer.shortfallSince).toBe(shortfall === undefined ? undefined : NOW);
  });

  it('keeps the start of an ongoing shortfall and reports when it clears', () => {
    const short = { ...base, stock: 2, shortfall: 1, shortfallSince: '2026-11-20T00:00:00.000Z' };
    expect(settleShortfall(short, 5, NOW).offer).toMatchObject({ shortfall: 3, shortfallSince: '2026-11-20T00:00:00.000Z' });
    expect(settleShortfall({ ...short, stock: 9 }, 5, NOW)).toMatchObject({ cleared: true, entered: false });
  });
});

describe('duplicates and quarantine', () => {
  it('the last row of a SKU wins; the superseded rows get a warning', () => {
    const dups = new DuplicateTracker();
    expect(dups.see('A', 2)).toBeUndefined();
    expect(dups.see('B', 3)).toBeUndefined();
    expect(dups.see('A', 5)).toMatchObject({ row: 2, code: 'DUPLICATE_SKU' });
    expect([dups.isLast('A', 2), dups.isLast('A', 5), dups.duplicates]).toEqual([false, true, 1]);
  });

  it.each([
    [10, 2, undefined, undefined],
    [10, 3, undefined, '3 of 10 rows rejected'],
    [10, 3, 0.5, undefined],
    [10, 1, 0, '1 of 10 rows rejected'],
    [1, 1, undefined, '1 of 1 rows rejected'],
    [0, 0, undefined, 'no data rows'],
  ])('%i rows with %i rejected (threshold %s) → %s', (rows, rejected, threshold, reason) => {
    const result = quarantineReason({ rows, rejected, threshold });
    if (reason === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(reason);
  });

  it('a missing required column quarantines and names the accepted headers', () => {
    expect(quarantineReason({ rows: 5, rejected: 0, missing: ['quantity'] }, { quantity: ['bestand'] })).toBe(
      'required column missing: quantity (one of: bestand, qty, quantity, stock, available, on_hand)',
    );
  });
});

describe('report', () => {
  const head = { file: { bucket: 'b', key: 'k', etag: 'e' }, supplierId: 'acme', kind: 'INVENTORY' as const, status: 'APPLIED' as const, receivedAt: NOW };

  it('counts rejected rows once however many fields failed, and caps the entries', () => {
    const collector = new ReportCollector(2);
    collector.reject([
      { row: 3, field: 'quantity', reason: 'x' },
      { row: 3, field: 'cost', reason: 'y' },
    ]);
    collector.reject([{ row: 2, field: 'quantity', reason: 'z' }]);
    const report = buildFileReport(head, { rows: 5, written: 1, unchanged: 2, unmapped: 0 }, collector);
    expect(report.rejected).toBe(2);
    expect(report.rejectedRows.map((r) => r.row)).toEqual([3, 3]);
    expect(report.omitted).toEqual({ rejectedRows: 1, warnings: 0 });
    expect(hasSomethingToReport(report)).toBe(true);
    expect(hasSomethingToReport(buildFileReport(head, { rows: 5, written: 5, unchanged: 0, unmapped: 0 }, new ReportCollector()))).toBe(false);
  });

  it('writes the CSV twin with escaping and spreadsheet formulas neutralized', () => {
    const collector = new ReportCollector();
    collector.reject([{ row: 4, field: 'quantity (qty)', reason: 'must be a whole number, "really"', value: '=HYPERLINK("x")' }]);
    collector.warn({ row: 6, code: 'DUPLICATE_SKU', message: 'superseded by row 9' });
    const csv = fileReportCsv(buildFileReport(head, { rows: 9, written: 1, unchanged: 0, unmapped: 0 }, collector));
    expect(csv.split('\r\n')).toEqual([
      'row,field,reason,value',
      '4,quantity (qty),"must be a whole number, ""really""","\'=HYPERLINK(""x"")"',
      '6,,warning DUPLICATE_SKU: superseded by row 9,',
      '',
    ]);
    expect(csvCell('-3')).toBe('-3');
    expect(csvCell('-x')).toBe("'-x");
  });
});

describe('CSV helpers', () => {
  it('SpreadsheetRows turns csv-parse info into the rows a spreadsheet shows', async () => {
    const text = 'sku,qty\r\nA,1\r\n\r\nB,"multi\nline"\r\nC,3\r\n  \r\nD,4\r\n';
    const parser = Readable.from([text]).pipe(parse({ skip_empty_lines: true, trim: true, info: true, relax_column_count: true }));
    const rows = new SpreadsheetRows();
    const seen: [string, number][] = [];
    for await (const entry of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      seen.push([entry.record[0] ?? '', rows.next(entry.info.lines, entry.info.empty_lines)]);
    }
    expect(seen).toEqual([
      ['sku', 1],
      ['A', 2],
      ['B', 4],
      ['C', 5],
      ['D', 7],
    ]);
  });

  it.each([
    ['sku,qty,cost', ','],
    ['Artikel;Bestand;Preis', ';'],
    ['sku\tqty', '\t'],
    ['"a;b",qty', ','],
    ['sku', ','],
  ])('sniffs the delimiter of %j', (line, delimiter) => {
    expect(sniffDelimiter(line)).toBe(delimiter);
  });
});

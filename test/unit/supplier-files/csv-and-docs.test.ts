import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReportCollector } from '../../../functions/core/inventory/domain/file-report';
import {
  ACKNOWLEDGEMENT_HEADER_ALIASES,
  ACKNOWLEDGEMENT_REQUIRED,
  AcknowledgementRow,
  CANCELLATION_CSV_COLUMNS,
  PURCHASE_ORDER_CSV_COLUMNS,
  TRACKING_HEADER_ALIASES,
  TRACKING_REQUIRED,
  TrackingRow,
} from '../../../functions/core/suppliers/schemas/supplier-files';
import { readMessageCsv } from '../../../functions/core/suppliers/services/message-csv';

const tracking = { aliases: TRACKING_HEADER_ALIASES as Readonly<Record<string, readonly string[]>>, required: TRACKING_REQUIRED as readonly string[] };
const acks = { aliases: ACKNOWLEDGEMENT_HEADER_ALIASES as Readonly<Record<string, readonly string[]>>, required: ACKNOWLEDGEMENT_REQUIRED as readonly string[] };

/** The file split into small chunks, as S3 streams it. */
const stream = (text: string, chunk = 7) => Readable.from(Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => Buffer.from(text.slice(i * chunk, (i + 1) * chunk))));

describe('reading message CSVs', () => {
  it('row numbers are spreadsheet rows: BOM, CRLF, blank lines and a quoted multi-line cell', async () => {
    const csv = '\uFEFFfulfillment_id,status,message\r\nful_a,ACCEPTED,\r\n\r\nful_b,REJECTED,"two\r\nlines, quoted"\r\nful_c,ACCEPTED,\r\n';
    const read = await readMessageCsv(stream(csv), acks, new ReportCollector());
    if (!read.ok) throw new Error(read.reason);
    expect(read.rows).toEqual([
      { row: 2, cells: { fulfillment_id: 'ful_a', status: 'ACCEPTED' } },
      { row: 4, cells: { fulfillment_id: 'ful_b', status: 'REJECTED', message: 'two\r\nlines, quoted' } },
      { row: 5, cells: { fulfillment_id: 'ful_c', status: 'ACCEPTED' } },
    ]);
  });

  it.each<[string, string, string]>([
    ['an empty file', '', 'the file is empty (no header row)'],
    ['a header without the required columns', 'carrier,quantity\nUPS,1\n', 'missing required columns: fulfillment_id, tracking_number'],
  ])('not ok: %s', async (_name, csv, reason) => {
    await expect(readMessageCsv(stream(csv), tracking, new ReportCollector())).resolves.toEqual({ ok: false, reason });
  });

  it('a row of empty cells is a blank line; rows with fewer or more cells than the header are read', async () => {
    const read = await readMessageCsv(stream('fulfillment_id,carrier,tracking_number,quantity\n,,,\nful_a,UPS\nful_b,UPS,1Z5R89390357567127,1,extra\n'), tracking, new ReportCollector());
    if (!read.ok) throw new Error(read.reason);
    expect(read.rows.map((r) => r.row)).toEqual([3, 4]);
    expect(read.rows[1]?.cells).toEqual({ fulfillment_id: 'ful_b', carrier: 'UPS', tracking_number: '1Z5R89390357567127', quantity: '1' });
  });
});

describe('docs/supplier-files.md stays true to the code', () => {
  const doc = readFileSync(new URL('../../../docs/supplier-files.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```csv\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const block = (header: string) => {
    const found = blocks.find((b) => b.startsWith(header));
    if (found === undefined) throw new Error(`no csv example starting with ${header}`);
    return found;
  };

  it('the tracking and acknowledgement examples are valid files (every row passes its schema)', async () => {
    for (const [csv, spec, schema] of [
      [block('fulfillment_id,carrier'), tracking, TrackingRow],
      [block('fulfillment_id,status'), acks, AcknowledgementRow],
    ] as const) {
      const collector = new ReportCollector();
      const read = await readMessageCsv(stream(csv), spec, collector);
      if (!read.ok) throw new Error(read.reason);
      expect(read.rows.length).toBeGreaterThan(0);
      for (const row of read.rows) expect(schema.safeParse(row.cells).success).toBe(true);
      expect(collector.warnings).toEqual([]);
    }
  });

  it('the purchase-order example and column table list exactly the CSV columns written', () => {
    expect(block('fulfillment_id,order_ref').split('\n')[0]).toBe(PURCHASE_ORDER_CSV_COLUMNS.join(','));
    for (const column of PURCHASE_ORDER_CSV_COLUMNS) expect(doc).toContain(`\`${column}\``);
    expect(doc).toContain(`\`${CANCELLATION_CSV_COLUMNS.join(',')}\``);
  });

  it('documents every accepted header alias', () => {
    for (const aliases of [...Object.values(TRACKING_HEADER_ALIASES), ...Object.values(ACKNOWLEDGEMENT_HEADER_ALIASES)]) {
      for (const alias of aliases) expect(doc).toContain(`\`${alias}\``);
    }
  });
});

/** Reading a tracking / acknowledgement CSV file into validated rows (spreadsheet row numbers, per-cell rejections). */
import { CsvError, parse } from 'csv-parse';
import * as z from 'zod';
import { clip, type RejectedRow } from '../../inventory/domain/feed-rows';
import { ReportCollector } from '../../inventory/domain/file-report';
import { SpreadsheetRows } from '../../inventory/domain/feed-headers';
import { normalizeHeader } from '../schemas/supplier-files';
import { MAX_MESSAGE_FILE_ROWS } from './message-files';

// ---------------------------------------------------------------------------------------------
// Reading the CSV

interface FileSpec<C extends string> {
  readonly aliases: Readonly<Record<C, readonly string[]>>;
  readonly required: readonly C[];
}

export interface CsvRow<C extends string> {
  readonly row: number;
  readonly cells: Partial<Record<C, string>>;
}

type ReadResult<C extends string> =
  | { readonly ok: true; readonly rows: readonly CsvRow<C>[]; readonly headers: Partial<Record<C, string>> }
  | { readonly ok: false; readonly reason: string };

export type Chunks = AsyncIterable<Uint8Array | string>;

// Long: one streaming CSV read loop (header, rows, limits, cell errors) that keeps its state local.
/**
 * Stream a CSV into rows of canonical cells (trimmed, empty = absent). Header problems that still
 * allow reading are warnings; a missing required column, unreadable CSV or too many rows is not ok.
 */
export async function readMessageCsv<C extends string>(body: Chunks, spec: FileSpec<C>, collector: ReportCollector): Promise<ReadResult<C>> {
  const byAlias = new Map<string, C>();
  for (const [column, aliases] of Object.entries(spec.aliases) as [C, readonly string[]][]) {
    for (const alias of aliases) if (!byAlias.has(alias)) byAlias.set(alias, column);
  }
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true });
  const rowNumbers = new SpreadsheetRows();
  const rows: CsvRow<C>[] = [];
  let columns: (C | undefined)[] | undefined;
  const headers: Partial<Record<C, string>> = {};
  try {
    // Feed the parser by hand (backpressure: wait for 'drain'); stop reading when the parser stopped.
    const feeding = (async () => {
      try {
        for await (const chunk of body) {
          if (parser.destroyed) break;
          if (!parser.write(chunk)) {
            await new Promise<void>((resolve) => {
              const done = () => {
                parser.off('drain', done);
                parser.off('close', done);
                resolve();
              };
              parser.on('drain', done);
              parser.on('close', done);
            });
          }
        }
        if (!parser.destroyed) parser.end();
      } catch (error) {
        if (!parser.destroyed) parser.destroy(error instanceof Error ? error : new Error('read failed'));
      }
    })();
    for await (const output of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      const row = rowNumbers.next(output.info.lines, output.info.empty_lines);
      const record = output.record;
      if (record.every((cell) => cell.trim() === '')) continue;
      if (columns === undefined) {
        columns = record.map((raw, index) => {
          const name = normalizeHeader(raw);
          const column = byAlias.get(name);
          if (column === undefined) {
            if (name !== '') collector.warn({ row, code: 'UNKNOWN_COLUMN', message: `column "${clip(raw.trim(), 60)}" is not used` });
            return undefined;
          }
          if (headers[column] !== undefined) {
            collector.warn({ row, code: 'DUPLICATE_COLUMN', message: `column "${clip(raw.trim(), 60)}" repeats ${column} (column ${index + 1} is ignored)` });
            return undefined;
          }
          headers[column] = raw.trim();
          return column;
        });
        const missing = spec.required.filter((c) => headers[c] === undefined);
        if (missing.length > 0) {
          parser.destroy();
          return { ok: false, reason: `missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` };
        }
        continue;
      }
      if (rows.length >= MAX_MESSAGE_FILE_ROWS) {
        parser.destroy();
        return { ok: false, reason: `more than ${MAX_MESSAGE_FILE_ROWS} rows: split the file` };
      }
      const cells: Partial<Record<C, string>> = {};
      columns.forEach((column, index) => {
        const value = record[index]?.trim();
        if (column !== undefined && value !== undefined && value !== '') cells[column] = value;
      });
      rows.push({ row, cells });
    }
    await feeding;
  } catch (error) {
    if (error instanceof CsvError) return { ok: false, reason: `not readable as CSV: ${clip(error.message, 200)}` };
    throw error;
  }
  if (columns === undefined) return { ok: false, reason: 'the file is empty (no header row)' };
  return { ok: true, rows, headers };
}

export function label<C extends string>(column: string, headers: Partial<Record<C, string>>): string {
  const header = headers[column as C];
  return header === undefined || header === column ? column : `${column} (${header})`;
}

export function rowRejections<C extends string>(error: z.ZodError, row: CsvRow<C>, headers: Partial<Record<C, string>>): RejectedRow[] {
  const seen = new Set<string>();
  const out: RejectedRow[] = [];
  for (const issue of error.issues) {
    const column = typeof issue.path[0] === 'string' ? issue.path[0] : '(row)';
    if (seen.has(column)) continue;
    seen.add(column);
    const value = row.cells[column as C];
    out.push({ row: row.row, field: label(column, headers), reason: issue.message, ...(value === undefined ? {} : { value: clip(value) }) });
  }
  return out;
}

/**
 * Inventory feed headers: a CSV header is mapped onto the canonical FEED_FIELDS (case-insensitive,
 * trimmed, spaces / hyphens = underscores); the supplier's `files.headerAliases` add to the defaults and
 * win over them when the same name is given for another field. Row numbers are what a spreadsheet
 * shows: the header is row 1, the first data row is row 2, blank lines keep their row, a quoted cell
 * spanning several lines is one row. JSON feeds number their items 1, 2, 3 ... Pure.
 */
import { FEED_FIELDS, type FeedField } from '../../suppliers/domain/supplier';
import { type FeedWarning, clip } from './feed-rows';

// ------------------------------------------------------------------------------------------ headers

/** Default accepted header names per canonical field (normalized: lower case, `_` for spaces and hyphens). */
export const DEFAULT_HEADER_ALIASES: Readonly<Record<FeedField, readonly string[]>> = {
  supplierSku: ['sku', 'item_number', 'item', 'supplier_sku', 'product_code'],
  quantity: ['qty', 'quantity', 'stock', 'available', 'on_hand'],
  cost: ['cost', 'price', 'wholesale', 'wholesale_cost', 'unit_cost'],
  map: ['map', 'min_advertised_price'],
  discontinued: ['discontinued', 'is_discontinued', 'status'],
  currency: ['currency'],
};

/** Columns a feed cannot do without. */
export const REQUIRED_FEED_FIELDS: readonly FeedField[] = ['supplierSku', 'quantity'];

/** `" Item Number "` → `item_number`. */
export function normalizeHeader(header: string): string {
  return header.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export interface FeedColumn {
  readonly field: FeedField;
  /** 0-based position in the record. */
  readonly index: number;
  /** The header as the file wrote it (trimmed). */
  readonly header: string;
}

export interface HeaderResolution {
  readonly columns: readonly FeedColumn[];
  /** Required fields no column maps to. */
  readonly missing: readonly FeedField[];
  readonly warnings: readonly FeedWarning[];
}

/** normalized alias → field; the supplier's extra aliases first (they win), then the defaults, then the canonical names. */
export function aliasTable(extra?: Partial<Record<FeedField, readonly string[]>>): Map<string, FeedField> {
  const table = new Map<string, FeedField>();
  const add = (name: string, field: FeedField): void => {
    const key = normalizeHeader(name);
    if (key !== '' && !table.has(key)) table.set(key, field);
  };
  for (const field of FEED_FIELDS) for (const name of extra?.[field] ?? []) add(name, field);
  for (const field of FEED_FIELDS) for (const name of DEFAULT_HEADER_ALIASES[field]) add(name, field);
  for (const field of FEED_FIELDS) add(field, field);
  return table;
}

/**
 * Map a header record onto canonical fields. Unknown columns are ignored with an UNKNOWN_COLUMN
 * warning (a typo such as `quantiy` must not go unnoticed); a second column for the same field is
 * ignored with DUPLICATE_COLUMN (the first one is used).
 */
export function resolveHeaders(headers: readonly string[], extra?: Partial<Record<FeedField, readonly string[]>>): HeaderResolution {
  const table = aliasTable(extra);
  const columns: FeedColumn[] = [];
  const warnings: FeedWarning[] = [];
  headers.forEach((raw, index) => {
    const header = raw.trim();
    if (header === '') return;
    const field = table.get(normalizeHeader(header));
    if (field === undefined) {
      warnings.push({ row: 1, code: 'UNKNOWN_COLUMN', message: `column "${clip(header, 60)}" is not a known inventory column and was ignored` });
      return;
    }
    const first = columns.find((c) => c.field === field);
    if (first !== undefined) {
      warnings.push({ row: 1, code: 'DUPLICATE_COLUMN', message: `column "${clip(header, 60)}" is another ${field} column and was ignored ("${first.header}" is used)` });
      return;
    }
    columns.push({ field, index, header });
  });
  const missing = REQUIRED_FEED_FIELDS.filter((f) => !columns.some((c) => c.field === f));
  return { columns, missing, warnings };
}

/** `quantity` or `quantity (qty)`: the canonical field, with the file's header when it differs. */
export function fieldLabel(field: FeedField, header?: string): string {
  return header === undefined || header === field ? field : `${field} (${header})`;
}

/**
 * A CSV record as the row schema's input: each mapped column's cell; an empty cell is "not given"
 * (keep the current value), except MAP where an empty cell in a MAP column means "no MAP any more".
 */
export function csvRecordToInput(cells: readonly string[], columns: readonly FeedColumn[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const column of columns) {
    const cell = cells[column.index];
    if (cell === undefined) continue;
    const value = cell.trim();
    if (value === '') {
      if (column.field === 'map') input[column.field] = null;
      continue;
    }
    input[column.field] = value;
  }
  return input;
}

// ------------------------------------------------------------------------------------------ spreadsheet rows

/**
 * Spreadsheet row numbers from csv-parse's `info` (physical line where a record ENDS and the count of
 * empty lines skipped so far): blank lines keep their row, a multi-line quoted cell is one row.
 * (The feed service does without `info` and `skip_empty_lines` - every record, blank ones included,
 * is one spreadsheet row - because the per-record info snapshot costs ~5x the parse; this helper is
 * for parsers that do use them.)
 */
export class SpreadsheetRows {
  private previousEnd = 0;
  private previousEmpty = 0;
  private extraLines = 0;

  /** The row of the record that ended on physical line `endLine`. */
  next(endLine: number, emptyLinesSoFar: number): number {
    const start = this.previousEnd + 1 + (emptyLinesSoFar - this.previousEmpty);
    const row = start - this.extraLines;
    this.extraLines += Math.max(0, endLine - start);
    this.previousEnd = endLine;
    this.previousEmpty = emptyLinesSoFar;
    return row;
  }
}

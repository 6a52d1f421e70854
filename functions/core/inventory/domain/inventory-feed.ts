/**
 * Inventory feed rules (issue 5). Pure: no AWS, no I/O. The service (services/inventory-feed.ts)
 * streams the file, this module decides what every row means:
 *
 * - header aliases: a CSV header is mapped onto the canonical FEED_FIELDS (case-insensitive, trimmed,
 *   spaces / hyphens = underscores); the supplier's `files.headerAliases` add to the defaults and win
 *   over them when the same name is given for another field;
 * - rows: parsed with the shared zod row schema (schemas/inventory.ts), money in major or minor units
 *   turned into integer minor units of the row's currency, else the supplier's (a price list is in
 *   the supplier's currency); a row without money keeps the offer's currency;
 * - diff: an offer is written only when stock, cost, MAP, discontinued or currency changes;
 * - duplicates: the LAST valid row of a supplier SKU wins, earlier ones get a DUPLICATE_SKU warning;
 * - shortfall: stock below the platform's reserved counter sets `shortfall` (reserved - stock) and
 *   the STOCK_SHORTFALL exception keys on the offer; reservations are never touched;
 * - quarantine: rejected / rows > threshold (default 0.2), no data rows, or a required column missing;
 * - the rejected-row report (also used for tracking / acknowledgement files).
 *
 * Row numbers are what a spreadsheet shows: the header is row 1, the first data row is row 2, blank
 * lines keep their row, a quoted cell spanning several lines is one row. JSON feeds number their
 * items 1, 2, 3 ... (position in the array).
 */
import type { ZodError } from 'zod';
import { decimalToMinor } from '../../kernel/money';
import { FEED_FIELDS, type FeedField, type SupplierFileKind } from '../../suppliers/domain/supplier';
import { FeedRow } from '../schemas/inventory';

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

// ------------------------------------------------------------------------------------------ rows

export type MoneyUnits = 'major' | 'minor';

/** What one valid row asks for (money already in minor units). Absent members keep the offer's value. */
export interface OfferChange {
  readonly supplierSku: string;
  readonly stock: number;
  readonly wholesaleCostMinor?: number | undefined;
  /** null = remove the MAP. */
  readonly mapMinor?: number | null | undefined;
  readonly discontinued?: boolean | undefined;
  readonly currency?: string | undefined;
}

export interface RejectedRow {
  readonly row: number;
  /** Canonical field, with the file's header in parentheses when it differs (`quantity (qty)`). */
  readonly field: string;
  readonly reason: string;
  /** The offending value as written (clipped); never personal data in inventory rows. */
  readonly value?: string | undefined;
}

export interface FeedWarning {
  readonly row: number;
  readonly code: string;
  readonly message: string;
}

export interface RowContext {
  readonly moneyUnits: MoneyUnits;
  /**
   * The supplier's currency: a row's cost / MAP without a `currency` are in it (and then set the
   * offer's currency to it). A row without money keeps the offer's currency.
   */
  readonly currency: string;
  /** Header per field, for the report's `field` label. */
  readonly headers?: Partial<Record<FeedField, string>> | undefined;
}

export type RowOutcome = { readonly ok: true; readonly change: OfferChange } | { readonly ok: false; readonly rejections: readonly RejectedRow[] };

export function clip(text: string, max = 100): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function display(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return clip(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return clip(JSON.stringify(value));
  } catch {
    return undefined;
  }
}

const isFeedField = (value: unknown): value is FeedField => typeof value === 'string' && (FEED_FIELDS as readonly string[]).includes(value);

function zodRejections(error: ZodError, input: unknown, row: number, ctx: RowContext): RejectedRow[] {
  const record = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const seen = new Set<string>();
  const out: RejectedRow[] = [];
  for (const issue of error.issues) {
    const head = issue.path[0];
    const field = isFeedField(head) ? head : undefined;
    const label = field === undefined ? (issue.path.length === 0 ? '(row)' : issue.path.map(String).join('.')) : fieldLabel(field, ctx.headers?.[field]);
    if (seen.has(label)) continue;
    seen.add(label);
    const raw = field === undefined ? undefined : field === 'supplierSku' && record['supplierSku'] === undefined ? record['sku'] : record[field];
    out.push({ row, field: label, reason: issue.message, value: display(raw) });
  }
  return out;
}

/** Money text → integer minor units of `currency`, reading it as major (12.50) or minor (1250) units. */
export function moneyToMinor(decimal: string, units: MoneyUnits, currency: string): { ok: true; minor: number } | { ok: false; message: string } {
  if (units === 'minor') {
    const match = /^(\d+)(?:\.0+)?$/.exec(decimal);
    if (match === null) return { ok: false, message: 'must be a whole number of minor units such as 1250 (this supplier sends money in minor units)' };
    const minor = Number(match[1]);
    return Number.isSafeInteger(minor) ? { ok: true, minor } : { ok: false, message: 'is too large' };
  }
  try {
    const result = decimalToMinor(decimal, currency);
    if (result.ok) return result;
    return { ok: false, message: /decimal places/.test(result.message) ? result.message : `must be a decimal amount such as 12.50 (${result.message})` };
  } catch {
    return { ok: false, message: `cannot be read: currency ${currency} is unknown` };
  }
}

/**
 * Parse one row (a CSV record after csvRecordToInput, a JSON item, an SQS row) with the shared
 * schema and convert its money. Every bad field is reported (one entry per field).
 */
export function parseFeedRow(input: unknown, row: number, ctx: RowContext): RowOutcome {
  const parsed = FeedRow.safeParse(input);
  if (!parsed.success) return { ok: false, rejections: zodRejections(parsed.error, input, row, ctx) };
  const data = parsed.data;
  const currency = data.currency ?? ctx.currency;
  const rejections: RejectedRow[] = [];
  const money = (field: 'cost' | 'map', text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const result = moneyToMinor(text, ctx.moneyUnits, currency);
    if (result.ok) return result.minor;
    rejections.push({ row, field: fieldLabel(field, ctx.headers?.[field]), reason: result.message, value: clip(text) });
    return undefined;
  };
  const cost = money('cost', data.cost);
  const map = data.map === null ? null : money('map', data.map);
  if (rejections.length > 0) return { ok: false, rejections };
  return {
    ok: true,
    change: {
      supplierSku: data.supplierSku,
      stock: data.quantity,
      ...(cost === undefined ? {} : { wholesaleCostMinor: cost }),
      ...(map === undefined ? {} : { mapMinor: map }),
      ...(data.discontinued === undefined ? {} : { discontinued: data.discontinued }),
      // Money given → it is in this currency; no money → the offer keeps its currency.
      ...(data.currency !== undefined || cost !== undefined || typeof map === 'number' ? { currency } : {}),
    },
  };
}

// ------------------------------------------------------------------------------------------ offers

/** The feed-owned offer item's domain fields (no `reserved`: that is the platform's counter item). */
export interface FeedOffer {
  readonly sku: string;
  readonly supplierId: string;
  readonly supplierSku: string;
  readonly wholesaleCostMinor: number;
  readonly currency: string;
  readonly stock: number;
  readonly mapMinor?: number | undefined;
  readonly discontinued: boolean;
  /** When a feed last CHANGED this offer. */
  readonly lastFeedAt: string;
  /** reserved - stock while stock is below what reservations hold. */
  readonly shortfall?: number | undefined;
  /** Since when the shortfall exists (the exception index sorts on it). */
  readonly shortfallSince?: string | undefined;
}

export interface OfferDiff {
  readonly changed: boolean;
  readonly next: FeedOffer;
}

/** Apply a row to the current offer; `changed` only when stock, cost, MAP, discontinued or currency differs. */
export function diffOffer(current: FeedOffer, change: OfferChange, now: string): OfferDiff {
  const wholesaleCostMinor = change.wholesaleCostMinor ?? current.wholesaleCostMinor;
  const mapMinor = change.mapMinor === undefined ? current.mapMinor : change.mapMinor === null ? undefined : change.mapMinor;
  const discontinued = change.discontinued ?? current.discontinued;
  const currency = change.currency ?? current.currency;
  const changed =
    change.stock !== current.stock ||
    wholesaleCostMinor !== current.wholesaleCostMinor ||
    mapMinor !== current.mapMinor ||
    discontinued !== current.discontinued ||
    currency !== current.currency;
  if (!changed) return { changed: false, next: current };
  const next: FeedOffer = {
    sku: current.sku,
    supplierId: current.supplierId,
    supplierSku: current.supplierSku,
    wholesaleCostMinor,
    currency,
    stock: change.stock,
    ...(mapMinor === undefined ? {} : { mapMinor }),
    discontinued,
    lastFeedAt: now,
    ...(current.shortfall === undefined ? {} : { shortfall: current.shortfall }),
    ...(current.shortfallSince === undefined ? {} : { shortfallSince: current.shortfallSince }),
  };
  return { changed: true, next };
}

/**
 * Whether writing `next` needs the reservation counter: stock dropped (it may now be below what is
 * reserved) or the offer is already short (the shortfall may be over or different now).
 */
export function needsReservedCount(current: FeedOffer, next: FeedOffer): boolean {
  return next.stock < current.stock || current.shortfall !== undefined;
}

export function shortfallOf(stock: number, reserved: number): number {
  return Math.max(0, reserved - stock);
}

export interface ShortfallResult {
  readonly offer: FeedOffer;
  /** The offer was not short before and is now. */
  readonly entered: boolean;
  /** The offer was short before and is not any more. */
  readonly cleared: boolean;
}

/** Set or clear `shortfall` from the counter (`reserved` = units HELD; absent counter = 0). */
export function settleShortfall(offer: FeedOffer, reserved: number, now: string): ShortfallResult {
  const short = shortfallOf(offer.stock, reserved);
  const { shortfall: before, shortfallSince, ...rest } = offer;
  if (short === 0) return { offer: rest, entered: false, cleared: before !== undefined };
  return { offer: { ...rest, shortfall: short, shortfallSince: shortfallSince ?? now }, entered: before === undefined, cleared: false };
}

// ------------------------------------------------------------------------------------------ duplicates

/**
 * Pass 1 remembers the last valid row of each supplier SKU; pass 2 applies only that row. The rows a
 * later one supersedes get a DUPLICATE_SKU warning.
 */
export class DuplicateTracker {
  private readonly last = new Map<string, number>();
  duplicates = 0;

  /** Record a valid row; returns the warning for the row it supersedes, if any. */
  see(supplierSku: string, row: number): FeedWarning | undefined {
    const previous = this.last.get(supplierSku);
    this.last.set(supplierSku, row);
    if (previous === undefined) return undefined;
    this.duplicates++;
    return { row: previous, code: 'DUPLICATE_SKU', message: `supplier SKU ${clip(supplierSku, 64)} appears again in row ${row}: this row was ignored (the last row wins)` };
  }

  isLast(supplierSku: string, row: number): boolean {
    return this.last.get(supplierSku) === row;
  }

  get size(): number {
    return this.last.size;
  }

  /** supplierSku → the row that applies. */
  entries(): IterableIterator<[string, number]> {
    return this.last.entries();
  }
}

// ------------------------------------------------------------------------------------------ quarantine

export const DEFAULT_QUARANTINE_THRESHOLD = 0.2;

export interface QuarantineInput {
  readonly rows: number;
  readonly rejected: number;
  readonly threshold?: number | undefined;
  readonly missing?: readonly FeedField[] | undefined;
}

/** Why the whole file is quarantined instead of applied, or undefined to apply it. */
export function quarantineReason(input: QuarantineInput, aliases?: Partial<Record<FeedField, readonly string[]>>): string | undefined {
  if (input.missing !== undefined && input.missing.length > 0) {
    const names = input.missing.map((f) => `${f} (one of: ${[...(aliases?.[f] ?? []), ...DEFAULT_HEADER_ALIASES[f]].join(', ')})`);
    return `required column missing: ${names.join('; ')}`;
  }
  if (input.rows === 0) return 'the file has no data rows';
  const threshold = input.threshold ?? DEFAULT_QUARANTINE_THRESHOLD;
  const share = input.rejected / input.rows;
  if (share > threshold) {
    return `${input.rejected} of ${input.rows} rows rejected (${(share * 100).toFixed(1)} % > the ${(threshold * 100).toFixed(0)} % threshold)`;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------ report

export type FileReportStatus = 'APPLIED' | 'QUARANTINED';

/** The rejected-row report (feeds, tracking and acknowledgement files), written to the supplier's outbox. */
export interface FileReport {
  readonly file: { readonly bucket: string; readonly key: string; readonly etag: string };
  readonly supplierId: string;
  readonly kind: SupplierFileKind;
  readonly status: FileReportStatus;
  readonly receivedAt: string;
  /** Why the file was quarantined (absent when applied). */
  readonly reason?: string | undefined;
  readonly rows: number;
  readonly written: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly unmapped: number;
  readonly rejectedRows: readonly RejectedRow[];
  readonly warnings: readonly FeedWarning[];
  /** Entries left out of rejectedRows / warnings beyond REPORT_ENTRY_LIMIT (the counts stay exact). */
  readonly omitted?: { readonly rejectedRows: number; readonly warnings: number } | undefined;
}

/** At most this many rejectedRows and this many warnings in one report (memory and file size stay bounded). */
export const REPORT_ENTRY_LIMIT = 10_000;

/** Collects a file's rejected rows and warnings (capped) and counts rejected rows exactly. */
export class ReportCollector {
  readonly rejectedRows: RejectedRow[] = [];
  readonly warnings: FeedWarning[] = [];
  /** Distinct rows rejected (a row with two bad fields counts once). */
  rejected = 0;
  omittedRejections = 0;
  omittedWarnings = 0;

  constructor(private readonly limit: number = REPORT_ENTRY_LIMIT) {}

  reject(rejections: readonly RejectedRow[]): void {
    if (rejections.length === 0) return;
    this.rejected++;
    for (const r of rejections) {
      if (this.rejectedRows.length < this.limit) this.rejectedRows.push(r);
      else this.omittedRejections++;
    }
  }

  warn(warning: FeedWarning): void {
    if (this.warnings.length < this.limit) this.warnings.push(warning);
    else this.omittedWarnings++;
  }

  /** Entries sorted by row (warnings of the header first), as a reader expects. */
  sorted(): { rejectedRows: RejectedRow[]; warnings: FeedWarning[] } {
    const byRow = <T extends { row: number }>(a: T, b: T): number => a.row - b.row;
    return { rejectedRows: [...this.rejectedRows].sort(byRow), warnings: [...this.warnings].sort(byRow) };
  }

  get omitted(): { rejectedRows: number; warnings: number } | undefined {
    return this.omittedRejections + this.omittedWarnings === 0 ? undefined : { rejectedRows: this.omittedRejections, warnings: this.omittedWarnings };
  }
}

export interface ReportCounts {
  readonly rows: number;
  readonly written: number;
  readonly unchanged: number;
  readonly unmapped: number;
}

export function buildFileReport(
  head: { file: FileReport['file']; supplierId: string; kind: SupplierFileKind; status: FileReportStatus; receivedAt: string; reason?: string | undefined },
  counts: ReportCounts,
  collector: ReportCollector,
): FileReport {
  const { rejectedRows, warnings } = collector.sorted();
  const omitted = collector.omitted;
  return {
    file: head.file,
    supplierId: head.supplierId,
    kind: head.kind,
    status: head.status,
    receivedAt: head.receivedAt,
    ...(head.reason === undefined ? {} : { reason: head.reason }),
    rows: counts.rows,
    written: counts.written,
    unchanged: counts.unchanged,
    rejected: collector.rejected,
    unmapped: counts.unmapped,
    rejectedRows,
    warnings,
    ...(omitted === undefined ? {} : { omitted }),
  };
}

/** A report is written only when there is something to say: rejected rows, warnings or a quarantine. */
export function hasSomethingToReport(report: FileReport): boolean {
  return report.status === 'QUARANTINED' || report.rejected > 0 || report.rejectedRows.length > 0 || report.warnings.length > 0;
}

/** One CSV cell: quoted when needed; a leading = + @ (or - not starting a number) is neutralized for spreadsheets. */
export function csvCell(value: string): string {
  const safe = /^[=+@\t\r]/.test(value) || /^-(?![\d.])/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The CSV twin of the report: `row,field,reason,value`, the rejected rows first, then the warnings
 * (field empty, reason `warning CODE: message`), each group by row.
 */
export function fileReportCsv(report: FileReport): string {
  const lines = ['row,field,reason,value'];
  for (const r of report.rejectedRows) lines.push([String(r.row), csvCell(r.field), csvCell(r.reason), csvCell(r.value ?? '')].join(','));
  for (const w of report.warnings) lines.push([String(w.row), '', csvCell(`warning ${w.code}: ${w.message}`), ''].join(','));
  if (report.status === 'QUARANTINED' && report.reason !== undefined) lines.push(['', '', csvCell(`QUARANTINED: ${report.reason}`), ''].join(','));
  return `${lines.join('\r\n')}\r\n`;
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

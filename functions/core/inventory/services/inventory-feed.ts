/**
 * Applying inventory feeds (issue 5): files (S3 inbox drops and pull sources) and SQS INVENTORY_UPDATE
 * rows. Rules live in domain/inventory-feed.ts; this module streams, batches and records.
 *
 * File lifecycle (applyFeedFile):
 *   claim the file record (key + ETag: a replay does nothing) → read the supplier → spool the body
 *   while its offers load (gsi1 → map supplierSku → offers) → PASS 1 validates every row → unmapped
 *   SKUs from the offer map → quarantine or PASS 2 applies →
 *   report (when there is something to say) → finish the record in one transaction with the
 *   supplier update and SupplierEvent items → metrics.
 *
 * Why two passes (the whole-file quarantine must never half-apply): the decision needs the error
 * rate of the WHOLE file, and buffering every changed row until the end would make memory grow with
 * the file. So the body is spooled once to a temporary file (bounded memory, and both passes read the
 * same bytes even if the S3 object is overwritten meanwhile), pass 1 parses it and keeps only counts,
 * the capped report entries and supplierSku → last valid row (for duplicates), and pass 2 parses it
 * again and writes in chunks (default 1,000 rows: diff against the preloaded offers, consistent
 * BatchGet of reservation counters for rows whose stock dropped, BatchWriteItem of the changed offers;
 * the next chunk is parsed while up to two previous ones are written; the offer map loads during the
 * spool and pass 1, which needs no offers). JSON feeds are read whole (capped) and
 * walked twice in memory. Memory therefore stays ~ the offer map (one entry per offer of the supplier)
 * + a few chunks, whatever the file size.
 *
 * Any unexpected error marks the record FAILED (so the Lambda retry can claim it at once) and is
 * rethrown; rows already written are unchanged on the retry, so nothing is written twice.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse';
import {
  buildFileReport,
  csvRecordToInput,
  diffOffer,
  DuplicateTracker,
  hasSomethingToReport,
  needsReservedCount,
  parseFeedRow,
  quarantineReason,
  ReportCollector,
  resolveHeaders,
  settleShortfall,
  type FeedOffer,
  type FeedWarning,
  type FileReport,
  type HeaderResolution,
  type OfferChange,
  type RowContext,
} from '../domain/inventory-feed';
import type { FeedField, Supplier, SupplierFileRecord } from '../../suppliers/domain/supplier';
import type { SupplierEvent } from '../../events/domain/events';
import type { FieldIssue } from '../../kernel/errors';
import { InventoryFeedFileEnvelope, type FeedRow, type FeedRowInput } from '../schemas/inventory';
import { getSupplier } from '../store/catalog';
import type { StoreContext } from '../../runtime/table/context';
import {
  DEFAULT_WRITE_CONCURRENCY,
  loadOffersBySupplierSkus,
  loadReservedCounts,
  loadSupplierOffers,
  putOffers,
  reservedKey,
  supplierEventItems,
  supplierFeedUpdate,
  writeSupplierItems,
  type OfferIndex,
} from '../store/inventory';
import { claimFile, failFile, finishFile, normalizeEtag, type FileRef } from '../../suppliers/store/supplier-files';
import type { TransactItem } from '../../runtime/table/transactions';
import { fileNameOf, ObjectSuperseded, quarantineFile, refuseFile, writeFileReport, type FileMetrics } from '../../suppliers/services/file-reports';
import type { TaskLogger } from '../../workflow/services/workflow-common';

// ------------------------------------------------------------------------------------------ deps & results

export interface FeedTuning {
  /** Valid rows per apply chunk (default 1,000). */
  readonly chunkRows?: number;
  /** BatchWriteItem calls in flight (default 8). */
  readonly writeConcurrency?: number;
  /** Where the body is spooled (default os.tmpdir()). */
  readonly tmpDir?: string;
  /** Largest CSV accepted (default 512 MiB) and largest JSON feed (read whole; default 64 MiB). */
  readonly maxCsvBytes?: number;
  readonly maxJsonBytes?: number;
}

export interface InventoryDeps {
  readonly store: StoreContext;
  readonly now: () => Date;
  readonly logger: TaskLogger;
  readonly metrics: FileMetrics;
  readonly tuning?: FeedTuning | undefined;
}

export interface FeedDeps extends InventoryDeps {
  readonly s3: S3Client;
  /** The supplier files bucket (reports, quarantine copies): FILES_BUCKET. */
  readonly filesBucket: string;
}

/** The body once, or a way to open it (called at most once, after the claim: a replay never reads it). */
export type FeedBody = Readable | (() => Readable | Promise<Readable>);

export interface FeedFileInput {
  readonly bucket: string;
  /** Decoded S3 key. */
  readonly key: string;
  readonly etag: string;
  readonly supplierId: string;
  readonly body: FeedBody;
  /** Default: `.json` keys are JSON, anything else CSV. */
  readonly format?: 'csv' | 'json' | undefined;
  /** `file` (inbox drop, default) or `pull` (scheduled refresh): recorded on the SupplierFeedApplied event. */
  readonly source?: 'file' | 'pull' | undefined;
  /**
   * When S3 stored the object (inbox drops: the event time). A file older than the supplier's last
   * applied inbox feed is SUPERSEDED (not applied): a late delivery or retry never brings older stock back.
   */
  readonly objectTime?: string | undefined;
  /** Rows read so far, per pass (validate, then apply); for the local CLI's progress bar. */
  readonly onProgress?: ((rowsSoFar: number, phase: 'validate' | 'apply') => void) | undefined;
}

export interface FeedCounts {
  /** Data rows read (header and blank lines excluded). */
  readonly rows: number;
  /** Rows that changed at least one offer (written), rows whose offers already said the same. */
  readonly written: number;
  readonly unchanged: number;
  readonly rejected: number;
  /** Distinct supplier SKUs no offer maps (warnings, never errors). */
  readonly unmapped: number;
  /** Rows superseded by a later row of the same supplier SKU. */
  readonly duplicates: number;
  /** Offers that went below what is reserved in this feed. */
  readonly shortfalls: number;
}

export type FeedFileStatus = 'APPLIED' | 'QUARANTINED' | 'REFUSED' | 'ALREADY_PROCESSED' | 'IN_PROGRESS' | 'SUPERSEDED';

export interface FeedFileResult extends FeedCounts {
  readonly status: FeedFileStatus;
  readonly reason?: string | undefined;
  readonly reportKey?: string | undefined;
  readonly quarantineKey?: string | undefined;
}

/** The file cannot be read as a feed at all (not CSV / JSON, empty, too large): quarantined whole. */
class FeedFormatError extends Error {
  override readonly name = 'FeedFormatError';
}

const ZERO: FeedCounts = { rows: 0, written: 0, unchanged: 0, rejected: 0, unmapped: 0, duplicates: 0, shortfalls: 0 };
const MAX_SHORTFALL_DETAILS = 50;
const MAX_FINISH_ATTEMPTS = 4;
/** Apply chunks being written at once (each with its own BatchWriteItem pool). */
const CHUNKS_IN_FLIGHT = 2;

// ------------------------------------------------------------------------------------------ sources

interface SourceRecord {
  readonly row: number;
  readonly input: unknown;
}

interface FeedSource {
  readonly header: HeaderResolution | undefined;
  /** One pass over the data rows (callable several times). */
  records(): AsyncIterable<SourceRecord>;
  close(): Promise<void>;
}

function bodyStream(body: FeedBody): Promise<Readable> {
  return Promise.resolve(typeof body === 'function' ? body() : body);
}

class ByteLimit extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) callback(new FeedFormatError(`the ${this.what} is larger than ${Math.round(this.limit / 1_048_576)} MiB`));
    else callback(null, chunk);
  }
}

/** Guess the delimiter from the header line: `,` unless `;` or a tab is clearly what separates it. */
export function sniffDelimiter(firstLine: string): ',' | ';' | '\t' {
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  const count = (c: string): number => unquoted.split(c).length - 1;
  const [comma, semicolon, tab] = [count(','), count(';'), count('\t')];
  if (semicolon > comma && semicolon >= tab) return ';';
  if (tab > comma && tab > semicolon) return '\t';
  return ',';
}

/**
 * The records of a CSV file with their spreadsheet row numbers. Not `skip_empty_lines` + `info`:
 * csv-parse's per-record info snapshot costs ~5x the parse itself, and without skipping, every
 * record (a blank line included, a multi-line quoted cell being one record) is exactly one spreadsheet
 * row, so the row number is the record's position. Blank records are skipped here instead.
 */
async function* csvEntries(file: string, delimiter: string): AsyncGenerator<{ row: number; cells: string[] }> {
  const input = createReadStream(file);
  const parser = parse({ bom: true, relax_column_count: true, trim: true, delimiter, max_record_size: 1_048_576 });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<unknown>) {
      row++;
      if (!Array.isArray(record)) continue;
      const cells = record as string[];
      // A blank line, or a record of empty cells only (",,,," lines spreadsheets leave behind).
      if (cells.every((cell) => cell === '')) continue;
      yield { row, cells };
    }
  } catch (error) {
    if (error instanceof FeedFormatError) throw error;
    const code = typeof (error as { code?: unknown }).code === 'string' ? `${(error as { code: string }).code}: ` : '';
    throw new FeedFormatError(`not a readable CSV file (${code}${error instanceof Error ? error.message : String(error)})`, { cause: error });
  } finally {
    input.destroy();
    parser.destroy();
  }
}

async function openCsvSource(body: FeedBody, tuning: FeedTuning | undefined, aliases: Supplier['files']): Promise<FeedSource> {
  const dir = await mkdtemp(path.join(tuning?.tmpDir ?? tmpdir(), 'feed-'));
  const file = path.join(dir, `${randomUUID()}.csv`);
  const close = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(await bodyStream(body), new ByteLimit(tuning?.maxCsvBytes ?? 512 * 1_048_576, 'file'), createWriteStream(file));
    const handle = await open(file, 'r');
    let head: string;
    try {
      const buffer = Buffer.alloc(65_536);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    } finally {
      await handle.close();
    }
    const delimiter = sniffDelimiter(head.split(/\r?\n/, 1)[0] ?? '');
    let header: HeaderResolution | undefined;
    for await (const first of csvEntries(file, delimiter)) {
      header = resolveHeaders(first.cells, aliases?.headerAliases);
      break;
    }
    if (header === undefined) throw new FeedFormatError('the file is empty');
    const resolved = header;
    return {
      header: resolved,
      async *records() {
        let skippedHeader = false;
        for await (const entry of csvEntries(file, delimiter)) {
          if (!skippedHeader) {
            skippedHeader = true;
            continue;
          }
          yield { row: entry.row, input: csvRecordToInput(entry.cells, resolved.columns) };
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function openJsonSource(body: FeedBody, tuning: FeedTuning | undefined): Promise<FeedSource> {
  const chunks: Buffer[] = [];
  const limit = new ByteLimit(tuning?.maxJsonBytes ?? 64 * 1_048_576, 'JSON feed (use CSV for larger feeds)');
  await pipeline(await bodyStream(body), limit, async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) chunks.push(chunk);
    yield* [];
  });
  const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FeedFormatError(`not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const envelope = InventoryFeedFileEnvelope.safeParse(json);
  if (!envelope.success) throw new FeedFormatError('a JSON feed is { "items": [ ... ] } or an array of rows');
  const items = Array.isArray(envelope.data) ? envelope.data : envelope.data.items;
  return {
    header: undefined,
    async *records() {
      for (let i = 0; i < items.length; i++) yield { row: i + 1, input: items[i] };
    },
    close: async () => undefined,
  };
}

// ------------------------------------------------------------------------------------------ applying changes

interface ShortfallNote {
  readonly sku: string;
  readonly supplierSku: string;
  readonly stock: number;
  readonly reserved: number;
  readonly shortfall: number;
}

/** Running totals of pass 2 / an SQS update. */
class ApplyTally {
  written = 0;
  unchanged = 0;
  shortfalls = 0;
  readonly shortfallDetails: ShortfallNote[] = [];

  note(offer: FeedOffer, reserved: number): void {
    this.shortfalls++;
    if (this.shortfallDetails.length < MAX_SHORTFALL_DETAILS) {
      this.shortfallDetails.push({ sku: offer.sku, supplierSku: offer.supplierSku, stock: offer.stock, reserved, shortfall: offer.shortfall ?? 0 });
    }
  }
}

/**
 * Apply one chunk of valid, de-duplicated, mapped rows: diff against the offers, read the counters
 * where stock dropped (or the offer is short), settle shortfalls, write the changed offers whole.
 * Offers that did not change but are short get their shortfall re-checked (and rewritten if it moved).
 */
async function applyChanges(store: StoreContext, offers: OfferIndex, changes: readonly OfferChange[], at: string, tally: ApplyTally, concurrency: number): Promise<void> {
  const direct: FeedOffer[] = [];
  const toCheck: FeedOffer[] = [];
  const shortUnchanged: FeedOffer[] = [];
  for (const change of changes) {
    let changed = false;
    for (const current of offers.get(change.supplierSku) ?? []) {
      const diff = diffOffer(current, change, at);
      if (diff.changed) {
        changed = true;
        if (needsReservedCount(current, diff.next)) toCheck.push(diff.next);
        else direct.push(diff.next);
      } else if (current.shortfall !== undefined) {
        shortUnchanged.push(current);
      }
    }
    if (changed) tally.written++;
    else tally.unchanged++;
  }
  const writes = direct;
  if (toCheck.length + shortUnchanged.length > 0) {
    const reserved = await loadReservedCounts(store, [...toCheck, ...shortUnchanged]);
    for (const next of toCheck) {
      const held = reserved.get(reservedKey(next.sku, next.supplierId)) ?? 0;
      const settled = settleShortfall(next, held, at);
      if (settled.entered) tally.note(settled.offer, held);
      writes.push(settled.offer);
    }
    for (const current of shortUnchanged) {
      const held = reserved.get(reservedKey(current.sku, current.supplierId)) ?? 0;
      const settled = settleShortfall(current, held, at);
      if (settled.offer.shortfall !== current.shortfall) writes.push(settled.offer);
    }
  }
  if (writes.length > 0) await putOffers(store, writes, concurrency);
  // Keep the index current (an SQS update or a later chunk may see these offers again).
  for (const offer of writes) {
    const list = offers.get(offer.supplierSku);
    if (list === undefined) continue;
    const position = list.findIndex((o) => o.sku === offer.sku);
    if (position >= 0) list[position] = offer;
  }
}

function headerLabels(header: HeaderResolution | undefined): Partial<Record<FeedField, string>> | undefined {
  if (header === undefined) return undefined;
  return Object.fromEntries(header.columns.map((c) => [c.field, c.header]));
}

function shortfallEvent(supplierId: string, at: string, tally: ApplyTally, source: Record<string, unknown>): SupplierEvent {
  return {
    supplierId,
    at,
    type: 'StockShortfall',
    message: `${tally.shortfalls} offer(s) now have less stock than their reservations hold; reservations are kept`,
    data: { ...source, count: tally.shortfalls, offers: tally.shortfallDetails },
  };
}

// ------------------------------------------------------------------------------------------ files

interface Validation {
  readonly rows: number;
  readonly duplicates: DuplicateTracker;
  readonly collector: ReportCollector;
  readonly reason: string | undefined;
}

/** Pass 1: parse every row; keep counts, capped report entries and supplierSku → last valid row. Needs no offers. */
async function validatePass(source: FeedSource, ctx: RowContext, supplier: Supplier, onProgress: FeedFileInput['onProgress']): Promise<Validation> {
  const collector = new ReportCollector();
  const duplicates = new DuplicateTracker();
  for (const warning of source.header?.warnings ?? []) collector.warn(warning);
  const missing = source.header?.missing ?? [];
  if (missing.length > 0) {
    return { rows: 0, duplicates, collector, reason: quarantineReason({ rows: 0, rejected: 0, missing }, supplier.files?.headerAliases) };
  }
  let rows = 0;
  try {
    for await (const record of source.records()) {
      rows++;
      if (onProgress !== undefined && rows % 1000 === 0) onProgress(rows, 'validate');
      const outcome = parseFeedRow(record.input, record.row, ctx);
      if (!outcome.ok) {
        collector.reject(outcome.rejections);
        continue;
      }
      const superseded = duplicates.see(outcome.change.supplierSku, record.row);
      if (superseded !== undefined) collector.warn(superseded);
    }
  } catch (error) {
    if (!(error instanceof FeedFormatError)) throw error;
    return { rows, duplicates, collector, reason: error.message };
  }
  onProgress?.(rows, 'validate');
  const reason = quarantineReason({ rows, rejected: collector.rejected, threshold: supplier.files?.quarantineThreshold });
  return { rows, duplicates, collector, reason };
}

/** Supplier SKUs of the file no offer maps: counted and warned (on the row that would apply), never errors. */
function countUnmapped(validation: Validation, offers: OfferIndex): number {
  let unmapped = 0;
  for (const [sku, row] of validation.duplicates.entries()) {
    if (offers.has(sku)) continue;
    unmapped++;
    validation.collector.warn({ row, code: 'UNKNOWN_SKU', message: `supplier SKU ${sku.slice(0, 64)} is not mapped to any retailer SKU: row ignored` });
  }
  return unmapped;
}

async function applyPass(
  deps: InventoryDeps,
  source: FeedSource,
  ctx: RowContext,
  offers: OfferIndex,
  validation: Validation,
  at: string,
  onProgress: FeedFileInput['onProgress'],
): Promise<ApplyTally> {
  const tally = new ApplyTally();
  const chunkRows = Math.max(1, deps.tuning?.chunkRows ?? 1000);
  const concurrency = Math.max(1, deps.tuning?.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
  let chunk: OfferChange[] = [];
  // Up to CHUNKS_IN_FLIGHT chunks are written while the next one is parsed; an error is kept and rethrown at the next flush.
  const inflight: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  const flush = async (): Promise<void> => {
    while (inflight.length >= CHUNKS_IN_FLIGHT) await inflight.shift();
    if (failure !== undefined) throw failure.error;
    const changes = chunk;
    chunk = [];
    if (changes.length === 0) return;
    inflight.push(
      applyChanges(deps.store, offers, changes, at, tally, concurrency).catch((error: unknown) => {
        failure ??= { error };
      }),
    );
  };
  let rows = 0;
  for await (const record of source.records()) {
    rows++;
    if (onProgress !== undefined && rows % 1000 === 0) onProgress(rows, 'apply');
    const outcome = parseFeedRow(record.input, record.row, ctx);
    if (!outcome.ok) continue;
    const change = outcome.change;
    if (!validation.duplicates.isLast(change.supplierSku, record.row) || !offers.has(change.supplierSku)) continue;
    chunk.push(change);
    if (chunk.length >= chunkRows) await flush();
  }
  await flush();
  await Promise.all(inflight);
  if (failure !== undefined) throw failure.error;
  onProgress?.(rows, 'apply');
  return tally;
}

function isPreconditionFailed(error: unknown): boolean {
  return error instanceof Error && (error.name === 'PreconditionFailed' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412);
}

/**
 * Apply one feed file (see the module comment). Returns what happened; throws only for failures a
 * retry can fix (the record is then FAILED).
 */
export async function applyFeedFile(deps: FeedDeps, input: FeedFileInput): Promise<FeedFileResult> {
  const started = deps.now();
  const receivedAt = started.toISOString();
  const etag = normalizeEtag(input.etag);
  const ref: FileRef = { supplierId: input.supplierId, kind: 'INVENTORY', bucket: input.bucket, objectKey: input.key, etag };
  const log = { supplierId: input.supplierId, key: input.key, etag };

  const supplier = await getSupplier(deps.store, input.supplierId);
  if (supplier === undefined) {
    await refuseFile(deps, ref, { ok: false, code: 'UNKNOWN_SUPPLIER', message: `supplier ${input.supplierId} does not exist` });
    return { ...ZERO, status: 'REFUSED', reason: 'UNKNOWN_SUPPLIER' };
  }
  const claim = await claimFile(deps.store, ref, started);
  if (!claim.claimed) {
    const status = claim.existing?.status;
    if (status === 'PROCESSING') deps.logger.info('Feed file is being processed by another attempt', log);
    else deps.logger.info('Feed file already applied: nothing to do', { ...log, status });
    return { ...ZERO, status: status === 'PROCESSING' ? 'IN_PROGRESS' : 'ALREADY_PROCESSED', reason: status };
  }

  if (input.objectTime !== undefined && supplier.lastFeedObjectAt !== undefined && input.objectTime < supplier.lastFeedObjectAt) {
    const reason = `a newer feed (stored ${supplier.lastFeedObjectAt}) was already applied`;
    await finishFile(deps.store, claim.record, { status: 'SUPERSEDED', reason }, deps.now());
    deps.metrics.count('FeedFilesSuperseded', 1, input.supplierId);
    deps.logger.warn('Feed file older than the last applied feed: not applied', { ...log, objectTime: input.objectTime, lastFeedObjectAt: supplier.lastFeedObjectAt });
    return { ...ZERO, status: 'SUPERSEDED', reason };
  }

  const format = input.format ?? (/\.json$/i.test(input.key) ? 'json' : 'csv');
  const fileName = fileNameOf(input.key);
  let source: FeedSource | undefined;
  try {
    // The offer map loads while the body is spooled (the validation pass needs both).
    const offersLoading = loadSupplierOffers(deps.store, input.supplierId);
    offersLoading.catch(() => undefined);
    let formatError: string | undefined;
    try {
      source = format === 'json' ? await openJsonSource(input.body, deps.tuning) : await openCsvSource(input.body, deps.tuning, supplier.files);
    } catch (error) {
      await offersLoading.catch(() => undefined);
      if (error instanceof ObjectSuperseded || isPreconditionFailed(error)) {
        await failFile(deps.store, claim.record, 'the object changed after the event (a newer version is processed on its own)', deps.now());
        deps.logger.warn('Feed object superseded before it was read', log);
        return { ...ZERO, status: 'SUPERSEDED' };
      }
      if (!(error instanceof FeedFormatError)) throw error;
      formatError = error.message;
    }
    const ctx: RowContext = { moneyUnits: supplier.files?.moneyUnits ?? 'major', currency: supplier.currency, headers: headerLabels(source?.header) };
    const validation: Validation =
      source === undefined
        ? { rows: 0, duplicates: new DuplicateTracker(), collector: new ReportCollector(), reason: formatError ?? 'unreadable file' }
        : await validatePass(source, ctx, supplier, input.onProgress);
    const offers = await offersLoading;
    const unmapped = countUnmapped(validation, offers);
    const head = { file: { bucket: input.bucket, key: input.key, etag }, supplierId: input.supplierId, kind: 'INVENTORY' as const, receivedAt };

    if (validation.reason !== undefined) {
      return await quarantine(deps, { input, claim: claim.record, supplier, validation, unmapped, head, fileName, reason: validation.reason });
    }

    const tally = await applyPass(deps, source as FeedSource, ctx, offers, validation, receivedAt, input.onProgress);
    const counts: FeedCounts = {
      rows: validation.rows,
      written: tally.written,
      unchanged: tally.unchanged,
      rejected: validation.collector.rejected,
      unmapped,
      duplicates: validation.duplicates.duplicates,
      shortfalls: tally.shortfalls,
    };
    const report = buildFileReport({ ...head, status: 'APPLIED' }, counts, validation.collector);
    const reportKey = hasSomethingToReport(report) ? await writeFileReport(deps.s3, deps.filesBucket, report, fileName) : undefined;
    const finishedAt = deps.now();
    const sourceData = { source: input.source ?? 'file', bucket: input.bucket, key: input.key, etag };
    // Re-read: the stale-feed sweep may have run while a large file was applied.
    let current = (await getSupplier(deps.store, input.supplierId)) ?? supplier;
    for (let attempt = 1; ; attempt++) {
      const items = feedAppliedItems(deps.store, current, finishedAt.toISOString(), { feedKey: input.key, objectAt: input.objectTime, counts, reportKey, tally, sourceData });
      const finished = await finishFile(
        deps.store,
        claim.record,
        { status: 'APPLIED', rows: counts.rows, written: counts.written, unchanged: counts.unchanged, rejected: counts.rejected, unmapped: counts.unmapped, reportKey },
        finishedAt,
        items,
      );
      if (finished.ok) break;
      if (finished.reason === 'lease-lost') {
        deps.logger.warn('Feed file lease lost before its outcome was recorded (another attempt took over)', log);
        break;
      }
      if (attempt >= MAX_FINISH_ATTEMPTS) throw new Error(`Could not record the feed outcome: ${finished.codes?.join(',') ?? 'conflict'}`);
      current = (await getSupplier(deps.store, input.supplierId)) ?? current;
    }
    deps.metrics.count('FeedRowsApplied', counts.written, input.supplierId);
    if (counts.rejected > 0) deps.metrics.count('FeedRowsRejected', counts.rejected, input.supplierId);
    if (counts.shortfalls > 0) deps.metrics.count('StockShortfalls', counts.shortfalls, input.supplierId);
    deps.logger.info('Feed applied', { ...log, ...counts, reportKey, ms: deps.now().getTime() - started.getTime() });
    return { ...counts, status: 'APPLIED', reportKey };
  } catch (error) {
    await failFile(deps.store, claim.record, error instanceof Error ? `${error.name}: ${error.message}` : 'unexpected error', deps.now());
    throw error;
  } finally {
    await source?.close();
  }
}

function feedAppliedItems(
  store: StoreContext,
  supplier: Supplier,
  at: string,
  info: { feedKey?: string | undefined; objectAt?: string | undefined; counts: FeedCounts; reportKey?: string | undefined; tally: ApplyTally; sourceData: Record<string, unknown> },
): TransactItem[] {
  const fresh = supplier.status === 'STALE';
  const { counts } = info;
  const events: SupplierEvent[] = [
    {
      supplierId: supplier.supplierId,
      at,
      type: 'SupplierFeedApplied',
      message: `Inventory feed applied: ${counts.written} of ${counts.rows} rows changed, ${counts.rejected} rejected, ${counts.unmapped} unmapped`,
      data: { ...info.sourceData, rows: counts.rows, written: counts.written, unchanged: counts.unchanged, rejected: counts.rejected, unmapped: counts.unmapped, duplicates: counts.duplicates, reportKey: info.reportKey },
    },
  ];
  if (fresh) {
    events.push({
      supplierId: supplier.supplierId,
      at,
      type: 'SupplierFresh',
      message: 'A good feed arrived: the supplier is ACTIVE again and its offers are sold',
      data: { ...info.sourceData, staleSince: supplier.staleSince },
    });
  }
  if (info.tally.shortfalls > 0) events.push(shortfallEvent(supplier.supplierId, at, info.tally, info.sourceData));
  return [supplierFeedUpdate(store, supplier.supplierId, { at, feedKey: info.feedKey, objectAt: info.objectAt, fresh }), ...supplierEventItems(store, events)];
}

async function quarantine(
  deps: FeedDeps,
  args: {
    input: FeedFileInput;
    claim: SupplierFileRecord;
    supplier: Supplier;
    validation: Validation;
    unmapped: number;
    head: Omit<Parameters<typeof buildFileReport>[0], 'status' | 'reason'>;
    fileName: string;
    reason: string;
  },
): Promise<FeedFileResult> {
  const { input, validation } = args;
  const counts: FeedCounts = { ...ZERO, rows: validation.rows, rejected: validation.collector.rejected, unmapped: args.unmapped, duplicates: validation.duplicates.duplicates };
  const quarantineKey = await quarantineFile(deps.s3, {
    fromBucket: input.bucket,
    fromKey: input.key,
    toBucket: deps.filesBucket,
    supplierId: input.supplierId,
    kind: 'INVENTORY',
    fileName: args.fileName,
  });
  const report: FileReport = buildFileReport({ ...args.head, status: 'QUARANTINED', reason: args.reason }, counts, validation.collector);
  const reportKey = await writeFileReport(deps.s3, deps.filesBucket, report, args.fileName);
  const now = deps.now();
  const event: SupplierEvent = {
    supplierId: input.supplierId,
    at: now.toISOString(),
    type: 'SupplierFeedQuarantined',
    message: `Inventory feed quarantined, nothing applied: ${args.reason}`,
    data: { source: input.source ?? 'file', bucket: input.bucket, key: input.key, etag: args.head.file.etag, reason: args.reason, rows: counts.rows, rejected: counts.rejected, reportKey, quarantineKey },
  };
  const finished = await finishFile(
    deps.store,
    args.claim,
    { status: 'QUARANTINED', rows: counts.rows, written: 0, unchanged: 0, rejected: counts.rejected, unmapped: counts.unmapped, reportKey, reason: args.reason.slice(0, 300) },
    now,
    supplierEventItems(deps.store, [event]),
  );
  if (!finished.ok) deps.logger.warn('Quarantined feed outcome not recorded', { supplierId: input.supplierId, key: input.key, why: finished.reason });
  deps.metrics.count('SupplierFilesQuarantined', 1, input.supplierId);
  if (counts.rejected > 0) deps.metrics.count('FeedRowsRejected', counts.rejected, input.supplierId);
  deps.logger.warn('Feed quarantined', { supplierId: input.supplierId, key: input.key, reason: args.reason, rows: counts.rows, rejected: counts.rejected, reportKey, quarantineKey });
  return { ...counts, status: 'QUARANTINED', reason: args.reason, reportKey, quarantineKey };
}

// ------------------------------------------------------------------------------------------ SQS rows

export interface InventoryRowsOptions {
  /** true = the rows are the supplier's whole catalog: refreshes lastFeedAt (and STALE → ACTIVE) like a feed file. */
  readonly complete?: boolean | undefined;
  /** Where the rows came from, for events and logs (e.g. `{ kind: 'sqs', messageId }`). */
  readonly source: { readonly kind: string; readonly messageId?: string | undefined };
}

export type InventoryRowsOutcome =
  | ({ readonly kind: 'applied'; readonly warnings: readonly FeedWarning[] } & FeedCounts)
  /** Some row cannot be applied (e.g. more decimals than the currency has): nothing was written. */
  | { readonly kind: 'rejected'; readonly issues: readonly FieldIssue[] }
  | { readonly kind: 'unknown-supplier' };

/**
 * Apply INVENTORY_UPDATE rows (already shape-checked by InventoryUpdateMessage) for `supplierId`:
 * all rows or none (a row whose money cannot be converted rejects the message); duplicates: the
 * last row wins; only changed offers are written; shortfalls as for files.
 */
export async function applyInventoryRows(
  deps: InventoryDeps,
  supplierId: string,
  rows: readonly (FeedRow | FeedRowInput)[],
  options: InventoryRowsOptions,
): Promise<InventoryRowsOutcome> {
  const supplier = await getSupplier(deps.store, supplierId);
  if (supplier === undefined) return { kind: 'unknown-supplier' };
  const skus = rows.flatMap((r) => {
    const candidate = (r as { supplierSku?: unknown }).supplierSku;
    return typeof candidate === 'string' ? [candidate.trim()] : [];
  });
  const offers = await loadOffersBySupplierSkus(deps.store, supplierId, skus);
  const ctx: RowContext = { moneyUnits: supplier.files?.moneyUnits ?? 'major', currency: supplier.currency };
  const issues: FieldIssue[] = [];
  const lastBySku = new Map<string, { index: number; change: OfferChange }>();
  const warnings: FeedWarning[] = [];
  let unmapped = 0;
  rows.forEach((row, index) => {
    const outcome = parseFeedRow(row, index + 1, ctx);
    if (!outcome.ok) {
      for (const r of outcome.rejections) issues.push({ path: `rows.${index}.${r.field.split(' ')[0] ?? r.field}`, message: r.reason });
      return;
    }
    const previous = lastBySku.get(outcome.change.supplierSku);
    if (previous !== undefined) warnings.push({ row: previous.index + 1, code: 'DUPLICATE_SKU', message: `superseded by row ${index + 1}` });
    lastBySku.set(outcome.change.supplierSku, { index, change: outcome.change });
  });
  if (issues.length > 0) return { kind: 'rejected', issues };
  const changes: OfferChange[] = [];
  for (const { index, change } of lastBySku.values()) {
    if (offers.has(change.supplierSku)) changes.push(change);
    else {
      unmapped++;
      warnings.push({ row: index + 1, code: 'UNKNOWN_SKU', message: `supplier SKU ${change.supplierSku} is not mapped to any retailer SKU` });
    }
  }
  const at = deps.now().toISOString();
  const tally = new ApplyTally();
  await applyChanges(deps.store, offers, changes, at, tally, deps.tuning?.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
  const counts: FeedCounts = {
    rows: rows.length,
    written: tally.written,
    unchanged: tally.unchanged,
    rejected: 0,
    unmapped,
    duplicates: rows.length - lastBySku.size,
    shortfalls: tally.shortfalls,
  };
  const sourceData = { source: options.source.kind, messageId: options.source.messageId };
  let current = supplier;
  for (let attempt = 1; ; attempt++) {
    const items: TransactItem[] =
      options.complete === true
        ? feedAppliedItems(deps.store, current, at, { counts, tally, sourceData })
        : tally.shortfalls > 0
          ? supplierEventItems(deps.store, [shortfallEvent(supplierId, at, tally, sourceData)])
          : [];
    if (items.length === 0) break;
    const outcome = await writeSupplierItems(deps.store, items);
    if (outcome.ok) break;
    if (attempt >= MAX_FINISH_ATTEMPTS) throw new Error(`Could not record the inventory update: ${outcome.codes.join(',')}`);
    current = (await getSupplier(deps.store, supplierId)) ?? current;
  }
  deps.metrics.count('FeedRowsApplied', counts.written, supplierId);
  if (counts.shortfalls > 0) deps.metrics.count('StockShortfalls', counts.shortfalls, supplierId);
  deps.logger.info('Inventory update applied', { supplierId, ...sourceData, complete: options.complete === true, ...counts });
  return { kind: 'applied', warnings, ...counts };
}

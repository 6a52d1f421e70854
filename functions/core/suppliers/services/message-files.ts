/**
 * Tracking and acknowledgement files from a supplier's inbox (`suppliers/{id}/inbox/tracking/*.csv`,
 * `.../inbox/acknowledgements/*.csv`): each valid row becomes the SQS message a supplier with an API
 * would send (ACCEPTED / REJECTED / SHIPPED, the exact schemas of schemas/supplier-messages.ts), sent
 * to that supplier's INBOUND queue, so the same consumer applies it with the same rules. Rows that
 * cannot be applied go to the rejected-row report in the supplier's outbox instead.
 *
 * Per file, once per (key, ETag) (claimFile / finishFile, store/supplier-files.ts):
 * 1. ownership: the prefix is a configured supplier and the object was not written by another
 *    supplier's access role (else REFUSED, no report);
 * 2. the CSV is read as a stream (csv-parse): header mapped to canonical columns (aliases, case and
 *    spacing ignored; unknown columns are a warning), every row parsed with its zod row schema;
 *    a file without the required columns, unreadable as CSV or too big is QUARANTINED (nothing sent);
 * 3. rows are grouped (tracking: one parcel = fulfillment + tracking number; acknowledgements: one
 *    purchase order), the fulfillment is read and must be this supplier's, the tracking number is
 *    checked for its carrier (domain/tracking.ts), and the message is tried against the fulfillment's
 *    current state with the consumer's own rules (toFulfillmentEvents + applyFulfillmentEvent), so an
 *    over-shipment or a conflicting parcel is reported to the supplier rather than dead-lettered;
 *    a parcel / purchase order is sent whole or not at all (every row of a rejected group is reported);
 * 4. messages go out with SendMessageBatch; messageId = `{trk|ack}-{hash(key, ETag)}-r{row}`, so a
 *    retried file sends the same ids and the consumer's dedupe drops the repeats;
 * 5. the report (when there is something to report) and the final record.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CsvError, parse } from 'csv-parse';
import { z } from 'zod';
import { buildFileReport, clip, hasSomethingToReport, ReportCollector, SpreadsheetRows, type RejectedRow } from '../../inventory/domain/inventory-feed';
import { normalizeCarrier, normalizeTrackingNumber, validateTrackingNumber } from '../domain/tracking';
import { applyFulfillmentEvent } from '../../workflow/domain/fulfillment-events';
import type { SupplierFileKind } from '../domain/supplier';
import {
  ACKNOWLEDGEMENT_HEADER_ALIASES,
  ACKNOWLEDGEMENT_REQUIRED,
  AcknowledgementRow,
  normalizeHeader,
  TRACKING_HEADER_ALIASES,
  TRACKING_REQUIRED,
  TrackingRow,
} from '../schemas/supplier-files';
import { AcceptedMessage, RejectedMessage, ShippedMessage, type SupplierInboundMessage } from '../schemas/supplier-messages';
import type { StoreContext } from '../../runtime/table/context';
import { getFulfillment, parseFulfillmentId, type FulfillmentRecord } from '../../workflow/store/fulfillments';
import { claimFile, failFile, finishFile, normalizeEtag, type FileRef } from '../store/supplier-files';
import { sleep } from '../../runtime/table/transactions';
import {
  checkInboxOwnership,
  decodeS3EventKey,
  headEtag,
  parseInboxKey,
  quarantineFile,
  refuseFile,
  S3ObjectCreatedRecord,
  writeFileReport,
  type FileMetrics,
  type SupplierFilesDirectory,
} from './file-reports';
import { toFulfillmentEvents } from './supplier-inbound';
import type { SupplierDirectory } from './supplier-outbound';
import type { TaskLogger } from '../../workflow/services/workflow-common';

/** Data rows per file; larger files are quarantined (split them). */
export const MAX_MESSAGE_FILE_ROWS = 5_000;
/** Bytes per file; larger files are quarantined without being read. */
export const MAX_MESSAGE_FILE_BYTES = 5 * 1024 * 1024;
/** A ship date this far after the file arrived is refused as "in the future". */
const FUTURE_TOLERANCE_MS = 15 * 60_000;

export interface MessageFileDeps {
  readonly store: StoreContext;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** The supplier files bucket (reports and quarantine copies are written here). */
  readonly bucket: string;
  /** SUPPLIER_QUEUES: where each supplier's inbound queue is. */
  readonly suppliers: SupplierDirectory;
  /** SUPPLIER_FILES: which suppliers may drop files, and their access roles. */
  readonly supplierFiles: SupplierFilesDirectory;
  readonly now: () => Date;
  readonly logger: TaskLogger;
  readonly metrics: FileMetrics;
}

export interface MessageFileInput {
  readonly bucket: string;
  /** Decoded object key. */
  readonly key: string;
  readonly etag: string;
  readonly size?: number | undefined;
  /** `userIdentity.principalId` of the S3 event (who wrote the object). */
  readonly principalId?: string | undefined;
  /** When the object was written (S3 event time, ISO): the time of acknowledgements. */
  readonly receivedAt?: string | undefined;
}

export interface MessageFileOutcome {
  readonly status: 'APPLIED' | 'QUARANTINED' | 'REFUSED' | 'FAILED' | 'IGNORED' | 'REPLAY' | 'BUSY';
  readonly rows?: number | undefined;
  readonly messages?: number | undefined;
  readonly rejected?: number | undefined;
  readonly reportKey?: string | undefined;
  readonly reason?: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading the CSV

interface FileSpec<C extends string> {
  readonly aliases: Readonly<Record<C, readonly string[]>>;
  readonly required: readonly C[];
}

interface CsvRow<C extends string> {
  readonly row: number;
  readonly cells: Partial<Record<C, string>>;
}

type ReadResult<C extends string> =
  | { readonly ok: true; readonly rows: readonly CsvRow<C>[]; readonly headers: Partial<Record<C, string>> }
  | { readonly ok: false; readonly reason: string };

type Chunks = AsyncIterable<Uint8Array | string>;

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

function label<C extends string>(column: string, headers: Partial<Record<C, string>>): string {
  const header = headers[column as C];
  return header === undefined || header === column ? column : `${column} (${header})`;
}

function rowRejections<C extends string>(error: z.ZodError, row: CsvRow<C>, headers: Partial<Record<C, string>>): RejectedRow[] {
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

// ---------------------------------------------------------------------------------------------
// Rows → messages

interface Group<R> {
  readonly fulfillmentId: string;
  readonly rows: readonly { readonly row: number; readonly data: R; readonly cells: Partial<Record<string, string>> }[];
}

export interface PlannedMessage {
  readonly message: SupplierInboundMessage;
  readonly rows: readonly number[];
}

/** `{trk|ack}-{first 20 hex of sha256(key, ETag)}-r{row}`: the same file always yields the same ids. */
export function fileMessageId(kind: SupplierFileKind, key: string, etag: string, row: number): string {
  const hash = createHash('sha256').update(`${key}\n${normalizeEtag(etag)}`).digest('hex').slice(0, 20);
  return `${kind === 'TRACKING' ? 'trk' : 'ack'}-${hash}-r${row}`;
}

/** Why a group of rows cannot be applied, with the column to blame. */
interface GroupProblem {
  readonly field: string;
  readonly reason: string;
}

const NOT_YOURS = 'is not one of your purchase orders (no purchase order with this number was sent to you)';

const FIELD_BY_CODE: Readonly<Record<string, string>> = {
  UNKNOWN_LINE: 'line_no',
  OVER_SHIPPED: 'quantity',
  TRACKING_CONFLICT: 'tracking_number',
  INVALID_TRACKING_NUMBER: 'tracking_number',
  INVALID_EVENT: '(row)',
};

/** Plain-language reasons for the consumer's codes (the report speaks to the supplier). */
const REASON_BY_CODE: Readonly<Record<string, string>> = {
  UNKNOWN_LINE: 'names a line that is not in the purchase order',
  OVER_SHIPPED: 'ships more units than the purchase order holds',
  TRACKING_CONFLICT: 'this tracking number was already reported with other lines or another carrier',
  ALREADY_SHIPPED: 'cannot reject: goods were already shipped',
  ACCEPTED_AFTER_CLOSE: 'the purchase order was cancelled or rejected: do not ship it (see the cancellation in your outbox)',
  GOODS_MOVED_AFTER_CLOSE: 'the purchase order was cancelled or rejected: do not ship it (see the cancellation in your outbox)',
};

/** Try the message against the fulfillment's state with the consumer's own rules; the state after it, or the problem. */
function dryRun(
  message: SupplierInboundMessage,
  state: FulfillmentRecord,
  statusField: string,
): { readonly ok: true; readonly state: FulfillmentRecord } | { readonly ok: false; readonly problem: GroupProblem } {
  let events: ReturnType<typeof toFulfillmentEvents>;
  try {
    events = toFulfillmentEvents(message, state);
  } catch (error) {
    const code = typeof (error as { code?: unknown }).code === 'string' ? String((error as { code: string }).code) : 'INVALID_EVENT';
    const detail = error instanceof Error ? error.message : 'cannot be applied';
    return { ok: false, problem: { field: FIELD_BY_CODE[code] ?? '(row)', reason: `${REASON_BY_CODE[code] ?? 'cannot be applied'} (${code}: ${detail})` } };
  }
  let next = state;
  for (const event of events) {
    const result = applyFulfillmentEvent(next, event);
    if (result.outcome === 'invalid') {
      const field = FIELD_BY_CODE[result.reason] ?? (message.type === 'SHIPPED' ? 'fulfillment_id' : statusField);
      return { ok: false, problem: { field, reason: `${REASON_BY_CODE[result.reason] ?? 'cannot be applied'} (${result.reason}: ${result.detail})` } };
    }
    if (result.outcome === 'applied') next = { ...next, ...result.state };
  }
  return { ok: true, state: next };
}

interface PlanContext {
  readonly supplierId: string;
  readonly kind: SupplierFileKind;
  readonly key: string;
  readonly etag: string;
  readonly receivedAt: Date;
  readonly collector: ReportCollector;
  readonly headers: Partial<Record<string, string>>;
  /** The fulfillment, or undefined when it does not exist. */
  readonly lookup: (fulfillmentId: string) => Promise<FulfillmentRecord | undefined>;
  readonly onForeign: (fulfillmentId: string) => void;
}

function rejectGroup<R>(ctx: PlanContext, group: Group<R>, problem: GroupProblem): void {
  for (const r of group.rows) {
    const column = problem.field.replace(/ .*$/, '');
    const value = r.cells[column];
    ctx.collector.reject([{ row: r.row, field: label(problem.field, ctx.headers), reason: problem.reason, ...(value === undefined ? {} : { value: clip(value) }) }]);
  }
}

/**
 * The common end of both planners: a candidate message that failed its schema, or that the consumer's
 * own rules would refuse (dry run against the fulfillment), rejects its whole group; otherwise it is
 * planned and the fulfillment's state after it is returned (later groups of the purchase order build on it).
 */
function planGroup<R extends { readonly line_no?: number | undefined }>(
  ctx: PlanContext,
  group: Group<R>,
  candidate:
    | { readonly success: true; readonly data: SupplierInboundMessage }
    | { readonly success: false; readonly error: { readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[] } },
  record: FulfillmentRecord,
  statusField: string,
  planned: PlannedMessage[],
): FulfillmentRecord | undefined {
  if (!candidate.success) {
    rejectGroup(ctx, group, { field: '(row)', reason: candidate.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    return undefined;
  }
  const tried = dryRun(candidate.data, record, statusField);
  if (!tried.ok) {
    const field = tried.problem.field === 'line_no' && group.rows[0]?.data.line_no === undefined ? 'supplier_sku' : tried.problem.field;
    rejectGroup(ctx, group, { ...tried.problem, field });
    return undefined;
  }
  planned.push({ message: candidate.data, rows: group.rows.map((r) => r.row) });
  return tried.state;
}

function groupBy<R>(rows: readonly { row: number; data: R; cells: Partial<Record<string, string>> }[], keyOf: (data: R) => string, fulfillmentOf: (data: R) => string): Group<R>[] {
  const groups = new Map<string, { fulfillmentId: string; rows: { row: number; data: R; cells: Partial<Record<string, string>> }[] }>();
  for (const r of rows) {
    const key = keyOf(r.data);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { fulfillmentId: fulfillmentOf(r.data), rows: [r] });
    else group.rows.push(r);
  }
  return [...groups.values()];
}

/** The group's fulfillment when it is this supplier's; otherwise the group is rejected. */
async function ownFulfillment<R>(ctx: PlanContext, group: Group<R>, states: Map<string, FulfillmentRecord>): Promise<FulfillmentRecord | undefined> {
  const known = states.get(group.fulfillmentId);
  if (known !== undefined) return known;
  const record = parseFulfillmentId(group.fulfillmentId) === undefined ? undefined : await ctx.lookup(group.fulfillmentId);
  if (record === undefined || record.supplierId !== ctx.supplierId) {
    if (record !== undefined) ctx.onForeign(group.fulfillmentId);
    rejectGroup(ctx, group, { field: 'fulfillment_id', reason: NOT_YOURS });
    return undefined;
  }
  states.set(group.fulfillmentId, record);
  return record;
}

/**
 * `ship_date` → occurredAt: a timestamp as given; a date at 12:00 UTC, but not before the purchase
 * order was accepted (or dispatched) that day and not after the file arrived.
 */
function shipInstant(value: string | undefined, receivedAt: Date, notBefore: string | undefined): { ok: true; at: string } | { ok: false; reason: string } {
  if (value === undefined) return { ok: true, at: receivedAt.toISOString() };
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    if (value > new Date(receivedAt.getTime() + 14 * 3_600_000).toISOString().slice(0, 10)) return { ok: false, reason: 'is in the future' };
    let at = new Date(`${value}T12:00:00Z`).getTime();
    if (notBefore !== undefined && notBefore.slice(0, 10) === value) at = Math.max(at, Date.parse(notBefore));
    return { ok: true, at: new Date(Math.min(at, receivedAt.getTime())).toISOString() };
  }
  const at = new Date(value);
  if (at.getTime() > receivedAt.getTime() + FUTURE_TOLERANCE_MS) return { ok: false, reason: 'is in the future' };
  return { ok: true, at: value };
}

/** Tracking rows → one SHIPPED message per parcel (fulfillment + tracking number). */
export async function planTracking(rows: readonly CsvRow<string>[], ctx: PlanContext): Promise<PlannedMessage[]> {
  const valid: { row: number; data: TrackingRow; cells: Partial<Record<string, string>> }[] = [];
  for (const r of rows) {
    const parsed = TrackingRow.safeParse(r.cells);
    if (parsed.success) valid.push({ row: r.row, data: parsed.data, cells: r.cells });
    else ctx.collector.reject(rowRejections(parsed.error, r, ctx.headers));
  }
  const groups = groupBy(valid, (d) => `${d.fulfillment_id}\u0000${normalizeTrackingNumber(d.tracking_number)}`, (d) => d.fulfillment_id);
  const states = new Map<string, FulfillmentRecord>();
  const planned: PlannedMessage[] = [];
  for (const group of groups) {
    const first = group.rows[0];
    if (first === undefined) continue;
    const record = await ownFulfillment(ctx, group, states);
    if (record === undefined) continue;
    const carriers = new Set(group.rows.map((r) => normalizeCarrier(r.data.carrier) ?? r.data.carrier.toLowerCase()));
    if (carriers.size > 1) {
      rejectGroup(ctx, group, { field: 'carrier', reason: `the rows of parcel ${normalizeTrackingNumber(first.data.tracking_number)} name different carriers` });
      continue;
    }
    const tracking = validateTrackingNumber(first.data.tracking_number, first.data.carrier);
    if (!tracking.valid) {
      rejectGroup(ctx, group, { field: 'tracking_number', reason: `is not a valid ${first.data.carrier} tracking number (${tracking.reason}: ${tracking.message})` });
      continue;
    }
    const dates = group.rows.map((r) => r.data.ship_date).filter((d): d is string => d !== undefined).sort();
    const when = shipInstant(dates[0], ctx.receivedAt, record.acceptedAt ?? record.dispatchedAt);
    if (!when.ok) {
      rejectGroup(ctx, group, { field: 'ship_date', reason: when.reason });
      continue;
    }
    if (new Set(dates).size > 1) {
      ctx.collector.warn({ row: first.row, code: 'SHIP_DATE_MISMATCH', message: `parcel ${tracking.trackingNumber} has several ship dates: the earliest (${dates[0] ?? ''}) is used` });
    }
    const candidate = ShippedMessage.safeParse({
      type: 'SHIPPED',
      messageId: fileMessageId(ctx.kind, ctx.key, ctx.etag, first.row),
      fulfillmentId: group.fulfillmentId,
      occurredAt: when.at,
      carrier: first.data.carrier,
      trackingNumber: first.data.tracking_number,
      lines: group.rows.map((r) => ({
        ...(r.data.line_no === undefined ? {} : { lineNo: r.data.line_no }),
        ...(r.data.supplier_sku === undefined ? {} : { supplierSku: r.data.supplier_sku }),
        quantity: r.data.quantity,
      })),
    });
    const next = planGroup(ctx, group, candidate, record, 'fulfillment_id', planned);
    if (next !== undefined) states.set(group.fulfillmentId, next);
  }
  return planned;
}

/** Acknowledgement rows → one ACCEPTED or REJECTED message per purchase order. */
export async function planAcknowledgements(rows: readonly CsvRow<string>[], ctx: PlanContext): Promise<PlannedMessage[]> {
  const valid: { row: number; data: AcknowledgementRow; cells: Partial<Record<string, string>> }[] = [];
  for (const r of rows) {
    const parsed = AcknowledgementRow.safeParse(r.cells);
    if (parsed.success) valid.push({ row: r.row, data: parsed.data, cells: r.cells });
    else ctx.collector.reject(rowRejections(parsed.error, r, ctx.headers));
  }
  const groups = groupBy(valid, (d) => d.fulfillment_id, (d) => d.fulfillment_id);
  const states = new Map<string, FulfillmentRecord>();
  const planned: PlannedMessage[] = [];
  const occurredAt = ctx.receivedAt.toISOString();
  for (const group of groups) {
    const first = group.rows[0];
    if (first === undefined) continue;
    const record = await ownFulfillment(ctx, group, states);
    if (record === undefined) continue;
    if (new Set(group.rows.map((r) => r.data.status)).size > 1) {
      rejectGroup(ctx, group, { field: 'status', reason: 'the file both accepts and rejects this purchase order: send one answer' });
      continue;
    }
    const messageId = fileMessageId(ctx.kind, ctx.key, ctx.etag, first.row);
    let candidate: ReturnType<typeof AcceptedMessage.safeParse> | ReturnType<typeof RejectedMessage.safeParse>;
    if (first.data.status === 'ACCEPTED') {
      const dates = [...new Set(group.rows.map((r) => r.data.estimated_ship_date).filter((d): d is string => d !== undefined))];
      if (dates.length > 1) {
        ctx.collector.warn({ row: first.row, code: 'SHIP_DATE_MISMATCH', message: `several estimated ship dates for ${group.fulfillmentId}: ${dates[0] ?? ''} is used` });
      }
      candidate = AcceptedMessage.safeParse({
        type: 'ACCEPTED',
        messageId,
        fulfillmentId: group.fulfillmentId,
        occurredAt,
        ...(dates[0] === undefined ? {} : { estimatedShipDate: dates[0] }),
      });
    } else {
      // A REJECTED row without a line rejects the whole purchase order (every line, with that row's reason).
      const whole = group.rows.find((r) => r.data.line_no === undefined && r.data.supplier_sku === undefined);
      const lines = whole !== undefined
        ? record.purchaseLines.map((l) => ({
            lineNo: l.lineNo,
            reason: whole.data.reason ?? 'OTHER',
            ...(whole.data.message === undefined ? {} : { message: whole.data.message }),
          }))
        : group.rows.map((r) => ({
            ...(r.data.line_no === undefined ? {} : { lineNo: r.data.line_no }),
            ...(r.data.supplier_sku === undefined ? {} : { supplierSku: r.data.supplier_sku }),
            reason: r.data.reason ?? 'OTHER',
            ...(r.data.message === undefined ? {} : { message: r.data.message }),
          }));
      candidate = RejectedMessage.safeParse({ type: 'REJECTED', messageId, fulfillmentId: group.fulfillmentId, occurredAt, lines });
    }
    const next = planGroup(ctx, group, candidate, record, 'status', planned);
    if (next !== undefined) states.set(group.fulfillmentId, next);
  }
  return planned;
}

// ---------------------------------------------------------------------------------------------
// Sending

/** SendMessageBatch (10 per call); entries SQS reports as failed are retried, then the file fails (and is retried whole). */
export async function sendToInbound(sqs: SQSClient, queueUrl: string, messages: readonly SupplierInboundMessage[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    let pending = messages.slice(start, start + 10).map((message, i) => ({
      Id: `m${start + i}`,
      MessageBody: JSON.stringify(message),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: message.type },
        fulfillmentId: { DataType: 'String', StringValue: message.fulfillmentId },
      },
    }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      pending = pending.filter((entry) => failed.has(entry.Id));
      if (pending.length === 0) break;
      if (attempt >= 4) throw new Error(`SendMessageBatch left ${pending.length} messages unsent (${(result.Failed ?? []).map((f) => f.Code).join(', ')})`);
      await sleep(50 * 2 ** attempt);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One file

export async function processMessageFile(deps: MessageFileDeps, input: MessageFileInput): Promise<MessageFileOutcome> {
  const inbox = parseInboxKey(input.key);
  if (inbox === undefined || (inbox.kind !== 'TRACKING' && inbox.kind !== 'ACKNOWLEDGEMENT')) {
    deps.logger.warn('Not a tracking or acknowledgement file: ignored', { key: input.key });
    return { status: 'IGNORED', reason: 'not a tracking or acknowledgement inbox key' };
  }
  const { supplierId, kind, fileName } = inbox;
  const ref: FileRef = { supplierId, kind, bucket: input.bucket, objectKey: input.key, etag: normalizeEtag(input.etag) };
  const log = { supplierId, kind, key: input.key, etag: ref.etag };

  const ownership = checkInboxOwnership(deps.supplierFiles, supplierId, input.principalId);
  if (!ownership.ok) {
    await refuseFile(deps, ref, ownership);
    return { status: 'REFUSED', reason: ownership.code };
  }

  const now = deps.now();
  const claim = await claimFile(deps.store, ref, now);
  if (!claim.claimed) {
    const status = claim.existing?.status;
    deps.logger.info(status === 'PROCESSING' ? 'File is being processed by another attempt' : 'File already applied: nothing to do', { ...log, status });
    return { status: status === 'PROCESSING' ? 'BUSY' : 'REPLAY' };
  }
  const receivedAt = input.receivedAt === undefined || Number.isNaN(Date.parse(input.receivedAt)) ? now : new Date(input.receivedAt);
  const collector = new ReportCollector();
  const head = { file: { bucket: input.bucket, key: input.key, etag: ref.etag }, supplierId, kind, receivedAt: receivedAt.toISOString() };

  try {
    const queue = deps.suppliers.bySupplierId(supplierId);
    if (queue === undefined) {
      deps.logger.error('Supplier has no inbound queue (SUPPLIER_QUEUES): file not applied', log);
      await finishFile(deps.store, claim.record, { status: 'FAILED', reason: 'the supplier has no inbound queue configured' }, deps.now());
      return { status: 'FAILED', reason: 'no inbound queue' };
    }

    const quarantine = async (reason: string, rows = 0): Promise<MessageFileOutcome> => {
      const report = buildFileReport({ ...head, status: 'QUARANTINED', reason }, { rows, written: 0, unchanged: 0, unmapped: 0 }, collector);
      const copyKey = await quarantineFile(deps.s3, { fromBucket: input.bucket, fromKey: input.key, toBucket: deps.bucket, supplierId, kind, fileName });
      const reportKey = await writeFileReport(deps.s3, deps.bucket, report, fileName);
      await finishFile(deps.store, claim.record, { status: 'QUARANTINED', rows, written: 0, rejected: report.rejected, reportKey, reason }, deps.now());
      deps.metrics.count('SupplierFilesQuarantined', 1, supplierId);
      deps.logger.warn('Supplier file quarantined', { ...log, reason, quarantineKey: copyKey });
      return { status: 'QUARANTINED', rows, messages: 0, rejected: report.rejected, reportKey, reason };
    };

    if (input.size !== undefined && input.size > MAX_MESSAGE_FILE_BYTES) return await quarantine(`larger than ${MAX_MESSAGE_FILE_BYTES} bytes: split the file`);

    const object = await deps.s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: input.key, IfMatch: `"${ref.etag}"` }));
    if (object.Body === undefined) throw new Error('GetObject returned no body');
    const spec = kind === 'TRACKING'
      ? { aliases: TRACKING_HEADER_ALIASES as Readonly<Record<string, readonly string[]>>, required: TRACKING_REQUIRED as readonly string[] }
      : { aliases: ACKNOWLEDGEMENT_HEADER_ALIASES as Readonly<Record<string, readonly string[]>>, required: ACKNOWLEDGEMENT_REQUIRED as readonly string[] };
    const read = await readMessageCsv(object.Body as unknown as Chunks, spec, collector);
    if (!read.ok) return await quarantine(read.reason);

    const cache = new Map<string, Promise<FulfillmentRecord | undefined>>();
    const ctx: PlanContext = {
      supplierId,
      kind,
      key: input.key,
      etag: ref.etag,
      receivedAt,
      collector,
      headers: read.headers,
      lookup: (fulfillmentId) => {
        let found = cache.get(fulfillmentId);
        if (found === undefined) {
          const parsed = parseFulfillmentId(fulfillmentId);
          found = parsed === undefined ? Promise.resolve(undefined) : getFulfillment(deps.store, parsed.orderId, fulfillmentId);
          cache.set(fulfillmentId, found);
        }
        return found;
      },
      onForeign: (fulfillmentId) => {
        deps.metrics.count('SupplierMismatch', 1, supplierId);
        deps.logger.warn("Supplier file names another supplier's fulfillment", { ...log, fulfillmentId });
      },
    };
    const planned = kind === 'TRACKING' ? await planTracking(read.rows, ctx) : await planAcknowledgements(read.rows, ctx);
    await sendToInbound(deps.sqs, queue.inboundQueueUrl, planned.map((p) => p.message));

    const written = planned.reduce((n, p) => n + p.rows.length, 0);
    const report = buildFileReport({ ...head, status: 'APPLIED' }, { rows: read.rows.length, written, unchanged: 0, unmapped: 0 }, collector);
    const reportKey = hasSomethingToReport(report) ? await writeFileReport(deps.s3, deps.bucket, report, fileName) : undefined;
    const finished = await finishFile(
      deps.store,
      claim.record,
      { status: 'APPLIED', rows: read.rows.length, written, unchanged: 0, rejected: report.rejected, unmapped: 0, reportKey },
      deps.now(),
    );
    if (!finished.ok) deps.logger.warn('File outcome not recorded: the lease was taken over', log);
    if (report.rejected > 0) deps.metrics.count('FeedRowsRejected', report.rejected, supplierId);
    deps.metrics.count('SupplierFileMessagesSent', planned.length, supplierId);
    deps.logger.info('Supplier file applied', { ...log, rows: read.rows.length, messages: planned.length, rejected: report.rejected, reportKey });
    return { status: 'APPLIED', rows: read.rows.length, messages: planned.length, rejected: report.rejected, reportKey };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    if (name === 'PreconditionFailed') {
      // The object was replaced before it could be read: its new version has an event of its own.
      await finishFile(deps.store, claim.record, { status: 'FAILED', reason: 'the object was replaced before it was read' }, deps.now());
      deps.logger.warn('File replaced before it was read: skipped', log);
      return { status: 'FAILED', reason: 'replaced' };
    }
    await failFile(deps.store, claim.record, `${name}: ${error instanceof Error ? error.message : 'unknown'}`, deps.now());
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The S3 event (functions/suppliers/message-file.ts)

/** Records are parsed one by one (S3ObjectCreatedRecord): one that is not an ObjectCreated record is ignored. */
const S3Event = z.object({ Records: z.array(z.unknown()).default([]) });

/**
 * Every record of an S3 event notification, in order (key decoded: `+` = space). A record that fails
 * unexpectedly fails the whole invocation after the others were processed, so Lambda's asynchronous
 * retry runs the event again (files already applied are replays and change nothing).
 */
export async function handleMessageFileEvent(event: unknown, deps: MessageFileDeps): Promise<MessageFileOutcome[]> {
  const { Records } = S3Event.parse(event);
  const outcomes: MessageFileOutcome[] = [];
  let failure: unknown;
  for (const raw of Records) {
    const parsed = S3ObjectCreatedRecord.safeParse(raw);
    if (!parsed.success || (parsed.data.eventName !== undefined && !parsed.data.eventName.startsWith('ObjectCreated'))) {
      deps.logger.warn('Not an S3 ObjectCreated record: ignored', { eventName: parsed.success ? parsed.data.eventName : undefined });
      outcomes.push({ status: 'IGNORED', reason: 'not an ObjectCreated record' });
      continue;
    }
    const record = parsed.data;
    const bucket = record.s3.bucket.name;
    const key = decodeS3EventKey(record.s3.object.key);
    try {
      const fromEvent = record.s3.object.eTag;
      const etag = fromEvent === undefined || normalizeEtag(fromEvent) === '' ? await headEtag(deps.s3, bucket, key) : fromEvent;
      outcomes.push(
        await processMessageFile(deps, { bucket, key, etag, size: record.s3.object.size, principalId: record.userIdentity?.principalId, receivedAt: record.eventTime }),
      );
    } catch (error) {
      deps.logger.error('Supplier file failed', { key, errorName: error instanceof Error ? error.name : 'unknown', errorMessage: error instanceof Error ? error.message : '' });
      outcomes.push({ status: 'FAILED', reason: error instanceof Error ? error.name : 'unknown' });
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
  return outcomes;
}

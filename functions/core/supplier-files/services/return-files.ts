/**
 * Return answers as files (`suppliers/{id}/inbox/returns/<name>.csv`, docs/supplier-files.md "Returns"): the
 * rows of a file already read by suppliers/services/message-files.ts (same lifecycle as tracking files: once per
 * key and ETag, ownership, quarantine, report) become RETURN_AUTHORIZED / RETURN_REJECTED / RETURN_SHIPPED /
 * RETURN_RECEIVED messages, each applied through the SAME service as the supplier's inbound queue
 * (suppliers/services/return-messages.ts applyReturnMessage, injected as `applyReturn`), in the file's row order.
 *
 * Why not through the inbound queue like tracking rows: a return's steps are strictly ordered (AUTHORIZED before
 * SHIPPED before RECEIVED) and the inbound queues are standard queues (no order), so a file carrying two steps
 * of one return would see the second dead-lettered half of the time. Applied in order here, the service's answer
 * for each message is known, so every refusal lands in the rejected-row report instead of a DLQ.
 *
 * Per group (one return and one status; RECEIVED: one row per line, or one row without a line for all): the
 * return must be the supplier's own (another supplier's return id → "not one of your returns", nothing
 * revealed); a group is applied whole or not at all; messageId = `rtn-{hash(key, ETag)}-r{first row}`, so a file
 * retried after a failure applies nothing twice, and a re-dropped copy under another name is stale for every
 * return it already moved (a warning, not a rejection).
 */
import { createHash } from 'node:crypto';
import { clip } from '../../inventory/domain/feed-rows';
import type { ReportCollector } from '../../inventory/domain/file-report';
import type { StoreContext } from '../../runtime/table/context';
import { parseReturnId, type ReturnCondition, type ReturnRecord } from '../../returns/domain/returns';
import { getReturn } from '../../returns/store/returns';
import { validateTrackingNumber } from '../../suppliers/domain/tracking';
import { ReturnAuthorizedMessage, ReturnReceivedMessage, ReturnRejectedMessage, ReturnShippedMessage, type ReturnMessage } from '../../suppliers/schemas/supplier-messages';
import { normalizeEtag } from '../../suppliers/store/supplier-files';
import type { FileMetrics } from '../../suppliers/services/file-reports';
import { type CsvRow, label, rowRejections } from '../../suppliers/services/message-csv';
import type { InboundOutcome } from '../../suppliers/services/supplier-inbound';
import type { TaskLogger } from '../../workflow/services/workflow-common';
import { ReturnFileRow } from '../schemas/return-files';

/** Applies one return message exactly as the inbound consumer does (return-messages.ts applyReturnMessage). */
export type ApplyReturn = (supplierId: string, message: ReturnMessage) => Promise<InboundOutcome>;

export interface ReturnRowsDeps {
  readonly store: StoreContext;
  readonly applyReturn: ApplyReturn;
  readonly logger: TaskLogger;
  readonly metrics: FileMetrics;
}

export interface ReturnRowsContext {
  readonly supplierId: string;
  readonly key: string;
  readonly etag: string;
  readonly receivedAt: Date;
  readonly collector: ReportCollector;
  readonly headers: Partial<Record<string, string>>;
}

/** A timestamp this far after the file arrived is refused as "in the future" (clock skew). */
const FUTURE_TOLERANCE_MS = 15 * 60_000;
const NOT_YOURS = 'is not one of your returns (no return request with this id was sent to you)';

type Valid = { readonly row: number; readonly data: ReturnFileRow; readonly cells: Partial<Record<string, string>> };
interface Group {
  readonly returnId: string;
  readonly status: ReturnFileRow['status'];
  readonly rows: Valid[];
}

/** `rtn-{first 20 hex of sha256(key, ETag)}-r{row}`: the same file always yields the same ids. */
export function returnFileMessageId(key: string, etag: string, row: number): string {
  return `rtn-${createHash('sha256').update(`${key}\n${normalizeEtag(etag)}`).digest('hex').slice(0, 20)}-r${row}`;
}

function reject(ctx: ReturnRowsContext, rows: readonly Valid[], field: string, reason: string): void {
  for (const r of rows) {
    const value = r.cells[field];
    ctx.collector.reject([{ row: r.row, field: label(field, ctx.headers), reason, ...(value === undefined ? {} : { value: clip(value) }) }]);
  }
}

/** `date` → occurredAt: a date at 12:00 UTC (not after the file arrived), a timestamp as given; never in the future. */
function occurredAt(date: string | undefined, receivedAt: Date): { ok: true; at: string } | { ok: false } {
  if (date === undefined) return { ok: true, at: receivedAt.toISOString() };
  if (/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    if (date > new Date(receivedAt.getTime() + 14 * 3_600_000).toISOString().slice(0, 10)) return { ok: false };
    return { ok: true, at: new Date(Math.min(Date.parse(`${date}T12:00:00Z`), receivedAt.getTime())).toISOString() };
  }
  return Date.parse(date) > receivedAt.getTime() + FUTURE_TOLERANCE_MS ? { ok: false } : { ok: true, at: date };
}

/** RECEIVED rows → the condition of every line of the return, or the problem (field, reason). */
function receivedLines(record: ReturnRecord, rows: readonly Valid[]): { ok: true; lines: { lineNo: number; condition: ReturnCondition }[] } | { ok: false; field: string; reason: string } {
  const conditions = new Map<number, ReturnCondition>();
  let whole: ReturnCondition | undefined;
  for (const { data } of rows) {
    const condition = data.condition;
    if (condition === undefined) return { ok: false, field: 'condition', reason: 'is required for RECEIVED (the condition of the line)' };
    if (data.line_no === undefined && data.supplier_sku === undefined) {
      if (whole !== undefined && whole !== condition) return { ok: false, field: 'condition', reason: 'two rows without a line give different conditions: name the line of each' };
      whole = condition;
      continue;
    }
    const line = record.lines.find((l) => (data.line_no === undefined || l.lineNo === data.line_no) && (data.supplier_sku === undefined || l.supplierSku.toLowerCase() === data.supplier_sku.toLowerCase()));
    if (line === undefined) return { ok: false, field: data.line_no === undefined ? 'supplier_sku' : 'line_no', reason: 'names a line that is not in the return request' };
    const before = conditions.get(line.lineNo);
    if (before !== undefined && before !== condition) return { ok: false, field: 'condition', reason: `line ${line.lineNo} is given two different conditions` };
    conditions.set(line.lineNo, condition);
  }
  const lines: { lineNo: number; condition: ReturnCondition }[] = [];
  for (const l of record.lines) {
    const condition = conditions.get(l.lineNo) ?? whole;
    if (condition === undefined) return { ok: false, field: 'line_no', reason: `line ${l.lineNo} of the return has no condition: one row per returned line, or one row without a line for all of them` };
    lines.push({ lineNo: l.lineNo, condition });
  }
  return { ok: true, lines };
}

/** The candidate message of a group (parsed with the inbound queue's own schema), or the problem. */
function messageOf(ctx: ReturnRowsContext, group: Group, record: ReturnRecord): { ok: true; message: ReturnMessage } | { ok: false; field: string; reason: string } {
  const first = group.rows[0];
  if (first === undefined) return { ok: false, field: 'return_id', reason: 'no rows' };
  const d = first.data;
  const when = occurredAt(d.date, ctx.receivedAt);
  if (!when.ok) return { ok: false, field: 'date', reason: 'is in the future' };
  const base = { messageId: returnFileMessageId(ctx.key, ctx.etag, first.row), fulfillmentId: record.fulfillmentId, occurredAt: when.at, returnId: group.returnId };
  const opt = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> => (value === undefined ? {} : ({ [key]: value } as Record<K, string>));
  let parsed: { success: true; data: ReturnMessage } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
  switch (group.status) {
    case 'RETURN_AUTHORIZED':
      parsed = ReturnAuthorizedMessage.safeParse({
        type: group.status,
        ...base,
        rma: d.rma,
        returnAddress: { name: d.return_name, line1: d.return_line1, ...opt('line2', d.return_line2), city: d.return_city, postcode: d.return_postcode, country: d.return_country },
        ...opt('instructions', d.instructions),
        ...opt('labelRef', d.label_ref),
      });
      break;
    case 'RETURN_REJECTED':
      parsed = ReturnRejectedMessage.safeParse({ type: group.status, ...base, reason: d.reason ?? 'OTHER', ...opt('message', d.message) });
      break;
    case 'RETURN_SHIPPED': {
      const tracking = validateTrackingNumber(d.tracking_number ?? '', d.carrier ?? '');
      if (!tracking.valid) return { ok: false, field: 'tracking_number', reason: `is not a valid ${d.carrier ?? ''} tracking number (${tracking.reason}: ${tracking.message})` };
      parsed = ReturnShippedMessage.safeParse({ type: group.status, ...base, carrier: d.carrier, trackingNumber: d.tracking_number });
      break;
    }
    case 'RETURN_RECEIVED': {
      const lines = receivedLines(record, group.rows);
      if (!lines.ok) return lines;
      parsed = ReturnReceivedMessage.safeParse({ type: group.status, ...base, lines: lines.lines });
      break;
    }
  }
  if (!parsed.success) return { ok: false, field: '(row)', reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { ok: true, message: parsed.data };
}

/** The service's refusal, in the supplier's words, with the column to blame. */
function refusal(outcome: Extract<InboundOutcome, { kind: 'poison' }>): { field: string; reason: string } {
  switch (outcome.code) {
    case 'INVALID_TRACKING_NUMBER':
      return { field: 'tracking_number', reason: `is not a valid tracking number (${outcome.message})` };
    case 'UNKNOWN_LINE':
      return { field: 'line_no', reason: outcome.message };
    case 'SUPPLIER_MISMATCH':
      return { field: 'return_id', reason: NOT_YOURS };
    default:
      return { field: 'status', reason: `cannot be applied to this return now (${outcome.code}: ${outcome.message})` };
  }
}

function groupRows(valid: readonly Valid[]): Group[] {
  const groups = new Map<string, Group>();
  for (const r of valid) {
    const key = `${r.data.return_id}\u0000${r.data.status}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { returnId: r.data.return_id, status: r.data.status, rows: [r] });
    else group.rows.push(r);
  }
  return [...groups.values()];
}

// Long: one pass over the groups in file order: ownership, the message, the service's answer.
/** Parse, group and apply the rows of a returns file; rejected rows and warnings go to ctx.collector. */
export async function applyReturnRows(deps: ReturnRowsDeps, rows: readonly CsvRow<string>[], ctx: ReturnRowsContext): Promise<{ readonly written: number; readonly messages: number }> {
  const valid: Valid[] = [];
  for (const r of rows) {
    const parsed = ReturnFileRow.safeParse(r.cells);
    if (parsed.success) valid.push({ row: r.row, data: parsed.data, cells: r.cells });
    else ctx.collector.reject(rowRejections(parsed.error, r, ctx.headers));
  }
  const groups = groupRows(valid);
  const answered = new Map<string, Set<string>>();
  for (const g of groups) answered.set(g.returnId, (answered.get(g.returnId) ?? new Set()).add(g.status));
  const records = new Map<string, Promise<ReturnRecord | undefined>>();
  let written = 0;
  let messages = 0;
  for (const group of groups) {
    const statuses = answered.get(group.returnId);
    if (statuses?.has('RETURN_AUTHORIZED') === true && statuses.has('RETURN_REJECTED') && (group.status === 'RETURN_AUTHORIZED' || group.status === 'RETURN_REJECTED')) {
      reject(ctx, group.rows, 'status', 'the file both authorizes and rejects this return: send one answer');
      continue;
    }
    const ref = parseReturnId(group.returnId);
    let lookup = records.get(group.returnId);
    if (lookup === undefined) {
      lookup = ref === undefined ? Promise.resolve(undefined) : getReturn(deps.store, ref.orderId, group.returnId);
      records.set(group.returnId, lookup);
    }
    const record = await lookup;
    if (record === undefined || record.supplierId !== ctx.supplierId) {
      if (record !== undefined) {
        deps.metrics.count('SupplierMismatch', 1, ctx.supplierId);
        deps.logger.warn("Supplier returns file names another supplier's return", { supplierId: ctx.supplierId, key: ctx.key, returnId: group.returnId });
      }
      reject(ctx, group.rows, 'return_id', NOT_YOURS);
      continue;
    }
    const wrongPo = group.rows.find((r) => r.data.fulfillment_id !== undefined && r.data.fulfillment_id !== record.fulfillmentId);
    if (wrongPo !== undefined) {
      reject(ctx, group.rows, 'fulfillment_id', `is not the purchase order of return ${group.returnId}`);
      continue;
    }
    const [first, ...rest] = group.rows;
    if (first === undefined) continue;
    const used = group.status === 'RETURN_RECEIVED' ? group.rows : [first];
    if (group.status !== 'RETURN_RECEIVED') {
      for (const r of rest) ctx.collector.warn({ row: r.row, code: 'DUPLICATE_ROW', message: `repeats the ${group.status.slice(7)} answer of row ${first.row} for ${group.returnId}: ignored` });
    }
    const candidate = messageOf(ctx, group, record);
    if (!candidate.ok) {
      reject(ctx, used, candidate.field, candidate.reason);
      continue;
    }
    const outcome = await deps.applyReturn(ctx.supplierId, candidate.message);
    if (outcome.kind === 'applied') {
      written += used.length;
      messages++;
    } else if (outcome.kind === 'duplicate' || outcome.kind === 'stale') {
      ctx.collector.warn({ row: first.row, code: 'ALREADY_APPLIED', message: `${group.returnId} already has this ${group.status.slice(7)} answer or is past it: nothing changed` });
    } else if (outcome.kind === 'poison') {
      const why = refusal(outcome);
      reject(ctx, used, why.field, why.reason);
    }
  }
  return { written, messages };
}

/** Tracking / acknowledgement file rows grouped per purchase order and turned into supplier inbound messages. */
import { createHash } from 'node:crypto';
import { clip } from '../../inventory/domain/feed-rows';
import { ReportCollector } from '../../inventory/domain/file-report';
import { normalizeCarrier, normalizeTrackingNumber, validateTrackingNumber } from '../domain/tracking';
import { applyFulfillmentEvent } from '../../workflow/domain/fulfillment-events';
import type { SupplierFileKind } from '../domain/supplier';
import { AcknowledgementRow, TrackingRow } from '../schemas/supplier-files';
import { AcceptedMessage, RejectedMessage, ShippedMessage, type SupplierInboundMessage } from '../schemas/supplier-messages';
import { parseFulfillmentId, type FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { normalizeEtag } from '../store/supplier-files';
import { toFulfillmentEvents } from './fulfillment-messages';
import { type CsvRow, label, rowRejections } from './message-csv';
import { FUTURE_TOLERANCE_MS } from './message-files';

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

export interface PlanContext {
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

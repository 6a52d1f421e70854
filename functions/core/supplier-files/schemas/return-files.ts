/**
 * Return files of file suppliers (docs/supplier-files.md, "Returns"):
 * - inbox `suppliers/{id}/inbox/returns/<name>.csv`: the supplier's answers to return requests, one row per
 *   answer (RETURN_RECEIVED: one row per line, or one row without a line for every line of the return), parsed
 *   cell by cell with ReturnFileRow over the canonical column names after the header was mapped (aliases, case
 *   and spacing ignored, as for tracking files) and turned into the RETURN_* messages of supplier-messages.ts;
 * - outbox `suppliers/{id}/outbox/return-requests/{returnId}.csv | .json`: RETURN_REQUESTED as a file, the CSV
 *   columns RETURN_REQUEST_CSV_COLUMNS (JSON = the message body).
 * Values are what a person types: statuses, reasons and conditions in any case with spaces or hyphens, a few
 * synonyms (`approved`, `declined`, `like new`), dates as `2026-12-07`, `2026/12/07`, `07.12.2026` or ISO 8601.
 */
import * as z from 'zod';
import { FULFILLMENT_ID_PATTERN } from '../../workflow/domain/fulfillment-record';
import { RETURN_CONDITIONS, RETURN_ID_PATTERN, RETURN_REJECT_REASONS, type ReturnCondition } from '../../returns/domain/returns';

export const RETURN_FILE_COLUMNS = [
  'return_id',
  'status',
  'fulfillment_id',
  'rma',
  'return_name',
  'return_line1',
  'return_line2',
  'return_city',
  'return_postcode',
  'return_country',
  'instructions',
  'label_ref',
  'reason',
  'message',
  'carrier',
  'tracking_number',
  'line_no',
  'supplier_sku',
  'condition',
  'date',
] as const;
export type ReturnFileColumn = (typeof RETURN_FILE_COLUMNS)[number];

/** Accepted header names per column (after normalizeHeader: lower case, spaces / hyphens / dots as `_`). */
export const RETURN_FILE_HEADER_ALIASES: Readonly<Record<ReturnFileColumn, readonly string[]>> = {
  return_id: ['return_id', 'return', 'return_number', 'return_ref', 'return_request'],
  status: ['status', 'answer', 'event'],
  fulfillment_id: ['fulfillment_id', 'purchase_order', 'po_number', 'po'],
  rma: ['rma', 'rma_number', 'rma_no', 'authorization_number'],
  return_name: ['return_name', 'return_to_name', 'return_to', 'address_name'],
  return_line1: ['return_line1', 'return_to_line1', 'return_address', 'address_line1', 'address1', 'street'],
  return_line2: ['return_line2', 'return_to_line2', 'address_line2', 'address2'],
  return_city: ['return_city', 'return_to_city', 'city'],
  return_postcode: ['return_postcode', 'return_to_postcode', 'postcode', 'postal_code', 'zip', 'zip_code'],
  return_country: ['return_country', 'return_to_country', 'country'],
  instructions: ['instructions', 'return_instructions'],
  label_ref: ['label_ref', 'label', 'label_url', 'return_label'],
  reason: ['reason', 'reason_code', 'rejection_reason'],
  message: ['message', 'comment', 'note'],
  carrier: ['carrier'],
  tracking_number: ['tracking_number', 'tracking', 'tracking_no'],
  line_no: ['line_no', 'line', 'line_number'],
  supplier_sku: ['supplier_sku', 'sku', 'item_number'],
  condition: ['condition', 'item_condition', 'grade'],
  date: ['date', 'event_date', 'shipped_on', 'received_on', 'authorized_on'],
};

/** Columns a returns file must have (the others are checked per row, by status). */
export const RETURN_FILE_REQUIRED: readonly ReturnFileColumn[] = ['return_id', 'status'];

export const RETURN_FILE_STATUSES = ['RETURN_AUTHORIZED', 'RETURN_REJECTED', 'RETURN_SHIPPED', 'RETURN_RECEIVED'] as const;
export type ReturnFileStatus = (typeof RETURN_FILE_STATUSES)[number];

/** `Return authorized`, `authorised`, `APPROVED` … → the message type (undefined when not recognised). */
const STATUS_WORDS: Readonly<Record<string, ReturnFileStatus>> = {
  AUTHORIZED: 'RETURN_AUTHORIZED',
  AUTHORISED: 'RETURN_AUTHORIZED',
  APPROVED: 'RETURN_AUTHORIZED',
  REJECTED: 'RETURN_REJECTED',
  DECLINED: 'RETURN_REJECTED',
  REFUSED: 'RETURN_REJECTED',
  DENIED: 'RETURN_REJECTED',
  SHIPPED: 'RETURN_SHIPPED',
  IN_TRANSIT: 'RETURN_SHIPPED',
  RECEIVED: 'RETURN_RECEIVED',
};

/** Upper case, runs of spaces / hyphens / dots / slashes as one `_`, no `_` at the ends. */
const word = (value: string): string =>
  value
    .trim()
    .toUpperCase()
    .replace(/[\s./-]+/g, '_')
    .replace(/^_+|_+$/g, '');

export function normalizeReturnStatus(value: string): ReturnFileStatus | undefined {
  return STATUS_WORDS[word(value).replace(/^RETURN_/, '')];
}

const REJECT_REASON_WORDS: Readonly<Record<string, (typeof RETURN_REJECT_REASONS)[number]>> = {
  ...Object.fromEntries(RETURN_REJECT_REASONS.map((r) => [r, r])),
  OUTSIDE_POLICY: 'OUTSIDE_SUPPLIER_POLICY',
  NOT_OUR_PRODUCT: 'NOT_OUR_ITEM',
};

const CONDITION_WORDS: Readonly<Record<string, ReturnCondition>> = {
  ...Object.fromEntries(RETURN_CONDITIONS.map((c) => [c.toUpperCase(), c])),
  NEW: 'as_new',
  LIKE_NEW: 'as_new',
  UNOPENED: 'as_new',
  SEALED: 'as_new',
  OPEN: 'opened',
  BROKEN: 'damaged',
  NOT_RECEIVED: 'missing',
  NOT_IN_PARCEL: 'missing',
};

export function normalizeCondition(value: string): ReturnCondition | undefined {
  return CONDITION_WORDS[word(value)];
}

// ---------------------------------------------------------------------------------------------
// Dates: what a person types, without the ambiguous ones

/**
 * A date or a timestamp as typed → `YYYY-MM-DD` (a date) or an ISO 8601 instant (a timestamp), or undefined.
 * Accepted: `2026-12-07`, `2026/12/07`, `07.12.2026` (day first, as dotted dates are written),
 * `2026-12-07 14:30` (UTC), ISO 8601 with a time zone. `07/12/2026` is refused: day or month first is a guess.
 */
export function normalizeDateCell(value: string): string | undefined {
  const v = value.trim();
  const ymd = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(v);
  const dmy = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(v);
  const parts = ymd !== null ? [ymd[1], ymd[2], ymd[3]] : dmy !== null ? [dmy[3], dmy[2], dmy[1]] : undefined;
  if (parts !== undefined) {
    const [y = '', m = '', d = ''] = parts;
    const date = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
    return z.iso.date().safeParse(date).success ? date : undefined;
  }
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)$/.exec(v);
  if (local !== null) {
    const iso = `${local[1] ?? ''}T${(local[2] ?? '').length === 5 ? `${local[2] ?? ''}:00` : (local[2] ?? '')}Z`;
    return z.iso.datetime({ offset: true }).safeParse(iso).success ? iso : undefined;
  }
  return z.iso.datetime({ offset: true }).safeParse(v).success ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// One row

const required = (what: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) });
const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);

/** A cell's transform: the normalized value, or the issue `message` (the row is rejected naming the column). */
function normalizedOr<T>(normalize: (value: string) => T | undefined, message: string): (value: string, ctx: z.RefinementCtx) => T {
  return (value, ctx) => {
    const normalized = normalize(value);
    if (normalized !== undefined) return normalized;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
}

export const ReturnFileRow = z
  .object({
    return_id: z
      .string(required('a return id'))
      .trim()
      .toLowerCase()
      .regex(RETURN_ID_PATTERN, 'must be the return id of a return request you received, e.g. ret_3q9x0c1m2k4v6b8n0p2r4t6w8y_5f0c8e1a9b'),
    status: z
      .string(required('a status'))
      .transform(normalizedOr(normalizeReturnStatus, 'must be AUTHORIZED, REJECTED, SHIPPED or RECEIVED (RETURN_AUTHORIZED … also accepted)')),
    fulfillment_id: z.string().trim().regex(FULFILLMENT_ID_PATTERN, 'must be the purchase order number of the return request (ful_…)').optional(),
    rma: text(64).optional(),
    return_name: text(100).optional(),
    return_line1: text(200).optional(),
    return_line2: text(200).optional(),
    return_city: text(100).optional(),
    return_postcode: text(20).optional(),
    return_country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter country code (ISO 3166-1 alpha-2, e.g. DE)')
      .optional(),
    instructions: text(1000).optional(),
    label_ref: text(256).optional(),
    reason: z
      .string()
      .transform(normalizedOr((v) => REJECT_REASON_WORDS[word(v)], `must be one of ${RETURN_REJECT_REASONS.join(', ')}`))
      .optional(),
    message: text(500).optional(),
    carrier: z.string().trim().min(2, 'must be a carrier name such as UPS').max(64, 'must be at most 64 characters').optional(),
    tracking_number: z.string().trim().min(4, 'must have at least 4 characters').max(64, 'must be at most 64 characters').optional(),
    line_no: z
      .string()
      .trim()
      .regex(/^[1-9]\d{0,3}$/, 'must be a line number from the return request (1, 2, ...)')
      .transform(Number)
      .optional(),
    supplier_sku: z.string().trim().min(1).max(64, 'must be at most 64 characters').optional(),
    condition: z
      .string()
      .transform(normalizedOr(normalizeCondition, `must be one of ${RETURN_CONDITIONS.join(', ')}`))
      .optional(),
    date: z
      .string()
      .transform(normalizedOr(normalizeDateCell, 'must be a date (2026-12-07, 2026/12/07 or 07.12.2026) or an ISO 8601 timestamp with time zone'))
      .optional(),
  })
  .superRefine((r, ctx) => {
    const need = (column: keyof typeof r, why: string): void => {
      if (r[column] === undefined) ctx.addIssue({ code: 'custom', path: [column], message: `is required ${why}` });
    };
    if (r.status === 'RETURN_AUTHORIZED') {
      need('rma', 'for AUTHORIZED (your RMA number)');
      for (const c of ['return_name', 'return_line1', 'return_city', 'return_postcode', 'return_country'] as const) need(c, 'for AUTHORIZED (the return address)');
    }
    if (r.status === 'RETURN_SHIPPED') {
      need('carrier', 'for SHIPPED');
      need('tracking_number', 'for SHIPPED');
    }
    if (r.status === 'RETURN_RECEIVED') need('condition', 'for RECEIVED (the condition of the line)');
    if (r.status !== 'RETURN_REJECTED' && r.reason !== undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is only for REJECTED rows' });
    if (r.status !== 'RETURN_RECEIVED' && r.condition !== undefined) ctx.addIssue({ code: 'custom', path: ['condition'], message: 'is only for RECEIVED rows' });
  });
export type ReturnFileRow = z.output<typeof ReturnFileRow>;

// ---------------------------------------------------------------------------------------------
// Outbox: RETURN_REQUESTED as CSV (one row per line; the return-level columns repeat on every row)

// The columns and key live beside the purchase order's (suppliers/schemas/supplier-files.ts): the outbound sender
// imports them without this module's row schemas.
export { RETURN_REQUEST_CSV_COLUMNS, returnRequestKey } from '../../suppliers/schemas/supplier-files';

/** The inbox folder of return answers. */
export const RETURNS_INBOX_FOLDER = 'returns';

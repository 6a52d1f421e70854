/**
 * File contracts of the supplier files bucket besides inventory feeds (inventory/schemas/inventory.ts):
 * - inbox: tracking CSV and acknowledgement CSV rows (one zod schema per row, over the canonical
 *   column names after the header was mapped), turned into the SQS message contracts of
 *   suppliers/schemas/supplier-messages.ts by suppliers/services/message-files.ts;
 * - outbox: the purchase-order and cancellation CSV columns (JSON files are the SQS message bodies).
 * docs/supplier-files.md describes them for suppliers.
 */
import * as z from 'zod';
import { FULFILLMENT_ID_PATTERN } from '../../workflow/domain/fulfillment-record';
import { SUPPLIER_REJECT_REASONS } from './supplier-messages';

// ---------------------------------------------------------------------------------------------
// Outbox keys (inbox, report and quarantine keys: suppliers/services/file-reports.ts)

export const outboxKeys = {
  packingSlip: (supplierId: string, fulfillmentId: string): string => `suppliers/${supplierId}/outbox/packing-slips/${fulfillmentId}.pdf`,
  purchaseOrder: (supplierId: string, fulfillmentId: string, format: 'csv' | 'json'): string =>
    `suppliers/${supplierId}/outbox/purchase-orders/${fulfillmentId}.${format}`,
  /** A purchase-order amendment (PURCHASE_ORDER_AMENDED as JSON, revision n): beside the purchase order it amends. */
  purchaseOrderAmendment: (supplierId: string, fulfillmentId: string, revision: number): string =>
    `suppliers/${supplierId}/outbox/purchase-orders/${fulfillmentId}-r${revision}.json`,
  cancellation: (supplierId: string, fulfillmentId: string, format: 'csv' | 'json'): string =>
    `suppliers/${supplierId}/outbox/cancellations/${fulfillmentId}.${format}`,
  /** A cancellation request (CANCELLATION_REQUESTED as JSON); answer in `inbox/cancellation-answers/`. */
  cancellationRequest: (supplierId: string, requestId: string, fulfillmentId: string): string =>
    `suppliers/${supplierId}/outbox/cancellation-requests/${requestId}-${fulfillmentId}.json`,
} as const;

// ---------------------------------------------------------------------------------------------
// SUPPLIER_FILES (environment of the file handlers and the stale-feed sweep)

/** One supplier that may exchange files: `{ supplierId, channel, roleId? }`. */
export const SupplierFilesEntry = z.object({
  supplierId: z.string().min(1),
  channel: z.enum(['sqs', 'file']),
  /** Unique id (AROA...) of the supplier's access role: objects it writes carry it in the event's principalId. */
  roleId: z.string().min(1).optional(),
});
export type SupplierFilesEntry = z.output<typeof SupplierFilesEntry>;
export const SupplierFilesConfig = z.array(SupplierFilesEntry);

// ---------------------------------------------------------------------------------------------
// Inbox rows. Values arrive as text; empty cells are absent.

/** Header name → canonical column: lower-cased, trimmed, spaces / hyphens / dots as underscores. */
export function normalizeHeader(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s.-]+/g, '_');
}

export const TRACKING_COLUMNS = ['fulfillment_id', 'carrier', 'tracking_number', 'ship_date', 'line_no', 'supplier_sku', 'quantity'] as const;
export const ACKNOWLEDGEMENT_COLUMNS = ['fulfillment_id', 'status', 'estimated_ship_date', 'line_no', 'supplier_sku', 'reason', 'message'] as const;
export type TrackingColumn = (typeof TRACKING_COLUMNS)[number];
export type AcknowledgementColumn = (typeof ACKNOWLEDGEMENT_COLUMNS)[number];

/** Accepted header names per column (after normalizeHeader). */
export const TRACKING_HEADER_ALIASES: Readonly<Record<TrackingColumn, readonly string[]>> = {
  fulfillment_id: ['fulfillment_id', 'purchase_order', 'po_number', 'po'],
  carrier: ['carrier'],
  tracking_number: ['tracking_number', 'tracking', 'tracking_no'],
  ship_date: ['ship_date', 'shipped_at', 'shipped_on'],
  line_no: ['line_no', 'line', 'line_number'],
  supplier_sku: ['supplier_sku', 'sku', 'item_number'],
  quantity: ['quantity', 'qty'],
};
export const ACKNOWLEDGEMENT_HEADER_ALIASES: Readonly<Record<AcknowledgementColumn, readonly string[]>> = {
  fulfillment_id: ['fulfillment_id', 'purchase_order', 'po_number', 'po'],
  status: ['status'],
  estimated_ship_date: ['estimated_ship_date', 'ship_date', 'estimated_ship'],
  line_no: ['line_no', 'line', 'line_number'],
  supplier_sku: ['supplier_sku', 'sku', 'item_number'],
  reason: ['reason', 'reason_code'],
  message: ['message', 'note', 'comment'],
};

/** Columns a file must have (`line_no` or `supplier_sku` is checked per row). */
export const TRACKING_REQUIRED: readonly TrackingColumn[] = ['fulfillment_id', 'carrier', 'tracking_number', 'quantity'];
export const ACKNOWLEDGEMENT_REQUIRED: readonly AcknowledgementColumn[] = ['fulfillment_id', 'status'];

const required = (what: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) });

const FulfillmentIdCell = z
  .string(required('a fulfillment id'))
  .trim()
  .regex(FULFILLMENT_ID_PATTERN, 'must be the purchase order number (fulfillment id) of a purchase order you received, e.g. ful_3q9x0c1m2k4v6b8n0p2r4t6w8y_01');

const LineNoCell = z
  .string()
  .trim()
  .regex(/^[1-9]\d{0,3}$/, 'must be a line number from the purchase order (1, 2, ...)')
  .transform(Number)
  .optional();

const SupplierSkuCell = z.string().trim().min(1).max(64, 'must be at most 64 characters').optional();

const LINE_REF = { message: 'is required: give line_no or supplier_sku', path: ['line_no'] };

/** A date (`2026-11-26`) or an ISO 8601 timestamp with time zone (`2026-11-26T15:30:00Z`). */
export const ShipDateCell = z
  .string()
  .trim()
  .refine(
    (v) => z.iso.date().safeParse(v).success || z.iso.datetime({ offset: true }).safeParse(v).success,
    'must be a date (YYYY-MM-DD) or an ISO 8601 timestamp with time zone',
  );

export const TrackingRow = z
  .object({
    fulfillment_id: FulfillmentIdCell,
    carrier: z.string(required('a carrier name')).trim().min(2, 'must be a carrier name such as UPS').max(64, 'must be at most 64 characters'),
    tracking_number: z.string(required('a tracking number')).trim().min(4, 'must have at least 4 characters').max(64, 'must be at most 64 characters'),
    ship_date: ShipDateCell.optional(),
    line_no: LineNoCell,
    supplier_sku: SupplierSkuCell,
    quantity: z
      .string(required('a whole number of units'))
      .trim()
      .regex(/^[1-9]\d{0,3}$/, 'must be a whole number of units from 1 to 9999')
      .transform(Number),
  })
  .refine((r) => r.line_no !== undefined || r.supplier_sku !== undefined, LINE_REF);
export type TrackingRow = z.output<typeof TrackingRow>;

export const AcknowledgementRow = z
  .object({
    fulfillment_id: FulfillmentIdCell,
    status: z
      .string(required('ACCEPTED or REJECTED'))
      .trim()
      .toUpperCase()
      .pipe(z.enum(['ACCEPTED', 'REJECTED'], { error: 'must be ACCEPTED or REJECTED' })),
    estimated_ship_date: z.iso.date('must be a date (YYYY-MM-DD)').optional(),
    line_no: LineNoCell,
    supplier_sku: SupplierSkuCell,
    reason: z
      .string()
      .trim()
      .toUpperCase()
      .pipe(z.enum(SUPPLIER_REJECT_REASONS, { error: `must be one of ${SUPPLIER_REJECT_REASONS.join(', ')}` }))
      .optional(),
    message: z.string().trim().max(500, 'must be at most 500 characters').optional(),
  })
  .refine((r) => r.status === 'REJECTED' || r.reason === undefined, { message: 'is only for REJECTED rows', path: ['reason'] });
export type AcknowledgementRow = z.output<typeof AcknowledgementRow>;

// ---------------------------------------------------------------------------------------------
// Outbox files (file suppliers). JSON files are exactly the PURCHASE_ORDER / CANCELLATION message bodies.

/** Purchase-order CSV: one row per line; the order-level columns repeat on every row. */
export const PURCHASE_ORDER_CSV_COLUMNS = [
  'fulfillment_id',
  'order_ref',
  'issued_at',
  'accept_by',
  'ship_by',
  'deliver_by',
  'line_no',
  'supplier_sku',
  'title',
  'quantity',
  'ship_to_name',
  'ship_to_company',
  'ship_to_line1',
  'ship_to_line2',
  'ship_to_city',
  'ship_to_region',
  'ship_to_postcode',
  'ship_to_country',
  'ship_to_phone',
  'shipping_method_code',
  'shipping_method_name',
  'blind_shipping',
  'packing_slip_key',
] as const;

export const CANCELLATION_CSV_COLUMNS = ['fulfillment_id', 'issued_at', 'reason'] as const;

/** Outbox: RETURN_REQUESTED as CSV, one row per line (the return-level columns repeat on every row); docs/supplier-files.md. */
export const RETURN_REQUEST_CSV_COLUMNS = ['return_id', 'fulfillment_id', 'issued_at', 'respond_by', 'reason', 'note', 'line_no', 'supplier_sku', 'quantity'] as const;

/** Outbox key of a return request file (`.csv`, or `.json` for a supplier whose purchase orders are JSON). */
export const returnRequestKey = (supplierId: string, returnId: string, format: 'csv' | 'json'): string => `suppliers/${supplierId}/outbox/return-requests/${returnId}.${format}`;

/**
 * The supplier directory (SUPPLIER_QUEUES, written by CDK) and what the platform sends a supplier:
 * PURCHASE_ORDER and CANCELLATION (suppliers/schemas/supplier-messages.ts) and the packing slip.
 *
 * Delivery by the supplier's channel, when the supplier files bucket is configured (`files`):
 * - every supplier: the packing slip PDF in `suppliers/{id}/outbox/packing-slips/{fulfillmentId}.pdf`;
 * - `sqs` suppliers: the PURCHASE_ORDER message on their outbound queue, with `packingSlipKey`;
 * - `file` suppliers: the purchase order as a file in `outbox/purchase-orders/` (CSV or JSON per
 *   `supplier.files.purchaseOrderFormat`, default CSV) INSTEAD of the message; cancellations likewise
 *   in `outbox/cancellations/`.
 * Keys are derived from the fulfillment id, so sending again overwrites the same objects (idempotent).
 * Without `files` (old environments, tests) everything goes over SQS as before.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { jsonEnv } from '../../runtime/config';
import { slipBranding } from '../domain/packing-slip';
import type { Address } from '../../kernel/values';
import type { Channel } from '../../orders/domain/channel';
import type { Supplier } from '../domain/supplier';
import type { WorkflowOrder } from '../../orders/domain/order';
import { CANCELLATION_CSV_COLUMNS, PURCHASE_ORDER_CSV_COLUMNS, RETURN_REQUEST_CSV_COLUMNS, outboxKeys, returnRequestKey } from '../schemas/supplier-files';
import { CancellationMessage, CancellationRequestedMessage, PurchaseOrderMessage, type ReturnRequestedMessage, type SupplierOutboundMessage } from '../schemas/supplier-messages';
import type { CancellationRequestMark } from '../../workflow/domain/cancellation';
import { getSupplier } from '../../inventory/store/catalog';
import type { StoreContext } from '../../runtime/table/context';
import { recordDocuments } from '../store/documents';
import { parseFulfillmentId, type FulfillmentRecord } from '../../workflow/domain/fulfillment-record';

export const SupplierQueueConfig = z.object({
  supplierId: z.string().min(1),
  inboundQueueArn: z.string().min(1),
  inboundQueueUrl: z.string().min(1),
  outboundQueueUrl: z.string().min(1),
  /** Where the consumer moves poison inbound messages (with errorCode / errorMessage attributes). */
  inboundDlqUrl: z.string().min(1).optional(),
});
export type SupplierQueueConfig = z.output<typeof SupplierQueueConfig>;

export class SupplierDirectory {
  private readonly bySupplier = new Map<string, SupplierQueueConfig>();
  private readonly byInboundArn = new Map<string, SupplierQueueConfig>();

  constructor(readonly entries: readonly SupplierQueueConfig[]) {
    for (const entry of entries) {
      if (this.bySupplier.has(entry.supplierId)) throw new Error(`Duplicate supplier ${entry.supplierId} in SUPPLIER_QUEUES`);
      this.bySupplier.set(entry.supplierId, entry);
      this.byInboundArn.set(entry.inboundQueueArn, entry);
    }
  }

  bySupplierId(supplierId: string): SupplierQueueConfig | undefined {
    return this.bySupplier.get(supplierId);
  }

  /** The supplier an inbound message belongs to: decided by the queue it arrived on, never by its content. */
  byInboundQueueArn(arn: string): SupplierQueueConfig | undefined {
    return this.byInboundArn.get(arn);
  }
}

export function loadSupplierDirectory(env: NodeJS.ProcessEnv = process.env): SupplierDirectory {
  return jsonEnv('SUPPLIER_QUEUES', (value) => new SupplierDirectory(z.array(SupplierQueueConfig).parse(value)), env);
}

/** The ship-to block of a purchase order (and of its amendments): the address fields, picked explicitly. */
export function shipTo(address: Address): PurchaseOrderMessage['shipTo'] {
  return {
    name: address.name,
    company: address.company,
    line1: address.line1,
    line2: address.line2,
    city: address.city,
    region: address.region,
    postcode: address.postcode,
    country: address.country,
    phone: address.phone,
  };
}

export function purchaseOrderMessage(
  order: WorkflowOrder,
  fulfillment: FulfillmentRecord,
  supplier: Pick<Supplier, 'blindShipping'> | undefined,
  channel: Pick<Channel, 'branding'> | undefined,
  issuedAt: Date,
  documents: { readonly packingSlipKey?: string | undefined } = {},
): PurchaseOrderMessage {
  const branding = channel?.branding;
  const acceptBy = new Date(issuedAt.getTime() + fulfillment.acceptanceSlaMinutes * 60_000).toISOString();
  return PurchaseOrderMessage.parse({
    type: 'PURCHASE_ORDER',
    messageId: `po-${fulfillment.fulfillmentId}`,
    fulfillmentId: fulfillment.fulfillmentId,
    orderRef: order.externalOrderName ?? order.externalOrderId,
    issuedAt: issuedAt.toISOString(),
    acceptBy,
    lines: fulfillment.purchaseLines.map((l) => ({ lineNo: l.lineNo, supplierSku: l.supplierSku, quantity: l.quantity, title: l.title })),
    shipTo: shipTo(order.shippingAddress),
    shippingMethod: { code: fulfillment.shippingMethod.code, name: fulfillment.shippingMethod.name },
    shipBy: fulfillment.promise.shipBy,
    deliverBy: fulfillment.promise.deliverBy,
    ...(slipBranding(supplier, channel).mode === 'RETAILER' && branding !== undefined
      ? { packingSlip: { blind: true, displayName: branding.displayName, logoUrl: branding.logoUrl, returnInstructions: branding.returnInstructions } }
      : {}),
    ...(documents.packingSlipKey === undefined ? {} : { packingSlipKey: documents.packingSlipKey }),
  });
}

export function cancellationMessage(fulfillmentId: string, reason: string, issuedAt: Date): CancellationMessage {
  return CancellationMessage.parse({
    type: 'CANCELLATION',
    messageId: `cancel-${fulfillmentId}`,
    fulfillmentId,
    issuedAt: issuedAt.toISOString(),
    reason,
  });
}

/** The supplier-facing cancellation request for one fulfillment (its supplier SKUs, the units asked). */
export function cancellationRequestMessage(record: Pick<FulfillmentRecord, 'fulfillmentId' | 'purchaseLines' | 'lines'>, mark: CancellationRequestMark): CancellationRequestedMessage {
  const asked = new Map<number, number>();
  for (const l of mark.lines) asked.set(l.lineNo, (asked.get(l.lineNo) ?? 0) + l.quantity);
  const lines = record.purchaseLines.flatMap((p) => {
    const quantity = Math.min(p.quantity, asked.get(p.lineNo) ?? 0);
    if (quantity === 0) return [];
    asked.set(p.lineNo, (asked.get(p.lineNo) ?? 0) - quantity);
    return [{ lineNo: p.lineNo, supplierSku: p.supplierSku, quantity }];
  });
  const total = new Map(mark.lines.map((l) => [l.lineNo, l.quantity]));
  return CancellationRequestedMessage.parse({
    type: 'CANCELLATION_REQUESTED',
    messageId: `${mark.requestId}-${record.fulfillmentId}`,
    requestId: mark.requestId,
    fulfillmentId: record.fulfillmentId,
    issuedAt: mark.requestedAt,
    respondBy: mark.respondBy,
    reason: mark.reason,
    whole: record.lines.every((l) => (total.get(l.lineNo) ?? 0) >= l.quantity),
    lines,
  });
}

// ---------------------------------------------------------------------------------------------
// Files (CSV: RFC 4180, UTF-8, CRLF, header row)

/**
 * One CSV cell. Quoted when it holds a comma, quote, line break or edge spaces. A cell a spreadsheet
 * would run as a formula (starts with = @ tab CR, or + / - not followed by a plain number such as a
 * phone number) gets a leading apostrophe: purchase orders carry customer-typed text.
 */
export function csvCell(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (/^[=@\t\r]/.test(text) || (/^[+-]/.test(text) && !/^[+-][\d\s().\/-]*$/.test(text))) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(columns: readonly string[], rows: readonly (readonly (string | number | boolean | undefined)[])[]): string {
  return [columns.join(','), ...rows.map((row) => row.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

/** The purchase-order CSV: one row per line, columns PURCHASE_ORDER_CSV_COLUMNS. */
export function purchaseOrderCsv(message: PurchaseOrderMessage): string {
  const rows = message.lines.map((line) => {
    const row: Record<(typeof PURCHASE_ORDER_CSV_COLUMNS)[number], string | number | boolean | undefined> = {
      fulfillment_id: message.fulfillmentId,
      order_ref: message.orderRef,
      issued_at: message.issuedAt,
      accept_by: message.acceptBy,
      ship_by: message.shipBy,
      deliver_by: message.deliverBy,
      line_no: line.lineNo,
      supplier_sku: line.supplierSku,
      title: line.title,
      quantity: line.quantity,
      ship_to_name: message.shipTo.name,
      ship_to_company: message.shipTo.company,
      ship_to_line1: message.shipTo.line1,
      ship_to_line2: message.shipTo.line2,
      ship_to_city: message.shipTo.city,
      ship_to_region: message.shipTo.region,
      ship_to_postcode: message.shipTo.postcode,
      ship_to_country: message.shipTo.country,
      ship_to_phone: message.shipTo.phone,
      shipping_method_code: message.shippingMethod.code,
      shipping_method_name: message.shippingMethod.name,
      blind_shipping: message.packingSlip !== undefined,
      packing_slip_key: message.packingSlipKey,
    };
    return PURCHASE_ORDER_CSV_COLUMNS.map((column) => row[column]);
  });
  return toCsv(PURCHASE_ORDER_CSV_COLUMNS, rows);
}

/** The cancellation CSV: one row, columns CANCELLATION_CSV_COLUMNS. */
export function cancellationCsv(message: CancellationMessage): string {
  return toCsv(CANCELLATION_CSV_COLUMNS, [[message.fulfillmentId, message.issuedAt, message.reason]]);
}

/** The return-request CSV: one row per line, columns RETURN_REQUEST_CSV_COLUMNS (the customer's note is formula-guarded by csvCell). */
export function returnRequestCsv(message: ReturnRequestedMessage): string {
  const head = [message.returnId, message.fulfillmentId, message.issuedAt, message.respondBy, message.reason, message.note];
  return toCsv(RETURN_REQUEST_CSV_COLUMNS, message.lines.map((l) => [...head, l.lineNo, l.supplierSku, l.quantity]));
}

export function fileBody(message: SupplierOutboundMessage, format: 'csv' | 'json'): { body: string; contentType: string } {
  // Amendments and cancellation requests are JSON files whatever the supplier's purchase-order format.
  if (format === 'json' || message.type === 'PURCHASE_ORDER_AMENDED' || message.type === 'CANCELLATION_REQUESTED') {
    return { body: `${JSON.stringify(message, null, 2)}\n`, contentType: 'application/json' };
  }
  const csv = message.type === 'PURCHASE_ORDER' ? purchaseOrderCsv(message) : message.type === 'RETURN_REQUESTED' ? returnRequestCsv(message) : cancellationCsv(message);
  return { body: csv, contentType: 'text/csv; charset=utf-8' };
}

/** The supplier files bucket, for outbox documents. */
export interface OutboxFiles {
  readonly s3: S3Client;
  readonly bucket: string;
  /**
   * Reads the supplier (channel, file format) when a caller only knows its id (cancellations), and
   * records the cancellation file on the fulfillment.
   */
  readonly store: StoreContext;
}

export interface OutboundDeps {
  readonly sqs: SQSClient;
  readonly suppliers: SupplierDirectory;
  /** Absent: no supplier files bucket configured, everything goes over SQS. */
  readonly files?: OutboxFiles | undefined;
}

export function formatOf(supplier: Pick<Supplier, 'files'> | undefined): 'csv' | 'json' {
  return supplier?.files?.purchaseOrderFormat === 'json' ? 'json' : 'csv';
}

export async function putObject(files: OutboxFiles, key: string, body: string | Uint8Array, contentType: string): Promise<void> {
  await files.s3.send(new PutObjectCommand({ Bucket: files.bucket, Key: key, Body: body, ContentType: contentType }));
}

/** Send to the supplier's outbound queue; 'no-channel' when the supplier has no queue configured. */
export async function sendToQueue(deps: OutboundDeps, supplierId: string, message: SupplierOutboundMessage): Promise<'sent' | 'no-channel'> {
  const queue = deps.suppliers.bySupplierId(supplierId);
  if (queue === undefined) return 'no-channel';
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: queue.outboundQueueUrl,
      MessageBody: JSON.stringify(message),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: message.type },
        fulfillmentId: { DataType: 'String', StringValue: message.fulfillmentId },
      },
    }),
  );
  return 'sent';
}

/**
 * Send a message to a supplier by its channel. A CANCELLATION for a `file` supplier (with the files
 * bucket configured) becomes `outbox/cancellations/{fulfillmentId}.csv|json`, recorded on the
 * fulfillment as `documents.cancellationKey`; a RETURN_REQUESTED `outbox/return-requests/{returnId}.csv|json`
 * (CANCELLATION_REQUESTED: `outbox/cancellation-requests/`); everything else goes to the outbound queue
 * ('no-channel' when the supplier has none).
 */
export async function sendToSupplier(deps: OutboundDeps, supplierId: string, message: SupplierOutboundMessage): Promise<'sent' | 'no-channel'> {
  const files = deps.files;
  if (message.type === 'CANCELLATION_REQUESTED' && files !== undefined) {
    const supplier = await getSupplier(files.store, supplierId);
    if (supplier?.channel === 'file') {
      const key = outboxKeys.cancellationRequest(supplierId, message.requestId, message.fulfillmentId);
      const { body, contentType } = fileBody(message, 'json');
      await putObject(files, key, body, contentType);
      return 'sent';
    }
  }
  if (message.type === 'RETURN_REQUESTED' && files !== undefined) {
    // File suppliers get return requests like their purchase orders (CSV or JSON); they answer in inbox/returns/.
    const supplier = await getSupplier(files.store, supplierId);
    if (supplier?.channel === 'file') {
      const format = formatOf(supplier);
      const { body, contentType } = fileBody(message, format);
      await putObject(files, returnRequestKey(supplierId, message.returnId, format), body, contentType);
      return 'sent';
    }
  }
  if (message.type === 'CANCELLATION' && files !== undefined) {
    const supplier = await getSupplier(files.store, supplierId);
    if (supplier?.channel === 'file') {
      const format = formatOf(supplier);
      const key = outboxKeys.cancellation(supplierId, message.fulfillmentId, format);
      const { body, contentType } = fileBody(message, format);
      await putObject(files, key, body, contentType);
      const ref = parseFulfillmentId(message.fulfillmentId);
      if (ref !== undefined) await recordDocuments(files.store, ref.orderId, message.fulfillmentId, { cancellationKey: key });
      return 'sent';
    }
  }
  return sendToQueue(deps, supplierId, message);
}

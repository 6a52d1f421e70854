/**
 * How a simulated supplier reads what the platform sends it: its outbound queue (one long-poll), and the
 * purchase-order and cancellation files of its outbox (CSV or JSON, docs/supplier-files.md).
 */
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parse as parseCsv } from 'csv-parse/sync';
import { isRecord } from '../../functions/core/kernel/guards';
import { asPurchaseOrder, type PurchaseOrder } from './supplier-plan';

/**
 * One long-poll of a supplier's outbound queue, the way a supplier reads it: every message received is
 * deleted and its body returned parsed (`undefined` when it is not JSON). Shared by the simulator and
 * the benchmark's scripted supplier.
 */
export async function receiveOutbound(sqs: SQSClient, queueUrl: string, signal: AbortSignal): Promise<unknown[]> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }), { abortSignal: signal });
  const bodies: unknown[] = [];
  for (const m of out.Messages ?? []) {
    let body: unknown;
    try {
      body = JSON.parse(m.Body ?? '');
    } catch {
      body = undefined;
    }
    bodies.push(body);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle ?? '' }), { abortSignal: signal });
  }
  return bodies;
}

/** A purchase order read from an outbox file: the JSON message body, or the CSV (one row per line). */
export function parsePurchaseOrderFile(key: string, text: string): PurchaseOrder | undefined {
  if (key.endsWith('.json')) {
    try {
      return asPurchaseOrder(JSON.parse(text));
    } catch {
      return undefined;
    }
  }
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, bom: true, trim: true, relax_column_count: true });
  } catch {
    return undefined;
  }
  const first = rows[0];
  const fulfillmentId = first?.['fulfillment_id'];
  if (first === undefined || fulfillmentId === undefined || fulfillmentId === '') return undefined;
  const lines = rows.flatMap((r) => {
    const lineNo = Number(r['line_no']);
    const quantity = Number(r['quantity']);
    const supplierSku = (r['supplier_sku'] ?? '').replace(/^'/, '');
    return Number.isInteger(lineNo) && Number.isInteger(quantity) && supplierSku !== '' ? [{ lineNo, supplierSku, quantity }] : [];
  });
  if (lines.length === 0) return undefined;
  const line2 = first['ship_to_line2'];
  return {
    type: 'PURCHASE_ORDER',
    fulfillmentId,
    lines,
    shipTo: { ...(line2 === undefined || line2 === '' ? {} : { line2: line2.replace(/^'/, '') }), ...(first['ship_to_country'] === undefined ? {} : { country: first['ship_to_country'] }) },
    shippingMethod: { ...(first['shipping_method_code'] === undefined ? {} : { code: first['shipping_method_code'] }), ...(first['shipping_method_name'] === undefined ? {} : { name: first['shipping_method_name'] }) },
    ...(first['ship_by'] === undefined ? {} : { shipBy: first['ship_by'] }),
  };
}

/** The fulfillment id of a cancellation file (JSON message body or CSV `fulfillment_id,...`). */
export function parseCancellationFile(key: string, text: string): string | undefined {
  if (key.endsWith('.json')) {
    try {
      const body: unknown = JSON.parse(text);
      return isRecord(body) && typeof body['fulfillmentId'] === 'string' ? body['fulfillmentId'] : undefined;
    } catch {
      return undefined;
    }
  }
  try {
    const rows: Record<string, string>[] = parseCsv(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, bom: true, trim: true });
    const id = rows[0]?.['fulfillment_id'];
    return id === undefined || id === '' ? undefined : id;
  } catch {
    return undefined;
  }
}

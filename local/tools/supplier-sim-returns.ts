/**
 * How the simulated demo suppliers answer RETURN_REQUESTED (rule 6 of supplier-sim.ts, local/README.md). Pure
 * planning (apart from the random tracking number) plus a small scheduler on the supplier's inbound queue:
 *
 * - the customer's note contains `silent-return`: no answer (the deadline passes: RETURN_UNANSWERED for
 *   operators, who can authorize with POST /ops/returns/{returnId}/authorize; the supplier then still ships
 *   and receives nothing: the simulator has forgotten it);
 * - the note contains `reject-return`, or a line's supplier SKU is on the supplier's discontinued list:
 *   RETURN_REJECTED (`OUTSIDE_SUPPLIER_POLICY`, `NOT_OUR_ITEM`);
 * - otherwise RETURN_AUTHORIZED (RMA `RMA-<supplier>-<n>`, the supplier's returns desk address, a label
 *   reference), one step later RETURN_SHIPPED (a valid UPS tracking number), one step later RETURN_RECEIVED with
 *   each line's condition: `damaged` for reason damaged, `opened` for changed_mind, `as_new` otherwise, and
 *   `missing` for every line when the note contains `missing-item`.
 *
 * File suppliers (channel `file`, e.g. atlantic-outfitters) follow the same rules through the files bucket: they
 * read `outbox/return-requests/{returnId}.csv | .json` and write each answer, one step apart, as a returns CSV
 * `inbox/returns/{returnId}-{step}.csv` (returnFileCsv: the values typed the way a person would, `Authorized`,
 * `as new`, a carrier name in lower case; docs/supplier-files.md "Returns").
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parse as parseCsv } from 'csv-parse/sync';
import { toCsv } from '../../functions/core/suppliers/services/supplier-outbound';
import { isRecord } from '../../functions/core/kernel/guards';
import { longTimeout, type Cancellable } from '../emulators/clock';
import { DISCONTINUED, trackingFor } from './supplier-plan';

export interface ReturnRequest {
  readonly returnId: string;
  readonly fulfillmentId: string;
  readonly reason: string;
  readonly note?: string;
  readonly lines: readonly { readonly lineNo: number; readonly supplierSku: string; readonly quantity: number }[];
}

export function asReturnRequest(body: unknown): ReturnRequest | undefined {
  if (!isRecord(body) || body['type'] !== 'RETURN_REQUESTED' || typeof body['returnId'] !== 'string' || typeof body['fulfillmentId'] !== 'string' || !Array.isArray(body['lines'])) return undefined;
  return body as unknown as ReturnRequest;
}

/** The returns desk of each demo supplier (a business address, no customer data). */
export const RETURNS_DESK: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'nordic-home': { name: 'Nordic Home Supply Returns', line1: 'Lagerstrasse 5', city: 'Hamburg', postcode: '20457', country: 'DE' },
  'atlantic-outfitters': { name: 'Atlantic Outfitters Returns', line1: '12 Trafford Park Road', city: 'Manchester', postcode: 'M17 1HH', country: 'GB' },
  'pacific-gadgets': { name: 'Pacific Gadgets Returns', line1: '400 Distribution Way', city: 'Reno', postcode: '89502', country: 'US' },
};

let rmaCounter = 0;

export type ReturnPlan =
  | { readonly decision: 'silent'; readonly steps: readonly [] }
  | { readonly decision: 'reject' | 'authorize'; readonly steps: readonly { readonly afterSteps: number; readonly body: Record<string, unknown> }[] };

/** What a supplier answers to a return request, step by step (the documented rules). */
export function returnPlan(supplierId: string, request: ReturnRequest): ReturnPlan {
  const note = (request.note ?? '').toLowerCase();
  if (note.includes('silent-return')) return { decision: 'silent', steps: [] };
  const base = { fulfillmentId: request.fulfillmentId, returnId: request.returnId };
  const id = (step: string) => `sim-${request.returnId}-${step}`;
  const discontinued = DISCONTINUED[supplierId] ?? [];
  if (note.includes('reject-return') || request.lines.some((l) => discontinued.includes(l.supplierSku))) {
    const reason = note.includes('reject-return') ? 'OUTSIDE_SUPPLIER_POLICY' : 'NOT_OUR_ITEM';
    return { decision: 'reject', steps: [{ afterSteps: 1, body: { type: 'RETURN_REJECTED', messageId: id('rejected'), ...base, reason, message: 'Simulated supplier rule' } }] };
  }
  rmaCounter++;
  const condition = note.includes('missing-item') ? 'missing' : request.reason === 'damaged' ? 'damaged' : request.reason === 'changed_mind' ? 'opened' : 'as_new';
  const parcel = trackingFor('UPS');
  return {
    decision: 'authorize',
    steps: [
      {
        afterSteps: 1,
        body: {
          type: 'RETURN_AUTHORIZED',
          messageId: id('authorized'),
          ...base,
          rma: `RMA-${supplierId.toUpperCase()}-${rmaCounter}`,
          returnAddress: RETURNS_DESK[supplierId] ?? { name: `${supplierId} returns`, line1: '1 Returns Road', city: 'Springfield', postcode: '12345', country: 'US' },
          instructions: 'Write the RMA number on the parcel',
          labelRef: `https://labels.example.com/${request.returnId}.pdf`,
        },
      },
      { afterSteps: 2, body: { type: 'RETURN_SHIPPED', messageId: id('shipped'), ...base, carrier: parcel.carrier, trackingNumber: parcel.trackingNumber } },
      { afterSteps: 3, body: { type: 'RETURN_RECEIVED', messageId: id('received'), ...base, lines: request.lines.map((l) => ({ lineNo: l.lineNo, condition })) } },
    ],
  };
}

/** Send the plan's messages to the supplier's inbound queue, one every `stepMs`. */
export function scheduleReturn(
  sqs: SQSClient,
  inboundQueueUrl: string,
  plan: ReturnPlan,
  stepMs: number,
  onSent: () => void,
  onError: (error: unknown) => void,
): Cancellable[] {
  return plan.steps.map(({ afterSteps, body }) =>
    longTimeout(() => {
      void sqs
        .send(new SendMessageCommand({ QueueUrl: inboundQueueUrl, MessageBody: JSON.stringify({ ...body, occurredAt: new Date().toISOString() }) }))
        .then(onSent)
        .catch(onError);
    }, afterSteps * stepMs),
  );
}

// ---------------------------------------------------------------------------------------------
// File suppliers

/** A return request read from an outbox file: the JSON message body, or the CSV (one row per line). */
export function parseReturnRequestFile(key: string, text: string): ReturnRequest | undefined {
  try {
    if (key.endsWith('.json')) return asReturnRequest(JSON.parse(text));
    const rows: Record<string, string>[] = parseCsv(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, bom: true, trim: true, relax_column_count: true });
    const first = rows[0];
    if (first === undefined) return undefined;
    const note = (first['note'] ?? '').replace(/^'/, '');
    return asReturnRequest({
      type: 'RETURN_REQUESTED',
      returnId: first['return_id'],
      fulfillmentId: first['fulfillment_id'],
      reason: first['reason'],
      ...(note === '' ? {} : { note }),
      lines: rows.map((r) => ({ lineNo: Number(r['line_no']), supplierSku: (r['supplier_sku'] ?? '').replace(/^'/, ''), quantity: Number(r['quantity']) })),
    });
  } catch {
    return undefined;
  }
}

const FILE_COLUMNS = ['return_id', 'status', 'rma', 'return_name', 'return_line1', 'return_city', 'return_postcode', 'return_country', 'instructions', 'label_ref', 'reason', 'message', 'carrier', 'tracking_number', 'line_no', 'condition'] as const;

/** One answer of the plan as a returns CSV, typed the way a person at a returns desk would (case, spaces). */
export function returnFileCsv(body: Record<string, unknown>): string {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const address = isRecord(body['returnAddress']) ? body['returnAddress'] : {};
  const base = { return_id: str(body['returnId']) };
  const row = (cells: Partial<Record<(typeof FILE_COLUMNS)[number], string | number | undefined>>) => FILE_COLUMNS.map((c) => cells[c]);
  switch (body['type']) {
    case 'RETURN_AUTHORIZED':
      return toCsv(FILE_COLUMNS, [
        row({
          ...base,
          status: 'Authorized',
          rma: str(body['rma']),
          return_name: str(address['name']),
          return_line1: str(address['line1']),
          return_city: str(address['city']),
          return_postcode: str(address['postcode']),
          return_country: str(address['country'])?.toLowerCase(),
          instructions: str(body['instructions']),
          label_ref: str(body['labelRef']),
        }),
      ]);
    case 'RETURN_REJECTED':
      return toCsv(FILE_COLUMNS, [row({ ...base, status: 'rejected', reason: str(body['reason'])?.toLowerCase().replaceAll('_', ' '), message: str(body['message']) })]);
    case 'RETURN_SHIPPED':
      return toCsv(FILE_COLUMNS, [row({ ...base, status: 'Shipped', carrier: str(body['carrier'])?.toLowerCase(), tracking_number: str(body['trackingNumber']) })]);
    default: {
      const lines = Array.isArray(body['lines']) ? body['lines'].filter(isRecord) : [];
      return toCsv(FILE_COLUMNS, lines.map((l) => row({ ...base, status: 'received', line_no: typeof l['lineNo'] === 'number' ? l['lineNo'] : undefined, condition: str(l['condition'])?.replaceAll('_', ' ') })));
    }
  }
}

/** Write the plan's answers as returns files in the supplier's inbox, one every `stepMs`. */
export function scheduleReturnFiles(
  files: { readonly client: S3Client; readonly bucket: string },
  supplierId: string,
  plan: ReturnPlan,
  stepMs: number,
  onSent: () => void,
  onError: (error: unknown) => void,
): Cancellable[] {
  return plan.steps.map(({ afterSteps, body }) =>
    longTimeout(() => {
      const key = `suppliers/${supplierId}/inbox/returns/${String(body['returnId'])}-${afterSteps}.csv`;
      void files.client
        .send(new PutObjectCommand({ Bucket: files.bucket, Key: key, Body: returnFileCsv(body), ContentType: 'text/csv; charset=utf-8' }))
        .then(onSent)
        .catch(onError);
    }, afterSteps * stepMs),
  );
}

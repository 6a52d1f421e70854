/**
 * Simulated demo suppliers (on by default under `npm start`, `--no-suppliers` turns them off).
 *
 * Each supplier of the template's SUPPLIER_QUEUES reads its OUTBOUND queue (purchase orders and
 * cancellations, as a real supplier would) and answers on its INBOUND queue with the documented message
 * contract, by these rules (also in local/README.md):
 *
 * 1. Silence: a purchase order whose ship-to `line2` contains `silent:<supplierId>` (or `silent:all`)
 *    gets no answer from that supplier: the acceptance SLA passes and the workflow reroutes.
 * 2. Rejection, per line: a supplier SKU on the supplier's discontinued list is rejected
 *    INELIGIBLE_PRODUCT (`NH-LP-3100` at nordic-home, `PGD-SPK-MINI` at pacific-gadgets); a line with
 *    quantity >= 5 is OUT_OF_STOCK at nordic-home, >= 10 at every supplier. Any rejected line rejects
 *    the purchase order (REJECTED with a reason per line): the workflow reroutes or cancels the lines.
 * 3. Otherwise: ACCEPTED (estimated ship date), then SHIPPED with a valid tracking number for the
 *    carrier of the shipping method (UPS `1Z...`, DHL Express 10 digits, or Royal Mail S10 `RB...GB`,
 *    check digits verified with functions/core/domain/tracking.ts), then carrier scans CARRIER_PICKED_UP,
 *    IN_TRANSIT, OUT_FOR_DELIVERY and finally DELIVERED, one step every `stepMs` (default 1 s): a paid
 *    order for in-stock demo SKUs is DELIVERED within seconds. `split-shipment` in `line2` ships the
 *    lines in two parcels, the second one step later (PARTIALLY_SHIPPED, then SHIPPED).
 * 4. CANCELLATION: whatever was still scheduled for that fulfillment is dropped.
 *
 * File suppliers (`files`, channel "file" in SUPPLIER_FILES, e.g. atlantic-outfitters) follow the same
 * rules through the supplier files bucket instead: they read each new purchase-order file of
 * `suppliers/{id}/outbox/purchase-orders/` (CSV or JSON, docs/supplier-files.md) and answer with an
 * acknowledgement CSV in `inbox/acknowledgements/{fulfillmentId}.csv` (ACCEPTED, or one REJECTED row per
 * rejected line) and one tracking CSV per parcel in `inbox/tracking/{fulfillmentId}-{n}.csv`; a
 * cancellation file in `outbox/cancellations/` stops them. New files are seen through the runtime's S3
 * change hook (`objectCreated`, no polling) or, for a simulator outside the runtime, by listing the
 * outbox every `listIntervalMs`. Their uploads are signed as `supplier-<id>` (the supplier's own access
 * role, local/s3-notifications.ts). The carrier's scans (CARRIER_PICKED_UP ... DELIVERED) are not files:
 * they arrive as TRACKING_EVENT / DELIVERED messages on the supplier's inbound queue, one step after the
 * tracking file, standing in for a carrier tracking feed.
 *
 * Feed freshness (`feeds`): a supplier whose last feed is older than half its feed SLA (checked at start,
 * then every 15 minutes) drops a complete snapshot of its current offers (the values the platform holds,
 * so nothing changes but the feed time) into `inbox/inventory/snapshot-<time>.csv`: the demo suppliers
 * do not go STALE when the stack is started again the next day. (The SLA is real time: a fresh stack
 * sends nothing.)
 *
 * State is in memory: fulfillments in progress when the runtime stops are not continued after a
 * restart (the workflow's own deadlines then surface them).
 */
import { randomInt } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parse as parseCsv } from 'csv-parse/sync';
import { validateTrackingNumber } from '../functions/core/suppliers/domain/tracking';
import { longTimeout, sleep, type Cancellable } from './clock';
import { localS3Client } from './s3';
import { supplierAccessKeyId } from './s3-notifications';

export interface SimulatedSupplier {
  readonly supplierId: string;
  readonly inboundQueueUrl: string;
  readonly outboundQueueUrl: string;
}

/** A supplier that exchanges files through the supplier files bucket. */
export interface SimulatedFileSupplier {
  readonly supplierId: string;
  readonly bucket: string;
  /** Where the carrier scans go (the supplier's inbound queue); none: the fulfillment stops at SHIPPED. */
  readonly inboundQueueUrl?: string;
}

export interface SupplierSimOptions {
  /** Suppliers answering over SQS (their outbound queue is read). */
  readonly suppliers: readonly SimulatedSupplier[];
  readonly sqs: SQSClient;
  /** Delay between two supplier messages of one fulfillment. @default 1000 */
  readonly stepMs?: number;
  readonly log?: (line: string) => void;
  /** File suppliers (their outbox is read, their answers are files in their inbox). */
  readonly files?: {
    readonly s3Endpoint: string;
    readonly suppliers: readonly SimulatedFileSupplier[];
    /** List the outboxes this often (ms) for new files. 0 = only through `objectCreated` (the runtime's hook). @default 0 */
    readonly listIntervalMs?: number;
  };
  /** Keep the suppliers' feeds fresh (see the module comment). */
  readonly feeds?: {
    readonly s3Endpoint: string;
    readonly bucket: string;
    readonly supplierIds: readonly string[];
    readonly freshness: (supplierId: string) => Promise<{ readonly lastFeedAt?: string; readonly slaHours?: number } | undefined>;
    /** The supplier's complete inventory as a CSV feed (undefined: nothing to send). */
    readonly snapshot: (supplierId: string) => Promise<string | undefined>;
    /** @default 900000 (15 min) */
    readonly checkEveryMs?: number;
  };
}

export const DISCONTINUED: Readonly<Record<string, readonly string[]>> = {
  'nordic-home': ['NH-LP-3100'],
  'pacific-gadgets': ['PGD-SPK-MINI'],
};
/** Quantity from which a line is out of stock, per supplier (default for any other supplier). */
export const OUT_OF_STOCK_FROM: Readonly<Record<string, number>> = { 'nordic-home': 5 };
export const OUT_OF_STOCK_FROM_DEFAULT = 10;

export interface PoLine {
  readonly lineNo: number;
  readonly supplierSku: string;
  readonly quantity: number;
}

export interface PurchaseOrder {
  readonly type: 'PURCHASE_ORDER';
  readonly fulfillmentId: string;
  readonly lines: readonly PoLine[];
  readonly shipTo?: { readonly line2?: string; readonly country?: string };
  readonly shippingMethod?: { readonly code?: string; readonly name?: string };
  readonly shipBy?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asPurchaseOrder(value: unknown): PurchaseOrder | undefined {
  if (!isRecord(value) || value['type'] !== 'PURCHASE_ORDER' || typeof value['fulfillmentId'] !== 'string' || !Array.isArray(value['lines'])) return undefined;
  return value as unknown as PurchaseOrder;
}

/** Carrier + a valid tracking number for a shipping method name (check digit found with the domain validator). */
export function trackingFor(methodName: string): { carrier: string; trackingNumber: string } {
  const digits = (n: number): string => Array.from({ length: n }, () => String(randomInt(10))).join('');
  const attempt = (carrier: string, make: () => [string, string]): { carrier: string; trackingNumber: string } => {
    for (let tries = 0; tries < 20; tries++) {
      const [prefix, suffix] = make();
      for (let d = 0; d < 10; d++) {
        const candidate = `${prefix}${d}${suffix}`;
        if (validateTrackingNumber(candidate, carrier).valid) return { carrier, trackingNumber: candidate };
      }
    }
    throw new Error(`could not generate a valid ${carrier} tracking number`);
  };
  const name = methodName.toUpperCase();
  if (name.includes('UPS')) return attempt('UPS', () => [`1Z${digits(3)}A${digits(2)}03${digits(7)}`, '']);
  if (name.includes('DHL')) return attempt('DHL', () => [digits(9), '']);
  return attempt('Royal Mail', () => [`RB${digits(8)}`, 'GB']);
}

/** What a supplier answers to a purchase order (pure: the documented rules). */
export function decide(
  supplierId: string,
  po: PurchaseOrder,
): { kind: 'silent' } | { kind: 'reject'; lines: { lineNo: number; supplierSku: string; reason: string; message: string }[] } | { kind: 'accept'; split: boolean } {
  const line2 = (po.shipTo?.line2 ?? '').toLowerCase();
  if (line2.includes(`silent:${supplierId.toLowerCase()}`) || line2.includes('silent:all')) return { kind: 'silent' };
  const discontinued = DISCONTINUED[supplierId] ?? [];
  const limit = OUT_OF_STOCK_FROM[supplierId] ?? OUT_OF_STOCK_FROM_DEFAULT;
  const rejected = po.lines.flatMap((l) => {
    if (discontinued.includes(l.supplierSku)) {
      return [{ lineNo: l.lineNo, supplierSku: l.supplierSku, reason: 'INELIGIBLE_PRODUCT', message: 'Discontinued at this supplier' }];
    }
    if (l.quantity >= limit) {
      return [{ lineNo: l.lineNo, supplierSku: l.supplierSku, reason: 'OUT_OF_STOCK', message: `Only ${limit - 1} available for immediate dispatch` }];
    }
    return [];
  });
  if (rejected.length > 0) return { kind: 'reject', lines: rejected };
  return { kind: 'accept', split: line2.includes('split-shipment') && po.lines.length > 1 };
}

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


// ---------------------------------------------------------------------------------------------------
// Files

/** CSV cell (RFC 4180 quoting). */
function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(columns: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  return `${[columns.join(','), ...rows.map((r) => r.map(cell).join(','))].join('\r\n')}\r\n`;
}

export const ACK_COLUMNS = ['fulfillment_id', 'status', 'estimated_ship_date', 'line_no', 'supplier_sku', 'reason', 'message'] as const;
export const TRACKING_FILE_COLUMNS = ['fulfillment_id', 'carrier', 'tracking_number', 'ship_date', 'line_no', 'supplier_sku', 'quantity'] as const;

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

/** One answer of a simulated supplier: a message on its inbound queue, or a file in its inbox. */
export type SimAction = { readonly kind: 'message'; readonly body: Record<string, unknown> } | { readonly kind: 'file'; readonly key: string; readonly body: string };

export interface AnswerPlan {
  readonly summary: string;
  readonly decision: 'silent' | 'reject' | 'accept';
  readonly steps: readonly { readonly afterSteps: number; readonly action: SimAction }[];
}

/**
 * What a supplier sends for a purchase order, step by step (pure apart from the random tracking
 * numbers): messages for `sqs` suppliers; for `file` suppliers the acknowledgement and tracking CSVs in
 * their inbox, then the carrier scans as messages (one step after each tracking file).
 */
export function answerPlan(supplierId: string, po: PurchaseOrder, channel: 'sqs' | 'file', today: Date = new Date()): AnswerPlan {
  const id = po.fulfillmentId;
  const decision = decide(supplierId, po);
  const inbox = `suppliers/${supplierId}/inbox`;
  const steps: { afterSteps: number; action: SimAction }[] = [];
  const message = (afterSteps: number, body: Record<string, unknown>): void => {
    steps.push({ afterSteps, action: { kind: 'message', body } });
  };
  if (decision.kind === 'silent') return { summary: 'stays silent (silent: marker)', decision: 'silent', steps };
  if (decision.kind === 'reject') {
    if (channel === 'file') {
      const rows = decision.lines.map((l) => [id, 'REJECTED', undefined, l.lineNo, l.supplierSku, l.reason, l.message]);
      steps.push({ afterSteps: 0.5, action: { kind: 'file', key: `${inbox}/acknowledgements/${id}.csv`, body: csv(ACK_COLUMNS, rows) } });
    } else {
      message(0.5, { type: 'REJECTED', messageId: `sim-${id}-rejected`, fulfillmentId: id, lines: decision.lines });
    }
    return { summary: `rejects ${decision.lines.map((l) => `${l.supplierSku} ${l.reason}`).join(', ')}`, decision: 'reject', steps };
  }
  const shipDate = new Date(today.getTime() + 86_400_000).toISOString().slice(0, 10);
  if (channel === 'file') {
    steps.push({ afterSteps: 0.5, action: { kind: 'file', key: `${inbox}/acknowledgements/${id}.csv`, body: csv(ACK_COLUMNS, [[id, 'ACCEPTED', shipDate]]) } });
  } else {
    message(0.5, { type: 'ACCEPTED', messageId: `sim-${id}-accepted`, fulfillmentId: id, estimatedShipDate: shipDate });
  }
  const parcels = decision.split ? [po.lines.slice(0, 1), po.lines.slice(1)] : [po.lines];
  const method = po.shippingMethod?.name ?? po.shippingMethod?.code ?? '';
  // A tracking file goes through S3, its handler and the inbound queue: the first scan waits a whole step.
  const scanGap = channel === 'file' ? 1 : 0.5;
  let at = 1.5;
  const trackings: string[] = [];
  let carrierName = '';
  parcels.forEach((lines, i) => {
    const { carrier, trackingNumber } = trackingFor(method);
    carrierName = carrier;
    trackings.push(trackingNumber);
    if (channel === 'file') {
      const rows = lines.map((l) => [id, carrier, trackingNumber, today.toISOString().slice(0, 10), l.lineNo, l.supplierSku, l.quantity]);
      steps.push({ afterSteps: at, action: { kind: 'file', key: `${inbox}/tracking/${id}-${i + 1}.csv`, body: csv(TRACKING_FILE_COLUMNS, rows) } });
    } else {
      message(at, {
        type: 'SHIPPED',
        messageId: `sim-${id}-shipped-${i + 1}`,
        fulfillmentId: id,
        carrier,
        trackingNumber,
        lines: lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
      });
    }
    message(at + scanGap, { type: 'TRACKING_EVENT', messageId: `sim-${id}-pickup-${i + 1}`, fulfillmentId: id, trackingNumber, event: 'CARRIER_PICKED_UP', location: 'Origin depot' });
    at += 1;
  });
  if (channel === 'file') at += scanGap - 0.5;
  for (const [event, location] of [
    ['IN_TRANSIT', 'Sorting hub'],
    ['OUT_FOR_DELIVERY', 'Local depot'],
  ] as const) {
    trackings.forEach((trackingNumber, i) =>
      message(at, { type: 'TRACKING_EVENT', messageId: `sim-${id}-${event.toLowerCase()}-${i + 1}`, fulfillmentId: id, trackingNumber, event, location }),
    );
    at += 1;
  }
  trackings.forEach((trackingNumber, i) => message(at, { type: 'DELIVERED', messageId: `sim-${id}-delivered-${i + 1}`, fulfillmentId: id, trackingNumber }));
  return { summary: `accepts, ships with ${carrierName} ${trackings.join(', ')}${channel === 'file' ? ' (acknowledgement and tracking CSV files)' : ''}`, decision: 'accept', steps };
}

// ---------------------------------------------------------------------------------------------------

export class SupplierSimulator {
  private readonly controller = new AbortController();
  private readonly scheduled = new Map<string, Cancellable[]>();
  private readonly loops: Promise<void>[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly fileClients = new Map<string, S3Client>();
  /** `bucket/key` -> ETag of outbox files already handled (a re-sent purchase order rewrites the same object). */
  private readonly seenFiles = new Map<string, string>();
  private readonly startedAt = Date.now();
  readonly stats = { purchaseOrders: 0, accepted: 0, rejected: 0, silent: 0, cancellations: 0, messagesSent: 0, filesRead: 0, filesWritten: 0, feedSnapshots: 0 };

  constructor(private readonly opts: SupplierSimOptions) {}

  start(): void {
    for (const s of this.opts.suppliers) {
      // A file supplier's purchase orders arrive as files; its queue is still read (older environments).
      this.loops.push(this.poll(s));
    }
    const files = this.opts.files;
    if (files !== undefined) {
      for (const f of files.suppliers) this.fileClients.set(f.supplierId, localS3Client(files.s3Endpoint, supplierAccessKeyId(f.supplierId)));
      if ((files.listIntervalMs ?? 0) > 0) this.loops.push(this.listLoop(files.listIntervalMs ?? 0));
    }
    if (this.opts.feeds !== undefined) this.loops.push(this.feedLoop(this.opts.feeds));
  }

  private async feedLoop(feeds: NonNullable<SupplierSimOptions['feeds']>): Promise<void> {
    const signal = this.controller.signal;
    const clients = new Map(feeds.supplierIds.map((id) => [id, localS3Client(feeds.s3Endpoint, supplierAccessKeyId(id))]));
    try {
      while (!signal.aborted) {
        for (const supplierId of feeds.supplierIds) {
          try {
            const state = await feeds.freshness(supplierId);
            if (state === undefined || state.slaHours === undefined) continue;
            const age = state.lastFeedAt === undefined ? Number.POSITIVE_INFINITY : Date.now() - Date.parse(state.lastFeedAt);
            if (!(age > (state.slaHours * 3_600_000) / 2)) continue;
            const csvText = await feeds.snapshot(supplierId);
            const client = clients.get(supplierId);
            if (csvText === undefined || client === undefined) continue;
            const key = `suppliers/${supplierId}/inbox/inventory/snapshot-${new Date().toISOString().replace(/[-:.]/g, '')}.csv`;
            await client.send(new PutObjectCommand({ Bucket: feeds.bucket, Key: key, Body: csvText, ContentType: 'text/csv; charset=utf-8' }), { abortSignal: signal });
            this.stats.feedSnapshots++;
            const hours = Number.isFinite(age) ? `${(age / 3_600_000).toFixed(1)} h old` : 'never sent';
            this.opts.log?.(`  [supplier ${supplierId}] last feed ${hours} (SLA ${state.slaHours} h): sends a complete inventory snapshot, ${key}`);
          } catch (error) {
            this.report(supplierId, error);
          }
        }
        await sleep(feeds.checkEveryMs ?? 900_000, signal);
      }
    } finally {
      for (const c of clients.values()) c.destroy();
    }
  }

  async stop(): Promise<void> {
    this.controller.abort();
    for (const timers of this.scheduled.values()) for (const t of timers) t.cancel();
    this.scheduled.clear();
    await Promise.allSettled([...this.loops, ...this.inflight]);
    for (const c of this.fileClients.values()) c.destroy();
  }

  /** The runtime's S3 change hook: a new object in some bucket (only file suppliers' outboxes matter). */
  objectCreated(bucket: string, key: string, eTag: string): void {
    const supplier = this.opts.files?.suppliers.find((s) => s.bucket === bucket && key.startsWith(`suppliers/${s.supplierId}/outbox/`));
    if (supplier === undefined || this.controller.signal.aborted) return;
    const p = this.readFile(supplier, key, eTag).catch((error: unknown) => this.report(supplier.supplierId, error));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private report(supplierId: string, error: unknown): void {
    if (this.controller.signal.aborted) return;
    this.opts.log?.(`  [supplier ${supplierId}] ${error instanceof Error ? error.message : String(error)}`);
  }

  private async listLoop(everyMs: number): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      for (const supplier of this.opts.files?.suppliers ?? []) {
        const client = this.fileClients.get(supplier.supplierId);
        if (client === undefined) continue;
        try {
          let token: string | undefined;
          do {
            const out = await client.send(
              new ListObjectsV2Command({ Bucket: supplier.bucket, Prefix: `suppliers/${supplier.supplierId}/outbox/`, ...(token === undefined ? {} : { ContinuationToken: token }) }),
              { abortSignal: signal },
            );
            for (const o of out.Contents ?? []) {
              // Files from before this simulator started belong to someone else's run.
              if (o.Key === undefined || (o.LastModified?.getTime() ?? 0) < this.startedAt - 1000) continue;
              await this.readFile(supplier, o.Key, (o.ETag ?? '').replaceAll('"', ''));
            }
            token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
          } while (token !== undefined);
        } catch (error) {
          this.report(supplier.supplierId, error);
        }
      }
      await sleep(everyMs, signal);
    }
  }

  private async readFile(supplier: SimulatedFileSupplier, key: string, eTag: string): Promise<void> {
    const folder = key.slice(`suppliers/${supplier.supplierId}/outbox/`.length).split('/')[0];
    if (folder !== 'purchase-orders' && folder !== 'cancellations') return;
    const seenKey = `${supplier.bucket}/${key}`;
    if (this.seenFiles.get(seenKey) === eTag) return;
    this.seenFiles.set(seenKey, eTag);
    const client = this.fileClients.get(supplier.supplierId);
    if (client === undefined) return;
    const out = await client.send(new GetObjectCommand({ Bucket: supplier.bucket, Key: key }), { abortSignal: this.controller.signal });
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    this.stats.filesRead++;
    if (folder === 'cancellations') {
      const id = parseCancellationFile(key, text);
      if (id !== undefined) this.cancel(supplier.supplierId, id);
      return;
    }
    const po = parsePurchaseOrderFile(key, text);
    if (po === undefined) {
      this.opts.log?.(`  [supplier ${supplier.supplierId}] ${key}: not a purchase order it can read, ignored`);
      return;
    }
    this.answer(supplier.supplierId, po, 'file', supplier.inboundQueueUrl, { client, bucket: supplier.bucket });
  }

  private async poll(supplier: SimulatedSupplier): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        for (const body of await receiveOutbound(this.opts.sqs, supplier.outboundQueueUrl, signal)) this.handle(supplier, body);
      } catch (error) {
        if (signal.aborted) return;
        this.opts.log?.(`  [supplier ${supplier.supplierId}] ${error instanceof Error ? error.message : String(error)}`);
        await sleep(1000, signal);
      }
    }
  }

  private cancel(supplierId: string, fulfillmentId: string): void {
    this.stats.cancellations++;
    for (const t of this.scheduled.get(fulfillmentId) ?? []) t.cancel();
    this.scheduled.delete(fulfillmentId);
    this.opts.log?.(`  [supplier ${supplierId}] cancellation of ${fulfillmentId}: nothing more will be sent`);
  }

  private handle(supplier: SimulatedSupplier, body: unknown): void {
    if (isRecord(body) && body['type'] === 'CANCELLATION' && typeof body['fulfillmentId'] === 'string') {
      this.cancel(supplier.supplierId, body['fulfillmentId']);
      return;
    }
    const po = asPurchaseOrder(body);
    if (po === undefined) return;
    this.answer(supplier.supplierId, po, 'sqs', supplier.inboundQueueUrl, undefined);
  }

  private answer(supplierId: string, po: PurchaseOrder, channel: 'sqs' | 'file', inboundQueueUrl: string | undefined, files: { client: S3Client; bucket: string } | undefined): void {
    this.stats.purchaseOrders++;
    const plan = answerPlan(supplierId, po, channel);
    if (plan.decision === 'silent') this.stats.silent++;
    else if (plan.decision === 'reject') this.stats.rejected++;
    else this.stats.accepted++;
    this.opts.log?.(`  [supplier ${supplierId}] ${po.fulfillmentId}: ${plan.summary}`);
    const step = this.opts.stepMs ?? 1000;
    const fail = (error: unknown): void => this.opts.log?.(`  [supplier ${supplierId}] send failed: ${error instanceof Error ? error.message : String(error)}`);
    const timers = plan.steps.map(({ afterSteps, action }) =>
      longTimeout(() => {
        if (action.kind === 'file') {
          if (files === undefined) return;
          void files.client
            .send(new PutObjectCommand({ Bucket: files.bucket, Key: action.key, Body: action.body, ContentType: 'text/csv; charset=utf-8' }))
            .then(() => {
              this.stats.filesWritten++;
            })
            .catch(fail);
          return;
        }
        if (inboundQueueUrl === undefined) return;
        void this.opts.sqs
          .send(new SendMessageCommand({ QueueUrl: inboundQueueUrl, MessageBody: JSON.stringify({ ...action.body, occurredAt: new Date().toISOString() }) }))
          .then(() => {
            this.stats.messagesSent++;
          })
          .catch(fail);
      }, afterSteps * step),
    );
    this.scheduled.set(po.fulfillmentId, timers);
  }
}

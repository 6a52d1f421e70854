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
 *    check digits verified with functions/core/suppliers/domain/tracking), then carrier scans CARRIER_PICKED_UP,
 *    IN_TRANSIT, OUT_FOR_DELIVERY and finally DELIVERED, one step every `stepMs` (default 1 s): a paid
 *    order for in-stock demo SKUs is DELIVERED within seconds. `split-shipment` in `line2` ships the
 *    lines in two parcels, the second one step later (PARTIALLY_SHIPPED, then SHIPPED).
 * 4. CANCELLATION: whatever was still scheduled for that fulfillment is dropped.
 * 5. CANCELLATION_REQUESTED (a customer or platform cancellation after dispatch): accepted unless the
 *    supplier already shipped that fulfillment (then CANCELLATION_REJECTED `ALREADY_SHIPPED`). A whole
 *    cancellation drops what was scheduled; a partial one ships the remaining units only. SQS suppliers read
 *    the request on their outbound queue and answer on their inbound queue; file suppliers read
 *    `outbox/cancellation-requests/*.json` and answer with a JSON file in `inbox/cancellation-answers/`.
 *
 * 6. RETURN_REQUESTED (SQS suppliers on their outbound queue, file suppliers as `outbox/return-requests/`
 *    files answered with `inbox/returns/` CSVs): authorized, shipped back and received with a condition per
 *    line, or rejected, or left unanswered, by the rules of supplier-sim-returns.ts.
 *
 * File suppliers (`files`, channel "file" in SUPPLIER_FILES, e.g. atlantic-outfitters) follow the same
 * rules through the supplier files bucket instead: they read each new purchase-order file of
 * `suppliers/{id}/outbox/purchase-orders/` (CSV or JSON, docs/supplier-files.md) and answer with an
 * acknowledgement CSV in `inbox/acknowledgements/{fulfillmentId}.csv` (ACCEPTED, or one REJECTED row per
 * rejected line) and one tracking CSV per parcel in `inbox/tracking/{fulfillmentId}-{n}.csv`; a
 * cancellation file in `outbox/cancellations/` stops them. New files are seen through the runtime's S3
 * change hook (`objectCreated`, no polling) or, for a simulator outside the runtime, by listing the
 * outbox every `listIntervalMs`. Their uploads are signed as `supplier-<id>` (the supplier's own access
 * role, local/emulators/s3/notifications.ts). The carrier's scans (CARRIER_PICKED_UP ... DELIVERED) are not files:
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
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isRecord } from '../../functions/core/kernel/guards';
import { longTimeout, sleep, type Cancellable } from '../emulators/clock';
import { supplierAccessKeyId } from '../emulators/s3/notifications';
import { localS3Client } from '../emulators/s3/s3';
import { parseCancellationFile, parsePurchaseOrderFile, receiveOutbound } from './supplier-messages';
import { answerPlan, asPurchaseOrder, type PurchaseOrder } from './supplier-plan';
import { asReturnRequest, parseReturnRequestFile, returnPlan, scheduleReturn, scheduleReturnFiles } from './supplier-sim-returns';

import { validateTrackingNumber } from '../../functions/core/suppliers/domain/tracking';

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

export class SupplierSimulator {
  private readonly controller = new AbortController();
  private readonly scheduled = new Map<string, Cancellable[]>();
  private readonly loops: Promise<void>[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly fileClients = new Map<string, S3Client>();
  /** `bucket/key` -> ETag of outbox files already handled (a re-sent purchase order rewrites the same object). */
  private readonly seenFiles = new Map<string, string>();
  private readonly startedAt = Date.now();
  /** What each fulfillment was asked and how it answers (a partial cancellation plans the rest again). */
  private readonly orders = new Map<string, { po: PurchaseOrder; channel: 'sqs' | 'file'; inboundQueueUrl: string | undefined; files: { client: S3Client; bucket: string } | undefined }>();
  /** Fulfillments whose parcel was already handed over (their cancellation requests are rejected). */
  private readonly shipped = new Set<string>();
  readonly stats = { purchaseOrders: 0, accepted: 0, rejected: 0, silent: 0, cancellations: 0, cancellationRequests: 0, returnRequests: 0, messagesSent: 0, filesRead: 0, filesWritten: 0, feedSnapshots: 0 };

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
    if (folder !== 'purchase-orders' && folder !== 'cancellations' && folder !== 'cancellation-requests' && folder !== 'return-requests') return;
    const seenKey = `${supplier.bucket}/${key}`;
    if (this.seenFiles.get(seenKey) === eTag) return;
    this.seenFiles.set(seenKey, eTag);
    const client = this.fileClients.get(supplier.supplierId);
    if (client === undefined) return;
    const out = await client.send(new GetObjectCommand({ Bucket: supplier.bucket, Key: key }), { abortSignal: this.controller.signal });
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    this.stats.filesRead++;
    if (folder === 'cancellation-requests') {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      this.cancellationRequested(supplier.supplierId, body);
      return;
    }
    if (folder === 'return-requests') {
      // Rule 6 by file: the same plan as by queue, each answer a returns CSV in inbox/returns/.
      const request = parseReturnRequestFile(key, text);
      if (request === undefined) return;
      const plan = returnPlan(supplier.supplierId, request);
      this.stats.returnRequests++;
      this.opts.log?.(`  [supplier ${supplier.supplierId}] return ${request.returnId} (file): ${plan.decision}`);
      const onError = (error: unknown): void => this.report(supplier.supplierId, error);
      this.scheduled.set(request.returnId, scheduleReturnFiles({ client, bucket: supplier.bucket }, supplier.supplierId, plan, this.opts.stepMs ?? 1000, () => this.stats.filesWritten++, onError));
      return;
    }
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

  /** Rule 5: accept a cancellation request unless already shipped; a partial one re-plans the remaining units. */
  private cancellationRequested(supplierId: string, body: unknown): void {
    if (!isRecord(body) || typeof body['fulfillmentId'] !== 'string' || typeof body['requestId'] !== 'string') return;
    const fulfillmentId = body['fulfillmentId'];
    const requestId = body['requestId'];
    const known = this.orders.get(fulfillmentId);
    this.stats.cancellationRequests++;
    const accept = !this.shipped.has(fulfillmentId);
    const answer = accept
      ? { type: 'CANCELLATION_ACCEPTED', messageId: `sim-${requestId}-${fulfillmentId}`, fulfillmentId, requestId }
      : { type: 'CANCELLATION_REJECTED', messageId: `sim-${requestId}-${fulfillmentId}`, fulfillmentId, requestId, reason: 'ALREADY_SHIPPED' };
    this.opts.log?.(`  [supplier ${supplierId}] cancellation request for ${fulfillmentId}: ${accept ? 'accepted' : 'rejected (already shipped)'}`);
    if (accept) {
      for (const t of this.scheduled.get(fulfillmentId) ?? []) t.cancel();
      this.scheduled.delete(fulfillmentId);
      const asked = Array.isArray(body['lines']) ? body['lines'].filter(isRecord) : [];
      if (body['whole'] !== true && known !== undefined) {
        const left = known.po.lines.flatMap((l) => {
          const minus = asked.filter((a) => a['lineNo'] === l.lineNo).reduce((n, a) => n + (typeof a['quantity'] === 'number' ? a['quantity'] : 0), 0);
          return l.quantity - minus > 0 ? [{ ...l, quantity: l.quantity - minus }] : [];
        });
        if (left.length > 0) {
          const reduced: PurchaseOrder = { ...known.po, lines: left };
          // After the answer is applied: the remaining units ship (the same message ids as planned: duplicates are dropped).
          const timer = longTimeout(() => this.answer(supplierId, reduced, known.channel, known.inboundQueueUrl, known.files), this.opts.stepMs ?? 1000);
          this.scheduled.set(fulfillmentId, [timer]);
        }
      }
    }
    const fail = (error: unknown): void => this.report(supplierId, error);
    const files = known?.files;
    if (known?.channel === 'file' && files !== undefined) {
      const key = `suppliers/${supplierId}/inbox/cancellation-answers/${requestId}-${fulfillmentId}.json`;
      void files.client
        .send(new PutObjectCommand({ Bucket: files.bucket, Key: key, Body: JSON.stringify({ ...answer, occurredAt: new Date().toISOString() }), ContentType: 'application/json' }))
        .then(() => {
          this.stats.filesWritten++;
        })
        .catch(fail);
      return;
    }
    const queue = known?.inboundQueueUrl ?? this.opts.suppliers.find((s) => s.supplierId === supplierId)?.inboundQueueUrl;
    if (queue === undefined) return;
    void this.opts.sqs
      .send(new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify({ ...answer, occurredAt: new Date().toISOString() }) }))
      .then(() => {
        this.stats.messagesSent++;
      })
      .catch(fail);
  }

  private handle(supplier: SimulatedSupplier, body: unknown): void {
    if (isRecord(body) && body['type'] === 'CANCELLATION' && typeof body['fulfillmentId'] === 'string') {
      this.cancel(supplier.supplierId, body['fulfillmentId']);
      return;
    }
    if (isRecord(body) && body['type'] === 'CANCELLATION_REQUESTED') {
      this.cancellationRequested(supplier.supplierId, body);
      return;
    }
    const returnRequest = asReturnRequest(body);
    if (returnRequest !== undefined) {
      // Rule 6 (supplier-sim-returns.ts): authorize, ship back and receive, or reject, or stay silent.
      const plan = returnPlan(supplier.supplierId, returnRequest);
      this.stats.returnRequests++;
      this.opts.log?.(`  [supplier ${supplier.supplierId}] return ${returnRequest.returnId}: ${plan.decision}`);
      const timers = scheduleReturn(this.opts.sqs, supplier.inboundQueueUrl, plan, this.opts.stepMs ?? 1000, () => this.stats.messagesSent++, (error) => this.report(supplier.supplierId, error));
      this.scheduled.set(returnRequest.returnId, timers);
      return;
    }
    const po = asPurchaseOrder(body);
    if (po === undefined) return;
    this.answer(supplier.supplierId, po, 'sqs', supplier.inboundQueueUrl, undefined);
  }

  private answer(supplierId: string, po: PurchaseOrder, channel: 'sqs' | 'file', inboundQueueUrl: string | undefined, files: { client: S3Client; bucket: string } | undefined): void {
    this.stats.purchaseOrders++;
    this.orders.set(po.fulfillmentId, { po, channel, inboundQueueUrl, files });
    const plan = answerPlan(supplierId, po, channel);
    if (plan.decision === 'silent') this.stats.silent++;
    else if (plan.decision === 'reject') this.stats.rejected++;
    else this.stats.accepted++;
    this.opts.log?.(`  [supplier ${supplierId}] ${po.fulfillmentId}: ${plan.summary}`);
    const step = this.opts.stepMs ?? 1000;
    const fail = (error: unknown): void => this.opts.log?.(`  [supplier ${supplierId}] send failed: ${error instanceof Error ? error.message : String(error)}`);
    const timers = plan.steps.map(({ afterSteps, action }) =>
      longTimeout(() => {
        if ((action.kind === 'file' && action.key.includes('/tracking/')) || (action.kind === 'message' && action.body['type'] === 'SHIPPED')) {
          this.shipped.add(po.fulfillmentId);
        }
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

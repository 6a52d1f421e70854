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
 * State is in memory: fulfillments in progress when the runtime stops are not continued after a
 * restart (the workflow's own deadlines then surface them).
 */
import { randomInt } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { validateTrackingNumber } from '../functions/core/domain/tracking';
import { longTimeout, sleep, type Cancellable } from './clock';

export interface SimulatedSupplier {
  readonly supplierId: string;
  readonly inboundQueueUrl: string;
  readonly outboundQueueUrl: string;
}

export interface SupplierSimOptions {
  readonly suppliers: readonly SimulatedSupplier[];
  readonly sqs: SQSClient;
  /** Delay between two supplier messages of one fulfillment. @default 1000 */
  readonly stepMs?: number;
  readonly log?: (line: string) => void;
}

export const DISCONTINUED: Readonly<Record<string, readonly string[]>> = {
  'nordic-home': ['NH-LP-3100'],
  'pacific-gadgets': ['PGD-SPK-MINI'],
};
/** Quantity from which a line is out of stock, per supplier (default for any other supplier). */
export const OUT_OF_STOCK_FROM: Readonly<Record<string, number>> = { 'nordic-home': 5 };
export const OUT_OF_STOCK_FROM_DEFAULT = 10;

interface PoLine {
  readonly lineNo: number;
  readonly supplierSku: string;
  readonly quantity: number;
}

interface PurchaseOrder {
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

export class SupplierSimulator {
  private readonly controller = new AbortController();
  private readonly scheduled = new Map<string, Cancellable[]>();
  private readonly loops: Promise<void>[] = [];
  readonly stats = { purchaseOrders: 0, accepted: 0, rejected: 0, silent: 0, cancellations: 0, messagesSent: 0 };

  constructor(private readonly opts: SupplierSimOptions) {}

  start(): void {
    for (const s of this.opts.suppliers) this.loops.push(this.poll(s));
  }

  async stop(): Promise<void> {
    this.controller.abort();
    for (const timers of this.scheduled.values()) for (const t of timers) t.cancel();
    this.scheduled.clear();
    await Promise.allSettled(this.loops);
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

  private handle(supplier: SimulatedSupplier, body: unknown): void {
    if (isRecord(body) && body['type'] === 'CANCELLATION' && typeof body['fulfillmentId'] === 'string') {
      this.stats.cancellations++;
      for (const t of this.scheduled.get(body['fulfillmentId']) ?? []) t.cancel();
      this.scheduled.delete(body['fulfillmentId']);
      this.opts.log?.(`  [supplier ${supplier.supplierId}] cancellation of ${body['fulfillmentId']}: nothing more will be sent`);
      return;
    }
    const po = asPurchaseOrder(body);
    if (po === undefined) return;
    this.stats.purchaseOrders++;
    const decision = decide(supplier.supplierId, po);
    const id = po.fulfillmentId;
    const step = this.opts.stepMs ?? 1000;
    const now = (): string => new Date().toISOString();
    const messages: { afterSteps: number; body: Record<string, unknown> }[] = [];
    if (decision.kind === 'silent') {
      this.stats.silent++;
      this.opts.log?.(`  [supplier ${supplier.supplierId}] ${id}: stays silent (silent: marker)`);
      return;
    }
    if (decision.kind === 'reject') {
      this.stats.rejected++;
      messages.push({ afterSteps: 0.5, body: { type: 'REJECTED', messageId: `sim-${id}-rejected`, fulfillmentId: id, lines: decision.lines } });
      this.opts.log?.(`  [supplier ${supplier.supplierId}] ${id}: rejects ${decision.lines.map((l) => `${l.supplierSku} ${l.reason}`).join(', ')}`);
    } else {
      this.stats.accepted++;
      const shipDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      messages.push({ afterSteps: 0.5, body: { type: 'ACCEPTED', messageId: `sim-${id}-accepted`, fulfillmentId: id, estimatedShipDate: shipDate } });
      const parcels = decision.split ? [po.lines.slice(0, 1), po.lines.slice(1)] : [po.lines];
      const method = po.shippingMethod?.name ?? po.shippingMethod?.code ?? '';
      let at = 1.5;
      const trackings: string[] = [];
      let carrierName = '';
      parcels.forEach((lines, i) => {
        const { carrier, trackingNumber } = trackingFor(method);
        carrierName = carrier;
        trackings.push(trackingNumber);
        messages.push({
          afterSteps: at,
          body: {
            type: 'SHIPPED',
            messageId: `sim-${id}-shipped-${i + 1}`,
            fulfillmentId: id,
            carrier,
            trackingNumber,
            lines: lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
          },
        });
        messages.push({
          afterSteps: at + 0.5,
          body: { type: 'TRACKING_EVENT', messageId: `sim-${id}-pickup-${i + 1}`, fulfillmentId: id, trackingNumber, event: 'CARRIER_PICKED_UP', location: 'Origin depot' },
        });
        at += 1;
      });
      for (const [event, location] of [
        ['IN_TRANSIT', 'Sorting hub'],
        ['OUT_FOR_DELIVERY', 'Local depot'],
      ] as const) {
        trackings.forEach((trackingNumber, i) =>
          messages.push({
            afterSteps: at,
            body: { type: 'TRACKING_EVENT', messageId: `sim-${id}-${event.toLowerCase()}-${i + 1}`, fulfillmentId: id, trackingNumber, event, location },
          }),
        );
        at += 1;
      }
      trackings.forEach((trackingNumber, i) =>
        messages.push({ afterSteps: at, body: { type: 'DELIVERED', messageId: `sim-${id}-delivered-${i + 1}`, fulfillmentId: id, trackingNumber } }),
      );
      this.opts.log?.(`  [supplier ${supplier.supplierId}] ${id}: accepts, ships with ${carrierName} ${trackings.join(', ')}`);
    }
    const timers = messages.map(({ afterSteps, body: message }) =>
      longTimeout(() => {
        void this.opts.sqs
          .send(new SendMessageCommand({ QueueUrl: supplier.inboundQueueUrl, MessageBody: JSON.stringify({ ...message, occurredAt: now() }) }))
          .then(() => {
            this.stats.messagesSent++;
          })
          .catch((error: unknown) => this.opts.log?.(`  [supplier ${supplier.supplierId}] send failed: ${error instanceof Error ? error.message : String(error)}`));
      }, afterSteps * step),
    );
    this.scheduled.set(id, timers);
  }
}

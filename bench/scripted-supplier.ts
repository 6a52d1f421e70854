/**
 * The end-to-end benchmark's supplier: a well-behaved supplier scripted on the real supplier queues, with
 * no artificial delays. For every PURCHASE_ORDER on its outbound queue it sends, on its inbound queue,
 * ACCEPTED, SHIPPED (valid tracking number for the PO's shipping method), TRACKING_EVENT CARRIER_PICKED_UP,
 * IN_TRANSIT, OUT_FOR_DELIVERY and DELIVERED (the same six messages as the simulated demo suppliers), each
 * one as soon as the platform has APPLIED the previous one (seen through the runtime's `onInvoke` observer:
 * the supplier inbound Lambda returned without reporting that SQS message as failed). So the figures measure
 * the pipeline (queue hops, Lambda, DynamoDB, Step Functions), not sleeps, and messages never overtake each
 * other. Every wait has a deadline; a fulfillment that misses one is reported, never waited on forever.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InvokeResult } from '../local/emulators/lambda/lambda';
import { receiveOutbound } from '../local/tools/supplier-messages';
import { trackingFor } from '../local/tools/supplier-plan';
import { isRecord } from '../functions/core/kernel/guards';

export interface SupplierQueues {
  readonly supplierId: string;
  readonly inboundQueueUrl: string;
  readonly outboundQueueUrl: string;
}

export interface ScriptedSupplierOptions {
  readonly suppliers: readonly SupplierQueues[];
  /** The supplier side's own SQS client (its requests are counted apart from the platform's). */
  readonly sqs: SQSClient;
  /** Logical id of the supplier inbound Lambda (whose invocations tell when a message was applied). */
  readonly inboundFunction: string;
  /** Deadline for one message to be applied. @default 30000 */
  readonly stepTimeoutMs?: number;
}


/** `ful_{26 characters of the order id}_{nn}` -> `ord_{...}`. */
export function orderIdOfFulfillment(fulfillmentId: string): string {
  return `ord_${fulfillmentId.slice(4, 30)}`;
}

export class ScriptedSupplier {
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly scripts = new Set<Promise<void>>();
  /** SQS message ids applied (seen succeeding) but not yet awaited. */
  private readonly applied = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  /** orderId -> when its DELIVERED message was applied (performance.now()). */
  readonly deliveredAt = new Map<string, number>();
  /** orderId -> what the supplier saw and when (epoch ms): PO received, each message applied. */
  readonly steps = new Map<string, { step: string; at: number }[]>();
  readonly failures: string[] = [];
  readonly stats = { purchaseOrders: 0, cancellations: 0, otherOutbound: 0, messagesSent: 0, messagesApplied: 0, inboundRetriesSeen: 0 };

  constructor(private readonly opts: ScriptedSupplierOptions) {}

  /** Feed every local Lambda invocation here (the runtime's `onInvoke`). */
  observe(functionLogicalId: string, event: unknown, result: InvokeResult): void {
    if (functionLogicalId !== this.opts.inboundFunction || !isRecord(event) || !Array.isArray(event['Records'])) return;
    const failed = new Set<string>();
    if (!result.ok) {
      for (const r of event['Records']) if (isRecord(r)) failed.add(String(r['messageId']));
    } else if (isRecord(result.value) && Array.isArray(result.value['batchItemFailures'])) {
      for (const f of result.value['batchItemFailures']) if (isRecord(f)) failed.add(String(f['itemIdentifier']));
    }
    for (const r of event['Records']) {
      if (!isRecord(r)) continue;
      const id = String(r['messageId']);
      if (failed.has(id)) {
        this.stats.inboundRetriesSeen++;
        continue;
      }
      const waiter = this.waiters.get(id);
      if (waiter !== undefined) {
        this.waiters.delete(id);
        waiter();
      } else this.applied.add(id);
    }
  }

  start(): void {
    for (const s of this.opts.suppliers) this.loops.push(this.poll(s));
  }

  /** Scripts still running (fulfillments not yet delivered). */
  get inFlight(): number {
    return this.scripts.size;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    for (const w of this.waiters.values()) w();
    this.waiters.clear();
    await Promise.allSettled([...this.loops, ...this.scripts]);
  }

  private async poll(supplier: SupplierQueues): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        for (const body of await receiveOutbound(this.opts.sqs, supplier.outboundQueueUrl, signal)) {
          if (isRecord(body) && body['type'] === 'PURCHASE_ORDER' && typeof body['fulfillmentId'] === 'string') {
            this.stats.purchaseOrders++;
            const script = this.fulfil(supplier, body).catch((error: unknown) => {
              if (!signal.aborted) this.failures.push(`${String(body['fulfillmentId'])}: ${error instanceof Error ? error.message : String(error)}`);
            });
            this.scripts.add(script);
            void script.finally(() => this.scripts.delete(script));
          } else if (isRecord(body) && body['type'] === 'CANCELLATION') this.stats.cancellations++;
          else this.stats.otherOutbound++;
        }
      } catch (error) {
        if (signal.aborted) return;
        this.failures.push(`receive on ${supplier.supplierId}: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Send one message and wait until the inbound Lambda applied it. */
  private async say(supplier: SupplierQueues, message: Record<string, unknown>): Promise<void> {
    const signal = this.controller.signal;
    const body = JSON.stringify({ ...message, messageId: `bench-${randomUUID()}`, occurredAt: new Date().toISOString() });
    const out = await this.opts.sqs.send(new SendMessageCommand({ QueueUrl: supplier.inboundQueueUrl, MessageBody: body }), { abortSignal: signal });
    this.stats.messagesSent++;
    const id = out.MessageId ?? '';
    if (this.applied.delete(id)) {
      this.stats.messagesApplied++;
      return;
    }
    const timeoutMs = this.opts.stepTimeoutMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`${String(message['type'])} not applied within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (signal.aborted) throw new Error('stopped');
    this.stats.messagesApplied++;
  }

  private async fulfil(supplier: SupplierQueues, po: Record<string, unknown>): Promise<void> {
    const fulfillmentId = String(po['fulfillmentId']);
    const orderId = orderIdOfFulfillment(fulfillmentId);
    const steps: { step: string; at: number }[] = [{ step: 'PURCHASE_ORDER received', at: Date.now() }];
    this.steps.set(orderId, steps);
    const say = async (message: Record<string, unknown>): Promise<void> => {
      await this.say(supplier, message);
      steps.push({ step: `${String(message['event'] ?? message['type'])} applied`, at: Date.now() });
    };
    const lines = (Array.isArray(po['lines']) ? po['lines'] : []).filter(isRecord).map((l) => ({ lineNo: Number(l['lineNo']), quantity: Number(l['quantity']) }));
    const method = isRecord(po['shippingMethod']) ? String(po['shippingMethod']['name'] ?? po['shippingMethod']['code'] ?? '') : '';
    const { carrier, trackingNumber } = trackingFor(method);
    const shipDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await say({ type: 'ACCEPTED', fulfillmentId, estimatedShipDate: shipDate });
    await say({ type: 'SHIPPED', fulfillmentId, carrier, trackingNumber, lines });
    for (const [event, location] of [
      ['CARRIER_PICKED_UP', 'Origin depot'],
      ['IN_TRANSIT', 'Sorting hub'],
      ['OUT_FOR_DELIVERY', 'Local depot'],
    ] as const) {
      await say({ type: 'TRACKING_EVENT', fulfillmentId, trackingNumber, event, location });
    }
    await say({ type: 'DELIVERED', fulfillmentId, trackingNumber });
    this.deliveredAt.set(orderId, performance.now());
  }
}

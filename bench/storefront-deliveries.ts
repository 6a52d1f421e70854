/**
 * Storefront notifications, locally: state change → delivered at the storefront receiver, and the usage
 * that prices them. On a RUNNING local runtime (its endpoints.json content), `orders` orders are placed
 * on the custom channel (`demo-web`, signed webhooks); the runtime's suppliers (simulated or scripted by
 * the caller) carry them on. For every webhook the receiver got for those orders:
 *
 *   latency = receiver arrival time − the domain event's time (`timestamp` of the webhook body = the
 *             timeline event's `at`, written in the same transaction as the state change)
 *
 * so it covers table stream → router → bus → rule → enqueue λ → FIFO queue → deliver λ → HTTP. Same
 * machine, same clock. Bounded: at most `orders` orders, and no wait beyond `deadlineMs`.
 *
 * Usage per notification is counted where it can be (webhooks, HTTP requests, bus events matching the
 * rule, Lambda invocations and durations when the caller taps `onInvoke`) and derived from the code's
 * fixed call pattern where it cannot (SQS and DynamoDB requests: documented in docs/notifications.md).
 *
 *   import { storefrontDeliveries, notificationInvocationTap } from './storefront-deliveries';
 *   const tap = notificationInvocationTap();
 *   const runtime = await startLocalRuntime({ ..., onInvoke: tap.onInvoke });
 *   const result = await storefrontDeliveries({ endpoints: runtime.endpoints, tap, orders: 20, log });
 */
import { randomUUID } from 'node:crypto';
import { NOTIFYING_EVENT_TYPES } from '../functions/core/notifications/domain/notifications';
import type { LocalEndpoints } from '../local/runtime/runtime';
import { DYNAMODB_READ_REQUEST_UNIT, DYNAMODB_WRITE_REQUEST_UNIT, LAMBDA_ARM_GB_SECOND, LAMBDA_REQUEST, PRICE_REGION, PRICES_AS_OF } from './prices';
import { round, summarize, type Summary } from './stats';

/** SQS FIFO requests (64 KB chunks): $0.50 per million (standard queues are $0.40). */
const SQS_FIFO_REQUEST_USD = 0.5 / 1e6;
/** Data transfer out to the internet, first 10 TB: $0.09 per GB. */
const DATA_OUT_GB_USD = 0.09;
const MEMORY_MB = 256;
const CHANNEL = 'demo-web';
const POLL_MS = 100;

export interface InvocationTap {
  readonly onInvoke: (functionLogicalId: string, event: unknown, result: { readonly durationMs: number }) => void;
  readonly samples: { enqueue: number[]; deliver: number[] };
}

/** Records the enqueue and deliver functions' invocations (pass `onInvoke` to startLocalRuntime). */
export function notificationInvocationTap(): InvocationTap {
  const samples = { enqueue: [] as number[], deliver: [] as number[] };
  return {
    samples,
    onInvoke: (fn, _event, result) => {
      if (/NotificationsEnqueue/i.test(fn)) samples.enqueue.push(result.durationMs);
      else if (/NotificationsDeliver/i.test(fn)) samples.deliver.push(result.durationMs);
    },
  };
}

export interface StorefrontDeliveriesOptions {
  readonly endpoints: LocalEndpoints;
  readonly orders?: number;
  /** Stop waiting for deliveries after this long (ms). @default 120000 */
  readonly deadlineMs?: number;
  readonly tap?: InvocationTap;
  readonly log?: (line: string) => void;
}

export interface StorefrontDeliveriesResult {
  readonly channel: string;
  readonly orders: number;
  /** Orders whose `order.delivered` webhook arrived before the deadline. */
  readonly ordersDelivered: number;
  readonly notifications: number;
  /** Domain event (state change) → webhook received by the storefront, ms. */
  readonly stateChangeToDeliveredMs: Summary;
  readonly perOrder: {
    readonly notifications: number;
    readonly httpRequests: number;
    readonly failedHttpRequests: number;
    readonly ruleMatches: number;
    readonly enqueueInvocations: number;
    readonly deliverInvocations: number;
    readonly sqsFifoRequests: number;
    readonly dynamodbReadUnits: number;
    readonly dynamodbWriteUnits: number;
    readonly bytesOut: number;
  };
  readonly lambdaMs: { readonly enqueue: Summary | null; readonly deliver: Summary | null };
  readonly cost: { readonly region: string; readonly pricesAsOf: string; readonly usdPer1000Orders: number; readonly lines: Readonly<Record<string, number>>; readonly notes: readonly string[] };
}

interface Received {
  readonly at: string;
  readonly channelId: string;
  readonly kind: string;
  readonly body: unknown;
  readonly status: number;
}

function orderBody(): Record<string, unknown> {
  const street = `Benchstrasse ${randomUUID().slice(0, 8)}`;
  return {
    externalOrderId: `bench-notify-${randomUUID()}`,
    customer: { email: 'bench@example.com', firstName: 'Bench', lastName: 'Mark' },
    shippingAddress: { name: 'Bench Mark', line1: street, city: 'Berlin', postcode: '10115', country: 'DE' },
    lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: '24.90' }],
    currency: 'EUR',
    totals: { subtotal: '24.90', shipping: '4.90', tax: '0.00', total: '29.80' },
    payment: { reference: `pay_${randomUUID().slice(0, 8)}`, status: 'paid' },
  };
}

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}`);
  return (await res.json()) as T;
}

const orderIdOf = (body: unknown): string | undefined => {
  const data = typeof body === 'object' && body !== null ? (body as { data?: { orderId?: unknown } }).data : undefined;
  return typeof data?.orderId === 'string' ? data.orderId : undefined;
};

export async function storefrontDeliveries(opts: StorefrontDeliveriesOptions): Promise<StorefrontDeliveriesResult> {
  const ep = opts.endpoints;
  const log = opts.log ?? (() => undefined);
  const receiver = ep.storefrontReceiver;
  if (receiver === undefined) throw new Error('endpoints.json has no storefrontReceiver: start the runtime from the notify branch');
  const apiKey = ep.channels.find((c) => c.id === CHANNEL)?.apiKey;
  if (apiKey === null || apiKey === undefined) throw new Error(`no API key for channel ${CHANNEL}`);
  const count = Math.max(1, Math.min(opts.orders ?? 20, 200));
  const deadline = Date.now() + (opts.deadlineMs ?? 120_000);

  const orderIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await json<{ orderId: string }>(`${ep.apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'Idempotency-Key': randomUUID() },
      body: JSON.stringify(orderBody()),
    });
    orderIds.push(created.orderId);
  }
  const mine = new Set(orderIds);
  log(`  storefront deliveries: ${count} orders placed on ${CHANNEL}, waiting for their webhooks`);

  let received: Received[] = [];
  let delivered = 0;
  while (Date.now() < deadline) {
    received = (await json<Received[]>(`${receiver.deliveriesUrl}?channel=${CHANNEL}`)).filter((r) => mine.has(orderIdOf(r.body) ?? ''));
    delivered = new Set(received.filter((r) => r.status < 300 && (r.body as { type?: string }).type === 'order.delivered').map((r) => orderIdOf(r.body))).size;
    if (delivered === count) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const ok = received.filter((r) => r.status < 300);
  const latencies = ok.flatMap((r) => {
    const ts = (r.body as { timestamp?: unknown }).timestamp;
    const t = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
    return Number.isNaN(t) ? [] : [Date.parse(r.at) - t];
  });

  // Bus events of these orders that the rule matches = enqueue invocations (some map to nothing, e.g. LABEL_CREATED).
  let ruleMatches = 0;
  for (const orderId of orderIds) {
    const events = await json<{ events: { event: { 'detail-type': string } }[] }>(`${ep.eventBridge.endpoint}/_local/events?contains=${encodeURIComponent(orderId)}`)
      .then((b) => b.events)
      .catch(() => []);
    ruleMatches += events.filter((e) => (NOTIFYING_EVENT_TYPES as readonly string[]).includes(e.event['detail-type'])).length;
  }
  const notifications = ok.length;
  const httpRequests = received.length;
  const per = (n: number) => round(n / count, 3);
  const deliverInvocations = opts.tap?.samples.deliver.length ?? httpRequests; // without a tap: one per attempt (FIFO batches of one order's messages are usually 1)
  const enqueueInvocations = opts.tap?.samples.enqueue.length ?? ruleMatches;
  // Fixed call pattern (functions/core/notifications): enqueue = 1 consistent GetItem (order ≤ 4 KB: 1 RRU) + 1 SendMessage;
  // deliver = 2 consistent GetItem (2 RRU) + 1 TransactWriteItems of 2 small items (2 x 2 WRU), + Receive and Delete.
  const sqsFifoRequests = notifications * 3 + (httpRequests - notifications) * 2; // send, receive, delete; a failed attempt: receive + visibility change
  const readUnits = enqueueInvocations + notifications * 2;
  const writeUnits = notifications * 4;
  const bytesOut = ok.reduce((sum, r) => sum + JSON.stringify(r.body).length + 400, 0);
  const gbSeconds = (ms: readonly number[] | undefined, fallbackCount: number, fallbackMs: number) =>
    ((ms === undefined ? fallbackCount * fallbackMs : ms.reduce((s, v) => s + Math.ceil(v), 0)) / 1000) * (MEMORY_MB / 1024);
  const lambdaGbS = gbSeconds(opts.tap?.samples.enqueue, enqueueInvocations, 30) + gbSeconds(opts.tap?.samples.deliver, deliverInvocations, 60);
  const k = 1000 / count;
  const lines = {
    lambdaRequests: round((enqueueInvocations + deliverInvocations) * LAMBDA_REQUEST.usd * k, 5),
    lambdaCompute: round(lambdaGbS * LAMBDA_ARM_GB_SECOND.usd * k, 5),
    sqsFifo: round(sqsFifoRequests * SQS_FIFO_REQUEST_USD * k, 5),
    dynamodb: round((readUnits * DYNAMODB_READ_REQUEST_UNIT.usd + writeUnits * DYNAMODB_WRITE_REQUEST_UNIT.usd) * k, 5),
    eventBridge: 0,
    secretsManager: 0,
    dataTransferOut: round((bytesOut / 1e9) * DATA_OUT_GB_USD * k, 5),
  };
  const usd = round(Object.values(lines).reduce((s, v) => s + v, 0), 4);
  const result: StorefrontDeliveriesResult = {
    channel: CHANNEL,
    orders: count,
    ordersDelivered: delivered,
    notifications,
    stateChangeToDeliveredMs: summarize(latencies),
    perOrder: {
      notifications: per(notifications),
      httpRequests: per(httpRequests),
      failedHttpRequests: per(httpRequests - notifications),
      ruleMatches: per(ruleMatches),
      enqueueInvocations: per(enqueueInvocations),
      deliverInvocations: per(deliverInvocations),
      sqsFifoRequests: per(sqsFifoRequests),
      dynamodbReadUnits: per(readUnits),
      dynamodbWriteUnits: per(writeUnits),
      bytesOut: per(bytesOut),
    },
    lambdaMs: {
      enqueue: opts.tap === undefined || opts.tap.samples.enqueue.length === 0 ? null : summarize(opts.tap.samples.enqueue),
      deliver: opts.tap === undefined || opts.tap.samples.deliver.length === 0 ? null : summarize(opts.tap.samples.deliver),
    },
    cost: {
      region: PRICE_REGION,
      pricesAsOf: PRICES_AS_OF,
      usdPer1000Orders: usd,
      lines,
      notes: [
        'EventBridge: rule matches are not billed (the PutEvents entries are already in the pipeline cost).',
        'Secrets Manager: values cached 5 min per container; $0.40 per outbound secret per month is fixed, not per order.',
        'SQS: empty long-poll receives of the FIFO event source are a fixed cost per queue, not per order.',
        `Lambda: ${MEMORY_MB} MB arm64; ${opts.tap === undefined ? 'durations estimated (30 ms enqueue, 60 ms deliver)' : 'durations measured locally'}.`,
      ],
    },
  };
  log(
    `  storefront deliveries: ${notifications} webhooks for ${count} orders (${delivered} delivered), state change → received p50 ${result.stateChangeToDeliveredMs.p50} ms, ` +
      `p99 ${result.stateChangeToDeliveredMs.p99} ms; $${usd} per 1,000 orders`,
  );
  return result;
}

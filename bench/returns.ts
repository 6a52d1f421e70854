/**
 * Returns, locally (issue 15): return request → refund requested latency with the simulated suppliers (their
 * documented return rules, `supplierStepMs` between two answers), the return's state transitions, and the AWS
 * list cost per return. On a RUNNING local runtime: `returns` orders of one T-shirt (nordic-home) are placed on
 * `demo-web` and delivered by the simulated supplier; then each is returned (`defective`) and timed from the
 * 201 to `returns[0].status === 'REFUND_REQUESTED'` in GET /orders/{orderId}. Bounded by `deadlineMs`.
 *
 * Usage per return is counted where it can be (Lambda invocations and durations of the returns path through
 * `onInvoke`, timeline events = bus events) and derived from the code's fixed write pattern where it cannot
 * (DynamoDB units, SQS requests): the model is spelled out below and in docs/returns.md.
 *
 *   const tap = returnsInvocationTap();
 *   const runtime = await startLocalRuntime({ ..., suppliers: true, supplierStepMs: 100, onInvoke: tap.onInvoke });
 *   const result = await returnsBench({ endpoints: runtime.endpoints, tap, returns: 10, log });
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalRuntime, type LocalEndpoints, type LocalRuntime } from '../local/runtime/runtime';
import { BENCH_RUNTIME } from './e2e-harness';
import { API_GATEWAY_REST_REQUEST, DYNAMODB_READ_REQUEST_UNIT, DYNAMODB_WRITE_REQUEST_UNIT, EVENTBRIDGE_CUSTOM_EVENT, LAMBDA_ARM_GB_SECOND, LAMBDA_REQUEST, PRICE_REGION, PRICES_AS_OF, SFN_STANDARD_TRANSITION, SQS_REQUEST } from './prices';
import { round, summarize, type Summary } from './stats';

const CHANNEL = 'demo-web';
const SKU = 'TSHIRT-BLK-M';
const POLL_MS = 100;
const MEMORY_GB = 0.5;
/**
 * Per return on the happy path, from the code (request + 4 supplier messages):
 * - SQS: 1 RETURN_REQUESTED + 4 answers, each sent, received and deleted = 15 requests;
 * - DynamoDB writes (transactions cost 2 units per KB-item): the return item (≈2 KB) written 4 times = 16,
 *   the ledger twice = 4, 6 timeline events = 12, the exceptions index entry (put + removed) = 2 → 34 WRU;
 * - DynamoDB reads: the request reads the order aggregate (≈4 KB strongly consistent) and the ledger, each
 *   answer the return and the ledger (and the order at receipt) → ≈12 RRU.
 */
const SQS_REQUESTS_PER_RETURN = 15;
const WRITE_UNITS_PER_RETURN = 34;
const READ_UNITS_PER_RETURN = 12;
/** What a Step Functions execution per return would have added (docs/returns.md, the decision). */
const TRANSITIONS_IF_EXECUTION = 10;

export interface ReturnsTap {
  readonly onInvoke: (functionLogicalId: string, event: unknown, result: { readonly durationMs: number }) => void;
  readonly samples: Map<string, number[]>;
  measuring: boolean;
}

/** Records every function's invocations while `measuring` (pass `onInvoke` to startLocalRuntime). */
export function returnsInvocationTap(): ReturnsTap {
  const tap: ReturnsTap = {
    samples: new Map(),
    measuring: false,
    onInvoke: (fn, _event, result) => {
      if (!tap.measuring) return;
      tap.samples.set(fn, [...(tap.samples.get(fn) ?? []), result.durationMs]);
    },
  };
  return tap;
}

export interface ReturnsBenchResult {
  readonly returns: number;
  readonly refunded: number;
  readonly requestToRefundRequestedMs: Summary;
  readonly returnTransitionsPerReturn: number;
  readonly stepFunctionsTransitionsPerReturn: 0;
  readonly lambdaInvocationsPerReturn: number;
  readonly cost: { readonly region: string; readonly pricesAsOf: string; readonly usdPerReturn: number; readonly usdPer1000Returns: number; readonly lines: Record<string, number>; readonly ifOneExecutionPerReturnUsdPer1000: number };
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

function orderBody(): Record<string, unknown> {
  return {
    externalOrderId: `bench-ret-${randomUUID()}`,
    customer: { email: 'bench@example.com', firstName: 'Bench', lastName: 'Returns' },
    shippingAddress: { name: 'Bench Returns', line1: `Benchstrasse ${randomUUID().slice(0, 8)}`, city: 'Berlin', postcode: '10115', country: 'DE' },
    lines: [{ sku: SKU, quantity: 1, unitPrice: '24.90' }],
    currency: 'EUR',
    totals: { subtotal: '24.90', shipping: '4.90', tax: '0.00', total: '29.80' },
    payment: { reference: `pay_${randomUUID().slice(0, 8)}`, status: 'paid' },
  };
}

// Long: place, deliver, return, poll, price: one bounded sequence.
export async function returnsBench(opts: { readonly endpoints: LocalEndpoints; readonly tap: ReturnsTap; readonly returns?: number; readonly deadlineMs?: number; readonly log?: (line: string) => void }): Promise<ReturnsBenchResult> {
  const ep = opts.endpoints;
  const log = opts.log ?? (() => undefined);
  const apiKey = ep.channels.find((c) => c.id === CHANNEL)?.apiKey;
  if (apiKey === null || apiKey === undefined) throw new Error(`no API key for channel ${CHANNEL}`);
  const headers = { 'content-type': 'application/json', 'x-api-key': apiKey };
  const count = Math.max(1, Math.min(opts.returns ?? 10, 100));
  const deadline = Date.now() + (opts.deadlineMs ?? 180_000);
  const orderIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await call(`${ep.apiUrl}/orders`, { method: 'POST', headers: { ...headers, 'Idempotency-Key': randomUUID() }, body: JSON.stringify(orderBody()) });
    orderIds.push(String(created.body['orderId']));
  }
  const delivered = new Set<string>();
  while (delivered.size < count && Date.now() < deadline) {
    for (const id of orderIds) if (!delivered.has(id) && (await call(`${ep.apiUrl}/orders/${id}`, { headers })).body['status'] === 'DELIVERED') delivered.add(id);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  log(`  returns: ${delivered.size}/${count} orders delivered, returning one unit of each`);
  opts.tap.measuring = true;
  const started = new Map<string, number>();
  for (const id of delivered) {
    const t0 = Date.now();
    const res = await call(`${ep.apiUrl}/orders/${id}/returns`, { method: 'POST', headers: { ...headers, 'Idempotency-Key': randomUUID() }, body: JSON.stringify({ lines: [{ lineNo: 1, quantity: 1 }], reason: 'defective', note: 'bench' }) });
    if (res.status === 201) started.set(id, t0);
  }
  const latencies: number[] = [];
  let transitions = 0;
  const pending = new Set(started.keys());
  while (pending.size > 0 && Date.now() < deadline) {
    for (const id of [...pending]) {
      const order = (await call(`${ep.apiUrl}/orders/${id}`, { headers })).body;
      const r = (Array.isArray(order['returns']) ? (order['returns'] as Record<string, unknown>[]) : [])[0];
      if (r?.['status'] !== 'REFUND_REQUESTED') continue;
      latencies.push(Date.now() - (started.get(id) ?? Date.now()));
      const timeline = Array.isArray(order['timeline']) ? (order['timeline'] as Record<string, unknown>[]) : [];
      transitions += timeline.filter((e) => String(e['type']).startsWith('Return')).length;
      pending.delete(id);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  opts.tap.measuring = false;
  const refunded = latencies.length;
  const per = (n: number) => (refunded === 0 ? 0 : n / refunded);
  const invocations = [...opts.tap.samples.values()].reduce((n, s) => n + s.length, 0);
  const gbSeconds = ([...opts.tap.samples.values()].flat().reduce((n, ms) => n + ms, 0) / 1000) * MEMORY_GB;
  const eventsPerReturn = per(transitions);
  const lines: Record<string, number> = {
    apiGateway: API_GATEWAY_REST_REQUEST.usd,
    lambdaRequests: per(invocations) * LAMBDA_REQUEST.usd,
    lambdaCompute: per(gbSeconds) * LAMBDA_ARM_GB_SECOND.usd,
    sqs: SQS_REQUESTS_PER_RETURN * SQS_REQUEST.usd,
    dynamodbWrites: WRITE_UNITS_PER_RETURN * DYNAMODB_WRITE_REQUEST_UNIT.usd,
    dynamodbReads: READ_UNITS_PER_RETURN * DYNAMODB_READ_REQUEST_UNIT.usd,
    eventBridge: eventsPerReturn * EVENTBRIDGE_CUSTOM_EVENT.usd,
  };
  const usdPerReturn = Object.values(lines).reduce((a, b) => a + b, 0);
  return {
    returns: count,
    refunded,
    requestToRefundRequestedMs: summarize(latencies),
    returnTransitionsPerReturn: round(eventsPerReturn, 2),
    stepFunctionsTransitionsPerReturn: 0,
    lambdaInvocationsPerReturn: round(per(invocations), 2),
    cost: {
      region: PRICE_REGION,
      pricesAsOf: PRICES_AS_OF,
      usdPerReturn: round(usdPerReturn, 8),
      usdPer1000Returns: round(usdPerReturn * 1000, 4),
      lines: Object.fromEntries(Object.entries(lines).map(([k, v]) => [k, round(v * 1000, 5)])),
      ifOneExecutionPerReturnUsdPer1000: round((usdPerReturn + TRANSITIONS_IF_EXECUTION * SFN_STANDARD_TRANSITION.usd) * 1000, 4),
    },
  };
}

/** `npm run bench -- --only=returns`: a fresh runtime with the simulated suppliers at 100 ms steps, then returnsBench. */
export async function returnsPart(returns: number, template: { readonly stackName: string; readonly template: unknown } | undefined, log: (line: string) => void): Promise<ReturnsBenchResult> {
  log(`bench returns: ${returns} delivered orders returned (simulated suppliers at 100 ms steps)`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-bench-returns-'));
  const tap = returnsInvocationTap();
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await startLocalRuntime({ dataDir, ...BENCH_RUNTIME, suppliers: true, supplierStepMs: 100, onInvoke: tap.onInvoke, ...(template === undefined ? {} : { template }) });
    const result = await returnsBench({ endpoints: runtime.endpoints, tap, returns, deadlineMs: 240_000, log });
    log(
      `  return request -> refund requested: p50 ${round(result.requestToRefundRequestedMs.p50, 0)} ms, p99 ${round(result.requestToRefundRequestedMs.p99, 0)} ms ` +
        `(${result.refunded}/${result.returns}); ${result.returnTransitionsPerReturn} return transitions, 0 Step Functions transitions; $${result.cost.usdPer1000Returns} per 1,000 returns`,
    );
    return result;
  } finally {
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

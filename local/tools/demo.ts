/**
 * `npm run demo`: place a handful of orders and webhooks against the running local stack (`npm start`
 * in another terminal) and print what happened. Reads `.local/endpoints.json` (or DROPSHIP_DATA_DIR).
 * `npm run demo -- --workflow` runs only the second part (the order workflow).
 *
 * Part 1, intake:
 *   1. POST /orders                         -> 201, a new order
 *   2. the same request again               -> 201, the same order (Idempotent-Replayed)
 *   3. same Idempotency-Key, other body     -> 409
 *   4. an invalid body                      -> 422 with the offending fields
 *   5. a signed Shopify orders/create       -> 201, exact 64-bit ids
 *   6. the same delivery again              -> 200 duplicate
 *   7. a webhook with a bad signature       -> 401, nothing written
 *   then GET /orders/{id} for each order: lines, totals and timeline.
 *
 * Part 2, the order workflow (with the simulated suppliers of `npm start`; every status change is printed
 * with the time since the order was placed, each wait has a deadline):
 *   A. a paid order for an in-stock SKU: RECEIVED -> ... -> DELIVERED, then its execution's states;
 *   B. quantity 6 of a T-shirt: nordic-home rejects (OUT_OF_STOCK from 5), rerouted to atlantic-outfitters;
 *   C. ship-to line2 `silent:nordic-home`: no answer within the acceptance SLA, rerouted;
 *   D. quantity 10: every supplier rejects, lines cancelled, refund requested;
 *   E. payment pending: ON_HOLD (AWAITING_PAYMENT) until POST /orders/{id}/payment;
 *   F. disposable e-mail + billing country != shipping country: ON_HOLD (HIGH_RISK_OF_FRAUD) until
 *      an operator approves (POST /ops/orders/{id}/approve, signed with SigV4: local/tools/ops-client.ts).
 *
 * Part 3 (demo/inbound.ts): Shopify address hold corrected by orders/updated, orders/paid and
 * orders/cancelled, an unhandled topic, and a WooCommerce order.
 *
 * Part 4 (demo/returns.ts): order A's units returned (a refund and an exchange), an over-return refused.
 */
import { returnsDemo } from './demo/returns';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isRecord } from '../../functions/core/kernel/guards';
import { readLiveLock } from '../runtime/lock';
import { countTransitions } from '../emulators/stepfunctions/service';
import { formatHistory, fullHistory, sfnClient } from './executions';
import { showMoney } from './money-format';
import { REPO_ROOT, type LocalEndpoints } from '../runtime/runtime';
import { inboundDemo } from './demo/inbound';
import { opsFetch } from './ops-client';
import { afterDeliveryDemo } from './demo/after-delivery';
import { printChannelDeliveries } from '../storefront/demo-deliveries';


const TIMEOUT_MS = 15_000;

class NotRunning extends Error {}

async function loadEndpoints(): Promise<LocalEndpoints> {
  const dataDir = path.resolve(process.env['DROPSHIP_DATA_DIR'] ?? path.join(REPO_ROOT, '.local'));
  const file = path.join(dataDir, 'endpoints.json');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || (await readLiveLock(dataDir)) === undefined) {
    throw new NotRunning(`The local stack is not running (no live ${path.relative(process.cwd(), file) || file}).`);
  }
  return JSON.parse(text) as LocalEndpoints;
}

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function call(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    if (/ECONNREFUSED|fetch failed/.test(`${String(error)} ${cause}`)) throw new NotRunning(`Nothing answers at ${new URL(url).origin}.`);
    throw error;
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) body = parsed;
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function issues(body: Record<string, unknown>): string {
  const list = Array.isArray(body['issues']) ? (body['issues'] as { path?: unknown; message?: unknown }[]) : [];
  return list.map((i) => `${str(i.path)}: ${str(i.message)}`).join('; ');
}

function step(n: number, what: string, reply: Reply, detail: string): void {
  console.log(`${String(n).padStart(2)}. ${what.padEnd(52)} -> ${reply.status} ${detail}`);
}

/** A random Shopify-style 64-bit id above 2^53 (as decimal text: JSON numbers this big lose digits in JS). */
function shopifyId(): string {
  return (2n ** 53n + BigInt(randomBytes(6).readUIntBE(0, 6))).toString();
}

type Channel = LocalEndpoints['channels'][number];
type Created = { orderId: string; apiKey: string }[];

/** A storefront order of `quantity` x sku (a new street number per run: many orders to one address within a day trigger the fraud review). */
function orderBody(sku: string, quantity: number, street: number): Record<string, unknown> {
  return {
    externalOrderId: `demo-${randomUUID().slice(0, 8)}`,
    customer: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
    shippingAddress: { name: 'Ada Lovelace', line1: `Hauptstrasse ${street}`, city: 'Berlin', postcode: '10115', country: 'DE' },
    lines: [{ sku, quantity, unitPrice: '24.90' }],
    currency: 'EUR',
    totals: {
      subtotal: (quantity * 24.9).toFixed(2),
      shipping: '4.90',
      tax: '0.00',
      total: (quantity * 24.9 + 4.9).toFixed(2),
    },
    payment: { reference: `pay_${randomUUID().slice(0, 8)}`, status: 'paid' },
  };
}

/** Steps 1-4: the storefront API (create, a client retry, a reused key with another body, an invalid body). */
async function apiSteps(e: LocalEndpoints, web: Channel & { apiKey: string }, sku: string, created: Created): Promise<void> {
  const street = 1 + Math.floor(Math.random() * 9000);
  const order = (quantity: number): Record<string, unknown> => orderBody(sku, quantity, street);
  const headers = (key: string, idem: string): Record<string, string> => ({ 'content-type': 'application/json', 'x-api-key': key, 'Idempotency-Key': idem });
  const idem = `demo-${randomUUID().slice(0, 8)}`;
  const body = JSON.stringify(order(2));
  const r1 = await call(`${e.apiUrl}/orders`, { method: 'POST', headers: headers(web.apiKey, idem), body });
  step(1, `POST /orders (Idempotency-Key ${idem})`, r1, `${str(r1.body['orderId'])} ${str(r1.body['status'] ?? r1.body['error'])}`);
  if (typeof r1.body['orderId'] === 'string') created.push({ orderId: r1.body['orderId'], apiKey: web.apiKey });

  const r2 = await call(`${e.apiUrl}/orders`, { method: 'POST', headers: headers(web.apiKey, idem), body });
  const same = r2.body['orderId'] === r1.body['orderId'] ? 'the same order' : 'a DIFFERENT order (unexpected)';
  step(2, 'the same request again (a client retry)', r2, `${same}, Idempotent-Replayed: ${r2.headers.get('idempotent-replayed') ?? '-'}`);

  const r3 = await call(`${e.apiUrl}/orders`, { method: 'POST', headers: headers(web.apiKey, idem), body: JSON.stringify(order(5)) });
  step(3, 'same Idempotency-Key, different body', r3, str(r3.body['error']));

  const bad = { ...order(0), shippingAddress: { name: 'Ada Lovelace', line1: 'Hauptstrasse 1', city: 'Berlin', postcode: '1234', country: 'DE' } };
  const r4 = await call(`${e.apiUrl}/orders`, { method: 'POST', headers: headers(web.apiKey, `demo-${randomUUID().slice(0, 8)}`), body: JSON.stringify(bad) });
  step(4, 'an invalid body (postcode, quantity 0)', r4, issues(r4.body) || str(r4.body['error']));
}

/** Steps 5-7: a signed Shopify webhook, the same delivery again, a tampered body. */
async function webhookSteps(shop: Channel & { webhookSecret: string; shopifyWebhookUrl: string; apiKey: string }, created: Created): Promise<void> {
  const id = shopifyId();
  const lineId = shopifyId();
  const template = await readFile(path.join(REPO_ROOT, 'local', 'tools', 'examples', 'shopify-order.json'), 'utf8');
  const raw = template.replace('9007199254740993', id).replace('9223372036854775001', lineId);
  const signed = createHmac('sha256', shop.webhookSecret).update(raw).digest('base64');
  const webhookId = randomUUID();
  const shopHeaders = (signature: string, delivery: string): Record<string, string> => ({
    'content-type': 'application/json',
    'X-Shopify-Topic': 'orders/create',
    'X-Shopify-Shop-Domain': shop.shopDomain ?? '',
    'X-Shopify-Webhook-Id': delivery,
    'X-Shopify-Hmac-Sha256': signature,
  });
  const r5 = await call(shop.shopifyWebhookUrl, { method: 'POST', headers: shopHeaders(signed, webhookId), body: raw });
  const flags = Array.isArray(r5.body['flags']) && r5.body['flags'].length > 0 ? ` flags ${str(r5.body['flags'])}` : '';
  step(5, 'a signed Shopify orders/create webhook', r5, `${str(r5.body['result'])} ${str(r5.body['orderId'])} (Shopify order id ${id})${flags}`);
  if (typeof r5.body['orderId'] === 'string') created.push({ orderId: r5.body['orderId'], apiKey: shop.apiKey });

  const r6 = await call(shop.shopifyWebhookUrl, { method: 'POST', headers: shopHeaders(signed, webhookId), body: raw });
  step(6, 'the same delivery again (same X-Shopify-Webhook-Id)', r6, `${str(r6.body['result'])} ${str(r6.body['orderId'])}`);

  const forged = raw.replace('"quantity": 3', '"quantity": 30');
  const r7 = await call(shop.shopifyWebhookUrl, { method: 'POST', headers: shopHeaders(signed, randomUUID()), body: forged });
  step(7, 'a tampered body (signature no longer matches)', r7, str(r7.body['error']));
}

/** The orders as GET /orders/{orderId} returns them, with their timelines. */
async function printOrders(e: LocalEndpoints, created: Created): Promise<void> {
  console.log('\nOrders as GET /orders/{orderId} returns them:');
  for (const { orderId, apiKey } of created) {
    const r = await call(`${e.apiUrl}/orders/${orderId}`, { method: 'GET', headers: { 'x-api-key': apiKey } });
    if (r.status !== 200) {
      console.log(`  ${orderId}: ${r.status} ${str(r.body['error'])}`);
      continue;
    }
    const o = r.body;
    const lines = Array.isArray(o['lines']) ? (o['lines'] as Record<string, unknown>[]) : [];
    const totals = (o['totals'] ?? {}) as Record<string, unknown>;
    console.log(
      `  ${orderId}  ${str(o['channelId'])}  ${str(o['source'])}  external ${str(o['externalOrderId'])}  ${str(o['status'])}  ` +
        `${lines.map((l) => `${str(l['quantity'])} x ${str(l['sku'])}`).join(', ')}  total ${showMoney(totals['total'], o['currency'])}`,
    );
    for (const event of Array.isArray(o['timeline']) ? (o['timeline'] as Record<string, unknown>[]) : []) {
      console.log(`      ${str(event['at'])}  ${str(event['actor']).padEnd(9)} ${str(event['type']).padEnd(16)} ${str(event['message'])}`);
    }
  }
}

async function main(): Promise<void> {
  const e = await loadEndpoints();
  if (process.argv.includes('--workflow')) {
    await workflowDemo(e);
    return;
  }
  const web = e.channels.find((c) => c.platform === 'custom' && c.apiKey !== null) ?? e.channels[0];
  const shop = e.channels.find((c) => c.platform === 'shopify' && c.webhookSecret !== null && c.shopifyWebhookUrl !== null);
  if (web?.apiKey === null || web === undefined) throw new Error('endpoints.json lists no channel with an API key');
  const sku = e.demo.skus[1] ?? e.demo.skus[0] ?? 'TSHIRT-BLK-M';
  console.log(`Local stack ${e.apiUrl} (stack ${e.stackName}, API stage ${e.apiStage}); channel ${web.id} for API orders${shop === undefined ? '' : `, ${shop.id} for webhooks`}\n`);
  const created: Created = [];
  await apiSteps(e, { ...web, apiKey: web.apiKey }, sku, created);
  if (shop?.webhookSecret !== undefined && shop.webhookSecret !== null && shop.shopifyWebhookUrl !== null && shop.apiKey !== null) {
    await webhookSteps({ ...shop, webhookSecret: shop.webhookSecret, shopifyWebhookUrl: shop.shopifyWebhookUrl, apiKey: shop.apiKey }, created);
  } else {
    console.log(' 5-7. (skipped: no Shopify channel with a webhook secret in endpoints.json)');
  }
  await printOrders(e, created);
  console.log(`\nFunction logs: ${e.logsDir}   Data: DynamoDB Local ${e.dynamodb.endpoint}, table ${e.dynamodb.tableName}`);
  await workflowDemo(e);
  await printChannelDeliveries(e);
}

// ---------------------------------------------------------------------------------------------------
// Part 2: the order workflow

const TERMINAL = new Set(['DELIVERED', 'CANCELLED', 'REJECTED']);

interface Scenario {
  readonly label: string;
  readonly sku: string;
  readonly quantity: number;
  readonly line2?: string;
  readonly payment?: 'paid' | 'pending';
  readonly risky?: boolean;
  /** What to do when the order reaches ON_HOLD. */
  readonly onHold?: 'pay' | 'approve';
  readonly expect: string;
  /** Print every timeline event (not only the notable ones) and poll faster. */
  readonly verbose?: boolean;
}

function scenarioOrder(s: Scenario): Record<string, unknown> {
  const unit = 2490;
  const subtotal = unit * s.quantity;
  const dec = (minor: number): string => (minor / 100).toFixed(2);
  // A different street number per order: many orders to one address in a day is itself a fraud signal.
  const house = 1 + Math.floor(Math.random() * 9000);
  return {
    externalOrderId: `demo-${randomUUID().slice(0, 8)}`,
    customer: { email: s.risky === true ? 'buyer@mailinator.com' : 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: `Hauptstrasse ${house}`,
      ...(s.line2 === undefined ? {} : { line2: s.line2 }),
      city: 'Berlin',
      postcode: '10115',
      country: 'DE',
    },
    ...(s.risky === true ? { billingAddress: { name: 'Ada Lovelace', line1: '1 Rue de Rivoli', city: 'Paris', postcode: '75001', country: 'FR' } } : {}),
    lines: [{ sku: s.sku, quantity: s.quantity, unitPrice: dec(unit) }],
    currency: 'EUR',
    totals: { subtotal: dec(subtotal), shipping: '4.90', tax: '0.00', total: dec(subtotal + 490) },
    payment: { reference: `pay_${randomUUID().slice(0, 8)}`, status: s.payment ?? 'paid' },
  };
}

async function runScenario(e: LocalEndpoints, apiKey: string, s: Scenario, deadlineMs: number): Promise<{ orderId: string; status: string } | undefined> {
  const out = (line: string): void => console.log(`  ${s.label.padEnd(3)} ${line}`);
  const created = await call(`${e.apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'Idempotency-Key': randomUUID() },
    body: JSON.stringify(scenarioOrder(s)),
  });
  const orderId = created.body['orderId'];
  if (created.status !== 201 || typeof orderId !== 'string') {
    out(`POST /orders -> ${created.status} ${str(created.body['error'])}`);
    return undefined;
  }
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
  out(`${elapsed()}  ${orderId} placed (${s.quantity} x ${s.sku}${s.line2 === undefined ? '' : `, line2 "${s.line2}"`}${s.payment === 'pending' ? ', payment pending' : ''}${s.risky === true ? ', risky' : ''}) - expect ${s.expect}`);
  let last = '';
  let acted = false;
  let seenEvents = 0;
  while (Date.now() - started < deadlineMs) {
    const r = await call(`${e.apiUrl}/orders/${orderId}`, { method: 'GET', headers: { 'x-api-key': apiKey } });
    const status = str(r.body['status']);
    const timeline = Array.isArray(r.body['timeline']) ? (r.body['timeline'] as Record<string, unknown>[]) : [];
    for (const ev of timeline.slice(seenEvents)) {
      const type = str(ev['type']);
      if (s.verbose === true || /Rejected|Rerouted|Hold|Released|Cancelled|Refund|Exception|Dispatched|Accepted|Shipment|Delivered/.test(type)) {
        out(`${elapsed()}      ${str(ev['actor']).padEnd(8)} ${type}: ${str(ev['message']).slice(0, 100)}`);
      }
    }
    seenEvents = timeline.length;
    if (status !== last) {
      out(`${elapsed()}  ${status}${r.body['holdReason'] === undefined ? '' : ` (${str(r.body['holdReason'])})`}`);
      last = status;
    }
    if (TERMINAL.has(status)) return { orderId, status };
    if (status === 'ON_HOLD' && !acted && s.onHold !== undefined) {
      acted = true;
      if (s.onHold === 'pay') {
        const paid = await call(`${e.apiUrl}/orders/${orderId}/payment`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: JSON.stringify({ status: 'paid', reference: `pay_${randomUUID().slice(0, 8)}` }),
        });
        out(`${elapsed()}  -> POST /orders/${orderId}/payment {status: paid}: ${paid.status}`);
      } else if (e.ops !== null) {
        // The ops API is IAM-authorized: SigV4 with the local operator credentials of endpoints.json.
        const approved = await opsFetch(e, 'POST', `/ops/orders/${orderId}/approve`, { note: 'Checked with the customer by phone (demo)' });
        await approved.arrayBuffer();
        out(`${elapsed()}  -> operator (${e.ops.identity.replace(/^.*\//, '')}): POST /ops/orders/${orderId}/approve: ${approved.status}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, s.verbose === true ? 50 : 250));
  }
  out(`${elapsed()}  still ${last} at the deadline (${deadlineMs / 1000} s)`);
  return { orderId, status: last };
}

async function printExecution(e: LocalEndpoints, orderId: string): Promise<void> {
  const machine = e.stepFunctions.stateMachineArn;
  if (machine === null) return;
  const client = sfnClient(e.stepFunctions.endpoint);
  const arn = `${machine.replace(':stateMachine:', ':execution:')}:${orderId}`;
  // The order is DELIVERED a moment before its execution records the last states: wait (10 s at most).
  let events: Awaited<ReturnType<typeof fullHistory>> = [];
  for (const until = Date.now() + 10_000; Date.now() < until; ) {
    events = await fullHistory(client, arn).catch(() => []);
    if (events.some((ev) => /^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(ev.type ?? ''))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (events.length === 0) return;
  console.log(`\n  Execution ${orderId} (npm run executions -- show ${orderId}):`);
  for (const line of formatHistory(events)) console.log(`    ${line}`);
  console.log(`    ${countTransitions(events)} state transitions`);
}

async function workflowDemo(e: LocalEndpoints): Promise<void> {
  const web = e.channels.find((c) => c.platform === 'custom' && c.apiKey !== null);
  if (web?.apiKey === null || web === undefined) throw new Error('endpoints.json lists no channel with an API key');
  if (e.stepFunctions === undefined || e.stepFunctions.stateMachineArn === null) {
    console.log('\n(The running stack has no order workflow: skipping part 2.)');
    return;
  }
  console.log(`\nPart 2: the order workflow (local time x${Math.round(1 / e.timeScale)}; suppliers ${e.simulatedSuppliers ? 'simulated' : 'NOT simulated (npm start without --no-suppliers)'})`);
  if (!e.simulatedSuppliers) console.log('  Without simulated suppliers the orders wait for supplier messages; see local/README.md.');
  const sku = 'TSHIRT-BLK-M';
  const happy: Scenario = { label: 'A', sku, quantity: 2, expect: 'DELIVERED', verbose: true };
  console.log('\nA. A paid order for an in-stock SKU, through every state:');
  const a = await runScenario(e, web.apiKey, happy, 60_000);
  if (a !== undefined) await printExecution(e, a.orderId);

  const sla = Math.ceil(3600 * e.timeScale);
  console.log(`\nB-F, in parallel (a nordic-home acceptance SLA of 60 min lasts ${sla} s here):`);
  const scenarios: Scenario[] = [
    { label: 'B', sku, quantity: 6, expect: 'reroute to atlantic-outfitters (nordic-home: OUT_OF_STOCK from 5), DELIVERED' },
    { label: 'C', sku, quantity: 1, line2: 'silent:nordic-home', expect: 'nordic-home silent past its SLA, rerouted, DELIVERED' },
    { label: 'D', sku, quantity: 10, expect: 'every supplier rejects: lines cancelled, refund requested, CANCELLED' },
    { label: 'E', sku, quantity: 1, payment: 'pending', onHold: 'pay', expect: 'ON_HOLD awaiting payment, paid, DELIVERED' },
    { label: 'F', sku, quantity: 1, risky: true, onHold: 'approve', expect: 'ON_HOLD for fraud review, approved by an operator, DELIVERED' },
  ];
  const results = await Promise.all(scenarios.map((s) => runScenario(e, web.apiKey as string, s, 60_000 + sla * 4000)));
  console.log('\nSummary:');
  [happy, ...scenarios].forEach((s, i) => {
    const r = i === 0 ? a : results[i - 1];
    console.log(`  ${s.label}  ${(r?.status ?? 'not placed').padEnd(14)} ${r?.orderId ?? ''}  (expected: ${s.expect})`);
  });
  await inboundDemo(e);
  if (a?.status === 'DELIVERED') await returnsDemo(e, web.apiKey, a.orderId);
  await afterDeliveryDemo(e);
  console.log('\nAll executions: npm run executions    One in detail: npm run executions -- show <orderId>');
}

main().catch((error: unknown) => {
  if (error instanceof NotRunning) {
    console.error(`${error.message}\nStart it first in another terminal:  npm start   (then run npm run demo again)`);
  } else {
    console.error(`The demo failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});

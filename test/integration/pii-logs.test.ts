/**
 * No PII in logs, and the order id as the correlation id, on the local runtime: orders carry unique email,
 * phone, street and name values through the API (create, address change after dispatch), a Shopify webhook,
 * the workflow, the supplier queue (an acceptance) and storefront notification delivery; then every line every function
 * wrote (`<dataDir>/logs/*.log`, the runtime's copy of what CloudWatch Logs would hold) is scanned for those
 * exact values and for anything shaped like an email or an international phone number.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpoints, http, obj, shopifyHmac } from './helpers';
import { dispatchedFulfillment, supplierSays, waitFor, webKey, workflowOrderBody } from './workflow-helpers';

const WAIT_MS = 60_000;
const TEST_MS = 180_000;
const NORDIC = 'nordic-home';

const tag = randomUUID().replaceAll('-', '').slice(0, 8);
const digits = String(1000 + Math.floor(Math.random() * 9000));
const letters = tag.replace(/\d/g, 'q');
/** Values that must never reach a log line (each unique to this run, so a match is a leak, not a coincidence). */
const PII = {
  email: `pii.${tag}@example.org`,
  phone: `+49 30 5512 ${digits}`,
  street: `Geheimweg ${tag}`,
  newStreet: `Neuer Pfad ${tag}`,
  lastName: `Zyx${letters}`,
  shopEmail: `shop.${tag}@example.net`,
  shopStreet: `Prinsengracht ${tag}`,
  shopPhone: `+31 20 555 ${digits}`,
};
/** Anything shaped like an email address or an international phone number. */
const EMAIL_SHAPE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const PHONE_SHAPE = /\+\d{1,3}[ ()./-]*\d(?:[ ()./-]*\d){6,}/;

interface LogLine {
  readonly file: string;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

async function allLogLines(): Promise<LogLine[]> {
  const dir = endpoints().logsDir;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.log'));
  const lines: LogLine[] = [];
  for (const file of files) {
    for (const text of (await readFile(path.join(dir, file), 'utf8')).split('\n')) {
      if (text.trim() === '') continue;
      let json: Record<string, unknown> | undefined;
      try {
        const parsed: unknown = JSON.parse(text.slice(text.indexOf('{')));
        json = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      lines.push({ file, text, json });
    }
  }
  return lines;
}

function shopifyBody(id: string): string {
  return `{"id":${id},"name":"#${id.slice(-4)}","order_number":${Number(id.slice(-4))},"email":"${PII.shopEmail}","phone":"${PII.shopPhone}",
"currency":"EUR","financial_status":"paid","cancelled_at":null,"test":false,"taxes_included":true,
"line_items":[{"id":${id}1,"variant_id":${id}1,"product_id":7513594,"sku":"MUG-ENAMEL-WHT","title":"Enamel camping mug","quantity":1,"price":"14.90"}],
"shipping_address":{"first_name":"Grace","last_name":"${PII.lastName}","address1":"${PII.shopStreet}","city":"Amsterdam","zip":"1015 CJ","country":"Netherlands","country_code":"NL","phone":"${PII.shopPhone}"},
"customer":{"id":${id}2,"email":"${PII.shopEmail}","phone":"${PII.shopPhone}","first_name":"Grace","last_name":"${PII.lastName}"},
"total_line_items_price":"14.90","subtotal_price":"14.90","total_tax":"2.38","total_discounts":"0.00",
"total_shipping_price_set":{"shop_money":{"amount":"4.90","currency_code":"EUR"}},"total_price":"19.80","created_at":"2026-11-25T10:00:00+01:00"}`;
}

describe('no PII in logs; the order id is the correlation id (local runtime)', () => {
  it('orders with email, phone and street through API, address change, Shopify webhook, workflow and notifications leave no PII in any log', { timeout: TEST_MS }, async () => {
    // Arrange + act: an API order with unique PII, dispatched, its address changed, fulfilled and notified.
    const base = workflowOrderBody({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    const body = {
      ...base,
      customer: { email: PII.email, phone: PII.phone, firstName: 'Ada', lastName: PII.lastName },
      shippingAddress: { name: `Ada ${PII.lastName}`, line1: PII.street, city: 'Berlin', postcode: '10115', country: 'DE', phone: PII.phone },
    };
    const created = await http(endpoints().apiUrl, 'POST', '/orders', {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'x-api-key': webKey(), 'Idempotency-Key': randomUUID() },
    });
    expect(created.status, created.text).toBe(201);
    const orderId = String(obj(created.json)['orderId']);
    const fulfillment = await dispatchedFulfillment(orderId, NORDIC, WAIT_MS);

    const changed = await http(endpoints().apiUrl, 'POST', `/orders/${orderId}/address`, {
      body: JSON.stringify({ name: `Ada ${PII.lastName}`, line1: PII.newStreet, city: 'Berlin', postcode: '10117', country: 'DE', phone: PII.phone }),
      headers: { 'content-type': 'application/json', 'x-api-key': webKey(), 'Idempotency-Key': randomUUID() },
    });
    expect(changed.status, changed.text).toBe(200);

    const shop = endpoints().channels.find((c) => c.platform === 'shopify');
    if (shop?.webhookSecret == null || shop.shopifyWebhookUrl === null || shop.shopDomain === null) throw new Error('no complete Shopify channel');
    const shopBody = shopifyBody(String(9_007_199_254_740_993n + BigInt(Math.floor(Math.random() * 1e9))));
    const hook = await http('', 'POST', shop.shopifyWebhookUrl, {
      body: shopBody,
      headers: {
        'content-type': 'application/json',
        'X-Shopify-Topic': 'orders/create',
        'X-Shopify-Hmac-Sha256': shopifyHmac(shop.webhookSecret, shopBody),
        'X-Shopify-Webhook-Id': randomUUID(),
        'X-Shopify-Shop-Domain': shop.shopDomain,
      },
    });
    expect(hook.status, hook.text).toBe(201);
    // A forged delivery too: the refusal path logs as well.
    const forged = await http('', 'POST', shop.shopifyWebhookUrl, {
      body: shopBody.replace('"quantity":1', '"quantity":9'),
      headers: { 'content-type': 'application/json', 'X-Shopify-Topic': 'orders/create', 'X-Shopify-Hmac-Sha256': shopifyHmac(shop.webhookSecret, shopBody), 'X-Shopify-Shop-Domain': shop.shopDomain },
    });
    expect(forged.status).toBe(401);

    // The supplier accepts over its SQS queue; the storefront is notified (EventBridge → enqueue → FIFO queue → deliver).
    await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId: String(fulfillment['fulfillmentId']) });
    // Workers' stdout reaches the log files asynchronously, so the enqueue's own line for that notification can land
    // after the delivery's: wait for both.
    const loggedBy = (all: readonly LogLine[], file: RegExp, message: string): boolean =>
      all.some((l) => file.test(l.file) && l.json?.['message'] === message && l.json['orderId'] === orderId && l.json['type'] === 'fulfillment.accepted');
    const lines = await waitFor('the fulfillment.accepted notification queued and delivered in the logs', async () => {
      const all = await allLogLines();
      return loggedBy(all, /Enqueue/i, 'Notification queued') && loggedBy(all, /Deliver/i, 'Notification delivered') ? all : undefined;
    }, WAIT_MS, 500);

    // Assert: no exact PII value, in any spelling, on any line; nothing shaped like an email or a phone number.
    const needles = Object.values(PII).flatMap((v) => [v, v.toLowerCase(), v.replace(/[ ()./-]/g, '')]);
    const leaks = lines.flatMap((l) => {
      const found = [...needles.filter((n) => l.text.includes(n)), ...[EMAIL_SHAPE, PHONE_SHAPE].flatMap((re) => re.exec(l.text)?.[0] ?? [])];
      return found.length === 0 ? [] : [`${l.file} "${String(l.json?.['message'] ?? '')}": ${[...new Set(found)].join(', ')}`];
    });
    expect(leaks).toEqual([]);

    // The order id is the correlation id across the API, the workflow, the supplier queue and EventBridge targets.
    const mentioning = lines.filter((l) => l.json?.['orderId'] === orderId || l.json?.['correlation_id'] === orderId);
    const filesWith = (pattern: RegExp): string[] => [...new Set(mentioning.filter((l) => pattern.test(l.file)).map((l) => l.file))];
    expect(mentioning.length).toBeGreaterThan(10);
    for (const [where, pattern] of [
      ['the create-order API', /CreateOrder/i],
      ['the address-change API', /ChangeAddress/i],
      ['the workflow tasks', /OrderWorkflow/i],
      ['the supplier inbound queue consumer', /Inbound/i],
      ['the notification enqueue (EventBridge target)', /Enqueue/i],
      ['the notification delivery (SQS)', /Deliver/i],
    ] as const) {
      expect(filesWith(pattern), `${where} logs the order id`).not.toEqual([]);
    }
    const correlated = (pattern: RegExp): boolean => mentioning.some((l) => pattern.test(l.file) && l.json?.['correlation_id'] === orderId);
    expect(correlated(/CreateOrder/i), 'create-order correlation_id').toBe(true);
    expect(correlated(/OrderWorkflow/i), 'workflow correlation_id').toBe(true);
    expect(correlated(/Enqueue/i), 'enqueue correlation_id').toBe(true);
  });
});

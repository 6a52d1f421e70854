/**
 * Shopify orders/create webhooks through the local API Gateway and the real handler: HMAC over the raw
 * body with the channel's local secret (served by the Secrets Manager stand-in), exact 64-bit ids,
 * delivery dedupe, channel by path or by X-Shopify-Shop-Domain.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveOrderId } from '../../functions/core/kernel/order-id';
import { documentClient, endpoints, http, obj, partition, receivedEvents, shopifyHmac } from './helpers';

/** Above 2^53: JSON.parse would round these. */
let nextId = 9_007_199_254_740_993n;
const freshId = (): string => String(nextId++ + BigInt(Math.floor(Math.random() * 1e9)) * 1000n);

function shopChannel(): { id: string; secret: string; url: string; domain: string; apiKey: string } {
  const c = endpoints().channels.find((ch) => ch.platform === 'shopify');
  if (c === undefined || c.webhookSecret === null || c.shopifyWebhookUrl === null || c.shopDomain === null || c.apiKey === null) {
    throw new Error('endpoints.json has no complete Shopify channel');
  }
  return { id: c.id, secret: c.webhookSecret, url: c.shopifyWebhookUrl, domain: c.shopDomain, apiKey: c.apiKey };
}

/** A Shopify orders/create body, as raw text so that the 64-bit ids stay exact on the wire. */
function shopifyBody(orderId: string, lineId: string, opts: { sku?: string; financialStatus?: string } = {}): string {
  return `{"id":${orderId},"name":"#${orderId.slice(-4)}","order_number":${Number(orderId.slice(-4))},"email":"grace@example.com",
"currency":"EUR","financial_status":"${opts.financialStatus ?? 'paid'}","cancelled_at":null,"test":false,"taxes_included":true,
"line_items":[{"id":${lineId},"variant_id":${lineId},"product_id":7513594,"sku":"${opts.sku ?? 'MUG-ENAMEL-WHT'}","title":"Enamel camping mug","quantity":2,"price":"14.90"}],
"shipping_address":{"first_name":"Grace","last_name":"Hopper","address1":"Keizersgracht 1","city":"Amsterdam","zip":"1015 CJ","country":"Netherlands","country_code":"NL"},
"customer":{"id":${lineId},"email":"grace@example.com","first_name":"Grace","last_name":"Hopper"},
"total_line_items_price":"29.80","subtotal_price":"29.80","total_tax":"4.76","total_discounts":"0.00",
"total_shipping_price_set":{"shop_money":{"amount":"4.90","currency_code":"EUR"}},"total_price":"34.70","created_at":"2026-11-25T10:00:00+01:00"}`;
}

function deliver(url: string, body: string, headers: Record<string, string>) {
  return http('', 'POST', url, { body, headers: { 'content-type': 'application/json', 'X-Shopify-Topic': 'orders/create', ...headers } });
}

function signed(body: string, webhookId: string = randomUUID(), secret = shopChannel().secret): Record<string, string> {
  return { 'X-Shopify-Hmac-Sha256': shopifyHmac(secret, body), 'X-Shopify-Webhook-Id': webhookId, 'X-Shopify-Shop-Domain': shopChannel().domain };
}

describe('Shopify orders/create webhook', () => {
  it('signs like the published HMAC-SHA256 test vector (RFC 4231 case 2), base64 as Shopify sends it', () => {
    expect(shopifyHmac('Jefe', 'what do ya want for nothing?')).toBe(
      Buffer.from('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'hex').toString('base64'),
    );
  });

  it('accepts a valid signature: 2xx, order stored with the exact 64-bit ids', async () => {
    const c = shopChannel();
    const orderId = freshId();
    const lineId = freshId();
    const body = shopifyBody(orderId, lineId);
    const res = await deliver(c.url, body, signed(body));
    expect(res.status).toBe(201);
    const ack = obj(res.json);
    expect(ack).toMatchObject({ result: 'created', flags: [] });
    expect(ack['orderId']).toBe(deriveOrderId(c.id, 'shopify', orderId));

    const view = obj((await http(endpoints().apiUrl, 'GET', `/orders/${String(ack['orderId'])}`, { headers: { 'x-api-key': c.apiKey } })).json);
    expect(view).toMatchObject({ externalOrderId: orderId, source: 'shopify', channelId: c.id, lines: [{ sku: 'MUG-ENAMEL-WHT', externalLineId: lineId, quantity: 2 }] });
    const stored = (await partition(documentClient(), `ORDER#${String(ack['orderId'])}`)).find((i) => i['entity'] === 'Order');
    expect(stored?.['externalOrderId']).toBe(orderId);
  });

  it('dedupes a repeated X-Shopify-Webhook-Id: 200 duplicate, no second order, no second event', async () => {
    const c = shopChannel();
    const body = shopifyBody(freshId(), freshId());
    const headers = signed(body);
    const first = await deliver(c.url, body, headers);
    const again = await deliver(c.url, body, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(obj(again.json)).toMatchObject({ result: 'duplicate', orderId: obj(first.json)['orderId'] });
    const items = await partition(documentClient(), `ORDER#${String(obj(first.json)['orderId'])}`);
    expect(items.filter((i) => i['entity'] === 'Order')).toHaveLength(1);
    expect(receivedEvents(items)).toHaveLength(1);
  });

  it('treats the same Shopify order under a new webhook id as a duplicate too', async () => {
    const c = shopChannel();
    const body = shopifyBody(freshId(), freshId());
    const first = await deliver(c.url, body, signed(body));
    const resent = await deliver(c.url, body, signed(body));
    expect(resent.status).toBe(200);
    expect(obj(resent.json)['orderId']).toBe(obj(first.json)['orderId']);
  });

  it.each<[string, (body: string) => Record<string, string>]>([
    ['a signature made with another secret', (body: string) => signed(body, randomUUID(), 'not-the-secret')],
    ['a signature of another body', (body: string) => ({ ...signed(body), 'X-Shopify-Hmac-Sha256': shopifyHmac(shopChannel().secret, `${body} `) })],
    ['no signature', () => ({ 'X-Shopify-Webhook-Id': randomUUID() })],
  ])('answers 401 for %s and writes nothing', async (_label, headersFor) => {
    const c = shopChannel();
    const shopifyOrderId = freshId();
    const body = shopifyBody(shopifyOrderId, freshId());
    const headers = headersFor(body);
    const res = await deliver(c.url, body, headers);
    expect(res.status).toBe(401);
    expect(obj(res.json)).toMatchObject({ error: expect.any(String), issues: [{ path: 'headers.x-shopify-hmac-sha256' }] });
    const ddb = documentClient();
    expect(await partition(ddb, `ORDER#${deriveOrderId(c.id, 'shopify', shopifyOrderId)}`)).toEqual([]);
    const webhookId = headers['X-Shopify-Webhook-Id'] ?? '';
    expect(await partition(ddb, `DEDUPE#shopify-webhook#${c.id}#${webhookId}`)).toEqual([]);
  });

  it('routes by X-Shopify-Shop-Domain on the channel-less URL', async () => {
    const c = shopChannel();
    const url = endpoints().webhooks.shopifyByShopDomainUrl;
    expect(url).toBe(`${endpoints().apiUrl}/webhooks/shopify/orders-create`);
    const body = shopifyBody(freshId(), freshId());
    const res = await deliver(url ?? '', body, signed(body));
    expect(res.status).toBe(201);
    expect(obj(res.json)['orderId']).toMatch(/^ord_/);
    const unknownShop = await deliver(url ?? '', body, { ...signed(body), 'X-Shopify-Shop-Domain': 'someone-else.myshopify.com' });
    expect(unknownShop.status).toBe(401);
    expect(c.domain).toBe('dropship-demo.myshopify.com');
  });

  it('answers a channel that is not configured exactly like a bad signature (401, no channel enumeration)', async () => {
    const body = shopifyBody(freshId(), freshId());
    const res = await deliver(`${endpoints().apiUrl}/webhooks/shopify/no-such-channel/orders-create`, body, signed(body));
    expect(res.status).toBe(401);
    expect(obj(res.json)).toMatchObject({ issues: [{ path: 'headers.x-shopify-hmac-sha256' }] });
  });

  it('records business problems as flags and still answers 2xx', async () => {
    const c = shopChannel();
    const body = shopifyBody(freshId(), freshId(), { sku: 'NOT-IN-CATALOG', financialStatus: 'pending' });
    const res = await deliver(c.url, body, signed(body));
    expect(res.status).toBe(201);
    const codes = (obj(res.json)['flags'] as { code: string }[]).map((f) => f.code).sort();
    expect(codes).toEqual(['UNKNOWN_SKU', 'UNPAID']);
  });

  it('needs no API key on the webhook routes (API Gateway lets Shopify through)', () => {
    const webhookRoutes = endpoints().routes.filter((r) => r.path.startsWith('/webhooks/'));
    expect(webhookRoutes.length).toBeGreaterThanOrEqual(2);
    expect(webhookRoutes.every((r) => !r.apiKeyRequired)).toBe(true);
  });
});

/**
 * Storefront order changes through the local runtime (real API Gateway stand-in, handlers, DynamoDB
 * Local and the state machine): an address a person can fix holds the order INCORRECT_ADDRESS, the
 * correction (POST /orders/{orderId}/address) resumes it; the topic-aware Shopify route; WooCommerce.
 * Suppliers are off in this suite: a resumed order stops at its dispatch (IN_FULFILLMENT).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeHmacBase64 } from '../../functions/core/kernel/webhook-signature';
import { endpoints, http, obj } from './helpers';
import { timelineTypes, waitFor } from './workflow-helpers';

type ChannelInfo = { id: string; secret: string; apiKey: string; webhookUrl: string };
function channel(platform: 'shopify' | 'woocommerce'): ChannelInfo {
  const c = endpoints().channels.find((ch) => ch.platform === platform);
  if (c === undefined || c.webhookSecret === null || c.apiKey === null || c.webhookUrl === null) throw new Error(`endpoints.json has no complete ${platform} channel`);
  return { id: c.id, secret: c.webhookSecret, apiKey: c.apiKey, webhookUrl: c.webhookUrl };
}

const freshId = (): string => String(7_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));

function shopifyBody(id: string, zip: string, updatedAt = '2026-11-25T10:00:00Z'): string {
  return JSON.stringify({
    id: Number.MAX_SAFE_INTEGER,
    name: `#${id.slice(-4)}`,
    email: 'grace@example.com',
    currency: 'EUR',
    financial_status: 'paid',
    taxes_included: true,
    updated_at: updatedAt,
    line_items: [{ id: 1, sku: 'MUG-ENAMEL-WHT', title: 'Enamel camping mug', quantity: 1, price: '14.90' }],
    shipping_address: { first_name: 'Grace', last_name: 'Hopper', address1: `Keizersgracht ${randomUUID().slice(0, 6)}`, city: 'Amsterdam', zip, country_code: 'NL' },
    total_line_items_price: '14.90',
    total_tax: '0.00',
    total_discounts: '0.00',
    total_shipping_price_set: { shop_money: { amount: '4.90', currency_code: 'EUR' } },
    total_price: '19.80',
  }).replace(String(Number.MAX_SAFE_INTEGER), id);
}

const shopifyPost = (c: ChannelInfo, topic: string, body: string) =>
  http('', 'POST', c.webhookUrl, {
    body,
    headers: {
      'content-type': 'application/json',
      'X-Shopify-Topic': topic,
      'X-Shopify-Hmac-Sha256': computeHmacBase64(c.secret, body),
      'X-Shopify-Webhook-Id': randomUUID(),
      'X-Shopify-Triggered-At': new Date().toISOString(),
    },
  });

/** The order as its own channel reads it, once its status is one of `statuses` (deadline 30 s). */
async function waitForStatus(c: ChannelInfo, orderId: string, statuses: string | readonly string[]): Promise<Record<string, unknown>> {
  const wanted = typeof statuses === 'string' ? [statuses] : statuses;
  return waitFor(`order ${orderId} to be ${wanted.join('|')}`, async () => {
    const view = await http(endpoints().apiUrl, 'GET', `/orders/${orderId}`, { headers: { 'x-api-key': c.apiKey } });
    const order = view.status === 200 ? obj(view.json) : undefined;
    return order !== undefined && wanted.includes(String(order['status'])) ? order : undefined;
  }, 30_000);
}

const changeAddress = (c: ChannelInfo, orderId: string, address: Record<string, unknown>, key: string | null = randomUUID()) =>
  http(endpoints().apiUrl, 'POST', `/orders/${orderId}/address`, {
    body: JSON.stringify(address),
    headers: { 'content-type': 'application/json', 'x-api-key': c.apiKey, ...(key === null ? {} : { 'Idempotency-Key': key }) },
  });

describe('INCORRECT_ADDRESS hold and correction (local runtime)', () => {
  it('a Shopify order with a malformed postcode is held, corrected through POST /orders/{id}/address, and resumes', async () => {
    const shop = channel('shopify');
    const created = await shopifyPost(shop, 'orders/create', shopifyBody(freshId(), '1015'));
    expect(created.status).toBe(201);
    const orderId = String(obj(created.json)['orderId']);

    const held = await waitForStatus(shop, orderId, 'ON_HOLD');
    expect(held).toMatchObject({ holdReason: 'INCORRECT_ADDRESS', addressIssues: [{ field: 'shippingAddress.postcode', code: 'POSTCODE_INVALID' }] });

    // Still invalid: 422 naming the field, the order stays held.
    const invalid = await changeAddress(shop, orderId, { name: 'Grace Hopper', line1: 'Keizersgracht 1', city: 'Amsterdam', postcode: '10', country: 'NL' });
    expect(invalid.status).toBe(422);
    expect(obj(invalid.json)['issues']).toEqual([expect.objectContaining({ path: 'postcode' })]);

    const fixed = await changeAddress(shop, orderId, { name: 'Grace Hopper', line1: 'Keizersgracht 1', city: 'Amsterdam', postcode: '1015cj', country: 'nl' });
    expect(fixed.status).toBe(200);
    expect(obj(fixed.json)).toMatchObject({ orderId, changed: true, stage: 'BEFORE_DISPATCH', releasedHold: true });

    const resumed = await waitForStatus(shop, orderId, ['RESERVED', 'IN_FULFILLMENT']);
    expect(resumed['shippingAddress']).toMatchObject({ postcode: '1015 CJ', country: 'NL' });
    expect(timelineTypes(resumed)).toEqual(expect.arrayContaining(['OrderOnHold', 'AddressChanged', 'OrderReleased', 'OrderValidated']));
  });

  it('POST /orders/{id}/address: missing Idempotency-Key 400, unknown field 422, another channel\'s order 404', async () => {
    const shop = channel('shopify');
    const created = await shopifyPost(shop, 'orders/create', shopifyBody(freshId(), '1015 CJ'));
    const orderId = String(obj(created.json)['orderId']);
    const address = { name: 'Grace Hopper', line1: 'Keizersgracht 1', city: 'Amsterdam', postcode: '1015 CJ', country: 'NL' };
    expect((await changeAddress(shop, orderId, address, null)).status).toBe(400);
    const unknownField = await changeAddress(shop, orderId, { ...address, street: 'x' });
    expect(unknownField.status).toBe(422);
    const web = endpoints().channels.find((c) => c.id === 'demo-web');
    const other = await changeAddress({ ...shop, apiKey: web?.apiKey ?? '' }, orderId, address);
    expect(other.status).toBe(404);
  });
});

describe('topic-aware Shopify route and WooCommerce (local runtime)', () => {
  it('orders/updated for an unknown order is 200 ignored and creates nothing; an unhandled topic too', async () => {
    const shop = channel('shopify');
    const id = freshId();
    const updated = await shopifyPost(shop, 'orders/updated', shopifyBody(id, '1015 CJ'));
    expect(updated.status).toBe(200);
    expect(obj(updated.json)['result']).toBe('ignored');
    const products = await shopifyPost(shop, 'products/update', '{"id":632910392}');
    expect(obj(products.json)['result']).toBe('ignored');
    const created = await shopifyPost(shop, 'orders/create', shopifyBody(id, '1015 CJ'));
    expect(created.status).toBe(201);
  });

  it('a WooCommerce order.created delivery becomes an order; the ping is answered 200', async () => {
    const woo = channel('woocommerce');
    const ping = await http('', 'POST', woo.webhookUrl, { body: 'webhook_id=12', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(ping.status).toBe(200);
    const wooId = Math.floor(Math.random() * 1e9);
    const body = JSON.stringify({
      id: wooId,
      number: String(wooId),
      status: 'processing',
      currency: 'EUR',
      date_modified_gmt: '2026-11-25T10:00:00',
      total: '19.80',
      shipping_total: '4.90',
      total_tax: '0.00',
      discount_total: '0.00',
      billing: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', address_1: 'Invalidenstrasse 1', city: 'Berlin', postcode: '10115', country: 'DE' },
      shipping: { first_name: 'Ada', last_name: 'Lovelace', address_1: `Invalidenstrasse ${randomUUID().slice(0, 6)}`, city: 'Berlin', postcode: '10115', country: 'DE' },
      line_items: [{ id: 1, name: 'Mug', quantity: 1, subtotal: '14.90', total: '14.90', sku: 'MUG-ENAMEL-WHT' }],
    });
    const res = await http('', 'POST', woo.webhookUrl, {
      body,
      headers: { 'content-type': 'application/json', 'X-WC-Webhook-Topic': 'order.created', 'X-WC-Webhook-Signature': computeHmacBase64(woo.secret, body), 'X-WC-Webhook-Delivery-ID': randomUUID() },
    });
    expect(res.status).toBe(201);
    const orderId = String(obj(res.json)['orderId']);
    const order = await waitFor('the WooCommerce order to be readable', async () => {
      const view = await http(endpoints().apiUrl, 'GET', `/orders/${orderId}`, { headers: { 'x-api-key': woo.apiKey } });
      return view.status === 200 ? obj(view.json) : undefined;
    });
    expect(order).toMatchObject({ source: 'woocommerce', externalOrderId: String(wooId), channelId: woo.id });
  });
});

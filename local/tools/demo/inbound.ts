/**
 * Part 3 of `npm run demo`: storefront order changes coming in (called by demo.ts after part 2).
 *   G. Shopify orders/create with a malformed postcode → ON_HOLD INCORRECT_ADDRESS → orders/updated with
 *      the corrected zip (newer updated_at) → resumed; an older orders/updated afterwards changes nothing;
 *   H. Shopify orders/create (payment pending) → ON_HOLD AWAITING_PAYMENT → orders/paid → released;
 *      then orders/cancelled → the cancellation flow (needs the cancellation service of issue 11);
 *   I. WooCommerce: the ping sent when a webhook is saved, then a signed order.created (REST v3 order).
 * Every wait has a deadline.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { LocalEndpoints } from '../../runtime/runtime';

const TIMEOUT_MS = 15_000;

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<Reply> {
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {} };
}

const s = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');

async function orderWhen(e: LocalEndpoints, apiKey: string, orderId: string, statuses: readonly string[], timeoutMs = 30_000): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${e.apiUrl}/orders/${orderId}`, { headers: { 'x-api-key': apiKey }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (res.status === 200) {
      const order = (await res.json()) as Record<string, unknown>;
      if (statuses.includes(s(order['status']))) return order;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}

function shopifyOrder(id: string, opts: { zip: string; financialStatus: string; updatedAt: string }): string {
  return JSON.stringify({
    id: 1,
    name: `#${id.slice(-4)}`,
    email: 'grace@example.com',
    currency: 'EUR',
    financial_status: opts.financialStatus,
    taxes_included: true,
    updated_at: opts.updatedAt,
    line_items: [{ id: 2, sku: 'MUG-ENAMEL-WHT', title: 'Enamel camping mug', quantity: 1, price: '14.90' }],
    shipping_address: { first_name: 'Grace', last_name: 'Hopper', address1: `Keizersgracht ${1 + Math.floor(Math.random() * 900)}`, city: 'Amsterdam', zip: opts.zip, country_code: 'NL' },
    total_line_items_price: '14.90',
    total_tax: '0.00',
    total_discounts: '0.00',
    total_shipping_price_set: { shop_money: { amount: '4.90', currency_code: 'EUR' } },
    total_price: '19.80',
  }).replace('"id":1,', `"id":${id},`);
}

// Long: three scripted scenarios, each a few calls and prints.
export async function inboundDemo(e: LocalEndpoints): Promise<void> {
  console.log('\nPart 3: order changes from the storefronts (topic-aware Shopify webhook, WooCommerce, address correction)');
  const shop = e.channels.find((c) => c.platform === 'shopify' && c.webhookSecret !== null && c.webhookUrl !== null && c.apiKey !== null);
  const woo = e.channels.find((c) => c.platform === 'woocommerce' && c.webhookSecret !== null && c.webhookUrl !== null && c.apiKey !== null);
  if (shop?.webhookSecret && shop.webhookUrl && shop.apiKey) {
    const { webhookSecret: secret, webhookUrl: url, apiKey } = shop;
    const send = (topic: string, body: string) =>
      post(url, body, {
        'content-type': 'application/json',
        'X-Shopify-Topic': topic,
        'X-Shopify-Webhook-Id': randomUUID(),
        'X-Shopify-Triggered-At': new Date().toISOString(),
        'X-Shopify-Hmac-Sha256': createHmac('sha256', secret).update(body).digest('base64'),
      });
    const id = String(5_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e12)));
    const g = await send('orders/create', shopifyOrder(id, { zip: '1015', financialStatus: 'paid', updatedAt: '2026-11-25T10:00:00Z' }));
    const gId = s(g.body['orderId']);
    const held = await orderWhen(e, apiKey, gId, ['ON_HOLD', 'REJECTED']);
    console.log(`  G. orders/create, zip "1015" (NL needs 1234 AB): ${g.status} ${gId} → ${s(held?.['status'])} ${s(held?.['holdReason'])} ${s(held?.['addressIssues'])}`);
    const fix = await send('orders/updated', shopifyOrder(id, { zip: '1015 CJ', financialStatus: 'paid', updatedAt: '2026-11-25T11:00:00Z' }));
    const resumed = await orderWhen(e, apiKey, gId, ['RESERVED', 'IN_FULFILLMENT', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED']);
    console.log(`     orders/updated with zip "1015 CJ": ${fix.status} ${s(fix.body['result'])} ${s(fix.body['changes'])} → ${s(resumed?.['status']) || 'still waiting'}`);
    const old = await send('orders/updated', shopifyOrder(id, { zip: '9999 ZZ', financialStatus: 'paid', updatedAt: '2026-11-25T10:30:00Z' }));
    console.log(`     an older orders/updated (out of order): ${old.status} ${s(old.body['result'])}`);

    const id2 = String(BigInt(id) + 1n);
    const h = await send('orders/create', shopifyOrder(id2, { zip: '1015 CJ', financialStatus: 'pending', updatedAt: '2026-11-25T10:00:00Z' }));
    const hId = s(h.body['orderId']);
    const waiting = await orderWhen(e, apiKey, hId, ['ON_HOLD']);
    const paid = await send('orders/paid', shopifyOrder(id2, { zip: '1015 CJ', financialStatus: 'paid', updatedAt: '2026-11-25T10:05:00Z' }));
    console.log(`  H. orders/create (pending) → ${s(waiting?.['holdReason'])}; orders/paid: ${paid.status} ${s(paid.body['result'])} ${s(paid.body['changes'])}`);
    const cancelled = await send('orders/cancelled', shopifyOrder(id2, { zip: '1015 CJ', financialStatus: 'voided', updatedAt: '2026-11-25T10:10:00Z' }));
    console.log(`     orders/cancelled: ${cancelled.status} ${s(cancelled.body['result'] ?? cancelled.body['error'])} ${s(cancelled.body['cancellation'] ?? '')}`);
    const other = await send('products/update', '{"id":632910392}');
    console.log(`     products/update (not an order topic): ${other.status} ${s(other.body['result'])}`);
  } else {
    console.log('  G-H. (skipped: no Shopify channel with a webhookUrl in endpoints.json)');
  }
  if (woo?.webhookSecret && woo.webhookUrl && woo.apiKey) {
    const ping = await post(woo.webhookUrl, 'webhook_id=1', { 'content-type': 'application/x-www-form-urlencoded' });
    const wooId = 1 + Math.floor(Math.random() * 1e8);
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
      billing: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
      shipping: { first_name: 'Ada', last_name: 'Lovelace', address_1: `Invalidenstrasse ${1 + Math.floor(Math.random() * 900)}`, city: 'Berlin', postcode: '10115', country: 'DE' },
      line_items: [{ id: 1, name: 'Enamel camping mug', quantity: 1, subtotal: '14.90', total: '14.90', sku: 'MUG-ENAMEL-WHT' }],
    });
    const created = await post(woo.webhookUrl, body, {
      'content-type': 'application/json',
      'X-WC-Webhook-Topic': 'order.created',
      'X-WC-Webhook-Delivery-ID': randomUUID(),
      'X-WC-Webhook-Signature': createHmac('sha256', woo.webhookSecret).update(body).digest('base64'),
    });
    const wooOrder = await orderWhen(e, woo.apiKey, s(created.body['orderId']), ['RESERVED', 'IN_FULFILLMENT', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'REJECTED', 'ON_HOLD']);
    console.log(`  I. WooCommerce ping: ${ping.status}; order.created #${wooId}: ${created.status} ${s(created.body['orderId'])} → ${s(wooOrder?.['status']) || 'still waiting'}`);
  } else {
    console.log('  I. (skipped: no WooCommerce channel in endpoints.json)');
  }
}

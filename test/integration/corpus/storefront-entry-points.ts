/**
 * The storefront entry points of the corpus (a second table, same shape as http-entry-points.ts, kept
 * apart for the file-size rule): the topic-aware Shopify webhook `POST /webhooks/shopify/{channelId}`
 * (every X-Shopify-Topic, the X-Shopify-Triggered-At replay window), the WooCommerce webhook
 * `POST /webhooks/woocommerce/{channelId}` (signature, delivery id, topics, the form-encoded ping) and
 * `POST /orders/{orderId}/address`.
 *
 * Cancellations (Shopify orders/cancelled, refunds/create; WooCommerce status cancelled / refunded) run
 * twice: for orders the pipeline does NOT have (an order id that is a number is always made fresh by
 * `freshId`, the id field is still mutated to every other type; such a delivery must answer 200 ignored
 * and never create the order), and for known fixture orders (cancellationEntryPoints, last in the table).
 */
import fc from 'fast-check';
import { orderIdForExternalOrder } from '../../../functions/core/kernel/order-id';
import { endpoints } from '../helpers';
import { CORPUS_SKU, jsonRoute, ORDER_ID_SEGMENTS, shopifyHmac, shopifyOrderIdOf, UID, type CorpusFixtures, type HttpEntryPoint, type SentCase } from './http-entry-points';
import { NASTY_SEGMENTS, type Json } from './mutations';

export interface StorefrontChannel {
  readonly id: string;
  readonly secret: string;
  readonly apiKey: string;
  readonly webhookUrl: string;
}

/** The channel of a platform with its topic-aware webhook URL (endpoints.json). */
export function storefrontChannel(platform: 'shopify' | 'woocommerce'): StorefrontChannel {
  const c = endpoints().channels.find((ch) => ch.platform === platform);
  if (c === undefined || c.webhookSecret === null || c.apiKey === null || c.webhookUrl === null) throw new Error(`endpoints.json has no complete ${platform} channel`);
  return { id: c.id, secret: c.webhookSecret, apiKey: c.apiKey, webhookUrl: c.webhookUrl };
}

const PLACEHOLDER_ID = 4_343_434_343_434;

/** The first number at `"key":` (or the digits string Shopify ids may be) replaced by the case's unique number. */
export function freshId(key: string): (body: string, uid: string) => string {
  const pattern = new RegExp(`"${key}":(-?[0-9][0-9.eE+-]*|"[0-9]{1,40}")`);
  return (body, uid) => body.replace(pattern, `"${key}":${uid}`);
}

/** The top-level order id of a sent body (the first "id" of the JSON text), if it is a number or digits. */
export function firstIdOf(body: string | Buffer | undefined, key = 'id'): string | undefined {
  const match = new RegExp(`"${key}":"?(\\d{1,30})[",}]`).exec((body ?? '').toString('utf8'));
  return match?.[1];
}

/** A webhook that answered 2xx but refused (rejected) or ignored the delivery must have written no order. */
const refusedOrIgnored = (json: unknown): boolean => {
  const result = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['result'] : undefined;
  return result === 'rejected' || result === 'ignored';
};

const orderPartition = (channelId: string, externalId: string | undefined): string[] => (externalId === undefined ? [] : [`ORDER#${orderIdForExternalOrder(channelId, externalId)}`]);

/** X-Shopify-Triggered-At: now, absent, past the 48 h replay window, in the future, not a date. */
function triggeredAt(): fc.Arbitrary<Record<string, string>> {
  const now = Date.now();
  const at = (offsetHours: number) => new Date(now + offsetHours * 3_600_000).toISOString();
  return fc.constantFrom<Record<string, string>>(
    { 'X-Shopify-Triggered-At': at(0) },
    { 'X-Shopify-Triggered-At': at(0) },
    {},
    { 'X-Shopify-Triggered-At': at(-47) },
    { 'X-Shopify-Triggered-At': at(-49) },
    { 'X-Shopify-Triggered-At': at(2) },
    { 'X-Shopify-Triggered-At': 'Tue, 01 Dec 2026 10:00:00 GMT' },
    { 'X-Shopify-Triggered-At': '2026-02-30T25:61:00Z' },
    { 'X-Shopify-Triggered-At': '1'.repeat(80) },
  );
}

const shopTopics = (topics: readonly string[]): fc.Arbitrary<Record<string, string>> =>
  fc.tuple(fc.constantFrom(...topics), triggeredAt()).map(([topic, t]) => ({ 'X-Shopify-Topic': topic, ...t }));

function shopifyOrder(id: number | string): Json {
  return {
    id: typeof id === 'number' ? id : Number(id),
    name: '#2002',
    email: 'grace@example.com',
    currency: 'EUR',
    financial_status: 'paid',
    cancelled_at: null,
    cancel_reason: null,
    taxes_included: true,
    updated_at: '2026-11-25T10:00:00+01:00',
    line_items: [{ id: 866550311766439, sku: CORPUS_SKU, title: 'Enamel camping mug', quantity: 1, price: '14.90' }],
    shipping_address: { first_name: 'Grace', last_name: 'Hopper', address1: 'Keizersgracht 1', city: 'Amsterdam', zip: '1015 CJ', country_code: 'NL' },
    total_line_items_price: '14.90',
    total_tax: '0.00',
    total_discounts: '0.00',
    total_shipping_price_set: { shop_money: { amount: '4.90', currency_code: 'EUR' } },
    total_price: '19.80',
  };
}

function wooOrder(id: number, status: string): Json {
  return {
    id,
    number: '2002',
    status,
    currency: 'EUR',
    date_modified_gmt: '2026-11-25T10:00:00',
    total: '19.80',
    shipping_total: '4.90',
    total_tax: '0.00',
    discount_total: '0.00',
    prices_include_tax: true,
    billing: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', address_1: 'Invalidenstrasse 1', city: 'Berlin', postcode: '10115', country: 'DE' },
    shipping: { first_name: 'Ada', last_name: 'Lovelace', address_1: 'Invalidenstrasse 1', city: 'Berlin', postcode: '10115', country: 'DE' },
    line_items: [{ id: 1, name: 'Mug', quantity: 1, subtotal: '14.90', total: '14.90', sku: CORPUS_SKU }],
    refunds: status === 'refunded' ? [{ id: 77, reason: 'Damaged', total: '-19.80' }] : [],
  };
}

/** The form-encoded ping WooCommerce sends unsigned when a webhook is saved, and near misses. */
const WOO_PINGS = ['webhook_id=12', 'webhook_id=', 'webhook_id=12&x=1', `webhook_id=${'9'.repeat(21)}`, 'webhook_id=%00', 'webhook_id=12\n'];

const wooHeaders = (topic: string) => ({ 'X-WC-Webhook-Topic': topic, 'X-WC-Webhook-Delivery-ID': `corpus-${UID}`, 'X-WC-Webhook-Source': 'https://shop.example/' });
const WOO_BREAKABLE = ['X-WC-Webhook-Signature', 'X-WC-Webhook-Delivery-ID', 'X-WC-Webhook-Topic'];
/** Signed like WooCommerce (base64 HMAC-SHA256); the ping is sent unsigned, as WooCommerce sends it. */
const wooSign = (body: string | Buffer): Record<string, string> =>
  /^webhook_id=/.test(body.toString('utf8')) ? {} : { 'X-WC-Webhook-Signature': shopifyHmac(storefrontChannel('woocommerce').secret, body) };

const SHOP_BREAKABLE = ['X-Shopify-Hmac-Sha256', 'X-Shopify-Webhook-Id', 'X-Shopify-Topic', 'X-Shopify-Triggered-At'];
const shopSign = (body: string | Buffer): Record<string, string> => ({ 'X-Shopify-Hmac-Sha256': shopifyHmac(storefrontChannel('shopify').secret, body) });
const shopHeaders = (topic: string) => ({ 'X-Shopify-Topic': topic, 'X-Shopify-Webhook-Id': `corpus-${UID}`, 'X-Shopify-Shop-Domain': 'dropship-demo.myshopify.com' });

/** A valid body of each platform, for the fixtures (the corpus mutates the same shapes). */
export const storefrontBodies = { shopifyOrder, wooOrder };

/** The storefront table. Runs add up to this file's share of the HTTP corpus. */
export function storefrontEntryPoints(fixtures: () => CorpusFixtures): HttpEntryPoint[] {
  const api = endpoints().apiUrl;
  const shop = () => storefrontChannel('shopify');
  const woo = () => storefrontChannel('woocommerce');
  const shopUrl = () =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(0).map(() => shop().webhookUrl) },
      { weight: 1, arbitrary: fc.constantFrom(...NASTY_SEGMENTS.slice(0, 24), 'demo-woo').map((c) => `${api}/webhooks/shopify/${c}`) },
    );
  const wooUrl = () =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(0).map(() => woo().webhookUrl) },
      { weight: 1, arbitrary: fc.constantFrom(...NASTY_SEGMENTS.slice(0, 24), 'demo-shopify', 'demo-web').map((c) => `${api}/webhooks/woocommerce/${c}`) },
    );
  const web = endpoints().channels.find((c) => c.id === 'demo-web');
  const webKey = web?.apiKey ?? '';
  return [
    jsonRoute({
      name: 'POST /webhooks/shopify/{channelId} orders/create|updated|paid, unknown topics (fresh orders)',
      runs: 60,
      url: shopUrl,
      boundaryUrl: () => shop().webhookUrl,
      base: () => shopifyOrder(PLACEHOLDER_ID),
      headers: () => shopHeaders('orders/updated'),
      varyHeaders: () => shopTopics(['orders/create', 'orders/updated', 'orders/paid', 'ORDERS/PAID ', 'products/update', 'app/uninstalled', 'orders/create/extra', '', 'orders%2Fcreate']),
      breakable: SHOP_BREAKABLE,
      sign: shopSign,
      finalize: freshId('id'),
      untouched: (sent: SentCase) => orderPartition(shop().id, shopifyOrderIdOf(sent.body)),
      refusedDespite2xx: refusedOrIgnored,
    }),
    jsonRoute({
      name: 'POST /webhooks/shopify/{channelId} orders/updated|paid of a known order',
      runs: 30,
      url: () => fc.constant(0).map(() => shop().webhookUrl),
      base: () => shopifyOrder(fixtures().shopifyOrderId),
      noBoundaries: true,
      headers: () => shopHeaders('orders/updated'),
      varyHeaders: () => shopTopics(['orders/updated', 'orders/paid']),
      breakable: SHOP_BREAKABLE,
      sign: shopSign,
    }),
    jsonRoute({
      name: 'POST /webhooks/shopify/{channelId} orders/cancelled (unknown orders)',
      runs: 20,
      url: shopUrl,
      boundaryUrl: () => shop().webhookUrl,
      base: (): Json => ({ id: PLACEHOLDER_ID, cancelled_at: '2026-11-25T11:00:00+01:00', cancel_reason: 'customer', financial_status: 'voided', updated_at: '2026-11-25T11:00:00+01:00' }),
      headers: () => shopHeaders('orders/cancelled'),
      varyHeaders: () => shopTopics(['orders/cancelled']),
      breakable: SHOP_BREAKABLE,
      sign: shopSign,
      finalize: freshId('id'),
      untouched: (sent) => orderPartition(shop().id, firstIdOf(sent.body)),
      refusedDespite2xx: refusedOrIgnored,
    }),
    jsonRoute({
      name: 'POST /webhooks/shopify/{channelId} refunds/create (unknown orders)',
      runs: 20,
      url: shopUrl,
      boundaryUrl: () => shop().webhookUrl,
      base: (): Json => ({
        id: 509562969,
        order_id: PLACEHOLDER_ID,
        created_at: '2026-11-25T12:00:00+01:00',
        refund_line_items: [{ line_item_id: 866550311766439, quantity: 1, restock_type: 'cancel' }],
        transactions: [{ kind: 'refund', status: 'success', amount: '14.90', currency: 'EUR' }],
      }),
      headers: () => shopHeaders('refunds/create'),
      varyHeaders: () => shopTopics(['refunds/create']),
      breakable: SHOP_BREAKABLE,
      sign: shopSign,
      finalize: freshId('order_id'),
      untouched: (sent) => orderPartition(shop().id, firstIdOf(sent.body, 'order_id')),
      refusedDespite2xx: refusedOrIgnored,
    }),
    jsonRoute({
      name: 'POST /webhooks/woocommerce/{channelId} order.created|updated, other topics, ping (fresh orders)',
      runs: 50,
      url: wooUrl,
      boundaryUrl: () => woo().webhookUrl,
      base: () => wooOrder(PLACEHOLDER_ID, 'processing'),
      headers: () => wooHeaders('order.created'),
      varyHeaders: () => fc.constantFrom('order.created', 'order.created', 'order.updated', 'ORDER.UPDATED', 'order.deleted', 'product.created', 'action.woocommerce_x', '').map((t) => ({ 'X-WC-Webhook-Topic': t })),
      breakable: WOO_BREAKABLE,
      sign: wooSign,
      extraRaw: WOO_PINGS,
      finalize: freshId('id'),
      untouched: (sent) => orderPartition(woo().id, firstIdOf(sent.body)),
      refusedDespite2xx: refusedOrIgnored,
    }),
    jsonRoute({
      name: 'POST /webhooks/woocommerce/{channelId} order.updated of a known order',
      runs: 25,
      url: () => fc.constant(0).map(() => woo().webhookUrl),
      base: () => wooOrder(fixtures().wooOrderId, 'completed'),
      noBoundaries: true,
      headers: () => wooHeaders('order.updated'),
      breakable: WOO_BREAKABLE,
      sign: wooSign,
    }),
    jsonRoute({
      name: 'POST /webhooks/woocommerce/{channelId} status cancelled|refunded (unknown orders)',
      runs: 20,
      url: () => fc.constant(0).map(() => woo().webhookUrl),
      base: () => wooOrder(PLACEHOLDER_ID, 'refunded'),
      noBoundaries: true,
      headers: () => wooHeaders('order.updated'),
      varyHeaders: () => fc.constantFrom('order.updated').map((t) => ({ 'X-WC-Webhook-Topic': t })),
      breakable: WOO_BREAKABLE,
      sign: wooSign,
      // The order id (the first "id" of the body) is always fresh; the refund and line ids are mutated freely.
      finalize: (body, uid) => body.replace(/^\{"id":(-?[0-9][0-9.eE+-]*)/, `{"id":${uid}`).replace('"status":"refunded"', uid.endsWith('0') || uid.endsWith('5') ? '"status":"cancelled"' : '"status":"refunded"'),
      untouched: (sent) => orderPartition(woo().id, firstIdOf(sent.body)),
      refusedDespite2xx: refusedOrIgnored,
    }),
    jsonRoute({
      name: 'POST /orders/{orderId}/address',
      runs: 45,
      url: () =>
        fc
          .oneof({ weight: 3, arbitrary: fc.constant(0).map(() => fixtures().addressOrderId) }, { weight: 1, arbitrary: fc.constant(0).map(() => fixtures().heldOrderId) }, { weight: 1, arbitrary: ORDER_ID_SEGMENTS })
          .map((id) => `${api}/orders/${id}/address`),
      boundaryUrl: () => `${api}/orders/${fixtures().addressOrderId}/address`,
      base: (): Json => ({ name: 'Ada Lovelace', company: 'Analytical Engines', line1: 'Hauptstrasse 2', line2: 'Hinterhaus', city: 'Berlin', postcode: '10115', country: 'DE' }),
      headers: () => ({ 'x-api-key': webKey, 'Idempotency-Key': `corpus-${UID}` }),
      // x-api-key is not broken here: API Gateway's 403 for a bad key carries no code (reported to the lead).
      breakable: ['Idempotency-Key'],
    }),
    ...(CANCELLATION_LANDED ? cancellationEntryPoints(fixtures, api, webKey) : []),
  ];
}

/** The `cancel` branch (POST /orders/{orderId}/cancel and the real cancellation flow) is merged: its entries run. */
export const CANCELLATION_LANDED: boolean = true;

/**
 * Cancellations of orders the pipeline has (the last entries of the table: they cancel their fixture
 * orders, which no entry before them needs). Each has its own fixture order.
 */
function cancellationEntryPoints(fixtures: () => CorpusFixtures, api: string, webKey: string): HttpEntryPoint[] {
  const shop = () => storefrontChannel('shopify');
  const woo = () => storefrontChannel('woocommerce');
  return [
    jsonRoute({
      name: 'POST /orders/{orderId}/cancel',
      runs: 40,
      url: () =>
        fc
          .oneof({ weight: 2, arbitrary: fc.constant(0).map(() => fixtures().cancelOrderId) }, { weight: 1, arbitrary: fc.constant(0).map(() => fixtures().heldOrderId) }, { weight: 1, arbitrary: ORDER_ID_SEGMENTS })
          .map((id) => `${api}/orders/${id}/cancel`),
      boundaryUrl: () => `${api}/orders/${fixtures().cancelOrderId}/cancel`,
      base: (): Json => ({ reason: 'customer_request', note: 'Ordered the wrong size', lines: [{ lineNo: 1, quantity: 1 }] }),
      headers: () => ({ 'x-api-key': webKey, 'Idempotency-Key': `corpus-${UID}` }),
      breakable: ['Idempotency-Key'],
    }),
    jsonRoute({
      name: 'POST /webhooks/shopify/{channelId} orders/cancelled of a known order',
      runs: 15,
      url: () => fc.constant(0).map(() => shop().webhookUrl),
      base: (): Json => ({ id: Number(fixtures().shopifyCancelOrderId), cancelled_at: '2026-11-25T11:00:00+01:00', cancel_reason: 'customer', financial_status: 'voided' }),
      noBoundaries: true,
      headers: () => shopHeaders('orders/cancelled'),
      varyHeaders: () => shopTopics(['orders/cancelled']),
      breakable: SHOP_BREAKABLE,
      sign: shopSign,
    }),
    jsonRoute({
      name: 'POST /webhooks/shopify/{channelId} refunds/create of a known order',
      runs: 15,
      url: () => fc.constant(0).map(() => shop().webhookUrl),
      base: (): Json => ({
        id: 509562969,
        order_id: Number(fixtures().shopifyOrderId),
        refund_line_items: [{ line_item_id: 866550311766439, quantity: 1, restock_type: 'cancel' }],
        transactions: [{ kind: 'refund', status: 'success', amount: '14.90', currency: 'EUR' }],
      }),
      noBoundaries: true,
      headers: () => shopHeaders('refunds/create'),
      varyHeaders: () => shopTopics(['refunds/create']),
      breakable: SHOP_BREAKABLE,
      sign: shopSign,
      // A refund id per case (a refund is recorded once per id).
      finalize: freshId('id'),
    }),
    jsonRoute({
      name: 'POST /webhooks/woocommerce/{channelId} status refunded|cancelled of a known order',
      runs: 15,
      url: () => fc.constant(0).map(() => woo().webhookUrl),
      base: () => wooOrder(fixtures().wooOrderId, 'refunded'),
      noBoundaries: true,
      headers: () => wooHeaders('order.updated'),
      breakable: WOO_BREAKABLE,
      sign: wooSign,
    }),
  ];
}

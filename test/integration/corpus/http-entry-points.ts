/**
 * The HTTP entry points of the corpus: ONE table entry per route. Adding a route (a new webhook, a new
 * storefront call) is one `jsonRoute(...)` / `queryRoute(...)` entry in `httpEntryPoints` below (or in
 * storefront-entry-points.ts for the storefront webhooks and order changes, kept apart for the file size): its
 * valid input, how it is authenticated (or signed), and which partitions a refused request must leave
 * empty. The generic generators mutate the valid input, replace the raw body, and break the headers.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { deriveOrderId } from '../../../functions/core/kernel/order-id';
import { signOpsHeadersSync } from '../../../local/tools/ops-client';
import { endpoints } from '../helpers';
import { boundariesOf, mutationsOf, NASTY_HEADER_VALUES, NASTY_SEGMENTS, NASTY_STRINGS, pathSegment, preview, RAW_BODIES, type Json } from './mutations';

/** Replaced in every request by a value unique to the case (external ids, webhook ids, idempotency keys). */
export const UID = '__UID__';

export interface HttpCase {
  readonly label: string;
  readonly method: string;
  /** Absolute URL (may contain UID). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** What was actually sent (UID substituted, signature computed). */
export interface SentCase extends HttpCase {
  readonly uid: string;
}

export interface HttpEntryPoint {
  readonly name: string;
  /** Cases generated for this entry point. */
  readonly runs: number;
  readonly cases: () => fc.Arbitrary<HttpCase>;
  /** Deterministic boundary cases run before the generated ones (every field at its limit). */
  readonly boundaries?: () => HttpCase[];
  /** Headers computed over the final body (e.g. a webhook signature); applied before the case's own header breakage. */
  /** Headers computed from the final request (webhook HMACs; SigV4 of the ops API, which also signs method and URL; GET routes get `''`). */
  readonly sign?: (body: string | Buffer, request: { readonly method: string; readonly url: string; readonly headers: Readonly<Record<string, string>> }) => Record<string, string>;
  /** Partitions (pk) a refused request must leave empty: no partial write. */
  readonly untouched?: (sent: SentCase) => string[];
  /** Whether a 2xx answer still means "refused" (e.g. a webhook acknowledged as rejected). */
  readonly refusedDespite2xx?: (json: unknown) => boolean;
  /** Last touch of the body text with the case's unique number (e.g. a numeric id that must be fresh). */
  readonly finalize?: (body: string, uid: string) => string;
}

/** Shared state the entry points need (created by the test's beforeAll). */
export interface CorpusFixtures {
  /** An order of the web channel waiting for its payment (ON_HOLD or on its way there). */
  readonly heldOrderId: string;
  /** An order of the Shopify channel (created through orders/create): its Shopify id. */
  readonly shopifyOrderId: string;
  /** An order of the WooCommerce channel (created through order.created): its WooCommerce id. */
  readonly wooOrderId: number;
  /** An order of the web channel waiting for its payment, for POST /orders/{orderId}/address (no other entry changes it). */
  readonly addressOrderId: string;
  /** An order of the web channel for POST /orders/{orderId}/cancel (no other entry uses it). */
  readonly cancelOrderId: string;
  /** A second Shopify order, for orders/cancelled (no other entry uses it): its Shopify id. */
  readonly shopifyCancelOrderId: string;
}

type HeaderBreak = { readonly name: string; readonly value: string | undefined };

function withHeader(headers: Readonly<Record<string, string>>, change: HeaderBreak): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== change.name.toLowerCase()) out[k] = v;
  if (change.value !== undefined) out[change.name] = change.value;
  return out;
}

const headerBreak = (names: readonly string[]): fc.Arbitrary<HeaderBreak> =>
  fc.record({ name: fc.constantFrom(...names), value: fc.option(fc.constantFrom(...NASTY_HEADER_VALUES), { nil: undefined }) });

export function jsonText(value: Json): string {
  return JSON.stringify(value);
}

/** A route that takes a JSON body: valid, mutated, raw garbage, broken headers. */
export function jsonRoute(spec: {
  name: string;
  runs: number;
  method?: string;
  url: () => fc.Arbitrary<string>;
  /** The URL of the boundary cases (default: the first URL the generator gives). */
  boundaryUrl?: () => string;
  base: () => Json;
  headers: () => Record<string, string>;
  /** Headers the generator may drop or break (content-type is always one). */
  breakable?: readonly string[];
  sign?: HttpEntryPoint['sign'];
  untouched?: (sent: SentCase) => string[];
  refusedDespite2xx?: (json: unknown) => boolean;
  finalize?: (body: string, uid: string) => string;
  /** Header values that vary per case (a webhook topic, a trigger time): merged before the case's own breakage. */
  varyHeaders?: () => fc.Arbitrary<Record<string, string>>;
  /** Raw bodies of this route on top of RAW_BODIES (e.g. a form-encoded ping). */
  extraRaw?: readonly string[];
  /** No boundary cases: the same body shape has them in another entry (shares the time budget). */
  noBoundaries?: true;
}): HttpEntryPoint {
  const method = spec.method ?? 'POST';
  const varied = (headers: Record<string, string>): fc.Arbitrary<Record<string, string>> =>
    spec.varyHeaders === undefined ? fc.constant(headers) : spec.varyHeaders().map((v) => ({ ...headers, ...v }));
  const labelled = (label: string, headers: Record<string, string>): string => {
    const shown = Object.keys(spec.varyHeaders === undefined ? {} : headers).filter((k) => /topic|triggered/i.test(k));
    return shown.length === 0 ? label : `${label} [${shown.map((k) => `${k}=${preview(headers[k], 40)}`).join(' ')}]`;
  };
  return {
    name: spec.name,
    runs: spec.runs,
    ...(spec.sign === undefined ? {} : { sign: spec.sign }),
    ...(spec.untouched === undefined ? {} : { untouched: spec.untouched }),
    ...(spec.refusedDespite2xx === undefined ? {} : { refusedDespite2xx: spec.refusedDespite2xx }),
    ...(spec.finalize === undefined ? {} : { finalize: spec.finalize }),
    boundaries: () => {
      if (spec.noBoundaries === true) return [];
      const headers = { 'content-type': 'application/json', ...spec.headers() };
      const url = spec.boundaryUrl?.() ?? fc.sample(spec.url(), { seed: 1, numRuns: 1 })[0] ?? '';
      const fields = boundariesOf(spec.base()).map<HttpCase>((m) => ({ label: `boundary ${preview(m.mutations, 120)}`, method, url, headers, body: jsonText(m.value) }));
      const oversizedHeaders = (spec.breakable ?? []).map<HttpCase>((name) => ({
        label: `boundary header ${name} of 2,049 characters`,
        method,
        url,
        headers: { ...headers, [name]: `${UID}${'h'.repeat(2_049)}` },
        body: jsonText(spec.base()),
      }));
      return [...fields, ...oversizedHeaders];
    },
    cases: () => {
      const base = spec.base();
      const fixed = { 'content-type': 'application/json', ...spec.headers() };
      const breakable = ['content-type', ...(spec.breakable ?? [])];
      const raws = [...RAW_BODIES, ...(spec.extraRaw ?? [])];
      return fc.oneof(
        { weight: 1, arbitrary: fc.tuple(spec.url(), varied(fixed)).map<HttpCase>(([url, headers]) => ({ label: labelled('valid', headers), method, url, headers, body: jsonText(base) })) },
        {
          weight: 7,
          arbitrary: fc.tuple(spec.url(), mutationsOf(base), varied(fixed)).map<HttpCase>(([url, m, headers]) => ({
            label: labelled(`mutated ${preview(m.mutations, 200)}`, headers),
            method,
            url,
            headers,
            body: jsonText(m.value),
          })),
        },
        {
          weight: 1,
          arbitrary: fc.tuple(spec.url(), fc.constantFrom(...raws), varied(fixed)).map<HttpCase>(([url, body, headers]) => ({ label: labelled(`raw ${preview(body, 60)}`, headers), method, url, headers, body })),
        },
        {
          weight: 1,
          arbitrary: fc.tuple(spec.url(), headerBreak(breakable), varied(fixed)).map<HttpCase>(([url, change, headers]) => ({
            label: `header ${change.name}=${preview(change.value ?? '<absent>', 40)}`,
            method,
            url,
            headers: withHeader(headers, change),
            body: jsonText(base),
          })),
        },
      );
    },
  };
}

/** A GET route whose input is the path and the query string. */
function queryRoute(spec: { name: string; runs: number; url: () => fc.Arbitrary<string>; headers: () => Record<string, string>; sign?: HttpEntryPoint['sign'] }): HttpEntryPoint {
  return {
    name: spec.name,
    runs: spec.runs,
    ...(spec.sign === undefined ? {} : { sign: spec.sign }),
    cases: () => spec.url().map<HttpCase>((url) => ({ label: `GET ${preview(url.replace(/^https?:\/\/[^/]+/, ''), 120)}`, method: 'GET', url, headers: spec.headers() })),
  };
}

/** A query string from chosen parameters: each valid, hostile, repeated or absent; sometimes an unknown one. */
function queryOf(params: Readonly<Record<string, readonly string[]>>, unknown: readonly string[] = ['zip', 'foo', '']): fc.Arbitrary<string> {
  const value = (valid: readonly string[]) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS.filter((s) => s.length < 3_000)) });
  const entries = Object.entries(params).map(([name, valid]) =>
    fc.oneof(
      { weight: 8, arbitrary: value(valid).map((v) => [[name, v]] as [string, string][]) },
      { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
      { weight: 1, arbitrary: fc.tuple(value(valid), value(valid)).map(([a, b]) => [[name, a], [name, b]] as [string, string][]) },
    ),
  );
  return fc
    .tuple(
      fc.tuple(...entries),
      fc.oneof(
        { weight: 5, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...unknown), fc.constantFrom(...NASTY_STRINGS.slice(0, 12))) },
      ),
    )
    .map(([chosen, extra]) => {
      const pairs = [...chosen.flat(), ...(extra === undefined ? [] : [extra])];
      return pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${pathSegment(k)}=${pathSegment(v)}`).join('&')}`;
    });
}

// ------------------------------------------------------------------------------------------ channels

function webChannel(): { id: string; apiKey: string } {
  const c = endpoints().channels.find((ch) => ch.id === 'demo-web');
  if (c === undefined || c.apiKey === null) throw new Error('endpoints.json has no demo-web channel with a key');
  return { id: c.id, apiKey: c.apiKey };
}

export function shopChannel(): { id: string; secret: string; url: string; domain: string; apiKey: string } {
  const c = endpoints().channels.find((ch) => ch.platform === 'shopify');
  if (c === undefined || c.webhookSecret === null || c.shopifyWebhookUrl === null || c.shopDomain === null || c.apiKey === null) {
    throw new Error('endpoints.json has no complete Shopify channel');
  }
  return { id: c.id, secret: c.webhookSecret, url: c.shopifyWebhookUrl, domain: c.shopDomain, apiKey: c.apiKey };
}

function ops(): { url: string; sign: NonNullable<HttpEntryPoint['sign']> } {
  const e = endpoints();
  if (e.ops === null) throw new Error('endpoints.json has no ops API');
  const entry = e.ops;
  // The ops API is IAM-authorized: every case is signed (SigV4) as it is finally sent.
  return { url: entry.url, sign: (body, r) => signOpsHeadersSync(entry, r.method, r.url, r.method === 'GET' ? undefined : body, r.headers) };
}

/** A SKU nobody stocks: a corpus order that gets through never takes stock other tests count on. */
export const CORPUS_SKU = 'CORPUS-NOT-IN-CATALOG';

function orderBase(): Json {
  return {
    externalOrderId: `corpus-${UID}`,
    customer: { email: 'ada@example.com', phone: '+49 30 1234567', firstName: 'Ada', lastName: 'Lovelace' },
    shippingAddress: { name: 'Ada Lovelace', line1: 'Hauptstrasse 1', line2: 'Hinterhaus', city: 'Berlin', postcode: '10115', country: 'DE' },
    lines: [
      { sku: CORPUS_SKU, quantity: 2, unitPrice: '24.90', title: 'T-shirt' },
      { sku: `${CORPUS_SKU}-2`, quantity: 1, unitPrice: '9.50' },
    ],
    currency: 'EUR',
    totals: { subtotal: '59.30', shipping: '4.90', tax: '0.00', discount: '5.00', total: '59.20', taxIncluded: true },
    payment: { reference: `pay_${UID}`.slice(0, 40), status: 'paid', gateway: 'stripe' },
  };
}

const SHOPIFY_ID_PLACEHOLDER = 4_242_424_242_424;

/** A Shopify orders/create payload (ids below 2^53 so the mutation engine can hold them as numbers). */
function shopifyBase(): Json {
  return {
    id: SHOPIFY_ID_PLACEHOLDER, // a fresh id per case (finalize)
    name: '#1001',
    order_number: 1001,
    email: 'grace@example.com',
    currency: 'EUR',
    financial_status: 'paid',
    cancelled_at: null,
    test: false,
    taxes_included: true,
    line_items: [{ id: 866550311766439, variant_id: 808950810, product_id: 7513594, sku: CORPUS_SKU, title: 'Enamel camping mug', quantity: 2, price: '14.90' }],
    shipping_address: { first_name: 'Grace', last_name: 'Hopper', address1: 'Keizersgracht 1', city: 'Amsterdam', zip: '1015 CJ', country: 'Netherlands', country_code: 'NL' },
    customer: { id: 115310627314723, email: 'grace@example.com', first_name: 'Grace', last_name: 'Hopper' },
    total_line_items_price: '29.80',
    subtotal_price: '29.80',
    total_tax: '4.76',
    total_discounts: '0.00',
    total_shipping_price_set: { shop_money: { amount: '4.90', currency_code: 'EUR' } },
    total_price: '34.70',
    created_at: '2026-11-25T10:00:00+01:00',
  };
}

/** The Shopify order id of a sent webhook body, if the body has one. */
export function shopifyOrderIdOf(body: string | Buffer | undefined): string | undefined {
  if (body === undefined) return undefined;
  const match = /"id":(\d{1,30})[,}]/.exec(body.toString('utf8'));
  return match?.[1];
}

export const shopifyHmac = (secret: string, body: string | Buffer): string => createHmac('sha256', secret).update(body).digest('base64');

export function jsonOf(text: string | Buffer | undefined): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse((text ?? '').toString());
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const ORDER_ID_SEGMENTS = fc.constantFrom(...NASTY_SEGMENTS);

/** The table. Runs add up to the HTTP share of the corpus. */
export function httpEntryPoints(fixtures: () => CorpusFixtures): HttpEntryPoint[] {
  const api = endpoints().apiUrl;
  const web = webChannel();
  // Fixtures exist once the test's beforeAll ran; the generators run after it.
  const anyOrder = fc.oneof({ weight: 1, arbitrary: fc.constant(0).map(() => fixtures().heldOrderId) }, { weight: 3, arbitrary: ORDER_ID_SEGMENTS });
  return [
    jsonRoute({
      name: 'POST /orders',
      runs: 110,
      url: () => fc.constant(`${api}/orders`),
      base: orderBase,
      headers: () => ({ 'x-api-key': web.apiKey, 'Idempotency-Key': `corpus-${UID}` }),
      breakable: ['Idempotency-Key'],
      untouched: (sent) => {
        const ext = jsonOf(sent.body)?.['externalOrderId'];
        return typeof ext === 'string' ? [`ORDER#${deriveOrderId(web.id, 'api', ext)}`] : [];
      },
    }),
    queryRoute({
      name: 'GET /orders/{orderId}',
      runs: 40,
      url: () => fc.tuple(anyOrder, fc.constantFrom('', '?x=1', `?${'q'.repeat(2_000)}=1`)).map(([id, q]) => `${api}/orders/${id}${q}`),
      headers: () => ({ 'x-api-key': web.apiKey }),
    }),
    jsonRoute({
      name: 'POST /orders/{orderId}/payment',
      runs: 50,
      url: () => anyOrder.map((id) => `${api}/orders/${id}/payment`),
      boundaryUrl: () => `${api}/orders/${fixtures().heldOrderId}/payment`,
      base: () => ({ status: 'paid', reference: 'pi_corpus_1' }),
      headers: () => ({ 'x-api-key': web.apiKey }),
    }),
    queryRoute({
      name: 'GET /availability',
      runs: 50,
      url: () =>
        queryOf({ sku: ['MUG-ENAMEL-WHT', 'TSHIRT-BLK-M', CORPUS_SKU], country: ['DE', 'de', 'UK', 'US', 'XX'], postcode: ['10115', 'SW1A1AA', '99999'], quantity: ['1', '2', '999'], unitPrice: ['14.90', '0.00'] }).map(
          (q) => `${api}/availability${q}`,
        ),
      headers: () => ({ 'x-api-key': web.apiKey }),
    }),
    jsonRoute({
      name: 'POST /availability',
      runs: 60,
      url: () => fc.constant(`${api}/availability`),
      base: (): Json => ({
        destination: { country: 'DE', postcode: '10115' },
        items: [
          { sku: 'MUG-ENAMEL-WHT', quantity: 2, unitPrice: '14.90' },
          { sku: 'TSHIRT-BLK-M', quantity: 1 },
        ],
      }),
      headers: () => ({ 'x-api-key': web.apiKey }),
    }),
    jsonRoute({
      name: 'POST /webhooks/shopify/{channelId}/orders-create (signed)',
      runs: 70,
      url: () =>
        fc.oneof(
          { weight: 6, arbitrary: fc.constant(shopChannel().url) },
          { weight: 1, arbitrary: fc.constant(endpoints().webhooks.shopifyByShopDomainUrl ?? shopChannel().url) },
          { weight: 1, arbitrary: fc.constantFrom(...NASTY_SEGMENTS.slice(0, 20)).map((c) => `${api}/webhooks/shopify/${c}/orders-create`) },
        ),
      boundaryUrl: () => shopChannel().url,
      base: shopifyBase,
      headers: () => ({ 'X-Shopify-Topic': 'orders/create', 'X-Shopify-Webhook-Id': `corpus-${UID}`, 'X-Shopify-Shop-Domain': shopChannel().domain }),
      breakable: ['X-Shopify-Hmac-Sha256', 'X-Shopify-Webhook-Id', 'X-Shopify-Topic', 'X-Shopify-Shop-Domain'],
      sign: (body) => ({ 'X-Shopify-Hmac-Sha256': shopifyHmac(shopChannel().secret, body) }),
      untouched: (sent) => {
        const id = shopifyOrderIdOf(sent.body);
        return id === undefined ? [] : [`ORDER#${deriveOrderId(shopChannel().id, 'shopify', id)}`];
      },
      finalize: (body, uid) => body.replace(`"id":${SHOPIFY_ID_PLACEHOLDER}`, `"id":${uid}`),
      refusedDespite2xx: (json) => typeof json === 'object' && json !== null && (json as Record<string, unknown>)['result'] === 'rejected',
    }),
    jsonRoute({
      name: 'POST /ops/orders/{orderId}/approve',
      runs: 30,
      url: () => ORDER_ID_SEGMENTS.map((id) => `${ops().url}/ops/orders/${id}/approve`),
      base: () => ({ note: 'Customer confirmed by phone' }),
      headers: () => ({}),
      sign: (body, r) => ops().sign(body, r),
    }),
    jsonRoute({
      name: 'POST /ops/orders/{orderId}/reject',
      runs: 30,
      url: () => ORDER_ID_SEGMENTS.map((id) => `${ops().url}/ops/orders/${id}/reject`),
      base: () => ({ reason: 'Card reported stolen' }),
      headers: () => ({}),
      sign: (body, r) => ops().sign(body, r),
    }),
    queryRoute({
      name: 'GET /ops/exceptions',
      runs: 30,
      url: () => queryOf({ kind: ['SHIP_BY_PASSED', 'WEBHOOK_REJECTED', 'FILE_QUARANTINED', 'nope'], limit: ['1', '50', '100', '101', '0'], cursor: ['eyJ9', 'abc'] }).map((q) => `${ops().url}/ops/exceptions${q}`),
      headers: () => ({}),
      sign: (body, r) => ops().sign(body, r),
    }),
  ];
}

/**
 * The generated corpus over every HTTP entry point (storefront API, Shopify and WooCommerce webhooks, ops API) against
 * the local runtime: fixed seed (CORPUS_SEED replays a run), no 5xx, every 4xx names its field or a
 * code, a refused request writes nothing. The table of entry points is http-entry-points.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { documentClient, http, obj } from '../helpers';
import { placeOrder } from '../workflow-helpers';
import { httpEntryPoints, shopifyHmac, type CorpusFixtures, type HttpEntryPoint } from './http-entry-points';
import { storefrontBodies, storefrontChannel, storefrontEntryPoints } from './storefront-entry-points';
import { CORPUS_SEED } from './mutations';
import { describeFailures, runHttpEntryPoint, type CorpusReport } from './runner';

const ddb = documentClient();
const reports = new Map<string, CorpusReport>();
let fixtures: CorpusFixtures | undefined;
const fixturesNow = (): CorpusFixtures => {
  if (fixtures === undefined) throw new Error('corpus fixtures are created in beforeAll');
  return fixtures;
};
const table: HttpEntryPoint[] = [...httpEntryPoints(fixturesNow), ...storefrontEntryPoints(fixturesNow)];
const runBase = Math.floor(Date.now() / 1000) % 100_000_000;

/** An order created through a platform's webhook (valid body, signed): its external id. */
async function platformOrder(platform: 'shopify' | 'woocommerce', externalId: number): Promise<void> {
  const c = storefrontChannel(platform);
  const body = JSON.stringify(platform === 'shopify' ? storefrontBodies.shopifyOrder(externalId) : storefrontBodies.wooOrder(externalId, 'processing'));
  const headers: Record<string, string> =
    platform === 'shopify'
      ? { 'X-Shopify-Topic': 'orders/create', 'X-Shopify-Webhook-Id': randomUUID(), 'X-Shopify-Hmac-Sha256': shopifyHmac(c.secret, body) }
      : { 'X-WC-Webhook-Topic': 'order.created', 'X-WC-Webhook-Delivery-ID': randomUUID(), 'X-WC-Webhook-Signature': shopifyHmac(c.secret, body) };
  const res = await http('', 'POST', c.webhookUrl, { body, headers: { 'content-type': 'application/json', ...headers } });
  if (res.status !== 201) throw new Error(`corpus fixture: ${platform} order answered ${res.status} ${JSON.stringify(obj(res.json))}`);
}

beforeAll(async () => {
  // Platform ids unique to the run (below 2^53: the corpus holds them as JSON numbers).
  const base = 3_000_000_000_000 + runBase * 1_000;
  const held = { payment: 'pending', lines: [{ sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPrice: '14.90' }] } as const;
  const [heldOrderId, cancelOrderId, addressOrderId] = await Promise.all([
    placeOrder(held),
    placeOrder(held),
    placeOrder(held),
    platformOrder('shopify', base + 1),
    platformOrder('woocommerce', base + 2),
    platformOrder('shopify', base + 3),
  ]);
  fixtures = { heldOrderId, cancelOrderId, addressOrderId, shopifyOrderId: String(base + 1), wooOrderId: base + 2, shopifyCancelOrderId: String(base + 3) };
});

afterAll(() => {
  const lines = [...reports].map(([name, r]) => `${name}: ${r.cases} cases ${JSON.stringify(r.statuses)} failures ${r.failures.length}`);
  const total = [...reports.values()].reduce((sum, r) => sum + r.cases, 0);
  console.log(`HTTP corpus (seed ${CORPUS_SEED}): ${total} cases\n${lines.join('\n')}`);
});

/**
 * Entry points (by name) with a known failure that is not fixed yet: the case is recorded in the report
 * to the lead and the property is expected to fail (it.fails) until the fix lands. Empty today.
 */
const KNOWN_FAILING: ReadonlySet<string> = new Set<string>([]);

describe('HTTP corpus: no 5xx, every rejection names its field, no partial write', () => {
  // One test per table entry (http-entry-points.ts): adding an entry point adds its test.
  table.forEach((ep, index) => {
    const test = KNOWN_FAILING.has(ep.name) ? it.fails : it;
    test(ep.name, async () => {
      const seed = CORPUS_SEED + index;
      const report = await runHttpEntryPoint(ddb, ep, seed, runBase + index * 1_000);
      reports.set(ep.name, report);
      expect(report.cases).toBe(ep.runs + (ep.boundaries?.().length ?? 0));
      expect(report.failures, describeFailures(seed, report.failures)).toEqual([]);
    }, 60_000);
  });
});

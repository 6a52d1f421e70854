/**
 * Storefront notifications end to end on the local runtime: orders on a custom (signed webhooks) and a
 * Shopify (Admin GraphQL) channel go to DELIVERED with a scripted supplier; the local storefront receiver
 * shows what each channel got, in order, with a gapless per-order sequence; a receiver that fails N
 * times gets everything afterwards, in order, nothing lost.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { marshall } from '@aws-sdk/util-dynamodb';
import { itemSize } from '../../bench/write-units';
import { deliveriesOf } from '../../functions/core/ops/services/look-order';
import { documentClient, endpoints, http, obj, partition } from './helpers';
import { dispatchedFulfillment, fulfilHappily, waitFor, waitForStatus, workflowOrderBody } from './workflow-helpers';

const NORDIC = 'nordic-home';
/** Waits and per-test limits sized for a loaded 2-core machine (a whole order lifecycle per test). */
const WAIT_MS = 60_000;
const TEST_MS = 180_000;

interface Received {
  at: string;
  channelId: string;
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status: number;
}

function receiver(): { deliveriesUrl: string; controlUrl: string } {
  const r = endpoints().storefrontReceiver;
  if (r === undefined) throw new Error('no storefrontReceiver in endpoints.json');
  return r;
}

async function received(channelId: string): Promise<Received[]> {
  const res = await http('', 'GET', `${receiver().deliveriesUrl}?channel=${encodeURIComponent(channelId)}`);
  expect(res.status).toBe(200);
  return res.json as Received[];
}

async function placeOn(channelId: string): Promise<string> {
  const key = endpoints().channels.find((c) => c.id === channelId)?.apiKey;
  if (key === null || key === undefined) throw new Error(`no API key for ${channelId}`);
  const res = await http(endpoints().apiUrl, 'POST', '/orders', {
    // A WooCommerce order id is a number: write-back goes to /wp-json/wc/v3/orders/{id}.
    body: JSON.stringify({
      ...workflowOrderBody({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] }),
      ...(endpoints().channels.find((c) => c.id === channelId)?.platform === 'woocommerce' ? { externalOrderId: String(Date.now() % 1e9 + Math.floor(Math.random() * 1000)) } : {}),
    }),
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'Idempotency-Key': randomUUID() },
  });
  if (res.status !== 201) throw new Error(`POST /orders answered ${res.status}: ${res.text}`);
  return String(obj(res.json)['orderId']);
}

/** The order's status through the API with its own channel's key (an order is visible to its channel only). */
async function waitForStatusOn(channelId: string, orderId: string, status: string): Promise<void> {
  const key = endpoints().channels.find((c) => c.id === channelId)?.apiKey ?? '';
  await waitFor(`order ${orderId} ${status}`, async () => {
    const res = await http(endpoints().apiUrl, 'GET', `/orders/${orderId}`, { headers: { 'x-api-key': key } });
    return res.status === 200 && obj(res.json)['status'] === status ? true : undefined;
  }, WAIT_MS);
}

const webhooksOf = (all: readonly Received[], orderId: string) =>
  all.filter((r) => r.kind === 'webhook' && r.status < 300 && JSON.stringify(r.body).includes(orderId)).map((r) => r.body as { type: string; data: { sequence: number } });

const EXPECTED_TYPES = ['order.accepted', 'fulfillment.accepted', 'fulfillment.shipped', 'fulfillment.tracking_updated', 'order.shipped', 'fulfillment.delivered', 'order.delivered'];

describe('storefront notifications (local runtime)', () => {
  it('custom channel: every change of an order to DELIVERED as a signed webhook, in order, sequence 1..n', async () => {
    const orderId = await placeOn('demo-web');
    const f = await dispatchedFulfillment(orderId, NORDIC, WAIT_MS);
    await fulfilHappily(NORDIC, f);
    await waitForStatus(orderId, 'DELIVERED', WAIT_MS);
    const hooks = await waitFor('the order.delivered webhook', async () => {
      const got = webhooksOf(await received('demo-web'), orderId);
      return got.some((h) => h.type === 'order.delivered') ? got : undefined;
    }, WAIT_MS);
    expect(hooks.map((h) => h.type)).toEqual(EXPECTED_TYPES);
    expect(hooks.map((h) => h.data.sequence)).toEqual(EXPECTED_TYPES.map((_, i) => i + 1));
    const shipped = hooks.find((h) => h.type === 'fulfillment.shipped') as unknown as { data: { parcel: { trackingNumber: string; carrier: string | null; lines: unknown[] } } };
    expect(shipped.data.parcel.trackingNumber).toMatch(/\w+/);
    expect(shipped.data.parcel.lines).toEqual([expect.objectContaining({ lineNo: 1, quantity: 1, sku: 'TSHIRT-BLK-M' })]);
    // The signatures verify with the channel's secret (the storefront's off-the-shelf verifier).
    const raw = (await received('demo-web')).filter((r) => r.kind === 'webhook' && JSON.stringify(r.body).includes(orderId));
    expect(raw.every((r) => r.headers['webhook-id'] !== undefined && r.headers['webhook-signature']?.startsWith('v1,'))).toBe(true);
    expect(JSON.stringify(raw)).not.toContain('ada@example.com');
    // The delivery ledger: one item under 1 KB for this order (one write unit a write), and the ops look still
    // shows each notification's domain event (DELIVERED records carry no type: it comes from the timeline).
    const ddb = documentClient();
    const [ledger] = await partition(ddb, `NOTIFY#${orderId}`);
    expect(itemSize(marshall(ledger ?? {}, { removeUndefinedValues: true }) as Record<string, unknown>)).toBeLessThanOrEqual(1024);
    const deliveries = await deliveriesOf({ ddb, tableName: endpoints().dynamodb.tableName }, orderId);
    expect(deliveries.map((d) => [d.sequence, d.status])).toEqual(EXPECTED_TYPES.map((_, i) => [i + 1, 'DELIVERED']));
    expect(deliveries.map((d) => d.type)).toEqual(['OrderReserved', 'FulfillmentAccepted', 'ShipmentCreated', 'TrackingUpdated', 'OrderShipped', 'FulfillmentDelivered', 'OrderDelivered']);
  }, TEST_MS);

  it('verifies with the standardwebhooks verifier and the outbound secret', async () => {
    const all = await received('demo-web');
    // The latest one: the runtime is shared by every integration file, and a webhook from an earlier file can be
    // older than the verifier's 5-minute timestamp tolerance by now (a full run on a loaded machine takes longer).
    const one = all.filter((r) => r.kind === 'webhook' && r.status < 300).at(-1);
    expect(one).toBeDefined();
    // The outbound signing secret is in the local Secrets Manager stand-in; the deliver function signs with whsec_ + value.
    const secrets = await http(endpoints().secretsManager.endpoint, 'POST', '/', {
      headers: { 'x-amz-target': 'secretsmanager.ListSecrets', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    const arn = (obj(secrets.json)['SecretList'] as { ARN: string; Name: string }[]).find((s) => s.ARN.includes('StorefrontOutboundSecretDemoWeb') || s.Name.includes('StorefrontOutboundSecretDemoWeb'))?.ARN;
    expect(arn).toBeDefined();
    const value = await http(endpoints().secretsManager.endpoint, 'POST', '/', {
      headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ SecretId: arn }),
    });
    const secret = String(obj(value.json)['SecretString']);
    const r = one as Received;
    const verifier = new Webhook(`whsec_${secret}`);
    const headers = { 'webhook-id': r.headers['webhook-id'] ?? '', 'webhook-timestamp': r.headers['webhook-timestamp'] ?? '', 'webhook-signature': r.headers['webhook-signature'] ?? '' };
    // The body as received: the receiver keeps it parsed; the sender serializes with JSON.stringify, so re-serializing gives the same bytes.
    expect(() => verifier.verify(JSON.stringify(r.body), headers)).not.toThrow();
  }, TEST_MS);

  it('shopify channel: a fulfillment with tracking, tracking events and delivery through Admin GraphQL, with extensions.cost', async () => {
    const orderId = await placeOn('demo-shopify');
    const f = await dispatchedFulfillment(orderId, NORDIC, WAIT_MS);
    const trackingNumber = await fulfilHappily(NORDIC, f);
    await waitForStatusOn('demo-shopify', orderId, 'DELIVERED');
    const calls = await waitFor('the DELIVERED fulfillment event', async () => {
      const got = (await received('demo-shopify')).filter((r) => r.kind === 'shopify-graphql' && r.status === 200);
      const mine = got.filter((r) => JSON.stringify(r.body).includes(orderId) || JSON.stringify(r.body).includes(trackingNumber) || JSON.stringify(r.body).includes('Fulfillment/'));
      return mine.some((r) => JSON.stringify(r.body).includes('"DELIVERED"')) ? got : undefined;
    }, WAIT_MS);
    const ops = calls.map((r) => /(fulfillmentOrders|fulfillmentCreate|fulfillmentTrackingInfoUpdate|fulfillmentEventCreate|orderCancel)/.exec(String((r.body as { query: string }).query))?.[1]);
    // Only this test uses demo-shopify: every call is this order's, in order.
    expect(ops).toEqual(['fulfillmentOrders', 'fulfillmentCreate', 'fulfillmentEventCreate', 'fulfillmentEventCreate']);
    const statuses = calls.filter((r) => String((r.body as { query: string }).query).includes('fulfillmentEventCreate(')).map((r) => (r.body as { variables: { fulfillmentEvent: { status: string } } }).variables.fulfillmentEvent.status);
    expect(statuses).toEqual(['IN_TRANSIT', 'DELIVERED']);
    const create = calls.find((r) => String((r.body as { query: string }).query).includes('fulfillmentCreate(') && JSON.stringify(r.body).includes(trackingNumber));
    expect(create).toBeDefined();
    expect(create?.path).toMatch(/^\/admin\/api\/\d{4}-\d{2}\/graphql\.json$/);
    expect(create?.headers['x-shopify-access-token']).toMatch(/\w+/);
  }, TEST_MS);

  it('shopify throttling: THROTTLED answers are waited out (cost / restore rate) and the fulfillment still goes through', async () => {
    const before = (await received('demo-shopify')).length;
    const orderId = await placeOn('demo-shopify');
    const f = await dispatchedFulfillment(orderId, NORDIC, WAIT_MS);
    const throttle = await http('', 'POST', `${receiver().controlUrl}/throttle?channel=demo-shopify&count=2`);
    expect(throttle.status).toBe(200);
    const trackingNumber = await fulfilHappily(NORDIC, f);
    await waitForStatusOn('demo-shopify', orderId, 'DELIVERED');
    const calls = await waitFor('the DELIVERED fulfillment event after throttling', async () => {
      const got = (await received('demo-shopify')).slice(before);
      return got.filter((r) => JSON.stringify(r.body).includes('"DELIVERED"')).length > 0 ? got : undefined;
    }, WAIT_MS);
    const ops = calls.map((r) => /(fulfillmentOrders|fulfillmentCreate|fulfillmentEventCreate)/.exec(String((r.body as { query: string }).query))?.[1]);
    // The first two calls (the fulfillment orders query) were THROTTLED and repeated after the wait.
    expect(ops.slice(0, 4)).toEqual(['fulfillmentOrders', 'fulfillmentOrders', 'fulfillmentOrders', 'fulfillmentCreate']);
    expect(JSON.stringify(calls[3]?.body)).toContain(trackingNumber);
  }, TEST_MS);

  const woo = endpoints().channels.find((c) => c.platform === 'woocommerce' && c.apiKey !== null);
  it.skipIf(woo === undefined)('woocommerce channel: status and customer notes through REST v3 (needs a woocommerce channel with outbound.url)', async () => {
    const channelId = woo?.id ?? '';
    const before = (await received(channelId)).length;
    const orderId = await placeOn(channelId);
    const f = await dispatchedFulfillment(orderId, NORDIC, WAIT_MS);
    const trackingNumber = await fulfilHappily(NORDIC, f);
    await waitForStatusOn(channelId, orderId, 'DELIVERED');
    const calls = await waitFor('the completed status on the WooCommerce order', async () => {
      const got = (await received(channelId)).slice(before);
      return got.some((r) => r.method === 'PUT' && (r.body as { status?: string }).status === 'completed') ? got : undefined;
    }, WAIT_MS);
    expect(calls.every((r) => r.kind === 'woocommerce-rest' && r.headers['authorization']?.startsWith('Basic '))).toBe(true);
    const notes = calls.filter((r) => r.path.endsWith('/notes')).map((r) => r.body as { note: string; customer_note: boolean });
    expect(notes.some((n) => n.customer_note && n.note.includes(trackingNumber))).toBe(true);
  }, TEST_MS);

  it('a storefront that fails 3 times then recovers gets everything, in order, nothing lost', { timeout: TEST_MS }, async () => {
    const orderId = await placeOn('demo-web');
    const f = await dispatchedFulfillment(orderId, NORDIC, WAIT_MS);
    const fail = await http('', 'POST', `${receiver().controlUrl}/fail?channel=demo-web&count=3`);
    expect(fail.status).toBe(200);
    await fulfilHappily(NORDIC, f);
    await waitForStatus(orderId, 'DELIVERED', WAIT_MS);
    const hooks = await waitFor('the order.delivered webhook after the failures', async () => {
      const got = webhooksOf(await received('demo-web'), orderId);
      return got.some((h) => h.type === 'order.delivered') ? got : undefined;
    }, WAIT_MS);
    expect(hooks.map((h) => h.type)).toEqual(EXPECTED_TYPES);
    expect(hooks.map((h) => h.data.sequence)).toEqual(EXPECTED_TYPES.map((_, i) => i + 1));
    const failed = (await received('demo-web')).filter((r) => r.status >= 500);
    expect(failed.length).toBeGreaterThanOrEqual(3);
  });
});

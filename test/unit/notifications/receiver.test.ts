import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerShopify, answerWoo, LeakyBucket } from '../../../local/storefront/platforms';
import { routeOf, startStorefrontReceiver, type StorefrontReceiver } from '../../../local/storefront/receiver';

describe('local storefront platforms', () => {
  it('the Shopify bucket refills at its restore rate and throttles past it', () => {
    let t = 0;
    const bucket = new LeakyBucket(100, 10, () => t);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(10)).toBe(false);
    t = 1000;
    expect(bucket.take(10)).toBe(true);
    expect(bucket.status()).toEqual({ maximumAvailable: 100, currentlyAvailable: 0, restoreRate: 10 });
  });

  it('answers a throttled GraphQL call the way Shopify does, with extensions.cost', () => {
    const state = { bucket: new LeakyBucket(5, 1, () => 0), nextId: 1 };
    const answer = answerShopify(state, 'shpat', { query: 'mutation { fulfillmentCreate(fulfillment: {}) { fulfillment { id } } }' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ errors: [{ extensions: { code: 'THROTTLED' } }], extensions: { cost: { requestedQueryCost: 10, throttleStatus: { currentlyAvailable: 5, restoreRate: 1 } } } });
    expect(answerShopify(state, undefined, { query: 'query { shop { id } }' }).status).toBe(401);
  });

  it('answers WooCommerce REST: 401 without credentials, the order and a 201 note with them', () => {
    expect(answerWoo(undefined, 'PUT', '/wp-json/wc/v3/orders/12', {}, 'now', () => 1).status).toBe(401);
    expect(answerWoo('Basic eA==', 'PUT', '/wp-json/wc/v3/orders/12', { status: 'completed' }, 'now', () => 1)).toMatchObject({ status: 200, body: { id: 12, status: 'completed' } });
    expect(answerWoo('Basic eA==', 'POST', '/wp-json/wc/v3/orders/12/notes', { note: 'hi', customer_note: true }, 'now', () => 7)).toMatchObject({ status: 201, body: { id: 7, customer_note: true } });
  });

  it('routes by kind and channel', () => {
    expect(routeOf('/shopify/demo-shopify/admin/api/2025-10/graphql.json')).toEqual({ kind: 'shopify-graphql', channelId: 'demo-shopify', rest: '/admin/api/2025-10/graphql.json' });
    expect(routeOf('/webhooks/demo-web')).toEqual({ kind: 'webhook', channelId: 'demo-web', rest: '/' });
    expect(routeOf('/other')).toBeUndefined();
  });
});

describe('local storefront receiver over HTTP', () => {
  let r: StorefrontReceiver;
  beforeAll(async () => {
    r = await startStorefrontReceiver({ clock: () => new Date('2032-01-01T00:00:00.000Z') });
  });
  afterAll(() => r.stop());

  it('records every request per channel in arrival order, failed ones too, and fails the next N on demand', async () => {
    const post = (channel: string, n: number) =>
      fetch(`${r.url}/webhooks/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': `msg_${n}`, 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' },
        body: JSON.stringify({ n }),
        signal: AbortSignal.timeout(5_000),
      });
    const fail = await fetch(`${r.controlUrl}/fail?channel=a&count=1`, { method: 'POST', signal: AbortSignal.timeout(5_000) });
    expect(fail.status).toBe(200);
    expect((await post('a', 1)).status).toBe(503);
    expect((await post('a', 2)).status).toBe(204);
    expect((await post('b', 3)).status).toBe(204);
    const got = (await (await fetch(`${r.deliveriesUrl}?channel=a`, { signal: AbortSignal.timeout(5_000) })).json()) as { body: { n: number }; status: number; kind: string; at: string }[];
    expect(got.map((g) => [g.body.n, g.status, g.kind])).toEqual([
      [1, 503, 'webhook'],
      [2, 204, 'webhook'],
    ]);
    expect(got[0]?.at).toBe('2032-01-01T00:00:00.000Z');
  });
});

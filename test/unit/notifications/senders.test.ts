import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SequencedNotification } from '../../../functions/core/notifications/domain/payloads';
import { wooRequests } from '../../../functions/core/notifications/domain/payloads';
import { DeliveryError, backoffSeconds, type FetchFn } from '../../../functions/core/notifications/services/http';
import { sendWebhook, sendWoo, signedWebhook, wooAuthorization } from '../../../functions/core/notifications/services/senders';
import { SHOPIFY_API_VERSION, sendShopify, shopifyGraphql } from '../../../functions/core/notifications/services/shopify-sender';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = new Date('2030-03-04T05:06:07.000Z');

const shipped: SequencedNotification = {
  type: 'fulfillment.shipped',
  data: { fulfillmentId: 'F1', parcel: { carrier: 'UPS', trackingNumber: '1Z1', trackingUrl: 'https://ups.example/1Z1', lines: [{ lineNo: 1, quantity: 2 }] } },
  sequence: 3,
  eventId: 'ORDER#o1|EVENT#x',
  orderId: 'o1',
  channelId: 'web',
  occurredAt: '2030-03-04T05:00:00.000Z',
  externalOrderId: '1001',
  lines: [{ lineNo: 1, sku: 'SKU-1', title: 'Lamp', externalLineId: '555' }],
};

interface Call {
  url: string;
  init: RequestInit;
}
function fakeFetch(answers: readonly (() => Response)[]): { fetch: FetchFn; calls: Call[] } {
  const calls: Call[] = [];
  let i = 0;
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, init });
      const answer = answers[Math.min(i++, answers.length - 1)];
      return Promise.resolve(answer === undefined ? new Response('', { status: 500 }) : answer());
    },
  };
}
const json = (body: unknown, status = 200) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('custom channels: Standard Webhooks', () => {
  it('signs so that the standardwebhooks verifier accepts it, and rejects a tampered body', () => {
    const req = signedWebhook(shipped, SECRET, NOW);
    const verifier = new Webhook(SECRET);
    vi.useFakeTimers({ now: NOW });
    try {
      const payload = verifier.verify(req.body, req.headers) as { type: string; data: Record<string, unknown> };
      expect(payload.type).toBe('fulfillment.shipped');
      expect(payload.data).toMatchObject({ orderId: 'o1', externalOrderId: '1001', sequence: 3, parcel: { trackingNumber: '1Z1', lines: [{ lineNo: 1, quantity: 2, sku: 'SKU-1' }] } });
      expect(() => verifier.verify(req.body.replace('1Z1', '1Z2'), req.headers)).toThrow();
    } finally {
      vi.useRealTimers();
    }
    expect(req.headers['webhook-id']).toBe('msg_o1_000003');
    expect(req.headers['webhook-timestamp']).toBe(String(NOW.getTime() / 1000));
  });

  it('accepts a generated secret without the whsec_ prefix (the same key)', () => {
    const bare = signedWebhook(shipped, SECRET.slice('whsec_'.length), NOW);
    expect(bare.headers['webhook-signature']).toBe(signedWebhook(shipped, SECRET, NOW).headers['webhook-signature']);
  });

  it('POSTs the signed body; a 5xx is a retryable error with the Retry-After', async () => {
    const ok = fakeFetch([() => new Response(null, { status: 204 })]);
    await sendWebhook(ok.fetch, 'https://shop.example/hooks', shipped, SECRET, NOW);
    expect(ok.calls[0]?.init.method).toBe('POST');
    const failing = fakeFetch([() => new Response('', { status: 503, headers: { 'retry-after': '120' } })]);
    const error = await sendWebhook(failing.fetch, 'https://shop.example/hooks', shipped, SECRET, NOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: true, retryAfterSeconds: 120 });
  });

  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 10].map((n) => backoffSeconds(n, 30, 3600))).toEqual([30, 60, 120, 3600]);
  });
});

describe('woocommerce channels: REST v3', () => {
  it('sets the status first, then adds a customer note, with HTTP Basic credentials', async () => {
    const n: SequencedNotification = { ...shipped, type: 'order.shipped', data: {} };
    const f = fakeFetch([json({ id: 1001 }), json({ id: 7 }, 201)]);
    await expect(sendWoo(f.fetch, 'https://woo.example/', n, { consumerKey: 'ck_1', consumerSecret: 'cs_1' })).resolves.toBe(2);
    expect(f.calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'PUT https://woo.example/wp-json/wc/v3/orders/1001',
      'POST https://woo.example/wp-json/wc/v3/orders/1001/notes',
    ]);
    expect(JSON.parse(String(f.calls[0]?.init.body))).toMatchObject({ status: 'completed' });
    expect(JSON.parse(String(f.calls[1]?.init.body))).toMatchObject({ customer_note: true });
    expect((f.calls[0]?.init.headers as Record<string, string>)['authorization']).toBe(wooAuthorization('ck_1', 'cs_1'));
  });

  it('keeps the tracking number in the order meta data and the note', () => {
    const [put, note] = wooRequests(shipped);
    expect(JSON.stringify(put?.body)).toContain('1Z1');
    expect(String(note?.body['note'])).toContain('tracking number 1Z1');
    expect(put?.body['status']).toBeUndefined();
  });
});

describe('shopify channels: Admin GraphQL', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const store = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: 't' };
  const cost = (available: number) => ({ cost: { requestedQueryCost: 10, actualQueryCost: 10, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: available, restoreRate: 100 } } });
  const target = { baseUrl: 'https://demo.myshopify.com', accessToken: 'shpat_x' };
  beforeEach(() => ddb.reset());

  it('waits out THROTTLED (cost − available) / restoreRate and tries again', async () => {
    const f = fakeFetch([json({ errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }], extensions: cost(0) }), json({ data: { ok: true }, extensions: cost(1990) })]);
    const sleep = vi.fn(() => Promise.resolve());
    await expect(shopifyGraphql({ fetch: f.fetch, store, sleep }, target, 'query { ok }', {})).resolves.toEqual({ ok: true });
    expect(sleep).toHaveBeenCalledWith(1000);
    expect(f.calls[0]?.url).toBe(`https://demo.myshopify.com/admin/api/${SHOPIFY_API_VERSION}/graphql.json`);
    expect((f.calls[0]?.init.headers as Record<string, string>)['x-shopify-access-token']).toBe('shpat_x');
  });

  it('a long throttle wait is handed to the queue as a retryable error, never a failure', async () => {
    const throttled = { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }], extensions: { cost: { requestedQueryCost: 1000, throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 0, restoreRate: 50 } } } };
    const f = fakeFetch([json(throttled)]);
    const error = await shopifyGraphql({ fetch: f.fetch, store, sleep: () => Promise.resolve() }, target, 'q', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DeliveryError', retryable: true, retryAfterSeconds: 20 });
  });

  it('first parcel → fulfillmentCreate on the line\'s fulfillment order; second parcel → tracking update keeping both numbers', async () => {
    ddb.on(GetCommand).resolvesOnce({}).resolves({ Item: { fulfillmentGid: 'gid://shopify/Fulfillment/9', numbers: ['1Z1'], urls: ['https://ups.example/1Z1'], company: 'UPS' } });
    ddb.on(PutCommand).resolves({});
    const fo = { order: { id: 'gid://shopify/Order/1001', fulfillmentOrders: { nodes: [{ id: 'gid://shopify/FulfillmentOrder/1', status: 'OPEN', lineItems: { nodes: [{ id: 'gid://shopify/FulfillmentOrderLineItem/11', remainingQuantity: 2, lineItem: { id: 'gid://shopify/LineItem/555' } }] } }] } } };
    const f = fakeFetch([
      json({ data: fo, extensions: cost(1990) }),
      json({ data: { fulfillmentCreate: { fulfillment: { id: 'gid://shopify/Fulfillment/9', status: 'SUCCESS' }, userErrors: [] } }, extensions: cost(1980) }),
      json({ data: { fulfillmentTrackingInfoUpdate: { fulfillment: { id: 'gid://shopify/Fulfillment/9' }, userErrors: [] } }, extensions: cost(1980) }),
    ]);
    const deps = { fetch: f.fetch, store, sleep: () => Promise.resolve() };
    await expect(sendShopify(deps, target, shipped, NOW)).resolves.toBe(2);
    const create = JSON.parse(String(f.calls[1]?.init.body)) as { variables: { fulfillment: Record<string, unknown> } };
    expect(create.variables.fulfillment).toMatchObject({
      lineItemsByFulfillmentOrder: [{ fulfillmentOrderId: 'gid://shopify/FulfillmentOrder/1', fulfillmentOrderLineItems: [{ id: 'gid://shopify/FulfillmentOrderLineItem/11', quantity: 2 }] }],
      trackingInfo: { company: 'UPS', numbers: ['1Z1'], urls: ['https://ups.example/1Z1'] },
    });
    const second = { ...shipped, data: { fulfillmentId: 'F1', parcel: { carrier: 'UPS', trackingNumber: '1Z2', trackingUrl: null, lines: [] } } };
    await expect(sendShopify(deps, target, second, NOW)).resolves.toBe(1);
    const update = JSON.parse(String(f.calls[2]?.init.body)) as { variables: { trackingInfoInput: { numbers: string[] } } };
    expect(update.variables.trackingInfoInput.numbers).toEqual(['1Z1', '1Z2']);
  });

  it('userErrors are retryable delivery errors naming the field only', async () => {
    ddb.on(GetCommand).resolves({ Item: { fulfillmentGid: 'gid://shopify/Fulfillment/9', numbers: ['1Z1'], urls: [] } });
    const f = fakeFetch([json({ data: { fulfillmentEventCreate: { fulfillmentEvent: null, userErrors: [{ field: ['fulfillmentEvent', 'status'], message: 'bad' }] } }, extensions: cost(1990) })]);
    const n: SequencedNotification = { ...shipped, type: 'fulfillment.tracking_updated', data: { fulfillmentId: 'F1', status: 'DELAYED' } };
    await expect(sendShopify({ fetch: f.fetch, store, sleep: () => Promise.resolve() }, target, n, NOW)).rejects.toThrow(/fulfillmentEventCreate userErrors on \["fulfillmentEvent","status"\]/);
    expect(JSON.parse(String(f.calls[0]?.init.body))).toMatchObject({ variables: { fulfillmentEvent: { status: 'DELAYED', fulfillmentId: 'gid://shopify/Fulfillment/9' } } });
  });

  it('cancels the order when the pipeline cancelled it, not when the platform did', async () => {
    const f = fakeFetch([json({ data: { orderCancel: { job: { id: 'gid://shopify/Job/1' }, orderCancelUserErrors: [] } }, extensions: cost(1990) })]);
    const deps = { fetch: f.fetch, store, sleep: () => Promise.resolve() };
    const pipeline: SequencedNotification = { ...shipped, type: 'order.cancelled', data: { reason: 'OUT_OF_STOCK', requestedBy: 'retailer' } };
    await expect(sendShopify(deps, target, pipeline, NOW)).resolves.toBe(1);
    expect(JSON.parse(String(f.calls[0]?.init.body))).toMatchObject({ variables: { orderId: 'gid://shopify/Order/1001', reason: 'INVENTORY', restock: false } });
    await expect(sendShopify(deps, target, { ...pipeline, data: { reason: 'X', requestedBy: 'platform' } }, NOW)).resolves.toBe(0);
    expect(f.calls).toHaveLength(1);
  });
});

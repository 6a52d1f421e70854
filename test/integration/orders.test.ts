/**
 * POST /orders and GET /orders/{orderId} through the local API Gateway, the real handlers and
 * DynamoDB Local (issue 3): create, replay, conflict, bad bodies of every kind, API keys, channel isolation.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { documentClient, endpoints, http, obj, orderBody, partition, receivedEvents } from './helpers';

const ORDER_ID = /^ord_[0-9a-hjkmnp-tv-z]{26}$/;

function channel(id: string): { apiKey: string } {
  const c = endpoints().channels.find((ch) => ch.id === id);
  if (c?.apiKey === null || c === undefined) throw new Error(`channel ${id} has no local API key`);
  return { apiKey: c.apiKey };
}

const web = (): string => channel('demo-web').apiKey;
const shop = (): string => channel('demo-shopify').apiKey;

function post(body: string, headers: Record<string, string>) {
  return http(endpoints().apiUrl, 'POST', '/orders', { body, headers });
}

function jsonHeaders(key: string, idempotencyKey: string = randomUUID()): Record<string, string> {
  return { 'content-type': 'application/json', 'x-api-key': key, 'Idempotency-Key': idempotencyKey };
}

async function itemsOf(orderId: string): Promise<Record<string, unknown>[]> {
  return partition(documentClient(), `ORDER#${orderId}`);
}

describe('POST /orders', () => {
  it('creates an order: 201 with orderId and status RECEIVED, one order item and one timeline event', async () => {
    const res = await post(JSON.stringify(orderBody()), jsonHeaders(web()));
    expect(res.status).toBe(201);
    const body = obj(res.json);
    expect(body['orderId']).toMatch(ORDER_ID);
    expect(body).toMatchObject({ status: 'RECEIVED', channelId: 'demo-web', source: 'api', currency: 'EUR' });
    const items = await itemsOf(String(body['orderId']));
    expect(items.filter((i) => i['entity'] === 'Order')).toHaveLength(1);
    expect(receivedEvents(items)).toHaveLength(1);
  });

  it('replays the same Idempotency-Key + body: same order, no second order item, no second timeline event', async () => {
    const key = randomUUID();
    const text = JSON.stringify(orderBody());
    const first = await post(text, jsonHeaders(web(), key));
    const second = await post(text, jsonHeaders(web(), key));
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(obj(second.json)['orderId']).toBe(obj(first.json)['orderId']);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const items = await itemsOf(String(obj(first.json)['orderId']));
    expect(items.filter((i) => i['entity'] === 'Order')).toHaveLength(1);
    expect(receivedEvents(items)).toHaveLength(1);
  });

  it('survives a burst of concurrent replays: one order, one event', async () => {
    const key = randomUUID();
    const text = JSON.stringify(orderBody());
    const results = await Promise.all(Array.from({ length: 6 }, () => post(text, jsonHeaders(web(), key))));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 6 }, () => 201));
    const ids = new Set(results.map((r) => obj(r.json)['orderId']));
    expect(ids.size).toBe(1);
    const items = await itemsOf(String([...ids][0]));
    expect(items.filter((i) => i['entity'] === 'Order')).toHaveLength(1);
    expect(receivedEvents(items)).toHaveLength(1);
  });

  it('answers 409 for the same Idempotency-Key with a different body, and writes nothing', async () => {
    const key = randomUUID();
    const externalOrderId = `it-${randomUUID()}`;
    const first = await post(JSON.stringify(orderBody({ quantity: 1, externalOrderId })), jsonHeaders(web(), key));
    const conflict = await post(JSON.stringify(orderBody({ quantity: 3, externalOrderId })), jsonHeaders(web(), key));
    expect(first.status).toBe(201);
    expect(conflict.status).toBe(409);
    expect(obj(conflict.json)).toMatchObject({ error: expect.any(String) });
    const items = await itemsOf(String(obj(first.json)['orderId']));
    expect(items.filter((i) => i['entity'] === 'Order')).toHaveLength(1);
    expect(obj(items.find((i) => i['entity'] === 'Order'))['lines']).toMatchObject([{ quantity: 1 }]);
  });

  it.each([
    ['the same body', false],
    ['another body', true],
  ])('answers 409 for a reused externalOrderId under another Idempotency-Key (%s), naming the order, and writes nothing', async (_label, changeBody) => {
    const body = orderBody({ quantity: 1 });
    const first = await post(JSON.stringify(body), jsonHeaders(web()));
    const again = await post(JSON.stringify(changeBody ? { ...body, payment: { reference: 'pay_other', status: 'paid' } } : body), jsonHeaders(web()));
    expect(first.status).toBe(201);
    expect(again.status).toBe(409);
    const orderId = String(obj(first.json)['orderId']);
    expect(obj(again.json)).toMatchObject({ issues: [{ path: 'externalOrderId', message: `already belongs to order ${orderId}` }] });
    const items = await itemsOf(orderId);
    expect(items.filter((i) => i['entity'] === 'Order')).toHaveLength(1);
    expect(receivedEvents(items)).toHaveLength(1);
  });

  it('writes ONE item per order: no external-id guard, no separate ORDER_RECEIVED item', async () => {
    const body = orderBody();
    const res = await post(JSON.stringify(body), jsonHeaders(web()));
    expect(res.status).toBe(201);
    const guard = await partition(documentClient(), `EXTORDER#demo-web#${String(body['externalOrderId'])}`);
    expect(guard).toEqual([]);
    const items = await itemsOf(String(obj(res.json)['orderId']));
    expect(items.filter((i) => i['entity'] === 'TimelineEvent' && i['type'] === 'ORDER_RECEIVED')).toEqual([]);
  });

  it('an Idempotency-Key is scoped to its externalOrderId: the same key for another externalOrderId is another order (docs/api.md)', async () => {
    const key = randomUUID();
    const a = await post(JSON.stringify(orderBody()), jsonHeaders(web(), key));
    const b = await post(JSON.stringify(orderBody()), jsonHeaders(web(), key));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(obj(a.json)['orderId']).not.toBe(obj(b.json)['orderId']);
  });

  it('keeps channels apart: the same Idempotency-Key on another channel is another order', async () => {
    const key = randomUUID();
    const a = await post(JSON.stringify(orderBody()), jsonHeaders(web(), key));
    const b = await post(JSON.stringify(orderBody()), jsonHeaders(shop(), key));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(obj(a.json)['orderId']).not.toBe(obj(b.json)['orderId']);
  });

  const valid = (): Record<string, unknown> => orderBody();
  const withAddress = (patch: Record<string, unknown>): string =>
    JSON.stringify({ ...valid(), shippingAddress: { ...obj(valid()['shippingAddress']), ...patch } });

  it.each<[string, () => { body: string; headers?: Record<string, string>; omit?: string[] }, number, string]>([
    ['malformed JSON', () => ({ body: '{"externalOrderId": "x",' }), 400, 'body'],
    ['an empty body', () => ({ body: '' }), 400, 'body'],
    ['a wrong content type', () => ({ body: JSON.stringify(valid()), headers: { 'content-type': 'text/plain' } }), 415, 'headers.content-type'],
    ['a missing Idempotency-Key', () => ({ body: JSON.stringify(valid()), omit: ['Idempotency-Key'] }), 400, 'headers.idempotency-key'],
    ['a blank Idempotency-Key', () => ({ body: JSON.stringify(valid()), headers: { 'Idempotency-Key': ' ' } }), 400, 'headers.idempotency-key'],
    ['an invalid German postcode', () => ({ body: withAddress({ postcode: '1234' }) }), 422, 'shippingAddress.postcode'],
    ['an unknown country', () => ({ body: withAddress({ country: 'XX' }) }), 422, 'shippingAddress.country'],
    ['a country name instead of a code', () => ({ body: withAddress({ country: 'Germany' }) }), 422, 'shippingAddress.country'],
    ['a US address without state', () => ({ body: withAddress({ country: 'US', postcode: '10001' }) }), 422, 'shippingAddress.region'],
    ['quantity 0', () => ({ body: JSON.stringify({ ...valid(), lines: [{ sku: 'TSHIRT-BLK-M', quantity: 0, unitPrice: '24.90' }] }) }), 422, 'lines.0.quantity'],
    ['a fractional quantity', () => ({ body: JSON.stringify({ ...valid(), lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1.5, unitPrice: '24.90' }] }) }), 422, 'lines.0.quantity'],
    ['totals that do not add up', () => ({ body: JSON.stringify({ ...valid(), totals: { ...obj(valid()['totals']), total: '1.00' } }) }), 422, 'totals.total'],
    ['a subtotal that is not the line sum', () => ({ body: JSON.stringify({ ...valid(), totals: { ...obj(valid()['totals']), subtotal: '1.00' } }) }), 422, 'totals.subtotal'],
    ['no lines', () => ({ body: JSON.stringify({ ...valid(), lines: [] }) }), 422, 'lines'],
    ['an invalid email', () => ({ body: JSON.stringify({ ...valid(), customer: { email: 'not-an-email' } }) }), 422, 'customer.email'],
    ['an unknown field', () => ({ body: JSON.stringify({ ...valid(), discountCode: 'X' }) }), 422, 'body'],
    ['a JSON array', () => ({ body: '[]' }), 422, 'body'],
    ['an oversized body (300 KB)', () => ({ body: JSON.stringify({ ...valid(), externalOrderId: 'x'.repeat(300 * 1024) }) }), 413, 'body'],
  ])('rejects %s with %i and the field path', async (_label, make, status, issuePath) => {
    const { body, headers, omit = [] } = make();
    const all: Record<string, string> = { ...jsonHeaders(web()), ...headers };
    for (const name of omit) delete all[name];
    const res = await post(body, all);
    expect(res.status).toBe(status);
    const json = obj(res.json);
    expect(json['error']).toEqual(expect.any(String));
    const issues = json['issues'] as { path: string }[];
    expect(issues.map((i) => i.path)).toContain(issuePath);
  });

  it('rejects a payload over API Gateway’s 10 MB limit at the gateway (413)', async () => {
    const res = await post('x'.repeat(10 * 1024 * 1024 + 10), jsonHeaders(web()));
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: 'Request Too Long', code: 'REQUEST_TOO_LARGE', issues: [] });
  });

  it.each([
    ['missing', undefined],
    ['wrong', 'wrong-key-0000000000000000000000000000000'],
  ])('answers 403 for a %s API key, before any handler runs', async (_label, key) => {
    const headers = jsonHeaders(web());
    if (key === undefined) delete headers['x-api-key'];
    else headers['x-api-key'] = key;
    const res = await post(JSON.stringify(orderBody()), headers);
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ error: 'Forbidden', code: 'INVALID_API_KEY', issues: [] });
  });

  it('answers unknown routes like the template’s gateway response says (404 Not found)', async () => {
    const res = await http(endpoints().apiUrl, 'GET', '/nothing-here', { headers: { 'x-api-key': web() } });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: 'Not found', issues: [] });
  });
});

describe('GET /orders/{orderId}', () => {
  it('returns the order with its lines and timeline', async () => {
    const body = orderBody({ quantity: 3 });
    const created = obj((await post(JSON.stringify(body), jsonHeaders(web()))).json);
    const res = await http(endpoints().apiUrl, 'GET', `/orders/${String(created['orderId'])}`, { headers: { 'x-api-key': web() } });
    expect(res.status).toBe(200);
    const view = obj(res.json);
    expect(view).toMatchObject({
      orderId: created['orderId'],
      status: 'RECEIVED',
      externalOrderId: body['externalOrderId'],
      lines: [{ lineNo: 1, quantity: 3, unitPrice: '24.90' }],
      totals: { subtotal: '74.70', total: '79.60' },
    });
    expect(view['timeline']).toEqual([{ at: expect.any(String), actor: 'retailer', type: 'ORDER_RECEIVED', message: expect.any(String) }]);
  });

  it('answers 404 to another channel, exactly as for an unknown order', async () => {
    const created = obj((await post(JSON.stringify(orderBody()), jsonHeaders(web()))).json);
    const other = await http(endpoints().apiUrl, 'GET', `/orders/${String(created['orderId'])}`, { headers: { 'x-api-key': shop() } });
    const unknown = await http(endpoints().apiUrl, 'GET', '/orders/ord_00000000000000000000000000', { headers: { 'x-api-key': shop() } });
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(other.json).toEqual(unknown.json);
  });

  it('answers 400 for a malformed order id and 403 without a key', async () => {
    const bad = await http(endpoints().apiUrl, 'GET', '/orders/not-an-id', { headers: { 'x-api-key': web() } });
    expect(bad.status).toBe(400);
    expect((obj(bad.json)['issues'] as { path: string }[]).map((i) => i.path)).toEqual(['pathParameters.orderId']);
    const noKey = await http(endpoints().apiUrl, 'GET', '/orders/ord_00000000000000000000000000');
    expect(noKey.status).toBe(403);
  });
});

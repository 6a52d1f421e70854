import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ORDER_ID_PATTERN } from '../../../functions/core/kernel/order-id';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { set } from '../fixtures/patch';
import { SHOP_KEY_ID, apiEvent, createOrderEvent, lambdaContext, validOrderRequest } from '../fixtures/requests';

const ddbMock = mockClient(DynamoDBDocumentClient);
type Handler = (typeof import('../../../functions/api/create-order'))['handler'];
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await importWithEnv(() => import('../../../functions/api/create-order')));
});
afterAll(() => vi.unstubAllEnvs());
let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  ddbMock.reset();
  output = captureOutput(); // keeps test output quiet; tests read it
});
afterEach(() => output.restore());

const invoke = (event: Parameters<Handler>[0]): Promise<APIGatewayProxyResult> => handler(event, lambdaContext);
const bodyOf = (result: APIGatewayProxyResult): Record<string, unknown> => JSON.parse(result.body) as Record<string, unknown>;

/** The conditional failure of a PutItem; with `item`, DynamoDB returned the existing item with it (ALL_OLD). */
function conditionFailed(item?: Record<string, unknown>) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item === undefined ? {} : { Item: marshall(item, { removeUndefinedValues: true }) }),
  });
}

/** Item Put as the order by the last successful PutItem (what DynamoDB would now hold). */
function storedOrderItem(): Record<string, unknown> {
  const calls = ddbMock.commandCalls(PutCommand);
  const item = calls.at(-1)?.args[0].input.Item;
  if (item === undefined) throw new Error('no order was written');
  return item;
}

describe('POST /orders: created', () => {
  it('201 with orderId and status RECEIVED; ONE conditional PutItem of the order item', async () => {
    ddbMock.on(PutCommand).resolves({});
    const result = await invoke(createOrderEvent(validOrderRequest(), { key: 'key-created-1' }));
    expect(result.statusCode).toBe(201);
    expect(result.headers?.['Content-Type']).toBe('application/json');
    expect(result.headers).not.toHaveProperty('Idempotent-Replayed');
    const body = bodyOf(result);
    expect(body.orderId).toMatch(ORDER_ID_PATTERN);
    expect(body).toMatchObject({
      status: 'RECEIVED',
      channelId: 'demo-web',
      externalOrderId: 'WEB-1001',
      source: 'api',
      currency: 'EUR',
      customer: { email: 'ada.lovelace@example.com' },
      shippingAddress: { country: 'DE', postcode: '10115' },
      lines: [
        { lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: '19.99' },
        { lineNo: 2, sku: 'MUG-WHT', quantity: 1, unitPrice: '9.50' },
      ],
      totals: { subtotal: '49.48', shipping: '4.90', tax: '0.00', discount: '5.00', total: '49.38', taxIncluded: true },
      payment: { reference: 'pi_3Nabc123', status: 'paid', gateway: 'stripe' },
      flags: [],
    });
    for (const internal of ['pk', 'sk', 'entity', 'requestHash', 'idempotencyKey', 'version', 'gsi1pk']) expect(body).not.toHaveProperty(internal);

    expect(ddbMock.calls()).toHaveLength(1);
    const put = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    expect(put?.Item).toMatchObject({
      entity: 'Order',
      orderId: body.orderId,
      idempotencyKey: 'key-created-1',
      totals: { totalMinor: 4938 },
      lines: [{ unitPriceMinor: 1999 }, { unitPriceMinor: 950 }],
    });
  });

  it('the orderId is derived from channel + externalOrderId (the order item is its own guard), not from the key', async () => {
    ddbMock.on(PutCommand).resolves({});
    const a = bodyOf(await invoke(createOrderEvent(validOrderRequest(), { key: 'same' })));
    const b = bodyOf(await invoke(createOrderEvent(validOrderRequest(), { key: 'other' })));
    const c = bodyOf(await invoke(createOrderEvent(set(validOrderRequest(), 'externalOrderId', 'OTHER'), { key: 'same' })));
    expect(b.orderId).toBe(a.orderId);
    expect(c.orderId).not.toBe(a.orderId);
  });

  it('accepts a base64-encoded body, lower-case header names and charset in Content-Type', async () => {
    ddbMock.on(PutCommand).resolves({});
    const event = apiEvent({
      body: Buffer.from(JSON.stringify(validOrderRequest())).toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': 'k-b64' },
    });
    expect((await invoke(event)).statusCode).toBe(201);
  });

  it('accepts a matching channel in the body', async () => {
    ddbMock.on(PutCommand).resolves({});
    expect((await invoke(createOrderEvent(set(validOrderRequest(), 'channel', 'demo-web')))).statusCode).toBe(201);
  });
});

describe('POST /orders: idempotency', () => {
  it('replay (same key, same body) → 201, same body, Idempotent-Replayed: true, nothing written twice, no read', async () => {
    ddbMock.on(PutCommand).resolvesOnce({});
    const first = await invoke(createOrderEvent(validOrderRequest(), { key: 'replay-1' }));
    const stored = storedOrderItem();
    ddbMock.on(PutCommand).rejects(conditionFailed(stored));

    // Same meaning, different formatting and key order: still the same request.
    const reordered = Object.fromEntries(Object.entries(validOrderRequest()).reverse());
    const second = await invoke(createOrderEvent(JSON.stringify(reordered, null, 2), { key: 'replay-1' }));
    expect(second.statusCode).toBe(201);
    expect(second.headers?.['Idempotent-Replayed']).toBe('true');
    expect(bodyOf(second)).toEqual(bodyOf(first));
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(2);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('replay when the failure carries no item → one consistent GetItem', async () => {
    ddbMock.on(PutCommand).resolvesOnce({});
    await invoke(createOrderEvent(validOrderRequest(), { key: 'replay-3' }));
    ddbMock.on(PutCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: storedOrderItem() });
    const second = await invoke(createOrderEvent(validOrderRequest(), { key: 'replay-3' }));
    expect(second.statusCode).toBe(201);
    expect(second.headers?.['Idempotent-Replayed']).toBe('true');
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true });
  });

  it('the optional channel field does not change the request identity', async () => {
    ddbMock.on(PutCommand).resolvesOnce({});
    await invoke(createOrderEvent(validOrderRequest(), { key: 'replay-2' }));
    ddbMock.on(PutCommand).rejects(conditionFailed(storedOrderItem()));
    const second = await invoke(createOrderEvent(set(validOrderRequest(), 'channel', 'demo-web'), { key: 'replay-2' }));
    expect(second.statusCode).toBe(201);
  });

  it('same key, different body → 409 on headers.idempotency-key', async () => {
    ddbMock.on(PutCommand).resolvesOnce({});
    await invoke(createOrderEvent(validOrderRequest(), { key: 'conflict-1' }));
    ddbMock.on(PutCommand).rejects(conditionFailed(storedOrderItem()));
    const result = await invoke(createOrderEvent(set(validOrderRequest(), 'payment.reference', 'pi_other'), { key: 'conflict-1' }));
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({ error: expect.stringContaining('Idempotency-Key'), issues: [{ path: 'headers.idempotency-key' }] });
  });

  it.each([
    ['the same body', (r: Record<string, unknown>) => r],
    ['another body', (r: Record<string, unknown>) => set(r, 'payment.reference', 'pi_other')],
  ])('new key, externalOrderId already used (%s) → 409 naming the existing order, nothing written', async (_label, body) => {
    ddbMock.on(PutCommand).resolvesOnce({});
    const first = bodyOf(await invoke(createOrderEvent(validOrderRequest(), { key: 'first-key' })));
    ddbMock.on(PutCommand).rejects(conditionFailed(storedOrderItem()));
    const result = await invoke(createOrderEvent(body(validOrderRequest()), { key: 'fresh-key' }));
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toEqual({
      error: `externalOrderId already belongs to order ${String(first.orderId)}`,
      issues: [{ path: 'externalOrderId', message: `already belongs to order ${String(first.orderId)}` }],
    });
  });

  it('externalOrderId taken by a Shopify webhook order → 409 even with a matching key', async () => {
    ddbMock.on(PutCommand).resolvesOnce({});
    await invoke(createOrderEvent(validOrderRequest(), { key: 'k-shop' }));
    ddbMock.on(PutCommand).rejects(conditionFailed({ ...storedOrderItem(), source: 'shopify', idempotencyKey: undefined }));
    expect((await invoke(createOrderEvent(validOrderRequest(), { key: 'k-shop' }))).statusCode).toBe(409);
  });
});

describe('POST /orders: failures', () => {
  it('throttled write (after the SDK retries) → 503 THROTTLED with Retry-After (test/unit/corpus/throttling.test.ts)', async () => {
    ddbMock.on(PutCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const result = await invoke(createOrderEvent(validOrderRequest()));
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['Retry-After']).toBe('1');
    expect(bodyOf(result)).toMatchObject({ code: 'THROTTLED' });
  });

  it.each([
    ['network error', new Error('socket hang up')],
  ])('%s → generic 500 with no detail', async (_label, error) => {
    ddbMock.on(PutCommand).rejects(error);
    const result = await invoke(createOrderEvent(validOrderRequest()));
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ error: 'Internal error' });
    expect(output.text()).toContain('Unhandled error');
    expect(output.text()).toContain('"correlation_id":"req-1"');
  });

  it.each<[string, Parameters<Handler>[0], number, string]>([
    ['missing Idempotency-Key', createOrderEvent(validOrderRequest(), { key: null }), 400, 'headers.idempotency-key'],
    ['Idempotency-Key with spaces', createOrderEvent(validOrderRequest(), { key: 'has spaces' }), 400, 'headers.idempotency-key'],
    ['Idempotency-Key too long', createOrderEvent(validOrderRequest(), { key: 'k'.repeat(256) }), 400, 'headers.idempotency-key'],
    ['malformed JSON', createOrderEvent('{"externalOrderId": '), 400, 'body'],
    ['empty body', createOrderEvent(''), 400, 'body'],
    ['text/plain', createOrderEvent(validOrderRequest(), { headers: { 'Content-Type': 'text/plain' } }), 415, 'headers.content-type'],
    ['no Content-Type', apiEvent({ body: JSON.stringify(validOrderRequest()), headers: { 'Idempotency-Key': 'k' } }), 415, 'headers.content-type'],
    ['body over 256 KiB', createOrderEvent(set(validOrderRequest(), 'lines.0.title', 'x'.repeat(270_000))), 413, 'body'],
    ['unknown API key', createOrderEvent(validOrderRequest(), { apiKeyId: 'key-unknown' }), 403, 'headers.x-api-key'],
    ['no API key id', createOrderEvent(validOrderRequest(), { apiKeyId: null }), 403, 'headers.x-api-key'],
    ['channel of another key', createOrderEvent(set(validOrderRequest(), 'channel', 'demo-shopify')), 403, 'channel'],
    ['valid key of the other channel, naming this one', createOrderEvent(set(validOrderRequest(), 'channel', 'demo-web'), { apiKeyId: SHOP_KEY_ID }), 403, 'channel'],
    ['invalid body', createOrderEvent(set(validOrderRequest(), 'lines.0.quantity', 0)), 422, 'lines.0.quantity'],
    ['totals mismatch', createOrderEvent(set(validOrderRequest(), 'totals.total', '1.00')), 422, 'totals.total'],
    ['JSON array body', createOrderEvent('[]'), 422, 'body'],
  ])('%s → %i at %s, nothing written', async (_label, event, status, path) => {
    const result = await invoke(event);
    expect(result.statusCode).toBe(status);
    const body = bodyOf(result);
    expect(typeof body.error).toBe('string');
    expect((body.issues as { path: string }[]).map((issue) => issue.path)).toContain(path);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('POST /orders: logs', () => {
  it('contain the order id but no PII', async () => {
    ddbMock.on(PutCommand).resolves({});
    const result = await invoke(createOrderEvent(validOrderRequest(), { key: 'log-check' }));
    await invoke(createOrderEvent(set(validOrderRequest(), 'shippingAddress.postcode', '0000'), { key: 'log-check-2' }));
    const logs = output.text();
    expect(logs).toContain(String(bodyOf(result).orderId));
    for (const pii of ['Lovelace', 'ada.lovelace', '1234567', 'Invalidenstrasse', '10115', 'Berlin']) expect(logs).not.toContain(pii);
  });
});

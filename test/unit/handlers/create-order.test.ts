import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
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

function canceled(codes: string[]) {
  return new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
}

/** Item Put as the order by the last successful transaction (what DynamoDB would now hold). */
function storedOrderItem(): Record<string, unknown> {
  const calls = ddbMock.commandCalls(TransactWriteCommand);
  const item = calls.at(-1)?.args[0].input.TransactItems?.[0]?.Put?.Item;
  if (item === undefined) throw new Error('no order was written');
  return item;
}

describe('POST /orders: created', () => {
  it('201 with orderId and status RECEIVED; one TransactWrite with the three items', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
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
    for (const internal of ['pk', 'sk', 'entity', 'requestHash', 'version', 'gsi1pk']) expect(body).not.toHaveProperty(internal);

    expect(ddbMock.calls()).toHaveLength(1);
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Put?.Item?.entity)).toEqual(['Order', 'ExternalOrderGuard', 'TimelineEvent']);
    expect(items[0]?.Put?.Item).toMatchObject({ orderId: body.orderId, totals: { totalMinor: 4938 }, lines: [{ unitPriceMinor: 1999 }, { unitPriceMinor: 950 }] });
  });

  it('the same Idempotency-Key always maps to the same orderId; another key to another', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const a = bodyOf(await invoke(createOrderEvent(validOrderRequest(), { key: 'same' })));
    const b = bodyOf(await invoke(createOrderEvent(set(validOrderRequest(), 'externalOrderId', 'OTHER'), { key: 'same' })));
    const c = bodyOf(await invoke(createOrderEvent(validOrderRequest(), { key: 'other' })));
    expect(a.orderId).toBe(b.orderId);
    expect(c.orderId).not.toBe(a.orderId);
  });

  it('accepts a base64-encoded body, lower-case header names and charset in Content-Type', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const event = apiEvent({
      body: Buffer.from(JSON.stringify(validOrderRequest())).toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': 'k-b64' },
    });
    expect((await invoke(event)).statusCode).toBe(201);
  });

  it('accepts a matching channel in the body', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    expect((await invoke(createOrderEvent(set(validOrderRequest(), 'channel', 'demo-web')))).statusCode).toBe(201);
  });
});

describe('POST /orders: idempotency', () => {
  it('replay (same key, same body) → 201, same body, Idempotent-Replayed: true, nothing written twice', async () => {
    ddbMock.on(TransactWriteCommand).resolvesOnce({});
    const first = await invoke(createOrderEvent(validOrderRequest(), { key: 'replay-1' }));
    const stored = storedOrderItem();
    ddbMock.on(TransactWriteCommand).rejects(canceled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']));
    ddbMock.on(GetCommand).resolves({ Item: stored });

    // Same meaning, different formatting and key order: still the same request.
    const reordered = Object.fromEntries(Object.entries(validOrderRequest()).reverse());
    const second = await invoke(createOrderEvent(JSON.stringify(reordered, null, 2), { key: 'replay-1' }));
    expect(second.statusCode).toBe(201);
    expect(second.headers?.['Idempotent-Replayed']).toBe('true');
    expect(bodyOf(second)).toEqual(bodyOf(first));
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(1);
  });

  it('the optional channel field does not change the request identity', async () => {
    ddbMock.on(TransactWriteCommand).resolvesOnce({});
    await invoke(createOrderEvent(validOrderRequest(), { key: 'replay-2' }));
    ddbMock.on(TransactWriteCommand).rejects(canceled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']));
    ddbMock.on(GetCommand).resolves({ Item: storedOrderItem() });
    const second = await invoke(createOrderEvent(set(validOrderRequest(), 'channel', 'demo-web'), { key: 'replay-2' }));
    expect(second.statusCode).toBe(201);
  });

  it('same key, different body → 409 on headers.idempotency-key', async () => {
    ddbMock.on(TransactWriteCommand).resolvesOnce({});
    await invoke(createOrderEvent(validOrderRequest(), { key: 'conflict-1' }));
    ddbMock.on(TransactWriteCommand).rejects(canceled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']));
    ddbMock.on(GetCommand).resolves({ Item: storedOrderItem() });
    const result = await invoke(createOrderEvent(set(validOrderRequest(), 'payment.reference', 'pi_other'), { key: 'conflict-1' }));
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({ error: expect.stringContaining('Idempotency-Key'), issues: [{ path: 'headers.idempotency-key' }] });
  });

  it('new key, externalOrderId already used → 409 naming the existing order', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled(['None', 'ConditionalCheckFailed', 'None']));
    ddbMock.on(GetCommand).resolves({ Item: { pk: 'EXTORDER#demo-web#WEB-1001', sk: '#GUARD', orderId: 'ord_existing0000000000000000000' } });
    const result = await invoke(createOrderEvent(validOrderRequest(), { key: 'fresh-key' }));
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toEqual({
      error: 'externalOrderId already belongs to order ord_existing0000000000000000000',
      issues: [{ path: 'externalOrderId', message: 'already belongs to order ord_existing0000000000000000000' }],
    });
  });
});

describe('POST /orders: failures', () => {
  it.each([
    ['throttled transaction', canceled(['None', 'None', 'ThrottlingError'])],
    ['network error', new Error('socket hang up')],
  ])('%s → generic 500 with no detail', async (_label, error) => {
    ddbMock.on(TransactWriteCommand).rejects(error);
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
    ddbMock.on(TransactWriteCommand).resolves({});
    const result = await invoke(createOrderEvent(validOrderRequest(), { key: 'log-check' }));
    await invoke(createOrderEvent(set(validOrderRequest(), 'shippingAddress.postcode', '0000'), { key: 'log-check-2' }));
    const logs = output.text();
    expect(logs).toContain(String(bodyOf(result).orderId));
    for (const pii of ['Lovelace', 'ada.lovelace', '1234567', 'Invalidenstrasse', '10115', 'Berlin']) expect(logs).not.toContain(pii);
  });
});

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { deriveOrderId } from '../../../functions/core/kernel/order-id';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { SHOP_DOMAIN, SHOP_SECRET_ARN, apiEvent, lambdaContext } from '../fixtures/requests';
import { BIG_LINE_ID, BIG_ORDER_ID, SHOPIFY_SECRET, shopifyOrderBody, sign } from '../fixtures/shopify';

const ddbMock = mockClient(DynamoDBDocumentClient);
const secretsMock = mockClient(SecretsManagerClient);
type Handler = (typeof import('../../../functions/api/shopify-webhook'))['handler'];
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await importWithEnv(() => import('../../../functions/api/shopify-webhook')));
});
afterAll(() => vi.unstubAllEnvs());
let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  ddbMock.reset();
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand, { SecretId: SHOP_SECRET_ARN }).resolves({ SecretString: SHOPIFY_SECRET, ARN: SHOP_SECRET_ARN, Name: 'ShopSecret' });
  ddbMock.on(BatchGetCommand).resolves({ Responses: { PipelineTable: [{ sku: 'TSHIRT-BLK-M', active: true }, { sku: 'MUG-WHT', active: true }] } });
  ddbMock.on(PutCommand).resolves({});
  output = captureOutput();
});
afterEach(() => output.restore());

const invoke = (event: Parameters<Handler>[0]): Promise<APIGatewayProxyResult> => handler(event, lambdaContext);

function webhookEvent(
  body: string,
  options: { signature?: string | null; webhookId?: string | null; channelId?: string | null; shopDomain?: string; base64?: boolean } = {},
) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Shopify-Topic': 'orders/create' };
  if (options.signature !== null) headers['X-Shopify-Hmac-Sha256'] = options.signature ?? sign(body);
  if (options.webhookId !== null) headers['X-Shopify-Webhook-Id'] = options.webhookId ?? 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043';
  if (options.shopDomain !== undefined) headers['X-Shopify-Shop-Domain'] = options.shopDomain;
  const channelId = options.channelId === undefined ? 'demo-shopify' : options.channelId;
  return apiEvent({
    path: channelId === null ? '/webhooks/shopify/orders-create' : `/webhooks/shopify/${channelId}/orders-create`,
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
    headers,
    apiKeyId: null,
    pathParameters: channelId === null ? null : { channelId },
  });
}

const parse = (result: APIGatewayProxyResult) => JSON.parse(result.body) as Record<string, unknown>;
const expectedOrderId = deriveOrderId('demo-shopify', 'shopify', BIG_ORDER_ID);
/** The order items Put (the webhook writes ONE conditional PutItem of the order). */
const orderPuts = () => ddbMock.commandCalls(PutCommand).filter((call) => call.args[0].input.Item?.entity === 'Order');

/** The conditional failure of the order PutItem, with the existing item (ALL_OLD) when given. */
function conditionFailed(item?: Record<string, unknown>) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item === undefined ? {} : { Item: marshall(item) }),
  });
}
const existingOrder = { pk: `ORDER#${expectedOrderId}`, sk: '#ORDER', entity: 'Order', orderId: expectedOrderId, channelId: 'demo-shopify' };

describe('Shopify webhook: authentication', () => {
  it.each<[string, Parameters<typeof webhookEvent>[1]]>([
    ['missing signature', { signature: null }],
    ['signature with another secret', { signature: sign(shopifyOrderBody(), 'wrong-secret') }],
    ['signature of another body', { signature: sign(shopifyOrderBody({ total_price: '"0.01"' })) }],
    ['garbage signature', { signature: 'not-base64!' }],
  ])('%s → 401, no DynamoDB call at all', async (_label, options) => {
    const result = await invoke(webhookEvent(shopifyOrderBody(), options));
    expect(result.statusCode).toBe(401);
    expect(parse(result)).toMatchObject({ issues: [{ path: 'headers.x-shopify-hmac-sha256' }] });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('verifies the raw bytes, decoding base64 bodies first', async () => {
    const body = shopifyOrderBody();
    expect((await invoke(webhookEvent(body, { base64: true }))).statusCode).toBe(201);
  });

  it('a whitespace-reformatted body with the original signature is rejected (raw body, not re-serialized)', async () => {
    const body = shopifyOrderBody();
    const result = await invoke(webhookEvent(body.replace(/,/g, ', '), { signature: sign(body) }));
    expect(result.statusCode).toBe(401);
  });

  it('resolves the channel from X-Shopify-Shop-Domain on the generic route', async () => {
    const result = await invoke(webhookEvent(shopifyOrderBody(), { channelId: null, shopDomain: SHOP_DOMAIN.toUpperCase() }));
    expect(result.statusCode).toBe(201);
  });

  it.each<[string, Parameters<typeof webhookEvent>[1]]>([
    ['unknown channel in the path', { channelId: 'nope' }],
    ['unknown channel in the path, unsigned', { channelId: 'nope', signature: null }],
    ['unknown shop domain', { channelId: null, shopDomain: 'evil.myshopify.com' }],
    ['no channel at all', { channelId: null }],
  ])('%s → exactly the bad-signature answer (no channel enumeration), nothing read or written', async (_label, options) => {
    const badSignature = await invoke(webhookEvent(shopifyOrderBody(), { signature: sign(shopifyOrderBody(), 'wrong-secret') }));
    ddbMock.resetHistory();
    secretsMock.resetHistory();
    const result = await invoke(webhookEvent(shopifyOrderBody(), options));
    expect(badSignature.statusCode).toBe(401);
    expect(result.statusCode).toBe(badSignature.statusCode);
    expect(result.body).toBe(badSignature.body);
    expect(result.headers).toEqual(badSignature.headers);
    expect(ddbMock.calls()).toHaveLength(0);
    expect(secretsMock.calls()).toHaveLength(0);
  });

  it('a body signed with another channel\'s secret is still refused on an unknown channel', async () => {
    const result = await invoke(webhookEvent(shopifyOrderBody(), { channelId: 'nope', signature: sign(shopifyOrderBody()) }));
    expect(result.statusCode).toBe(401);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('Shopify webhook: intake', () => {
  it('201 created: exact 64-bit ids, one BatchGet + ONE conditional PutItem of the order (no guard, event or dedupe items)', async () => {
    const result = await invoke(webhookEvent(shopifyOrderBody()));
    expect(result.statusCode).toBe(201);
    expect(parse(result)).toEqual({ result: 'created', orderId: expectedOrderId, flags: [] });
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
    expect(ddbMock.calls()).toHaveLength(2);
    const put = orderPuts()[0]?.args[0].input;
    expect(put).toMatchObject({ ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    expect(put?.Item).toMatchObject({ pk: `ORDER#${expectedOrderId}`, externalOrderId: BIG_ORDER_ID, source: 'shopify', lines: [{ externalLineId: BIG_LINE_ID }, {}] });
  });

  it('duplicate webhook id → 200 with the order id, nothing new written, no extra read', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed(existingOrder));
    const result = await invoke(webhookEvent(shopifyOrderBody()));
    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({ result: 'duplicate', orderId: expectedOrderId });
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('same Shopify order re-sent under a new webhook id → same order id, 200 duplicate', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: existingOrder });
    const result = await invoke(webhookEvent(shopifyOrderBody(), { webhookId: 'another-delivery' }));
    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({ result: 'duplicate', orderId: expectedOrderId });
  });

  it.each<[string, Record<string, string>, string[]]>([
    ['cancelled', { cancelled_at: '"2026-11-25T11:00:00+01:00"' }, ['CANCELLED_AT_SOURCE']],
    ['unpaid', { financial_status: '"pending"' }, ['UNPAID']],
    ['unknown SKU', { line_items: '[{"id":1,"sku":"NOPE-1","quantity":1,"price":"48.98"}]' }, ['UNKNOWN_SKU']],
    ['line without sku', { line_items: '[{"id":1,"sku":null,"quantity":1,"price":"48.98"}]' }, ['LINE_WITHOUT_SKU']],
  ])('%s → still 201 created, recorded as flags on the order', async (_label, overrides, codes) => {
    const result = await invoke(webhookEvent(shopifyOrderBody(overrides)));
    expect(result.statusCode).toBe(201);
    const flags = (parse(result).flags as { code: string }[]).map((flag) => flag.code);
    expect(flags).toEqual(codes);
    const stored = orderPuts()[0]?.args[0].input.Item;
    expect((stored?.flags as { code: string }[]).map((flag) => flag.code)).toEqual(codes);
  });

  it('flags an inactive SKU', async () => {
    ddbMock.on(BatchGetCommand).resolves({ Responses: { PipelineTable: [{ sku: 'TSHIRT-BLK-M', active: false }, { sku: 'MUG-WHT', active: true }] } });
    const result = await invoke(webhookEvent(shopifyOrderBody()));
    expect(parse(result).flags).toEqual([{ code: 'INACTIVE_SKU', message: 'SKU TSHIRT-BLK-M is not active in the catalog', lineNo: 1 }]);
  });

  it('unmappable (no shipping address) → 202 rejected, stored for operators on gsi3, no order', async () => {
    ddbMock.on(PutCommand).resolves({});
    const body = shopifyOrderBody({ shipping_address: 'null' });
    const result = await invoke(webhookEvent(body, { webhookId: 'wh-rejected' }));
    expect(result.statusCode).toBe(202);
    expect(parse(result)).toEqual({ result: 'rejected', issues: [{ path: 'shipping_address', message: 'is required: the order has nothing to ship to' }] });
    expect(orderPuts()).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: 'WEBHOOK#demo-shopify#wh-rejected',
      gsi3pk: 'EXCEPTION#WEBHOOK_REJECTED',
      externalOrderId: BIG_ORDER_ID,
      rawBody: body,
      topic: 'orders/create',
    });
  });

  it('authentic JSON that is not a Shopify order → 202 rejected with schema issues', async () => {
    ddbMock.on(PutCommand).resolves({});
    const result = await invoke(webhookEvent('{"hello":"world"}'));
    expect(result.statusCode).toBe(202);
    expect((parse(result).issues as { path: string }[]).map((issue) => issue.path)).toEqual(expect.arrayContaining(['id', 'line_items', 'total_price']));
  });

  it('authentic but malformed JSON → 400, nothing written', async () => {
    const result = await invoke(webhookEvent('{"id": 1,'));
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({ issues: [{ path: 'body' }] });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('missing X-Shopify-Webhook-Id → 400', async () => {
    const result = await invoke(webhookEvent(shopifyOrderBody(), { webhookId: null }));
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({ issues: [{ path: 'headers.x-shopify-webhook-id' }] });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('a DynamoDB outage is a 500 (Shopify retries later)', async () => {
    ddbMock.on(PutCommand).rejects(new Error('service unavailable'));
    const result = await invoke(webhookEvent(shopifyOrderBody()));
    expect(result.statusCode).toBe(500);
    expect(parse(result)).toEqual({ error: 'Internal error' });
  });

  it('logs carry ids and flag codes, never the customer', async () => {
    await invoke(webhookEvent(shopifyOrderBody()));
    const logs = output.text();
    expect(logs).toContain(expectedOrderId);
    for (const pii of ['grace@example.com', 'Hopper', 'Kurfuerstendamm', '10719']) expect(logs).not.toContain(pii);
  });
});

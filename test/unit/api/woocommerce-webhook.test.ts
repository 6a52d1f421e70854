import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { computeHmacBase64, verifyWooCommerceSignature } from '../../../functions/core/kernel/webhook-signature';
import { orderIdForExternalOrder } from '../../../functions/core/kernel/order-id';
import type { CancellationInput, CancellationOutcome } from '../../../functions/core/orders/schemas/cancellation';
import { WooOrderWebhook } from '../../../functions/core/orders/schemas/woocommerce';
import { mapWooOrder } from '../../../functions/core/orders/services/woocommerce-mapping';
import { handleWooCommerceWebhook, type WooWebhookDeps, type WooWebhookInput } from '../../../functions/core/orders/services/woocommerce-webhook';
import type { ChannelConfig } from '../../../functions/core/runtime/channels';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { CHANNELS_ENV, apiEvent, lambdaContext } from '../fixtures/requests';
import { FakeTable } from '../workflow/support/fake-table';
import { NOW, catalogItems, makeWorld, storedOrder, timelineTypes } from '../workflow/support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const secretsMock = mockClient(SecretsManagerClient);
const SECRET = 'wc_webhook_secret_example';
const WOO_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:WooSecret';
const CHANNEL: ChannelConfig = { channelId: 'demo-woo', platform: 'woocommerce', currency: 'EUR', shopDomain: null, apiKeyId: 'woo-key', webhookSecretArn: WOO_SECRET_ARN };
const ORDER_ID = orderIdForExternalOrder('demo-woo', '727');
const ORDER_JSON = readFileSync(new URL('../../fixtures/woocommerce/order-v3.json', import.meta.url), 'utf8');
const withOrder = (edit: (o: Record<string, unknown>) => void): string => {
  const value = JSON.parse(ORDER_JSON) as Record<string, unknown>;
  edit(value);
  return JSON.stringify(value);
};

let table: FakeTable;
let cancellations: CancellationInput[];
let deps: WooWebhookDeps;
let output: ReturnType<typeof captureOutput>;

beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  sfnMock.resolves({});
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand, { SecretId: WOO_SECRET_ARN }).resolves({ SecretString: SECRET, ARN: WOO_SECRET_ARN, Name: 'WooSecret' });
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  const world = makeWorld(table);
  cancellations = [];
  deps = {
    ...world.deps,
    sfn: world.sfn,
    getSecret: async () => SECRET,
    requestCancellation: async (input): Promise<CancellationOutcome> => {
      cancellations.push(input);
      return { orderId: input.orderId, requestId: input.requestId, status: 'CANCELLED', lines: [] };
    },
    amendPurchaseOrder: async () => undefined,
  };
  output = captureOutput();
});
afterEach(() => output.restore());

const deliver = (topic: string, body: string, overrides: Partial<WooWebhookInput> = {}) =>
  handleWooCommerceWebhook(deps, {
    channel: CHANNEL,
    rawBody: Buffer.from(body),
    signature: computeHmacBase64(SECRET, body),
    deliveryId: `d-${topic}-${body.length}`,
    topic,
    ...overrides,
  });

describe('X-WC-Webhook-Signature', () => {
  it('verifies the vector (base64 HMAC-SHA256 of the raw body, computed independently with Python hmac)', () => {
    const body = Buffer.from('{"id":727,"status":"processing"}');
    expect(verifyWooCommerceSignature(SECRET, body, 'VYwRGJqfCFxdphdd47lwFpe6Z0kv13uyttc8aS1MjVI=')).toBe(true);
    expect(verifyWooCommerceSignature(SECRET, Buffer.from('{"id":727,"status":"cancelled"}'), 'VYwRGJqfCFxdphdd47lwFpe6Z0kv13uyttc8aS1MjVI=')).toBe(false);
    // WooCommerce signs with wp_specialchars_decode($secret): a secret stored as `a&amp;b&lt;c&gt;` signs with `a&b<c>`.
    expect(verifyWooCommerceSignature('a&amp;b&lt;c&gt;', body, 'ZYj8e2uW/j3aRqEidDWM4sdQt7RFs8uTFcTf8yd9wcs=')).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['of another body', computeHmacBase64(SECRET, '{}')],
    ['with another secret', computeHmacBase64('other', ORDER_JSON)],
  ])('a signature %s → 401 before any read or write', async (_label, signature) => {
    await expect(deliver('order.created', ORDER_JSON, { signature })).rejects.toMatchObject({ statusCode: 401, issues: [{ path: 'headers.x-wc-webhook-signature' }] });
    expect(table.log).toHaveLength(0);
  });
});

describe('WooCommerce REST v3 order', () => {
  it('maps to the same order model as Shopify (lines with sku, quantity, price; address; email; totals)', () => {
    const mapped = mapWooOrder(WooOrderWebhook.parse(JSON.parse(ORDER_JSON)), { channelId: 'demo-woo', channelCurrency: 'EUR', orderId: ORDER_ID, now: NOW });
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.order).toMatchObject({
      source: 'woocommerce',
      externalOrderId: '727',
      externalOrderName: '#727',
      currency: 'EUR',
      customer: { email: 'john.doe@example.com' },
      shippingAddress: { name: 'John Doe', line1: 'Friedrichstrasse 43', city: 'Berlin', postcode: '10117', country: 'DE' },
      lines: [
        { lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 2, unitPriceMinor: 1999, externalLineId: '315' },
        { lineNo: 2, sku: 'CABLE-USBC-2M', quantity: 1, unitPriceMinor: 400, externalLineId: '316' },
      ],
      totals: { subtotalMinor: 4398, shippingMinor: 490, taxMinor: 0, discountMinor: 0, totalMinor: 4888, taxIncluded: false },
      payment: { status: 'paid', gateway: 'bacs' },
      flags: [],
    });
  });

  it('order.created creates the order once (201, then 200 duplicate)', async () => {
    expect(await deliver('order.created', ORDER_JSON)).toMatchObject({ statusCode: 201, body: { result: 'created', orderId: ORDER_ID } });
    expect(await deliver('order.created', ORDER_JSON, { deliveryId: 'd-again' })).toMatchObject({ statusCode: 200, body: { result: 'duplicate' } });
    expect(storedOrder(table, ORDER_ID)).toMatchObject({ status: 'RECEIVED', platformUpdatedAt: '2026-11-25T10:00:05.000Z' });
  });

  it('on-hold / pending orders are created UNPAID; order.updated to processing releases the payment hold', async () => {
    await deliver('order.created', withOrder((o) => (o.status = 'on-hold')));
    expect(storedOrder(table, ORDER_ID).flags.map((f) => f.code)).toContain('UNPAID');
    const stored = storedOrder(table, ORDER_ID);
    table.seed({ ...table.get(`ORDER#${ORDER_ID}`, '#ORDER'), status: 'ON_HOLD', holdReason: 'AWAITING_PAYMENT', version: stored.version });
    const updated = await deliver('order.updated', withOrder((o) => (o.date_modified_gmt = '2026-11-25T10:05:00')));
    expect(updated.body).toMatchObject({ result: 'updated', changes: ['payment'] });
    expect(storedOrder(table, ORDER_ID)).toMatchObject({ status: 'VALIDATED', payment: { status: 'paid' } });
    // Older than what the order reflects: nothing changes.
    const stale = await deliver('order.updated', withOrder((o) => {
      o.date_modified_gmt = '2026-11-25T10:01:00';
      o.shipping = { ...(o.shipping as object), address_1: 'Old Street 1' };
    }));
    expect(stale.body.result).toBe('unchanged');
    expect(storedOrder(table, ORDER_ID).shippingAddress.line1).toBe('Friedrichstrasse 43');
  });

  it.each([
    ['cancelled', 'platform_cancelled'],
    ['refunded', 'platform_refunded'],
  ])('order.updated with status %s → the cancellation flow (%s), keyed by the delivery id', async (status, reason) => {
    await deliver('order.created', ORDER_JSON);
    const body = withOrder((o) => {
      o.status = status;
      o.refunds = status === 'refunded' ? [{ id: 9001, reason: 'damaged', total: '-48.88' }] : [];
    });
    const result = await deliver('order.updated', body, { deliveryId: 'd-77' });
    expect(result.body).toMatchObject({ result: 'cancellation', cancellation: { status: 'CANCELLED' } });
    expect(cancellations).toEqual([{ channelId: 'demo-woo', orderId: ORDER_ID, requestId: 'd-77', source: 'woocommerce', reason }]);
    if (status === 'refunded') expect(timelineTypes(table, ORDER_ID)).toContain('PlatformRefundRecorded');
  });

  it('order.updated for an unknown order never creates one', async () => {
    expect((await deliver('order.updated', ORDER_JSON)).body.result).toBe('ignored');
    expect(table.entities('Order')).toHaveLength(0);
  });

  it('oversized values are 202 rejected with the field named, never a 5xx', async () => {
    const body = withOrder((o) => {
      (o.line_items as Record<string, unknown>[])[0]!.sku = 'X'.repeat(5000);
      (o.shipping as Record<string, unknown>).address_1 = 'Y'.repeat(100_000);
    });
    const result = await deliver('order.created', body);
    expect(result.statusCode).toBe(202);
    expect(result.body.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['line_items.0.sku', 'shipping.address_1']));
    expect(table.entities('Order')).toHaveLength(0);
  });
});

describe('the handler', () => {
  type Handler = (typeof import('../../../functions/api/woocommerce-webhook'))['handler'];
  let handler: Handler;
  beforeAll(async () => {
    const channels = [...(JSON.parse(CHANNELS_ENV) as unknown[]), { channelId: 'demo-woo', platform: 'woocommerce', currency: 'EUR', shopDomain: null, apiKeyId: 'woo-key', webhookSecretArn: WOO_SECRET_ARN }];
    ({ handler } = await importWithEnv(() => import('../../../functions/api/woocommerce-webhook'), { CHANNELS: JSON.stringify(channels) }));
  });
  afterAll(() => vi.unstubAllEnvs());
  const post = (body: string, headers: Record<string, string>, channelId = 'demo-woo'): Promise<APIGatewayProxyResult> =>
    handler(apiEvent({ method: 'POST', path: `/webhooks/woocommerce/${channelId}`, pathParameters: { channelId }, apiKeyId: null, body, headers }), lambdaContext);

  it('answers the form-encoded ping sent when a webhook is saved with 200, writing nothing', async () => {
    const result = await post('webhook_id=15', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(result.statusCode).toBe(200);
    expect(table.log).toHaveLength(0);
  });

  it('creates the order from a signed delivery', async () => {
    const result = await post(ORDER_JSON, {
      'Content-Type': 'application/json',
      'X-WC-Webhook-Topic': 'order.created',
      'X-WC-Webhook-Signature': computeHmacBase64(SECRET, ORDER_JSON),
      'X-WC-Webhook-Delivery-ID': 'a1b2c3',
    });
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ result: 'created', orderId: ORDER_ID });
  });

  it.each(['demo-shopify', 'no-such-channel'])('channel %s answers exactly like a bad signature on a WooCommerce channel (no enumeration), writing nothing', async (channelId) => {
    const headers = { 'Content-Type': 'application/json', 'X-WC-Webhook-Topic': 'order.created', 'X-WC-Webhook-Delivery-ID': 'd1' };
    const badSignature = await post(ORDER_JSON, { ...headers, 'X-WC-Webhook-Signature': computeHmacBase64('another-secret', ORDER_JSON) });
    const unknownSigned = await post(ORDER_JSON, { ...headers, 'X-WC-Webhook-Signature': computeHmacBase64(SECRET, ORDER_JSON) }, channelId);
    const unknownUnsigned = await post(ORDER_JSON, headers, channelId);
    expect(badSignature.statusCode).toBe(401);
    for (const result of [unknownSigned, unknownUnsigned]) {
      expect(result.statusCode).toBe(badSignature.statusCode);
      expect(result.body).toBe(badSignature.body);
      expect(result.headers).toEqual(badSignature.headers);
    }
    expect(table.log).toHaveLength(0);
  });

  it('the unsigned ping is answered the same on an unknown channel as on a known one', async () => {
    const known = await post('webhook_id=15', { 'Content-Type': 'application/x-www-form-urlencoded' });
    const unknown = await post('webhook_id=15', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'no-such-channel');
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.body).toBe(known.body);
    expect(table.log).toHaveLength(0);
  });
});

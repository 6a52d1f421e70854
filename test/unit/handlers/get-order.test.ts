import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { deriveOrderId } from '../../../functions/core/kernel/order-id';
import { orderItem, receivedEvent, timelineEventItem } from '../../../functions/core/orders/store/orders';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { sampleOrder } from '../fixtures/orders';
import { SHOP_KEY_ID, apiEvent, lambdaContext } from '../fixtures/requests';

const ddbMock = mockClient(DynamoDBDocumentClient);
type Handler = (typeof import('../../../functions/api/get-order'))['handler'];
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await importWithEnv(() => import('../../../functions/api/get-order')));
});
afterAll(() => vi.unstubAllEnvs());
let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  ddbMock.reset();
  output = captureOutput();
});
afterEach(() => output.restore());

const orderId = deriveOrderId('demo-web', 'api', 'k1');
const order = sampleOrder({ orderId, flags: [{ code: 'UNKNOWN_SKU', message: 'SKU X is not in the catalog', lineNo: 1 }] });

function getEvent(id: string, apiKeyId?: string) {
  return apiEvent({ method: 'GET', path: `/orders/${id}`, pathParameters: { orderId: id }, apiKeyId });
}
const invoke = (event: Parameters<Handler>[0]): Promise<APIGatewayProxyResult> => handler(event, lambdaContext);

describe('GET /orders/{orderId}', () => {
  it('200 with order, lines, status and timeline from ONE query', async () => {
    ddbMock.on(QueryCommand).resolves({
      Items: [
        orderItem(order),
        timelineEventItem(receivedEvent(order), 0),
        timelineEventItem({ orderId, at: '2026-11-25T10:00:05.000Z', actor: 'platform', type: 'ORDER_VALIDATED', message: 'Validated' }, 1),
      ],
    });
    const result = await invoke(getEvent(orderId));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({
      orderId,
      status: 'RECEIVED',
      channelId: 'demo-web',
      externalOrderId: 'WEB-1001',
      source: 'api',
      currency: 'EUR',
      customer: { email: 'ada@example.com' },
      shippingAddress: { name: 'Ada Lovelace', line1: 'Invalidenstrasse 117', city: 'Berlin', postcode: '10115', country: 'DE' },
      lines: [{ lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: '19.99' }],
      totals: { subtotal: '39.98', shipping: '4.90', tax: '0.00', discount: '0.00', total: '44.88', taxIncluded: true },
      payment: { reference: 'pi_1', status: 'paid' },
      flags: [{ code: 'UNKNOWN_SKU', message: 'SKU X is not in the catalog', lineNo: 1 }],
      createdAt: '2026-11-25T10:00:00.000Z',
      updatedAt: '2026-11-25T10:00:00.000Z',
      timeline: [
        { at: '2026-11-25T10:00:00.000Z', actor: 'retailer', type: 'ORDER_RECEIVED', message: 'Order received through the API' },
        { at: '2026-11-25T10:00:05.000Z', actor: 'platform', type: 'ORDER_VALIDATED', message: 'Validated' },
      ],
      fulfillments: [],
      cancelledLines: [],
    });
    expect(ddbMock.calls()).toHaveLength(1);
  });

  it('shows the units cancelled so far and the refund requested for them', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [{ ...orderItem(order), cancelledLines: [{ lineNo: 1, quantity: 1 }], refundRequestedMinor: 1999 }] });
    const body = JSON.parse((await invoke(getEvent(orderId))).body) as Record<string, unknown>;
    expect(body).toMatchObject({ cancelledLines: [{ lineNo: 1, quantity: 1 }], refundRequested: '19.99' });
  });

  it("404 for another channel's order, indistinguishable from a missing one", async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [orderItem(order)] });
    const otherChannel = await invoke(getEvent(orderId, SHOP_KEY_ID));
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    const missing = await invoke(getEvent(orderId));
    expect(otherChannel.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(otherChannel.body).toBe(missing.body);
    expect(otherChannel.body).not.toContain('demo-web');
  });

  it.each(['not-an-id', 'ord_short', `${orderId}x`])('400 for a malformed id %j, no read', async (id) => {
    const result = await invoke(getEvent(id));
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ issues: [{ path: 'pathParameters.orderId' }] });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('403 for an API key that maps to no channel', async () => {
    const result = await invoke(getEvent(orderId, 'key-unknown'));
    expect(result.statusCode).toBe(403);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('500 generic when DynamoDB fails', async () => {
    ddbMock.on(QueryCommand).rejects(new Error('boom'));
    const result = await invoke(getEvent(orderId));
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({ error: 'Internal error' });
  });
});

import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { normalizeAddress } from '../../../functions/core/kernel/address';
import { orderIdForExternalOrder } from '../../../functions/core/kernel/order-id';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import type { CancellationInput, CancellationOutcome } from '../../../functions/core/orders/schemas/cancellation';
import { handleShopifyWebhook, type ShopifyTopicDeps, type ShopifyTopicInput } from '../../../functions/core/orders/services/shopify-topics';
import type { ChannelConfig } from '../../../functions/core/runtime/channels';
import { putTaskToken } from '../../../functions/core/workflow/store/task-tokens';
import { FakeTable } from '../workflow/support/fake-table';
import { NOW, catalogItems, makeWorld, order, putOrder, storedOrder, timelineTypes, type World } from '../workflow/support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const SECRET = 'shpss_topic_secret';
const CHANNEL: ChannelConfig = { channelId: 'demo-shopify', platform: 'shopify', currency: 'EUR', shopDomain: 'x.myshopify.com', apiKeyId: 'k1', webhookSecretArn: 'arn:secret' };
const SHOPIFY_ORDER_ID = '820982911946154508';
const ORDER_ID = orderIdForExternalOrder('demo-shopify', SHOPIFY_ORDER_ID);
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/shopify/${name}.json`, import.meta.url), 'utf8');
const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('base64');

let table: FakeTable;
let world: World;
let cancellations: CancellationInput[];
let amendments: number;
let deps: ShopifyTopicDeps;

beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  sfnMock.resolves({});
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
  cancellations = [];
  amendments = 0;
  deps = {
    ...world.deps,
    sfn: world.sfn,
    getSecret: async () => SECRET,
    requestCancellation: async (input): Promise<CancellationOutcome> => {
      cancellations.push(input);
      return { orderId: input.orderId, requestId: input.requestId, status: 'CANCELLED', lines: [] };
    },
    amendPurchaseOrder: async () => {
      amendments += 1;
    },
  };
});

const shipTo = normalizeAddress({ name: 'Steve Shipper', company: 'Shipping Company', line1: 'Friedrichstrasse 43', city: 'Berlin', postcode: '10117', country: 'DE', phone: '555-555-SHIP' });

function shopifyOrder(overrides: Partial<WorkflowOrder> = {}): WorkflowOrder {
  return order({
    orderId: ORDER_ID,
    channelId: 'demo-shopify',
    source: 'shopify',
    externalOrderId: SHOPIFY_ORDER_ID,
    status: 'ON_HOLD',
    holdReason: 'AWAITING_PAYMENT',
    holdExpiresAt: new Date(NOW.getTime() + 3_600_000).toISOString(),
    payment: { reference: 'c1', status: 'pending' },
    shippingAddress: shipTo,
    lines: [
      { lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 2, unitPriceMinor: 1999, externalLineId: '866550311766439020' },
      { lineNo: 2, sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPriceMinor: 900, externalLineId: '141249953214522974' },
    ],
    platformUpdatedAt: '2026-11-25T09:00:00.000Z',
    ...overrides,
  });
}

function deliver(topic: string, body: string, overrides: Partial<ShopifyTopicInput> = {}) {
  return handleShopifyWebhook(deps, {
    channel: CHANNEL,
    rawBody: Buffer.from(body),
    signature: sign(body),
    webhookId: `wh-${topic}-${body.length}`,
    topic,
    triggeredAt: new Date(NOW.getTime() - 60_000).toISOString(),
    ...overrides,
  });
}

const withJson = (name: string, edit: (value: Record<string, unknown>) => void): string => {
  const value = JSON.parse(fixture(name).replace(/:(\d{16,})/g, ':"$1"')) as Record<string, unknown>;
  edit(value);
  return JSON.stringify(value);
};

describe('orders/updated and orders/paid (Shopify samples)', () => {
  it('payment captured releases an AWAITING_PAYMENT hold and stores the platform updated_at', async () => {
    putOrder(table, shopifyOrder());
    const result = await deliver('orders/updated', fixture('orders-updated'));
    expect(result).toMatchObject({ statusCode: 200, body: { result: 'updated', orderId: ORDER_ID, changes: ['payment'] } });
    const stored = storedOrder(table, ORDER_ID);
    expect(stored).toMatchObject({ status: 'VALIDATED', payment: { status: 'paid' }, platformUpdatedAt: '2026-11-25T11:30:00.000Z' });
    expect(stored.holdReason).toBeUndefined();
    expect(timelineTypes(table, ORDER_ID)).toEqual(expect.arrayContaining(['PaymentUpdated', 'OrderReleased', 'PlatformOrderUpdated']));
  });

  it('the same delivery again, and an older update, change nothing (out of order)', async () => {
    putOrder(table, shopifyOrder());
    await deliver('orders/updated', fixture('orders-updated'));
    const after = storedOrder(table, ORDER_ID);
    const events = timelineTypes(table, ORDER_ID).length;
    expect((await deliver('orders/updated', fixture('orders-updated'))).body.result).toBe('unchanged');
    const older = withJson('orders-updated', (o) => {
      o.updated_at = '2026-11-25T10:30:00+01:00';
      o.shipping_address = { ...(o.shipping_address as object), address1: 'Older Street 1' };
    });
    expect((await deliver('orders/updated', older, { webhookId: 'wh-older' })).body).toMatchObject({ result: 'unchanged', changes: [] });
    expect(storedOrder(table, ORDER_ID)).toEqual(after);
    expect(timelineTypes(table, ORDER_ID)).toHaveLength(events);
  });

  it('orders/paid counts as payment captured even without a financial_status', async () => {
    putOrder(table, shopifyOrder());
    const body = withJson('orders-updated', (o) => {
      delete o.financial_status;
    });
    expect((await deliver('orders/paid', body)).body).toMatchObject({ result: 'updated', changes: ['payment'] });
  });

  it('an edited shipping address corrects an INCORRECT_ADDRESS hold and resumes the workflow', async () => {
    putOrder(table, shopifyOrder({ holdReason: 'INCORRECT_ADDRESS', payment: { reference: 'c1', status: 'paid' }, shippingAddress: { ...shipTo, postcode: '1011' } }));
    await putTaskToken(world.store, { taskToken: 'hold-token', stage: 'HOLD', orderId: ORDER_ID, storedAt: NOW.toISOString(), expiresAt: 1 });
    const result = await deliver('orders/updated', fixture('orders-updated'));
    expect(result.body).toMatchObject({ result: 'updated', changes: ['shippingAddress'] });
    expect(storedOrder(table, ORDER_ID)).toMatchObject({ status: 'RECEIVED', shippingAddress: { postcode: '10117' }, holdRelease: { holdReason: 'INCORRECT_ADDRESS' } });
    expect(timelineTypes(table, ORDER_ID)).toEqual(expect.arrayContaining(['AddressChanged', 'OrderReleased']));
    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual(['hold-token']);
  });

  it('an edited address that is still invalid is refused with the field named, nothing changes', async () => {
    putOrder(table, shopifyOrder({ payment: { reference: 'c1', status: 'paid' }, status: 'VALIDATED', holdReason: undefined }));
    const body = withJson('orders-updated', (o) => {
      o.shipping_address = { ...(o.shipping_address as object), zip: '123' };
    });
    const result = await deliver('orders/updated', body);
    expect(result.statusCode).toBe(200);
    expect(result.body.issues).toEqual([expect.objectContaining({ path: 'shippingAddress.postcode' })]);
    expect(storedOrder(table, ORDER_ID).shippingAddress.postcode).toBe('10117');
  });

  it('an update for an order the pipeline does not have never creates one (recorded)', async () => {
    const result = await deliver('orders/updated', fixture('orders-updated'));
    expect(result).toMatchObject({ statusCode: 200, body: { result: 'ignored' } });
    expect(table.entities('Order')).toHaveLength(0);
    expect(table.entities('RejectedWebhook')).toHaveLength(1);
  });
});

describe('orders/cancelled and refunds/create', () => {
  it('orders/cancelled runs the cancellation flow keyed by the delivery id', async () => {
    putOrder(table, shopifyOrder());
    const result = await deliver('orders/cancelled', fixture('orders-cancelled'), { webhookId: 'wh-cancel-1' });
    expect(result.body).toMatchObject({ result: 'cancellation', orderId: ORDER_ID, cancellation: { status: 'CANCELLED' } });
    expect(cancellations).toEqual([{ channelId: 'demo-shopify', orderId: ORDER_ID, requestId: 'wh-cancel-1', source: 'shopify', reason: 'platform_cancelled', note: 'customer' }]);
  });

  it('orders/cancelled for an unknown order: 200 ignored, recorded, no order, no cancellation', async () => {
    const result = await deliver('orders/cancelled', fixture('orders-cancelled'));
    expect(result.body.result).toBe('ignored');
    expect(cancellations).toHaveLength(0);
    expect(table.entities('Order')).toHaveLength(0);
  });

  it('refunds/create records the refund once and cancels the refunded lines (platform_refunded)', async () => {
    putOrder(table, shopifyOrder({ status: 'IN_FULFILLMENT', holdReason: undefined, payment: { reference: 'c1', status: 'paid' } }));
    const first = await deliver('refunds/create', fixture('refunds-create'), { webhookId: 'wh-r1' });
    expect(first.body).toMatchObject({ result: 'refund', orderId: ORDER_ID, cancellation: { status: 'CANCELLED' } });
    expect(storedOrder(table, ORDER_ID).platformRefunds).toEqual([{ refundId: '509562969', at: NOW.toISOString(), amountMinor: 900, lines: [{ lineNo: 2, quantity: 1 }] }]);
    expect(cancellations).toEqual([
      { channelId: 'demo-shopify', orderId: ORDER_ID, requestId: 'refund:509562969', source: 'shopify', reason: 'platform_refunded', lines: [{ lineNo: 2, quantity: 1 }] },
    ]);
    const again = await deliver('refunds/create', fixture('refunds-create'), { webhookId: 'wh-r2' });
    expect(again.body.result).toBe('duplicate');
    expect(timelineTypes(table, ORDER_ID).filter((t) => t === 'PlatformRefundRecorded')).toHaveLength(1);
  });

  it('a refund after shipment is recorded but cancels nothing', async () => {
    putOrder(table, shopifyOrder({ status: 'SHIPPED', holdReason: undefined, payment: { reference: 'c1', status: 'paid' } }));
    expect((await deliver('refunds/create', fixture('refunds-create'))).body.result).toBe('refund');
    expect(cancellations).toHaveLength(0);
  });
});

describe('other topics, replay window, authentication', () => {
  it('an unhandled topic is 200 ignored and recorded, never an order', async () => {
    const result = await deliver('products/update', '{"id":632910392,"title":"IPod Nano - 8GB"}');
    expect(result).toMatchObject({ statusCode: 200, body: { result: 'ignored', issues: [{ path: 'headers.x-shopify-topic' }] } });
    expect(table.entities('Order')).toHaveLength(0);
    expect(table.entities('RejectedWebhook')).toHaveLength(1);
  });

  it.each([
    ['Shopify\'s last retry (3 h 59 min after the trigger)', 239 * 60_000, 'created'],
    ['a day late', 24 * 3_600_000, 'created'],
    ['older than 48 h (a replay)', 49 * 3_600_000, 'ignored'],
    ['an hour in the future', -3_600_000, 'ignored'],
  ])('X-Shopify-Triggered-At %s → %s', async (_label, ageMs, expected) => {
    const body = withJson('orders-updated', (o) => {
      o.total_price = '47.88';
      o.total_line_items_price = '47.88';
    });
    const result = await deliver('orders/create', body, { triggeredAt: new Date(NOW.getTime() - ageMs).toISOString() });
    expect(result.body.result).toBe(expected);
    expect(table.entities('Order')).toHaveLength(expected === 'created' ? 1 : 0);
  });

  it('a malformed X-Shopify-Triggered-At is a 400 naming the header', async () => {
    await expect(deliver('orders/create', fixture('orders-updated'), { triggeredAt: 'yesterday' })).rejects.toMatchObject({
      statusCode: 400,
      issues: [{ path: 'headers.x-shopify-triggered-at' }],
    });
  });

  it('a forged delivery is refused before any read or write', async () => {
    await expect(deliver('orders/cancelled', fixture('orders-cancelled'), { signature: sign('{}') })).rejects.toMatchObject({ statusCode: 401 });
    expect(table.log).toHaveLength(0);
    expect(amendments).toBe(0);
  });
});

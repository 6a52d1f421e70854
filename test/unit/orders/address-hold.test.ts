import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { changeShippingAddress, type AddressChangeDeps } from '../../../functions/core/orders/services/address-change';
import { handleShopifyWebhook } from '../../../functions/core/orders/services/shopify-topics';
import { MAX_STORED_BODY_BYTES } from '../../../functions/core/orders/store/webhooks';
import { purchaseOrderAmendedMessage } from '../../../functions/core/suppliers/services/po-amendment';
import { SupplierOutboundMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';
import { screenForRouting } from '../../../functions/core/workflow/services/validate-and-screen';
import { approveHold } from '../../../functions/core/workflow/services/hold-decisions';
import { putTaskToken } from '../../../functions/core/workflow/store/task-tokens';
import { shopifyOrderBody } from '../fixtures/shopify';
import { FakeTable } from '../workflow/support/fake-table';
import { NOW, ORDER_ID, catalogItems, makeWorld, order, putOrder, routedOrder, storedOrder, timelineTypes, type World } from '../workflow/support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
let table: FakeTable;
let world: World;
let amended: { fulfillmentId: string; revision: number; postcode: string }[];
let deps: AddressChangeDeps;

beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  sfnMock.resolves({});
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
  amended = [];
  deps = {
    ...world.deps,
    sfn: world.sfn,
    amendPurchaseOrder: async ({ order: o, fulfillment, revision }) => {
      amended.push({ fulfillmentId: fulfillment.fulfillmentId, revision, postcode: o.shippingAddress.postcode });
    },
  };
});

const good = { name: 'Ada Lovelace', line1: 'Invalidenstrasse 117', city: 'Berlin', postcode: '10115', country: 'DE' };
const change = (address: Partial<typeof good>, idempotencyKey?: string) =>
  changeShippingAddress(deps, { channelId: 'demo-web', orderId: ORDER_ID, address: { ...good, ...address }, source: 'api', idempotencyKey });

describe('INCORRECT_ADDRESS hold (ValidateAndRoute)', () => {
  it.each([
    ['a malformed postcode', { postcode: '1011' }, 'shippingAddress.postcode', 'POSTCODE_INVALID'],
    ['a missing postcode where required', { postcode: '' }, 'shippingAddress.postcode', 'POSTCODE_MISSING'],
    ['a missing street', { line1: '' }, 'shippingAddress.line1', 'REQUIRED'],
  ])('%s holds the order (field + code, no value) instead of rejecting it', async (_label, address, field, code) => {
    putOrder(table, order({ shippingAddress: { ...good, ...address } }));
    const step = await screenForRouting(world.deps, { orderId: ORDER_ID });
    expect(step.result).toMatchObject({ outcome: 'HOLD', holdReason: 'INCORRECT_ADDRESS' });
    const stored = storedOrder(table);
    expect(stored).toMatchObject({ status: 'ON_HOLD', holdReason: 'INCORRECT_ADDRESS', addressIssues: [{ field, code }] });
    expect(JSON.stringify(stored.addressIssues)).not.toContain('1011');
    expect(timelineTypes(table)).toEqual(['OrderOnHold']);
  });

  it('an operator approving the address as it is still runs the payment gate (an unpaid order is held again)', async () => {
    putOrder(table, order({ shippingAddress: { ...good, postcode: '1011' }, payment: { reference: 'p', status: 'pending' } }));
    await screenForRouting(world.deps, { orderId: ORDER_ID });
    await approveHold({ ...world.deps, sfn: world.sfn }, { orderId: ORDER_ID });
    expect((await screenForRouting(world.deps, { orderId: ORDER_ID })).result).toMatchObject({ outcome: 'HOLD', holdReason: 'AWAITING_PAYMENT' });
  });

  it('an order with an address problem AND an unknown SKU is still rejected', async () => {
    putOrder(table, order({ shippingAddress: { ...good, postcode: '1011' }, lines: [{ lineNo: 1, sku: 'NOPE', quantity: 1, unitPriceMinor: 100 }] }));
    expect((await screenForRouting(world.deps, { orderId: ORDER_ID })).result.outcome).toBe('REJECTED');
  });
});

describe('changeShippingAddress', () => {
  const heldOrder = (overrides: Partial<WorkflowOrder> = {}) =>
    order({ status: 'ON_HOLD', holdReason: 'INCORRECT_ADDRESS', shippingAddress: { ...good, postcode: '1011' }, addressIssues: [{ field: 'shippingAddress.postcode', code: 'POSTCODE_INVALID', message: 'x' }], ...overrides });

  it('corrects a held order: RECEIVED again, hold released through the stored token, then validated', async () => {
    putOrder(table, heldOrder());
    await putTaskToken(world.store, { taskToken: 'hold-token', stage: 'HOLD', orderId: ORDER_ID, storedAt: NOW.toISOString(), expiresAt: 1 });
    const result = await change({}, 'key-1');
    expect(result).toMatchObject({ changed: true, stage: 'BEFORE_DISPATCH', releasedHold: true, resumed: true, status: 'RECEIVED' });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toMatchObject({ taskToken: 'hold-token', output: JSON.stringify({ decision: 'APPROVE' }) });
    expect(storedOrder(table).addressIssues).toBeUndefined();
    expect(timelineTypes(table)).toEqual(['AddressChanged', 'OrderReleased']);
    // The resumed ValidateAndRoute validates the corrected address: no hold now.
    expect((await screenForRouting(world.deps, { orderId: ORDER_ID })).result.outcome).not.toBe('HOLD');
    // A replay of the same key and body answers the same; another body under the key is a 409.
    expect(await change({}, 'key-1')).toMatchObject({ changed: false, stage: 'BEFORE_DISPATCH' });
    await expect(change({ city: 'Potsdam', postcode: '14467' }, 'key-1')).rejects.toMatchObject({ statusCode: 409, issues: [{ path: 'headers.idempotency-key' }] });
  });

  it('still invalid → 422 naming the field, nothing written', async () => {
    putOrder(table, heldOrder());
    await expect(change({ postcode: '999' })).rejects.toMatchObject({ statusCode: 422, issues: [{ path: 'postcode' }] });
    await expect(change({ country: 'XX' })).rejects.toMatchObject({ statusCode: 422, issues: [{ path: 'country' }] });
    expect(storedOrder(table).status).toBe('ON_HOLD');
  });

  it('another channel\'s order is a 404', async () => {
    putOrder(table, heldOrder({ channelId: 'demo-shopify' }));
    await expect(change({})).rejects.toMatchObject({ statusCode: 404 });
  });

  it('dispatched, not shipped: each open purchase order is amended (revision 1, then 2)', async () => {
    const records = await routedOrder(world, order(), (r) => ({ ...r, status: 'ACCEPTED' }));
    const result = await change({ line1: 'Unter den Linden 1', postcode: '10117' });
    expect(result).toMatchObject({ changed: true, stage: 'DISPATCHED', amendedFulfillments: records.map((r) => r.fulfillmentId) });
    expect(amended).toEqual(records.map((r) => ({ fulfillmentId: r.fulfillmentId, revision: 1, postcode: '10117' })));
    await change({ line1: 'Unter den Linden 2', postcode: '10117' });
    expect(amended.at(-1)?.revision).toBe(2);
    expect(timelineTypes(table).filter((t) => t === 'AddressChanged')).toHaveLength(2);
  });

  it('shipped → 409', async () => {
    await routedOrder(world, order(), (r) => ({ ...r, status: 'SHIPPED' }));
    await expect(change({ line1: 'Unter den Linden 1', postcode: '10117' })).rejects.toMatchObject({ statusCode: 409 });
    expect(amended).toHaveLength(0);
  });

  it('PURCHASE_ORDER_AMENDED is a published outbound message (same PO number, revision)', () => {
    const message = purchaseOrderAmendedMessage(order(), 'ful_0123456789abcdefghjkmnpqrs_01', 2, NOW);
    expect(SupplierOutboundMessage.parse(message)).toMatchObject({ type: 'PURCHASE_ORDER_AMENDED', fulfillmentId: 'ful_0123456789abcdefghjkmnpqrs_01', revision: 2, messageId: 'po-ful_0123456789abcdefghjkmnpqrs_01-r2' });
  });
});

describe('Shopify caps: an authentic webhook with oversized values never 5xx', () => {
  const SECRET = 'caps-secret';
  const deliver = (body: string) =>
    handleShopifyWebhook(
      { ...deps, getSecret: async () => SECRET, requestCancellation: async () => Promise.reject(new Error('not called')) },
      {
        channel: { channelId: 'demo-shopify', platform: 'shopify', currency: 'EUR', shopDomain: null, apiKeyId: 'k', webhookSecretArn: 'arn' },
        rawBody: Buffer.from(body),
        signature: createHmac('sha256', SECRET).update(body).digest('base64'),
        webhookId: 'caps-1',
        topic: 'orders/create',
      },
    );
  const line = (sku: string, quantity = 1) => `{"id":1,"sku":"${sku}","title":"T","quantity":${quantity},"price":"1.00"}`;

  it.each([
    ['a 5,000-character SKU (a DynamoDB key part)', { line_items: `[${line('S'.repeat(5000))}]` }, 'line_items.0.sku'],
    ['a quantity of 10^9', { line_items: `[${line('TSHIRT-BLK-M', 1_000_000_000)}]` }, 'line_items.0.quantity'],
    ['101 lines', { line_items: `[${Array.from({ length: 101 }, () => line('TSHIRT-BLK-M')).join(',')}]` }, 'line_items'],
    ['a 200,000-character street', { shipping_address: `{"address1":"${'A'.repeat(200_000)}","city":"Berlin","zip":"10719","country_code":"DE"}` }, 'shipping_address.address1'],
    ['a 1 MB email', { email: `"${'e'.repeat(1_000_000)}@example.com"` }, 'email'],
  ])('%s → 202 rejected naming the field, recorded with at most 64 KiB of body', async (_label, overrides, path) => {
    const result = await deliver(shopifyOrderBody(overrides));
    expect(result.statusCode).toBe(202);
    expect(result.body.issues?.map((i) => i.path)).toContain(path);
    const [record] = table.entities('RejectedWebhook');
    expect(Buffer.byteLength(String(record?.rawBody), 'utf8')).toBeLessThanOrEqual(MAX_STORED_BODY_BYTES);
    expect(table.entities('Order')).toHaveLength(0);
  });

  it('a shipping address without street is created (ADDRESS_INVALID) and then held INCORRECT_ADDRESS, not rejected', async () => {
    const result = await deliver(
      shopifyOrderBody({ line_items: `[${line('TSHIRT-BLK-M')}]`, shipping_address: '{"first_name":"G","last_name":"H","city":"Berlin","zip":"10719","country_code":"DE"}' }),
    );
    expect(result.statusCode).toBe(201);
    const orderId = String(result.orderId);
    expect((await screenForRouting(world.deps, { orderId })).result).toMatchObject({ outcome: 'HOLD', holdReason: 'INCORRECT_ADDRESS' });
    expect(storedOrder(table, orderId).addressIssues).toEqual([expect.objectContaining({ field: 'shippingAddress.line1', code: 'REQUIRED' })]);
  });

  it('an over-long title is cut, not refused', async () => {
    const result = await deliver(shopifyOrderBody({ line_items: `[{"id":1,"sku":"TSHIRT-BLK-M","title":"${'T'.repeat(10_000)}","quantity":1,"price":"19.99"}]` }));
    expect(result.statusCode).toBe(201);
    expect(table.entities('Order')[0]?.lines).toEqual([expect.objectContaining({ title: 'T'.repeat(256) })]);
  });
});

import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrder, getOrderView, orderItem } from '../../../functions/core/orders/store/orders';
import { sampleOrder } from '../fixtures/orders';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ctx = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: 'T' };

function canceled(codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

beforeEach(() => ddbMock.reset());
afterEach(() => ddbMock.reset());

describe('createOrder', () => {
  it('writes order, guard and RECEIVED event in ONE transaction with the right conditions and keys', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const order = sampleOrder();
    const outcome = await createOrder(ctx, order);
    expect(outcome).toEqual({ kind: 'created', order });
    const calls = ddbMock.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    expect(ddbMock.calls()).toHaveLength(1);
    const items = calls[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(3);
    expect(items[0]?.Put).toMatchObject({
      TableName: 'T',
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: `ORDER#${order.orderId}`,
        sk: '#ORDER',
        gsi1pk: 'CHANNEL#demo-web',
        gsi1sk: `${order.createdAt}#${order.orderId}`,
        gsi2pk: 'STATUS#RECEIVED',
        entity: 'Order',
        orderId: order.orderId,
        requestHash: 'sha256:abc',
      },
    });
    expect(items[1]?.Put).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'EXTORDER#demo-web#WEB-1001', sk: '#GUARD', orderId: order.orderId },
    });
    expect(items[2]?.Put?.Item).toMatchObject({
      pk: `ORDER#${order.orderId}`,
      sk: `EVENT#${order.createdAt}#0000`,
      entity: 'TimelineEvent',
      actor: 'retailer',
      type: 'ORDER_RECEIVED',
    });
  });

  it('adds the webhook dedupe record (TTL, absent-or-expired condition) when asked', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await createOrder(ctx, sampleOrder(), { dedupe: { scope: 'shopify-webhook', id: 'demo-shopify#wh-1', expiresAt: 1_700_604_800 }, nowEpochSeconds: 1_700_000_000 });
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(4);
    expect(items[3]?.Put).toMatchObject({
      Item: { pk: 'DEDUPE#shopify-webhook#demo-shopify#wh-1', sk: '#DEDUPE', expiresAt: 1_700_604_800, entity: 'Dedupe' },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': 1_700_000_000 },
    });
  });

  it('order exists → reads it back (consistent) and reports it', async () => {
    const existing = sampleOrder({ status: 'VALIDATED' });
    ddbMock.on(TransactWriteCommand).rejects(canceled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']));
    ddbMock.on(GetCommand).resolves({ Item: orderItem(existing) });
    const outcome = await createOrder(ctx, sampleOrder());
    expect(outcome).toEqual({ kind: 'order-exists', existing });
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ Key: { pk: `ORDER#${existing.orderId}`, sk: '#ORDER' }, ConsistentRead: true });
  });

  it('guard taken by another order → names that order', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled(['None', 'ConditionalCheckFailed', 'None']));
    ddbMock.on(GetCommand).resolves({ Item: { pk: 'EXTORDER#demo-web#WEB-1001', sk: '#GUARD', orderId: 'ord_other' } });
    expect(await createOrder(ctx, sampleOrder())).toEqual({ kind: 'external-id-taken', existingOrderId: 'ord_other' });
  });

  it('dedupe record exists → duplicate delivery, no read', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None', 'ConditionalCheckFailed']));
    const outcome = await createOrder(ctx, sampleOrder(), { dedupe: { scope: 's', id: 'i', expiresAt: 1 } });
    expect(outcome).toEqual({ kind: 'duplicate-delivery' });
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('retries a transaction conflict, then succeeds', async () => {
    ddbMock.on(TransactWriteCommand).rejectsOnce(canceled(['TransactionConflict', 'None', 'None'])).resolves({});
    expect((await createOrder(ctx, sampleOrder())).kind).toBe('created');
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('gives up after repeated conflicts and rethrows', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled(['TransactionConflict', 'None', 'None']));
    await expect(createOrder(ctx, sampleOrder())).rejects.toThrow(TransactionCanceledException);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it.each([
    ['throttling', Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' })],
    ['validation', Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' })],
    ['cancelled for capacity', canceled(['None', 'ThrottlingError', 'None'])],
  ])('rethrows any other failure (%s)', async (_label, error) => {
    ddbMock.on(TransactWriteCommand).rejects(error);
    await expect(createOrder(ctx, sampleOrder())).rejects.toBe(error);
  });
});

describe('getOrderView', () => {
  it('one Query on the order partition returns order, timeline (in order) and fulfillments without key attributes', async () => {
    const order = sampleOrder();
    ddbMock.on(QueryCommand).resolves({
      Items: [
        orderItem(order),
        { pk: `ORDER#${order.orderId}`, sk: 'EVENT#2026-11-25T10:00:00.000Z#0000', entity: 'TimelineEvent', orderId: order.orderId, at: '2026-11-25T10:00:00.000Z', actor: 'retailer', type: 'ORDER_RECEIVED', message: 'm1' },
        { pk: `ORDER#${order.orderId}`, sk: 'EVENT#2026-11-25T10:01:00.000Z#0001', entity: 'TimelineEvent', orderId: order.orderId, at: '2026-11-25T10:01:00.000Z', actor: 'platform', type: 'ORDER_VALIDATED', message: 'm2' },
        { pk: `ORDER#${order.orderId}`, sk: 'FULFILLMENT#f1', entity: 'Fulfillment', fulfillmentId: 'f1' },
      ],
    });
    const view = await getOrderView(ctx, order.orderId);
    expect(ddbMock.calls()).toHaveLength(1);
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ORDER#${order.orderId}` },
      ConsistentRead: true,
    });
    expect(view?.order).toEqual(order);
    expect(view?.timeline.map((event) => event.type)).toEqual(['ORDER_RECEIVED', 'ORDER_VALIDATED']);
    expect(view?.timeline[0]).not.toHaveProperty('pk');
    expect(view?.fulfillments).toEqual([{ fulfillmentId: 'f1' }]);
  });

  it('follows pagination', async () => {
    const order = sampleOrder();
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [orderItem(order)], LastEvaluatedKey: { pk: 'x', sk: 'y' } })
      .resolvesOnce({ Items: [{ pk: 'p', sk: 'EVENT#1', entity: 'TimelineEvent', type: 'T' }] });
    const view = await getOrderView(ctx, order.orderId);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(2);
    expect(ddbMock.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ pk: 'x', sk: 'y' });
    expect(view?.timeline).toHaveLength(1);
  });

  it('returns undefined when there is no order item', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    expect(await getOrderView(ctx, 'ord_x')).toBeUndefined();
  });
});

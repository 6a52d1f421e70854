import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrder, getOrderView, orderItem } from '../../../functions/core/orders/store/orders';
import { sampleOrder } from '../fixtures/orders';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ctx = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: 'T' };

function failed(item: Record<string, AttributeValue> | undefined): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, ...(item === undefined ? {} : { Item: item }) });
}

beforeEach(() => ddbMock.reset());
afterEach(() => ddbMock.reset());

describe('createOrder', () => {
  it('writes ONE conditional PutItem of the order item (its own guard), nothing else', async () => {
    ddbMock.on(PutCommand).resolves({});
    const order = sampleOrder();
    const outcome = await createOrder(ctx, order);
    expect(outcome).toEqual({ kind: 'created', order });
    expect(ddbMock.calls()).toHaveLength(1);
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'T',
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
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
  });

  it('order exists → the item returned with the failure, no read', async () => {
    const existing = sampleOrder({ status: 'VALIDATED' });
    ddbMock.on(PutCommand).rejects(failed(marshall(orderItem(existing), { removeUndefinedValues: true })));
    expect(await createOrder(ctx, sampleOrder())).toEqual({ kind: 'order-exists', existing });
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('order exists and no item came back → reads it (consistent)', async () => {
    const existing = sampleOrder({ status: 'VALIDATED' });
    ddbMock.on(PutCommand).rejects(failed(undefined));
    ddbMock.on(GetCommand).resolves({ Item: orderItem(existing) });
    expect(await createOrder(ctx, sampleOrder())).toEqual({ kind: 'order-exists', existing });
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ Key: { pk: `ORDER#${existing.orderId}`, sk: '#ORDER' }, ConsistentRead: true });
  });

  it.each([
    ['throttling', Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' })],
    ['validation', Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' })],
  ])('rethrows any other failure (%s)', async (_label, error) => {
    ddbMock.on(PutCommand).rejects(error);
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
    // the stored event + the OrderReceived derived from the order item (first)
    expect(view?.timeline.map((event) => event.type)).toEqual(['ORDER_RECEIVED', 'T']);
  });

  it('derives ORDER_RECEIVED from the order item when no event item is stored (single-write intake)', async () => {
    const order = sampleOrder();
    ddbMock.on(QueryCommand).resolves({
      Items: [orderItem(order), { pk: `ORDER#${order.orderId}`, sk: 'EVENT#2030-01-01T00:00:00.000Z#0001', entity: 'TimelineEvent', orderId: order.orderId, at: '2030-01-01T00:00:00.000Z', actor: 'platform', type: 'ORDER_VALIDATED', message: 'm2' }],
    });
    const view = await getOrderView(ctx, order.orderId);
    expect(view?.timeline.map((event) => event.type)).toEqual(['ORDER_RECEIVED', 'ORDER_VALIDATED']);
    expect(view?.timeline[0]).toMatchObject({ orderId: order.orderId, at: order.createdAt, actor: 'retailer', message: 'Order received through the API' });
  });

  it('returns undefined when there is no order item', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    expect(await getOrderView(ctx, 'ord_x')).toBeUndefined();
  });
});

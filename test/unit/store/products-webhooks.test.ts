import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { getProductPresence } from '../../../functions/core/inventory/store/products';
import { putRejectedWebhook } from '../../../functions/core/orders/store/webhooks';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ctx = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: 'T' };

beforeEach(() => ddbMock.reset());

describe('getProductPresence', () => {
  it('one BatchGet for up to 100 distinct SKUs, ignoring blanks and duplicates', async () => {
    ddbMock.on(BatchGetCommand).resolves({ Responses: { T: [{ sku: 'A', active: true }, { sku: 'B', active: false }] } });
    const found = await getProductPresence(ctx, ['A', 'B', 'A', '', 'C']);
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.T?.Keys).toEqual([
      { pk: 'SKU#A', sk: '#PRODUCT' },
      { pk: 'SKU#B', sk: '#PRODUCT' },
      { pk: 'SKU#C', sk: '#PRODUCT' },
    ]);
    expect([...found.values()]).toEqual([{ sku: 'A', active: true }, { sku: 'B', active: false }]);
  });

  it('chunks by 100 and retries unprocessed keys', async () => {
    ddbMock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { T: [] }, UnprocessedKeys: { T: { Keys: [{ pk: 'SKU#S0', sk: '#PRODUCT' }] } } })
      .resolves({ Responses: { T: [{ sku: 'S0' }] } });
    const skus = Array.from({ length: 150 }, (_, i) => `S${i}`);
    const found = await getProductPresence(ctx, skus);
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(3);
    expect(found.get('S0')).toEqual({ sku: 'S0', active: true });
  });

  it('makes no call for no SKUs', async () => {
    await getProductPresence(ctx, ['']);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('putRejectedWebhook', () => {
  const record = {
    channelId: 'demo-shopify',
    webhookId: 'wh-1',
    platform: 'shopify' as const,
    issues: [{ path: 'shipping_address', message: 'is required' }],
    receivedAt: '2026-11-25T10:00:00.000Z',
    rawBody: '{}',
    expiresAt: 1,
  };

  it('stores the record on the sparse exceptions index, once', async () => {
    ddbMock.on(PutCommand).resolves({});
    expect(await putRejectedWebhook(ctx, record)).toBe('stored');
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: 'WEBHOOK#demo-shopify#wh-1',
        sk: '#REJECTED',
        gsi3pk: 'EXCEPTION#WEBHOOK_REJECTED',
        gsi3sk: '2026-11-25T10:00:00.000Z#demo-shopify#wh-1',
        entity: 'RejectedWebhook',
      },
    });
  });

  it('a redelivery is a no-op', async () => {
    ddbMock.on(PutCommand).rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    expect(await putRejectedWebhook(ctx, record)).toBe('duplicate');
  });
});

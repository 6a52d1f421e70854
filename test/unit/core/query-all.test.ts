import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { queryAll, queryUpTo } from '../../../functions/core/runtime/table/query';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ctx = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: 'T' };

beforeEach(() => ddbMock.reset());

describe('queryAll', () => {
  it('reads every page, passing each LastEvaluatedKey on, on the context table', async () => {
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'A', sk: '1' }], LastEvaluatedKey: { pk: 'A', sk: '1' } })
      .resolvesOnce({ Items: [{ pk: 'A', sk: '2' }] });
    const items = await queryAll(ctx, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'A' } });
    expect(items).toEqual([{ pk: 'A', sk: '1' }, { pk: 'A', sk: '2' }]);
    const calls = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.TableName, c.ExclusiveStartKey])).toEqual([['T', undefined], ['T', { pk: 'A', sk: '1' }]]);
  });

  it('an empty result is an empty list (one call)', async () => {
    ddbMock.on(QueryCommand).resolves({});
    await expect(queryAll(ctx, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'B' } })).resolves.toEqual([]);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(1);
  });
});

describe('queryUpTo', () => {
  it('keeps the accepted items up to the limit, asks for limit + 1 per page, and says more when one is left over', async () => {
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ n: 1 }, { n: -1 }, { n: 2 }], LastEvaluatedKey: { n: 2 } })
      .resolvesOnce({ Items: [{ n: 3 }, { n: 4 }] });
    const out = await queryUpTo(ctx, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'C' } }, 2, (item) =>
      typeof item['n'] === 'number' && item['n'] > 0 ? item['n'] : undefined,
    );
    expect(out).toEqual({ hits: [1, 2], more: true });
    expect(ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input.Limit)).toEqual([3]);
  });

  it('no more when the last page ends within the limit', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [{ n: 1 }] });
    await expect(queryUpTo(ctx, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'D' } }, 2, (item) => item['n'])).resolves.toEqual({ hits: [1], more: false });
  });
});

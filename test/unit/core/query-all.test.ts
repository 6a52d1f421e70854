import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { queryAll } from '../../../functions/core/runtime/table/query';

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

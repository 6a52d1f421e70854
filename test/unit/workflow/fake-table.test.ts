/** The in-memory table the workflow tests rely on must behave like DynamoDB where it matters. */
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseCondition, parseUpdate } from './support/expressions';
import { FakeTable, TABLE } from './support/fake-table';
import { ddbClient } from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
let table: FakeTable;
beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
});

describe('expression evaluator', () => {
  const item = { pk: 'A', stock: 10, reserved: 3, status: 'HELD', name: 'x' };
  it.each<[string, Record<string, unknown>, Record<string, string>, boolean]>([
    ['attribute_exists(pk) AND stock >= :s', { ':s': 10 }, {}, true],
    ['stock >= :s', { ':s': 11 }, {}, false],
    ['attribute_not_exists(reserved) OR reserved <= :m', { ':m': 3 }, {}, true],
    ['attribute_not_exists(reserved) OR reserved <= :m', { ':m': 2 }, {}, false],
    ['#s = :held', { ':held': 'HELD' }, { '#s': 'status' }, true],
    ['NOT (#s = :held)', { ':held': 'HELD' }, { '#s': 'status' }, false],
    ['begins_with(pk, :p)', { ':p': 'A' }, {}, true],
    ['stock BETWEEN :a AND :b', { ':a': 1, ':b': 9 }, {}, false],
    ['missing < :x', { ':x': 5 }, {}, false],
  ])('%s with %j → %s', (expression, values, names, expected) => {
    expect(parseCondition(expression, names, values)(item)).toBe(expected);
  });

  it('evaluates every SET right-hand side against the item before the update; REMOVE drops attributes', () => {
    const next = parseUpdate('SET reserved = reserved - :q, stock = stock - :q, seen = if_not_exists(seen, :zero) + :one REMOVE name', {}, { ':q': 2, ':zero': 0, ':one': 1 })({ stock: 10, reserved: 3, name: 'x' });
    expect(next).toEqual({ stock: 8, reserved: 1, seen: 1 });
  });

  it('refuses placeholders it was not given', () => {
    expect(() => parseCondition('stock >= :nope')).toThrow(/ExpressionAttributeValues/);
  });
});

describe('fake table', () => {
  it('a transaction is all or nothing and names the failed item', async () => {
    table.seed({ pk: 'A', sk: '1', n: 1 }, { pk: 'B', sk: '1', n: 1 });
    const write = ddbClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: { TableName: TABLE, Key: { pk: 'A', sk: '1' }, UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': 1 } } },
          { Put: { TableName: TABLE, Item: { pk: 'B', sk: '1' }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    await expect(write).rejects.toMatchObject({ name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }] });
    expect(table.get('A', '1')?.n).toBe(1);
  });

  it('a ConditionCheck takes part in the transaction (a failed check cancels it) and never writes its item', async () => {
    table.seed({ pk: 'SKU#X', sk: 'OFFER#a', stock: 5, discontinued: false });
    const reserve = (stockRead: number) =>
      ddbClient.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: { TableName: TABLE, Key: { pk: 'SKU#X', sk: 'RESERVED#a' }, UpdateExpression: 'SET reserved = if_not_exists(reserved, :zero) + :q', ExpressionAttributeValues: { ':zero': 0, ':q': 2 } } },
            {
              ConditionCheck: {
                TableName: TABLE,
                Key: { pk: 'SKU#X', sk: 'OFFER#a' },
                ConditionExpression: 'attribute_exists(pk) AND #stock >= :stockRead AND #d = :false',
                ExpressionAttributeNames: { '#stock': 'stock', '#d': 'discontinued' },
                ExpressionAttributeValues: { ':stockRead': stockRead, ':false': false },
              },
            },
          ],
        }),
      );
    await expect(reserve(6)).rejects.toMatchObject({ name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }] });
    expect(table.get('SKU#X', 'RESERVED#a')).toBeUndefined();
    await reserve(5);
    expect(table.get('SKU#X', 'RESERVED#a')).toEqual({ pk: 'SKU#X', sk: 'RESERVED#a', reserved: 2 });
    expect(table.get('SKU#X', 'OFFER#a')).toEqual({ pk: 'SKU#X', sk: 'OFFER#a', stock: 5, discontinued: false });
  });

  it('refuses two operations on one item in a transaction (as DynamoDB does)', async () => {
    const item = { TableName: TABLE, Key: { pk: 'A', sk: '1' }, UpdateExpression: 'SET n = :one', ExpressionAttributeValues: { ':one': 1 } };
    await expect(ddbClient.send(new TransactWriteCommand({ TransactItems: [{ Update: item }, { Update: item }] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('conditional put / update fail with ConditionalCheckFailedException; undefined members are dropped', async () => {
    await ddbClient.send(new PutCommand({ TableName: TABLE, Item: { pk: 'A', sk: '1', gone: undefined, nested: { a: 1, b: undefined } } }));
    expect(table.get('A', '1')).toEqual({ pk: 'A', sk: '1', nested: { a: 1 } });
    await expect(ddbClient.send(new PutCommand({ TableName: TABLE, Item: { pk: 'A', sk: '1' }, ConditionExpression: 'attribute_not_exists(pk)' }))).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    await expect(
      ddbClient.send(new UpdateCommand({ TableName: TABLE, Key: { pk: 'A', sk: '1' }, UpdateExpression: 'SET v = :v', ConditionExpression: 'attribute_exists(nope)', ExpressionAttributeValues: { ':v': 1 } })),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await expect(ddbClient.send(new GetCommand({ TableName: TABLE, Key: { pk: 'A', sk: '1' } }))).resolves.toMatchObject({ Item: { pk: 'A' } });
  });

  it('queries a partition in sort key order, a GSI newest first, with pages', async () => {
    table.seed(
      { pk: 'P', sk: 'B', gsi3pk: 'X', gsi3sk: '2026-01-02' },
      { pk: 'P', sk: 'A', gsi3pk: 'X', gsi3sk: '2026-01-03' },
      { pk: 'Q', sk: 'C', gsi3pk: 'X', gsi3sk: '2026-01-01' },
    );
    const base = await ddbClient.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p AND sk >= :s', ExpressionAttributeValues: { ':p': 'P', ':s': 'A' } }));
    expect(base.Items?.map((i) => i.sk)).toEqual(['A', 'B']);
    const page = await ddbClient.send(
      new QueryCommand({ TableName: TABLE, IndexName: 'gsi3', KeyConditionExpression: 'gsi3pk = :p', ExpressionAttributeValues: { ':p': 'X' }, ScanIndexForward: false, Limit: 2 }),
    );
    expect(page.Items?.map((i) => i.gsi3sk)).toEqual(['2026-01-03', '2026-01-02']);
    const rest = await ddbClient.send(
      new QueryCommand({ TableName: TABLE, IndexName: 'gsi3', KeyConditionExpression: 'gsi3pk = :p', ExpressionAttributeValues: { ':p': 'X' }, ScanIndexForward: false, Limit: 2, ExclusiveStartKey: page.LastEvaluatedKey }),
    );
    expect(rest.Items?.map((i) => i.gsi3sk)).toEqual(['2026-01-01']);
  });
});

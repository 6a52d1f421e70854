/**
 * Found by the corpus (test/integration/corpus): a signed Shopify webhook whose line SKU is longer than a
 * DynamoDB key can be made the catalog BatchGet fail with a ValidationException, and the webhook answered
 * 500. A SKU that cannot be a key cannot be in the catalog: it is an unknown SKU, looked up not at all.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { getProductPresence, skuFitsKey } from '../../../functions/core/inventory/store/products';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ctx = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: 'T' };
beforeEach(() => ddbMock.reset());

describe('catalog lookups of SKUs too long to be a key', () => {
  it.each([
    ['2,044 ASCII characters (key of 2,048 bytes)', 'a'.repeat(2_044), true],
    ['2,045 ASCII characters', 'a'.repeat(2_045), false],
    ['520 emoji (4 bytes each)', '😀'.repeat(520), false],
    ['511 emoji', '😀'.repeat(511), true],
  ])('%s fits a key: %s', (_label, sku, fits) => {
    expect(skuFitsKey(sku)).toBe(fits);
  });

  it('an oversized SKU is absent from the answer and never sent to DynamoDB', async () => {
    ddbMock.on(BatchGetCommand).resolves({ Responses: { T: [{ sku: 'MUG', active: true }] } });
    const huge = `MUG${'😀'.repeat(520)}`;
    const found = await getProductPresence(ctx, ['MUG', huge]);
    expect(ddbMock.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.T?.Keys).toEqual([{ pk: 'SKU#MUG', sk: '#PRODUCT' }]);
    expect(found.has(huge)).toBe(false);
    expect(found.get('MUG')).toEqual({ sku: 'MUG', active: true });
  });

  it('only oversized SKUs: no call at all', async () => {
    const found = await getProductPresence(ctx, ['x'.repeat(5_000)]);
    expect(found.size).toBe(0);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('workflow catalog reads of SKUs too long to be a key', () => {
  it('loadCatalog queries only the SKUs that can be keys; the oversized one has no product (UNKNOWN_SKU downstream)', async () => {
    const { loadCatalog } = await import('../../../functions/core/inventory/store/catalog');
    const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    const catalog = await loadCatalog(ctx, ['MUG', 'x'.repeat(3_000)]);
    expect(ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input.ExpressionAttributeValues?.[':pk'])).toEqual(['SKU#MUG']);
    expect(catalog.products.size).toBe(0);
  });
});

import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { rejectedWebhookItem } from '../../../functions/core/orders/store/webhooks';
import { fulfillmentItem } from '../../../functions/core/workflow/store/fulfillments';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { apiEvent, lambdaContext } from '../fixtures/requests';
import { OPERATOR_ARN, asOperator } from './support';
import { FakeTable } from '../workflow/support/fake-table';
import { F1, F2, NOW, catalogItems, makeWorld, order, routedOrder } from '../workflow/support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
let handler: (event: ReturnType<typeof apiEvent>, context: typeof lambdaContext) => Promise<APIGatewayProxyResult>;
let table: FakeTable;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  ({ handler } = await importWithEnv(() => import('../../../functions/ops/exceptions'), {}));
});
afterAll(() => vi.unstubAllEnvs());
beforeEach(async () => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  const records = await routedOrder(
    makeWorld(table),
    order({
      lines: [
        { lineNo: 1, sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPriceMinor: 1490 },
        { lineNo: 2, sku: 'EARBUDS-WL-BLK', quantity: 1, unitPriceMinor: 6990 },
      ],
    }),
  );
  const [a, b] = records;
  if (a === undefined || b === undefined) throw new Error();
  table.seed(
    fulfillmentItem({ ...a, status: 'EXCEPTION', exceptions: [{ code: 'SHIP_BY_PASSED', at: '2026-11-27T00:00:00.000Z' }] }),
    fulfillmentItem({ ...b, status: 'EXCEPTION', dispatchedAt: NOW.toISOString(), exceptions: [{ code: 'SHIP_BY_PASSED', at: '2026-11-28T00:00:00.000Z' }] }),
    rejectedWebhookItem({
      channelId: 'demo-shopify',
      webhookId: 'wh-1',
      platform: 'shopify',
      issues: [{ path: 'shipping_address', message: 'is required' }],
      receivedAt: '2026-11-26T00:00:00.000Z',
      rawBody: '{"email":"grace@example.com"}',
      expiresAt: 1,
    }),
  );
  output = captureOutput();
});
afterEach(() => output.restore());

const get = (query: Record<string, string> | null, caller: string | null = OPERATOR_ARN) => {
  const event = asOperator(apiEvent({ method: 'GET', path: '/ops/exceptions' }), caller);
  return handler({ ...event, queryStringParameters: query }, lambdaContext);
};

describe('GET /ops/exceptions', () => {
  it('lists every kind, newest first, with ids and codes only (no raw bodies, no addresses)', async () => {
    const res = await get(null);
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.items.map((i: { kind: string; fulfillmentId?: string; webhookId?: string }) => [i.kind, i.fulfillmentId ?? i.webhookId])).toEqual([
      ['SHIP_BY_PASSED', F2],
      ['SHIP_BY_PASSED', F1],
      ['WEBHOOK_REJECTED', 'wh-1'],
    ]);
    expect(body.items[0]).toMatchObject({ entity: 'Fulfillment', supplierId: 'pacific-gadgets', status: 'EXCEPTION', since: '2026-11-28T00:00:00.000Z' });
    expect(res.body).not.toMatch(/grace@example\.com|rawBody|Invalidenstrasse/);
  });

  it('pages one kind with a cursor', async () => {
    const first = JSON.parse((await get({ kind: 'SHIP_BY_PASSED', limit: '1' })).body);
    expect(first.items).toHaveLength(1);
    expect(first.cursor).toEqual(expect.any(String));
    const second = JSON.parse((await get({ kind: 'SHIP_BY_PASSED', limit: '1', cursor: first.cursor })).body);
    expect(second.items.map((i: { fulfillmentId: string }) => i.fulfillmentId)).toEqual([F1]);
  });

  it.each<[Record<string, string>, number]>([
    [{ kind: 'NOPE' }, 422],
    [{ limit: '0' }, 422],
    [{ limit: '500' }, 422],
    [{ kind: 'LOST', cursor: '!!!' }, 400],
    [{ cursor: 'abc' }, 400],
    [{ unknown: 'x' }, 422],
  ])('%j → %i', async (query, status) => {
    expect((await get(query)).statusCode).toBe(status);
  });

  it('403 without an IAM caller (defence in depth behind API Gateway\'s IAM authorization)', async () => {
    expect((await get(null, null)).statusCode).toBe(403);
  });
});

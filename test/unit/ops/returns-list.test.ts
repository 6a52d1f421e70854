/**
 * GET /ops/returns: returns across orders from the index (gsi2 RETURN#{status}, gsi3 RETURN_UNANSWERED),
 * filtered by status, supplier and age, paginated with validated cursors (a forged or foreign cursor is a 400).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeCursor } from '../../../functions/core/ops/cursor';
import { ReturnsPage, ReturnsQuery } from '../../../functions/core/ops/schemas/returns';
import { listReturnsForOperators } from '../../../functions/core/ops/services/list-returns';
import type { ReturnStatus } from '../../../functions/core/orders/domain/returns-lifecycle';
import type { ReturnRecord } from '../../../functions/core/returns/domain/returns';
import { putNewReturn } from '../../../functions/core/returns/store/returns';
import { keys } from '../../../functions/core/runtime/table/keys';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { apiEvent, lambdaContext } from '../fixtures/requests';
import { FakeTable } from '../workflow/support/fake-table';
import { OPERATOR_ARN, asOperator } from './support';

const ddbMock = mockClient(DynamoDBDocumentClient);
const TABLE = 'test-table';
const NOW = new Date('2026-12-07T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
const ORDER_A = 'ord_01jf0000000000000000000aaa';
const ORDER_B = 'ord_01jf0000000000000000000bbb';

function record(orderId: string, hex: string, status: ReturnStatus, supplierId: string, createdMinutesAgo: number, extra: Partial<ReturnRecord> = {}): ReturnRecord {
  return {
    returnId: `ret_${orderId.slice(4)}_${hex}`,
    orderId,
    channelId: 'demo-shop',
    fulfillmentId: `ful_${orderId.slice(4)}_01`,
    supplierId,
    status,
    reason: 'damaged',
    resolution: 'refund',
    destination: 'supplier',
    lines: [{ lineNo: 1, sku: 'MUG', supplierSku: 'S-MUG', quantity: 2, unitPriceMinor: 1490, unitCostMinor: 700 }],
    requestHash: 'h',
    appliedMessageIds: [],
    createdAt: minutesAgo(createdMinutesAgo),
    updatedAt: minutesAgo(createdMinutesAgo - 1),
    version: 1,
    ...extra,
  };
}

const RETURNS: readonly ReturnRecord[] = [
  // REQUESTED, supplier deadline passed 10 minutes ago: unanswered.
  record(ORDER_A, '000000000a', 'REQUESTED', 'acme', 300, { respondBy: minutesAgo(10) }),
  // REQUESTED, deadline still ahead.
  record(ORDER_B, '000000000b', 'REQUESTED', 'globex', 20, { respondBy: new Date(NOW.getTime() + 3_600_000).toISOString() }),
  record(ORDER_A, '000000000c', 'AUTHORIZED', 'acme', 100, { authorization: { rma: 'RMA-1', by: 'supplier', at: minutesAgo(90) } }),
  record(ORDER_B, '000000000d', 'CLOSED', 'globex', 5000, {
    received: { lines: [{ lineNo: 1, condition: 'opened' }], at: minutesAgo(4000) },
    refund: { amountMinor: 2980, currency: 'EUR', goodsMinor: 2980, restockingFeeMinor: 0, shippingAdjustmentMinor: 0, lines: [{ lineNo: 1, quantity: 2 }], capped: false },
  }),
];

let table: FakeTable;
const store = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: TABLE };

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  for (const orderId of [ORDER_A, ORDER_B]) table.seed({ ...keys.order(orderId), entity: 'Order', orderId, currency: 'EUR' });
  for (const r of RETURNS) table.seed(putNewReturn({ ddb: store.ddb, tableName: TABLE }, r).Put?.Item as Record<string, unknown>);
});

const list = (query: Record<string, unknown>) => listReturnsForOperators({ store, now: () => NOW }, ReturnsQuery.parse(query));
const ids = (page: { items: readonly { returnId: string }[] }) => page.items.map((i) => i.returnId.slice(-1));

describe('listReturnsForOperators', () => {
  it('lists every status merged, last change first, with money and the unanswered flag', async () => {
    const page = await list({});
    expect(ids(page)).toEqual(['b', 'c', 'a', 'd']);
    const a = page.items.find((i) => i.returnId.endsWith('a'));
    expect(a).toMatchObject({ status: 'REQUESTED', unanswered: true, units: 2, goods: { amount: '29.80', currency: 'EUR' }, supplierId: 'acme', orderId: ORDER_A });
    expect(page.items.find((i) => i.returnId.endsWith('b'))?.unanswered).toBe(false);
    expect(page.items.find((i) => i.returnId.endsWith('c'))?.rma).toBe('RMA-1');
    expect(page.items.find((i) => i.returnId.endsWith('d'))?.refund).toEqual({ amount: '29.80', currency: 'EUR' });
    expect(page.nextCursor).toBeUndefined();
  });

  it('names the returned lines (lineNo, sku, quantity) and, once received, their condition; no prices, no customer data', async () => {
    const page = await list({});
    expect(page.items.find((i) => i.returnId.endsWith('a'))?.lines).toEqual([{ lineNo: 1, sku: 'MUG', quantity: 2 }]);
    expect(page.items.find((i) => i.returnId.endsWith('d'))?.lines).toEqual([{ lineNo: 1, sku: 'MUG', quantity: 2, condition: 'opened' }]);
  });

  it.each([
    [{ status: 'REQUESTED' }, ['b', 'a']],
    [{ status: 'AUTHORIZED' }, ['c']],
    [{ status: 'REJECTED' }, []],
    [{ status: 'UNANSWERED' }, ['a']],
    [{ supplier: 'acme' }, ['c', 'a']],
    [{ status: 'REQUESTED', supplier: 'globex' }, ['b']],
    [{ olderThanMinutes: 60 }, ['c', 'a', 'd']],
    [{ status: 'UNANSWERED', supplier: 'globex' }, []],
  ])('filters %j → %j', async (query, expected) => {
    expect(ids(await list(query))).toEqual(expected);
  });

  it('follows nextCursor page by page through every return, none twice', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await list({ limit: 1, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...ids(page));
      cursor = page.nextCursor;
      if (cursor === undefined) break;
    }
    expect(seen).toEqual(['b', 'c', 'a', 'd']);
  });

  it('moves a return to its new status partition when it changes (the key is rewritten with the item)', async () => {
    const first = RETURNS[1];
    if (first === undefined) throw new Error();
    table.seed(putNewReturn({ ddb: store.ddb, tableName: TABLE }, { ...first, status: 'AUTHORIZED', updatedAt: NOW.toISOString(), version: 2 }).Put?.Item as Record<string, unknown>);
    expect(ids(await list({ status: 'REQUESTED' }))).toEqual(['a']);
    expect(ids(await list({ status: 'AUTHORIZED' }))).toEqual(['b', 'c']);
  });
});

describe('GET /ops/returns (handler)', () => {
  let handler: (event: ReturnType<typeof apiEvent>, context: typeof lambdaContext) => Promise<APIGatewayProxyResult>;
  let output: ReturnType<typeof captureOutput>;
  beforeAll(async () => {
    ({ handler } = await importWithEnv(() => import('../../../functions/ops/returns'), {}));
  });
  afterAll(() => vi.unstubAllEnvs());
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => output.restore());

  const get = (query: Record<string, string> | null, caller: string | null = OPERATOR_ARN) => {
    const event = asOperator(apiEvent({ method: 'GET', path: '/ops/returns' }), caller);
    return handler({ ...event, resource: '/ops/returns', queryStringParameters: query }, lambdaContext);
  };
  const issues = (res: APIGatewayProxyResult) => (JSON.parse(res.body) as { issues: { path: string }[] }).issues.map((i) => i.path);

  it('answers a page that parses', async () => {
    const res = await get(null);
    expect(res.statusCode).toBe(200);
    expect(ReturnsPage.parse(JSON.parse(res.body)).items).toHaveLength(4);
  });

  it.each([
    ['garbage', 'not-a-cursor!'],
    ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
    ['a key of the attacker', encodeCursor({ v: 1, src: 'returns-all', f: '0000000000000000', k: '2026-12-07T00:00:00.000Z#x' })],
    ['a cursor of /ops/orders', encodeCursor({ v: 1, src: 'all', f: '0000000000000000', k: '2026-12-07T00:00:00.000Z#x' })],
  ])('refuses %s as cursor with a 400 naming cursor', async (_name, cursor) => {
    const res = await get({ cursor });
    expect(res.statusCode).toBe(400);
    expect(issues(res)).toEqual(['queryStringParameters.cursor']);
  });

  it('refuses a cursor made for other filters', async () => {
    const first = JSON.parse((await get({ limit: '1' })).body) as { nextCursor: string };
    const res = await get({ limit: '1', status: 'CLOSED', cursor: first.nextCursor });
    expect(res.statusCode).toBe(400);
  });

  it.each([
    [{ status: 'LOST' }, 'status'],
    [{ supplier: 'ACME!' }, 'supplier'],
    [{ olderThanMinutes: '0' }, 'olderThanMinutes'],
    [{ limit: '500' }, 'limit'],
    [{ colour: 'red' }, ''],
  ])('refuses %j with a 422 naming the field', async (query, field) => {
    const res = await get(query);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain(field);
  });

  it('refuses a caller without an IAM identity (403)', async () => {
    expect((await get(null, null)).statusCode).toBe(403);
  });
});

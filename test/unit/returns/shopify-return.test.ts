/**
 * The Shopify write-back of a return (notifications/services/shopify-returns.ts): `return.authorized` on a Shopify
 * channel → returnableFulfillments → returnCreate with the returned lines' fulfillment line items, once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SequencedNotification } from '../../../functions/core/notifications/domain/payloads';
import type { FetchFn } from '../../../functions/core/notifications/services/http';
import { sendShopify } from '../../../functions/core/notifications/services/shopify-sender';
import { returnLineItems } from '../../../functions/core/notifications/services/shopify-returns';

const ddb = mockClient(DynamoDBDocumentClient);
const store = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: 't' };
const target = { baseUrl: 'https://demo.myshopify.com', accessToken: 'shpat_x' };
const NOW = new Date('2030-03-04T05:06:07.000Z');
const ORDER = 'ord_0123456789abcdefghjkmnpqrs';
const RETURN_ID = 'ret_0123456789abcdefghjkmnpqrs_00aa11bb22';
const LINES: SequencedNotification['lines'] = [
  { lineNo: 1, sku: 'TSHIRT', externalLineId: '555' },
  { lineNo: 2, sku: 'MUG', externalLineId: '556' },
];

const authorized: SequencedNotification = {
  type: 'return.authorized',
  data: { returnId: RETURN_ID, rma: 'RMA-1', returnAddress: null, instructions: null, labelRef: null },
  sequence: 9,
  eventId: 'e',
  orderId: ORDER,
  channelId: 'shop',
  occurredAt: '2030-03-04T05:00:00.000Z',
  externalOrderId: '1001',
  lines: LINES,
};

const returnable = (items: [string, string, number][], fulfillment = 'gid://shopify/Fulfillment/7') => ({
  returnableFulfillments: {
    nodes: [{ id: 'gid://shopify/ReturnableFulfillment/1', fulfillment: { id: fulfillment }, returnableFulfillmentLineItems: { nodes: items.map(([fli, li, quantity]) => ({ quantity, fulfillmentLineItem: { id: fli, lineItem: { id: li } } })) } }],
  },
});

function fakeFetch(answers: unknown[]): { fetch: FetchFn; bodies: Record<string, unknown>[] } {
  const bodies: Record<string, unknown>[] = [];
  let i = 0;
  return {
    bodies,
    fetch: (_url, init) => {
      bodies.push(JSON.parse(String(init.body)) as Record<string, unknown>);
      const data = answers[Math.min(i++, answers.length - 1)];
      return Promise.resolve(new Response(JSON.stringify({ data }), { status: 200, headers: { 'content-type': 'application/json' } }));
    },
  };
}

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: { pk: `ORDER#${ORDER}`, sk: `RETURN#${RETURN_ID}` } }).resolves({
    Item: { returnId: RETURN_ID, orderId: ORDER, fulfillmentId: 'ful_x', reason: 'changed_mind', createdAt: '2030-03-01T00:00:00.000Z', lines: [{ lineNo: 1, quantity: 2, sku: 'TSHIRT', supplierSku: 'X', unitPriceMinor: 1, unitCostMinor: 1 }] },
  });
  ddb.on(PutCommand).resolves({});
});

describe('returnLineItems', () => {
  it.each([
    ['the line\'s fulfillment line item, the return\'s quantity', [['gid://shopify/FulfillmentLineItem/1', 'gid://shopify/LineItem/555', 3]], [{ fulfillmentLineItemId: 'gid://shopify/FulfillmentLineItem/1', quantity: 2 }]],
    ['capped by what Shopify still counts returnable', [['gid://shopify/FulfillmentLineItem/1', 'gid://shopify/LineItem/555', 1]], [{ fulfillmentLineItemId: 'gid://shopify/FulfillmentLineItem/1', quantity: 1 }]],
    ['another line only: nothing', [['gid://shopify/FulfillmentLineItem/2', 'gid://shopify/LineItem/556', 1]], []],
    ['nothing returnable left (already returned in Shopify): nothing', [['gid://shopify/FulfillmentLineItem/1', 'gid://shopify/LineItem/555', 0]], []],
  ] as const)('%s', (_label, items, expected) => {
    const out = returnLineItems(returnable(items.map((x) => [...x])), [{ lineNo: 1, quantity: 2 }], LINES, 'changed_mind', undefined);
    expect(out).toEqual(expected.map((e) => ({ ...e, returnReason: 'UNWANTED', returnReasonNote: '' })));
  });

  it.each([
    ['damaged', 'DEFECTIVE'],
    ['defective', 'DEFECTIVE'],
    ['not_as_described', 'NOT_AS_DESCRIBED'],
    ['wrong_item', 'WRONG_ITEM'],
    ['changed_mind', 'UNWANTED'],
    ['other', 'OTHER'],
  ] as const)('reason %s → Shopify %s', (reason, shopify) => {
    const [item] = returnLineItems(returnable([['fli', 'gid://shopify/LineItem/555', 1]]), [{ lineNo: 1, quantity: 1 }], LINES, reason, undefined);
    expect(item?.returnReason).toBe(shopify);
  });
});

describe('return.authorized → returnCreate', () => {
  it('reads the returnable items, creates the return with the order gid and requestedAt, keeps its id', async () => {
    const f = fakeFetch([returnable([['gid://shopify/FulfillmentLineItem/1', 'gid://shopify/LineItem/555', 2]]), { returnCreate: { return: { id: 'gid://shopify/Return/9', status: 'OPEN' }, userErrors: [] } }]);
    await expect(sendShopify({ fetch: f.fetch, store, sleep: () => Promise.resolve() }, target, authorized, NOW)).resolves.toBe(2);
    expect(f.bodies[0]?.['variables']).toEqual({ orderId: 'gid://shopify/Order/1001' });
    expect(String(f.bodies[1]?.['query'])).toMatch(/returnCreate\(returnInput: \$returnInput\)/);
    expect(f.bodies[1]?.['variables']).toEqual({
      returnInput: { orderId: 'gid://shopify/Order/1001', requestedAt: '2030-03-01T00:00:00.000Z', returnLineItems: [{ fulfillmentLineItemId: 'gid://shopify/FulfillmentLineItem/1', quantity: 2, returnReason: 'UNWANTED', returnReasonNote: '' }] },
    });
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(put).toMatchObject({ pk: `NOTIFY#${ORDER}`, sk: `SHOPIFYRETURN#${RETURN_ID}`, returnGid: 'gid://shopify/Return/9' });
  });

  it('already created (the mark): no call', async () => {
    ddb.on(GetCommand, { Key: { pk: `NOTIFY#${ORDER}`, sk: `SHOPIFYRETURN#${RETURN_ID}` } }).resolves({ Item: { returnGid: 'gid://shopify/Return/9' } });
    const f = fakeFetch([]);
    await expect(sendShopify({ fetch: f.fetch, store, sleep: () => Promise.resolve() }, target, authorized, NOW)).resolves.toBe(0);
    expect(f.bodies).toHaveLength(0);
  });

  it('userErrors of returnCreate fail the delivery (retried), naming the fields; no mark', async () => {
    const f = fakeFetch([returnable([['fli', 'gid://shopify/LineItem/555', 2]]), { returnCreate: { return: null, userErrors: [{ field: ['returnInput', 'returnLineItems'], message: 'x' }] } }]);
    await expect(sendShopify({ fetch: f.fetch, store, sleep: () => Promise.resolve() }, target, authorized, NOW)).rejects.toThrow(/returnCreate userErrors/);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PurchaseOrderMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';
import { checkReplacementLines, replacementKey } from '../../../functions/core/workflow/domain/replacement';
import { createReplacementFulfillment, type ReplacementDeps } from '../../../functions/core/workflow/services/replacement';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { FakeTable } from './support/fake-table';
import { apply, at, catalogItems, dispatched, F1, F2, makeWorld, NOW, offerOf, order, ORDER_ID, queueUrl, routedOrder, storedFulfillment, storedOrder, timelineTypes, type World } from './support/world';
import { seededWorld } from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
let table: FakeTable;
let world: World;

beforeEach(() => {
  ({ table, world } = seededWorld(ddbMock, sqsMock));
});

const UPS = '1Z5R89390357567127';
const failed = (r: FulfillmentRecord) =>
  apply(
    dispatched(r),
    { type: 'ACCEPTED', at: at(5) },
    { type: 'SHIPPED', at: at(60), trackingNumber: UPS, carrier: 'UPS', lines: [{ lineNo: 1, quantity: 2 }] },
    { type: 'TRACKING', at: at(120), trackingNumber: UPS, code: 'FAILURE' },
  );

const deps = (): ReplacementDeps => ({ ...world.deps, sqs: world.sqs, suppliers: world.suppliers });

async function seedFailed(): Promise<void> {
  await routedOrder(world, order(), failed);
  table.log.length = 0;
}

describe('createReplacementFulfillment', () => {
  it('reserves stock, creates the next fulfillment with its mark, sends the purchase order and records DISPATCHED', async () => {
    await seedFailed();
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(2);
    const result = await createReplacementFulfillment(deps(), {
      orderId: ORDER_ID,
      lines: [{ lineNo: 1, quantity: 2 }],
      reason: 'DELIVERY_FAILED',
      actor: 'operator',
      actorId: 'arn:aws:iam::000000000000:user/ops',
      fromFulfillmentId: F1,
    });
    expect(result).toMatchObject({ outcome: 'CREATED', fulfillments: [{ fulfillmentId: F2, supplierId: 'nordic-home', status: 'DISPATCHED', lines: [{ lineNo: 1, quantity: 2 }] }] });
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(4);
    expect(storedFulfillment(table, F2)).toMatchObject({
      status: 'DISPATCHED',
      dispatchedAt: NOW.toISOString(),
      replacement: { reason: 'DELIVERY_FAILED', actor: 'operator', fromFulfillmentId: F1, key: `DELIVERY_FAILED:${F1}:1x2` },
    });
    expect(storedFulfillment(table, F1).status).toBe('EXCEPTION');
    const sends = sqsMock.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.args[0].input.QueueUrl).toBe(queueUrl('nordic-home', 'outbound'));
    const po = PurchaseOrderMessage.parse(JSON.parse(sends[0]?.args[0].input.MessageBody ?? '{}'));
    expect(po).toMatchObject({ fulfillmentId: F2, messageId: `po-${F2}`, lines: [{ lineNo: 1, quantity: 2 }] });
    expect(timelineTypes(table)).toEqual(['ReplacementCreated', 'FulfillmentDispatched']);
    expect(table.entities('Reservation').filter((r) => r.fulfillmentId === F2)).toMatchObject([{ status: 'HELD', quantity: 2, supplierId: 'nordic-home' }]);
  });

  it('is idempotent: the same request finds the replacement, reserves and sends nothing again', async () => {
    await seedFailed();
    const request = { orderId: ORDER_ID, lines: [{ lineNo: 1, quantity: 2 }], reason: 'DELIVERY_FAILED', actor: 'operator' as const, fromFulfillmentId: F1 };
    await createReplacementFulfillment(deps(), request);
    const version = storedOrder(table).version;
    await expect(createReplacementFulfillment(deps(), request)).resolves.toMatchObject({ outcome: 'EXISTING', fulfillments: [{ fulfillmentId: F2 }] });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(4);
    expect(storedOrder(table).version).toBe(version);
  });

  it('routes to the given supplier only', async () => {
    await seedFailed();
    const result = await createReplacementFulfillment(deps(), { orderId: ORDER_ID, lines: [{ lineNo: 1, quantity: 1 }], reason: 'DELIVERY_FAILED', actor: 'operator', supplierId: 'atlantic-outfitters' });
    expect(result).toMatchObject({ outcome: 'CREATED', fulfillments: [{ fulfillmentId: F2, supplierId: 'atlantic-outfitters', lines: [{ lineNo: 1, quantity: 1 }] }] });
    expect(offerOf(table, 'TSHIRT-BLK-M', 'atlantic-outfitters').reserved).toBe(1);
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.QueueUrl).toBe(queueUrl('atlantic-outfitters', 'outbound'));
  });

  it('UNSERVABLE when the supplier lacks stock: nothing written, nothing sent', async () => {
    await seedFailed();
    table.seed({ ...(table.get('SKU#TSHIRT-BLK-M', 'OFFER#atlantic-outfitters') ?? {}), stock: 0 });
    const result = await createReplacementFulfillment(deps(), { orderId: ORDER_ID, lines: [{ lineNo: 1, quantity: 2 }], reason: 'DELIVERY_FAILED', actor: 'operator', supplierId: 'atlantic-outfitters' });
    expect(result).toMatchObject({ outcome: 'UNSERVABLE', lines: [{ lineNo: 1, quantity: 2 }] });
    expect(table.log.filter((l) => l.command === 'TransactWrite')).toEqual([]);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it.each([
    [[{ lineNo: 1, quantity: 3 }], 'OVER_QUANTITY'],
    [[{ lineNo: 9, quantity: 1 }], 'UNKNOWN_LINE'],
    [[{ lineNo: 1, quantity: 0 }], 'INVALID_QUANTITY'],
  ])('refuses %j with 422 (%s)', async (lines, code) => {
    await seedFailed();
    await expect(createReplacementFulfillment(deps(), { orderId: ORDER_ID, lines, reason: 'DELIVERY_FAILED', actor: 'operator' })).rejects.toMatchObject({
      statusCode: 422,
      issues: [{ message: expect.stringContaining(code) as unknown }],
    });
  });

  it('404 for an unknown order, 409 for a cancelled one', async () => {
    await expect(createReplacementFulfillment(deps(), { orderId: ORDER_ID, lines: [{ lineNo: 1, quantity: 1 }], reason: 'X', actor: 'operator' })).rejects.toMatchObject({ statusCode: 404 });
    await routedOrder(world, order());
    const current = storedOrder(table);
    table.seed({ ...(table.get(`ORDER#${ORDER_ID}`, '#ORDER') ?? {}), status: 'CANCELLED', version: current.version + 1 });
    await expect(createReplacementFulfillment(deps(), { orderId: ORDER_ID, lines: [{ lineNo: 1, quantity: 1 }], reason: 'X', actor: 'operator' })).rejects.toMatchObject({ statusCode: 409 });
  });
});

describe('replacement rules (pure)', () => {
  const o = { lines: order().lines, cancelledLines: [{ lineNo: 1, quantity: 1 }] };
  it('caps at ordered minus cancelled and sums repeated lines', () => {
    expect(checkReplacementLines(o, [{ lineNo: 1, quantity: 1 }])).toEqual({ ok: true, lines: [{ lineNo: 1, quantity: 1 }] });
    expect(checkReplacementLines(o, [{ lineNo: 1, quantity: 1 }, { lineNo: 1, quantity: 1 }])).toMatchObject({ ok: false, problems: [{ code: 'OVER_QUANTITY' }] });
    expect(checkReplacementLines(o, [])).toMatchObject({ ok: false });
  });
  it('the default key does not depend on the order of the lines', () => {
    expect(replacementKey({ reason: 'R', lines: [{ lineNo: 2, quantity: 1 }, { lineNo: 1, quantity: 3 }] })).toBe('R:-:1x3,2x1');
  });
});

import { SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { planCancellation, reduceFulfillmentLines } from '../../../functions/core/workflow/domain/cancellation';
import { CancellationRequestedMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';
import { requestCancellation, type CancellationDeps } from '../../../functions/core/workflow/services/cancel-requests';
import { dispatchDelaySeconds } from '../../../functions/core/workflow/services/workflow-settings';
import { handleSupplierMessage } from '../../../functions/core/suppliers/services/supplier-inbound';
import { putTaskToken } from '../../../functions/core/workflow/store/task-tokens';
import type { CancellationInput } from '../../../functions/core/orders/schemas/cancellation';
import { FakeTable } from './support/fake-table';
import {
  apply,
  at,
  catalogItems,
  dispatched,
  F1,
  makeWorld,
  NOW,
  offerOf,
  order,
  ORDER_ID,
  routedOrder,
  storedFulfillment,
  storedOrder,
  timelineTypes,
  type World,
} from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
const sfnMock = mockClient(SFNClient);
let table: FakeTable;
let world: World;

beforeEach(() => {
  ddbMock.reset();
  sqsMock.reset();
  sfnMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
  sfnMock.on(SendTaskFailureCommand).resolves({});
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
});

const shipped = (r: FulfillmentRecord) =>
  apply(dispatched(r), { type: 'ACCEPTED', at: at(5) }, { type: 'SHIPPED', at: at(60), trackingNumber: '1Z5R89390357567127', lines: r.lines });
const deps = (): CancellationDeps => ({ ...world.deps, sfn: world.sfn, outbound: { sqs: world.sqs, suppliers: world.suppliers } });
const input = (overrides: Partial<CancellationInput> = {}): CancellationInput => ({
  channelId: 'demo-web',
  orderId: ORDER_ID,
  requestId: 'idem-1',
  source: 'api',
  reason: 'customer_request',
  ...overrides,
});
const sent = () => sqsMock.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody ?? '{}') as Record<string, unknown>);

describe('what can be cancelled (domain)', () => {
  const line = (lineNo: number, quantity: number) => ({ lineNo, quantity });
  const record = (status: FulfillmentRecord['status'], lines: { lineNo: number; quantity: number }[], extra: Partial<FulfillmentRecord> = {}) =>
    ({ fulfillmentId: `ful_${status}`, status, lines, shipments: [], purchaseLines: [], ...extra }) as unknown as FulfillmentRecord;
  const theOrder = { lines: [line(1, 2), line(2, 1)] };

  it.each([
    ['before routing: every line cancelled on the order', [], undefined, { orderLevel: [line(1, 2), line(2, 1)], now: 0, requests: 0, refused: 0 }],
    ['a PENDING fulfillment: cancelled now, whole', [record('PENDING', [line(1, 2), line(2, 1)])], undefined, { orderLevel: [], now: 1, requests: 0, refused: 0 }],
    ['a DISPATCHED fulfillment: asked at the supplier', [record('DISPATCHED', [line(1, 2), line(2, 1)])], undefined, { orderLevel: [], now: 0, requests: 1, refused: 0 }],
    ['an ACCEPTED fulfillment: asked at the supplier', [record('ACCEPTED', [line(1, 2), line(2, 1)])], [{ lineNo: 2 }], { orderLevel: [], now: 0, requests: 1, refused: 0 }],
    ['a shipped fulfillment: refused', [record('SHIPPED', [line(1, 2), line(2, 1)], { shipments: [{ trackingNumber: 'X' }] } as Partial<FulfillmentRecord>)], undefined, { orderLevel: [], now: 0, requests: 0, refused: 2 }],
  ])('%s', (_name, fulfillments, requested, expected) => {
    const result = planCancellation(theOrder, fulfillments, requested);
    if (result.kind !== 'plan') throw new Error(result.kind);
    expect(result.plan.orderLevel).toEqual(expected.orderLevel);
    expect(result.plan.now).toHaveLength(expected.now);
    expect(result.plan.requests).toHaveLength(expected.requests);
    expect(result.plan.refused).toHaveLength(expected.refused);
  });

  it('a partial quantity splits: cheapest first (PENDING now, then a request), the fulfillment is not whole', () => {
    const result = planCancellation({ lines: [line(1, 4)] }, [record('DISPATCHED', [line(1, 2)]), { ...record('PENDING', [line(1, 2)]), fulfillmentId: 'ful_P' }], [{ lineNo: 1, quantity: 3 }]);
    if (result.kind !== 'plan') throw new Error(result.kind);
    expect(result.plan.now).toEqual([{ fulfillmentId: 'ful_P', lines: [line(1, 2)], whole: true }]);
    expect(result.plan.requests).toEqual([{ fulfillmentId: 'ful_DISPATCHED', lines: [line(1, 1)], whole: false }]);
    expect(result.plan.lines).toEqual([
      { lineNo: 1, quantity: 2, state: 'CANCELLED' },
      { lineNo: 1, quantity: 1, state: 'REQUESTED' },
    ]);
  });

  it.each([
    [[{ lineNo: 9 }], 'lines.0.lineNo'],
    [[{ lineNo: 1, quantity: 3 }], 'lines.0.quantity'],
    [[{ lineNo: 1 }, { lineNo: 1 }], 'lines.1.lineNo'],
  ])('invalid request %j names %s', (requested, path) => {
    expect(planCancellation(theOrder, [], requested)).toMatchObject({ kind: 'invalid', path });
  });

  it('already cancelled units are not open any more', () => {
    expect(planCancellation({ lines: [line(1, 2)], cancelledLines: [line(1, 1)] }, [], [{ lineNo: 1, quantity: 2 }])).toMatchObject({ kind: 'invalid', path: 'lines.0.quantity' });
  });

  it('reduceFulfillmentLines takes units off lines and purchase lines, dropping empty ones', () => {
    const reduced = reduceFulfillmentLines(
      { lines: [line(1, 2), line(2, 1)], purchaseLines: [{ lineNo: 1, sku: 'A', supplierSku: 'a', quantity: 2, unitCostMinor: 1, unitPriceMinor: 2 }, { lineNo: 2, sku: 'B', supplierSku: 'b', quantity: 1, unitCostMinor: 1, unitPriceMinor: 2 }] },
      [line(1, 1), line(2, 1)],
    );
    expect(reduced.lines).toEqual([line(1, 1)]);
    expect(reduced.purchaseLines.map((p) => [p.sku, p.quantity])).toEqual([['A', 1]]);
  });

  it.each([
    [{}, 0, 300],
    [{ 'demo-web': 0 }, 0, 0],
    [{ 'demo-web': 10 }, 4 * 60_000, 360],
    [{}, 10 * 60_000, 0],
  ])('dispatch delay %j, %d ms after checkout: waits %d s', (delays, elapsed, seconds) => {
    const settings = { dispatchDelayMinutes: delays, timeoutScale: 1 };
    expect(dispatchDelaySeconds({ channelId: 'demo-web', createdAt: NOW.toISOString() }, new Date(NOW.getTime() + elapsed), settings)).toBe(seconds);
  });
});

describe('requestCancellation', () => {
  it('before dispatch (PENDING): the order is cancelled at once, stock released, refund requested, the request recorded', async () => {
    await routedOrder(world);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(2);
    const outcome = await requestCancellation(deps(), input());
    expect(outcome).toMatchObject({ status: 'CANCELLED', lines: [{ lineNo: 1, quantity: 2, state: 'CANCELLED' }] });
    expect(storedOrder(table)).toMatchObject({ status: 'CANCELLED', refundRequestedMinor: order().totals.totalMinor });
    expect(storedFulfillment(table, F1).status).toBe('CANCELLED');
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(0);
    expect(timelineTypes(table)).toEqual(expect.arrayContaining(['CancellationRequested', 'CancellationAccepted', 'FulfillmentCancelled', 'OrderCancelled', 'RefundRequested']));
    expect(sent()).toEqual([]);
  });

  it('partial before dispatch: the fulfillment keeps the rest, its reservation shrinks in the same transaction', async () => {
    await routedOrder(world);
    const outcome = await requestCancellation(deps(), input({ lines: [{ lineNo: 1, quantity: 1 }] }));
    expect(outcome.status).toBe('CANCELLED');
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'PENDING', lines: [{ lineNo: 1, quantity: 1 }] });
    expect(storedFulfillment(table, F1).purchaseLines[0]?.quantity).toBe(1);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(1);
    expect(storedOrder(table)).toMatchObject({ status: 'IN_FULFILLMENT', cancelledLines: [{ lineNo: 1, quantity: 1 }], refundRequestedMinor: 1999 });
  });

  it('dispatched: the supplier is asked (CANCELLATION_REQUESTED, a respondBy deadline on the exceptions index), nothing cancelled yet', async () => {
    await routedOrder(world, order(), dispatched);
    const outcome = await requestCancellation(deps(), input());
    expect(outcome).toMatchObject({ status: 'CANCELLATION_REQUESTED', lines: [{ lineNo: 1, quantity: 2, state: 'REQUESTED' }] });
    const [message] = sent();
    const parsed = CancellationRequestedMessage.parse(message);
    expect(parsed).toMatchObject({ fulfillmentId: F1, whole: true, respondBy: at(48 * 60), lines: [{ lineNo: 1, quantity: 2 }] });
    expect(JSON.stringify(message)).not.toContain('idem-1');
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'DISPATCHED', gsi3pk: 'EXCEPTION#CANCELLATION_UNANSWERED' });
    expect(String(storedFulfillment(table, F1).gsi3sk)).toMatch(new RegExp(`^${at(48 * 60)}#`));
    expect(storedOrder(table).status).toBe('IN_FULFILLMENT');
  });

  it('shipped: NOT_CANCELLABLE with the reason, recorded on the timeline', async () => {
    await routedOrder(world, order(), shipped);
    const outcome = await requestCancellation(deps(), input());
    expect(outcome).toMatchObject({ status: 'NOT_CANCELLABLE', reason: 'ALREADY_SHIPPED' });
    expect(timelineTypes(table)).toEqual(['CancellationRequested', 'CancellationRejected']);
    expect(sent()).toEqual([]);
  });

  it('idempotent per requestId: the same body answers the stored outcome, another body is a conflict, another channel a 404', async () => {
    await routedOrder(world, order(), dispatched);
    const first = await requestCancellation(deps(), input());
    const writes = table.log.filter((l) => l.command === 'TransactWrite').length;
    await expect(requestCancellation(deps(), input())).resolves.toEqual(first);
    expect(table.log.filter((l) => l.command === 'TransactWrite').length).toBe(writes);
    await expect(requestCancellation(deps(), input({ reason: 'fraud' }))).rejects.toMatchObject({ statusCode: 409 });
    await expect(requestCancellation(deps(), input({ channelId: 'other', requestId: 'idem-2' }))).rejects.toMatchObject({ statusCode: 404 });
  });

  it('the supplier accepts: the fulfillment is cancelled, the lines refunded, stock released, the waiting state failed with FulfillmentCancelled', async () => {
    await routedOrder(world, order(), dispatched);
    await requestCancellation(deps(), input());
    const request = CancellationRequestedMessage.parse(sent()[0]);
    await putTaskToken(world.store, { taskToken: 'tok', stage: 'ACCEPTANCE', orderId: ORDER_ID, fulfillmentId: F1, supplierId: 'nordic-home', storedAt: at(0), expiresAt: 1 });
    const inbound = { ...deps(), sfn: world.sfn, sqs: world.sqs, suppliers: world.suppliers, metrics: world.metrics };
    const body = JSON.stringify({ type: 'CANCELLATION_ACCEPTED', messageId: 'a-1', fulfillmentId: F1, occurredAt: at(10), requestId: request.requestId });
    world.advance(10 * 60_000);
    await expect(handleSupplierMessage(inbound, { supplierId: 'nordic-home', body })).resolves.toMatchObject({ kind: 'applied', status: 'CANCELLED' });
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'CANCELLED', cancellationSentAt: at(10) });
    expect(storedFulfillment(table, F1).gsi3pk).toBeUndefined();
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(0);
    expect(storedOrder(table)).toMatchObject({ cancelledLines: [{ lineNo: 1, quantity: 2 }] });
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({ taskToken: 'tok', error: 'FulfillmentCancelled' });
    // No unilateral CANCELLATION: the supplier accepted.
    expect(sent().map((m) => m['type'])).toEqual(['CANCELLATION_REQUESTED']);
    // A redelivered answer is a duplicate.
    await expect(handleSupplierMessage(inbound, { supplierId: 'nordic-home', body })).resolves.toMatchObject({ kind: 'duplicate' });
  });

  it('the supplier rejects: the request is closed, the order goes on (CancellationRejected)', async () => {
    await routedOrder(world, order(), dispatched);
    await requestCancellation(deps(), input());
    const request = CancellationRequestedMessage.parse(sent()[0]);
    const inbound = { ...deps(), sfn: world.sfn, sqs: world.sqs, suppliers: world.suppliers, metrics: world.metrics };
    const body = JSON.stringify({ type: 'CANCELLATION_REJECTED', messageId: 'r-1', fulfillmentId: F1, occurredAt: at(10), requestId: request.requestId, reason: 'ALREADY_PACKED' });
    await expect(handleSupplierMessage(inbound, { supplierId: 'nordic-home', body })).resolves.toMatchObject({ kind: 'applied' });
    expect(storedFulfillment(table, F1).status).toBe('DISPATCHED');
    expect(storedFulfillment(table, F1).cancellationRequest).toBeUndefined();
    expect(timelineTypes(table).at(-1)).toBe('CancellationRejected');
    await expect(requestCancellation(deps(), input())).resolves.toMatchObject({ status: 'NOT_CANCELLABLE', reason: 'SUPPLIER_REJECTED' });
  });
});

import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { CancellationMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';
import type { CancelOrderInput, CancelReason } from '../../../functions/core/workflow/schemas/workflow';
import { cancelFulfillment, cancelOrder, cancelReason, complete, flagException } from '../../../functions/core/workflow/services/close-order';
import { toFulfillmentTask } from '../../../functions/core/workflow/services/workflow-common';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { FakeTable } from './support/fake-table';
import {
  apply,
  at,
  catalogItems,
  dispatched,
  F1,
  F2,
  makeWorld,
  NOW,
  offerOf,
  order,
  ORDER_ID,
  putOrder,
  queueUrl,
  routedOrder,
  storedFulfillment,
  storedOrder,
  timelineTypes,
  type World,
} from './support/world';
import { seededWorld } from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
let table: FakeTable;
let world: World;

beforeEach(() => {
  ({ table, world } = seededWorld(ddbMock, sqsMock, 'm'));
});

const UPS = '1Z5R89390357567127';
const acceptedF = (r: FulfillmentRecord) => apply(dispatched(r), { type: 'ACCEPTED', at: at(5) });
const labelled = (r: FulfillmentRecord) => apply(acceptedF(r), { type: 'SHIPPED', at: at(60), trackingNumber: UPS, lines: r.lines });
const inTransit = (r: FulfillmentRecord) => apply(labelled(r), { type: 'TRACKING', at: at(90), trackingNumber: UPS, code: 'IN_TRANSIT' });
const delivered = (r: FulfillmentRecord) => apply(inTransit(r), { type: 'DELIVERED', at: at(3000), trackingNumber: UPS });
const closeDeps = () => ({ ...world.deps, outbound: { sqs: world.sqs, suppliers: world.suppliers } });
const twoSuppliers = () =>
  order({
    lines: [
      { lineNo: 1, sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPriceMinor: 1490 },
      { lineNo: 2, sku: 'EARBUDS-WL-BLK', quantity: 1, unitPriceMinor: 6990 },
    ],
    totals: { subtotalMinor: 8480, shippingMinor: 490, taxMinor: 0, discountMinor: 0, totalMinor: 8970, taxIncluded: true },
  });

async function routed(mutate: (r: FulfillmentRecord, i: number) => FulfillmentRecord, o: WorkflowOrder = order()) {
  const records = await routedOrder(world, o, mutate);
  table.log.length = 0;
  return records.map((r) => toFulfillmentTask(r, NOW, world.deps.settings));
}
const cancellations = () => sqsMock.commandCalls(SendMessageCommand).map((c) => ({ url: c.args[0].input.QueueUrl, body: CancellationMessage.parse(JSON.parse(c.args[0].input.MessageBody ?? '{}')) }));

describe('FlagException', () => {
  it('SHIP_BY_PASSED: the fulfillment goes to EXCEPTION and onto the exceptions index, with a timeline event', async () => {
    const [fulfillment] = await routed(acceptedF);
    if (fulfillment === undefined) throw new Error();
    world.advance(3 * 86_400_000);
    const result = await flagException(world.deps, { fulfillment, exception: 'SHIP_BY_PASSED' });
    expect(result).toMatchObject({ flagged: true, code: 'SHIP_BY_PASSED', fulfillmentId: F1, shipTimeoutSeconds: 1 });
    const stored = storedFulfillment(table, F1);
    expect(stored).toMatchObject({ status: 'EXCEPTION', gsi3pk: 'EXCEPTION#SHIP_BY_PASSED', exception: { code: 'SHIP_BY_PASSED' } });
    expect(String(stored.gsi3sk)).toMatch(new RegExp(`#${ORDER_ID}#${F1}$`));
    expect(timelineTypes(table)).toEqual(['FulfillmentException']);

    table.log.length = 0;
    await expect(flagException(world.deps, { fulfillment, exception: 'SHIP_BY_PASSED' })).resolves.toMatchObject({ flagged: false });
    expect(table.log.filter((l) => l.command === 'TransactWrite')).toEqual([]);
  });

  it('a deadline that passed after the first carrier scan raises nothing', async () => {
    const [fulfillment] = await routed(inTransit);
    if (fulfillment === undefined) throw new Error();
    await expect(flagException(world.deps, { fulfillment, exception: 'SHIP_BY_PASSED' })).resolves.toMatchObject({ flagged: false });
    expect(storedFulfillment(table, F1).gsi3pk).toBeUndefined();
  });

  it('LOST after the delivery grace: flagged for an operator (exception stays open)', async () => {
    const [fulfillment] = await routed(inTransit);
    if (fulfillment === undefined) throw new Error();
    await flagException(world.deps, { fulfillment, exception: 'DELIVER_BY_PASSED' });
    world.advance(60_000);
    await expect(flagException(world.deps, { fulfillment, exception: 'LOST' })).resolves.toMatchObject({ flagged: true });
    expect(storedFulfillment(table, F1)).toMatchObject({ lostAt: at(1), status: 'EXCEPTION', gsi3pk: 'EXCEPTION#DELIVER_BY_PASSED' });
    expect(timelineTypes(table)).toEqual(['FulfillmentException', 'FulfillmentException']);
  });
});

describe('CancelFulfillment', () => {
  it('cancels at the supplier (CANCELLATION), releases its stock and requests the refund of its lines', async () => {
    const [fulfillment] = await routed(acceptedF);
    if (fulfillment === undefined) throw new Error();
    const result = await cancelFulfillment(closeDeps(), { fulfillment, reason: 'SHIP_BY_PASSED' });
    expect(result).toEqual({ outcome: 'CANCELLED', fulfillmentId: F1, refundRequestedMinor: 3998 });
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'CANCELLED', cancelReason: 'SHIP_BY_PASSED', cancellationSentAt: NOW.toISOString() });
    expect(cancellations()).toEqual([{ url: queueUrl('nordic-home', 'outbound'), body: expect.objectContaining({ type: 'CANCELLATION', fulfillmentId: F1, reason: 'SHIP_BY_PASSED' }) }]);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(0);
    expect(storedOrder(table)).toMatchObject({ refundRequestedMinor: 3998, cancelledLines: [{ lineNo: 1, quantity: 2 }] });
    expect(timelineTypes(table)).toEqual(['FulfillmentCancelled', 'LinesCancelled', 'RefundRequested']);

    // replay: nothing twice
    await expect(cancelFulfillment(closeDeps(), { fulfillment })).resolves.toEqual({ outcome: 'ALREADY_CLOSED', fulfillmentId: F1, refundRequestedMinor: 0 });
    expect(cancellations()).toHaveLength(1);
    expect(storedOrder(table).refundRequestedMinor).toBe(3998);
  });

  it('a label was created (goods moved): not cancellable, the exception stays for an operator', async () => {
    const [fulfillment] = await routed(labelled);
    if (fulfillment === undefined) throw new Error();
    await expect(cancelFulfillment(closeDeps(), { fulfillment })).resolves.toMatchObject({ outcome: 'NOT_CANCELLABLE' });
    expect(cancellations()).toEqual([]);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(2);
  });

  it('a cancellation that could not be sent is sent by the next call (re-entrant side effects)', async () => {
    const [fulfillment] = await routed(acceptedF);
    if (fulfillment === undefined) throw new Error();
    sqsMock.on(SendMessageCommand).rejectsOnce(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    await expect(cancelFulfillment(closeDeps(), { fulfillment })).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect(storedFulfillment(table, F1).cancellationSentAt).toBeUndefined();
    await expect(cancelFulfillment(closeDeps(), { fulfillment })).resolves.toMatchObject({ outcome: 'ALREADY_CLOSED' });
    expect(storedFulfillment(table, F1).cancellationSentAt).toBe(NOW.toISOString());
  });
});

describe('CancelOrder / CompensateOrder', () => {
  it.each<[string, CancelOrderInput, CancelReason | string]>([
    ['explicit reason', { orderId: ORDER_ID, reason: 'OUT_OF_STOCK' }, 'OUT_OF_STOCK'],
    ['hold rejected', { orderId: ORDER_ID, hold: { decision: 'REJECT' } }, 'HOLD_REJECTED'],
    ['hold timed out', { orderId: ORDER_ID, screen: { outcome: 'HOLD' }, error: { Error: 'States.Timeout' } }, 'HOLD_TIMEOUT'],
    ['out of stock', { orderId: ORDER_ID, screen: { outcome: 'CONTINUE' }, route: { outcome: 'OUT_OF_STOCK' } }, 'OUT_OF_STOCK'],
    ['a failure', { orderId: ORDER_ID, error: { Error: 'WorkflowStateError' } }, 'FAILURE'],
  ])('infers the reason: %s', (_name, input, reason) => {
    expect(cancelReason(input)).toBe(reason);
  });

  it('OUT_OF_STOCK before any fulfillment: CANCELLED + OrderCancelled + RefundRequested for the whole total', async () => {
    putOrder(table, order({ status: 'VALIDATED' }));
    const result = await cancelOrder(closeDeps(), { orderId: ORDER_ID, reason: 'OUT_OF_STOCK' });
    expect(result).toEqual({ orderId: ORDER_ID, status: 'CANCELLED', reason: 'OUT_OF_STOCK', refundRequestedMinor: 4488, cancelledFulfillmentIds: [] });
    expect(storedOrder(table)).toMatchObject({ status: 'CANCELLED', cancellation: { reason: 'OUT_OF_STOCK', actor: 'platform' }, refundRequestedMinor: 4488 });
    expect(timelineTypes(table)).toEqual(['OrderCancelled', 'RefundRequested']);
  });

  it.each<[string, WorkflowOrder['payment']['status'], string | undefined]>([
    ['authorized payment → void the authorization', 'authorized', 'VOID_AUTHORIZATION'],
    ['pending payment → no refund request', 'pending', undefined],
  ])('HOLD_TIMEOUT with %s', async (_name, status, action) => {
    putOrder(table, order({ status: 'ON_HOLD', holdReason: 'AWAITING_PAYMENT', payment: { reference: 'pi', status } }));
    await cancelOrder(closeDeps(), { orderId: ORDER_ID, reason: 'HOLD_TIMEOUT' });
    expect(storedOrder(table)).toMatchObject({ status: 'CANCELLED' });
    expect(storedOrder(table).holdReason).toBeUndefined();
    const refund = table.entities('TimelineEvent').find((e) => e.type === 'RefundRequested');
    expect(refund === undefined ? undefined : (refund.data as { action: string }).action).toBe(action);
  });

  it('HOLD_TIMEOUT of a hold resolved meanwhile (approved, paid) cancels nothing and answers the live status', async () => {
    putOrder(table, order({ status: 'VALIDATED', payment: { reference: 'pi', status: 'paid' } }));
    await expect(cancelOrder(closeDeps(), { orderId: ORDER_ID, reason: 'HOLD_TIMEOUT' })).resolves.toMatchObject({ status: 'VALIDATED', refundRequestedMinor: 0 });
    expect(storedOrder(table).status).toBe('VALIDATED');
    expect(timelineTypes(table)).toEqual([]);
  });

  it('cancels dispatched fulfillments at their suppliers and releases every reservation', async () => {
    await routed((r, i) => (i === 0 ? acceptedF(r) : r), twoSuppliers());
    const result = await cancelOrder(closeDeps(), { orderId: ORDER_ID, reason: 'FAILURE', error: { Error: 'States.TaskFailed' } });
    expect(result).toMatchObject({ status: 'CANCELLED', reason: 'FAILURE', refundRequestedMinor: 8970, cancelledFulfillmentIds: [F1, F2] });
    // only the dispatched one owes a cancellation message
    expect(cancellations().map((c) => c.body.fulfillmentId)).toEqual([F1]);
    expect(offerOf(table, 'MUG-ENAMEL-WHT', 'nordic-home').reserved).toBe(0);
    expect(offerOf(table, 'EARBUDS-WL-BLK', 'pacific-gadgets').reserved).toBe(0);
    expect(timelineTypes(table)).toEqual(['FulfillmentCancelled', 'FulfillmentCancelled', 'OrderCancelled', 'OrderFailed', 'RefundRequested']);
  });

  it('goods already moving: cancels only what did not ship, refunds those lines, the order follows its shipments', async () => {
    await routed((r, i) => (i === 0 ? inTransit(r) : acceptedF(r)), twoSuppliers());
    putOrder(table, { ...storedOrder(table), status: 'PARTIALLY_SHIPPED', version: storedOrder(table).version + 1 });
    const result = await cancelOrder(closeDeps(), { orderId: ORDER_ID, reason: 'FAILURE', error: { Error: 'X' } });
    expect(result).toMatchObject({ status: 'SHIPPED', refundRequestedMinor: 6990, cancelledFulfillmentIds: [F2] });
    expect(storedFulfillment(table, F1).status).toBe('IN_TRANSIT');
    expect(offerOf(table, 'MUG-ENAMEL-WHT', 'nordic-home').reserved).toBe(1);
    expect(offerOf(table, 'EARBUDS-WL-BLK', 'pacific-gadgets').reserved).toBe(0);
    expect(timelineTypes(table)).toEqual(['FulfillmentCancelled', 'LinesCancelled', 'RefundRequested', 'OrderFailed']);
  });

  it('is idempotent: a repeat changes nothing and requests no second refund', async () => {
    putOrder(table, order({ status: 'VALIDATED' }));
    await cancelOrder(closeDeps(), { orderId: ORDER_ID, reason: 'OUT_OF_STOCK' });
    const before = timelineTypes(table);
    await expect(cancelOrder(closeDeps(), { orderId: ORDER_ID, reason: 'OUT_OF_STOCK' })).resolves.toMatchObject({ status: 'CANCELLED', refundRequestedMinor: 0 });
    expect(timelineTypes(table)).toEqual(before);
  });

  it('a missing order is a WorkflowStateError', async () => {
    await expect(cancelOrder(closeDeps(), { orderId: ORDER_ID })).rejects.toMatchObject({ name: 'WorkflowStateError' });
  });
});

describe('Complete', () => {
  it('every fulfillment delivered: order DELIVERED + OrderDelivered, reservations consumed (stock and reserved both drop)', async () => {
    await routed(delivered);
    await expect(complete(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'DELIVERED', status: 'DELIVERED', fulfillments: [] });
    expect(storedOrder(table).status).toBe('DELIVERED');
    expect(timelineTypes(table)).toEqual(['OrderDelivered']);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home')).toEqual({ stock: 98, reserved: 0 });
    expect(table.entities('Reservation').map((r) => r.status)).toEqual(['CONSUMED']);
    // replay: nothing consumed twice
    await complete(world.deps, { orderId: ORDER_ID });
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home')).toEqual({ stock: 98, reserved: 0 });
    expect(timelineTypes(table)).toEqual(['OrderDelivered']);
  });

  it('already DELIVERED by the supplier inbound handler: no second OrderDelivered', async () => {
    await routed(delivered);
    putOrder(table, { ...storedOrder(table), status: 'DELIVERED', version: storedOrder(table).version + 1 });
    await expect(complete(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ outcome: 'DELIVERED' });
    expect(timelineTypes(table)).toEqual([]);
  });

  it('every line cancelled: CANCELLED, with a refund of what is left (shipping too)', async () => {
    await routed((r) => apply(dispatched(r), { type: 'REJECTED', at: at(5), reasons: [{ reason: 'OUT_OF_STOCK' }] }));
    putOrder(table, { ...storedOrder(table), cancelledLines: [{ lineNo: 1, quantity: 2 }], refundRequestedMinor: 3998, version: storedOrder(table).version + 1 });
    await expect(complete(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'CANCELLED', status: 'CANCELLED', fulfillments: [] });
    expect(storedOrder(table)).toMatchObject({ status: 'CANCELLED', refundRequestedMinor: 4488, cancellation: { reason: 'ALL_LINES_CANCELLED' } });
    const refund = table.entities('TimelineEvent').find((e) => e.type === 'RefundRequested');
    expect(refund?.data).toMatchObject({ amountMinor: 490 });
  });

  it('a lost parcel: EXCEPTION (the order keeps its shipped status; the exception stays on the index)', async () => {
    await routed((r) => ({ ...inTransit(r), lostAt: at(9999) }));
    await expect(complete(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'EXCEPTION', status: 'SHIPPED', fulfillments: [] });
    expect(timelineTypes(table)).toEqual(['OrderShipped']);
  });
});

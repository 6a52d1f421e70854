/**
 * How returns end, against the fake table: an exchange settled by the bus step (as deployed: the inbound consumer
 * has no replacement shipper), a refund return CLOSED by the storefront's refund (matched), the storefront API or
 * an operator, and the exceptions-index marks that surface the ones nobody settles.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { handleSupplierMessage } from '../../../functions/core/suppliers/services/supplier-inbound';
import { ReturnsConfig } from '../../../functions/core/returns/schemas/returns';
import { requestReturn } from '../../../functions/core/returns/services/request-return';
import { onReturnStepEvent } from '../../../functions/core/returns/services/return-events';
import { closeReturn, confirmPlatformRefund } from '../../../functions/core/returns/services/close-return';
import { receiveReturn } from '../../../functions/core/returns/services/receive-return';
import { FakeTable } from '../workflow/support/fake-table';
import { apply, at, catalogItems, dispatched, F1, makeWorld, order, ORDER_ID, routedOrder, timelineTypes, type World } from '../workflow/support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
let table: FakeTable;
let world: World;

const TRACKING = '1Z5R89390357567127';
const ADDRESS = { name: 'Returns desk', line1: 'Lagerstrasse 5', city: 'Hamburg', postcode: '20457', country: 'DE' };
const delivered = (r: FulfillmentRecord): FulfillmentRecord =>
  apply(
    dispatched(r),
    { type: 'ACCEPTED', at: at(5) },
    { type: 'SHIPPED', at: at(60), trackingNumber: TRACKING, lines: r.lines },
    { type: 'TRACKING', at: at(70), trackingNumber: TRACKING, code: 'CARRIER_PICKED_UP' },
    { type: 'DELIVERED', at: at(600), trackingNumber: TRACKING },
  );

const config = (policy: Record<string, unknown> = {}) => ReturnsConfig.parse({ defaultPolicy: { windowDays: 30, ...policy } });
const stepDeps = (policy: Record<string, unknown> = {}) => ({ ...world.deps, sqs: world.sqs, suppliers: world.suppliers, returns: config(policy) });
/** The inbound consumer as deployed: no replacement shipper injected. */
const says = (message: Record<string, unknown>, policy: Record<string, unknown> = {}) => {
  const inbound = { ...world.deps, sfn: world.sfn, sqs: world.sqs, suppliers: world.suppliers, metrics: world.metrics, returns: config(policy) };
  return handleSupplierMessage(inbound, { supplierId: 'nordic-home', body: JSON.stringify({ occurredAt: at(2000), fulfillmentId: F1, ...message }) });
};
const busEvent = (type: string, data: Record<string, unknown>) => ({ 'detail-type': type, source: 'dropship.pipeline', detail: { eventId: `evt-${type}`, orderId: ORDER_ID, type, data } });
const sentTypes = () => sqsMock.commandCalls(SendMessageCommand).map((c) => (JSON.parse(c.args[0].input.MessageBody ?? '{}') as Record<string, unknown>)['type']);
const stored = (returnId: string) => table.get(`ORDER#${ORDER_ID}`, `RETURN#${returnId}`);

async function started(resolution: 'refund' | 'replacement', key = 'k1', lines = [{ lineNo: 1, quantity: 1 }]): Promise<string> {
  const outcome = await requestReturn(
    { store: world.store, now: world.deps.now, logger: world.deps.logger, config: config(), outbound: { sqs: world.sqs, suppliers: world.suppliers } },
    { channelId: 'demo-web', orderId: ORDER_ID, idempotencyKey: key, request: { lines, reason: 'damaged', resolution } },
  );
  if (outcome.kind !== 'created') throw new Error('not created');
  return outcome.response.returnId;
}

async function received(returnId: string, policy: Record<string, unknown> = {}): Promise<void> {
  await says({ type: 'RETURN_AUTHORIZED', messageId: `${returnId}-a`, returnId, rma: 'RMA-1', returnAddress: ADDRESS }, policy);
  await says({ type: 'RETURN_RECEIVED', messageId: `${returnId}-r`, returnId, lines: [{ lineNo: 1, condition: 'damaged' }] }, policy);
}

beforeEach(async () => {
  ddbMock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
  await routedOrder(world, order(), delivered);
  world.advance(24 * 3_600_000);
});

describe('exchanges settle on the bus (the deployed shape)', () => {
  it('at receipt: RECEIVED (marked RETURN_EXCHANGE_PENDING), then the bus step ships the replacement and CLOSES it, once', async () => {
    const returnId = await started('replacement');
    await says({ type: 'RETURN_AUTHORIZED', messageId: 'a', returnId, rma: 'RMA-1', returnAddress: ADDRESS });
    // ReturnAuthorized of a receipt-policy exchange: nothing to do yet.
    await expect(onReturnStepEvent(stepDeps(), busEvent('ReturnAuthorized', { returnId }))).resolves.toMatchObject({ outcome: 'nothing_to_do', status: 'AUTHORIZED' });
    await says({ type: 'RETURN_RECEIVED', messageId: 'r', returnId, lines: [{ lineNo: 1, condition: 'damaged' }] });
    expect(stored(returnId)).toMatchObject({ status: 'RECEIVED', gsi3pk: 'EXCEPTION#RETURN_EXCHANGE_PENDING' });
    expect(sentTypes()).toEqual(['RETURN_REQUESTED']);
    const settled = await onReturnStepEvent(stepDeps(), busEvent('ReturnReceived', { returnId }));
    expect(settled).toMatchObject({ outcome: 'closed', status: 'CLOSED', fulfillmentIds: [expect.stringMatching(/^ful_/)] });
    expect(stored(returnId)).toMatchObject({ status: 'CLOSED', closure: { by: 'replacement' } });
    expect(stored(returnId)?.gsi3pk).toBeUndefined();
    expect(stored(returnId)?.refund).toBeUndefined();
    expect(sentTypes()).toEqual(['RETURN_REQUESTED', 'PURCHASE_ORDER']);
    // Redelivered: nothing more ships.
    await expect(onReturnStepEvent(stepDeps(), busEvent('ReturnReceived', { returnId }))).resolves.toMatchObject({ outcome: 'nothing_to_do', status: 'CLOSED' });
    expect(sentTypes()).toHaveLength(2);
    expect(timelineTypes(table)).toContain('ReturnClosed');
  });

  it('policy authorization: the bus step ships at ReturnAuthorized; the receipt then CLOSES in the consumer\'s own write', async () => {
    const policy = { replacementShipsOn: 'authorization' };
    const returnId = await started('replacement');
    await says({ type: 'RETURN_AUTHORIZED', messageId: 'a', returnId, rma: 'RMA-1', returnAddress: ADDRESS }, policy);
    await expect(onReturnStepEvent(stepDeps(policy), busEvent('ReturnAuthorized', { returnId }))).resolves.toMatchObject({ outcome: 'shipped', status: 'AUTHORIZED' });
    await expect(onReturnStepEvent(stepDeps(policy), busEvent('ReturnAuthorized', { returnId }))).resolves.toMatchObject({ outcome: 'nothing_to_do' });
    expect(sentTypes()).toEqual(['RETURN_REQUESTED', 'PURCHASE_ORDER']);
    await expect(says({ type: 'RETURN_RECEIVED', messageId: 'r', returnId, lines: [{ lineNo: 1, condition: 'as_new' }] }, policy)).resolves.toMatchObject({ status: 'CLOSED' });
  });

  it('no supplier can serve the replacement: the refund is requested instead (and only then)', async () => {
    const returnId = await started('replacement');
    await received(returnId);
    for (const item of table.entities('Offer')) table.seed({ ...item, stock: 0 });
    await expect(onReturnStepEvent(stepDeps(), busEvent('ReturnReceived', { returnId }))).resolves.toMatchObject({ outcome: 'refund_requested' });
    expect(stored(returnId)).toMatchObject({ status: 'REFUND_REQUESTED', replacement: { unservable: true }, gsi3pk: 'EXCEPTION#RETURN_REFUND_UNCONFIRMED' });
    expect(Number((stored(returnId)?.refund as Record<string, unknown>)['amountMinor'])).toBeGreaterThan(0);
    expect(sentTypes()).toEqual(['RETURN_REQUESTED']);
  });

  it.each([
    ['no detail-type', { detail: {} }],
    ['a return event without returnId', { 'detail-type': 'ReturnReceived', detail: { eventId: 'e', orderId: ORDER_ID, data: {} } }],
    ['another detail-type', { 'detail-type': 'PlatformRefundRecorded', detail: { eventId: 'e', orderId: ORDER_ID, data: { returnId: 'r' } } }],
  ])('an invalid bus event (%s) throws naming the fields', async (_label, event) => {
    await expect(onReturnStepEvent(stepDeps(), event)).rejects.toThrow(/Invalid return step event/);
  });
});

describe('refund returns reach CLOSED', () => {
  const refundRequested = async (key = 'k1'): Promise<string> => {
    const returnId = await started('refund', key);
    await received(returnId);
    expect(stored(returnId)).toMatchObject({ status: 'REFUND_REQUESTED', gsi3pk: 'EXCEPTION#RETURN_REFUND_UNCONFIRMED' });
    return returnId;
  };

  it('the storefront\'s refund (Shopify refunds/create, recorded at the intake) covering the lines closes it, once; marks cleared', async () => {
    const returnId = await refundRequested();
    const confirmBy = String(stored(returnId)?.refundConfirmBy);
    expect(Date.parse(confirmBy) - Date.parse(world.deps.now().toISOString())).toBe(72 * 3_600_000);
    const refund = { refundId: 'rf-1', lines: [{ lineNo: 1, quantity: 1 }] };
    const deps = { store: world.store, now: world.deps.now, logger: world.deps.logger };
    await expect(confirmPlatformRefund(deps, { orderId: ORDER_ID, refund })).resolves.toEqual([expect.objectContaining({ returnId, status: 'CLOSED', closedBy: 'platform_refund', changed: true })]);
    expect(stored(returnId)).toMatchObject({ status: 'CLOSED', closure: { by: 'platform_refund', refundId: 'rf-1' } });
    expect(stored(returnId)?.gsi3pk).toBeUndefined();
    await expect(confirmPlatformRefund(deps, { orderId: ORDER_ID, refund })).resolves.toEqual([]);
    const closed = table.entities('TimelineEvent', `ORDER#${ORDER_ID}`).filter((e) => e.type === 'ReturnClosed');
    expect(closed).toEqual([expect.objectContaining({ actor: 'retailer', data: expect.objectContaining({ returnId, closedBy: 'platform_refund', refundId: 'rf-1' }) })]);
  });

  it('a refund of other lines confirms nothing', async () => {
    const returnId = await refundRequested();
    const deps = { store: world.store, now: world.deps.now, logger: world.deps.logger };
    await expect(confirmPlatformRefund(deps, { orderId: ORDER_ID, refund: { refundId: 'rf-2', lines: [{ lineNo: 2, quantity: 1 }] } })).resolves.toEqual([]);
    expect(stored(returnId)).toMatchObject({ status: 'REFUND_REQUESTED' });
  });

  it('an operator closes it with a note (actor operator); again: unchanged; a return not refunded yet: 409; another channel: 404', async () => {
    const returnId = await refundRequested();
    const deps = { store: world.store, now: world.deps.now, logger: world.deps.logger };
    await expect(closeReturn(deps, { returnId, by: 'operator', note: 'refunded by bank transfer' })).resolves.toMatchObject({ status: 'CLOSED', closedBy: 'operator', changed: true });
    await expect(closeReturn(deps, { returnId, by: 'operator' })).resolves.toMatchObject({ changed: false });
    expect(stored(returnId)).toMatchObject({ closure: { by: 'operator', note: 'refunded by bank transfer' } });
    const open = await started('refund', 'k2', [{ lineNo: 1, quantity: 1 }]);
    await expect(closeReturn(deps, { returnId: open, by: 'storefront' })).rejects.toMatchObject({ statusCode: 409 });
    await expect(closeReturn(deps, { returnId: open, by: 'storefront', channelId: 'demo-woo' })).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('an operator confirms a return parcel arrived (POST /ops/returns/{returnId}/receive)', () => {
  const receiveDeps = () => ({ ...world.deps, metrics: world.metrics, returns: config() });
  const authorized = async (key: string): Promise<string> => {
    const returnId = await started('refund', key);
    await says({ type: 'RETURN_AUTHORIZED', messageId: `${returnId}-a`, returnId, rma: 'RMA-1', returnAddress: ADDRESS });
    return returnId;
  };

  it('AUTHORIZED → RECEIVED → REFUND_REQUESTED like the supplier\'s RETURN_RECEIVED, the timeline naming the operator; again: unchanged', async () => {
    const returnId = await authorized('k1');
    const request = { lines: [{ lineNo: 1, condition: 'damaged' as const }] };
    await expect(receiveReturn(receiveDeps(), { returnId, request })).resolves.toEqual({ returnId, orderId: ORDER_ID, status: 'REFUND_REQUESTED', changed: true });
    expect(stored(returnId)).toMatchObject({ status: 'REFUND_REQUESTED', received: { lines: [{ lineNo: 1, condition: 'damaged' }] } });
    const receivedEvents = table.entities('TimelineEvent', `ORDER#${ORDER_ID}`).filter((e) => e.type === 'ReturnReceived');
    expect(receivedEvents).toEqual([expect.objectContaining({ actor: 'operator', message: `The retailer received return ${returnId}` })]);
    await expect(receiveReturn(receiveDeps(), { returnId, request })).resolves.toMatchObject({ status: 'REFUND_REQUESTED', changed: false });
    expect(table.entities('TimelineEvent', `ORDER#${ORDER_ID}`).filter((e) => e.type === 'ReturnReceived')).toHaveLength(1);
  });

  it.each([
    ['a line the return does not have', [{ lineNo: 1, condition: 'used' as const }, { lineNo: 9, condition: 'used' as const }], 422],
  ])('%s: %d', async (_what, lines, status) => {
    const returnId = await authorized('k1');
    await expect(receiveReturn(receiveDeps(), { returnId, request: { lines } })).rejects.toMatchObject({ statusCode: status });
    expect(stored(returnId)).toMatchObject({ status: 'AUTHORIZED' });
  });

  it('a return not authorized yet: 409; an unknown return: 404', async () => {
    const returnId = await started('refund', 'k1');
    const request = { lines: [{ lineNo: 1, condition: 'as_new' as const }] };
    await expect(receiveReturn(receiveDeps(), { returnId, request })).rejects.toMatchObject({ statusCode: 409 });
    expect(stored(returnId)).toMatchObject({ status: 'REQUESTED' });
    await expect(receiveReturn(receiveDeps(), { returnId: `${returnId.slice(0, -2)}ff`, request })).rejects.toMatchObject({ statusCode: 404 });
  });
});

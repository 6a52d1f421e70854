/**
 * The returns services against the fake table (aws-sdk-client-mock): the request (policy, ledger, idempotency,
 * RETURN_REQUESTED), the supplier's answers through the inbound consumer's dispatch, the operator's authorization.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { handleSupplierMessage } from '../../../functions/core/suppliers/services/supplier-inbound';
import { ReturnsConfig } from '../../../functions/core/returns/schemas/returns';
import { requestReturn, type ReturnsDeps } from '../../../functions/core/returns/services/request-return';
import { authorizeReturn } from '../../../functions/core/returns/services/authorize-return';
import { shipReplacement } from '../../../functions/core/returns/services/exchange';
import type { ReturnRecord } from '../../../functions/core/returns/domain/returns';
import type { Actor } from '../../../functions/core/events/domain/events';
import { FakeTable } from '../workflow/support/fake-table';
import { apply, at, catalogItems, dispatched, F1, makeWorld, order, ORDER_ID, routedOrder, timelineTypes, type World } from '../workflow/support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
let table: FakeTable;
let world: World;

const TRACKING = '1Z5R89390357567127';
const delivered = (r: FulfillmentRecord): FulfillmentRecord =>
  apply(
    dispatched(r),
    { type: 'ACCEPTED', at: at(5) },
    { type: 'SHIPPED', at: at(60), trackingNumber: TRACKING, lines: r.lines },
    { type: 'TRACKING', at: at(70), trackingNumber: TRACKING, code: 'CARRIER_PICKED_UP' },
    { type: 'DELIVERED', at: at(600), trackingNumber: TRACKING },
  );

const config = (extra: Record<string, unknown> = {}) => ReturnsConfig.parse({ defaultPolicy: { windowDays: 30 }, ...extra });
const deps = (extra: Partial<ReturnsDeps> = {}): ReturnsDeps => ({ store: world.store, now: world.deps.now, logger: world.deps.logger, config: config(), outbound: { sqs: world.sqs, suppliers: world.suppliers }, ...extra });
const inbound = () => {
  const base = { ...world.deps, sfn: world.sfn, sqs: world.sqs, suppliers: world.suppliers, metrics: world.metrics, returns: config() };
  return { ...base, shipReplacement: (r: ReturnRecord, actor: Actor, at: string) => shipReplacement(base, r, actor, at) };
};
const sent = () => sqsMock.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody ?? '{}') as Record<string, unknown>);
const ask = (lines: { lineNo: number; quantity: number }[], key = 'key-1', reason: 'defective' | 'changed_mind' = 'defective') =>
  requestReturn(deps(), { channelId: 'demo-web', orderId: ORDER_ID, idempotencyKey: key, request: { lines, reason } });
const says = (message: Record<string, unknown>, supplierId = 'nordic-home') =>
  handleSupplierMessage(inbound(), { supplierId, body: JSON.stringify({ occurredAt: at(2000), fulfillmentId: F1, ...message }) });
const storedReturn = (returnId: string) => table.get(`ORDER#${ORDER_ID}`, `RETURN#${returnId}`);

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

describe('requestReturn', () => {
  it('records the return and the ledger in one write, asks the supplier, marks the deadline for operators', async () => {
    const outcome = await ask([{ lineNo: 1, quantity: 1 }]);
    expect(outcome).toMatchObject({ kind: 'created', replayed: false, response: { status: 'REQUESTED', resolution: 'refund' } });
    if (outcome.kind !== 'created') throw new Error('not created');
    const returnId = outcome.response.returnId;
    expect(storedReturn(returnId)).toMatchObject({ status: 'REQUESTED', fulfillmentId: F1, supplierId: 'nordic-home', gsi3pk: 'EXCEPTION#RETURN_UNANSWERED' });
    expect(table.get(`ORDER#${ORDER_ID}`, 'RETURNLEDGER')).toMatchObject({ returned: { '1': 1 }, version: 1 });
    expect(sent()).toEqual([expect.objectContaining({ type: 'RETURN_REQUESTED', returnId, fulfillmentId: F1, lines: [expect.objectContaining({ lineNo: 1, quantity: 1 })] })]);
    expect(timelineTypes(table)).toContain('ReturnRequested');
  });

  it('the same key and body again: the stored return, the request sent again; another body: 409', async () => {
    const first = await ask([{ lineNo: 1, quantity: 1 }]);
    const again = await ask([{ lineNo: 1, quantity: 1 }]);
    expect(again).toMatchObject({ kind: 'created', replayed: true });
    expect(again.kind === 'created' && first.kind === 'created' && again.response.returnId === first.response.returnId).toBe(true);
    expect(sent()).toHaveLength(2);
    await expect(ask([{ lineNo: 1, quantity: 1 }], 'key-1', 'changed_mind')).rejects.toMatchObject({ statusCode: 409 });
  });

  it('over-return: refused with the units left once earlier returns hold some', async () => {
    const units = Number(order().lines[0]?.quantity ?? 0);
    await expect(ask([{ lineNo: 1, quantity: units + 1 }])).resolves.toMatchObject({ kind: 'refused', refusal: { rule: 'EXCEEDS_RETURNABLE', returnable: units } });
    await ask([{ lineNo: 1, quantity: units }], 'key-a');
    await expect(ask([{ lineNo: 1, quantity: 1 }], 'key-b')).resolves.toMatchObject({ kind: 'refused', refusal: { rule: 'EXCEEDS_RETURNABLE', returnable: 0 } });
  });

  it('another channel\'s order is not found', async () => {
    await expect(requestReturn(deps(), { channelId: 'demo-woo', orderId: ORDER_ID, idempotencyKey: 'k', request: { lines: [{ lineNo: 1, quantity: 1 }], reason: 'defective' } })).rejects.toMatchObject({ statusCode: 404 });
  });

  it('keep it: under the supplier\'s threshold the refund is requested at once, nothing is sent', async () => {
    const outcome = await requestReturn(deps({ config: config({ suppliers: { 'nordic-home': { keepItBelowMinor: 1_000_000 } } }) }), {
      channelId: 'demo-web',
      orderId: ORDER_ID,
      idempotencyKey: 'keep',
      request: { lines: [{ lineNo: 1, quantity: 1 }], reason: 'defective' },
    });
    expect(outcome).toMatchObject({ kind: 'created', response: { status: 'REFUND_REQUESTED', resolution: 'keep_it' } });
    expect(sent()).toHaveLength(0);
    expect(timelineTypes(table)).toEqual(expect.arrayContaining(['ReturnRequested', 'ReturnRefundRequested']));
  });
});

describe('the supplier answers (inbound consumer)', () => {
  const started = async (): Promise<string> => {
    const outcome = await ask([{ lineNo: 1, quantity: 1 }]);
    if (outcome.kind !== 'created') throw new Error('not created');
    return outcome.response.returnId;
  };
  const address = { name: 'Returns desk', line1: 'Lagerstrasse 5', city: 'Hamburg', postcode: '20457', country: 'DE' };

  it('authorized, shipped, received: the refund is requested with the supplier credit; a redelivery is a duplicate', async () => {
    const returnId = await started();
    await expect(says({ type: 'RETURN_AUTHORIZED', messageId: 'r1', returnId, rma: 'RMA-1', returnAddress: address })).resolves.toMatchObject({ kind: 'applied', status: 'AUTHORIZED' });
    expect(storedReturn(returnId)?.gsi3pk).toBeUndefined();
    await expect(says({ type: 'RETURN_SHIPPED', messageId: 'r2', returnId, carrier: 'UPS', trackingNumber: TRACKING })).resolves.toMatchObject({ status: 'IN_TRANSIT' });
    await expect(says({ type: 'RETURN_RECEIVED', messageId: 'r3', returnId, lines: [{ lineNo: 1, condition: 'opened' }] })).resolves.toMatchObject({ status: 'REFUND_REQUESTED' });
    const stored = storedReturn(returnId);
    expect(stored).toMatchObject({ status: 'REFUND_REQUESTED', received: { lines: [{ lineNo: 1, condition: 'opened' }] } });
    expect(Number((stored?.refund as Record<string, unknown>)['amountMinor'])).toBeGreaterThan(0);
    expect(Number((stored?.supplierCredit as Record<string, unknown>)['amountMinor'])).toBeGreaterThan(0);
    expect(table.get(`ORDER#${ORDER_ID}`, 'RETURNLEDGER')?.refundedMinor).toBe((stored?.refund as Record<string, unknown>)['amountMinor']);
    await expect(says({ type: 'RETURN_RECEIVED', messageId: 'r3', returnId, lines: [{ lineNo: 1, condition: 'opened' }] })).resolves.toMatchObject({ kind: 'duplicate' });
    expect(timelineTypes(table)).toEqual(expect.arrayContaining(['ReturnAuthorized', 'ReturnInTransit', 'ReturnReceived', 'ReturnRefundRequested']));
  });

  it('rejected: the units go back to the ledger; a later message for it is stale', async () => {
    const returnId = await started();
    await expect(says({ type: 'RETURN_REJECTED', messageId: 'x1', returnId, reason: 'OUTSIDE_SUPPLIER_POLICY' })).resolves.toMatchObject({ status: 'REJECTED' });
    expect(table.get(`ORDER#${ORDER_ID}`, 'RETURNLEDGER')).toMatchObject({ returned: { '1': 0 } });
    await expect(says({ type: 'RETURN_AUTHORIZED', messageId: 'x2', returnId, rma: 'R', returnAddress: address })).resolves.toMatchObject({ kind: 'stale' });
  });

  it.each([
    ['another supplier', { type: 'RETURN_AUTHORIZED', rma: 'R', returnAddress: address }, 'pacific-gadgets', 'SUPPLIER_MISMATCH'],
    ['receipt before authorization', { type: 'RETURN_RECEIVED', lines: [{ lineNo: 1, condition: 'as_new' }] }, 'nordic-home', 'UNKNOWN_RETURN'],
  ] as const)('poison: %s → %s', async (_label, message, supplierId, code) => {
    const returnId = await started();
    await expect(says({ ...message, messageId: 'p1', returnId }, supplierId)).resolves.toMatchObject({ kind: 'poison', code });
    expect(storedReturn(returnId)).toMatchObject({ status: 'REQUESTED' });
  });

  it('an exchange: the replacement fulfillment is reserved, routed and dispatched at receipt, the return CLOSED without a refund', async () => {
    const outcome = await requestReturn(deps(), { channelId: 'demo-web', orderId: ORDER_ID, idempotencyKey: 'ex', request: { lines: [{ lineNo: 1, quantity: 1 }], reason: 'damaged', resolution: 'replacement' } });
    if (outcome.kind !== 'created') throw new Error('not created');
    expect(outcome.response).toMatchObject({ status: 'REQUESTED', resolution: 'replacement' });
    const returnId = outcome.response.returnId;
    await says({ type: 'RETURN_AUTHORIZED', messageId: 'e1', returnId, rma: 'R', returnAddress: address });
    await expect(says({ type: 'RETURN_RECEIVED', messageId: 'e2', returnId, lines: [{ lineNo: 1, condition: 'damaged' }] })).resolves.toMatchObject({ status: 'CLOSED' });
    const stored = storedReturn(returnId);
    expect(stored).toMatchObject({ status: 'CLOSED', replacement: { fulfillmentIds: [expect.stringMatching(/^ful_/)] } });
    expect(stored?.refund).toBeUndefined();
    const replacementId = ((stored?.replacement as { fulfillmentIds: string[] }).fulfillmentIds)[0] ?? '';
    expect(table.get(`ORDER#${ORDER_ID}`, `FULFILLMENT#${replacementId}`)).toMatchObject({ status: 'DISPATCHED', lines: [{ lineNo: 1, quantity: 1 }] });
    expect(sent().map((m) => m['type'])).toEqual(['RETURN_REQUESTED', 'PURCHASE_ORDER']);
    expect(timelineTypes(table)).toContain('ReturnClosed');
    // The same receipt again ships nothing more.
    await expect(says({ type: 'RETURN_RECEIVED', messageId: 'e2', returnId, lines: [{ lineNo: 1, condition: 'damaged' }] })).resolves.toMatchObject({ kind: 'duplicate' });
    expect(sent()).toHaveLength(2);
  });

  it('an invalid return tracking number is poison (validated like shipments)', async () => {
    const returnId = await started();
    await says({ type: 'RETURN_AUTHORIZED', messageId: 'a1', returnId, rma: 'R', returnAddress: address });
    await expect(says({ type: 'RETURN_SHIPPED', messageId: 't1', returnId, carrier: 'UPS', trackingNumber: '1Z5R89390357567128' })).resolves.toMatchObject({ kind: 'poison', code: 'INVALID_TRACKING_NUMBER' });
    expect(storedReturn(returnId)).toMatchObject({ status: 'AUTHORIZED' });
  });

  it('an operator authorizes a silent supplier\'s return (actor operator); again it changes nothing', async () => {
    const returnId = await started();
    const first = await authorizeReturn(deps(), { returnId, request: { rma: 'RMA-PHONE' }, actor: 'operator' });
    expect(first).toMatchObject({ status: 'AUTHORIZED', rma: 'RMA-PHONE', changed: true });
    await expect(authorizeReturn(deps(), { returnId, request: {}, actor: 'operator' })).resolves.toMatchObject({ changed: false });
    const events = table.entities('TimelineEvent', `ORDER#${ORDER_ID}`).filter((e) => e.type === 'ReturnAuthorized');
    expect(events).toEqual([expect.objectContaining({ actor: 'operator' })]);
  });
});

import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyFulfillmentEvent } from '../../../functions/core/workflow/domain/fulfillment-events';
import { type FulfillmentEvent } from '../../../functions/core/workflow/domain/fulfillment';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { handleSupplierMessage, type InboundDeps } from '../../../functions/core/suppliers/services/supplier-inbound';
import { putTaskToken, type TokenStage } from '../../../functions/core/workflow/store/task-tokens';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { processSupplierRecord } from '../../../functions/suppliers/inbound';
import { FakeTable } from '../workflow/support/fake-table';
import {
  F1,
  F2,
  NOW,
  ORDER_ID,
  catalogItems,
  makeWorld,
  order,
  putOrder,
  queueUrl,
  routedOrder,
  storedFulfillment,
  storedOrder,
  timelineTypes,
  type World,
} from '../workflow/support/world';
import { sqsRecord } from './support';

vi.hoisted(() => {
  // The handler module reads its configuration at load (cold start).
  process.env.TABLE_NAME = 'PipelineTable';
  process.env.SUPPLIER_QUEUES = '[]';
  process.env.AWS_REGION = 'us-east-1';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
});

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
let table: FakeTable;
let world: World;
let deps: InboundDeps;

beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  sqsMock.reset();
  sfnMock.resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
  deps = { ...world.deps, sfn: world.sfn, sqs: world.sqs, suppliers: world.suppliers, metrics: world.metrics };
});

const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();
const UPS_1 = '1Z5R89390357567127';
const UPS_2 = '1Z879E930346834440';
const apply = (r: FulfillmentRecord, ...events: FulfillmentEvent[]): FulfillmentRecord =>
  events.reduce<FulfillmentRecord>((state, e) => {
    const result = applyFulfillmentEvent(state, e);
    if (result.outcome !== 'applied') throw new Error(`${e.type} not applied`);
    return { ...state, ...result.state };
  }, r);
const dispatched = (r: FulfillmentRecord) => apply(r, { type: 'DISPATCHED', at: at(0) });

async function seed(mutate: (r: FulfillmentRecord, i: number) => FulfillmentRecord = dispatched, o: WorkflowOrder = order()) {
  await routedOrder(world, o, mutate);
  table.log.length = 0;
}
async function token(stage: Exclude<TokenStage, 'HOLD'>, fulfillmentId = F1, supplierId = 'nordic-home') {
  await putTaskToken(world.store, { taskToken: `tok-${stage}`, stage, orderId: ORDER_ID, fulfillmentId, supplierId, storedAt: NOW.toISOString(), expiresAt: 1 });
}
const send = (supplierId: string, message: Record<string, unknown>) => handleSupplierMessage(deps, { supplierId, body: JSON.stringify(message) });
let n = 0;
const msg = (type: string, extra: Record<string, unknown> = {}, fulfillmentId = F1) => ({ type, messageId: `m-${++n}`, fulfillmentId, occurredAt: at(n), ...extra });
const shipped = (extra: Record<string, unknown> = {}) => msg('SHIPPED', { carrier: 'UPS', trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }], ...extra });
const successOutputs = () => sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => ({ token: c.args[0].input.taskToken, output: JSON.parse(c.args[0].input.output ?? '{}') }));

/** The order item keys a transaction touched (Put or Update). */
const orderWrites = (): string[] =>
  table.log
    .filter((l) => l.command === 'TransactWrite')
    .flatMap((l) => (l.input as { TransactItems: { Put?: { Item?: Record<string, unknown> }; Update?: { Key?: Record<string, unknown> } }[] }).TransactItems)
    .filter((i) => (i.Put?.Item?.sk ?? i.Update?.Key?.sk) === '#ORDER')
    .map((i) => (i.Put !== undefined ? 'put' : 'bump'));

describe('supplier inbound: the order item is written only when an order-level view changes', () => {
  /** routedOrder stores the order IN_FULFILLMENT; an order whose parcels already scanned is SHIPPED. */
  const seedWithStatus = async (mutate: (r: FulfillmentRecord) => FulfillmentRecord, status: WorkflowOrder['status']): Promise<void> => {
    await seed(mutate);
    const current = storedOrder(table);
    putOrder(table, { ...current, status, version: current.version + 1 });
    table.log.length = 0;
  };
  const inTransit = (r: FulfillmentRecord) =>
    apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }, { type: 'SHIPPED', at: at(2), trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] }, { type: 'TRACKING', at: at(3), trackingNumber: UPS_1, code: 'IN_TRANSIT' });

  it.each(['IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELAYED', 'ATTEMPTED_DELIVERY'])(
    'TRACKING_EVENT %s after the parcel counts as shipped: fulfillment + timeline only (no dedupe record), order untouched',
    async (event) => {
      await seedWithStatus(inTransit, 'SHIPPED');
      const before = storedOrder(table);
      await expect(send('nordic-home', { ...msg('TRACKING_EVENT', { trackingNumber: UPS_1, event }), occurredAt: at(100) })).resolves.toMatchObject({ kind: 'applied', status: 'IN_TRANSIT', orderStatus: 'SHIPPED' });
      expect(orderWrites()).toEqual([]);
      expect(storedOrder(table)).toEqual(before);
      expect(storedFulfillment(table, F1).shipments[0]?.lastEvent?.code).toBe(event);
      expect(timelineTypes(table)).toEqual(['TrackingUpdated']);
      const [tx] = table.log.filter((l) => l.command === 'TransactWrite');
      expect((tx?.input as { TransactItems: unknown[] }).TransactItems).toHaveLength(2); // fulfillment, timeline
    },
  );

  it('an acceptance changes no order-level view either (DISPATCHED and ACCEPTED both await shipment)', async () => {
    await seed();
    await send('nordic-home', msg('ACCEPTED'));
    expect(orderWrites()).toEqual([]);
    expect(storedOrder(table).version).toBe(2);
    expect(storedFulfillment(table, F1).status).toBe('ACCEPTED');
  });

  it.each<[string, (r: FulfillmentRecord) => FulfillmentRecord, Record<string, unknown>, string[]]>([
    ['a label makes the fulfillment no longer cancellable: version bump', (r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }), { type: 'SHIPPED', carrier: 'UPS', trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] }, ['bump']],
    ['the first carrier scan changes the order status: order rewritten', (r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }, { type: 'SHIPPED', at: at(2), trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] }), { type: 'TRACKING_EVENT', trackingNumber: UPS_1, event: 'CARRIER_PICKED_UP' }, ['put']],
    ['a carrier exception opens an exception on the fulfillment: version bump', inTransit, { type: 'TRACKING_EVENT', trackingNumber: UPS_1, event: 'EXCEPTION' }, ['bump']],
    ['a rejection takes the fulfillment out of the live ones: version bump', dispatched, { type: 'REJECTED', lines: [{ lineNo: 1, reason: 'OUT_OF_STOCK' }] }, ['bump']],
  ])('%s', async (_name, mutate, message, writes) => {
    await seedWithStatus(mutate, message.event === 'EXCEPTION' ? 'SHIPPED' : 'IN_FULFILLMENT');
    await expect(send('nordic-home', msg(String(message.type), message))).resolves.toMatchObject({ kind: 'applied' });
    expect(orderWrites()).toEqual(writes);
  });
});

describe('supplier inbound: applying messages', () => {
  it('ACCEPTED: fulfillment ACCEPTED (recording the message id) and timeline in one transaction, no dedupe record, the Dispatch state resumed', async () => {
    await seed();
    await token('ACCEPTANCE');
    const accepted = msg('ACCEPTED', { estimatedShipDate: '2026-11-26' });
    const outcome = await send('nordic-home', accepted);
    expect(outcome).toMatchObject({ kind: 'applied', status: 'ACCEPTED', orderStatus: 'IN_FULFILLMENT', resumed: 'sent' });
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'ACCEPTED', estimatedShipDate: '2026-11-26' });
    expect(timelineTypes(table)).toEqual(['FulfillmentAccepted']);
    expect(table.entities('Dedupe')).toEqual([]);
    expect(storedFulfillment(table, F1).appliedEventIds).toContain(accepted.messageId);
    const tx = table.log.filter((l) => l.command === 'TransactWrite');
    expect(tx).toHaveLength(1);
    expect(successOutputs()).toEqual([{ token: 'tok-ACCEPTANCE', output: expect.objectContaining({ stage: 'ACCEPTANCE', accepted: true, fulfillmentId: F1 }) }]);
    // The used token is left for the next wait to overwrite (AwaitShipment): no DeleteItem, which mostly failed its condition.
    expect(table.log.filter((l) => l.command === 'Delete')).toEqual([]);
  });

  it('a duplicate delivery (same messageId) changes nothing twice', async () => {
    await seed();
    const accepted = msg('ACCEPTED');
    await send('nordic-home', accepted);
    const before = JSON.stringify(storedFulfillment(table, F1));
    const logged = table.log.length;
    await expect(send('nordic-home', accepted)).resolves.toMatchObject({ kind: 'duplicate' });
    expect(JSON.stringify(storedFulfillment(table, F1))).toBe(before);
    expect(timelineTypes(table)).toEqual(['FulfillmentAccepted']);
    // recognized from the fulfillment itself (appliedEventIds): nothing written, not even a dedupe record
    const writes = ['Put', 'Update', 'Delete', 'TransactWrite', 'BatchWrite'];
    expect(table.log.slice(logged).filter((l) => writes.includes(l.command))).toEqual([]);
  });

  it('two concurrent deliveries of one message: applied once (the loser of the version race re-reads: duplicate)', async () => {
    await seed();
    const accepted = msg('ACCEPTED');
    table.jitterMs = 5;
    const outcomes = await Promise.all([send('nordic-home', accepted), send('nordic-home', accepted)]);
    table.jitterMs = 0;
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['applied', 'duplicate']);
    expect(timelineTypes(table)).toEqual(['FulfillmentAccepted']);
    expect(table.entities('Dedupe')).toEqual([]);
  });

  it('REJECTED: reasons per line (by supplier SKU), Dispatch fails with SupplierRejected', async () => {
    await seed();
    await token('ACCEPTANCE');
    await expect(send('nordic-home', msg('REJECTED', { lines: [{ supplierSku: 'NH-TS-0101-M', reason: 'OUT_OF_STOCK', message: 'sold out' }] }))).resolves.toMatchObject({ kind: 'applied', status: 'REJECTED' });
    const [failure] = sfnMock.commandCalls(SendTaskFailureCommand);
    expect(failure?.args[0].input).toMatchObject({ taskToken: 'tok-ACCEPTANCE', error: 'SupplierRejected' });
    expect(JSON.parse(failure?.args[0].input.cause ?? '{}').reasons).toEqual([{ reason: 'OUT_OF_STOCK', lineNo: 1, message: 'sold out' }]);
    expect(timelineTypes(table)).toEqual(['FulfillmentRejected']);
  });

  it('SHIPPED (label) is not shipped; the first carrier scan is: order SHIPPED, AwaitShipment resumed', async () => {
    await seed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }));
    await token('SHIPPED');
    // a label reaches no stage a workflow state waits for: the task token is not even read
    await expect(send('nordic-home', shipped())).resolves.toMatchObject({ kind: 'applied', status: 'SHIPPED', orderStatus: 'IN_FULFILLMENT', resumed: 'no-stage-change' });
    expect(table.log.filter((l) => l.command === 'Get' && JSON.stringify(l.input).includes('TASKTOKEN#'))).toEqual([]);
    expect(sfnMock.calls()).toHaveLength(0);
    await expect(send('nordic-home', msg('TRACKING_EVENT', { trackingNumber: UPS_1, event: 'CARRIER_PICKED_UP', location: 'Hamburg depot' }))).resolves.toMatchObject({
      kind: 'applied',
      status: 'IN_TRANSIT',
      orderStatus: 'SHIPPED',
      resumed: 'sent',
    });
    expect(storedOrder(table).status).toBe('SHIPPED');
    expect(timelineTypes(table)).toEqual(['ShipmentCreated', 'TrackingUpdated', 'OrderShipped']);
    expect(successOutputs()[0]?.output).toMatchObject({ stage: 'SHIPPED', fulfillmentId: F1 });
  });

  it('a change that reaches no new stage (scans after the first) does not read the task token; one that does, does', async () => {
    await seed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }, { type: 'SHIPPED', at: at(2), trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] }, { type: 'TRACKING', at: at(3), trackingNumber: UPS_1, code: 'CARRIER_PICKED_UP' }));
    await token('DELIVERED');
    const tokenReads = () => table.log.filter((l) => l.command === 'Get' && JSON.stringify(l.input).includes('TASKTOKEN#')).length;
    for (const event of ['IN_TRANSIT', 'OUT_FOR_DELIVERY']) {
      await expect(send('nordic-home', msg('TRACKING_EVENT', { trackingNumber: UPS_1, event }))).resolves.toMatchObject({ kind: 'applied', resumed: 'no-stage-change' });
    }
    expect(tokenReads()).toBe(0);
    expect(sfnMock.calls()).toHaveLength(0);
    await expect(send('nordic-home', msg('DELIVERED', { trackingNumber: UPS_1 }))).resolves.toMatchObject({ kind: 'applied', status: 'DELIVERED', resumed: 'sent' });
    expect(tokenReads()).toBe(1);
    expect(successOutputs()).toEqual([{ token: 'tok-DELIVERED', output: expect.objectContaining({ stage: 'DELIVERED' }) }]);
  });

  it('a redelivered scan (duplicate) still reads the task token: the recovery path after a crash between the write and the resume', async () => {
    await seed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }, { type: 'SHIPPED', at: at(2), trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] }));
    const pickedUp = msg('TRACKING_EVENT', { trackingNumber: UPS_1, event: 'CARRIER_PICKED_UP' });
    sfnMock.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await token('SHIPPED');
    await expect(send('nordic-home', pickedUp)).rejects.toMatchObject({ name: 'TransientError' });
    await expect(send('nordic-home', pickedUp)).resolves.toMatchObject({ kind: 'duplicate', resumed: 'sent' });
    // the throttled attempt, then the redelivery's
    expect(successOutputs().map((o) => [o.token, o.output.stage])).toEqual([['tok-SHIPPED', 'SHIPPED'], ['tok-SHIPPED', 'SHIPPED']]);
  });

  it.each([
    ['a carrier no rule knows (Yodel)', 'Yodel', 'JD0002210300100123', 'Yodel'],
    ['a known carrier, a format no rule knows', 'DPD', 'X9Q7W2E5R8T1Y4', 'DPD'],
  ])('SHIPPED with %s: accepted unverified, never a poison message; operators see UNVERIFIED_TRACKING until delivery', async (_name, carrier, trackingNumber, storedCarrier) => {
    await seed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }));
    await expect(send('nordic-home', shipped({ carrier, trackingNumber }))).resolves.toMatchObject({ kind: 'applied', status: 'SHIPPED' });
    const stored = storedFulfillment(table, F1);
    expect(stored.shipments).toEqual([expect.objectContaining({ trackingNumber, carrier: storedCarrier, trackingUnverified: true })]);
    expect(table.get(`ORDER#${ORDER_ID}`, `FULFILLMENT#${F1}`)).toMatchObject({ gsi3pk: 'EXCEPTION#UNVERIFIED_TRACKING', exception: { code: 'UNVERIFIED_TRACKING' } });
    await send('nordic-home', msg('DELIVERED', { trackingNumber }));
    expect(table.get(`ORDER#${ORDER_ID}`, `FULFILLMENT#${F1}`)).not.toHaveProperty('gsi3pk');
  });

  it('partial shipment: one of two lines scanned → PARTIALLY_SHIPPED; several trackings are kept', async () => {
    const o = order({
      lines: [
        { lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 2, unitPriceMinor: 1999 },
        { lineNo: 2, sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPriceMinor: 1490 },
      ],
    });
    await seed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }), o);
    await send('nordic-home', msg('SHIPPED', { carrier: 'UPS', parcels: [{ trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] }, { trackingNumber: UPS_2, lines: [{ supplierSku: 'NH-MG-2201', quantity: 1 }] }] }));
    expect(storedFulfillment(table, F1).shipments.map((s) => [s.trackingNumber, s.lines])).toEqual([
      [UPS_1, [{ lineNo: 1, quantity: 2 }]],
      [UPS_2, [{ lineNo: 2, quantity: 1 }]],
    ]);
    await expect(send('nordic-home', msg('TRACKING_EVENT', { trackingNumber: UPS_1, event: 'IN_TRANSIT' }))).resolves.toMatchObject({ orderStatus: 'PARTIALLY_SHIPPED' });
    await expect(send('nordic-home', msg('TRACKING_EVENT', { trackingNumber: UPS_2, event: 'CARRIER_PICKED_UP' }))).resolves.toMatchObject({ orderStatus: 'SHIPPED' });
    expect(timelineTypes(table)).toEqual(['ShipmentCreated', 'ShipmentCreated', 'TrackingUpdated', 'OrderPartiallyShipped', 'TrackingUpdated', 'OrderShipped']);
  });

  it('out of order: a scan before SHIPPED creates the parcel, SHIPPED fills in its lines, and nothing moves back', async () => {
    await seed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }));
    await send('nordic-home', msg('TRACKING_EVENT', { trackingNumber: UPS_1, event: 'IN_TRANSIT' }));
    expect(storedFulfillment(table, F1).status).toBe('IN_TRANSIT');
    await expect(send('nordic-home', { ...shipped(), occurredAt: at(0) })).resolves.toMatchObject({ kind: 'applied', status: 'IN_TRANSIT' });
    await send('nordic-home', msg('DELIVERED', { trackingNumber: UPS_1 }));
    expect(storedFulfillment(table, F1).status).toBe('DELIVERED');
    // a late scan after delivery is stale: acknowledged, nothing written
    const writesBefore = table.log.filter((l) => l.command === 'TransactWrite').length;
    await expect(send('nordic-home', { ...msg('TRACKING_EVENT', { trackingNumber: UPS_1, event: 'OUT_FOR_DELIVERY' }), occurredAt: at(500) })).resolves.toMatchObject({ kind: 'stale' });
    expect(table.log.filter((l) => l.command === 'TransactWrite').length).toBe(writesBefore);
    expect(storedFulfillment(table, F1).status).toBe('DELIVERED');
    expect(storedOrder(table).status).toBe('DELIVERED');
    expect(timelineTypes(table).slice(-3)).toEqual(['TrackingUpdated', 'FulfillmentDelivered', 'OrderDelivered']);
  });

  it('DELIVERED resumes AwaitDelivery; a carrier EXCEPTION is surfaced on the exceptions index', async () => {
    await seed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(1) }, { type: 'SHIPPED', at: at(2), trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] }, { type: 'TRACKING', at: at(3), trackingNumber: UPS_1, code: 'IN_TRANSIT' }));
    await send('nordic-home', msg('TRACKING_EVENT', { trackingNumber: UPS_1, event: 'EXCEPTION', message: 'damaged label' }));
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'EXCEPTION', gsi3pk: 'EXCEPTION#EXCEPTION' });
    // (the seeded order was still IN_FULFILLMENT: the first applied event also derives SHIPPED)
    expect(timelineTypes(table)).toEqual(['TrackingUpdated', 'FulfillmentException', 'OrderShipped']);
    await token('DELIVERED');
    await expect(send('nordic-home', msg('DELIVERED', { trackingNumber: UPS_1 }))).resolves.toMatchObject({ status: 'DELIVERED', resumed: 'sent' });
    expect(storedFulfillment(table, F1).gsi3pk).toBeUndefined();
    expect(successOutputs()[0]).toMatchObject({ token: 'tok-DELIVERED', output: { stage: 'DELIVERED' } });
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])('%s when resuming is "already handled": the message is still applied', async (name) => {
    await seed();
    await token('ACCEPTANCE');
    sfnMock.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('gone'), { name }));
    await expect(send('nordic-home', msg('ACCEPTED'))).resolves.toMatchObject({ kind: 'applied', resumed: 'already-handled' });
    expect(table.log.filter((l) => l.command === 'Delete')).toEqual([]);
  });

  it('Step Functions unavailable: thrown (retried by SQS); the redelivery is a duplicate that resumes the state', async () => {
    await seed();
    await token('ACCEPTANCE');
    sfnMock.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const accepted = msg('ACCEPTED');
    await expect(send('nordic-home', accepted)).rejects.toMatchObject({ name: 'TransientError' });
    await expect(send('nordic-home', accepted)).resolves.toMatchObject({ kind: 'duplicate', resumed: 'sent' });
    expect(timelineTypes(table)).toEqual(['FulfillmentAccepted']);
  });

  it('ACCEPTED for a fulfillment the platform cancelled: refused, and the cancellation is sent again', async () => {
    await seed((r) => apply(dispatched(r), { type: 'CANCELLED', at: at(1), reason: 'ORDER_CANCELLED' }));
    await expect(send('nordic-home', msg('ACCEPTED'))).resolves.toMatchObject({ kind: 'poison', code: 'ACCEPTED_AFTER_CLOSE' });
    const resent = sqsMock.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody ?? '{}'));
    expect(resent).toEqual([expect.objectContaining({ type: 'CANCELLATION', fulfillmentId: F1, reason: 'ORDER_CANCELLED' })]);
  });
});

describe('supplier inbound: isolation and poison messages', () => {
  it('SUPPLIER_MISMATCH: another supplier cannot act on this fulfillment (metric, nothing applied)', async () => {
    await seed();
    const before = JSON.stringify(storedFulfillment(table, F1));
    await expect(send('pacific-gadgets', msg('ACCEPTED'))).resolves.toMatchObject({ kind: 'poison', code: 'SUPPLIER_MISMATCH', fulfillmentId: F1 });
    expect(JSON.stringify(storedFulfillment(table, F1))).toBe(before);
    expect(world.metrics.addMetric).toHaveBeenCalledWith('SupplierMismatch', 'Count', 1);
    expect(timelineTypes(table)).toEqual([]);
  });

  it.each<[string, string | Record<string, unknown>, string]>([
    ['not JSON', '{nope', 'INVALID_JSON'],
    ['missing messageId', { type: 'ACCEPTED', fulfillmentId: F1, occurredAt: NOW.toISOString() }, 'SCHEMA_INVALID'],
    ['unknown type', { type: 'PAID', messageId: 'x', fulfillmentId: F1, occurredAt: NOW.toISOString() }, 'SCHEMA_INVALID'],
    ['not a fulfillment id', { type: 'ACCEPTED', messageId: 'x', fulfillmentId: 'po-123', occurredAt: NOW.toISOString() }, 'SCHEMA_INVALID'],
    ['unknown fulfillment', { type: 'ACCEPTED', messageId: 'x', fulfillmentId: F2, occurredAt: NOW.toISOString() }, 'UNKNOWN_FULFILLMENT'],
    ['tracking number with a wrong check digit', { type: 'SHIPPED', messageId: 'x', fulfillmentId: F1, occurredAt: NOW.toISOString(), carrier: 'UPS', trackingNumber: '1Z5R89390357567128', lines: [{ lineNo: 1, quantity: 2 }] }, 'INVALID_TRACKING_NUMBER'],
    ['tracking number of another carrier', { type: 'SHIPPED', messageId: 'x', fulfillmentId: F1, occurredAt: NOW.toISOString(), carrier: 'FedEx', trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] }, 'INVALID_TRACKING_NUMBER'],
    ['unknown supplier SKU', { type: 'REJECTED', messageId: 'x', fulfillmentId: F1, occurredAt: NOW.toISOString(), lines: [{ supplierSku: 'NOPE', reason: 'OTHER' }] }, 'UNKNOWN_LINE'],
    ['more than ordered', { type: 'SHIPPED', messageId: 'x', fulfillmentId: F1, occurredAt: NOW.toISOString(), carrier: 'UPS', trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 3 }] }, 'OVER_SHIPPED'],
    ['both parcels and a single tracking number', { type: 'SHIPPED', messageId: 'x', fulfillmentId: F1, occurredAt: NOW.toISOString(), carrier: 'UPS', trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 1 }], parcels: [{ trackingNumber: UPS_2, lines: [{ lineNo: 1, quantity: 1 }] }] }, 'SCHEMA_INVALID'],
  ])('%s → poison %s (nothing applied)', async (_name, body, code) => {
    await seed();
    const before = JSON.stringify(storedFulfillment(table, F1));
    const outcome = await handleSupplierMessage(deps, { supplierId: 'nordic-home', body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect(outcome).toMatchObject({ kind: 'poison', code });
    expect(JSON.stringify(storedFulfillment(table, F1))).toBe(before);
    expect(table.entities('Dedupe')).toEqual([]);
  });
});

describe('supplier inbound handler: partial batch failures and the DLQ', () => {
  it('moves a poison message to the supplier DLQ with errorCode / errorMessage and acknowledges it', async () => {
    await seed();
    const record = sqsRecord('pacific-gadgets', msg('ACCEPTED'));
    await expect(processSupplierRecord(record, deps)).resolves.toBe('SUPPLIER_MISMATCH');
    const [dlq] = sqsMock.commandCalls(SendMessageCommand);
    expect(dlq?.args[0].input).toMatchObject({
      QueueUrl: queueUrl('pacific-gadgets', 'dlq'),
      MessageBody: record.body,
      MessageAttributes: {
        errorCode: { DataType: 'String', StringValue: 'SUPPLIER_MISMATCH' },
        errorMessage: { DataType: 'String', StringValue: 'this fulfillment does not belong to the sending supplier' },
        supplierId: { DataType: 'String', StringValue: 'pacific-gadgets' },
        sourceMessageId: { DataType: 'String', StringValue: record.messageId },
      },
    });
  });

  it('a record from a queue that is not configured is a failure (left to the redrive policy)', async () => {
    await expect(processSupplierRecord(sqsRecord('unknown-supplier', msg('ACCEPTED')), deps)).rejects.toThrow(/SUPPLIER_QUEUES/);
  });

  it('a DLQ that cannot be reached makes the record fail (retried, never lost)', async () => {
    await seed();
    sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    await expect(processSupplierRecord(sqsRecord('nordic-home', '{bad'), deps)).rejects.toMatchObject({ name: 'ServiceUnavailable' });
  });
});

describe('INVENTORY_UPDATE over the inbound queue', () => {
  const update = (rows: readonly Record<string, unknown>[], messageId = 'inv-1', sentAt = NOW.toISOString()) =>
    JSON.stringify({ type: 'INVENTORY_UPDATE', messageId, sentAt, rows });
  const stockOf = (sku: string, supplierId: string) => table.get(`SKU#${sku}`, `OFFER#${supplierId}`)?.['stock'];

  it('applies the rows to the sending supplier\'s offers, and a duplicate delivery writes nothing', async () => {
    const first = await handleSupplierMessage(deps, { supplierId: 'nordic-home', body: update([{ supplierSku: 'NH-TS-0101-M', quantity: 7 }]) });
    expect(first).toMatchObject({ kind: 'inventory', written: 1 });
    expect(stockOf('TSHIRT-BLK-M', 'nordic-home')).toBe(7);
    // Another supplier's offer for the same retailer SKU is untouched.
    expect(stockOf('TSHIRT-BLK-M', 'atlantic-outfitters')).toBe(50);
    const again = await handleSupplierMessage(deps, { supplierId: 'nordic-home', body: update([{ supplierSku: 'NH-TS-0101-M', quantity: 7 }]) });
    expect(again).toMatchObject({ kind: 'inventory', written: 0, duplicate: true });
    // The same rows under a new message id, sent later: applied, but nothing changed.
    const same = await handleSupplierMessage(deps, { supplierId: 'nordic-home', body: update([{ supplierSku: 'NH-TS-0101-M', quantity: 7 }], 'inv-2', at(5)) });
    expect(same).toMatchObject({ kind: 'inventory', written: 0, unchanged: 1, duplicate: false });
  });

  it('a duplicate delivery arriving after a newer update does not bring the older stock back', async () => {
    await handleSupplierMessage(deps, { supplierId: 'nordic-home', body: update([{ supplierSku: 'NH-TS-0101-M', quantity: 10 }], 'inv-a') });
    await handleSupplierMessage(deps, { supplierId: 'nordic-home', body: update([{ supplierSku: 'NH-TS-0101-M', quantity: 4 }], 'inv-b', at(5)) });
    const late = await handleSupplierMessage(deps, { supplierId: 'nordic-home', body: update([{ supplierSku: 'NH-TS-0101-M', quantity: 10 }], 'inv-a') });
    expect(late).toMatchObject({ kind: 'inventory', duplicate: true });
    expect(stockOf('TSHIRT-BLK-M', 'nordic-home')).toBe(4);
  });

  it('a supplier SKU of another supplier is unmapped for the sender, never applied to the other', async () => {
    const outcome = await handleSupplierMessage(deps, { supplierId: 'nordic-home', body: update([{ supplierSku: 'AO/TEE/BLK/M', quantity: 0 }]) });
    expect(outcome).toMatchObject({ kind: 'inventory', written: 0, unmapped: 1 });
    expect(stockOf('TSHIRT-BLK-M', 'atlantic-outfitters')).toBe(50);
  });

  it('one bad row rejects the whole message with the field (DLQ), nothing written', async () => {
    const outcome = await handleSupplierMessage(deps, {
      supplierId: 'nordic-home',
      body: update([
        { supplierSku: 'NH-TS-0101-M', quantity: 3 },
        { supplierSku: 'NH-TS-0101-M', quantity: -1 },
      ]),
    });
    expect(outcome).toMatchObject({ kind: 'poison', code: 'SCHEMA_INVALID' });
    expect(outcome.kind === 'poison' ? outcome.message : '').toContain('rows.1.quantity');
    expect(stockOf('TSHIRT-BLK-M', 'nordic-home')).toBe(100);
  });
});

/**
 * The tasks chained the way the state machine chains them (happy path and a reroute), with the
 * supplier answering through the inbound handler: tokens, statuses and the timeline line up.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MilestoneResult } from '../../../functions/core/workflow/schemas/workflow';
import { awaitMilestone } from '../../../functions/core/workflow/services/callbacks';
import { dispatch } from '../../../functions/core/workflow/services/dispatch';
import { complete } from '../../../functions/core/workflow/services/close-order';
import { reroute } from '../../../functions/core/workflow/services/reroute';
import { validateAndRoute } from '../../../functions/core/workflow/services/reserve-and-route';
import { handleSupplierMessage, type InboundDeps } from '../../../functions/core/suppliers/services/supplier-inbound';
import { FakeTable } from './support/fake-table';
import { F1, F2, NOW, ORDER_ID, catalogItems, makeWorld, offerOf, order, putOrder, storedOrder, timelineTypes, type World } from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
let table: FakeTable;
let world: World;
let inbound: InboundDeps;

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
  inbound = { ...world.deps, sfn: world.sfn, sqs: world.sqs, suppliers: world.suppliers, metrics: world.metrics };
});

let n = 0;
const supplier = (supplierId: string, type: string, fulfillmentId: string, extra: Record<string, unknown> = {}) => {
  world.advance(60_000);
  return handleSupplierMessage(inbound, {
    supplierId,
    body: JSON.stringify({ type, messageId: `${supplierId}-${++n}`, fulfillmentId, occurredAt: new Date(world.clock.ms).toISOString(), ...extra }),
  });
};
const lastSuccess = () => {
  const calls = sfnMock.commandCalls(SendTaskSuccessCommand);
  return calls[calls.length - 1]?.args[0].input;
};
const UPS = '1Z5R89390357567127';

describe('the tasks in state machine order', () => {
  it('happy single-supplier path: RECEIVED → DELIVERED, every wait resumed by the supplier messages', async () => {
    putOrder(table, order());
    const route = await validateAndRoute(world.deps, { orderId: ORDER_ID });
    expect(route.outcome).toBe('ROUTED');
    const [task] = route.fulfillments;
    if (task === undefined) throw new Error('not routed');

    await dispatch({ ...inbound }, { taskToken: 'tok-dispatch', fulfillment: task });
    await supplier('nordic-home', 'ACCEPTED', F1, { estimatedShipDate: '2026-11-26' });
    expect(lastSuccess()?.taskToken).toBe('tok-dispatch');
    const afterAcceptance = MilestoneResult.parse(JSON.parse(lastSuccess()?.output ?? '{}'));

    await awaitMilestone(inbound, { taskToken: 'tok-ship', fulfillment: afterAcceptance, milestone: 'SHIPPED' });
    await supplier('nordic-home', 'SHIPPED', F1, { carrier: 'UPS', trackingNumber: UPS, lines: [{ lineNo: 1, quantity: 2 }] });
    expect(lastSuccess()?.taskToken).toBe('tok-dispatch');
    await supplier('nordic-home', 'TRACKING_EVENT', F1, { trackingNumber: UPS, event: 'CARRIER_PICKED_UP' });
    expect(lastSuccess()?.taskToken).toBe('tok-ship');
    const afterShipment = MilestoneResult.parse(JSON.parse(lastSuccess()?.output ?? '{}'));

    await awaitMilestone(inbound, { taskToken: 'tok-deliver', fulfillment: afterShipment, milestone: 'DELIVERED' });
    await supplier('nordic-home', 'TRACKING_EVENT', F1, { trackingNumber: UPS, event: 'OUT_FOR_DELIVERY' });
    await supplier('nordic-home', 'DELIVERED', F1, { trackingNumber: UPS });
    expect(lastSuccess()?.taskToken).toBe('tok-deliver');

    await expect(complete(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ outcome: 'DELIVERED', status: 'DELIVERED' });
    expect(storedOrder(table).status).toBe('DELIVERED');
    expect(timelineTypes(table)).toEqual([
      'OrderValidated',
      'OrderReserved',
      'OrderRouted',
      'FulfillmentDispatched',
      'FulfillmentAccepted',
      'ShipmentCreated',
      'TrackingUpdated',
      'OrderShipped',
      'TrackingUpdated',
      'TrackingUpdated',
      'FulfillmentDelivered',
      'OrderDelivered',
    ]);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home')).toEqual({ stock: 98, reserved: 0 });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(3);
    expect(sfnMock.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('used tokens are not deleted: a spent token read before the next wait stored its own is answered "already handled", and that wait resumes itself', async () => {
    // Step Functions accepts a task token once: a second SendTask* on it answers TaskTimedOut.
    const used = new Set<string>();
    sfnMock.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string }) => {
      if (used.has(input.taskToken)) throw Object.assign(new Error('Provided task does not exist anymore'), { name: 'TaskTimedOut' });
      used.add(input.taskToken);
      return {};
    });
    putOrder(table, order());
    const [task] = (await validateAndRoute(world.deps, { orderId: ORDER_ID })).fulfillments;
    if (task === undefined) throw new Error('not routed');
    await dispatch(inbound, { taskToken: 'tok-dispatch', fulfillment: task });
    await supplier('nordic-home', 'ACCEPTED', F1);
    const afterAcceptance = MilestoneResult.parse(JSON.parse(lastSuccess()?.output ?? '{}'));
    // The parcel is scanned before AwaitShipment stored its token: the inbound finds the spent ACCEPTANCE token.
    await supplier('nordic-home', 'SHIPPED', F1, { carrier: 'UPS', trackingNumber: UPS, lines: [{ lineNo: 1, quantity: 2 }] });
    await expect(supplier('nordic-home', 'TRACKING_EVENT', F1, { trackingNumber: UPS, event: 'CARRIER_PICKED_UP' })).resolves.toMatchObject({ resumed: 'already-handled' });
    // AwaitShipment stores its token (overwriting the spent one), sees the shipment and resumes itself, once.
    await expect(awaitMilestone(inbound, { taskToken: 'tok-ship', fulfillment: afterAcceptance, milestone: 'SHIPPED' })).resolves.toMatchObject({ action: 'resumed' });
    expect(table.get(`TASKTOKEN#${F1}`, '#TASKTOKEN')).toMatchObject({ taskToken: 'tok-ship', stage: 'SHIPPED' });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual(['tok-dispatch', 'tok-dispatch', 'tok-ship']);
    expect([...used]).toEqual(['tok-dispatch', 'tok-ship']);
    expect(table.log.filter((l) => l.command === 'Delete')).toEqual([]);
  });

  it('supplier rejects → reroute → the next supplier accepts; the restarted execution resumes it', async () => {
    putOrder(table, order());
    const [task] = (await validateAndRoute(world.deps, { orderId: ORDER_ID })).fulfillments;
    if (task === undefined) throw new Error('not routed');
    await dispatch(inbound, { taskToken: 'tok-1', fulfillment: task });
    await supplier('nordic-home', 'REJECTED', F1, { lines: [{ lineNo: 1, reason: 'OUT_OF_STOCK' }] });
    const failure = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(failure).toMatchObject({ taskToken: 'tok-1', error: 'SupplierRejected' });

    const rerouted = await reroute(world.deps, { fulfillment: task, error: { Error: failure?.error, Cause: failure?.cause } });
    if (rerouted.outcome !== 'REROUTED') throw new Error('not rerouted');
    expect(rerouted.fulfillment).toMatchObject({ fulfillmentId: F2, supplierId: 'atlantic-outfitters' });
    await dispatch(inbound, { taskToken: 'tok-2', fulfillment: rerouted.fulfillment });
    await supplier('atlantic-outfitters', 'ACCEPTED', F2);
    expect(lastSuccess()?.taskToken).toBe('tok-2');

    // The local runtime restarts: a new execution starts from the top and finds where the order is.
    const again = await validateAndRoute(world.deps, { orderId: ORDER_ID });
    expect(again.outcome).toBe('ROUTED');
    expect(again.fulfillments.map((f) => f.fulfillmentId)).toEqual([F2]);
    const [resumed] = again.fulfillments;
    if (resumed === undefined) throw new Error();
    await expect(dispatch(inbound, { taskToken: 'tok-restart', fulfillment: resumed })).resolves.toMatchObject({ action: 'resumed', status: 'ACCEPTED' });
    expect(lastSuccess()?.taskToken).toBe('tok-restart');
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(2); // one PO per supplier, none re-sent
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(0);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'atlantic-outfitters').reserved).toBe(2);
    expect(NOW.getTime()).toBeLessThan(world.clock.ms);
  });
});

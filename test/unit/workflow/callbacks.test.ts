import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyFulfillmentEvent } from '../../../functions/core/workflow/domain/fulfillment-events';
import { type FulfillmentEvent } from '../../../functions/core/workflow/domain/fulfillment';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { PurchaseOrderAmendedMessage, PurchaseOrderMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';
import { MilestoneResult } from '../../../functions/core/workflow/schemas/workflow';
import { awaitHold, awaitMilestone } from '../../../functions/core/workflow/services/callbacks';
import { dispatch } from '../../../functions/core/workflow/services/dispatch';
import { SupplierDirectory } from '../../../functions/core/suppliers/services/supplier-outbound';
import { toFulfillmentTask } from '../../../functions/core/workflow/services/workflow-common';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { FakeTable } from './support/fake-table';
import {
  F1,
  NOW,
  ORDER_ID,
  catalogItems,
  makeWorld,
  order,
  putOrder,
  queueUrl,
  routedOrder,
  storedFulfillment,
  timelineTypes,
  type World,
} from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
let table: FakeTable;
let world: World;

beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  sqsMock.reset();
  sfnMock.resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
});

const TOKEN = 'token-abc-123';
const deps = () => ({ ...world.deps, sfn: world.sfn, sqs: world.sqs, suppliers: world.suppliers });
const apply = (r: FulfillmentRecord, ...events: FulfillmentEvent[]): FulfillmentRecord =>
  events.reduce<FulfillmentRecord>((state, e) => {
    const result = applyFulfillmentEvent(state, e);
    if (result.outcome !== 'applied') throw new Error(`${e.type} not applied: ${result.outcome}`);
    return { ...state, ...result.state };
  }, r);
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();
const accepted = (r: FulfillmentRecord) => apply(r, { type: 'DISPATCHED', at: at(0) }, { type: 'ACCEPTED', at: at(5), estimatedShipDate: '2026-11-26' });
const scanned = (r: FulfillmentRecord) =>
  apply(accepted(r), { type: 'SHIPPED', at: at(60), trackingNumber: '1Z5R89390357567127', carrier: 'UPS', lines: [{ lineNo: 1, quantity: 2 }] }, { type: 'TRACKING', at: at(120), trackingNumber: '1Z5R89390357567127', code: 'IN_TRANSIT' });

async function task(mutate?: (r: FulfillmentRecord) => FulfillmentRecord, o?: WorkflowOrder) {
  const [record] = await routedOrder(world, o ?? order(), (r) => (mutate === undefined ? r : mutate(r)));
  if (record === undefined) throw new Error('no fulfillment');
  table.log.length = 0;
  return toFulfillmentTask(record, NOW, world.deps.settings);
}

const tokenItem = (id: string = F1) => table.get(`TASKTOKEN#${id}`, '#TASKTOKEN');

describe('Dispatch', () => {
  it('stores the token, sends the purchase order (no token in it), records DISPATCHED + FulfillmentDispatched', async () => {
    const fulfillment = await task();
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).resolves.toEqual({ action: 'waiting', status: 'DISPATCHED' });

    expect(tokenItem()).toMatchObject({ taskToken: TOKEN, stage: 'ACCEPTANCE', orderId: ORDER_ID, fulfillmentId: F1, supplierId: 'nordic-home' });
    const sends = sqsMock.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    const input = sends[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(queueUrl('nordic-home', 'outbound'));
    expect(input?.MessageBody).not.toContain(TOKEN);
    const po = PurchaseOrderMessage.parse(JSON.parse(input?.MessageBody ?? '{}'));
    expect(po).toMatchObject({
      type: 'PURCHASE_ORDER',
      messageId: `po-${F1}`,
      fulfillmentId: F1,
      orderRef: 'WEB-1001',
      acceptBy: at(60),
      lines: [{ lineNo: 1, supplierSku: 'NH-TS-0101-M', quantity: 2 }],
      shipTo: { country: 'DE', postcode: '10115' },
      shippingMethod: { code: 'STANDARD' },
      shipBy: '2026-11-26',
      deliverBy: '2026-12-02',
      // nordic-home ships blind: the retailer's branding on the slip
      packingSlip: { blind: true, displayName: 'Northwind Goods' },
    });
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'DISPATCHED', dispatchedAt: NOW.toISOString(), version: 2 });
    expect(timelineTypes(table)).toEqual(['FulfillmentDispatched']);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('re-entry on a DISPATCHED fulfillment stores the new token and re-sends the same purchase order (same messageId), without a second timeline event', async () => {
    const fulfillment = await task((r) => apply(r, { type: 'DISPATCHED', at: at(0) }));
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).resolves.toEqual({ action: 'waiting', status: 'DISPATCHED' });
    const sends = sqsMock.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    const po = PurchaseOrderMessage.parse(JSON.parse(sends[0]?.args[0].input.MessageBody ?? '{}'));
    expect(po.messageId).toBe(`po-${F1}`);
    expect(sends[0]?.args[0].input.MessageBody).not.toContain(TOKEN);
    expect(timelineTypes(table)).toEqual([]);
    expect(tokenItem()?.taskToken).toBe(TOKEN);
  });

  it('an address change that commits while the purchase order is being sent: DISPATCHED on the changed order, then the amendment with the new ship-to', async () => {
    const fulfillment = await task();
    // The address change lands between the purchase order's send and Dispatch's write: it saw the fulfillment
    // not yet dispatched (nothing to amend) and moved the order's version, so Dispatch's write is retried.
    sqsMock
      .on(SendMessageCommand)
      .callsFakeOnce(() => {
        const stored = table.get(`ORDER#${ORDER_ID}`, '#ORDER');
        if (stored === undefined) throw new Error('no order');
        const address = stored['shippingAddress'] as Record<string, unknown>;
        table.seed({ ...stored, shippingAddress: { ...address, line1: 'Neue Strasse 2' }, addressRevision: 1, version: Number(stored['version']) + 1 });
        return { MessageId: 'm-po' };
      })
      .resolves({ MessageId: 'm-amend' });
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).resolves.toEqual({ action: 'waiting', status: 'DISPATCHED' });

    const bodies = sqsMock.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody ?? '{}') as Record<string, unknown>);
    expect(bodies.map((b) => b['type'])).toEqual(['PURCHASE_ORDER', 'PURCHASE_ORDER_AMENDED']);
    const amendment = PurchaseOrderAmendedMessage.parse(bodies[1]);
    expect(amendment).toMatchObject({ fulfillmentId: F1, revision: 1, messageId: `po-${F1}-r1`, changes: ['shipTo'] });
    expect(JSON.stringify(amendment.shipTo)).toContain('Neue Strasse 2');
    expect(storedFulfillment(table, F1).status).toBe('DISPATCHED');
    expect(timelineTypes(table)).toEqual(['FulfillmentDispatched']);
  });

  it('no address change while sending: no amendment', async () => {
    const fulfillment = await task();
    await dispatch(deps(), { taskToken: TOKEN, fulfillment });
    expect(sqsMock.commandCalls(SendMessageCommand).map((c) => (JSON.parse(c.args[0].input.MessageBody ?? '{}') as { type: string }).type)).toEqual(['PURCHASE_ORDER']);
  });

  it('an already accepted fulfillment resumes the state at once with the refreshed FulfillmentTask', async () => {
    const fulfillment = await task(accepted);
    world.advance(30 * 60_000);
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).resolves.toEqual({ action: 'resumed', status: 'ACCEPTED' });
    const [call] = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(call?.args[0].input.taskToken).toBe(TOKEN);
    const output = MilestoneResult.parse(JSON.parse(call?.args[0].input.output ?? '{}'));
    expect(output).toMatchObject({ fulfillmentId: F1, stage: 'ACCEPTANCE', accepted: true, estimatedShipDate: '2026-11-26', reachedAt: at(5) });
    expect(output.shipTimeoutSeconds).toBe(fulfillment.shipTimeoutSeconds - 30 * 60);
    // The used token is not deleted (no write): the next wait overwrites it, TTL removes the last one.
    expect(tokenItem()?.taskToken).toBe(TOKEN);
    expect(table.log.filter((l) => l.command === 'Delete')).toEqual([]);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('an already rejected fulfillment fails the state with SupplierRejected and the reasons per line', async () => {
    const fulfillment = await task((r) =>
      apply(r, { type: 'DISPATCHED', at: at(0) }, { type: 'REJECTED', at: at(3), reasons: [{ reason: 'OUT_OF_STOCK', lineNo: 1 }] }),
    );
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).resolves.toEqual({ action: 'resumed', status: 'REJECTED' });
    const [call] = sfnMock.commandCalls(SendTaskFailureCommand);
    expect(call?.args[0].input).toMatchObject({ taskToken: TOKEN, error: 'SupplierRejected' });
    expect(JSON.parse(call?.args[0].input.cause ?? '{}')).toEqual({ fulfillmentId: F1, supplierId: 'nordic-home', reasons: [{ reason: 'OUT_OF_STOCK', lineNo: 1 }] });
  });

  it('a fulfillment cancelled meanwhile fails the wait with FulfillmentCancelled (the state machine ends the iteration)', async () => {
    const fulfillment = await task((r) => apply(r, { type: 'CANCELLED', at: at(1), reason: 'ORDER_CANCELLED' }));
    await dispatch(deps(), { taskToken: TOKEN, fulfillment });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    const [call] = sfnMock.commandCalls(SendTaskFailureCommand);
    expect(call?.args[0].input.error).toBe('FulfillmentCancelled');
    expect(JSON.parse(call?.args[0].input.cause ?? '{}')).toMatchObject({ fulfillmentId: fulfillment.fulfillmentId, reason: 'ORDER_CANCELLED' });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])('%s from Step Functions means already handled: logged, not retried', async (name) => {
    const fulfillment = await task(accepted);
    sfnMock.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('gone'), { name }));
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).resolves.toEqual({ action: 'already-handled', status: 'ACCEPTED' });
    expect(table.log.filter((l) => l.command === 'Delete')).toEqual([]);
  });

  it('Step Functions throttling is a TransientError (the task is retried), the token stays', async () => {
    const fulfillment = await task(accepted);
    sfnMock.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).rejects.toMatchObject({ name: 'TransientError' });
    expect(tokenItem()?.taskToken).toBe(TOKEN);
  });

  it('an SQS failure leaves the fulfillment PENDING (the retried task sends it again)', async () => {
    const fulfillment = await task();
    sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable', $fault: 'server' }));
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect(storedFulfillment(table, F1).status).toBe('PENDING');
  });

  it('a supplier without an outbound queue: the fulfillment is rejected (OTHER) and the state fails with SupplierRejected', async () => {
    const fulfillment = await task();
    const noQueue = { ...deps(), suppliers: new SupplierDirectory([]) };
    await dispatch(noQueue, { taskToken: TOKEN, fulfillment });
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'REJECTED', rejections: [{ reason: 'OTHER' }] });
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input.error).toBe('SupplierRejected');
    expect(timelineTypes(table)).toEqual(['FulfillmentRejected']);
  });
});

describe('AwaitShipment / AwaitDelivery', () => {
  it('stores the token with its stage and waits while the milestone is not reached', async () => {
    const fulfillment = await task(accepted);
    await expect(awaitMilestone(deps(), { taskToken: TOKEN, fulfillment, milestone: 'SHIPPED' })).resolves.toEqual({
      action: 'waiting',
      status: 'ACCEPTED',
    });
    expect(tokenItem()).toMatchObject({ stage: 'SHIPPED', taskToken: TOKEN });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('a label alone is not shipped: still waiting for the first carrier scan', async () => {
    const fulfillment = await task((r) => apply(accepted(r), { type: 'SHIPPED', at: at(60), trackingNumber: '1Z5R89390357567127', lines: [{ lineNo: 1, quantity: 2 }] }));
    await expect(awaitMilestone(deps(), { taskToken: TOKEN, fulfillment, milestone: 'SHIPPED' })).resolves.toMatchObject({ action: 'waiting', status: 'SHIPPED' });
  });

  it('already scanned: resumes at once with the delivery timeout counted from now', async () => {
    const fulfillment = await task(scanned);
    world.advance(86_400_000);
    await expect(awaitMilestone(deps(), { taskToken: TOKEN, fulfillment, milestone: 'SHIPPED' })).resolves.toMatchObject({ action: 'resumed' });
    const output = MilestoneResult.parse(JSON.parse(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output ?? '{}'));
    expect(output).toMatchObject({ stage: 'SHIPPED', reachedAt: at(120) });
    expect(output.deliveryTimeoutSeconds).toBe(fulfillment.deliveryTimeoutSeconds - 86_400);
  });

  it('DELIVERED milestone: waits while in transit, resumes once delivered', async () => {
    const fulfillment = await task(scanned);
    await expect(awaitMilestone(deps(), { taskToken: TOKEN, fulfillment, milestone: 'DELIVERED' })).resolves.toMatchObject({ action: 'waiting', status: 'IN_TRANSIT' });
  });

  it('a supplier that withdrew before shipping fails the wait with SupplierRejected', async () => {
    const fulfillment = await task((r) => apply(accepted(r), { type: 'REJECTED', at: at(30), reasons: [{ reason: 'OUT_OF_STOCK', lineNo: 1 }] }));
    await awaitMilestone(deps(), { taskToken: TOKEN, fulfillment, milestone: 'SHIPPED' });
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input.error).toBe('SupplierRejected');
  });
});

describe('AwaitHoldDecision', () => {
  it.each<[WorkflowOrder['status'], string | undefined]>([
    ['ON_HOLD', undefined],
    ['VALIDATED', 'APPROVE'],
    ['IN_FULFILLMENT', 'APPROVE'],
    ['CANCELLED', 'REJECT'],
  ])('order %s → %s', async (status, decision) => {
    putOrder(table, order({ status, ...(status === 'ON_HOLD' ? { holdReason: 'AWAITING_PAYMENT' } : {}) }));
    const result = await awaitHold(deps(), { taskToken: TOKEN, orderId: ORDER_ID });
    if (decision === undefined) {
      expect(result.action).toBe('waiting');
      expect(table.get(`TASKTOKEN#HOLD#${ORDER_ID}`, '#TASKTOKEN')).toMatchObject({ stage: 'HOLD', taskToken: TOKEN });
      expect(sfnMock.calls()).toHaveLength(0);
    } else {
      expect(result.action).toBe('resumed');
      expect(JSON.parse(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output ?? '{}')).toEqual({ decision });
      expect(table.log.filter((l) => l.command === 'Delete')).toEqual([]);
    }
  });
});

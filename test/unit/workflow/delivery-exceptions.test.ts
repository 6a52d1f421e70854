import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deliveryExceptionOf, lostInTransit } from '../../../functions/core/workflow/domain/delivery-exceptions';
import { exceptionMarker, type FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import type { TrackingCode } from '../../../functions/core/workflow/domain/fulfillment';
import { refundFulfillment, reshipFulfillment, type DecisionDeps } from '../../../functions/core/deliveries/services/decisions';
import { declareLost, type LostParcelSweepDeps } from '../../../functions/core/deliveries/services/lost-parcels';
import { closeClaim, listOpenClaims } from '../../../functions/core/deliveries/services/claims';
import { FakeTable } from './support/fake-table';
import { apply, at, catalogItems, dispatched, F1, F2, makeWorld, order, ORDER_ID, routedOrder, storedFulfillment, storedOrder, timelineTypes, type World } from './support/world';
import { seededWorld } from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
let table: FakeTable;
let world: World;

beforeEach(() => {
  ({ table, world } = seededWorld(ddbMock, sqsMock));
});

const UPS = '1Z5R89390357567127';
const DAY = 24 * 60;
const scanned = (code: TrackingCode, minutes = 120) => (r: FulfillmentRecord) =>
  apply(
    dispatched(r),
    { type: 'ACCEPTED', at: at(5) },
    { type: 'SHIPPED', at: at(60), trackingNumber: UPS, carrier: 'UPS', lines: [{ lineNo: 1, quantity: 2 }] },
    { type: 'TRACKING', at: at(90), trackingNumber: UPS, code: 'IN_TRANSIT' },
    ...(code === 'IN_TRANSIT' ? [] : [{ type: 'TRACKING' as const, at: at(minutes), trackingNumber: UPS, code }]),
  );

const deps = (): DecisionDeps => ({ ...world.deps, sqs: world.sqs, suppliers: world.suppliers });
const sweepDeps = (): LostParcelSweepDeps => ({ ...world.deps, metrics: world.metrics, pageLimit: 100, delivery: { lostAfterDays: 7, claimWindowDays: 30 } });
const decision = { orderId: ORDER_ID, fulfillmentId: F1, actor: 'operator' as const, actorId: 'arn:aws:iam::000000000000:user/ops' };

async function seed(code: TrackingCode): Promise<FulfillmentRecord> {
  const [record] = await routedOrder(world, order(), scanned(code));
  table.log.length = 0;
  if (record === undefined) throw new Error('no fulfillment');
  return record;
}

describe('delivery exceptions (pure)', () => {
  it.each([
    ['ATTEMPTED_DELIVERY', 'ATTEMPTED_DELIVERY', 'IN_TRANSIT', 'ATTEMPTED_DELIVERY'],
    ['READY_FOR_PICKUP', 'READY_FOR_PICKUP', 'IN_TRANSIT', 'READY_FOR_PICKUP'],
    ['FAILURE', 'FAILURE', 'EXCEPTION', 'FAILURE'],
    ['RETURNING_TO_SENDER', 'RETURNING_TO_SENDER', 'EXCEPTION', 'RETURNING_TO_SENDER'],
    ['LOST', 'LOST_IN_TRANSIT', 'EXCEPTION', 'LOST'],
  ] as const)('carrier %s → delivery exception %s, status %s, operators see %s', async (code, view, status, marker) => {
    const record = await seed(code);
    expect(deliveryExceptionOf(record)).toEqual({ code: view, since: at(120), trackingNumber: UPS });
    expect(record.status).toBe(status);
    expect(exceptionMarker(record)?.code).toBe(marker);
  });

  it('a later DELIVERED scan completes it: no exception left', async () => {
    const record = apply(await seed('FAILURE'), { type: 'DELIVERED', at: at(300), trackingNumber: UPS });
    expect(record.status).toBe('DELIVERED');
    expect(deliveryExceptionOf(record)).toBeUndefined();
    expect(exceptionMarker(record)).toBeUndefined();
  });

  it('lost in transit: no carrier event for lostAfterDays after the last one (edge inclusive)', async () => {
    const record = await seed('IN_TRANSIT');
    const last = Date.parse(at(90));
    expect(lostInTransit(record, new Date(last + 7 * 86_400_000 - 1), 7)).toBeUndefined();
    expect(lostInTransit(record, new Date(last + 7 * 86_400_000), 7)).toEqual({ lastScanAt: at(90) });
    expect(lostInTransit({ ...record, lostAt: at(9 * DAY) }, new Date(last + 9 * 86_400_000), 7)).toBeUndefined();
  });
});

describe('operator decisions', () => {
  it('reship: a replacement reserved and dispatched, the decision audited, the fulfillment off the exceptions index', async () => {
    await seed('FAILURE');
    expect(storedFulfillment(table, F1).gsi3pk).toBe('EXCEPTION#FAILURE');
    const result = await reshipFulfillment(deps(), { ...decision, supplierId: 'atlantic-outfitters' });
    expect(result).toMatchObject({ decision: 'RESHIP', code: 'FAILURE', replacements: [{ fulfillmentId: F2, supplierId: 'atlantic-outfitters', status: 'DISPATCHED' }] });
    expect(storedFulfillment(table, F1)).toMatchObject({ deliveryResolution: { decision: 'RESHIP', code: 'FAILURE', actor: 'operator', actorId: decision.actorId, replacementFulfillmentIds: [F2] } });
    expect(storedFulfillment(table, F1).gsi3pk).toBeUndefined();
    expect(timelineTypes(table)).toEqual(['ReplacementCreated', 'FulfillmentDispatched', 'DeliveryExceptionResolved']);
    // Idempotent; the other decision afterwards is refused.
    await expect(reshipFulfillment(deps(), decision)).resolves.toMatchObject({ decision: 'RESHIP', replacements: [{ fulfillmentId: F2 }] });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
    await expect(refundFulfillment(deps(), decision)).rejects.toMatchObject({ statusCode: 409 });
  });

  it('refund: a refund request for the lines (capped by what is left), recorded once', async () => {
    await seed('RETURNING_TO_SENDER');
    await expect(refundFulfillment(deps(), decision)).resolves.toMatchObject({ decision: 'REFUND', code: 'RETURNING_TO_SENDER', refundRequestedMinor: 3998 });
    expect(storedOrder(table).refundRequestedMinor).toBe(3998);
    expect(timelineTypes(table)).toEqual(['RefundRequested', 'DeliveryExceptionResolved']);
    await refundFulfillment(deps(), decision);
    expect(storedOrder(table).refundRequestedMinor).toBe(3998);
  });

  it('409 without an open delivery exception, 404 for an unknown fulfillment', async () => {
    await seed('IN_TRANSIT');
    await expect(reshipFulfillment(deps(), decision)).rejects.toMatchObject({ statusCode: 409 });
    await expect(refundFulfillment(deps(), { ...decision, fulfillmentId: F2 })).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('lost parcels and carrier claims', () => {
  it('declared lost once after 7 quiet days: lostAt, DeliveryExceptionRaised, a claim an operator closes', async () => {
    await seed('IN_TRANSIT');
    world.advance(6 * 86_400_000);
    await expect(declareLost(sweepDeps(), ORDER_ID)).resolves.toBe(0);
    world.advance(86_400_000 + 90 * 60_000); // 7 days after the last scan (at(90))
    await expect(declareLost(sweepDeps(), ORDER_ID)).resolves.toBe(1);
    await expect(declareLost(sweepDeps(), ORDER_ID)).resolves.toBe(0);
    const f1 = storedFulfillment(table, F1);
    expect(f1).toMatchObject({ status: 'IN_TRANSIT', lostAt: new Date(Date.parse(at(90)) + 7 * 86_400_000).toISOString(), gsi3pk: 'EXCEPTION#LOST' });
    expect(timelineTypes(table)).toEqual(['DeliveryExceptionRaised', 'CarrierClaimOpened']);
    const claimId = 'clm_0123456789abcdefghjkmnpqrs_01';
    const { items } = await listOpenClaims(world.store, { limit: 10 });
    expect(items).toMatchObject([{ claimId, fulfillmentId: F1, carrier: 'UPS', trackingNumber: UPS, valueMinor: f1.landedCostMinor, currency: 'EUR', status: 'OPEN', fileBy: new Date(Date.parse(at(90)) + 30 * 86_400_000).toISOString() }]);

    // A week later every feed is stale: no reship (409 naming why), the operator refunds; the claim stays open until closed.
    await expect(reshipFulfillment(deps(), decision)).rejects.toMatchObject({ statusCode: 409, issues: [{ path: 'lines.1', message: 'UNSERVABLE: FEED_STALE' }] });
    await expect(refundFulfillment(deps(), decision)).resolves.toMatchObject({ code: 'LOST_IN_TRANSIT', claimId, refundRequestedMinor: 3998 });
    expect((await listOpenClaims(world.store, { limit: 10 })).items).toHaveLength(1);
    const closed = await closeClaim({ store: world.store, now: world.deps.now }, { claimId, outcome: 'PAID', note: 'carrier paid', actor: 'operator', actorId: decision.actorId });
    expect(closed).toMatchObject({ status: 'CLOSED', outcome: 'PAID', closedBy: decision.actorId });
    expect((await listOpenClaims(world.store, { limit: 10 })).items).toEqual([]);
    await expect(closeClaim({ store: world.store, now: world.deps.now }, { claimId, outcome: 'PAID', actor: 'operator' })).resolves.toMatchObject({ outcome: 'PAID' });
    await expect(closeClaim({ store: world.store, now: world.deps.now }, { claimId, outcome: 'DENIED', actor: 'operator' })).rejects.toMatchObject({ statusCode: 409 });
    expect(timelineTypes(table).slice(-1)).toEqual(['CarrierClaimClosed']);
  });

  it('a DELIVERED scan after the loss still completes the fulfillment', async () => {
    const record = await seed('IN_TRANSIT');
    const lost = { ...record, lostAt: at(8 * DAY) };
    const delivered = apply(lost, { type: 'DELIVERED', at: at(9 * DAY), trackingNumber: UPS });
    expect(delivered.status).toBe('DELIVERED');
    expect(exceptionMarker(delivered)).toBeUndefined();
  });
});

import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DISPATCH_UNACKNOWLEDGED, markOverdueItems, sweepDispatches, type DispatchSweepDeps } from '../../../functions/core/sweeps/services/sweep-dispatches';
import { transact } from '../../../functions/core/runtime/table/transactions';
import { fulfillmentItem, toFulfillmentRecord } from '../../../functions/core/workflow/store/fulfillments';
import { nextFulfillment } from '../../../functions/core/workflow/domain/fulfillment-record';
import { FakeTable } from '../workflow/support/fake-table';
import { T0, fulfillment, fulfillmentIdOf, harness, order, orderIdOf, plusMinutes, putFulfillment, putOrder, type Harness } from './support';

const ddbMock = mockClient(DynamoDBDocumentClient);
let table: FakeTable;
let h: Harness;

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  h = harness(plusMinutes(T0, 60 + 31)); // acceptBy = T0 + 60 min, grace 30 min
});

const deps = (pageLimit = 200): DispatchSweepDeps => ({ ...h.deps(pageLimit), graceMinutes: 30 });
const stored = (orderId: string, seq = 1) => table.get(`ORDER#${orderId}`, `FULFILLMENT#${fulfillmentIdOf(orderId, seq)}`) ?? {};
const events = (orderId: string) => table.entities('TimelineEvent', `ORDER#${orderId}`);

function seed(n: number, status: 'DISPATCHED' | 'ACCEPTED' | 'PENDING', orderStatus: 'IN_FULFILLMENT' | 'PARTIALLY_SHIPPED' | 'RESERVED' = 'IN_FULFILLMENT', dispatchedAt = T0): string {
  const orderId = orderIdOf(n);
  putOrder(table, order(orderId, { status: orderStatus }));
  putFulfillment(table, fulfillment(orderId, { status, dispatchedAt: status === 'PENDING' ? undefined : dispatchedAt }));
  return orderId;
}

describe('dispatch sweep', () => {
  it('surfaces a purchase order nobody acknowledged, once', async () => {
    const orderId = seed(1, 'DISPATCHED');
    const first = await sweepDispatches(deps());
    expect(first).toMatchObject({ examined: 1, overdue: 1, failed: 0 });
    const f = stored(orderId);
    expect(f).toMatchObject({
      status: 'DISPATCHED',
      overdueAt: plusMinutes(T0, 91),
      exception: { code: DISPATCH_UNACKNOWLEDGED, since: plusMinutes(T0, 60) },
      gsi3pk: `EXCEPTION#${DISPATCH_UNACKNOWLEDGED}`,
      gsi3sk: `${plusMinutes(T0, 60)}#${orderId}#${fulfillmentIdOf(orderId)}`,
      version: 2,
    });
    expect(events(orderId)).toEqual([
      expect.objectContaining({
        type: 'FulfillmentOverdue',
        actor: 'platform',
        channelId: 'demo-web',
        data: { fulfillmentId: fulfillmentIdOf(orderId), supplierId: 'nordic-home', dispatchedAt: T0, acceptBy: plusMinutes(T0, 60), graceMinutes: 30 },
      }),
    ]);

    h.clock.ms += 3_600_000;
    const second = await sweepDispatches(deps());
    expect(second).toMatchObject({ examined: 1, overdue: 0 });
    expect(events(orderId)).toHaveLength(1);
    expect(h.metrics.addMetric.mock.calls.filter((c) => c[0] === 'FulfillmentsOverdue').map((c) => c[2])).toEqual([1, 0]);
  });

  it.each<[string, 'DISPATCHED' | 'ACCEPTED' | 'PENDING', string]>([
    ['within the grace period', 'DISPATCHED', plusMinutes(T0, 2)],
    ['accepted', 'ACCEPTED', T0],
    ['not dispatched yet', 'PENDING', T0],
  ])('leaves a fulfillment %s alone', async (_name, status, dispatchedAt) => {
    const orderId = seed(1, status, 'IN_FULFILLMENT', dispatchedAt);
    const result = await sweepDispatches(deps());
    expect(result.overdue).toBe(0);
    expect(stored(orderId).gsi3pk).toBeUndefined();
    expect(events(orderId)).toEqual([]);
  });

  it('reads PARTIALLY_SHIPPED orders too (a reroute dispatches after a partial shipment), not RESERVED ones', async () => {
    const partial = seed(1, 'DISPATCHED', 'PARTIALLY_SHIPPED');
    const reserved = seed(2, 'DISPATCHED', 'RESERVED');
    const result = await sweepDispatches(deps());
    expect(result).toMatchObject({ examined: 1, overdue: 1 });
    expect(stored(partial).overdueAt).toBeDefined();
    expect(stored(reserved).overdueAt).toBeUndefined();
  });

  it('a workflow write keeps the index mark while still DISPATCHED, never surfaces it twice, and drops it once answered', async () => {
    const orderId = seed(1, 'DISPATCHED');
    await sweepDispatches(deps());
    // The workflow rewrites the fulfillment (e.g. re-sends the purchase order): the marker is recomputed from its facts.
    const record = toFulfillmentRecord(stored(orderId));
    table.seed(fulfillmentItem(nextFulfillment(record, {}, plusMinutes(T0, 95))));
    expect(stored(orderId).gsi3pk).toBe('EXCEPTION#DISPATCH_UNACKNOWLEDGED');
    expect(stored(orderId).overdueAt).toBe(plusMinutes(T0, 91));
    // The supplier finally answers: the exception is resolved, the index mark leaves with the next write.
    const answered = toFulfillmentRecord(stored(orderId));
    table.seed(fulfillmentItem(nextFulfillment(answered, { status: 'ACCEPTED' }, plusMinutes(T0, 96))));
    expect(stored(orderId).gsi3pk).toBeUndefined();

    const again = await sweepDispatches(deps());
    expect(again.overdue).toBe(0);
    expect(events(orderId)).toHaveLength(1);
  });

  it('a fulfillment the workflow changed meanwhile is not marked (version condition)', async () => {
    const orderId = seed(1, 'DISPATCHED');
    // The sweep read it DISPATCHED (version 1); the supplier's ACCEPTED landed before the sweep's write.
    const staleRead = fulfillment(orderId, { version: 1 });
    table.seed(fulfillmentItem({ ...staleRead, status: 'ACCEPTED', acceptedAt: plusMinutes(T0, 90), version: 2 }));
    const outcome = await transact(deps().store, markOverdueItems(deps(), staleRead, plusMinutes(T0, 60), 30, plusMinutes(T0, 91)));
    expect(outcome.ok).toBe(false);
    expect(stored(orderId)).toMatchObject({ status: 'ACCEPTED', version: 2 });
    expect(stored(orderId).gsi3pk).toBeUndefined();
    expect(events(orderId)).toEqual([]);
  });
});

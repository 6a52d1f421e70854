import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FulfillmentStatus } from '../../../functions/core/workflow/domain/fulfillment-status';
import type { OrderStatus } from '../../../functions/core/orders/domain/order';
import { HOLD_EXPIRED, sweepReservations } from '../../../functions/core/sweeps/services/sweep-reservations';
import { HELD_RESERVATION_SHARDS, keys } from '../../../functions/core/runtime/table/keys';
import { FakeTable } from '../workflow/support/fake-table';
import {
  T0,
  counter,
  fulfillment,
  harness,
  order,
  orderIdOf,
  plusMinutes,
  putCounter,
  putFulfillment,
  putOrder,
  putReservation,
  reservation,
  type Harness,
} from './support';

const ddbMock = mockClient(DynamoDBDocumentClient);
let table: FakeTable;
let h: Harness;

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  h = harness(plusMinutes(T0, 24 * 60));
});

const record = (orderId: string) => table.get(`ORDER#${orderId}`, `RESERVATION#${reservation(orderId).fulfillmentId}#TSHIRT-BLK-M`);

/** An order with one fulfillment holding 2 units of TSHIRT-BLK-M at nordic-home, hold expired `expiredMinutesAgo` ago. */
function seedHeld(n: number, orderStatus: OrderStatus, fulfillmentStatus: FulfillmentStatus, expiredMinutesAgo = 60): string {
  const orderId = orderIdOf(n);
  putOrder(table, order(orderId, { status: orderStatus }));
  putFulfillment(table, fulfillment(orderId, { status: fulfillmentStatus }));
  putReservation(table, reservation(orderId, { holdExpiresAt: plusMinutes(T0, 24 * 60 - expiredMinutesAgo) }));
  return orderId;
}

describe('reservation sweep', () => {
  it('releases an expired hold of a cancelled order exactly once', async () => {
    const orderId = seedHeld(1, 'CANCELLED', 'CANCELLED');
    putCounter(table, 'TSHIRT-BLK-M', 'nordic-home', 5);

    const first = await sweepReservations(h.deps());
    expect(first).toMatchObject({ examined: 1, released: 1, kept: 0, failed: 0 });
    expect(record(orderId)).toMatchObject({ status: 'RELEASED', settleReason: HOLD_EXPIRED, settledAt: plusMinutes(T0, 24 * 60) });
    expect(record(orderId)?.gsi2pk).toBeUndefined();
    expect(counter(table, 'TSHIRT-BLK-M', 'nordic-home')).toBe(3);

    const second = await sweepReservations(h.deps());
    expect(second).toMatchObject({ examined: 0, released: 0 });
    expect(counter(table, 'TSHIRT-BLK-M', 'nordic-home')).toBe(3);
    expect(h.metrics.addMetric.mock.calls.filter((c) => c[0] === 'ReservationsReleased').map((c) => c[2])).toEqual([1, 0]);
  });

  it('releases the hold of a missing order, a rejected fulfillment and a shipped one; keeps a live unshipped one', async () => {
    const missing = orderIdOf(1);
    putReservation(table, reservation(missing, { holdExpiresAt: plusMinutes(T0, 60) }));
    const rejected = seedHeld(2, 'IN_FULFILLMENT', 'REJECTED');
    const shipped = seedHeld(3, 'SHIPPED', 'IN_TRANSIT');
    const live = seedHeld(4, 'IN_FULFILLMENT', 'ACCEPTED');
    putCounter(table, 'TSHIRT-BLK-M', 'nordic-home', 8);

    const result = await sweepReservations(h.deps());
    expect(result).toMatchObject({ examined: 4, released: 3, kept: 1 });
    expect([missing, rejected, shipped, live].map((id) => record(id)?.status)).toEqual(['RELEASED', 'RELEASED', 'RELEASED', 'HELD']);
    expect(counter(table, 'TSHIRT-BLK-M', 'nordic-home')).toBe(2);
  });

  it('sweeps the unsharded RESERVATION#HELD partition of holds written before the sharding', async () => {
    const orderId = seedHeld(1, 'CANCELLED', 'CANCELLED');
    const key = `RESERVATION#${reservation(orderId).fulfillmentId}#TSHIRT-BLK-M`;
    table.seed({ ...(table.get(`ORDER#${orderId}`, key) ?? {}), gsi2pk: 'RESERVATION#HELD' });
    putCounter(table, 'TSHIRT-BLK-M', 'nordic-home', 2);
    await expect(sweepReservations(h.deps())).resolves.toMatchObject({ released: 1 });
    expect(record(orderId)?.status).toBe('RELEASED');
  });

  it('leaves holds that have not expired alone (not even read)', async () => {
    const orderId = seedHeld(1, 'CANCELLED', 'CANCELLED', -5);
    putCounter(table, 'TSHIRT-BLK-M', 'nordic-home', 2);
    const result = await sweepReservations(h.deps());
    expect(result.examined).toBe(0);
    expect(record(orderId)?.status).toBe('HELD');
    expect(counter(table, 'TSHIRT-BLK-M', 'nordic-home')).toBe(2);
  });

  it('a hold someone else settled meanwhile is not released twice', async () => {
    const orderId = seedHeld(1, 'DELIVERED', 'DELIVERED');
    putCounter(table, 'TSHIRT-BLK-M', 'nordic-home', 2);
    // The index still shows it HELD (eventually consistent), the record is CONSUMED already.
    table.seed({ ...record(orderId), status: 'CONSUMED' });
    const result = await sweepReservations(h.deps());
    expect(result.released).toBe(0);
    expect(record(orderId)?.status).toBe('CONSUMED');
    expect(counter(table, 'TSHIRT-BLK-M', 'nordic-home')).toBe(2);
  });

  it('is bounded and resumable over the index shards: cursors carry the next runs past the holds it keeps', async () => {
    // Oldest first: releasable, kept, releasable, kept, kept.
    const plan: Array<['CANCELLED' | 'IN_FULFILLMENT', 'CANCELLED' | 'DISPATCHED']> = [
      ['CANCELLED', 'CANCELLED'],
      ['IN_FULFILLMENT', 'DISPATCHED'],
      ['CANCELLED', 'CANCELLED'],
      ['IN_FULFILLMENT', 'DISPATCHED'],
      ['IN_FULFILLMENT', 'DISPATCHED'],
    ];
    const ids = plan.map(([o, f], i) => seedHeld(i + 1, o, f, 100 - i));
    putCounter(table, 'TSHIRT-BLK-M', 'nordic-home', 10);
    // The holds are spread over several gsi2 shards (by order id).
    const shards = new Set(ids.map((id) => String(table.get(`ORDER#${id}`, `RESERVATION#${reservation(id).fulfillmentId}#TSHIRT-BLK-M`)?.gsi2pk)));
    expect(shards.size).toBeGreaterThan(1);
    for (const shard of shards) expect(shard).toMatch(new RegExp(`^RESERVATION#HELD#[0-${HELD_RESERVATION_SHARDS - 1}]$`));

    // Page limit 2: a cycle over the 9 partitions (8 shards + the legacy one) takes several runs.
    const runs = [];
    for (let i = 0; i < HELD_RESERVATION_SHARDS + 1; i++) runs.push(await sweepReservations(h.deps(2)));
    expect(runs.every((r) => r.examined <= 2)).toBe(true);
    expect(runs.reduce((sum, r) => sum + r.released, 0)).toBe(2);
    expect(ids.map((id) => record(id)?.status)).toEqual(['RELEASED', 'HELD', 'RELEASED', 'HELD', 'HELD']);
    expect(counter(table, 'TSHIRT-BLK-M', 'nordic-home')).toBe(6);
    const state = table.get(keys.sweepState('reservations').pk, '#STATE');
    expect(state).toMatchObject({ entity: 'SweepState', name: 'reservations' });
    // Every query read is bounded by the page limit.
    expect(table.log.filter((l) => l.command === 'Query' && (l.input as { IndexName?: string }).IndexName === 'gsi2').every((l) => ((l.input as { Limit?: number }).Limit ?? 0) <= 2)).toBe(true);
  });
});

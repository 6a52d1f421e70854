import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { complete } from '../../../functions/core/workflow/services/close-order';
import { reroute } from '../../../functions/core/workflow/services/reroute';
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
  routedOrder,
  storedFulfillment,
  storedOrder,
  timelineTypes,
  type World,
} from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
let table: FakeTable;
let world: World;

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
});

const rejected = (r: FulfillmentRecord) => apply(dispatched(r), { type: 'REJECTED', at: at(10), reasons: [{ reason: 'OUT_OF_STOCK', lineNo: 1 }] });
const supplierRejected = { Error: 'SupplierRejected', Cause: '{}' };
const timedOut = { Error: 'States.Timeout', Cause: 'timeout' };

async function routed(mutate: (r: FulfillmentRecord) => FulfillmentRecord, o: WorkflowOrder = order()) {
  const [record] = await routedOrder(world, o, mutate);
  if (record === undefined) throw new Error('no fulfillment');
  table.log.length = 0;
  return toFulfillmentTask(record, NOW, world.deps.settings);
}

describe('Reroute', () => {
  it('supplier rejected: releases its reservation, routes the lines to the next supplier, reserves there', async () => {
    const fulfillment = await routed(rejected);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(2);

    const result = await reroute(world.deps, { fulfillment, error: supplierRejected });

    expect(result).toMatchObject({ outcome: 'REROUTED', additionalFulfillments: 0, fulfillment: { fulfillmentId: F2, supplierId: 'atlantic-outfitters', acceptanceTimeoutSeconds: 240 * 60 } });
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(0);
    expect(offerOf(table, 'TSHIRT-BLK-M', 'atlantic-outfitters').reserved).toBe(2);
    expect(storedFulfillment(table, F2)).toMatchObject({ status: 'PENDING', parentFulfillmentId: F1, lines: [{ lineNo: 1, quantity: 2 }] });
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'REJECTED', reroute: { outcome: 'REROUTED', fulfillmentIds: [F2] } });
    expect(timelineTypes(table)).toEqual(['FulfillmentRerouted']);
    expect(table.entities('Reservation').map((r) => [r.fulfillmentId, r.status])).toEqual([
      [F1, 'RELEASED'],
      [F2, 'HELD'],
    ]);
  });

  it('silence past the acceptance SLA: records TIMED_OUT (FulfillmentRejected) and reroutes', async () => {
    const fulfillment = await routed(dispatched);
    const result = await reroute(world.deps, { fulfillment, error: timedOut });
    expect(result).toMatchObject({ outcome: 'REROUTED', fulfillment: { fulfillmentId: F2 } });
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'REJECTED', rejections: [{ reason: 'TIMED_OUT' }] });
    expect(timelineTypes(table)).toEqual(['FulfillmentRejected', 'FulfillmentRerouted']);
  });

  it('an acceptance that raced the timeout wins: the same fulfillment continues, nothing is written', async () => {
    const fulfillment = await routed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(59) }));
    await expect(reroute(world.deps, { fulfillment, error: timedOut })).resolves.toMatchObject({ outcome: 'REROUTED', fulfillment: { fulfillmentId: F1 } });
    expect(table.log.filter((l) => l.command === 'TransactWrite')).toEqual([]);
  });

  it('no other eligible supplier: the lines are cancelled and a refund requested for their amount', async () => {
    const o = order({ lines: [{ lineNo: 1, sku: 'MUG-ENAMEL-WHT', quantity: 3, unitPriceMinor: 1490 }] });
    const fulfillment = await routed(rejected, o);
    await expect(reroute(world.deps, { fulfillment, error: supplierRejected })).resolves.toEqual({ outcome: 'LINES_CANCELLED', refundRequestedMinor: 4470 });
    expect(storedOrder(table)).toMatchObject({ cancelledLines: [{ lineNo: 1, quantity: 3 }], refundRequestedMinor: 4470 });
    expect(timelineTypes(table)).toEqual(['LinesCancelled', 'RefundRequested']);
    const refund = table.entities('TimelineEvent').find((e) => e.type === 'RefundRequested');
    expect(refund?.data).toMatchObject({ action: 'REFUND', amountMinor: 4470, currency: 'EUR', reason: 'LINES_UNSERVABLE' });
    expect(offerOf(table, 'MUG-ENAMEL-WHT', 'nordic-home').reserved).toBe(0);
  });

  it('units the customer asked to cancel while the supplier was silent are cancelled, not rerouted', async () => {
    const mark = (quantity: number) => (r: FulfillmentRecord): FulfillmentRecord => ({
      ...dispatched(r),
      cancellationRequest: { requestId: 'creq-0123456789abcdef', sourceRequestId: 'cancel-1', lines: [{ lineNo: 1, quantity }], reason: 'customer_request', requestedAt: at(5), respondBy: at(2880) },
    });
    const whole = await routed(mark(2));
    await expect(reroute(world.deps, { fulfillment: whole, error: timedOut })).resolves.toMatchObject({ outcome: 'LINES_CANCELLED' });
    expect(storedOrder(table)).toMatchObject({ cancelledLines: [{ lineNo: 1, quantity: 2 }] });
    expect(timelineTypes(table)).toEqual(['FulfillmentRejected', 'LinesCancelled', 'RefundRequested']);
    expect(table.entities('TimelineEvent').find((e) => e.type === 'RefundRequested')?.data).toMatchObject({ reason: 'CANCELLATION_REQUESTED' });
    expect(offerOf(table, 'TSHIRT-BLK-M', 'atlantic-outfitters').reserved).toBe(0);
  });

  it('a partial cancellation request: the other units are rerouted, the requested ones cancelled', async () => {
    const fulfillment = await routed((r) => ({
      ...dispatched(r),
      cancellationRequest: { requestId: 'creq-0123456789abcdef', sourceRequestId: 'cancel-1', lines: [{ lineNo: 1, quantity: 1 }], reason: 'customer_request', requestedAt: at(5), respondBy: at(2880) },
    }));
    await expect(reroute(world.deps, { fulfillment, error: timedOut })).resolves.toMatchObject({ outcome: 'REROUTED', fulfillment: { fulfillmentId: F2 } });
    expect(storedFulfillment(table, F2)).toMatchObject({ lines: [{ lineNo: 1, quantity: 1 }] });
    expect(storedOrder(table)).toMatchObject({ cancelledLines: [{ lineNo: 1, quantity: 1 }] });
    expect(offerOf(table, 'TSHIRT-BLK-M', 'atlantic-outfitters').reserved).toBe(1);
  });

  it('nothing was charged (payment pending): lines cancelled without a refund request', async () => {
    const o = order({ lines: [{ lineNo: 1, sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPriceMinor: 1490 }], payment: { reference: 'pi', status: 'pending' } });
    const fulfillment = await routed(rejected, o);
    await expect(reroute(world.deps, { fulfillment, error: supplierRejected })).resolves.toEqual({ outcome: 'LINES_CANCELLED', refundRequestedMinor: 0 });
    expect(timelineTypes(table)).toEqual(['LinesCancelled']);
  });

  it('every supplier rejects in turn: exclusions accumulate until the lines are cancelled', async () => {
    const o = order({ lines: [{ lineNo: 1, sku: 'CABLE-USBC-2M', quantity: 2, unitPriceMinor: 1290 }] });
    let fulfillment = await routed(rejected, o);
    const seen = [fulfillment.supplierId];
    for (;;) {
      const result = await reroute(world.deps, { fulfillment, error: supplierRejected });
      if (result.outcome === 'LINES_CANCELLED') break;
      fulfillment = result.fulfillment;
      seen.push(fulfillment.supplierId);
      // the new supplier rejects too
      const stored = storedFulfillment(table, fulfillment.fulfillmentId);
      const next = rejected(stored);
      table.seed({ ...stored, ...next });
    }
    expect(new Set(seen).size).toBe(3);
    expect(storedOrder(table).refundRequestedMinor).toBe(2580);
    for (const s of ['pacific-gadgets', 'nordic-home', 'atlantic-outfitters']) expect(offerOf(table, 'CABLE-USBC-2M', s).reserved).toBe(0);
  });

  it('is idempotent: a repeated call returns the recorded outcome and writes nothing', async () => {
    const fulfillment = await routed(rejected);
    const first = await reroute(world.deps, { fulfillment, error: supplierRejected });
    table.log.length = 0;
    await expect(reroute(world.deps, { fulfillment, error: supplierRejected })).resolves.toEqual(first);
    expect(table.log.filter((l) => l.command === 'TransactWrite')).toEqual([]);
  });

  it('lines split onto several suppliers: the first continues, the others wait for Complete (MORE)', async () => {
    // nordic-home has both lines; without it, the T-shirts go to atlantic and the cables (20 > atlantic's 15) to pacific.
    const o = order({
      lines: [
        { lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 2, unitPriceMinor: 1999 },
        { lineNo: 2, sku: 'CABLE-USBC-2M', quantity: 20, unitPriceMinor: 1290 },
      ],
    });
    const fulfillment = await routed(rejected, o);
    expect(fulfillment.supplierId).toBe('nordic-home');
    const result = await reroute(world.deps, { fulfillment, error: supplierRejected });
    expect(result).toMatchObject({ outcome: 'REROUTED', additionalFulfillments: 1, fulfillment: { fulfillmentId: F2, supplierId: 'atlantic-outfitters' } });
    expect(storedFulfillment(table, 'ful_0123456789abcdefghjkmnpqrs_03')).toMatchObject({ supplierId: 'pacific-gadgets', status: 'PENDING', lines: [{ lineNo: 2, quantity: 20 }] });
    expect(storedOrder(table).cancelledLines).toBeUndefined();

    const more = await complete(world.deps, { orderId: ORDER_ID });
    expect(more).toMatchObject({ outcome: 'MORE', status: 'IN_FULFILLMENT' });
    expect(more.fulfillments.map((f) => f.fulfillmentId)).toEqual([F2, 'ful_0123456789abcdefghjkmnpqrs_03']);
  });
});

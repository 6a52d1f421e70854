/**
 * ReserveAndRoute on a hot offer (settings.hotSkus, docs/hot-sku.md) against the fake table with jittered
 * concurrency: the first reservation splits the stock over the shards, racers reserve on shards (no counter
 * update, no offer check), never above stock, and every reservation remembers its shard so a release finds it.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { deriveOrderId } from '../../../functions/core/kernel/order-id';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { loadCatalog } from '../../../functions/core/inventory/store/catalog';
import { settleReservations, toReservation } from '../../../functions/core/inventory/store/reservations';
import { reserveAndRoute } from '../../../functions/core/workflow/services/reserve-and-route';
import { FakeTable } from './support/fake-table';
import { NOW, catalogItems, makeWorld, order, putOrder, type World } from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const SKU = 'KETTLE-GOOSENECK';
const SUPPLIER = 'nordic-home';
const SHARDS = 4;
let table: FakeTable;
let world: World;

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table, { hotSkus: [{ sku: SKU, supplierId: SUPPLIER, shards: SHARDS }] });
});

const validated = (overrides: Partial<WorkflowOrder>): WorkflowOrder =>
  order({ status: 'VALIDATED', screening: { decision: 'ACCEPT', score: 0, rules: [], at: NOW.toISOString() }, ...overrides });

const shards = () => Array.from({ length: SHARDS }, (_, n) => table.get(`SKUSHARD#${SKU}#${SUPPLIER}#${n}`, '#ALLOCATION'));
const shardReserved = () => shards().reduce((sum, s) => sum + Number(s?.['reserved'] ?? 0), 0);
const stock = () => Number(table.get(`SKU#${SKU}`, `OFFER#${SUPPLIER}`)?.['stock']);

async function race(tag: string, quantities: readonly number[]): Promise<number> {
  const ids = quantities.map((_, i) => deriveOrderId('demo-web', 'api', `${tag}-${i}`));
  ids.forEach((id, i) => putOrder(table, validated({ orderId: id, lines: [{ lineNo: 1, sku: SKU, quantity: quantities[i] ?? 1, unitPriceMinor: 7990 }] })));
  table.jitterMs = 3;
  const results = await Promise.allSettled(ids.map((orderId) => reserveAndRoute(world.deps, { orderId })));
  table.jitterMs = 0;
  // Contention is retried inside the task: no order needs Step Functions' retry (a TransientError) here.
  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  return results.reduce((units, r, i) => units + (r.status === 'fulfilled' && r.value.outcome === 'ROUTED' ? (quantities[i] ?? 0) : 0), 0);
}

describe('ReserveAndRoute on a hot offer (allocation shards)', () => {
  it('200 orders for 10 units: exactly 10 reserved over several shards, the counter marked and holding none, each reservation on its shard', async () => {
    expect(await race('hot', Array.from({ length: 200 }, () => 1))).toBe(10);
    expect(shardReserved()).toBe(10);
    expect(shards().filter((s) => Number(s?.['reserved']) > 0).length).toBeGreaterThan(1);
    expect(shards().every((s) => Number(s?.['free']) >= 0)).toBe(true);
    expect(table.get(`SKU#${SKU}`, `RESERVED#${SUPPLIER}`)).toMatchObject({ shards: SHARDS, reserved: 0 });
    const held = table.entities('Reservation').filter((r) => r['status'] === 'HELD');
    expect(held).toHaveLength(10);
    expect(held.every((r) => typeof r['shard'] === 'number')).toBe(true);
    expect(stock()).toBe(10);
    // The catalog (availability, routing) reads counter + Σ shards.
    expect((await loadCatalog(world.store, [SKU])).offers.find((o) => o.supplierId === SUPPLIER)).toMatchObject({ stock: 10, reserved: 10 });
  }, 30_000);

  it('a release gives the units back to the shard they came from; a multi-unit order takes them after a resplit', async () => {
    expect(await race('first', [3, 3])).toBe(6);
    const held = table.entities('Reservation').filter((r) => r['status'] === 'HELD').map(toReservation);
    const one = held[0];
    if (one === undefined || one.shard === undefined) throw new Error('no sharded reservation');
    const before = table.get(`SKUSHARD#${SKU}#${SUPPLIER}#${one.shard}`, '#ALLOCATION');
    expect(await settleReservations(world.store, [one], 'RELEASE', 'TEST', NOW.toISOString())).toHaveLength(1);
    const after = table.get(`SKUSHARD#${SKU}#${SUPPLIER}#${one.shard}`, '#ALLOCATION');
    expect({ reserved: after?.['reserved'], free: after?.['free'] }).toEqual({ reserved: Number(before?.['reserved']) - 3, free: Number(before?.['free']) + 3 });
    expect(shardReserved()).toBe(3);
    // 7 units: more than any one shard holds free, so the order's shard gets them by a resplit first.
    expect(Math.max(...shards().map((x) => Number(x?.['free'])))).toBeLessThan(7);
    expect(await race('second', [7])).toBe(7);
    expect(shardReserved()).toBe(10);
    expect(await race('third', [1])).toBe(0);
  }, 30_000);

  it('property: random multi-unit orders racing on a hot offer never reserve more than stock, and Σ shards = Σ HELD', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 25 }), async (quantities) => {
        ddbMock.reset();
        table = new FakeTable();
        table.install(ddbMock);
        table.seed(...catalogItems());
        world = makeWorld(table, { hotSkus: [{ sku: SKU, supplierId: SUPPLIER, shards: SHARDS }] });
        const units = await race('prop', quantities);
        const held = table.entities('Reservation').filter((r) => r['status'] === 'HELD').reduce((sum, r) => sum + Number(r['quantity']), 0);
        expect(units).toBeLessThanOrEqual(10);
        expect(shardReserved()).toBe(units);
        expect(held).toBe(units);
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});

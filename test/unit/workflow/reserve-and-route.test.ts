import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { deriveOrderId } from '../../../functions/core/domain/order-id';
import type { Reservation, WorkflowOrder } from '../../../functions/core/domain/types';
import { reserveAndRoute } from '../../../functions/core/services/reserve-and-route';
import { reservationItem } from '../../../functions/core/store/reservations';
import { FakeTable } from './support/fake-table';
import {
  F1,
  F2,
  NOW,
  ORDER_ID,
  catalogItems,
  makeWorld,
  offerOf,
  order,
  putOrder,
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

const validated = (overrides: Partial<WorkflowOrder> = {}): WorkflowOrder =>
  order({ status: 'VALIDATED', screening: { decision: 'ACCEPT', score: 0, rules: [], at: NOW.toISOString() }, ...overrides });
const transactions = () => table.log.filter((l) => l.command === 'TransactWrite');

describe('ReserveAndRoute', () => {
  it('reserves every line, writes one PENDING fulfillment per supplier and moves the order to IN_FULFILLMENT in ONE transaction', async () => {
    putOrder(table, validated());
    const result = await reserveAndRoute(world.deps, { orderId: ORDER_ID });

    expect(result).toEqual({
      outcome: 'ROUTED',
      fulfillments: [
        {
          orderId: ORDER_ID,
          fulfillmentId: F1,
          supplierId: 'nordic-home',
          acceptanceTimeoutSeconds: 3600,
          // ship-by Thu 26 Nov (1 processing day) end of day; deliver-by 4 business days later (Wed 2 Dec)
          shipTimeoutSeconds: Math.ceil((Date.parse('2026-11-26T23:59:59.999Z') - NOW.getTime()) / 1000),
          deliveryTimeoutSeconds: Math.ceil((Date.parse('2026-12-02T23:59:59.999Z') - NOW.getTime()) / 1000),
          shipGraceTimeoutSeconds: 7 * 86400,
          deliveryGraceTimeoutSeconds: 7 * 86400,
        },
      ],
    });
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home')).toEqual({ stock: 100, reserved: 2 });
    expect(storedOrder(table)).toMatchObject({ status: 'IN_FULFILLMENT', version: 2 });
    const f = storedFulfillment(table, F1);
    expect(f).toMatchObject({
      status: 'PENDING',
      supplierId: 'nordic-home',
      lines: [{ lineNo: 1, quantity: 2 }],
      purchaseLines: [{ lineNo: 1, sku: 'TSHIRT-BLK-M', supplierSku: 'NH-TS-0101-M', quantity: 2, unitCostMinor: 980, unitPriceMinor: 1999 }],
      shippingMethod: { code: 'STANDARD' },
      promise: { shipBy: '2026-11-26', deliverBy: '2026-12-02' },
      gsi1pk: 'SUPPLIER#nordic-home',
      gsi1sk: `FULFILLMENT#${F1}`,
    });
    const [reservation] = table.entities('Reservation');
    expect(reservation).toMatchObject({ status: 'HELD', quantity: 2, sku: 'TSHIRT-BLK-M', supplierId: 'nordic-home', fulfillmentId: F1, gsi2pk: 'RESERVATION#HELD' });
    expect(timelineTypes(table)).toEqual(['OrderReserved', 'OrderRouted']);
    expect(transactions()).toHaveLength(1);
  });

  it('splits by supplier when no single supplier has every line', async () => {
    putOrder(
      table,
      validated({
        lines: [
          { lineNo: 1, sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPriceMinor: 1490 },
          { lineNo: 2, sku: 'EARBUDS-WL-BLK', quantity: 1, unitPriceMinor: 6990 },
        ],
      }),
    );
    const result = await reserveAndRoute(world.deps, { orderId: ORDER_ID });
    expect(result.fulfillments.map((f) => [f.fulfillmentId, f.supplierId])).toEqual([
      [F1, 'nordic-home'],
      [F2, 'pacific-gadgets'],
    ]);
    expect(offerOf(table, 'MUG-ENAMEL-WHT', 'nordic-home').reserved).toBe(1);
    expect(offerOf(table, 'EARBUDS-WL-BLK', 'pacific-gadgets').reserved).toBe(1);
    expect(transactions()).toHaveLength(1);
  });

  it('two lines of one SKU claim the offer once, with the summed quantity', async () => {
    putOrder(
      table,
      validated({
        lines: [
          { lineNo: 1, sku: 'KETTLE-GOOSENECK', quantity: 4, unitPriceMinor: 7990 },
          { lineNo: 2, sku: 'KETTLE-GOOSENECK', quantity: 6, unitPriceMinor: 7990 },
        ],
      }),
    );
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ outcome: 'ROUTED' });
    expect(offerOf(table, 'KETTLE-GOOSENECK', 'nordic-home')).toEqual({ stock: 10, reserved: 10 });
    expect(table.entities('Reservation').map((r) => r.quantity)).toEqual([10]);
  });

  it('OUT_OF_STOCK when a line cannot be served: nothing is reserved or written', async () => {
    putOrder(table, validated({ lines: [{ lineNo: 1, sku: 'KETTLE-GOOSENECK', quantity: 11, unitPriceMinor: 7990 }] }));
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'OUT_OF_STOCK', fulfillments: [] });
    expect(transactions()).toEqual([]);
    expect(offerOf(table, 'KETTLE-GOOSENECK', 'nordic-home').reserved).toBe(0);
  });

  it('re-entry returns the live fulfillments as they are (no new reservation)', async () => {
    await routedOrder(world, order({ lines: [{ lineNo: 1, sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPriceMinor: 1490 }, { lineNo: 2, sku: 'EARBUDS-WL-BLK', quantity: 1, unitPriceMinor: 6990 }] }), (r, i) =>
      i === 0 ? { ...r, status: 'REJECTED', rejectedAt: NOW.toISOString() } : { ...r, status: 'DISPATCHED', dispatchedAt: NOW.toISOString() },
    );
    table.log.length = 0;
    const result = await reserveAndRoute(world.deps, { orderId: ORDER_ID });
    expect(result).toMatchObject({ outcome: 'ROUTED', fulfillments: [{ fulfillmentId: F2, supplierId: 'pacific-gadgets' }] });
    expect(result.fulfillments).toHaveLength(1);
    expect(transactions()).toEqual([]);
  });

  it('releases reservations an interrupted attempt left HELD, then routes again (never double-reserves)', async () => {
    putOrder(table, validated());
    const leftover: Reservation = {
      orderId: ORDER_ID,
      fulfillmentId: F1,
      sku: 'TSHIRT-BLK-M',
      supplierId: 'nordic-home',
      quantity: 2,
      status: 'HELD',
      createdAt: NOW.toISOString(),
      holdExpiresAt: NOW.toISOString(),
    };
    table.seed(reservationItem(leftover));
    const offer = table.get('SKU#TSHIRT-BLK-M', 'OFFER#nordic-home');
    table.seed({ ...offer, reserved: 2 });
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ outcome: 'ROUTED' });
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(2);
    expect(table.entities('Reservation').map((r) => [r.fulfillmentId, r.status])).toEqual([
      [F1, 'RELEASED'],
      [F2, 'HELD'],
    ]);
    expect(table.entities('Fulfillment').map((f) => f.fulfillmentId)).toEqual([F2]);
  });

  it.each(['CANCELLED', 'REJECTED'] as const)('a %s order is not reserved (OUT_OF_STOCK → CancelOrder, which is a no-op)', async (status) => {
    putOrder(table, order({ status }));
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'OUT_OF_STOCK', fulfillments: [] });
    expect(transactions()).toEqual([]);
  });

  it('an order still ON_HOLD is a WorkflowStateError', async () => {
    putOrder(table, order({ status: 'ON_HOLD', holdReason: 'AWAITING_PAYMENT' }));
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).rejects.toMatchObject({ name: 'WorkflowStateError' });
  });

  it('endless contention ends in a TransientError (Step Functions retries with backoff)', async () => {
    putOrder(table, validated());
    for (let i = 0; i < 20; i++) {
      table.failNext.push({
        command: 'TransactWrite',
        error: new TransactionCanceledException({ message: 'conflict', $metadata: {}, CancellationReasons: [{ Code: 'TransactionConflict' }] }),
      });
    }
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).rejects.toMatchObject({ name: 'TransientError' });
    expect(offerOf(table, 'TSHIRT-BLK-M', 'nordic-home').reserved).toBe(0);
  });
});

describe('ReserveAndRoute under concurrency', () => {
  async function race(
    count: number,
    quantity: (i: number) => number,
    duringRace?: () => void,
  ): Promise<{ routed: number; units: number; outcomes: ('ROUTED' | 'OUT_OF_STOCK' | 'ERROR')[] }> {
    const ids = Array.from({ length: count }, (_, i) => deriveOrderId('demo-web', 'api', `race-${i}`));
    ids.forEach((id, i) =>
      putOrder(table, validated({ orderId: id, lines: [{ lineNo: 1, sku: 'KETTLE-GOOSENECK', quantity: quantity(i), unitPriceMinor: 7990 }] })),
    );
    table.jitterMs = 3;
    duringRace?.();
    const results = await Promise.allSettled(ids.map((orderId) => reserveAndRoute(world.deps, { orderId })));
    table.jitterMs = 0;
    let routed = 0;
    let units = 0;
    const outcomes = results.map((r, i) => {
      if (r.status === 'rejected') return 'ERROR' as const;
      if (r.value.outcome === 'ROUTED') {
        routed += 1;
        units += quantity(i);
      }
      return r.value.outcome;
    });
    return { routed, units, outcomes };
  }

  it('200 orders racing for 10 units: exactly 10 reserved, 0 oversold', async () => {
    const { routed } = await race(200, () => 1);
    const offer = offerOf(table, 'KETTLE-GOOSENECK', 'nordic-home');
    expect(offer).toEqual({ stock: 10, reserved: 10 });
    expect(routed).toBe(10);
    const held = table.entities('Reservation').filter((r) => r.status === 'HELD');
    expect(held.reduce((s, r) => s + Number(r.quantity), 0)).toBe(10);
    expect(table.entities('Fulfillment')).toHaveLength(10);
  }, 30_000);

  it('property: random quantities racing never reserve more than stock, and reserved = Σ HELD reservations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 12 }), async (quantities) => {
        ddbMock.reset();
        table = new FakeTable();
        table.install(ddbMock);
        table.seed(...catalogItems());
        world = makeWorld(table);
        const { units, outcomes } = await race(quantities.length, (i) => quantities[i] ?? 1);
        const offer = offerOf(table, 'KETTLE-GOOSENECK', 'nordic-home');
        const held = table.entities('Reservation').filter((r) => r.status === 'HELD').reduce((s, r) => s + Number(r.quantity), 0);
        expect(offer.reserved).toBeLessThanOrEqual(offer.stock);
        expect(offer.reserved).toBe(held);
        expect(offer.reserved).toBe(units);
        // and nothing servable was refused: every loser wanted more than what is left
        outcomes.forEach((outcome, i) => {
          expect(outcome).not.toBe('ERROR');
          if (outcome === 'OUT_OF_STOCK') expect(quantities[i]).toBeGreaterThan(offer.stock - offer.reserved);
        });
      }),
      { numRuns: 15 },
    );
  }, 60_000);

  it('a feed lowering stock mid-race makes racers re-read: still never reserved above stock', async () => {
    const { routed } = await race(40, () => 1, () => {
      setTimeout(() => {
        const offer = table.get('SKU#KETTLE-GOOSENECK', 'OFFER#nordic-home');
        table.seed({ ...offer, stock: 4 });
      }, 1);
    });
    const offer = offerOf(table, 'KETTLE-GOOSENECK', 'nordic-home');
    expect(offer.reserved).toBe(routed);
    // Reservations that won before the drop stay (they exceed the new stock only if they were made first);
    // no reservation was made against a stock value that had already dropped.
    expect(offer.reserved).toBeLessThanOrEqual(10);
  }, 30_000);
});

describe('ReserveAndRoute: orders too large for one transaction', () => {
  const many = 60;
  beforeEach(() => {
    table.seed(
      ...catalogItems(
        Array.from({ length: many }, (_, i) => ({
          sku: `BULK-${String(i).padStart(2, '0')}`,
          retailPriceMinor: 500,
          offers: [{ supplierId: 'nordic-home', supplierSku: `NH-BULK-${i}`, wholesaleCostMinor: 100, stock: 5 }],
        })),
      ),
    );
  });
  const bulkOrder = () =>
    validated({ lines: Array.from({ length: many }, (_, i) => ({ lineNo: i + 1, sku: `BULK-${String(i).padStart(2, '0')}`, quantity: 1, unitPriceMinor: 500 })) });

  it('reserves in chunks, then writes fulfillments and order: everything reserved once', async () => {
    putOrder(table, bulkOrder());
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ outcome: 'ROUTED', fulfillments: [{ fulfillmentId: F1 }] });
    expect(transactions().length).toBeGreaterThan(1);
    for (let i = 0; i < many; i++) expect(offerOf(table, `BULK-${String(i).padStart(2, '0')}`, 'nordic-home').reserved).toBe(1);
    expect(storedOrder(table).status).toBe('IN_FULFILLMENT');
  });

  it('a failed chunk releases the chunks before it (all or nothing), and the retry succeeds', async () => {
    putOrder(table, bulkOrder());
    // Second chunk loses a race on one offer: the first chunk must be released before the re-read.
    const lastSku = `BULK-${String(many - 1).padStart(2, '0')}`;
    const offer = table.get(`SKU#${lastSku}`, 'OFFER#nordic-home');
    table.seed({ ...offer, reserved: 5 });
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'OUT_OF_STOCK', fulfillments: [] });
    for (let i = 0; i < many - 1; i++) expect(offerOf(table, `BULK-${String(i).padStart(2, '0')}`, 'nordic-home').reserved).toBe(0);
    expect(table.entities('Reservation').filter((r) => r.status === 'HELD')).toEqual([]);
  });
});

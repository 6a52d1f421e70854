import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { reserveAndRoute } from '../../../functions/core/workflow/services/reserve-and-route';
import { FakeTable } from '../workflow/support/fake-table';
import { catalogItems, makeWorld, NOW, order, ORDER_ID, putOrder, storedFulfillment, timelineTypes, F1, type World } from '../workflow/support/world';

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

/** A scorecard day of nordic-home: `shipped` fulfillments with a first scan, `onTime` of them before ship-by. */
const day = (shipped: number, onTime: number, daysAgo = 1) => ({
  pk: 'SCORECARD#nordic-home',
  sk: `DAY#${new Date(NOW.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10)}`,
  entity: 'ScorecardDay',
  supplierId: 'nordic-home',
  shipped,
  shippedOnTime: onTime,
});

describe('routing uses the scorecards (stage default: on-time ship rate < 90 % over 30 days, at least 10 counted)', () => {
  it('without a scorecard the T-shirts go to nordic-home (priority 1, one shipment)', async () => {
    putOrder(table, validated());
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ outcome: 'ROUTED', fulfillments: [{ supplierId: 'nordic-home' }] });
    expect(timelineTypes(table)).toEqual(['OrderReserved', 'OrderRouted']);
  });

  it('8 of 12 shipped on time: nordic-home moves down, atlantic-outfitters ships, and the order says why (SupplierDemoted)', async () => {
    table.seed(day(12, 8));
    putOrder(table, validated());
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ outcome: 'ROUTED', fulfillments: [{ supplierId: 'atlantic-outfitters' }] });
    expect(storedFulfillment(table, F1).supplierId).toBe('atlantic-outfitters');
    expect(timelineTypes(table)).toEqual(['OrderReserved', 'OrderRouted', 'SupplierDemoted']);
    const event = table.entities('TimelineEvent').find((e) => e.type === 'SupplierDemoted');
    expect(event?.data).toEqual({ supplierId: 'nordic-home', metric: 'onTimeShipRate30d', value: 0.6667, threshold: 0.9, sample: 12, chosenSupplierId: 'atlantic-outfitters' });
  });

  it('too small a sample, or old figures outside the 30 days, demote no one', async () => {
    table.seed(day(5, 0), day(40, 0, 45));
    putOrder(table, validated());
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ fulfillments: [{ supplierId: 'nordic-home' }] });
  });

  it('a demoted supplier still ships what no one else can (the mug: only nordic-home offers it)', async () => {
    table.seed(day(12, 0));
    putOrder(table, validated({ lines: [{ lineNo: 1, sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPriceMinor: 1490 }] }));
    await expect(reserveAndRoute(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ fulfillments: [{ supplierId: 'nordic-home' }] });
    expect(timelineTypes(table)).not.toContain('SupplierDemoted');
  });
});

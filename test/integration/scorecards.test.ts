/**
 * Supplier scorecards end to end on the local runtime (docs/scorecards.md): SCRIPTED suppliers answer real orders
 * (messages on their inbound queues), the domain events reach the scorecard consumer through the bus rule of the
 * synthesized template and each fact is counted once on today's day item; GET /ops/suppliers/{id}/scorecard
 * (signed like an operator, local/tools/ops-client.ts) adds up a hand-computed fixture of past days and today;
 * routing demotes the supplier below the on-time threshold (timeline `SupplierDemoted` on the order and the bus
 * event), and stops when its fixture is gone. Every wait has a deadline.
 *
 * The integration files share one runtime and run one after another: other files' orders also count on today's
 * day items, so the live facts are asserted as differences, and today's item (whatever it holds) is part of the
 * expected figures; the fixture days (3, 4 and 45 days ago) are written here and deleted afterwards.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { opsFetch } from '../../local/tools/ops-client';
import { trackingFor } from '../../local/tools/supplier-plan';
import { documentClient, endpoints, obj } from './helpers';
import { busEvents, dispatchedFulfillment, fulfillments, fulfillmentWhen, getOrder, placeOrder, shipmentCount, supplierSays, timelineTypes, waitFor, waitForStatus } from './workflow-helpers';

const NORDIC = 'nordic-home';
const PACIFIC = 'pacific-gadgets';
/** Waits of this file (cold functions on a shared 2-core machine). */
const WAIT_MS = 45_000;

const COUNTERS = ['dispatched', 'accepted', 'rejected', 'cancelled', 'shipped', 'shippedOnTime', 'invalidTracking', 'delivered', 'deliveredLate', 'ret_defective'] as const;
type Counter = (typeof COUNTERS)[number];
type Counts = Record<Counter, number>;

const dayOf = (daysAgo: number): string => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

/**
 * The hand-computed fixture: nordic-home's last weeks, shipped mostly late. Past days only (facts of the tests
 * happen today). 45 days ago counts in the 90-day window only.
 */
const FIXTURE: readonly { readonly daysAgo: number; readonly counts: Partial<Counts> & { readonly buckets?: Readonly<Record<number, number>> } }[] = [
  // 3 days ago: 40 dispatched, 36 accepted (30 within 30 min, 6 within 2 h), 4 rejected, 30 shipped of which 6 on time, 30 delivered (3 late), 2 returned defective.
  { daysAgo: 3, counts: { dispatched: 40, accepted: 36, rejected: 4, shipped: 30, shippedOnTime: 6, delivered: 30, deliveredLate: 3, ret_defective: 2, buckets: { 2: 30, 4: 6 } } },
  // 4 days ago: 30 dispatched, 30 accepted within 15 min, 2 cancelled, 30 shipped of which 3 on time, 1 unverified tracking number.
  { daysAgo: 4, counts: { dispatched: 30, accepted: 30, cancelled: 2, shipped: 30, shippedOnTime: 3, invalidTracking: 1, buckets: { 1: 30 } } },
  // 45 days ago (90-day window only): 100 dispatched, accepted within 5 min, shipped on time.
  { daysAgo: 45, counts: { dispatched: 100, accepted: 100, shipped: 100, shippedOnTime: 100, delivered: 100, buckets: { 0: 100 } } },
];

const table = (): string => endpoints().dynamodb.tableName;
const dayKey = (supplierId: string, day: string) => ({ pk: `SCORECARD#${supplierId}`, sk: `DAY#${day}` });

async function dayItem(supplierId: string, day: string): Promise<Record<string, unknown>> {
  return (await documentClient().send(new GetCommand({ TableName: table(), Key: dayKey(supplierId, day), ConsistentRead: true }))).Item ?? {};
}
const countsOf = (item: Record<string, unknown>): Counts => Object.fromEntries(COUNTERS.map((c) => [c, typeof item[c] === 'number' ? item[c] : 0])) as Counts;
const bucketsOf = (item: Record<string, unknown>): number[] => Array.from({ length: 10 }, (_, i) => (typeof item[`b${i}`] === 'number' ? Number(item[`b${i}`]) : 0));

async function seedFixture(): Promise<void> {
  for (const { daysAgo, counts } of FIXTURE) {
    const { buckets = {}, ...counters } = counts;
    const day = dayOf(daysAgo);
    const item = { ...dayKey(NORDIC, day), entity: 'ScorecardDay', supplierId: NORDIC, day, ...counters, ...Object.fromEntries(Object.entries(buckets).map(([i, n]) => [`b${i}`, n])) };
    await documentClient().send(new PutCommand({ TableName: table(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }
}
async function removeFixture(): Promise<void> {
  for (const { daysAgo } of FIXTURE) await documentClient().send(new DeleteCommand({ TableName: table(), Key: dayKey(NORDIC, dayOf(daysAgo)) }));
}

async function scorecard(supplierId: string): Promise<Record<string, unknown>> {
  const res = await opsFetch(endpoints(), 'GET', `/ops/suppliers/${supplierId}/scorecard`);
  expect(res.status).toBe(200);
  return obj(await res.json());
}

/** A rate as the API gives it: 4 decimals, null without a sample. */
const rate = (numerator: number, sample: number) => ({ rate: sample === 0 ? null : Math.round((numerator / sample) * 10_000) / 10_000, numerator, sample });

/** Accept, ship, scan and deliver a fulfillment (each step applied before the next). */
async function deliver(orderId: string, supplierId: string, carrierMethod: string): Promise<void> {
  const f = await dispatchedFulfillment(orderId, supplierId, WAIT_MS);
  const fulfillmentId = String(f['fulfillmentId']);
  const { carrier, trackingNumber } = trackingFor(carrierMethod);
  await supplierSays(supplierId, { type: 'ACCEPTED', fulfillmentId });
  await fulfillmentWhen(orderId, fulfillmentId, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED', WAIT_MS);
  await supplierSays(supplierId, { type: 'SHIPPED', fulfillmentId, carrier, trackingNumber, lines: [{ lineNo: 1, quantity: 1 }] });
  await fulfillmentWhen(orderId, fulfillmentId, 'with a shipment', (x) => shipmentCount(x) > 0, WAIT_MS);
  await supplierSays(supplierId, { type: 'TRACKING_EVENT', fulfillmentId, trackingNumber, event: 'CARRIER_PICKED_UP' });
  await fulfillmentWhen(orderId, fulfillmentId, 'in transit', (x) => x['status'] !== 'ACCEPTED', WAIT_MS);
  await supplierSays(supplierId, { type: 'DELIVERED', fulfillmentId, trackingNumber });
  await waitForStatus(orderId, 'DELIVERED', WAIT_MS);
}

describe('supplier scorecards on the local runtime (scripted suppliers)', () => {
  afterAll(removeFixture);

  it('each fact of two suppliers\' orders is counted once on today\'s day item: one delivered at pacific-gadgets, one rejected at nordic-home', async () => {
    const today = dayOf(0);
    const before = { pacific: countsOf(await dayItem(PACIFIC, today)), nordic: countsOf(await dayItem(NORDIC, today)) };

    // Earbuds are only at pacific-gadgets: accepted, shipped, scanned before the ship-by date, delivered.
    const delivered = await placeOrder({ lines: [{ sku: 'EARBUDS-WL-BLK', quantity: 1, unitPrice: '69.90' }] });
    // The enamel mug is only at nordic-home: rejected, nobody else can serve it.
    const rejected = await placeOrder({ lines: [{ sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPrice: '14.90' }] });
    const mug = await dispatchedFulfillment(rejected, NORDIC, WAIT_MS);
    await supplierSays(NORDIC, { type: 'REJECTED', fulfillmentId: String(mug['fulfillmentId']), lines: [{ lineNo: 1, reason: 'OUT_OF_STOCK' }] });
    await deliver(delivered, PACIFIC, 'UPS');
    await waitForStatus(rejected, 'CANCELLED', WAIT_MS);

    const expected = {
      pacific: { ...before.pacific, dispatched: before.pacific.dispatched + 1, accepted: before.pacific.accepted + 1, shipped: before.pacific.shipped + 1, shippedOnTime: before.pacific.shippedOnTime + 1, delivered: before.pacific.delivered + 1 },
      nordic: { ...before.nordic, dispatched: before.nordic.dispatched + 1, rejected: before.nordic.rejected + 1 },
    };
    // Wait (with a deadline) until the day items hold exactly the expected counts; on timeout the last read is compared.
    let last: { pacific: Counts; nordic: Counts } | undefined;
    await waitFor(
      'the facts on today\'s day items',
      async () => {
        last = { pacific: countsOf(await dayItem(PACIFIC, today)), nordic: countsOf(await dayItem(NORDIC, today)) };
        return JSON.stringify(last) === JSON.stringify(expected) ? last : undefined;
      },
      WAIT_MS,
      300,
    ).catch(() => undefined);
    expect(last).toEqual(expected);
  }, 240_000);

  it('GET /ops/suppliers/{id}/scorecard adds up the fixture days and today as computed by hand; nordic-home is demoted', async () => {
    await seedFixture();
    const today = dayOf(0);
    const item = await dayItem(NORDIC, today);
    const t = countsOf(item);
    const tb = bucketsOf(item);
    const card = await scorecard(NORDIC);
    // 30 days: the fixture of 3 and 4 days ago (70 dispatched, 66 accepted, 4 rejected, 2 cancelled, 60 shipped of which 9 on
    // time, 1 unverified, 30 delivered of which 3 late, 2 defective returns) plus whatever today holds.
    const last30 = {
      days: 30,
      from: dayOf(29),
      to: today,
      accepted: 66 + t.accepted,
      onTimeShipRate: rate(9 + t.shippedOnTime, 60 + t.shipped),
      rejectionRate: rate(4 + t.rejected, 66 + 4 + t.accepted + t.rejected),
      cancellationRate: rate(2 + t.cancelled, 70 + t.dispatched),
      invalidTrackingRate: rate(1 + t.invalidTracking, 60 + t.shipped),
      lateDeliveryRate: rate(3 + t.deliveredLate, 30 + t.delivered),
    };
    expect(card).toMatchObject({ supplierId: NORDIC, last30Days: last30 });
    expect(obj(obj(card['last30Days'])['returnRateByReason'])['defective']).toEqual(rate(2 + t.ret_defective, 30 + t.delivered));
    // Acceptance: 30 within 15 min + 30 within 30 min + 6 within 2 h (+ today's): with today's few, p50 is the 30-minute
    // bucket (cumulative 60 of 66+ reaches half) and p90 the 2-hour bucket.
    const buckets = [0, 30, 30, 0, 6, 0, 0, 0, 0, 0].map((n, i) => n + (tb[i] ?? 0));
    const total = buckets.reduce((a, b) => a + b, 0);
    const percentile = (p: number): number | null => {
      let cumulative = 0;
      for (const [i, n] of buckets.entries()) if ((cumulative += n) >= Math.ceil(p * total)) return [5, 15, 30, 60, 120, 240, 480, 1440, 2880][i] ?? null;
      return null;
    };
    expect(obj(card['last30Days'])).toMatchObject({ acceptanceMinutesP50: percentile(0.5), acceptanceMinutesP90: percentile(0.9) });
    // 90 days: plus 45 days ago (100 dispatched, accepted, shipped on time, delivered).
    expect(obj(card['last90Days'])).toMatchObject({ days: 90, accepted: 166 + t.accepted, onTimeShipRate: rate(109 + t.shippedOnTime, 160 + t.shipped) });
    // Below 90 % on time over 30 days with at least 10 shipped: demoted.
    expect(obj(card['demotion'])).toMatchObject({ supplierId: NORDIC, metric: 'onTimeShipRate30d', threshold: 0.9 });
  }, 120_000);

  it('routing passes over the demoted supplier, never silently: SupplierDemoted on the order\'s timeline and the bus; without the fixture it routes as before', async () => {
    // Insulated bottles: nordic-home (priority 1) and pacific-gadgets. The fixture of the previous test is in place.
    const demotedOrder = await placeOrder({ lines: [{ sku: 'BOTTLE-STEEL-750', quantity: 1, unitPrice: '29.90' }] });
    await dispatchedFulfillment(demotedOrder, PACIFIC, WAIT_MS);
    expect((await fulfillments(demotedOrder)).map((f) => f['supplierId'])).toEqual([PACIFIC]);
    const order = await getOrder(demotedOrder);
    const entry = (Array.isArray(order['timeline']) ? (order['timeline'] as Record<string, unknown>[]) : []).find((e) => e['type'] === 'SupplierDemoted');
    expect(entry).toMatchObject({ actor: 'platform', message: expect.stringContaining(`${NORDIC} moved down the routing order: onTimeShipRate30d`) });
    const events = await waitFor(
      'SupplierDemoted on the bus',
      async () => {
        const found = await busEvents(demotedOrder, 'SupplierDemoted');
        return found.length > 0 ? found : undefined;
      },
      WAIT_MS,
      300,
    );
    expect(obj(events[0]?.detail['data'])).toMatchObject({ supplierId: NORDIC, metric: 'onTimeShipRate30d', threshold: 0.9, chosenSupplierId: PACIFIC });

    await removeFixture();
    const plainOrder = await placeOrder({ lines: [{ sku: 'BOTTLE-STEEL-750', quantity: 1, unitPrice: '29.90' }] });
    await dispatchedFulfillment(plainOrder, NORDIC, WAIT_MS);
    expect(timelineTypes(await getOrder(plainOrder))).not.toContain('SupplierDemoted');
    expect(obj(await scorecard(NORDIC))['demotion'] ?? null).toBeNull();
  }, 180_000);
});

/**
 * The SHIPPED fact (first carrier scan) and the scan events: every scan after the first yields the same fact, so
 * the updater reads its count marker first and writes nothing once it is counted. Out of order, retried or
 * concurrent, the fact is counted exactly once, on the day of the first scan.
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { applyScorecardEvent } from '../../../functions/core/scorecards/services/scorecards';
import { factsOf, shippedCountKey } from '../../../functions/core/scorecards/domain/facts';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { fulfillmentItem } from '../../../functions/core/workflow/store/fulfillments';
import { apply, at, dispatched, F1, order, routedOrder } from '../workflow/support/world';
import { bus, ids, scorecardWorld, UPS } from './support';

const sw = scorecardWorld();
const { deps } = sw;
const scan = (event: string, when: string) => bus('TrackingUpdated', when, { ...ids, trackingNumber: UPS, event });
const shipped = (r: FulfillmentRecord): FulfillmentRecord =>
  apply(dispatched(r), { type: 'ACCEPTED', at: at(5) }, { type: 'SHIPPED', at: at(60), trackingNumber: UPS, carrier: 'UPS', lines: [{ lineNo: 1, quantity: 2 }] });
/** Calls since the seeding (which writes the order through the real allocation code). */
let seeded = { transactions: 0, reads: 0 };
const transactions = (): number => sw.ddbMock.commandCalls(TransactWriteCommand).length - seeded.transactions;
const reads = (): number => sw.ddbMock.commandCalls(GetCommand).length - seeded.reads;
const day = (when: string) => sw.table.get('SCORECARD#nordic-home', `DAY#${when.slice(0, 10)}`);

let record: FulfillmentRecord;
async function seed(mutate: (r: FulfillmentRecord) => FulfillmentRecord): Promise<void> {
  [record] = (await routedOrder(sw.world, order(), mutate)) as [FulfillmentRecord];
  seeded = { transactions: sw.ddbMock.commandCalls(TransactWriteCommand).length, reads: sw.ddbMock.commandCalls(GetCommand).length };
}
/** A later supplier message applied to the stored fulfillment (what SuppliersInbound writes). */
function store(...events: Parameters<typeof apply>[1][]): void {
  record = apply(record, ...events);
  sw.table.seed(fulfillmentItem(record));
}

describe('SHIPPED: counted once, later scans write nothing', () => {
  it('the first scan counts; each later scan reads only the marker (no fulfillment read, no transaction)', async () => {
    await seed(shipped);
    store({ type: 'TRACKING', at: at(120), trackingNumber: UPS, code: 'CARRIER_PICKED_UP' });
    await expect(applyScorecardEvent(deps(), scan('CARRIER_PICKED_UP', at(121)))).resolves.toEqual({ counted: 1, facts: 1 });
    expect(transactions()).toBe(1);
    store({ type: 'TRACKING', at: at(300), trackingNumber: UPS, code: 'IN_TRANSIT' }, { type: 'TRACKING', at: at(600), trackingNumber: UPS, code: 'OUT_FOR_DELIVERY' });
    const readsBefore = reads();
    await expect(applyScorecardEvent(deps(), scan('IN_TRANSIT', at(301)))).resolves.toEqual({ counted: 0, facts: 1 });
    await expect(applyScorecardEvent(deps(), scan('OUT_FOR_DELIVERY', at(601)))).resolves.toEqual({ counted: 0, facts: 1 });
    expect(transactions()).toBe(1);
    expect(reads() - readsBefore).toBe(2);
    expect(day(at(120))).toMatchObject({ shipped: 1, shippedOnTime: 1 });
  });

  it('out of order: a later scan processed before the first one counts the fact (first scan time), the first scan then writes nothing', async () => {
    await seed(shipped);
    // Both scans are stored before the updater sees either; EventBridge hands over IN_TRANSIT first.
    store({ type: 'TRACKING', at: at(120), trackingNumber: UPS, code: 'CARRIER_PICKED_UP' }, { type: 'TRACKING', at: at(300), trackingNumber: UPS, code: 'IN_TRANSIT' });
    await expect(applyScorecardEvent(deps(), scan('IN_TRANSIT', at(301)))).resolves.toEqual({ counted: 1, facts: 1 });
    await expect(applyScorecardEvent(deps(), scan('CARRIER_PICKED_UP', at(121)))).resolves.toEqual({ counted: 0, facts: 1 });
    // A retried delivery of either changes nothing.
    await expect(applyScorecardEvent(deps(), scan('IN_TRANSIT', at(301)))).resolves.toEqual({ counted: 0, facts: 1 });
    expect(transactions()).toBe(1);
    expect(sw.table.get(`SCORECARD#COUNTED#${shippedCountKey(F1)}`, '#COUNTED')).toMatchObject({ day: at(120).slice(0, 10) });
    expect(day(at(120))).toMatchObject({ shipped: 1 });
  });

  it('a scan whose updater never ran (failed to the DLQ) is covered by the next scan: still counted once', async () => {
    await seed(shipped);
    store({ type: 'TRACKING', at: at(120), trackingNumber: UPS, code: 'CARRIER_PICKED_UP' }, { type: 'TRACKING', at: at(300), trackingNumber: UPS, code: 'IN_TRANSIT' });
    await expect(applyScorecardEvent(deps(), scan('IN_TRANSIT', at(301)))).resolves.toEqual({ counted: 1, facts: 1 });
    expect(day(at(120))).toMatchObject({ shipped: 1 });
  });

  it('two scans at once that both miss the marker: the transaction condition still counts one', async () => {
    await seed(shipped);
    store({ type: 'TRACKING', at: at(120), trackingNumber: UPS, code: 'CARRIER_PICKED_UP' }, { type: 'TRACKING', at: at(300), trackingNumber: UPS, code: 'IN_TRANSIT' });
    const results = await Promise.all([applyScorecardEvent(deps(), scan('CARRIER_PICKED_UP', at(121))), applyScorecardEvent(deps(), scan('IN_TRANSIT', at(301)))]);
    expect(results.map((r) => r.counted).sort()).toEqual([0, 1]);
    expect(day(at(120))).toMatchObject({ shipped: 1 });
  });

  it('a label (TrackingUpdated LABEL_CREATED) before any scan counts nothing', async () => {
    await seed(shipped);
    await expect(applyScorecardEvent(deps(), bus('TrackingUpdated', at(61), { ...ids, trackingNumber: UPS, event: 'LABEL_CREATED' }))).resolves.toEqual({ counted: 0, facts: 0 });
    expect(transactions()).toBe(0);
  });
});

describe('ShipmentCreated: a label, only unverified tracking counts', () => {
  it('a verified parcel yields no fact and reads nothing; an unverified one counts INVALID_TRACKING once', async () => {
    await seed(shipped);
    await expect(applyScorecardEvent(deps(), bus('ShipmentCreated', at(60), { ...ids, trackingNumber: UPS }))).resolves.toEqual({ counted: 0, facts: 0 });
    expect(reads()).toBe(0);
    const unverified = bus('ShipmentCreated', at(60), { ...ids, trackingNumber: 'ZZ123', trackingUnverified: true });
    await expect(applyScorecardEvent(deps(), unverified)).resolves.toEqual({ counted: 1, facts: 1 });
    await expect(applyScorecardEvent(deps(), unverified)).resolves.toEqual({ counted: 0, facts: 1 });
    expect(day(at(60))).toMatchObject({ invalidTracking: 1 });
    expect(day(at(60))?.['shipped']).toBeUndefined();
  });

  it('facts: the SHIPPED count key is the one the updater checks; a ShipmentCreated never yields SHIPPED, even after a scan', async () => {
    await seed(shipped);
    const r = apply(record, { type: 'TRACKING', at: at(120), trackingNumber: UPS, code: 'IN_TRANSIT' });
    expect(factsOf('TrackingUpdated', at(121), ids, r).map((f) => f.countKey)).toEqual([shippedCountKey(F1)]);
    expect(factsOf('ShipmentCreated', at(61), { ...ids, trackingNumber: UPS }, r)).toEqual([]);
  });
});

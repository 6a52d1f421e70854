import { describe, expect, it } from 'vitest';
import { applyScorecardEvent, demotionFromEnv, supplierScorecard } from '../../../functions/core/scorecards/services/scorecards';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { apply, at, dispatched, order, routedOrder } from '../workflow/support/world';
import { bus, ids, scorecardWorld, UPS } from './support';

const sw = scorecardWorld();
const { deps } = sw;

async function seed(mutate: (r: FulfillmentRecord) => FulfillmentRecord): Promise<void> {
  await routedOrder(sw.world, order(), mutate);
}

describe('scorecard updates from domain events', () => {
  it('counts each fact once (a redelivered event changes nothing), on the day it happened', async () => {
    await seed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(45) }));
    await expect(applyScorecardEvent(deps(), bus('FulfillmentDispatched', at(0), ids))).resolves.toEqual({ counted: 1, facts: 1 });
    await expect(applyScorecardEvent(deps(), bus('FulfillmentAccepted', at(45), ids))).resolves.toEqual({ counted: 1, facts: 1 });
    await expect(applyScorecardEvent(deps(), bus('FulfillmentAccepted', at(45), ids))).resolves.toEqual({ counted: 0, facts: 1 });
    expect(sw.table.get('SCORECARD#nordic-home', `DAY#${at(0).slice(0, 10)}`)).toMatchObject({ dispatched: 1, accepted: 1, b3: 1, entity: 'ScorecardDay' });
  });

  it('on-time shipping, unverified tracking, late delivery and returns by reason reach the scorecard', async () => {
    await seed((r) =>
      apply(
        dispatched(r),
        { type: 'ACCEPTED', at: at(5) },
        { type: 'SHIPPED', at: at(60), trackingNumber: UPS, carrier: 'UPS', lines: [{ lineNo: 1, quantity: 2 }] },
        { type: 'TRACKING', at: at(120), trackingNumber: UPS, code: 'IN_TRANSIT' },
        { type: 'DELIVERED', at: at(120 + 20 * 24 * 60), trackingNumber: UPS },
      ),
    );
    await applyScorecardEvent(deps(), bus('TrackingUpdated', at(120), { ...ids, event: 'IN_TRANSIT', trackingNumber: UPS }));
    await applyScorecardEvent(deps(), bus('TrackingUpdated', at(121), { ...ids, event: 'OUT_FOR_DELIVERY', trackingNumber: UPS }));
    await applyScorecardEvent(deps(), bus('FulfillmentDelivered', at(120 + 20 * 24 * 60), ids));
    await applyScorecardEvent(deps(), bus('ReturnRequested', at(120 + 21 * 24 * 60), { returnId: 'ret_1', supplierId: 'nordic-home', reason: 'defective' }));
    sw.world.advance(22 * 86_400_000);
    const card = await supplierScorecard(deps(), 'nordic-home');
    expect(card.last30Days).toMatchObject({
      onTimeShipRate: { rate: 1, numerator: 1, sample: 1 },
      lateDeliveryRate: { rate: 1, numerator: 1, sample: 1 },
      returnRateByReason: { defective: { rate: 1, numerator: 1, sample: 1 } },
    });
    expect(card.demotion).toBeNull();
  });

  it('an event naming an unknown fulfillment counts nothing; an unknown supplier has no scorecard (404)', async () => {
    await expect(applyScorecardEvent(deps(), bus('FulfillmentAccepted', at(1), ids))).resolves.toEqual({ counted: 0, facts: 0 });
    await expect(supplierScorecard(deps(), 'nobody')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('the demotion settings are parsed from the stage (SCORECARD_DEMOTION)', () => {
    expect(demotionFromEnv({})).toMatchObject({ metric: 'onTimeShipRate', threshold: 0.9 });
    expect(demotionFromEnv({ SCORECARD_DEMOTION: JSON.stringify({ enabled: true, metric: 'lateDeliveryRate', windowDays: 90, threshold: 0.2, minSample: 5 }) })).toMatchObject({ metric: 'lateDeliveryRate', windowDays: 90 });
    expect(() => demotionFromEnv({ SCORECARD_DEMOTION: '{"metric":"nope"}' })).toThrow(/SCORECARD_DEMOTION/);
  });
});

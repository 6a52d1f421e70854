import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyScorecardEvent, demotionFromEnv, supplierScorecard, type ScorecardDeps } from '../../../functions/core/scorecards/services/scorecards';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { FakeTable } from '../workflow/support/fake-table';
import { apply, at, catalogItems, dispatched, F1, makeWorld, order, routedOrder, type World } from '../workflow/support/world';

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

const UPS = '1Z5R89390357567127';
const deps = (): ScorecardDeps => ({ store: world.store, now: world.deps.now, logger: world.deps.logger });
const bus = (type: string, when: string, data: Record<string, unknown>) => ({ detail: { type, at: when, data } });
const ids = { fulfillmentId: F1, supplierId: 'nordic-home' };

async function seed(mutate: (r: FulfillmentRecord) => FulfillmentRecord): Promise<void> {
  await routedOrder(world, order(), mutate);
}

describe('scorecard updates from domain events', () => {
  it('counts each fact once (a redelivered event changes nothing), on the day it happened', async () => {
    await seed((r) => apply(dispatched(r), { type: 'ACCEPTED', at: at(45) }));
    await expect(applyScorecardEvent(deps(), bus('FulfillmentDispatched', at(0), ids))).resolves.toEqual({ counted: 1, facts: 1 });
    await expect(applyScorecardEvent(deps(), bus('FulfillmentAccepted', at(45), ids))).resolves.toEqual({ counted: 1, facts: 1 });
    await expect(applyScorecardEvent(deps(), bus('FulfillmentAccepted', at(45), ids))).resolves.toEqual({ counted: 0, facts: 1 });
    expect(table.get('SCORECARD#nordic-home', `DAY#${at(0).slice(0, 10)}`)).toMatchObject({ dispatched: 1, accepted: 1, b3: 1, entity: 'ScorecardDay' });
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
    world.advance(22 * 86_400_000);
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

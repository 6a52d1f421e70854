import { describe, expect, it } from 'vitest';
import { addFacts, bucketOf, emptyDay, percentileMinutes, scorecard, type DailyAggregate, type ScorecardFact } from '../../../functions/core/scorecards/domain/scorecard';
import { demotionOf, routeWithDemotions } from '../../../functions/core/scorecards/domain/demotion';
import { factsOf, type FulfillmentFacts } from '../../../functions/core/scorecards/domain/facts';
import type { SupplierOffer } from '../../../functions/core/inventory/domain/catalog';
import { SUPPLIERS } from '../workflow/support/world';

const S = 'nordic-home';
const times = <T>(n: number, f: T): T[] => new Array<T>(n).fill(f);
const day = (d: string, facts: ScorecardFact[], supplierId: string = S): DailyAggregate => addFacts(emptyDay(supplierId, d), facts);

/** The hand-computed fixture: every figure below was worked out on paper from these days. */
const DAYS: DailyAggregate[] = [
  day('2026-12-05', [
    ...times(4, { kind: 'DISPATCHED' } as const),
    { kind: 'ACCEPTED', minutes: 3 },
    { kind: 'ACCEPTED', minutes: 20 },
    { kind: 'ACCEPTED', minutes: 100 },
    { kind: 'REJECTED' },
    { kind: 'SHIPPED', onTime: true },
    { kind: 'SHIPPED', onTime: true },
    { kind: 'SHIPPED', onTime: false },
    { kind: 'INVALID_TRACKING' },
    { kind: 'DELIVERED', onTime: true },
    { kind: 'DELIVERED', onTime: false },
    { kind: 'RETURNED', reason: 'damaged' },
  ]),
  day('2026-11-10', [
    ...times(2, { kind: 'DISPATCHED' } as const),
    { kind: 'ACCEPTED', minutes: 10 },
    { kind: 'ACCEPTED', minutes: 50 },
    ...times(2, { kind: 'SHIPPED', onTime: true } as const),
    ...times(2, { kind: 'DELIVERED', onTime: true } as const),
    { kind: 'CANCELLED' },
  ]),
  // Only in the 90-day window (2026-09-08 .. 2026-12-06).
  day('2026-10-01', [
    ...times(5, { kind: 'DISPATCHED' } as const),
    ...times(4, { kind: 'ACCEPTED', minutes: 3000 } as const),
    { kind: 'REJECTED' },
    ...times(4, { kind: 'SHIPPED', onTime: false } as const),
    ...times(4, { kind: 'DELIVERED', onTime: false } as const),
    ...times(2, { kind: 'RETURNED', reason: 'changed_mind' } as const),
  ]),
  // Outside both windows, and another supplier: ignored.
  day('2026-08-01', times(100, { kind: 'REJECTED' } as const)),
  day('2026-12-05', times(50, { kind: 'REJECTED' } as const), 'atlantic-outfitters'),
];

describe('scorecard aggregation (hand-computed fixture)', () => {
  const card = scorecard(S, DAYS, '2026-12-06');

  it('30 days: 2026-11-07 .. 2026-12-06', () => {
    expect(card.last30Days).toEqual({
      days: 30,
      from: '2026-11-07',
      to: '2026-12-06',
      // buckets ≤5, ≤15, ≤30, ≤60, ≤120 hold one each: the 3rd of 5 is in ≤30, the 5th in ≤120
      acceptanceMinutesP50: 30,
      acceptanceMinutesP90: 120,
      accepted: 5,
      onTimeShipRate: { rate: 0.8, numerator: 4, sample: 5 },
      rejectionRate: { rate: 0.1667, numerator: 1, sample: 6 },
      cancellationRate: { rate: 0.1667, numerator: 1, sample: 6 },
      invalidTrackingRate: { rate: 0.2, numerator: 1, sample: 5 },
      lateDeliveryRate: { rate: 0.25, numerator: 1, sample: 4 },
      returnRateByReason: { damaged: { rate: 0.25, numerator: 1, sample: 4 } },
    });
  });

  it('90 days: 2026-09-08 .. 2026-12-06 (overflow bucket: p90 beyond 2 days is null)', () => {
    expect(card.last90Days).toEqual({
      days: 90,
      from: '2026-09-08',
      to: '2026-12-06',
      acceptanceMinutesP50: 120,
      acceptanceMinutesP90: null,
      accepted: 9,
      onTimeShipRate: { rate: 0.4444, numerator: 4, sample: 9 },
      rejectionRate: { rate: 0.1818, numerator: 2, sample: 11 },
      cancellationRate: { rate: 0.0909, numerator: 1, sample: 11 },
      invalidTrackingRate: { rate: 0.1111, numerator: 1, sample: 9 },
      lateDeliveryRate: { rate: 0.625, numerator: 5, sample: 8 },
      returnRateByReason: { changed_mind: { rate: 0.25, numerator: 2, sample: 8 }, damaged: { rate: 0.125, numerator: 1, sample: 8 } },
    });
  });

  it('no sample, no verdict', () => {
    expect(scorecard('nobody', DAYS, '2026-12-06').last30Days).toMatchObject({ acceptanceMinutesP50: null, onTimeShipRate: { rate: null, sample: 0 } });
  });

  it.each([
    [0, 0],
    [5, 0],
    [5.01, 1],
    [2880, 8],
    [2881, 9],
    [-3, 0],
  ])('acceptance %d min → bucket %d', (minutes, bucket) => expect(bucketOf(minutes)).toBe(bucket));

  it('percentiles combine across days (buckets add up)', () => {
    expect(percentileMinutes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5)).toBeNull();
    expect(percentileMinutes([9, 0, 0, 1, 0, 0, 0, 0, 0, 0], 0.9)).toBe(5);
    expect(percentileMinutes([9, 0, 0, 1, 0, 0, 0, 0, 0, 0], 0.91)).toBe(60);
  });
});

describe('facts from domain events', () => {
  const record: FulfillmentFacts = {
    fulfillmentId: 'ful_x_01',
    supplierId: S,
    dispatchedAt: '2026-12-01T10:00:00.000Z',
    acceptedAt: '2026-12-01T10:45:00.000Z',
    promise: { shipByDeadline: '2026-12-02T23:59:59.999Z', deliverByDeadline: '2026-12-05T23:59:59.999Z' },
    shipments: [{ firstScanAt: '2026-12-03T08:00:00.000Z', trackingUnverified: true }],
  };
  const data = { fulfillmentId: 'ful_x_01', supplierId: S };
  it('acceptance time from the stored fulfillment, counted on the acceptance day', () => {
    expect(factsOf('FulfillmentAccepted', '2026-12-01T10:45:01Z', data, record)).toEqual([{ supplierId: S, day: '2026-12-01', countKey: 'ACCEPTED#ful_x_01', fact: { kind: 'ACCEPTED', minutes: 45 } }]);
  });
  it('first carrier scan after the ship-by deadline: late; an unverified tracking number counts once', () => {
    expect(factsOf('TrackingUpdated', '2026-12-03T08:00:01Z', { ...data, event: 'IN_TRANSIT' }, record).map((f) => f.fact)).toEqual([{ kind: 'SHIPPED', onTime: false }]);
    expect(factsOf('ShipmentCreated', '2026-12-03T08:00:00Z', { ...data, trackingUnverified: true }).map((f) => f.fact)).toEqual([{ kind: 'INVALID_TRACKING' }]);
  });
  it('delivery vs deliver-by; returns by reason with the returns helper payload', () => {
    expect(factsOf('FulfillmentDelivered', '2026-12-04T09:00:00Z', data, { ...record, deliveredAt: '2026-12-04T09:00:00.000Z' })[0]?.fact).toEqual({ kind: 'DELIVERED', onTime: true });
    expect(factsOf('ReturnRequested', '2026-12-06T09:00:00Z', { returnId: 'ret_1', supplierId: S, reason: 'defective' })).toEqual([
      { supplierId: S, day: '2026-12-06', countKey: 'RETURNED#ret_1', fact: { kind: 'RETURNED', reason: 'defective' } },
    ]);
    expect(factsOf('ReturnRequested', '2026-12-06T09:00:00Z', { returnId: 'ret_1', reason: 'defective' })).toEqual([]);
  });
});

describe('routing demotion', () => {
  const figures = scorecard(S, DAYS, '2026-12-06').last30Days;
  it('on-time ship rate under the threshold with enough sample demotes; too small a sample does not', () => {
    expect(demotionOf(S, figures, { enabled: true, metric: 'onTimeShipRate', windowDays: 30, threshold: 0.9, minSample: 5 })).toEqual({
      supplierId: S,
      metric: 'onTimeShipRate30d',
      value: 0.8,
      threshold: 0.9,
      sample: 5,
    });
    expect(demotionOf(S, figures, { enabled: true, metric: 'onTimeShipRate', windowDays: 30, threshold: 0.9, minSample: 10 })).toBeUndefined();
    expect(demotionOf(S, figures, { enabled: false, metric: 'onTimeShipRate', windowDays: 30, threshold: 0.9, minSample: 1 })).toBeUndefined();
  });

  const offer = (sku: string, supplierId: string, stock: number): SupplierOffer => ({
    sku,
    supplierId,
    supplierSku: `${supplierId}-${sku}`,
    wholesaleCostMinor: supplierId === S ? 900 : 950,
    currency: 'EUR',
    stock,
    reserved: 0,
    discontinued: false,
    lastFeedAt: '2026-11-25T10:00:00.000Z',
  });
  const input = (offers: SupplierOffer[]) => ({
    lines: [{ lineNo: 1, sku: 'TEE', quantity: 1, unitPriceMinor: 1999 }],
    destination: { country: 'DE' },
    offers,
    suppliers: [...SUPPLIERS],
    now: '2026-11-25T10:00:00.000Z',
    currency: 'EUR',
  });
  const demoted = [{ supplierId: S, metric: 'onTimeShipRate30d', value: 0.8, threshold: 0.9, sample: 12 }];

  it('moves the demoted supplier down: another supplier takes the line, and the pass-over is reported', () => {
    const both = input([offer('TEE', S, 5), offer('TEE', 'atlantic-outfitters', 5)]);
    expect(routeWithDemotions(both, undefined, []).allocation.fulfillments.map((f) => f.supplierId)).toEqual([S]);
    const routed = routeWithDemotions(both, undefined, demoted);
    expect(routed.allocation.fulfillments.map((f) => f.supplierId)).toEqual(['atlantic-outfitters']);
    expect(routed.passedOver).toEqual(demoted);
  });

  it('a demoted supplier still serves a line no one else can (nothing passed over)', () => {
    const routed = routeWithDemotions(input([offer('TEE', S, 5)]), undefined, demoted);
    expect(routed.allocation.fulfillments.map((f) => f.supplierId)).toEqual([S]);
    expect(routed.passedOver).toEqual([]);
  });
});

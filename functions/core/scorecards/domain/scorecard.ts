/**
 * Supplier scorecards: daily aggregates per supplier, combined into rolling 30 / 90 day figures.
 *
 * A daily aggregate holds counters only (so days add up): facts counted once per fulfillment (or per
 * return) on the day they happened, and a small histogram of acceptance times (fixed bucket bounds in
 * minutes) so percentiles of any window come from the summed buckets, never from raw samples.
 * Pure: no clock, no AWS (the consumer is scorecards/services/scorecard-updates.ts).
 */

/** Upper bounds (minutes, inclusive) of the acceptance-time buckets; the last bucket is everything above. */
export const ACCEPTANCE_BUCKETS_MINUTES = [5, 15, 30, 60, 120, 240, 480, 1440, 2880] as const;

/** One fact about one fulfillment (or return), counted once. */
export type ScorecardFact =
  | { readonly kind: 'DISPATCHED' }
  | { readonly kind: 'ACCEPTED'; readonly minutes: number }
  | { readonly kind: 'REJECTED' }
  | { readonly kind: 'CANCELLED' }
  | { readonly kind: 'SHIPPED'; readonly onTime: boolean }
  | { readonly kind: 'INVALID_TRACKING' }
  | { readonly kind: 'DELIVERED'; readonly onTime: boolean }
  | { readonly kind: 'RETURNED'; readonly reason: string };

/** The counters of one supplier on one UTC day. */
export interface DailyAggregate {
  readonly supplierId: string;
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  readonly dispatched: number;
  readonly accepted: number;
  /** Acceptance times: count per bucket (ACCEPTANCE_BUCKETS_MINUTES, plus one overflow bucket). */
  readonly acceptanceBuckets: readonly number[];
  readonly rejected: number;
  readonly cancelled: number;
  readonly shipped: number;
  readonly shippedOnTime: number;
  readonly invalidTracking: number;
  readonly delivered: number;
  readonly deliveredLate: number;
  readonly returns: Readonly<Record<string, number>>;
}

/** The counter attribute(s) a fact increments: `[attribute, by]` pairs (`acceptanceBuckets` is indexed). */
export function factIncrements(fact: ScorecardFact): readonly (readonly [string, number])[] {
  switch (fact.kind) {
    case 'DISPATCHED':
      return [['dispatched', 1]];
    case 'ACCEPTED':
      return [['accepted', 1], [`b${bucketOf(fact.minutes)}`, 1]];
    case 'REJECTED':
      return [['rejected', 1]];
    case 'CANCELLED':
      return [['cancelled', 1]];
    case 'SHIPPED':
      return fact.onTime ? [['shipped', 1], ['shippedOnTime', 1]] : [['shipped', 1]];
    case 'INVALID_TRACKING':
      return [['invalidTracking', 1]];
    case 'DELIVERED':
      return fact.onTime ? [['delivered', 1]] : [['delivered', 1], ['deliveredLate', 1]];
    case 'RETURNED':
      return [[`ret_${fact.reason}`, 1]];
  }
}

/** The bucket index of an acceptance time (minutes, clamped at 0). */
export function bucketOf(minutes: number): number {
  const m = Math.max(0, minutes);
  const index = ACCEPTANCE_BUCKETS_MINUTES.findIndex((bound) => m <= bound);
  return index === -1 ? ACCEPTANCE_BUCKETS_MINUTES.length : index;
}

/** An empty day (what a day without an item counts as). */
export function emptyDay(supplierId: string, day: string): DailyAggregate {
  return {
    supplierId,
    day,
    dispatched: 0,
    accepted: 0,
    acceptanceBuckets: new Array<number>(ACCEPTANCE_BUCKETS_MINUTES.length + 1).fill(0),
    rejected: 0,
    cancelled: 0,
    shipped: 0,
    shippedOnTime: 0,
    invalidTracking: 0,
    delivered: 0,
    deliveredLate: 0,
    returns: {},
  };
}

/** A day with the facts applied (what the store's ADD updates do, for tests and the fixture). */
export function addFacts(day: DailyAggregate, facts: readonly ScorecardFact[]): DailyAggregate {
  const counters: Record<string, number> = {};
  const buckets = [...day.acceptanceBuckets];
  const returns: Record<string, number> = { ...day.returns };
  for (const fact of facts) {
    for (const [name, by] of factIncrements(fact)) {
      if (name.startsWith('b') && /^b\d+$/.test(name)) buckets[Number(name.slice(1))] = (buckets[Number(name.slice(1))] ?? 0) + by;
      else if (name.startsWith('ret_')) returns[name.slice(4)] = (returns[name.slice(4)] ?? 0) + by;
      else counters[name] = (counters[name] ?? 0) + by;
    }
  }
  const add = (k: keyof DailyAggregate & string, v: number): number => v + (counters[k] ?? 0);
  return {
    ...day,
    dispatched: add('dispatched', day.dispatched),
    accepted: add('accepted', day.accepted),
    acceptanceBuckets: buckets,
    rejected: add('rejected', day.rejected),
    cancelled: add('cancelled', day.cancelled),
    shipped: add('shipped', day.shipped),
    shippedOnTime: add('shippedOnTime', day.shippedOnTime),
    invalidTracking: add('invalidTracking', day.invalidTracking),
    delivered: add('delivered', day.delivered),
    deliveredLate: add('deliveredLate', day.deliveredLate),
    returns,
  };
}

/** A rate with its sample: `rate` is null when nothing was counted (no sample, no verdict). */
export interface Rate {
  readonly rate: number | null;
  readonly numerator: number;
  readonly sample: number;
}

export interface WindowFigures {
  readonly days: number;
  readonly from: string;
  readonly to: string;
  /** Upper bound (minutes) of the bucket holding the percentile; null without acceptances; Infinity is reported as null + overflow. */
  readonly acceptanceMinutesP50: number | null;
  readonly acceptanceMinutesP90: number | null;
  readonly accepted: number;
  readonly onTimeShipRate: Rate;
  readonly rejectionRate: Rate;
  readonly cancellationRate: Rate;
  readonly invalidTrackingRate: Rate;
  readonly lateDeliveryRate: Rate;
  /** Returns per reason over deliveries. */
  readonly returnRateByReason: Readonly<Record<string, Rate>>;
}

export interface Scorecard {
  readonly supplierId: string;
  readonly asOf: string;
  readonly last30Days: WindowFigures;
  readonly last90Days: WindowFigures;
}

function rate(numerator: number, sample: number): Rate {
  return { rate: sample === 0 ? null : Math.round((numerator / sample) * 10_000) / 10_000, numerator, sample };
}

/** The percentile from summed buckets: the upper bound of the bucket where the cumulative count reaches p. */
export function percentileMinutes(buckets: readonly number[], p: number): number | null {
  const total = buckets.reduce((s, n) => s + n, 0);
  if (total === 0) return null;
  const target = Math.ceil(p * total);
  let cumulative = 0;
  for (let i = 0; i < buckets.length; i++) {
    cumulative += buckets[i] ?? 0;
    if (cumulative >= target) return i < ACCEPTANCE_BUCKETS_MINUTES.length ? (ACCEPTANCE_BUCKETS_MINUTES[i] as number) : null;
  }
  return null;
}

/** `day` minus `n` days (YYYY-MM-DD, UTC). */
export function minusDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

/** The figures of the `days`-day window ending at `asOf` (inclusive) from whatever daily items exist. */
export function windowFigures(daily: readonly DailyAggregate[], asOf: string, days: number): WindowFigures {
  const from = minusDays(asOf, days - 1);
  const inWindow = daily.filter((d) => d.day >= from && d.day <= asOf);
  const total = inWindow.reduce((acc, d) => addDay(acc, d), emptyDay('', asOf));
  const returnRateByReason: Record<string, Rate> = {};
  for (const [reason, n] of Object.entries(total.returns).sort(([a], [b]) => (a < b ? -1 : 1))) returnRateByReason[reason] = rate(n, total.delivered);
  return {
    days,
    from,
    to: asOf,
    acceptanceMinutesP50: percentileMinutes(total.acceptanceBuckets, 0.5),
    acceptanceMinutesP90: percentileMinutes(total.acceptanceBuckets, 0.9),
    accepted: total.accepted,
    onTimeShipRate: rate(total.shippedOnTime, total.shipped),
    rejectionRate: rate(total.rejected, total.accepted + total.rejected),
    cancellationRate: rate(total.cancelled, total.dispatched),
    invalidTrackingRate: rate(total.invalidTracking, total.shipped),
    lateDeliveryRate: rate(total.deliveredLate, total.delivered),
    returnRateByReason,
  };
}

function addDay(a: DailyAggregate, b: DailyAggregate): DailyAggregate {
  const returns: Record<string, number> = { ...a.returns };
  for (const [k, v] of Object.entries(b.returns)) returns[k] = (returns[k] ?? 0) + v;
  return {
    ...a,
    dispatched: a.dispatched + b.dispatched,
    accepted: a.accepted + b.accepted,
    acceptanceBuckets: a.acceptanceBuckets.map((n, i) => n + (b.acceptanceBuckets[i] ?? 0)),
    rejected: a.rejected + b.rejected,
    cancelled: a.cancelled + b.cancelled,
    shipped: a.shipped + b.shipped,
    shippedOnTime: a.shippedOnTime + b.shippedOnTime,
    invalidTracking: a.invalidTracking + b.invalidTracking,
    delivered: a.delivered + b.delivered,
    deliveredLate: a.deliveredLate + b.deliveredLate,
    returns,
  };
}

/** The scorecard of a supplier as of a day: the 30 and 90 day windows. */
export function scorecard(supplierId: string, daily: readonly DailyAggregate[], asOf: string): Scorecard {
  const own = daily.filter((d) => d.supplierId === supplierId);
  return { supplierId, asOf, last30Days: windowFigures(own, asOf, 30), last90Days: windowFigures(own, asOf, 90) };
}

/**
 * Routing demotion from scorecards: a supplier whose figure is under the configured threshold (e.g.
 * on-time ship rate < 90 % over 30 days, with at least `minSample` fulfillments counted) moves down
 * the routing order: the order is routed without the demoted suppliers first, and only when that leaves
 * a line unservable are they used again. Never silent: the caller writes a timeline reason on the order
 * and a SupplierDemoted event for every demoted supplier the plain routing would have chosen. Pure.
 */
import { routeOrder } from '../../workflow/domain/routing';
import type { Allocation, RoutingConfig, RoutingInput } from '../../workflow/domain/routing-rules';
import type { Rate, WindowFigures } from './scorecard';

export const DEMOTION_METRICS = ['onTimeShipRate', 'rejectionRate', 'cancellationRate', 'lateDeliveryRate', 'invalidTrackingRate'] as const;
export type DemotionMetric = (typeof DEMOTION_METRICS)[number];

export interface DemotionConfig {
  readonly enabled: boolean;
  readonly metric: DemotionMetric;
  readonly windowDays: 30 | 90;
  /** For onTimeShipRate: demoted when below; for the other (failure) rates: demoted when above. */
  readonly threshold: number;
  readonly minSample: number;
}

export const DEFAULT_DEMOTION: DemotionConfig = { enabled: true, metric: 'onTimeShipRate', windowDays: 30, threshold: 0.9, minSample: 10 };

export interface Demotion {
  readonly supplierId: string;
  readonly metric: string;
  readonly value: number;
  readonly threshold: number;
  readonly sample: number;
}

/** Whether a supplier's window figures demote it (no verdict below the minimum sample). */
export function demotionOf(supplierId: string, figures: WindowFigures, config: DemotionConfig): Demotion | undefined {
  if (!config.enabled) return undefined;
  const r: Rate = figures[config.metric];
  if (r.rate === null || r.sample < config.minSample) return undefined;
  const bad = config.metric === 'onTimeShipRate' ? r.rate < config.threshold : r.rate > config.threshold;
  return bad ? { supplierId, metric: `${config.metric}${config.windowDays}d`, value: r.rate, threshold: config.threshold, sample: r.sample } : undefined;
}

export interface DemotedRouting {
  readonly allocation: Allocation;
  /** Demoted suppliers the plain routing would have used and this one passed over (report each). */
  readonly passedOver: readonly Demotion[];
}

/**
 * Route with demoted suppliers last: without them when that serves every line the plain routing
 * serves, otherwise the plain routing (a demoted supplier is better than an unserved line).
 */
export function routeWithDemotions(input: RoutingInput, config: RoutingConfig | undefined, demoted: readonly Demotion[]): DemotedRouting {
  const plain = routeOrder(input, config);
  if (demoted.length === 0) return { allocation: plain, passedOver: [] };
  const used = new Set(plain.fulfillments.map((f) => f.supplierId));
  const passed = demoted.filter((d) => used.has(d.supplierId));
  if (passed.length === 0) return { allocation: plain, passedOver: [] };
  const ids = new Set(demoted.map((d) => d.supplierId));
  const without = routeOrder({ ...input, suppliers: input.suppliers.filter((s) => !ids.has(s.supplierId)) }, config);
  if (without.unservable.length > plain.unservable.length) return { allocation: plain, passedOver: [] };
  return { allocation: without, passedOver: passed };
}

/**
 * Supplier routing: which supplier ships which order line.
 *
 * 1. Eligibility per line and supplier (checkEligibility), with machine-readable reasons:
 *    supplier known and ACTIVE, feed fresh (now − last feed ≤ feedFreshnessSlaHours), offer not
 *    discontinued, ships to the destination country (a zone with at least one method), MAP respected
 *    (retail unit price ≥ mapMinor), same currency as the order (when given), not excluded (already
 *    rejected / timed out for that line), and enough stock (stock − reserved ≥ quantity).
 * 2. Allocation (routeOrder): lines are allocated whole to one supplier when any eligible supplier
 *    can take the whole quantity, otherwise (splitLines) across several; a line no combination can
 *    serve is reported unservable. Among the feasible allocations the best is chosen by the
 *    configurable rule order (default SINGLE_SHIPMENT → LOWEST_LANDED_COST → SUPPLIER_PRIORITY),
 *    then by supplier ids (deterministic):
 *    - SINGLE_SHIPMENT: fewest suppliers (= fewest shipments);
 *    - LOWEST_LANDED_COST: Σ wholesale × quantity + one shipping charge per supplier shipment (the
 *      chosen method of the destination zone);
 *    - SUPPLIER_PRIORITY: Σ priority of the supplier of each allocated line part (lower = better).
 *    Search: with at most `exactSearchMaxSuppliers` candidate suppliers every supplier subset is
 *    evaluated (2^k, exact); beyond that a bounded heuristic: each single supplier, a greedy set cover
 *    (most uncovered lines first), per-line best, then dropping suppliers while it improves.
 *    Inside a supplier set each line takes its best supplier by the non-shipment rules
 *    (wholesale cost / priority / supplier id). Work is O(2^k · lines · k) or O(k² · lines).
 * 3. reroute: after rejections / acceptance timeouts, re-route only the affected line quantities with
 *    the rejecting suppliers excluded for those lines; what cannot be served is returned to cancel
 *    and refund.
 *
 * Pure and deterministic: `now` and `orderedAt` are parameters.
 */
import type { ShippingMethod, Supplier } from '../../suppliers/domain/supplier';
import type { SupplierOffer } from '../../inventory/domain/catalog';
import { DEFAULT_DELIVERY_CALENDAR, combineWindows, promiseDates } from './delivery';
import type { DeliveryCalendar, DeliveryPromise, DeliveryWindow } from './delivery';

export const ROUTING_RULES = ['SINGLE_SHIPMENT', 'LOWEST_LANDED_COST', 'SUPPLIER_PRIORITY'] as const;
export type RoutingRule = (typeof ROUTING_RULES)[number];

export interface RoutingConfig {
  /** Criteria in order of importance. Unlisted criteria are not used; supplier id breaks final ties. */
  readonly ruleOrder: readonly RoutingRule[];
  /** Which method of the destination zone a supplier ships with. */
  readonly shippingMethod: 'CHEAPEST' | 'FASTEST';
  /** Allow one line's quantity to be split across suppliers when no single supplier has enough. */
  readonly splitLines: boolean;
  /** Up to this many candidate suppliers every subset is evaluated (exact); above it, heuristics. */
  readonly exactSearchMaxSuppliers: number;
  /** Business-day calendar for ship-by / deliver-by. */
  readonly calendar: DeliveryCalendar;
}

export const DEFAULT_ROUTING_CONFIG: RoutingConfig = {
  ruleOrder: ['SINGLE_SHIPMENT', 'LOWEST_LANDED_COST', 'SUPPLIER_PRIORITY'],
  shippingMethod: 'CHEAPEST',
  splitLines: true,
  exactSearchMaxSuppliers: 8,
  calendar: DEFAULT_DELIVERY_CALENDAR,
};

export function routingConfig(overrides: Partial<RoutingConfig> = {}): RoutingConfig {
  const config = { ...DEFAULT_ROUTING_CONFIG, ...overrides };
  const seen = new Set<RoutingRule>();
  for (const rule of config.ruleOrder) {
    if (!ROUTING_RULES.includes(rule)) throw new RangeError(`Unknown routing rule ${String(rule)}`);
    if (seen.has(rule)) throw new RangeError(`Routing rule ${rule} listed twice`);
    seen.add(rule);
  }
  return config;
}

/** Parse a rule order like "SINGLE_SHIPMENT,LOWEST_LANDED_COST,SUPPLIER_PRIORITY" (stage config). */
export function parseRuleOrder(value: string): readonly RoutingRule[] {
  const rules = value
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  return routingConfig({ ruleOrder: rules as RoutingRule[] }).ruleOrder;
}

export interface RoutingLine {
  readonly lineNo: number;
  /** Retailer SKU. */
  readonly sku: string;
  readonly quantity: number;
  /** Retail unit price charged to the customer (minor units), checked against MAP. */
  readonly unitPriceMinor: number;
}

export interface Destination {
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  /** Carried for future zone rules; zones are country based today. */
  readonly postcode?: string | undefined;
}

/** A supplier must not get these lines again (it rejected them or let the acceptance SLA lapse). */
export interface Exclusion {
  readonly supplierId: string;
  readonly lineNo: number;
}

/** Stock this order already holds at a supplier (added back to availability when routing it). */
export interface HeldReservation {
  readonly supplierId: string;
  readonly sku: string;
  readonly quantity: number;
}

export interface RoutingInput {
  readonly lines: readonly RoutingLine[];
  readonly destination: Destination;
  /** Offers for the order's SKUs (any others are ignored). */
  readonly offers: readonly SupplierOffer[];
  readonly suppliers: readonly Supplier[];
  /** Current time (ISO), for feed freshness. */
  readonly now: string;
  /** Order time (ISO) for the delivery promise; defaults to `now`. */
  readonly orderedAt?: string | undefined;
  /** Order currency; offers in another currency are ineligible (MAP and cost not comparable). */
  readonly currency?: string | undefined;
  readonly exclusions?: readonly Exclusion[] | undefined;
  readonly heldReservations?: readonly HeldReservation[] | undefined;
}

export const INELIGIBILITY_CODES = [
  'INVALID_QUANTITY',
  'NO_OFFER',
  'SUPPLIER_UNKNOWN',
  'SUPPLIER_NOT_ACTIVE',
  'FEED_STALE',
  'DISCONTINUED',
  'NO_SHIPPING_ZONE',
  'NO_SHIPPING_METHOD',
  'MAP_VIOLATION',
  'CURRENCY_MISMATCH',
  'EXCLUDED',
  'INSUFFICIENT_STOCK',
] as const;
export type IneligibilityCode = (typeof INELIGIBILITY_CODES)[number];

export interface IneligibilityReason {
  readonly code: IneligibilityCode;
  readonly detail: string;
}

export interface SupplierOption {
  readonly supplierId: string;
  readonly supplierSku: string;
  /** Every rule passed, including stock for the whole line quantity. */
  readonly eligible: boolean;
  /** Every rule but stock passed: the supplier can take part of a split line. */
  readonly qualified: boolean;
  readonly reasons: readonly IneligibilityReason[];
  /** max(0, stock − reserved) + what this order already holds there. */
  readonly available: number;
  readonly unitCostMinor: number;
  readonly priority: number;
  /** The method this supplier would ship with to the destination, when it ships there. */
  readonly shippingMethod?: ShippingMethod | undefined;
  readonly zoneId?: string | undefined;
}

export interface LineEligibility {
  readonly lineNo: number;
  readonly sku: string;
  readonly quantity: number;
  readonly options: readonly SupplierOption[];
  /** Suppliers that can take the whole line. */
  readonly eligibleSupplierIds: readonly string[];
  /** Line-level reasons (NO_OFFER, INVALID_QUANTITY) or, when nobody is eligible, the union of the suppliers' codes. */
  readonly reasons: readonly IneligibilityReason[];
}

export interface PlannedLine {
  readonly lineNo: number;
  readonly sku: string;
  readonly supplierSku: string;
  readonly quantity: number;
  readonly unitCostMinor: number;
  readonly unitPriceMinor: number;
}

export interface PlannedFulfillment {
  readonly supplierId: string;
  readonly lines: readonly PlannedLine[];
  readonly zoneId: string;
  readonly shippingMethod: ShippingMethod;
  readonly wholesaleCostMinor: number;
  readonly shippingCostMinor: number;
  readonly landedCostMinor: number;
  readonly promise: DeliveryPromise;
}

export interface UnservableLine {
  readonly lineNo: number;
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  /** unitPriceMinor × quantity: what to refund if it was charged. */
  readonly amountMinor: number;
  readonly reasons: readonly IneligibilityReason[];
}

export interface Allocation {
  /** One per supplier, sorted by supplier id. */
  readonly fulfillments: readonly PlannedFulfillment[];
  readonly unservable: readonly UnservableLine[];
  readonly eligibility: readonly LineEligibility[];
  readonly wholesaleCostMinor: number;
  readonly shippingCostMinor: number;
  readonly landedCostMinor: number;
  /** Delivery window of the whole allocation (all shipments arrived). */
  readonly deliveryWindow?: DeliveryWindow | undefined;
  readonly ruleOrder: readonly RoutingRule[];
  readonly search: 'exact' | 'heuristic' | 'none';
}

// ---------------------------------------------------------------------------------------------
// Eligibility
// ---------------------------------------------------------------------------------------------

function instantMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The most recent evidence of this offer's stock: the supplier's last full feed or the row's own update. */
export function offerFeedTime(supplier: Pick<Supplier, 'lastFeedAt'>, offer: Pick<SupplierOffer, 'lastFeedAt'>): number | undefined {
  const a = instantMs(supplier.lastFeedAt);
  const b = instantMs(offer.lastFeedAt);
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/** Whether a supplier's feed is within its freshness SLA at `now` (used by the stale-feed sweep too). */
export function isFeedFresh(supplier: Pick<Supplier, 'lastFeedAt' | 'feedFreshnessSlaHours'>, now: string, offer?: Pick<SupplierOffer, 'lastFeedAt'>): boolean {
  const nowMs = instantMs(now);
  if (nowMs === undefined) throw new RangeError(`now is not an ISO timestamp: ${JSON.stringify(now)}`);
  const feed = offer === undefined ? instantMs(supplier.lastFeedAt) : offerFeedTime(supplier, offer);
  return feed !== undefined && nowMs - feed <= supplier.feedFreshnessSlaHours * 3_600_000;
}

/** The method a supplier ships with to a country, and its zone; undefined when it does not ship there. */
export function shippingFor(
  supplier: Pick<Supplier, 'shippingZones'>,
  country: string,
  preference: RoutingConfig['shippingMethod'] = 'CHEAPEST',
): { zoneId: string; method: ShippingMethod } | undefined {
  const c = country.toUpperCase();
  let best: { zoneId: string; method: ShippingMethod } | undefined;
  for (const zone of supplier.shippingZones) {
    if (!zone.countries.some((x) => x.toUpperCase() === c)) continue;
    for (const method of zone.methods) {
      if (best === undefined || compareMethods(method, best.method, preference) < 0) best = { zoneId: zone.zoneId, method };
    }
  }
  return best;
}

function compareMethods(a: ShippingMethod, b: ShippingMethod, preference: RoutingConfig['shippingMethod']): number {
  const keys = (m: ShippingMethod): number[] =>
    preference === 'CHEAPEST' ? [m.costMinor, m.transitDaysMax, m.transitDaysMin] : [m.transitDaysMax, m.transitDaysMin, m.costMinor];
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i += 1) {
    const d = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

function reservationKey(supplierId: string, sku: string): string {
  return `${supplierId}\u0000${sku}`;
}

/** Eligibility of every supplier offer for every line, with reasons. */
export function checkEligibility(input: RoutingInput, config: RoutingConfig = DEFAULT_ROUTING_CONFIG): readonly LineEligibility[] {
  const nowMs = instantMs(input.now);
  if (nowMs === undefined) throw new RangeError(`now is not an ISO timestamp: ${JSON.stringify(input.now)}`);
  const suppliers = new Map(input.suppliers.map((s) => [s.supplierId, s]));
  const offersBySku = new Map<string, SupplierOffer[]>();
  for (const o of input.offers) {
    const list = offersBySku.get(o.sku) ?? [];
    list.push(o);
    offersBySku.set(o.sku, list);
  }
  const excluded = new Set((input.exclusions ?? []).map((e) => `${e.supplierId}\u0000${e.lineNo}`));
  const held = new Map<string, number>();
  for (const h of input.heldReservations ?? []) {
    const k = reservationKey(h.supplierId, h.sku);
    held.set(k, (held.get(k) ?? 0) + Math.max(0, h.quantity));
  }
  const seenLines = new Set<number>();

  return input.lines.map((line) => {
    if (seenLines.has(line.lineNo)) throw new RangeError(`Duplicate lineNo ${line.lineNo}`);
    seenLines.add(line.lineNo);
    const lineReasons: IneligibilityReason[] = [];
    if (!Number.isInteger(line.quantity) || line.quantity <= 0) {
      lineReasons.push({ code: 'INVALID_QUANTITY', detail: `quantity ${line.quantity} is not a positive integer` });
    }
    // One offer per supplier and SKU (the first, should the catalog hold duplicates).
    const seenSuppliers = new Set<string>();
    const offers = [...(offersBySku.get(line.sku) ?? [])]
      .sort((a, b) => (a.supplierId < b.supplierId ? -1 : a.supplierId > b.supplierId ? 1 : 0))
      .filter((o) => (seenSuppliers.has(o.supplierId) ? false : (seenSuppliers.add(o.supplierId), true)));
    if (offers.length === 0) {
      lineReasons.push({ code: 'NO_OFFER', detail: `no supplier offers SKU ${line.sku}` });
    }
    const options: SupplierOption[] = offers.map((offer) => {
      const reasons: IneligibilityReason[] = [];
      const supplier = suppliers.get(offer.supplierId);
      const available = Math.max(0, offer.stock - offer.reserved) + (held.get(reservationKey(offer.supplierId, offer.sku)) ?? 0);
      let shipping: { zoneId: string; method: ShippingMethod } | undefined;
      if (supplier === undefined) {
        reasons.push({ code: 'SUPPLIER_UNKNOWN', detail: `supplier ${offer.supplierId} is not in the catalog` });
      } else {
        if (supplier.status !== 'ACTIVE') {
          reasons.push({ code: 'SUPPLIER_NOT_ACTIVE', detail: `supplier status is ${supplier.status}` });
        }
        if (!isFeedFresh(supplier, input.now, offer)) {
          const feed = offerFeedTime(supplier, offer);
          reasons.push({
            code: 'FEED_STALE',
            detail:
              feed === undefined
                ? 'no inventory feed received yet'
                : `last feed ${new Date(feed).toISOString()} is older than the ${supplier.feedFreshnessSlaHours} h freshness SLA`,
          });
        }
        const zone = supplier.shippingZones.find((z) => z.countries.some((c) => c.toUpperCase() === input.destination.country.toUpperCase()));
        if (zone === undefined) {
          reasons.push({ code: 'NO_SHIPPING_ZONE', detail: `does not ship to ${input.destination.country.toUpperCase()}` });
        } else {
          shipping = shippingFor(supplier, input.destination.country, config.shippingMethod);
          if (shipping === undefined) {
            reasons.push({ code: 'NO_SHIPPING_METHOD', detail: `zone ${zone.zoneId} has no shipping method` });
          }
        }
      }
      if (offer.discontinued) reasons.push({ code: 'DISCONTINUED', detail: 'the supplier discontinued this SKU' });
      if (input.currency !== undefined && offer.currency.toUpperCase() !== input.currency.toUpperCase()) {
        reasons.push({ code: 'CURRENCY_MISMATCH', detail: `offer is in ${offer.currency}, order in ${input.currency}` });
      } else if (offer.mapMinor !== undefined && line.unitPriceMinor < offer.mapMinor) {
        reasons.push({ code: 'MAP_VIOLATION', detail: `retail price ${line.unitPriceMinor} is below the supplier's MAP ${offer.mapMinor}` });
      }
      if (excluded.has(`${offer.supplierId}\u0000${line.lineNo}`)) {
        reasons.push({ code: 'EXCLUDED', detail: 'supplier already rejected or timed out on this line' });
      }
      const qualified = reasons.length === 0 && lineReasons.length === 0 && available > 0;
      if (available < line.quantity) {
        reasons.push({ code: 'INSUFFICIENT_STOCK', detail: `${available} available, ${line.quantity} ordered` });
      }
      return {
        supplierId: offer.supplierId,
        supplierSku: offer.supplierSku,
        eligible: reasons.length === 0 && lineReasons.length === 0,
        qualified,
        reasons,
        available,
        unitCostMinor: offer.wholesaleCostMinor,
        priority: supplier?.priority ?? Number.MAX_SAFE_INTEGER,
        shippingMethod: shipping?.method,
        zoneId: shipping?.zoneId,
      };
    });
    const eligibleSupplierIds = options.filter((o) => o.eligible).map((o) => o.supplierId);
    let reasons = lineReasons;
    if (reasons.length === 0 && eligibleSupplierIds.length === 0) {
      const codes = new Map<IneligibilityCode, string>();
      for (const o of options) for (const r of o.reasons) if (!codes.has(r.code)) codes.set(r.code, `${o.supplierId}: ${r.detail}`);
      reasons = [...codes.entries()]
        .sort(([a], [b]) => INELIGIBILITY_CODES.indexOf(a) - INELIGIBILITY_CODES.indexOf(b))
        .map(([code, detail]) => ({ code, detail }));
    }
    return { lineNo: line.lineNo, sku: line.sku, quantity: line.quantity, options, eligibleSupplierIds, reasons };
  });
}

// ---------------------------------------------------------------------------------------------
// Allocation search
// ---------------------------------------------------------------------------------------------

interface Cand {
  readonly supplierId: string;
  readonly option: SupplierOption;
  readonly stockKey: string;
}

interface Part {
  readonly lineIdx: number;
  readonly cand: Cand;
  readonly quantity: number;
}

interface Evaluated {
  readonly parts: readonly Part[];
  readonly used: readonly string[];
  readonly count: number;
  readonly landed: number;
  readonly priority: number;
  readonly key: string;
}

interface Problem {
  readonly lines: readonly RoutingLine[];
  readonly cands: readonly (readonly Cand[])[];
  readonly stock: ReadonlyMap<string, number>;
  readonly shippingCost: ReadonlyMap<string, number>;
  readonly priority: ReadonlyMap<string, number>;
  readonly config: RoutingConfig;
}

function perLineCompare(config: RoutingConfig, quantity: number) {
  return (a: Cand, b: Cand): number => {
    for (const rule of config.ruleOrder) {
      if (rule === 'LOWEST_LANDED_COST') {
        const d = a.option.unitCostMinor * quantity - b.option.unitCostMinor * quantity;
        if (d !== 0) return d;
      } else if (rule === 'SUPPLIER_PRIORITY') {
        const d = a.option.priority - b.option.priority;
        if (d !== 0) return d;
      }
    }
    return a.supplierId < b.supplierId ? -1 : a.supplierId > b.supplierId ? 1 : 0;
  };
}

/**
 * Allocate every line within `allowed` (all suppliers when undefined). Strict: return undefined if a
 * line cannot be served. Lenient: skip such lines (their indexes go to `failed`) without consuming stock.
 */
function allocateWithin(problem: Problem, allowed: ReadonlySet<string> | undefined, failed?: number[]): Part[] | undefined {
  const remaining = new Map(problem.stock);
  const parts: Part[] = [];
  for (let i = 0; i < problem.lines.length; i += 1) {
    const line = problem.lines[i];
    const cands = problem.cands[i];
    if (line === undefined || cands === undefined) continue;
    const usable = allowed === undefined ? cands : cands.filter((c) => allowed.has(c.supplierId));
    const whole = usable.find((c) => (remaining.get(c.stockKey) ?? 0) >= line.quantity);
    if (whole !== undefined) {
      remaining.set(whole.stockKey, (remaining.get(whole.stockKey) ?? 0) - line.quantity);
      parts.push({ lineIdx: i, cand: whole, quantity: line.quantity });
      continue;
    }
    let served = false;
    if (problem.config.splitLines) {
      let need = line.quantity;
      const taken: Part[] = [];
      for (const c of usable) {
        if (need === 0) break;
        const q = Math.min(need, remaining.get(c.stockKey) ?? 0);
        if (q > 0) {
          taken.push({ lineIdx: i, cand: c, quantity: q });
          need -= q;
        }
      }
      if (need === 0) {
        for (const t of taken) remaining.set(t.cand.stockKey, (remaining.get(t.cand.stockKey) ?? 0) - t.quantity);
        parts.push(...taken);
        served = true;
      }
    }
    if (!served) {
      if (failed === undefined) return undefined;
      failed.push(i);
    }
  }
  return parts;
}

function score(problem: Problem, parts: readonly Part[]): Evaluated {
  const used = [...new Set(parts.map((p) => p.cand.supplierId))].sort();
  let landed = 0;
  let priority = 0;
  for (const p of parts) {
    landed += p.cand.option.unitCostMinor * p.quantity;
    priority += p.cand.option.priority;
  }
  for (const s of used) landed += problem.shippingCost.get(s) ?? 0;
  return { parts, used, count: used.length, landed, priority, key: used.join('\u0000') };
}

function better(config: RoutingConfig, a: Evaluated, b: Evaluated | undefined): boolean {
  if (b === undefined) return true;
  for (const rule of config.ruleOrder) {
    const d =
      rule === 'SINGLE_SHIPMENT' ? a.count - b.count : rule === 'LOWEST_LANDED_COST' ? a.landed - b.landed : a.priority - b.priority;
    if (d !== 0) return d < 0;
  }
  return a.key < b.key;
}

function evaluateSet(problem: Problem, allowed: ReadonlySet<string>): Evaluated | undefined {
  const parts = allocateWithin(problem, allowed);
  return parts === undefined ? undefined : score(problem, parts);
}

function greedyCover(problem: Problem, suppliers: readonly string[]): Set<string> {
  const uncovered = new Set(problem.lines.map((_, i) => i));
  const chosen = new Set<string>();
  const wholeBy = new Map<string, number[]>();
  for (const s of suppliers) wholeBy.set(s, []);
  problem.cands.forEach((cands, i) => {
    const q = problem.lines[i]?.quantity ?? 0;
    for (const c of cands) if ((problem.stock.get(c.stockKey) ?? 0) >= q) wholeBy.get(c.supplierId)?.push(i);
  });
  for (;;) {
    let best: { s: string; n: number; cost: number; prio: number } | undefined;
    for (const s of suppliers) {
      if (chosen.has(s)) continue;
      const covers = (wholeBy.get(s) ?? []).filter((i) => uncovered.has(i));
      if (covers.length === 0) continue;
      let cost = problem.shippingCost.get(s) ?? 0;
      for (const i of covers) {
        const c = problem.cands[i]?.find((x) => x.supplierId === s);
        cost += (c?.option.unitCostMinor ?? 0) * (problem.lines[i]?.quantity ?? 0);
      }
      const prio = problem.priority.get(s) ?? 0;
      const cand = { s, n: covers.length, cost, prio };
      const key = (x: typeof cand): number[] =>
        problem.config.ruleOrder.map((r) => (r === 'SINGLE_SHIPMENT' ? -x.n : r === 'LOWEST_LANDED_COST' ? x.cost / x.n : x.prio));
      if (best === undefined) {
        best = cand;
        continue;
      }
      const ka = key(cand);
      const kb = key(best);
      let d = 0;
      for (let k = 0; k < ka.length && d === 0; k += 1) d = (ka[k] ?? 0) - (kb[k] ?? 0);
      if (d < 0 || (d === 0 && cand.n > best.n) || (d === 0 && cand.n === best.n && s < best.s)) best = cand;
    }
    if (best === undefined) break;
    chosen.add(best.s);
    for (const i of wholeBy.get(best.s) ?? []) uncovered.delete(i);
  }
  // Lines nobody can take whole (split lines) may use any of their suppliers.
  for (const i of uncovered) for (const c of problem.cands[i] ?? []) chosen.add(c.supplierId);
  return chosen;
}

function search(problem: Problem): { best: Evaluated; mode: 'exact' | 'heuristic' } | undefined {
  const suppliers = [...new Set(problem.cands.flatMap((cs) => cs.map((c) => c.supplierId)))].sort();
  if (problem.lines.length === 0) return undefined;
  let best: Evaluated | undefined;
  const consider = (set: ReadonlySet<string>): void => {
    const e = evaluateSet(problem, set);
    if (e !== undefined && better(problem.config, e, best)) best = e;
  };
  if (suppliers.length <= problem.config.exactSearchMaxSuppliers) {
    const n = suppliers.length;
    for (let mask = 1; mask < 1 << n; mask += 1) {
      const set = new Set<string>();
      for (let b = 0; b < n; b += 1) if (mask & (1 << b)) set.add(suppliers[b] as string);
      consider(set);
    }
    return best === undefined ? undefined : { best, mode: 'exact' };
  }
  for (const s of suppliers) consider(new Set([s]));
  consider(greedyCover(problem, suppliers));
  consider(new Set(suppliers));
  // Local improvement: drop one supplier at a time while it helps.
  for (let improved = true; improved && best !== undefined; ) {
    improved = false;
    const current: Evaluated = best;
    for (const s of current.used) {
      const e = evaluateSet(problem, new Set(current.used.filter((x) => x !== s)));
      if (e !== undefined && better(problem.config, e, best)) {
        best = e;
        improved = true;
      }
    }
  }
  return best === undefined ? undefined : { best, mode: 'heuristic' };
}

/** Route an order: eligibility, allocation by the rule order, fulfillments with promise dates. */
export function routeOrder(input: RoutingInput, config: RoutingConfig = DEFAULT_ROUTING_CONFIG): Allocation {
  const eligibility = checkEligibility(input, config);
  const supplierById = new Map(input.suppliers.map((s) => [s.supplierId, s]));
  const shippingCost = new Map<string, number>();
  const priority = new Map<string, number>();
  const stock = new Map<string, number>();

  const allCands: Cand[][] = eligibility.map((le, i) => {
    const line = input.lines[i] as RoutingLine;
    return le.options
      .filter((o) => o.qualified)
      .map((o) => {
        const stockKey = reservationKey(o.supplierId, line.sku);
        stock.set(stockKey, o.available);
        shippingCost.set(o.supplierId, o.shippingMethod?.costMinor ?? 0);
        priority.set(o.supplierId, o.priority);
        return { supplierId: o.supplierId, option: o, stockKey };
      })
      .sort(perLineCompare(config, line.quantity));
  });

  // Pass 1 (lenient, all suppliers): which lines can be served at all.
  const full: Problem = { lines: input.lines, cands: allCands, stock, shippingCost, priority, config };
  const failed: number[] = [];
  allocateWithin(full, undefined, failed);
  const failedSet = new Set(failed);
  const servableIdx = input.lines.map((_, i) => i).filter((i) => !failedSet.has(i));

  // Pass 2: choose the best allocation of the servable lines.
  const problem: Problem = {
    ...full,
    lines: servableIdx.map((i) => input.lines[i] as RoutingLine),
    cands: servableIdx.map((i) => allCands[i] as Cand[]),
  };
  const found = search(problem);

  const unservable: UnservableLine[] = failed.map((i) => {
    const line = input.lines[i] as RoutingLine;
    const le = eligibility[i] as LineEligibility;
    const reasons: readonly IneligibilityReason[] =
      le.reasons.length > 0
        ? le.reasons
        : [{ code: 'INSUFFICIENT_STOCK', detail: `not enough stock across eligible suppliers for ${line.quantity} units` }];
    return {
      lineNo: line.lineNo,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      amountMinor: line.unitPriceMinor * Math.max(0, line.quantity),
      reasons,
    };
  });

  const orderedAt = input.orderedAt ?? input.now;
  const fulfillments: PlannedFulfillment[] = [];
  if (found !== undefined) {
    for (const supplierId of found.best.used) {
      const supplier = supplierById.get(supplierId) as Supplier;
      const parts = found.best.parts.filter((p) => p.cand.supplierId === supplierId);
      const first = parts[0]?.cand.option;
      const method = first?.shippingMethod as ShippingMethod;
      const lines: PlannedLine[] = parts
        .map((p) => {
          const line = problem.lines[p.lineIdx] as RoutingLine;
          return {
            lineNo: line.lineNo,
            sku: line.sku,
            supplierSku: p.cand.option.supplierSku,
            quantity: p.quantity,
            unitCostMinor: p.cand.option.unitCostMinor,
            unitPriceMinor: line.unitPriceMinor,
          };
        })
        .sort((a, b) => a.lineNo - b.lineNo);
      const wholesaleCostMinor = lines.reduce((s, l) => s + l.unitCostMinor * l.quantity, 0);
      fulfillments.push({
        supplierId,
        lines,
        zoneId: first?.zoneId ?? '',
        shippingMethod: method,
        wholesaleCostMinor,
        shippingCostMinor: method.costMinor,
        landedCostMinor: wholesaleCostMinor + method.costMinor,
        promise: promiseDates(
          { orderedAt, processingDays: supplier.processingDays, transitDaysMin: method.transitDaysMin, transitDaysMax: method.transitDaysMax },
          config.calendar,
        ),
      });
    }
  }
  const wholesaleCostMinor = fulfillments.reduce((s, f) => s + f.wholesaleCostMinor, 0);
  const shippingCostMinor = fulfillments.reduce((s, f) => s + f.shippingCostMinor, 0);
  return {
    fulfillments,
    unservable,
    eligibility,
    wholesaleCostMinor,
    shippingCostMinor,
    landedCostMinor: wholesaleCostMinor + shippingCostMinor,
    deliveryWindow: combineWindows(fulfillments.map((f) => ({ earliest: f.promise.earliestDelivery, latest: f.promise.deliverBy }))),
    ruleOrder: config.ruleOrder,
    search: found?.mode ?? 'none',
  };
}

// ---------------------------------------------------------------------------------------------
// Reroute
// ---------------------------------------------------------------------------------------------

export interface RejectedSupplier {
  readonly supplierId: string;
  /** Lines the supplier is excluded from; default: every line it held in the previous allocation. */
  readonly lineNos?: readonly number[] | undefined;
}

export interface RerouteResult {
  /** Previous fulfillments of suppliers that did not reject: unchanged. */
  readonly kept: readonly PlannedFulfillment[];
  /** Routing of the affected line quantities only (new fulfillments + unservable). */
  readonly allocation: Allocation;
  /** Every exclusion so far (persist it with the order for the next reroute). */
  readonly exclusions: readonly Exclusion[];
  /** Lines (quantities) that no supplier can serve: cancel them and request a refund of amountMinor. */
  readonly cancelled: readonly UnservableLine[];
  readonly refundAmountMinor: number;
}

/**
 * Re-route the line quantities held by suppliers that rejected (or timed out). Those suppliers are
 * excluded for those lines (cumulatively with `previous.exclusions`); every other fulfillment is kept.
 * `input` carries the whole order's lines and fresh offers (the rejecting supplier's reservation
 * already released); only the affected quantities are routed.
 */
export function reroute(
  input: RoutingInput,
  previous: { readonly fulfillments: readonly PlannedFulfillment[]; readonly exclusions?: readonly Exclusion[] | undefined },
  rejected: readonly RejectedSupplier[],
  config: RoutingConfig = DEFAULT_ROUTING_CONFIG,
): RerouteResult {
  const rejectedIds = new Set(rejected.map((r) => r.supplierId));
  const kept = previous.fulfillments.filter((f) => !rejectedIds.has(f.supplierId));
  const exclusions = new Map<string, Exclusion>();
  for (const e of [...(previous.exclusions ?? []), ...(input.exclusions ?? [])]) exclusions.set(`${e.supplierId}\u0000${e.lineNo}`, e);

  const affected = new Map<number, number>();
  for (const r of rejected) {
    const held = previous.fulfillments.filter((f) => f.supplierId === r.supplierId).flatMap((f) => f.lines);
    for (const l of held) affected.set(l.lineNo, (affected.get(l.lineNo) ?? 0) + l.quantity);
    for (const lineNo of r.lineNos ?? held.map((l) => l.lineNo)) {
      exclusions.set(`${r.supplierId}\u0000${lineNo}`, { supplierId: r.supplierId, lineNo });
    }
  }
  const allExclusions = [...exclusions.values()].sort((a, b) =>
    a.lineNo !== b.lineNo ? a.lineNo - b.lineNo : a.supplierId < b.supplierId ? -1 : a.supplierId > b.supplierId ? 1 : 0,
  );
  const lines: RoutingLine[] = input.lines
    .filter((l) => affected.has(l.lineNo))
    .map((l) => ({ ...l, quantity: affected.get(l.lineNo) ?? 0 }));
  const allocation = routeOrder({ ...input, lines, exclusions: allExclusions }, config);
  return {
    kept,
    allocation,
    exclusions: allExclusions,
    cancelled: allocation.unservable,
    refundAmountMinor: allocation.unservable.reduce((s, u) => s + u.amountMinor, 0),
  };
}

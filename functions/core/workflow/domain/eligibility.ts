/** Routing step 1: eligibility of every supplier offer for every order line, with machine-readable reasons (routing.ts). Pure. */
import type { ShippingMethod, Supplier } from '../../suppliers/domain/supplier';
import type { SupplierOffer } from '../../inventory/domain/catalog';
import { type RoutingConfig, DEFAULT_ROUTING_CONFIG, type RoutingInput, INELIGIBILITY_CODES, type IneligibilityCode, type IneligibilityReason, type SupplierOption, type LineEligibility } from './routing-rules';

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

export function reservationKey(supplierId: string, sku: string): string {
  return `${supplierId}\u0000${sku}`;
}

/** What eligibility reads once per order: suppliers by id, offers by SKU, exclusions, stock held by the order itself. */
interface EligibilityContext {
  readonly input: RoutingInput;
  readonly config: RoutingConfig;
  readonly suppliers: ReadonlyMap<string, Supplier>;
  readonly offersBySku: ReadonlyMap<string, readonly SupplierOffer[]>;
  readonly excluded: ReadonlySet<string>;
  readonly held: ReadonlyMap<string, number>;
}

function eligibilityContext(input: RoutingInput, config: RoutingConfig): EligibilityContext {
  const offersBySku = new Map<string, SupplierOffer[]>();
  for (const o of input.offers) {
    const list = offersBySku.get(o.sku) ?? [];
    list.push(o);
    offersBySku.set(o.sku, list);
  }
  const held = new Map<string, number>();
  for (const h of input.heldReservations ?? []) {
    const k = reservationKey(h.supplierId, h.sku);
    held.set(k, (held.get(k) ?? 0) + Math.max(0, h.quantity));
  }
  return {
    input,
    config,
    suppliers: new Map(input.suppliers.map((s) => [s.supplierId, s])),
    offersBySku,
    excluded: new Set((input.exclusions ?? []).map((e) => `${e.supplierId}\u0000${e.lineNo}`)),
    held,
  };
}

/** Why a known supplier cannot ship an offer (status, feed freshness, shipping zone / method), and its shipping. */
function supplierReasons(
  ctx: EligibilityContext,
  supplier: Supplier,
  offer: SupplierOffer,
): { reasons: IneligibilityReason[]; shipping: { zoneId: string; method: ShippingMethod } | undefined } {
  const { input, config } = ctx;
  const reasons: IneligibilityReason[] = [];
  if (supplier.status !== 'ACTIVE') reasons.push({ code: 'SUPPLIER_NOT_ACTIVE', detail: `supplier status is ${supplier.status}` });
  // Paused by an operator (POST /ops/suppliers/{id}/pause): no new orders; what is in flight continues.
  if (supplier.paused !== undefined) reasons.push({ code: 'SUPPLIER_PAUSED', detail: `paused by an operator since ${supplier.paused.at}` });
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
  const country = input.destination.country.toUpperCase();
  const zone = supplier.shippingZones.find((z) => z.countries.some((c) => c.toUpperCase() === country));
  if (zone === undefined) {
    reasons.push({ code: 'NO_SHIPPING_ZONE', detail: `does not ship to ${country}` });
    return { reasons, shipping: undefined };
  }
  const shipping = shippingFor(supplier, input.destination.country, config.shippingMethod);
  if (shipping === undefined) reasons.push({ code: 'NO_SHIPPING_METHOD', detail: `zone ${zone.zoneId} has no shipping method` });
  return { reasons, shipping };
}

/** One supplier's offer for one line: eligible (every rule passes), qualified (may take part of a split line), reasons. */
function offerOption(ctx: EligibilityContext, line: RoutingInput['lines'][number], lineReasons: readonly IneligibilityReason[], offer: SupplierOffer): SupplierOption {
  const { input } = ctx;
  const supplier = ctx.suppliers.get(offer.supplierId);
  const available = Math.max(0, offer.stock - offer.reserved) + (ctx.held.get(reservationKey(offer.supplierId, offer.sku)) ?? 0);
  const checked =
    supplier === undefined
      ? { reasons: [{ code: 'SUPPLIER_UNKNOWN', detail: `supplier ${offer.supplierId} is not in the catalog` } as IneligibilityReason], shipping: undefined }
      : supplierReasons(ctx, supplier, offer);
  const { reasons, shipping } = checked;
  if (offer.discontinued) reasons.push({ code: 'DISCONTINUED', detail: 'the supplier discontinued this SKU' });
  if (input.currency !== undefined && offer.currency.toUpperCase() !== input.currency.toUpperCase()) {
    reasons.push({ code: 'CURRENCY_MISMATCH', detail: `offer is in ${offer.currency}, order in ${input.currency}` });
  } else if (offer.mapMinor !== undefined && line.unitPriceMinor < offer.mapMinor) {
    reasons.push({ code: 'MAP_VIOLATION', detail: `retail price ${line.unitPriceMinor} is below the supplier's MAP ${offer.mapMinor}` });
  }
  if (ctx.excluded.has(`${offer.supplierId}\u0000${line.lineNo}`)) {
    reasons.push({ code: 'EXCLUDED', detail: 'supplier already rejected or timed out on this line' });
  }
  const qualified = reasons.length === 0 && lineReasons.length === 0 && available > 0;
  if (available < line.quantity) reasons.push({ code: 'INSUFFICIENT_STOCK', detail: `${available} available, ${line.quantity} ordered` });
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
}

/** The line's own reasons, else (no eligible supplier) the first reason of each code across its options. */
function lineSummaryReasons(lineReasons: readonly IneligibilityReason[], options: readonly SupplierOption[], eligibleCount: number): readonly IneligibilityReason[] {
  if (lineReasons.length > 0 || eligibleCount > 0) return lineReasons;
  const codes = new Map<IneligibilityCode, string>();
  for (const o of options) for (const r of o.reasons) if (!codes.has(r.code)) codes.set(r.code, `${o.supplierId}: ${r.detail}`);
  return [...codes.entries()]
    .sort(([a], [b]) => INELIGIBILITY_CODES.indexOf(a) - INELIGIBILITY_CODES.indexOf(b))
    .map(([code, detail]) => ({ code, detail }));
}

function lineEligibility(ctx: EligibilityContext, line: RoutingInput['lines'][number]): LineEligibility {
  const lineReasons: IneligibilityReason[] = [];
  if (!Number.isInteger(line.quantity) || line.quantity <= 0) {
    lineReasons.push({ code: 'INVALID_QUANTITY', detail: `quantity ${line.quantity} is not a positive integer` });
  }
  // One offer per supplier and SKU (the first, should the catalog hold duplicates).
  const seenSuppliers = new Set<string>();
  const offers = [...(ctx.offersBySku.get(line.sku) ?? [])]
    .sort((a, b) => (a.supplierId < b.supplierId ? -1 : a.supplierId > b.supplierId ? 1 : 0))
    .filter((o) => (seenSuppliers.has(o.supplierId) ? false : (seenSuppliers.add(o.supplierId), true)));
  if (offers.length === 0) lineReasons.push({ code: 'NO_OFFER', detail: `no supplier offers SKU ${line.sku}` });
  const options = offers.map((offer) => offerOption(ctx, line, lineReasons, offer));
  const eligibleSupplierIds = options.filter((o) => o.eligible).map((o) => o.supplierId);
  const reasons = lineSummaryReasons(lineReasons, options, eligibleSupplierIds.length);
  return { lineNo: line.lineNo, sku: line.sku, quantity: line.quantity, options, eligibleSupplierIds, reasons };
}

/** Eligibility of every supplier offer for every line, with reasons. */
export function checkEligibility(input: RoutingInput, config: RoutingConfig = DEFAULT_ROUTING_CONFIG): readonly LineEligibility[] {
  const nowMs = instantMs(input.now);
  if (nowMs === undefined) throw new RangeError(`now is not an ISO timestamp: ${JSON.stringify(input.now)}`);
  const ctx = eligibilityContext(input, config);
  const seenLines = new Set<number>();
  return input.lines.map((line) => {
    if (seenLines.has(line.lineNo)) throw new RangeError(`Duplicate lineNo ${line.lineNo}`);
    seenLines.add(line.lineNo);
    return lineEligibility(ctx, line);
  });
}

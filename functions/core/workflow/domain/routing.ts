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
import { combineWindows, promiseDates } from './delivery';
import { type RoutingConfig, DEFAULT_ROUTING_CONFIG, type RoutingLine, type Exclusion, type RoutingInput, type IneligibilityReason, type LineEligibility, type PlannedLine, type PlannedFulfillment, type UnservableLine, type Allocation } from './routing-rules';
import { reservationKey, checkEligibility } from './eligibility';
import { type Cand, type Part, type Problem, perLineCompare, allocateWithin, search } from './allocation-search';

/** The search problem: per line its qualified suppliers in per-line preference order, with stock, shipping cost and priority. */
function routingProblem(input: RoutingInput, eligibility: readonly LineEligibility[], config: RoutingConfig): Problem {
  const shippingCost = new Map<string, number>();
  const priority = new Map<string, number>();
  const stock = new Map<string, number>();
  const cands: Cand[][] = eligibility.map((le, i) => {
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
  return { lines: input.lines, cands, stock, shippingCost, priority, config };
}

function unservableLine(input: RoutingInput, eligibility: readonly LineEligibility[], i: number): UnservableLine {
  const line = input.lines[i] as RoutingLine;
  const le = eligibility[i] as LineEligibility;
  const reasons: readonly IneligibilityReason[] =
    le.reasons.length > 0 ? le.reasons : [{ code: 'INSUFFICIENT_STOCK', detail: `not enough stock across eligible suppliers for ${line.quantity} units` }];
  return {
    lineNo: line.lineNo,
    sku: line.sku,
    quantity: line.quantity,
    unitPriceMinor: line.unitPriceMinor,
    amountMinor: line.unitPriceMinor * Math.max(0, line.quantity),
    reasons,
  };
}

/** One supplier's share of the chosen allocation as a fulfillment: its lines, costs and delivery promise. */
function promisedFulfillment(problem: Problem, parts: readonly Part[], supplier: Supplier, orderedAt: string): PlannedFulfillment {
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
  return {
    supplierId: supplier.supplierId,
    lines,
    zoneId: first?.zoneId ?? '',
    shippingMethod: method,
    wholesaleCostMinor,
    shippingCostMinor: method.costMinor,
    landedCostMinor: wholesaleCostMinor + method.costMinor,
    promise: promiseDates(
      { orderedAt, processingDays: supplier.processingDays, transitDaysMin: method.transitDaysMin, transitDaysMax: method.transitDaysMax },
      problem.config.calendar,
    ),
  };
}

/** Route an order: eligibility, allocation by the rule order, fulfillments with promise dates. */
export function routeOrder(input: RoutingInput, config: RoutingConfig = DEFAULT_ROUTING_CONFIG): Allocation {
  const eligibility = checkEligibility(input, config);
  const supplierById = new Map(input.suppliers.map((s) => [s.supplierId, s]));
  // Pass 1 (lenient, all suppliers): which lines can be served at all.
  const full = routingProblem(input, eligibility, config);
  const failed: number[] = [];
  allocateWithin(full, undefined, failed);
  const failedSet = new Set(failed);
  const servableIdx = input.lines.map((_, i) => i).filter((i) => !failedSet.has(i));
  // Pass 2: choose the best allocation of the servable lines.
  const problem: Problem = {
    ...full,
    lines: servableIdx.map((i) => input.lines[i] as RoutingLine),
    cands: servableIdx.map((i) => full.cands[i] as Cand[]),
  };
  const found = search(problem);
  const orderedAt = input.orderedAt ?? input.now;
  const fulfillments: PlannedFulfillment[] = (found?.best.used ?? []).map((supplierId) =>
    promisedFulfillment(problem, found?.best.parts.filter((p) => p.cand.supplierId === supplierId) ?? [], supplierById.get(supplierId) as Supplier, orderedAt),
  );
  const wholesaleCostMinor = fulfillments.reduce((s, f) => s + f.wholesaleCostMinor, 0);
  const shippingCostMinor = fulfillments.reduce((s, f) => s + f.shippingCostMinor, 0);
  return {
    fulfillments,
    unservable: failed.map((i) => unservableLine(input, eligibility, i)),
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

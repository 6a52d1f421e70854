/**
 * ValidateAndRoute, the first task of every execution: validate-and-screen.ts, then (on CONTINUE) the
 * reservation and routing below, in ONE Lambda invocation and one state transition. Each half keeps its
 * own transaction and timeline events (OrderValidated [+ OrderOnHold] | OrderRejected, then
 * OrderReserved + OrderRouted), so a failure between them leaves a VALIDATED order that the retried
 * (or redriven) task continues from.
 *
 * ReserveAndRoute: route every line (workflow/domain/routing.ts), reserve the stock of every line in one
 * transaction (all or nothing, never oversold), write one PENDING fulfillment per supplier, move the
 * order VALIDATED → RESERVED → IN_FULFILLMENT (one write, timeline OrderReserved + OrderRouted).
 *
 * Re-entrant: an order that already has fulfillments gets its live ones back (a restarted or
 * redriven execution resumes them); reservations left HELD by an attempt that never wrote its
 * fulfillments are released first and the order is routed again.
 */
import { routeWithDemotions } from '../../scorecards/domain/demotion';
import { loadDemotions } from '../../scorecards/services/scorecards';
import { WORKFLOW_ERROR_NAMES, WorkflowOutcome, WorkflowStateError } from '../../kernel/errors';
import type { RouteResult, ValidateAndRouteResult } from '../schemas/workflow';
import { loadRoutingCatalog, type RoutingCatalog } from '../../inventory/store/catalog';
import { isLive } from '../domain/fulfillment-record';
import { loadOrderAggregate, nextOrder, putOrderUpdate } from '../store/order-aggregate';
import { settleReservations } from '../../inventory/store/reservations';
import { TimelineBatch } from '../../events/store/timeline';
import { allocate, commitAllocation, fulfillmentSummary, nextSequence } from './allocation';
import { screenForRouting } from './validate-and-screen';
import { openLines } from './cancellations';
import { RETRY, optimistic, toFulfillmentTask, type WorkflowDeps } from './workflow-common';
import { dispatchDelaySeconds } from './workflow-settings';

/**
 * A hold that is no longer a hold when HoldDeadline asks: AwaitHoldDecision resumes at once. A day, so it never
 * times out before its own task answers (even a local run at 1/360 waits 4 minutes).
 */
const RESOLVED_HOLD_TIMEOUT_SECONDS = 86_400;

/**
 * The ValidateAndRoute state: ROUTED is the result (→ [DispatchDelay] → Fulfill, no Choice state on the happy
 * path); every other outcome is a named error its Catch routes (OrderOnHold → HoldDeadline, OrderRejected →
 * Rejected, OrderOutOfStock → OutOfStock, OrderClosed → Done). `report: 'HOLD'` (HoldDeadline) returns the
 * outcome with the hold's time left instead.
 */
export async function validateAndRouteState(
  deps: WorkflowDeps,
  input: { readonly orderId: string; readonly report?: 'HOLD' | 'PENDING' | undefined },
): Promise<ValidateAndRouteResult> {
  if (input.report === 'HOLD') {
    const { result } = await screenForRouting(deps, input);
    if (result.outcome === 'HOLD') return { outcome: 'HOLD', fulfillments: [], ...holdFields(result) };
    // Resolved meanwhile (approved, paid, cancelled): AwaitHoldDecision reads the decision at once.
    return { outcome: 'HOLD', fulfillments: [], holdTimeoutSeconds: RESOLVED_HOLD_TIMEOUT_SECONDS };
  }
  return reportOutcome(await validateAndRoute(deps, input));
}

/** ROUTED passes; the rest become the named errors the state machine catches. */
export function reportOutcome(result: ValidateAndRouteResult): ValidateAndRouteResult {
  const { orderOnHold, orderRejected, orderOutOfStock, orderClosed } = WORKFLOW_ERROR_NAMES;
  switch (result.outcome) {
    case 'ROUTED':
      return result;
    case 'HOLD':
      throw new WorkflowOutcome(orderOnHold, `The order is on hold (${result.holdReason ?? 'unknown reason'})`);
    case 'REJECTED':
      throw new WorkflowOutcome(orderRejected, 'The order was rejected by validation');
    case 'OUT_OF_STOCK':
      throw new WorkflowOutcome(orderOutOfStock, 'No eligible supplier has stock for every line');
    case 'DONE':
      throw new WorkflowOutcome(orderClosed, 'The order is already terminal');
  }
}

function holdFields(result: { readonly holdReason?: ValidateAndRouteResult['holdReason']; readonly holdTimeoutSeconds?: number | undefined }) {
  return {
    ...(result.holdReason === undefined ? {} : { holdReason: result.holdReason }),
    ...(result.holdTimeoutSeconds === undefined ? {} : { holdTimeoutSeconds: result.holdTimeoutSeconds }),
  };
}

/** Racing orders for the last units re-read and retry this often before handing back to Step Functions. */
const RESERVE_ATTEMPTS = 12;

/**
 * The ValidateAndRoute task: `{ orderId }` → `{ outcome: 'ROUTED' | 'OUT_OF_STOCK' | 'HOLD' | 'REJECTED' |
 * 'DONE', fulfillments, holdReason?, holdTimeoutSeconds? }` (ResultPath `$.route`). Re-entrant: a held order
 * answers HOLD with the time left, an approved one is reserved and routed, a routed one gets its live
 * fulfillments back, a terminal one DONE.
 */
export async function validateAndRoute(deps: WorkflowDeps, input: { readonly orderId: string }): Promise<ValidateAndRouteResult> {
  const screened = await screenForRouting(deps, input);
  const { result } = screened;
  switch (result.outcome) {
    case 'REJECTED':
    case 'DONE':
      return { outcome: result.outcome, fulfillments: [] };
    case 'HOLD':
      return { outcome: 'HOLD', fulfillments: [], ...holdFields(result) };
    case 'CONTINUE':
      return reserveAndRoute(deps, input, screened.catalog);
  }
}

// Long: one optimistic attempt (route, reserve, fulfillments, timeline, one transaction) that reads top to bottom.
/**
 * Reserve and route a VALIDATED order. `prefetched` = the catalog validation just read (used for the first
 * attempt only: a lost race re-reads).
 */
export async function reserveAndRoute(deps: WorkflowDeps, input: { readonly orderId: string }, prefetched?: RoutingCatalog): Promise<RouteResult> {
  return optimistic(
    'ReserveAndRoute',
    async (attempt) => {
      const aggregate = await loadOrderAggregate(deps.store, input.orderId);
      if (aggregate === undefined) throw new WorkflowStateError(`Order ${input.orderId} does not exist`);
      const { order, fulfillments, reservations } = aggregate;
      const now = deps.now();
      const at = now.toISOString();

      if (fulfillments.length > 0 || ['IN_FULFILLMENT', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED'].includes(order.status)) {
        return {
          outcome: 'ROUTED',
          fulfillments: fulfillments.filter(isLive).map((f) => toFulfillmentTask(f, now, deps.settings)),
          dispatchDelaySeconds: dispatchDelaySeconds(order, now, deps.settings),
        };
      }
      if (order.status === 'CANCELLED' || order.status === 'REJECTED') return { outcome: 'OUT_OF_STOCK', fulfillments: [] };
      if (order.status !== 'VALIDATED' && order.status !== 'RESERVED') {
        throw new WorkflowStateError(`Order ${order.orderId} is ${order.status}: it cannot be reserved`);
      }
      const leftovers = reservations.filter((r) => r.status === 'HELD');
      if (leftovers.length > 0) {
        await settleReservations(deps.store, leftovers, 'RELEASE', 'ROUTING_RESTARTED', at);
        return RETRY;
      }

      const open = new Map(openLines(order).map((l) => [l.lineNo, l.quantity]));
      const skus = order.lines.map((l) => l.sku);
      const catalog =
        attempt === 1 && prefetched !== undefined && skus.every((sku) => prefetched.products.has(sku)) ? prefetched : await loadRoutingCatalog(deps.store, skus);
      const { suppliers } = catalog;
      // Scorecards (issue 15): suppliers past the stage's threshold are routed last, never silently (SupplierDemoted below).
      const demoted = await loadDemotions(deps.store, [...suppliers.keys()], now);
      const { allocation, passedOver } = routeWithDemotions(
        {
          // Open quantities only: lines (or units) cancelled before routing are not reserved.
          lines: order.lines.flatMap((l) => {
            const quantity = open.get(l.lineNo) ?? 0;
            return quantity > 0 ? [{ lineNo: l.lineNo, sku: l.sku, quantity, unitPriceMinor: l.unitPriceMinor }] : [];
          }),
          destination: { country: order.shippingAddress.country, postcode: order.shippingAddress.postcode },
          offers: catalog.offers,
          suppliers: [...suppliers.values()],
          now: at,
          currency: order.currency,
        },
        deps.settings.routing,
        demoted,
      );
      if (allocation.unservable.length > 0 || allocation.fulfillments.length === 0) {
        deps.logger.info('Order cannot be reserved', {
          orderId: order.orderId,
          unservable: allocation.unservable.map((u) => ({ lineNo: u.lineNo, codes: u.reasons.map((r) => r.code) })),
        });
        return { outcome: 'OUT_OF_STOCK', fulfillments: [] };
      }

      // Fresh ids: a released reservation of an interrupted attempt keeps its key (and its history).
      const firstSequence = nextSequence(fulfillments, reservations);
      const allocated = allocation.fulfillments.map((planned, index) =>
        allocate(order, planned, firstSequence + index, suppliers.get(planned.supplierId), at, deps.settings),
      );
      const records = allocated.map((a) => a.record);
      const timeline = new TimelineBatch(order.orderId, order.channelId, at)
        .add({
          type: 'OrderReserved',
          actor: 'platform',
          message: `Stock reserved for ${order.lines.length} line${order.lines.length === 1 ? '' : 's'}`,
          data: { reservations: allocated.flatMap((a) => a.reservations.map((r) => ({ sku: r.sku, supplierId: r.supplierId, quantity: r.quantity }))) },
        })
        .add({
          type: 'OrderRouted',
          actor: 'platform',
          message: `Routed to ${records.map((r) => r.supplierId).join(', ')} (${allocation.ruleOrder.join(' > ')})`,
          data: { fulfillments: fulfillmentSummary(records), landedCostMinor: allocation.landedCostMinor, search: allocation.search },
        });
      for (const d of passedOver) {
        timeline.add({
          type: 'SupplierDemoted',
          actor: 'platform',
          message: `${d.supplierId} moved down the routing order: ${d.metric} ${d.value} past the threshold ${d.threshold} (${d.sample} counted)`,
          data: { ...d, ...(records[0] === undefined ? {} : { chosenSupplierId: records[0].supplierId }) },
        });
      }
      const next = nextOrder(order, { status: 'IN_FULFILLMENT' }, at);
      const outcome = await commitAllocation(
        deps.store,
        allocated,
        catalog,
        [putOrderUpdate(deps.store, next, order.version), ...timeline.items(deps.store)],
        at,
        deps.settings.hotSkus,
      );
      if (!outcome.ok) {
        deps.logger.info('Reservation lost a race; re-reading', { orderId: order.orderId, stage: outcome.stage, codes: outcome.codes });
        return RETRY;
      }
      deps.logger.info('Order reserved and routed', { orderId: order.orderId, fulfillments: records.map((r) => r.fulfillmentId) });
      return {
        outcome: 'ROUTED',
        fulfillments: records.map((r) => toFulfillmentTask(r, now, deps.settings)),
        dispatchDelaySeconds: dispatchDelaySeconds(order, now, deps.settings),
      };
    },
    RESERVE_ATTEMPTS,
  );
}

/**
 * The rules of the scheduled sweeps (docs/workflow.md "Sweeps"): which held reservations to release,
 * which dispatched fulfillments are overdue, which orders are stuck and what to do about them, which
 * suppliers' feeds are stale. Pure and deterministic: `now` is always a parameter; no AWS imports.
 */
import { isFeedFresh } from '../../workflow/domain/eligibility';
import { isTerminalOrderStatus } from '../../orders/domain/order-lifecycle';
import type { FulfillmentStatus } from '../../workflow/domain/fulfillment-status';
import { NON_TERMINAL_ORDER_STATUSES, type NonTerminalOrderStatus, type OrderStatus } from '../../orders/domain/order';
import type { Supplier } from '../../suppliers/domain/supplier';

export const SWEEP_NAMES = ['reservations', 'dispatches', 'orders', 'stale-feeds', 'lost-parcels'] as const;
export type SweepName = (typeof SWEEP_NAMES)[number];

/** Items one sweep run looks at, at most (SWEEP_PAGE_LIMIT). */
export const DEFAULT_SWEEP_PAGE_LIMIT = 200;
export const MAX_SWEEP_PAGE_LIMIT = 5_000;

const MINUTE_MS = 60_000;

function instant(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not an ISO timestamp: ${JSON.stringify(value)}`);
  return ms;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Reservations
// ---------------------------------------------------------------------------------------------

/** Fulfillment statuses whose units are still on the supplier's shelf, waiting to be picked. */
export const UNSHIPPED_FULFILLMENT_STATUSES: readonly FulfillmentStatus[] = ['PENDING', 'DISPATCHED', 'ACCEPTED'];

export type ReservationExpiryReason =
  | 'ORDER_MISSING'
  | 'ORDER_TERMINAL'
  | 'FULFILLMENT_MISSING'
  | 'FULFILLMENT_CLOSED'
  | 'GOODS_LEFT_SUPPLIER'
  | 'STILL_NEEDED'
  | 'NOT_EXPIRED'
  | 'NOT_HELD';

export interface ReservationExpiryDecision {
  readonly action: 'RELEASE' | 'KEEP';
  readonly reason: ReservationExpiryReason;
}

/**
 * What to do with a reservation found on `RESERVATION#HELD` (the sweep queries `holdExpiresAt < now`).
 * `holdExpiresAt` = deliver-by + delivery grace + slack, so a reservation still HELD then belongs to a
 * workflow that is gone, or to one whose goods are long gone. Release when nothing needs the units:
 *   - the order no longer exists, or is terminal (DELIVERED, REJECTED, CANCELLED);
 *   - its fulfillment no longer exists, was rejected / cancelled, or is delivered;
 *   - its fulfillment shipped (SHIPPED, IN_TRANSIT, EXCEPTION): the goods left the supplier's shelf and
 *     the supplier's next feed no longer counts them, so holding them double-counts;
 * Keep it while the order is live and the fulfillment is still unshipped (PENDING, DISPATCHED,
 * ACCEPTED): the supplier may still pick those units. Such an order is past every deadline, so the
 * order sweep surfaces it (ORDER_STUCK) and an operator's cancellation releases it.
 */
export function reservationExpiryDecision(input: {
  readonly reservation: { readonly status: string; readonly holdExpiresAt: string };
  readonly order?: { readonly status: OrderStatus } | undefined;
  readonly fulfillment?: { readonly status: FulfillmentStatus } | undefined;
  readonly now: string;
}): ReservationExpiryDecision {
  if (input.reservation.status !== 'HELD') return { action: 'KEEP', reason: 'NOT_HELD' };
  if (instant(input.reservation.holdExpiresAt, 'holdExpiresAt') >= instant(input.now, 'now')) return { action: 'KEEP', reason: 'NOT_EXPIRED' };
  if (input.order === undefined) return { action: 'RELEASE', reason: 'ORDER_MISSING' };
  if (isTerminalOrderStatus(input.order.status)) return { action: 'RELEASE', reason: 'ORDER_TERMINAL' };
  const fulfillment = input.fulfillment;
  if (fulfillment === undefined) return { action: 'RELEASE', reason: 'FULFILLMENT_MISSING' };
  if (fulfillment.status === 'REJECTED' || fulfillment.status === 'CANCELLED' || fulfillment.status === 'DELIVERED') {
    return { action: 'RELEASE', reason: 'FULFILLMENT_CLOSED' };
  }
  if (UNSHIPPED_FULFILLMENT_STATUSES.includes(fulfillment.status)) return { action: 'KEEP', reason: 'STILL_NEEDED' };
  return { action: 'RELEASE', reason: 'GOODS_LEFT_SUPPLIER' };
}

// ---------------------------------------------------------------------------------------------
// Dispatches
// ---------------------------------------------------------------------------------------------

/** Minutes after `acceptBy` before an unacknowledged purchase order is surfaced (DISPATCH_GRACE_MINUTES). */
export const DEFAULT_DISPATCH_GRACE_MINUTES = 30;

/** Order statuses whose fulfillments the dispatch sweep reads (a reroute can dispatch after a partial shipment). */
export const DISPATCH_SWEEP_ORDER_STATUSES: readonly OrderStatus[] = ['IN_FULFILLMENT', 'PARTIALLY_SHIPPED'];

export interface DispatchCheck {
  readonly overdue: boolean;
  /** dispatchedAt + acceptance SLA (what the purchase order told the supplier), when dispatched. */
  readonly acceptBy?: string | undefined;
  /** acceptBy + grace: from this instant the sweep surfaces it. */
  readonly surfaceAfter?: string | undefined;
}

/**
 * A fulfillment is overdue when it is still DISPATCHED (neither accepted nor rejected, and the workflow's
 * own acceptance timeout has not moved it on) after `acceptBy + grace`. `acceptBy` = dispatchedAt +
 * acceptanceSlaMinutes, exactly as in the purchase order.
 */
export function dispatchCheck(
  fulfillment: { readonly status: FulfillmentStatus; readonly dispatchedAt?: string | undefined; readonly acceptanceSlaMinutes: number },
  now: string,
  graceMinutes: number = DEFAULT_DISPATCH_GRACE_MINUTES,
): DispatchCheck {
  if (fulfillment.dispatchedAt === undefined) return { overdue: false };
  const acceptByMs = instant(fulfillment.dispatchedAt, 'dispatchedAt') + Math.max(0, fulfillment.acceptanceSlaMinutes) * MINUTE_MS;
  const surfaceMs = acceptByMs + Math.max(0, graceMinutes) * MINUTE_MS;
  return {
    overdue: fulfillment.status === 'DISPATCHED' && instant(now, 'now') > surfaceMs,
    acceptBy: iso(acceptByMs),
    surfaceAfter: iso(surfaceMs),
  };
}

// ---------------------------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------------------------

export { NON_TERMINAL_ORDER_STATUSES, type NonTerminalOrderStatus };

/** Stage deadlines in minutes per status; `null` = that status is never considered stuck. */
export type StuckOrderMinutes = Readonly<Record<NonTerminalOrderStatus, number | null>>;

/**
 * Defaults (STUCK_ORDER_MINUTES overrides any of them; the stage config sets them), measured from the
 * order's last change (`updatedAt`). ON_HOLD is never stuck before its own hold timeout
 * (`holdExpiresAt`): 75 h covers the longest default hold (payment, 72 h) plus time for the workflow to
 * cancel it. The fulfillment stages are slow by nature (suppliers ship within days, the workflow itself
 * flags ship-by / deliver-by): 14 / 30 days without any change means the workflow is gone.
 */
export const DEFAULT_STUCK_ORDER_MINUTES: StuckOrderMinutes = {
  RECEIVED: 15,
  VALIDATED: 60,
  ON_HOLD: 75 * 60,
  RESERVED: 60,
  IN_FULFILLMENT: 14 * 24 * 60,
  PARTIALLY_SHIPPED: 30 * 24 * 60,
  SHIPPED: 30 * 24 * 60,
};

export function stuckOrderMinutes(overrides: Partial<Record<NonTerminalOrderStatus, number | null>> = {}): StuckOrderMinutes {
  const merged = { ...DEFAULT_STUCK_ORDER_MINUTES, ...overrides };
  for (const [status, minutes] of Object.entries(merged)) {
    if (minutes !== null && !(Number.isFinite(minutes) && minutes > 0)) throw new RangeError(`Stuck-order minutes for ${status} must be positive, got ${minutes}`);
  }
  return merged;
}

/** Statuses the order sweep queries, in a fixed order. */
export function sweptOrderStatuses(minutes: StuckOrderMinutes): NonTerminalOrderStatus[] {
  return NON_TERMINAL_ORDER_STATUSES.filter((s) => minutes[s] !== null);
}

/**
 * Upper bound for the orders-by-status query (`gsi2sk < cutoff`, gsi2sk = `{updatedAt}#{orderId}`):
 * orders changed before it are candidates (for ON_HOLD a superset: its hold timeout may come later).
 */
export function stuckQueryCutoff(status: NonTerminalOrderStatus, now: string, minutes: StuckOrderMinutes): string | undefined {
  const m = minutes[status];
  if (m === null) return undefined;
  return iso(instant(now, 'now') - m * MINUTE_MS);
}

export interface StuckCheck {
  readonly stuck: boolean;
  /** When the stage deadline passed (the exception's `since`). */
  readonly since?: string | undefined;
  readonly deadlineMinutes?: number | undefined;
}

/** Whether an order is past its stage deadline at `now`. Terminal orders are never stuck. */
export function stuckCheck(
  order: { readonly status: OrderStatus; readonly updatedAt: string; readonly holdExpiresAt?: string | undefined },
  now: string,
  minutes: StuckOrderMinutes,
): StuckCheck {
  if (isTerminalOrderStatus(order.status)) return { stuck: false };
  const m = minutes[order.status as NonTerminalOrderStatus];
  if (m === null) return { stuck: false };
  let deadline = instant(order.updatedAt, 'updatedAt') + m * MINUTE_MS;
  // A hold is never stuck before its own timeout (the workflow cancels it then).
  if (order.status === 'ON_HOLD' && order.holdExpiresAt !== undefined) deadline = Math.max(deadline, instant(order.holdExpiresAt, 'holdExpiresAt'));
  return instant(now, 'now') > deadline ? { stuck: true, since: iso(deadline), deadlineMinutes: m } : { stuck: false, deadlineMinutes: m };
}

/** What DescribeExecution said about the execution named after the order. */
export type ExecutionState = 'MISSING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | 'UNKNOWN';

export type StuckOrderAction =
  /** RECEIVED and no execution exists: its start was lost; start it (name = orderId). */
  | { readonly kind: 'START' }
  /** Put it on the exceptions index with an OrderStuck event (once). */
  | { readonly kind: 'SURFACE' }
  /** Already surfaced: nothing to do. */
  | { readonly kind: 'NONE' };

/**
 * A stuck order: a RECEIVED order without an execution is started (an order whose start failed is
 * never lost); anything else is surfaced for an operator, once (the mark stays until the order changes).
 */
export function stuckOrderAction(status: OrderStatus, execution: ExecutionState, alreadySurfaced: boolean): StuckOrderAction {
  if (status === 'RECEIVED' && execution === 'MISSING') return { kind: 'START' };
  return alreadySurfaced ? { kind: 'NONE' } : { kind: 'SURFACE' };
}

/**
 * The ARN of a Standard execution from its state machine ARN and name:
 * `arn:aws:states:r:a:stateMachine:M` → `arn:aws:states:r:a:execution:M:{name}`.
 */
export function executionArnFor(stateMachineArn: string, name: string): string {
  const marker = ':stateMachine:';
  const at = stateMachineArn.indexOf(marker);
  if (at < 0) throw new RangeError(`Not a state machine ARN: ${stateMachineArn}`);
  return `${stateMachineArn.slice(0, at)}:execution:${stateMachineArn.slice(at + marker.length)}:${name}`;
}

// ---------------------------------------------------------------------------------------------
// Stale feeds
// ---------------------------------------------------------------------------------------------

export type FeedFreshness = 'FRESH' | 'MARK_STALE' | 'ALREADY_STALE' | 'NOT_ACTIVE';

/**
 * An ACTIVE supplier whose last feed (or none at all) is older than its feedFreshnessSlaHours becomes
 * STALE (its offers stop counting: routing and availability already ignore a stale feed, the status
 * makes it visible and alarms). SUSPENDED suppliers are left alone; STALE ones turn ACTIVE again only
 * on the next good feed (the feed service, not this sweep).
 */
export function feedFreshness(supplier: Pick<Supplier, 'status' | 'lastFeedAt' | 'feedFreshnessSlaHours'>, now: string): FeedFreshness {
  if (supplier.status === 'STALE') return 'ALREADY_STALE';
  if (supplier.status !== 'ACTIVE') return 'NOT_ACTIVE';
  return isFeedFresh(supplier, now) ? 'FRESH' : 'MARK_STALE';
}

// ---------------------------------------------------------------------------------------------
// Paging (bounded, resumable)
// ---------------------------------------------------------------------------------------------

/**
 * The order in which a run visits its queries: starting at the one the last run stopped in (so every
 * query gets its turn even when the first always fills the budget), each at most once per run.
 */
export function queryVisitOrder(queryCount: number, next: number): number[] {
  if (queryCount <= 0) return [];
  const start = ((Math.trunc(next) % queryCount) + queryCount) % queryCount;
  return Array.from({ length: queryCount }, (_, i) => (start + i) % queryCount);
}

/**
 * Lifecycles: order, fulfillment (one per supplier per order) and return.
 *
 * - Order statuses move along ORDER_TRANSITIONS; during fulfillment the order status is DERIVED from
 *   its fulfillments (deriveOrderStatus) and merged forward only (nextOrderStatus).
 * - A fulfillment is a set of facts (accepted at, shipments by tracking number, scans, exceptions...)
 *   that only ever grows; its status is a function of those facts. Supplier and carrier events are
 *   merged in with applyFulfillmentEvent, which is idempotent (the same event twice = once) and
 *   monotonic (no event, duplicate or late, moves a fulfillment back): it answers applied /
 *   duplicate / stale / invalid, and only `applied` carries a new state to write.
 * - Label created is not shipped: a shipment counts as shipped on its first carrier scan.
 *
 * Pure and deterministic: every event carries its own time; nothing reads the clock.
 * Diagrams and tables: docs/domain-rules.md.
 */
import type { FulfillmentStatus, OrderLine, OrderStatus, PaymentStatus, ReturnStatus } from './types';

// ---------------------------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------------------------

/** Allowed order status changes. ON_HOLD → ON_HOLD is a change of hold reason. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  RECEIVED: ['VALIDATED', 'REJECTED', 'CANCELLED'],
  VALIDATED: ['ON_HOLD', 'RESERVED', 'CANCELLED'],
  ON_HOLD: ['ON_HOLD', 'VALIDATED', 'RESERVED', 'CANCELLED'],
  RESERVED: ['IN_FULFILLMENT', 'CANCELLED'],
  IN_FULFILLMENT: ['PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'CANCELLED'],
  PARTIALLY_SHIPPED: ['SHIPPED', 'DELIVERED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  REJECTED: [],
  CANCELLED: [],
};

export const TERMINAL_ORDER_STATUSES: readonly OrderStatus[] = ['DELIVERED', 'REJECTED', 'CANCELLED'];

/** Whether an order may move from `from` to `to`. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

export function isTerminalOrderStatus(status: OrderStatus): boolean {
  return TERMINAL_ORDER_STATUSES.includes(status);
}

/**
 * Merge a derived order status into the current one, forward only: the derived status is taken when
 * it is the same or an allowed transition, otherwise the current status stays (e.g. a reroute that
 * adds a new PENDING fulfillment never takes a PARTIALLY_SHIPPED order back to IN_FULFILLMENT).
 */
export function nextOrderStatus(current: OrderStatus, derived: OrderStatus): OrderStatus {
  return current === derived || canTransition(current, derived) ? derived : current;
}

/** What to do with the customer's money when (part of) an order is cancelled. */
export type MoneyAction = 'REFUND' | 'VOID_AUTHORIZATION' | 'NONE';

/**
 * REFUND when money was taken (paid, partially paid); VOID_AUTHORIZATION when it was only
 * authorized; NONE when nothing was taken or it was already refunded/voided.
 */
export function moneyActionOnCancel(paymentStatus: PaymentStatus): MoneyAction {
  switch (paymentStatus) {
    case 'paid':
    case 'partially_paid':
      return 'REFUND';
    case 'authorized':
      return 'VOID_AUTHORIZATION';
    case 'pending':
    case 'refunded':
    case 'voided':
      return 'NONE';
  }
}

export interface LineQuantity {
  readonly lineNo: number;
  readonly quantity: number;
}

export interface RefundRequest {
  readonly action: MoneyAction;
  /** Merchandise amount of the cancelled quantities (unit price × quantity), minor units. */
  readonly amountMinor: number;
  readonly lines: readonly (LineQuantity & { readonly amountMinor: number })[];
}

/**
 * The refund (or void) owed for cancelled line quantities. Amount = Σ unit retail price × cancelled
 * quantity (capped at the ordered quantity). Shipping and tax are left to the retailer's policy.
 * The RefundRequested event is emitted when action is REFUND or VOID_AUTHORIZATION and amount > 0.
 */
export function refundForCancelledLines(
  lines: readonly Pick<OrderLine, 'lineNo' | 'quantity' | 'unitPriceMinor'>[],
  cancelled: readonly LineQuantity[],
  paymentStatus: PaymentStatus,
): RefundRequest {
  const byLine = new Map(lines.map((l) => [l.lineNo, l]));
  const totals = new Map<number, number>();
  for (const c of cancelled) {
    const line = byLine.get(c.lineNo);
    if (line === undefined || !(c.quantity > 0)) continue;
    totals.set(c.lineNo, Math.min(line.quantity, (totals.get(c.lineNo) ?? 0) + c.quantity));
  }
  const out = [...totals.entries()]
    .sort(([a], [b]) => a - b)
    .map(([lineNo, quantity]) => ({ lineNo, quantity, amountMinor: quantity * (byLine.get(lineNo)?.unitPriceMinor ?? 0) }));
  const action = moneyActionOnCancel(paymentStatus);
  return { action, amountMinor: action === 'NONE' ? 0 : out.reduce((s, l) => s + l.amountMinor, 0), lines: out };
}

// ---------------------------------------------------------------------------------------------
// Fulfillment
// ---------------------------------------------------------------------------------------------

/** Shopify fulfillment-order rejection reasons (plus TIMED_OUT for acceptance-SLA silence). */
export const REJECT_REASONS = [
  'OUT_OF_STOCK',
  'INCORRECT_ADDRESS',
  'INELIGIBLE_PRODUCT',
  'UNDELIVERABLE_DESTINATION',
  'OTHER',
  'TIMED_OUT',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Carrier tracking codes. All but LABEL_CREATED are carrier scans (the parcel is with the carrier). */
export const TRACKING_CODES = [
  'LABEL_CREATED',
  'CARRIER_PICKED_UP',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'DELAYED',
  'ATTEMPTED_DELIVERY',
  'EXCEPTION',
  'FAILURE',
  'LOST',
  'RETURNED_TO_SENDER',
  'DELIVERED',
] as const;
export type TrackingCode = (typeof TRACKING_CODES)[number];

/** Tracking codes that open an exception on the shipment until a later non-exception scan. */
export const EXCEPTION_TRACKING_CODES: readonly TrackingCode[] = ['EXCEPTION', 'FAILURE', 'LOST', 'RETURNED_TO_SENDER'];

/** Order of codes that carry the same timestamp (a later stage wins the tie). */
const TRACKING_CODE_RANK: Readonly<Record<TrackingCode, number>> = {
  LABEL_CREATED: 0,
  CARRIER_PICKED_UP: 1,
  IN_TRANSIT: 2,
  DELAYED: 3,
  OUT_FOR_DELIVERY: 4,
  ATTEMPTED_DELIVERY: 5,
  EXCEPTION: 6,
  FAILURE: 7,
  LOST: 8,
  RETURNED_TO_SENDER: 9,
  DELIVERED: 10,
};

export type FulfillmentExceptionCode = 'SHIP_BY_PASSED' | 'DELIVER_BY_PASSED' | 'EXCEPTION' | 'FAILURE' | 'LOST' | 'RETURNED_TO_SENDER';

export interface ShipmentRecord {
  /** Normalized (upper case, no separators). */
  readonly trackingNumber: string;
  readonly carrier?: string | undefined;
  /** Line quantities in this parcel; undefined while only carrier scans (no supplier SHIPPED) are known. */
  readonly lines?: readonly LineQuantity[] | undefined;
  /** When the supplier reported the shipment (label created). */
  readonly labelCreatedAt?: string | undefined;
  /** First carrier scan: the moment the parcel counts as shipped. */
  readonly firstScanAt?: string | undefined;
  readonly lastEvent?: { readonly code: TrackingCode; readonly at: string } | undefined;
  readonly deliveredAt?: string | undefined;
}

export interface ExceptionRecord {
  readonly code: FulfillmentExceptionCode;
  readonly at: string;
  readonly trackingNumber?: string | undefined;
  readonly message?: string | undefined;
}

export interface RejectionRecord {
  readonly reason: RejectReason;
  readonly lineNo?: number | undefined;
  readonly message?: string | undefined;
}

/** Everything known about one fulfillment. JSON-serializable; store it as-is on the item. */
export interface FulfillmentState {
  readonly status: FulfillmentStatus;
  readonly lines: readonly LineQuantity[];
  readonly dispatchedAt?: string | undefined;
  readonly acceptedAt?: string | undefined;
  readonly estimatedShipDate?: string | undefined;
  readonly rejectedAt?: string | undefined;
  readonly rejections?: readonly RejectionRecord[] | undefined;
  readonly cancelledAt?: string | undefined;
  readonly cancelReason?: string | undefined;
  /** Supplier declared the whole fulfillment delivered (DELIVERED without a tracking number). */
  readonly deliveredAt?: string | undefined;
  /** Sorted by tracking number. Several per fulfillment; never overwritten. */
  readonly shipments: readonly ShipmentRecord[];
  /** Append-only history of exceptions, sorted by time (see openExceptions for the live ones). */
  readonly exceptions: readonly ExceptionRecord[];
  /** Ids of the last applied events (bounded), for exact duplicate detection. */
  readonly appliedEventIds: readonly string[];
}

interface EventBase {
  /** When it happened (ISO timestamp) - the supplier's or carrier's time, or the platform's. */
  readonly at: string;
  /** Message id, if the channel provides one: an exact replay is recognized as duplicate. */
  readonly eventId?: string | undefined;
}

export type FulfillmentEvent =
  | (EventBase & { readonly type: 'DISPATCHED' })
  | (EventBase & { readonly type: 'ACCEPTED'; readonly estimatedShipDate?: string | undefined })
  | (EventBase & { readonly type: 'REJECTED'; readonly reasons: readonly RejectionRecord[] })
  | (EventBase & { readonly type: 'ACCEPTANCE_TIMED_OUT' })
  | (EventBase & {
      readonly type: 'SHIPPED';
      readonly trackingNumber: string;
      readonly carrier?: string | undefined;
      readonly lines: readonly LineQuantity[];
    })
  | (EventBase & { readonly type: 'TRACKING'; readonly trackingNumber: string; readonly code: TrackingCode; readonly message?: string | undefined })
  | (EventBase & { readonly type: 'DELIVERED'; readonly trackingNumber?: string | undefined })
  | (EventBase & { readonly type: 'DEADLINE_PASSED'; readonly deadline: 'SHIP_BY' | 'DELIVER_BY' })
  | (EventBase & { readonly type: 'CANCELLED'; readonly reason?: string | undefined });

export type FulfillmentEventType = FulfillmentEvent['type'];

export type InvalidEventReason =
  | 'INVALID_EVENT'
  | 'UNKNOWN_LINE'
  | 'OVER_SHIPPED'
  | 'TRACKING_CONFLICT'
  | 'ALREADY_SHIPPED'
  | 'ACCEPTED_AFTER_CLOSE'
  | 'GOODS_MOVED_AFTER_CLOSE';

export type ApplyResult =
  | {
      readonly outcome: 'applied';
      readonly state: FulfillmentState;
      readonly previousStatus: FulfillmentStatus;
      /** Whether the status changed (publish a status event only then; facts may be added without it). */
      readonly statusChanged: boolean;
    }
  | { readonly outcome: 'duplicate' | 'stale'; readonly state: FulfillmentState; readonly detail: string }
  | { readonly outcome: 'invalid'; readonly state: FulfillmentState; readonly reason: InvalidEventReason; readonly detail: string };

/** Coarse status graph (forward jumps allowed for late/out-of-order events; EXCEPTION ↔ recovery). */
export const FULFILLMENT_TRANSITIONS: Readonly<Record<FulfillmentStatus, readonly FulfillmentStatus[]>> = {
  PENDING: ['DISPATCHED', 'ACCEPTED', 'REJECTED', 'SHIPPED', 'IN_TRANSIT', 'DELIVERED', 'EXCEPTION', 'CANCELLED'],
  DISPATCHED: ['ACCEPTED', 'REJECTED', 'SHIPPED', 'IN_TRANSIT', 'DELIVERED', 'EXCEPTION', 'CANCELLED'],
  ACCEPTED: ['REJECTED', 'SHIPPED', 'IN_TRANSIT', 'DELIVERED', 'EXCEPTION', 'CANCELLED'],
  SHIPPED: ['IN_TRANSIT', 'DELIVERED', 'EXCEPTION'],
  IN_TRANSIT: ['DELIVERED', 'EXCEPTION'],
  EXCEPTION: ['IN_TRANSIT', 'DELIVERED', 'REJECTED', 'CANCELLED'],
  DELIVERED: [],
  REJECTED: [],
  CANCELLED: [],
};

export function canTransitionFulfillment(from: FulfillmentStatus, to: FulfillmentStatus): boolean {
  return FULFILLMENT_TRANSITIONS[from].includes(to);
}

/** Progress stage of a fulfillment, ignoring exceptions: it never decreases (see applyFulfillmentEvent). */
export const FULFILLMENT_PROGRESS: Readonly<Record<Exclude<FulfillmentStatus, 'EXCEPTION'>, number>> = {
  PENDING: 0,
  DISPATCHED: 1,
  ACCEPTED: 2,
  SHIPPED: 3,
  IN_TRANSIT: 4,
  DELIVERED: 5,
  REJECTED: 6,
  CANCELLED: 6,
};

const MAX_EVENT_IDS = 50;

/** A new fulfillment for the given line quantities. */
export function newFulfillment(lines: readonly LineQuantity[]): FulfillmentState {
  return {
    status: 'PENDING',
    lines: [...lines].sort((a, b) => a.lineNo - b.lineNo),
    shipments: [],
    exceptions: [],
    appliedEventIds: [],
  };
}

function normalizeInstant(value: string): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function minTime(a: string | undefined, b: string): string {
  return a === undefined || b < a ? b : a;
}

/** Same normalization as tracking.ts (kept local so this module stays dependency-free). */
function normalizeTracking(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function isScan(code: TrackingCode): boolean {
  return code !== 'LABEL_CREATED';
}

function isExceptionCode(code: TrackingCode): boolean {
  return EXCEPTION_TRACKING_CODES.includes(code);
}

function laterEvent(
  a: ShipmentRecord['lastEvent'],
  b: { readonly code: TrackingCode; readonly at: string },
): { readonly code: TrackingCode; readonly at: string } {
  if (a === undefined) return b;
  // A carrier scan always outranks label creation, whatever the clocks say.
  if (isScan(a.code) !== isScan(b.code)) return isScan(b.code) ? b : a;
  if (b.at !== a.at) return b.at > a.at ? b : a;
  return TRACKING_CODE_RANK[b.code] > TRACKING_CODE_RANK[a.code] ? b : a;
}

function sameLines(a: readonly LineQuantity[], b: readonly LineQuantity[]): boolean {
  const norm = (ls: readonly LineQuantity[]): string =>
    JSON.stringify([...ls].sort((x, y) => x.lineNo - y.lineNo).map((l) => [l.lineNo, l.quantity]));
  return norm(a) === norm(b);
}

function mergeLines(lines: readonly LineQuantity[]): LineQuantity[] {
  const m = new Map<number, number>();
  for (const l of lines) m.set(l.lineNo, (m.get(l.lineNo) ?? 0) + l.quantity);
  return [...m.entries()].sort(([a], [b]) => a - b).map(([lineNo, quantity]) => ({ lineNo, quantity }));
}

function isFullyDelivered(state: FulfillmentState): boolean {
  if (state.deliveredAt !== undefined) return true;
  if (state.shipments.length === 0) return false;
  if (!state.shipments.every((s) => s.deliveredAt !== undefined && s.lines !== undefined)) return false;
  const covered = new Map<number, number>();
  for (const s of state.shipments) for (const l of s.lines ?? []) covered.set(l.lineNo, (covered.get(l.lineNo) ?? 0) + l.quantity);
  return state.lines.every((l) => (covered.get(l.lineNo) ?? 0) >= l.quantity);
}

/** Status ignoring exceptions (the progress stage). */
export function baseFulfillmentStatus(state: FulfillmentState): Exclude<FulfillmentStatus, 'EXCEPTION'> {
  if (state.cancelledAt !== undefined) return 'CANCELLED';
  if (state.rejectedAt !== undefined) return 'REJECTED';
  if (isFullyDelivered(state)) return 'DELIVERED';
  if (state.shipments.some((s) => s.firstScanAt !== undefined)) return 'IN_TRANSIT';
  if (state.shipments.length > 0) return 'SHIPPED';
  if (state.acceptedAt !== undefined) return 'ACCEPTED';
  if (state.dispatchedAt !== undefined) return 'DISPATCHED';
  return 'PENDING';
}

/** The progress rank of a state (0 PENDING … 5 DELIVERED, 6 REJECTED/CANCELLED). */
export function fulfillmentProgress(state: FulfillmentState): number {
  return FULFILLMENT_PROGRESS[baseFulfillmentStatus(state)];
}

/**
 * Exceptions still open:
 * - SHIP_BY_PASSED until the first carrier scan (or a delivery);
 * - DELIVER_BY_PASSED until delivered;
 * - a carrier exception on a parcel until a later non-exception scan of that parcel or its delivery.
 */
export function openExceptions(state: FulfillmentState): readonly ExceptionRecord[] {
  const base = baseFulfillmentStatus(state);
  if (base === 'DELIVERED' || base === 'REJECTED' || base === 'CANCELLED') return [];
  const scanned = state.shipments.some((s) => s.firstScanAt !== undefined);
  return state.exceptions.filter((e) => {
    switch (e.code) {
      case 'SHIP_BY_PASSED':
        return !scanned;
      case 'DELIVER_BY_PASSED':
        return true;
      default: {
        const s = state.shipments.find((x) => x.trackingNumber === e.trackingNumber);
        if (s === undefined || s.deliveredAt !== undefined) return false;
        return s.lastEvent !== undefined && s.lastEvent.at === e.at && s.lastEvent.code === e.code;
      }
    }
  });
}

function withStatus(state: FulfillmentState): FulfillmentState {
  const base = baseFulfillmentStatus(state);
  const terminal = base === 'DELIVERED' || base === 'REJECTED' || base === 'CANCELLED';
  const status: FulfillmentStatus = !terminal && openExceptions(state).length > 0 ? 'EXCEPTION' : base;
  return status === state.status ? state : { ...state, status };
}

function upsertShipment(state: FulfillmentState, next: ShipmentRecord): FulfillmentState {
  const others = state.shipments.filter((s) => s.trackingNumber !== next.trackingNumber);
  const shipments = [...others, next].sort((a, b) => (a.trackingNumber < b.trackingNumber ? -1 : a.trackingNumber > b.trackingNumber ? 1 : 0));
  return { ...state, shipments };
}

function addException(state: FulfillmentState, record: ExceptionRecord): FulfillmentState {
  const exists = state.exceptions.some(
    (e) => e.code === record.code && e.at === record.at && e.trackingNumber === record.trackingNumber,
  );
  if (exists) return state;
  const exceptions = [...state.exceptions, record].sort((a, b) =>
    a.at !== b.at ? (a.at < b.at ? -1 : 1) : `${a.code}|${a.trackingNumber ?? ''}` < `${b.code}|${b.trackingNumber ?? ''}` ? -1 : 1,
  );
  return { ...state, exceptions };
}

/** Last event of a parcel: its delivery once delivered, else the latest event (ties: later stage). */
function settleLastEvent(shipment: ShipmentRecord, incoming: { readonly code: TrackingCode; readonly at: string }): ShipmentRecord {
  let lastEvent =
    shipment.deliveredAt !== undefined ? { code: 'DELIVERED' as const, at: shipment.deliveredAt } : laterEvent(shipment.lastEvent, incoming);
  // Before any scan the parcel's last event is its (first) label creation: a re-sent SHIPPED changes nothing.
  if (lastEvent.code === 'LABEL_CREATED' && shipment.labelCreatedAt !== undefined) {
    lastEvent = { code: 'LABEL_CREATED', at: shipment.labelCreatedAt };
  }
  return { ...shipment, lastEvent };
}

function applyScan(state: FulfillmentState, trackingNumber: string, code: TrackingCode, at: string, message?: string): FulfillmentState {
  let shipment: ShipmentRecord = state.shipments.find((s) => s.trackingNumber === trackingNumber) ?? { trackingNumber };
  if (code === 'DELIVERED') shipment = { ...shipment, deliveredAt: minTime(shipment.deliveredAt, at) };
  shipment = isScan(code)
    ? { ...shipment, firstScanAt: minTime(shipment.firstScanAt, at) }
    : { ...shipment, labelCreatedAt: minTime(shipment.labelCreatedAt, at) };
  shipment = settleLastEvent(shipment, { code, at });
  let next = upsertShipment(state, shipment);
  if (isExceptionCode(code)) {
    next = addException(next, { code: code as FulfillmentExceptionCode, at, trackingNumber, message });
  }
  // History keeps the parcel's exceptions up to its delivery; anything reported after it is noise.
  const deliveredAt = shipment.deliveredAt;
  if (deliveredAt !== undefined) {
    const exceptions = next.exceptions.filter((e) => e.trackingNumber !== trackingNumber || e.at <= deliveredAt);
    if (exceptions.length !== next.exceptions.length) next = { ...next, exceptions };
  }
  return next;
}

function shipmentsExist(state: FulfillmentState): boolean {
  return state.shipments.length > 0 || state.deliveredAt !== undefined;
}

function declaredByLine(state: FulfillmentState, excludeTracking?: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const s of state.shipments) {
    if (s.trackingNumber === excludeTracking) continue;
    for (const l of s.lines ?? []) m.set(l.lineNo, (m.get(l.lineNo) ?? 0) + l.quantity);
  }
  return m;
}

type Step =
  | { readonly kind: 'state'; readonly state: FulfillmentState }
  | { readonly kind: 'noop'; readonly outcome: 'duplicate' | 'stale'; readonly detail: string }
  | { readonly kind: 'invalid'; readonly reason: InvalidEventReason; readonly detail: string };

function invalid(reason: InvalidEventReason, detail: string): Step {
  return { kind: 'invalid', reason, detail };
}

function merge(state: FulfillmentState, event: FulfillmentEvent, at: string): Step {
  const closedAt = state.cancelledAt ?? state.rejectedAt;
  const closed = closedAt !== undefined;
  const closedAs = state.cancelledAt !== undefined ? 'CANCELLED' : 'REJECTED';

  switch (event.type) {
    case 'DISPATCHED': {
      if (closed) return { kind: 'noop', outcome: 'stale', detail: `fulfillment is ${closedAs}` };
      return { kind: 'state', state: { ...state, dispatchedAt: minTime(state.dispatchedAt, at) } };
    }
    case 'ACCEPTED': {
      if (closed) {
        return at < closedAt
          ? { kind: 'noop', outcome: 'stale', detail: `acceptance predates the ${closedAs.toLowerCase()} at ${closedAt}` }
          : invalid('ACCEPTED_AFTER_CLOSE', `supplier accepted a fulfillment that is already ${closedAs}`);
      }
      const estimatedShipDate = state.estimatedShipDate ?? event.estimatedShipDate;
      return { kind: 'state', state: { ...state, acceptedAt: minTime(state.acceptedAt, at), estimatedShipDate } };
    }
    case 'REJECTED':
    case 'ACCEPTANCE_TIMED_OUT': {
      if (closed) {
        return { kind: 'noop', outcome: closedAs === 'REJECTED' ? 'duplicate' : 'stale', detail: `fulfillment is already ${closedAs}` };
      }
      if (shipmentsExist(state)) return invalid('ALREADY_SHIPPED', 'a fulfillment with shipments cannot be rejected');
      if (state.acceptedAt !== undefined && (event.type === 'ACCEPTANCE_TIMED_OUT' || at < state.acceptedAt)) {
        return { kind: 'noop', outcome: 'stale', detail: `superseded by the acceptance at ${state.acceptedAt}` };
      }
      const rejections: RejectionRecord[] =
        event.type === 'REJECTED'
          ? event.reasons.length > 0
            ? [...event.reasons]
            : [{ reason: 'OTHER' }]
          : [{ reason: 'TIMED_OUT', message: 'no answer within the acceptance SLA' }];
      return { kind: 'state', state: { ...state, rejectedAt: at, rejections } };
    }
    case 'CANCELLED': {
      if (closed) {
        return { kind: 'noop', outcome: closedAs === 'CANCELLED' ? 'duplicate' : 'stale', detail: `fulfillment is already ${closedAs}` };
      }
      if (shipmentsExist(state)) return invalid('ALREADY_SHIPPED', 'a fulfillment with shipments cannot be cancelled');
      return { kind: 'state', state: { ...state, cancelledAt: at, cancelReason: event.reason } };
    }
    case 'SHIPPED': {
      if (closed) return invalid('GOODS_MOVED_AFTER_CLOSE', `shipment reported on a ${closedAs} fulfillment`);
      const trackingNumber = normalizeTracking(event.trackingNumber);
      if (trackingNumber === '') return invalid('INVALID_EVENT', 'tracking number is empty');
      if (event.lines.length === 0) return invalid('INVALID_EVENT', 'a shipment must name at least one line');
      const lines = mergeLines(event.lines);
      for (const l of lines) {
        if (!Number.isInteger(l.quantity) || l.quantity <= 0) return invalid('INVALID_EVENT', `line ${l.lineNo}: quantity must be a positive integer`);
        if (!state.lines.some((x) => x.lineNo === l.lineNo)) return invalid('UNKNOWN_LINE', `line ${l.lineNo} is not in this fulfillment`);
      }
      const existing = state.shipments.find((s) => s.trackingNumber === trackingNumber);
      if (existing?.lines !== undefined && !sameLines(existing.lines, lines)) {
        return invalid('TRACKING_CONFLICT', `tracking ${trackingNumber} was already reported with other lines`);
      }
      if (existing?.carrier !== undefined && event.carrier !== undefined && existing.carrier !== event.carrier) {
        return invalid('TRACKING_CONFLICT', `tracking ${trackingNumber} was already reported with carrier ${existing.carrier}`);
      }
      const declared = declaredByLine(state, trackingNumber);
      for (const l of lines) {
        const ordered = state.lines.find((x) => x.lineNo === l.lineNo)?.quantity ?? 0;
        if ((declared.get(l.lineNo) ?? 0) + l.quantity > ordered) {
          return invalid('OVER_SHIPPED', `line ${l.lineNo}: shipped quantity would exceed the ${ordered} in this fulfillment`);
        }
      }
      const base: ShipmentRecord = existing ?? { trackingNumber };
      const shipment: ShipmentRecord = settleLastEvent(
        { ...base, carrier: base.carrier ?? event.carrier, lines, labelCreatedAt: minTime(base.labelCreatedAt, at) },
        { code: 'LABEL_CREATED', at },
      );
      return { kind: 'state', state: upsertShipment(state, shipment) };
    }
    case 'TRACKING':
    case 'DELIVERED': {
      if (closed) return invalid('GOODS_MOVED_AFTER_CLOSE', `carrier event on a ${closedAs} fulfillment`);
      if (event.type === 'DELIVERED' && (event.trackingNumber === undefined || normalizeTracking(event.trackingNumber) === '')) {
        return { kind: 'state', state: { ...state, deliveredAt: minTime(state.deliveredAt, at) } };
      }
      const trackingNumber = normalizeTracking(event.trackingNumber ?? '');
      if (trackingNumber === '') return invalid('INVALID_EVENT', 'tracking number is empty');
      const code: TrackingCode = event.type === 'DELIVERED' ? 'DELIVERED' : event.code;
      if (!TRACKING_CODES.includes(code)) return invalid('INVALID_EVENT', `unknown tracking code ${String(code)}`);
      return { kind: 'state', state: applyScan(state, trackingNumber, code, at, event.type === 'TRACKING' ? event.message : undefined) };
    }
    case 'DEADLINE_PASSED': {
      if (closed) return { kind: 'noop', outcome: 'stale', detail: `fulfillment is ${closedAs}` };
      const base = baseFulfillmentStatus(state);
      if (base === 'DELIVERED') return { kind: 'noop', outcome: 'stale', detail: 'already delivered' };
      if (event.deadline === 'SHIP_BY' && state.shipments.some((s) => s.firstScanAt !== undefined)) {
        return { kind: 'noop', outcome: 'stale', detail: 'already shipped (carrier scan recorded)' };
      }
      const code: FulfillmentExceptionCode = event.deadline === 'SHIP_BY' ? 'SHIP_BY_PASSED' : 'DELIVER_BY_PASSED';
      if (state.exceptions.some((e) => e.code === code)) {
        return { kind: 'noop', outcome: 'duplicate', detail: `${code} already recorded` };
      }
      return { kind: 'state', state: addException(state, { code, at }) };
    }
  }
}

/** Whether this very fact is already in the state (duplicate) rather than superseded by newer ones (stale). */
function isRecorded(state: FulfillmentState, event: FulfillmentEvent, at: string): boolean {
  switch (event.type) {
    case 'DISPATCHED':
      return state.dispatchedAt !== undefined;
    case 'ACCEPTED':
      return state.acceptedAt !== undefined;
    case 'SHIPPED': {
      const s = state.shipments.find((x) => x.trackingNumber === normalizeTracking(event.trackingNumber));
      return s?.lines !== undefined && sameLines(s.lines, mergeLines(event.lines));
    }
    case 'TRACKING':
    case 'DELIVERED': {
      if (event.type === 'DELIVERED' && (event.trackingNumber === undefined || normalizeTracking(event.trackingNumber) === '')) {
        return state.deliveredAt !== undefined;
      }
      const tracking = normalizeTracking(event.trackingNumber ?? '');
      const code: TrackingCode = event.type === 'DELIVERED' ? 'DELIVERED' : event.code;
      const s = state.shipments.find((x) => x.trackingNumber === tracking);
      if (s === undefined) return false;
      if (code === 'DELIVERED') return s.deliveredAt !== undefined;
      if (code === 'LABEL_CREATED') return s.labelCreatedAt === at;
      return (
        (s.lastEvent?.code === code && s.lastEvent.at === at) ||
        state.exceptions.some((e) => e.code === code && e.at === at && e.trackingNumber === tracking)
      );
    }
    default:
      return true;
  }
}

function isValidEventShape(event: FulfillmentEvent): boolean {
  return typeof event === 'object' && event !== null && typeof event.type === 'string';
}

/**
 * Apply a supplier / carrier / platform event to a fulfillment.
 *
 * - applied: new facts were recorded (`state` is the new state to write, conditionally on the old).
 * - duplicate: the event (same eventId, or the same fact) is already recorded; nothing to write.
 * - stale: the event is older than what is recorded (e.g. a scan after delivery, an acceptance
 *   timeout after the acceptance); nothing to write.
 * - invalid: the event contradicts the fulfillment (e.g. shipped after cancel, over-shipped line,
 *   unknown line, conflicting tracking); nothing to write; surface `reason` to an operator / DLQ.
 *
 * Guarantees (property-tested): applying the same event twice equals applying it once, and no
 * sequence of events lowers fulfillmentProgress or leaves a terminal status.
 */
export function applyFulfillmentEvent(state: FulfillmentState, event: FulfillmentEvent): ApplyResult {
  if (!isValidEventShape(event)) {
    return { outcome: 'invalid', state, reason: 'INVALID_EVENT', detail: 'not an event' };
  }
  if (event.eventId !== undefined && state.appliedEventIds.includes(event.eventId)) {
    return { outcome: 'duplicate', state, detail: `event ${event.eventId} already applied` };
  }
  const at = normalizeInstant(event.at);
  if (at === undefined) {
    return { outcome: 'invalid', state, reason: 'INVALID_EVENT', detail: `event time ${JSON.stringify(event.at)} is not an ISO timestamp` };
  }
  const step = merge(state, event, at);
  if (step.kind === 'invalid') return { outcome: 'invalid', state, reason: step.reason, detail: step.detail };
  if (step.kind === 'noop') return { outcome: step.outcome, state, detail: step.detail };

  const next = withStatus(step.state);
  const { appliedEventIds: _ignoredPrev, ...prevFacts } = state;
  const { appliedEventIds: _ignoredNext, ...nextFacts } = next;
  if (JSON.stringify(prevFacts) === JSON.stringify(nextFacts)) {
    return isRecorded(state, event, at)
      ? { outcome: 'duplicate', state, detail: 'event already recorded' }
      : { outcome: 'stale', state, detail: 'event is older than what the fulfillment already records' };
  }
  if (fulfillmentProgress(next) < fulfillmentProgress(state)) {
    return { outcome: 'stale', state, detail: `event would move the fulfillment back from ${state.status}` };
  }
  const appliedEventIds =
    event.eventId === undefined ? next.appliedEventIds : [...next.appliedEventIds, event.eventId].slice(-MAX_EVENT_IDS);
  return {
    outcome: 'applied',
    state: { ...next, appliedEventIds },
    previousStatus: state.status,
    statusChanged: next.status !== state.status,
  };
}

/** Apply events in order, keeping the last state (convenience for replays and tests). */
export function replayFulfillment(initial: FulfillmentState, events: readonly FulfillmentEvent[]): FulfillmentState {
  return events.reduce((s, e) => applyFulfillmentEvent(s, e).state, initial);
}

/** When the fulfillment counts as shipped: its first carrier scan (label creation does not count). */
export function shippedAt(state: FulfillmentState): string | undefined {
  let first: string | undefined;
  for (const s of state.shipments) if (s.firstScanAt !== undefined) first = minTime(first, s.firstScanAt);
  return first ?? state.deliveredAt;
}

export interface LineProgress {
  readonly lineNo: number;
  readonly quantity: number;
  /** In parcels the supplier reported (label created or later). */
  readonly declaredQuantity: number;
  /** In parcels the carrier has scanned (counts as shipped). */
  readonly shippedQuantity: number;
  readonly deliveredQuantity: number;
}

/** Per-line quantities: ordered vs declared vs shipped (scanned) vs delivered. */
export function fulfillmentLineProgress(state: FulfillmentState): readonly LineProgress[] {
  const allDelivered = baseFulfillmentStatus(state) === 'DELIVERED';
  return state.lines.map((line) => {
    let declared = 0;
    let shipped = 0;
    let delivered = 0;
    for (const s of state.shipments) {
      const q = s.lines?.find((l) => l.lineNo === line.lineNo)?.quantity ?? 0;
      declared += q;
      if (s.firstScanAt !== undefined) shipped += q;
      if (s.deliveredAt !== undefined) delivered += q;
    }
    if (allDelivered) return { lineNo: line.lineNo, quantity: line.quantity, declaredQuantity: line.quantity, shippedQuantity: line.quantity, deliveredQuantity: line.quantity };
    const cap = (n: number): number => Math.min(line.quantity, n);
    return { lineNo: line.lineNo, quantity: line.quantity, declaredQuantity: cap(declared), shippedQuantity: cap(shipped), deliveredQuantity: cap(delivered) };
  });
}

export interface OrderProgress {
  readonly status: OrderStatus;
  /** Per order line, summed over live (not rejected / cancelled) fulfillments. */
  readonly lines: readonly LineProgress[];
  /** Fulfillments currently in EXCEPTION. */
  readonly exceptionCount: number;
}

export interface DeriveOptions {
  /** Count label-created parcels as shipped (default false: only carrier scans count). */
  readonly countLabelCreatedAsShipped?: boolean;
}

/**
 * The order status implied by its fulfillments (rejected and cancelled ones are ignored: their lines
 * were rerouted to another fulfillment or cancelled):
 * - no fulfillments → IN_FULFILLMENT; none live → CANCELLED;
 * - every live fulfillment delivered → DELIVERED (so cancelled-with-some-delivered is DELIVERED);
 * - every live line quantity shipped → SHIPPED; some → PARTIALLY_SHIPPED; none → IN_FULFILLMENT.
 */
export function summarizeOrderProgress(fulfillments: readonly FulfillmentState[], options: DeriveOptions = {}): OrderProgress {
  const live = fulfillments.filter((f) => f.status !== 'REJECTED' && f.status !== 'CANCELLED');
  const byLine = new Map<number, { quantity: number; declared: number; shipped: number; delivered: number }>();
  for (const f of live) {
    for (const p of fulfillmentLineProgress(f)) {
      const acc = byLine.get(p.lineNo) ?? { quantity: 0, declared: 0, shipped: 0, delivered: 0 };
      byLine.set(p.lineNo, {
        quantity: acc.quantity + p.quantity,
        declared: acc.declared + p.declaredQuantity,
        shipped: acc.shipped + (options.countLabelCreatedAsShipped === true ? p.declaredQuantity : p.shippedQuantity),
        delivered: acc.delivered + p.deliveredQuantity,
      });
    }
  }
  const lines: LineProgress[] = [...byLine.entries()]
    .sort(([a], [b]) => a - b)
    .map(([lineNo, v]) => ({ lineNo, quantity: v.quantity, declaredQuantity: v.declared, shippedQuantity: v.shipped, deliveredQuantity: v.delivered }));
  const exceptionCount = live.filter((f) => f.status === 'EXCEPTION').length;

  let status: OrderStatus;
  if (fulfillments.length === 0) status = 'IN_FULFILLMENT';
  else if (live.length === 0) status = 'CANCELLED';
  else if (live.every((f) => f.status === 'DELIVERED')) status = 'DELIVERED';
  else {
    const total = lines.reduce((s, l) => s + l.quantity, 0);
    const shipped = lines.reduce((s, l) => s + Math.min(l.quantity, l.shippedQuantity), 0);
    status = shipped >= total && total > 0 ? 'SHIPPED' : shipped > 0 ? 'PARTIALLY_SHIPPED' : 'IN_FULFILLMENT';
  }
  return { status, lines, exceptionCount };
}

/** Shorthand for summarizeOrderProgress(...).status. */
export function deriveOrderStatus(fulfillments: readonly FulfillmentState[], options: DeriveOptions = {}): OrderStatus {
  return summarizeOrderProgress(fulfillments, options).status;
}

// ---------------------------------------------------------------------------------------------
// Returns
// ---------------------------------------------------------------------------------------------

/** REQUESTED → AUTHORIZED (supplier RMA) → RECEIVED → REFUNDED, strictly in order. */
export const RETURN_TRANSITIONS: Readonly<Record<ReturnStatus, readonly ReturnStatus[]>> = {
  REQUESTED: ['AUTHORIZED'],
  AUTHORIZED: ['RECEIVED'],
  RECEIVED: ['REFUNDED'],
  REFUNDED: [],
};

const RETURN_RANK: Readonly<Record<ReturnStatus, number>> = { REQUESTED: 0, AUTHORIZED: 1, RECEIVED: 2, REFUNDED: 3 };

export function canTransitionReturn(from: ReturnStatus, to: ReturnStatus): boolean {
  return RETURN_TRANSITIONS[from].includes(to);
}

export type ReturnApplyResult =
  | { readonly outcome: 'applied'; readonly status: ReturnStatus }
  | { readonly outcome: 'duplicate' | 'stale'; readonly status: ReturnStatus }
  | { readonly outcome: 'invalid'; readonly status: ReturnStatus; readonly detail: string };

/** Move a return to `target`: same = duplicate, earlier = stale, skipping a step = invalid. */
export function applyReturnStatus(current: ReturnStatus, target: ReturnStatus): ReturnApplyResult {
  if (current === target) return { outcome: 'duplicate', status: current };
  if (RETURN_RANK[target] < RETURN_RANK[current]) return { outcome: 'stale', status: current };
  if (canTransitionReturn(current, target)) return { outcome: 'applied', status: target };
  return { outcome: 'invalid', status: current, detail: `a return cannot go from ${current} to ${target}: ${RETURN_TRANSITIONS[current].join(', ')} comes next` };
}

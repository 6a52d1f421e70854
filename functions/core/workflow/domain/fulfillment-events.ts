/**
 * Supplier and carrier events merged into a fulfillment with applyFulfillmentEvent, which is
 * idempotent (the same event twice = once) and monotonic (no event, duplicate or late, moves a
 * fulfillment back): it answers applied / duplicate / stale / invalid, and only `applied` carries a
 * new state to write. Pure and deterministic: every event carries its own time; nothing reads the clock.
 */
import type { FulfillmentStatus } from './fulfillment-status';
import type { LineQuantity } from '../../orders/domain/order-lifecycle';
import { TRACKING_CODES, type TrackingCode, EXCEPTION_TRACKING_CODES, TRACKING_CODE_RANK, type FulfillmentExceptionCode, type ShipmentRecord, type ExceptionRecord, type RejectionRecord, type FulfillmentState, type FulfillmentEvent, type InvalidEventReason, type ApplyResult, FULFILLMENT_PROGRESS, MAX_EVENT_IDS } from './fulfillment';

function normalizeInstant(value: string): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function minTime(a: string | undefined, b: string): string {
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

// Long: one switch over the fulfillment event types; each case is short and they share the local helpers.
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
        {
          ...base,
          carrier: base.carrier ?? event.carrier,
          ...(event.trackingUnverified === true || base.trackingUnverified === true ? { trackingUnverified: true as const } : {}),
          lines,
          labelCreatedAt: minTime(base.labelCreatedAt, at),
        },
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

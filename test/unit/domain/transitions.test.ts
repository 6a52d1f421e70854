import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FULFILLMENT_TRANSITIONS, TRACKING_CODES, canTransitionFulfillment, newFulfillment } from '../../../functions/core/workflow/domain/fulfillment';
import { ORDER_TRANSITIONS, canTransition, isTerminalOrderStatus, moneyActionOnCancel, nextOrderStatus, refundForCancelledLines } from '../../../functions/core/orders/domain/order-lifecycle';
import { applyFulfillmentEvent, baseFulfillmentStatus, fulfillmentProgress, openExceptions, replayFulfillment } from '../../../functions/core/workflow/domain/fulfillment-events';
import { applyReturnStatus, canTransitionReturn } from '../../../functions/core/orders/domain/returns-lifecycle';
import { deriveOrderStatus, fulfillmentLineProgress, shippedAt, summarizeOrderProgress } from '../../../functions/core/workflow/domain/fulfillment-progress';
import type { FulfillmentEvent, FulfillmentState, TrackingCode } from '../../../functions/core/workflow/domain/fulfillment';
import { FULFILLMENT_STATUSES } from '../../../functions/core/workflow/domain/fulfillment-status';
import { ORDER_STATUSES } from '../../../functions/core/orders/domain/order';
import type { FulfillmentStatus } from '../../../functions/core/workflow/domain/fulfillment-status';
import type { OrderStatus, PaymentStatus } from '../../../functions/core/orders/domain/order';
import type { ReturnStatus } from '../../../functions/core/orders/domain/returns-lifecycle';

const T1 = '1Z5R89390357567127';
const T2 = '1Z879E930346834440';
/** Minute n of the test day, as an ISO timestamp. */
const t = (n: number): string => new Date(Date.parse('2026-11-25T08:00:00.000Z') + n * 60_000).toISOString();

const LINES = [
  { lineNo: 1, quantity: 2 },
  { lineNo: 2, quantity: 1 },
];
const fresh = (): FulfillmentState => newFulfillment(LINES);

const ev = {
  dispatched: (n: number): FulfillmentEvent => ({ type: 'DISPATCHED', at: t(n) }),
  accepted: (n: number, eventId?: string): FulfillmentEvent => ({ type: 'ACCEPTED', at: t(n), eventId }),
  rejected: (n: number): FulfillmentEvent => ({ type: 'REJECTED', at: t(n), reasons: [{ reason: 'OUT_OF_STOCK', lineNo: 1 }] }),
  timedOut: (n: number): FulfillmentEvent => ({ type: 'ACCEPTANCE_TIMED_OUT', at: t(n) }),
  cancelled: (n: number): FulfillmentEvent => ({ type: 'CANCELLED', at: t(n), reason: 'customer' }),
  shippedAll: (n: number, tracking = T1): FulfillmentEvent => ({ type: 'SHIPPED', at: t(n), trackingNumber: tracking, carrier: 'UPS', lines: LINES }),
  shipped: (n: number, tracking: string, lines: { lineNo: number; quantity: number }[]): FulfillmentEvent => ({
    type: 'SHIPPED',
    at: t(n),
    trackingNumber: tracking,
    carrier: 'UPS',
    lines,
  }),
  scan: (n: number, code: TrackingCode, tracking = T1): FulfillmentEvent => ({ type: 'TRACKING', at: t(n), trackingNumber: tracking, code }),
  delivered: (n: number, tracking?: string): FulfillmentEvent => ({ type: 'DELIVERED', at: t(n), trackingNumber: tracking }),
  deadline: (n: number, deadline: 'SHIP_BY' | 'DELIVER_BY'): FulfillmentEvent => ({ type: 'DEADLINE_PASSED', at: t(n), deadline }),
};

describe('order lifecycle', () => {
  it.each<[OrderStatus, OrderStatus, boolean]>([
    ['RECEIVED', 'VALIDATED', true],
    ['RECEIVED', 'REJECTED', true],
    ['RECEIVED', 'RESERVED', false],
    ['VALIDATED', 'ON_HOLD', true],
    ['VALIDATED', 'RESERVED', true],
    ['VALIDATED', 'REJECTED', false],
    ['ON_HOLD', 'ON_HOLD', true],
    ['ON_HOLD', 'RESERVED', true],
    ['ON_HOLD', 'CANCELLED', true],
    ['RESERVED', 'IN_FULFILLMENT', true],
    ['RESERVED', 'SHIPPED', false],
    ['IN_FULFILLMENT', 'PARTIALLY_SHIPPED', true],
    ['IN_FULFILLMENT', 'DELIVERED', true],
    ['IN_FULFILLMENT', 'CANCELLED', true],
    ['PARTIALLY_SHIPPED', 'SHIPPED', true],
    ['PARTIALLY_SHIPPED', 'CANCELLED', false],
    ['PARTIALLY_SHIPPED', 'IN_FULFILLMENT', false],
    ['SHIPPED', 'DELIVERED', true],
    ['SHIPPED', 'PARTIALLY_SHIPPED', false],
    ['DELIVERED', 'CANCELLED', false],
    ['CANCELLED', 'RECEIVED', false],
    ['REJECTED', 'VALIDATED', false],
  ])('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });

  it('terminal statuses have no way out and every status is in the table', () => {
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
    for (const s of ORDER_STATUSES) expect(isTerminalOrderStatus(s)).toBe(ORDER_TRANSITIONS[s].length === 0);
  });

  it.each<[OrderStatus, OrderStatus, OrderStatus]>([
    ['IN_FULFILLMENT', 'PARTIALLY_SHIPPED', 'PARTIALLY_SHIPPED'],
    ['PARTIALLY_SHIPPED', 'IN_FULFILLMENT', 'PARTIALLY_SHIPPED'], // a reroute never takes the order back
    ['SHIPPED', 'PARTIALLY_SHIPPED', 'SHIPPED'],
    ['SHIPPED', 'DELIVERED', 'DELIVERED'],
    ['DELIVERED', 'SHIPPED', 'DELIVERED'],
    ['IN_FULFILLMENT', 'CANCELLED', 'CANCELLED'],
    ['CANCELLED', 'IN_FULFILLMENT', 'CANCELLED'],
  ])('nextOrderStatus(%s, derived %s) = %s', (current, derived, expected) => {
    expect(nextOrderStatus(current, derived)).toBe(expected);
  });

  it.each<[PaymentStatus, string]>([
    ['paid', 'REFUND'],
    ['partially_paid', 'REFUND'],
    ['authorized', 'VOID_AUTHORIZATION'],
    ['pending', 'NONE'],
    ['refunded', 'NONE'],
    ['voided', 'NONE'],
  ])('cancelling with payment %s → %s', (payment, action) => {
    expect(moneyActionOnCancel(payment)).toBe(action);
  });

  it('refundForCancelledLines sums unit price × cancelled quantity, capped at the ordered quantity', () => {
    const lines = [
      { lineNo: 1, quantity: 2, unitPriceMinor: 1_500 },
      { lineNo: 2, quantity: 1, unitPriceMinor: 999 },
    ];
    expect(refundForCancelledLines(lines, [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 5 }, { lineNo: 9, quantity: 1 }], 'paid')).toEqual({
      action: 'REFUND',
      amountMinor: 2_499,
      lines: [
        { lineNo: 1, quantity: 1, amountMinor: 1_500 },
        { lineNo: 2, quantity: 1, amountMinor: 999 },
      ],
    });
    expect(refundForCancelledLines(lines, [{ lineNo: 1, quantity: 2 }], 'pending')).toMatchObject({ action: 'NONE', amountMinor: 0 });
  });
});

type EventRow = [string, FulfillmentEvent[], FulfillmentEvent, string, FulfillmentStatus];

describe('fulfillment events', () => {
  it.each(([
    ['dispatch', [], ev.dispatched(0), 'applied', 'DISPATCHED'],
    ['accept after dispatch', [ev.dispatched(0)], ev.accepted(1), 'applied', 'ACCEPTED'],
    ['accept before our dispatch record (forward jump)', [], ev.accepted(1), 'applied', 'ACCEPTED'],
    ['accept twice', [ev.dispatched(0), ev.accepted(1)], ev.accepted(2), 'duplicate', 'ACCEPTED'],
    ['dispatch recorded late', [ev.accepted(1)], ev.dispatched(0), 'applied', 'ACCEPTED'],
    ['reject', [ev.dispatched(0)], ev.rejected(1), 'applied', 'REJECTED'],
    ['reject after accept (withdrawal)', [ev.dispatched(0), ev.accepted(1)], ev.rejected(2), 'applied', 'REJECTED'],
    ['reject older than the acceptance', [ev.dispatched(0), ev.accepted(2)], ev.rejected(1), 'stale', 'ACCEPTED'],
    ['accept older than the rejection', [ev.dispatched(0), ev.rejected(2)], ev.accepted(1), 'stale', 'REJECTED'],
    ['accept after rejection', [ev.dispatched(0), ev.rejected(1)], ev.accepted(2), 'invalid', 'REJECTED'],
    ['reject twice', [ev.rejected(1)], ev.rejected(2), 'duplicate', 'REJECTED'],
    ['acceptance timeout', [ev.dispatched(0)], ev.timedOut(30), 'applied', 'REJECTED'],
    ['acceptance timeout after acceptance', [ev.dispatched(0), ev.accepted(1)], ev.timedOut(30), 'stale', 'ACCEPTED'],
    ['late acceptance after timeout', [ev.dispatched(0), ev.timedOut(30)], ev.accepted(31), 'invalid', 'REJECTED'],
    ['label created is SHIPPED, not in transit', [ev.accepted(1)], ev.shippedAll(2), 'applied', 'SHIPPED'],
    ['label-created scan alone', [ev.accepted(1)], ev.scan(2, 'LABEL_CREATED'), 'applied', 'SHIPPED'],
    ['first carrier scan', [ev.accepted(1), ev.shippedAll(2)], ev.scan(3, 'CARRIER_PICKED_UP'), 'applied', 'IN_TRANSIT'],
    ['in-transit scan', [ev.accepted(1), ev.shippedAll(2), ev.scan(3, 'CARRIER_PICKED_UP')], ev.scan(4, 'IN_TRANSIT'), 'applied', 'IN_TRANSIT'],
    ['delivered', [ev.accepted(1), ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT')], ev.delivered(9, T1), 'applied', 'DELIVERED'],
    ['scan after delivery', [ev.shippedAll(2), ev.delivered(9, T1)], ev.scan(10, 'IN_TRANSIT'), 'stale', 'DELIVERED'],
    ['older scan after delivery', [ev.shippedAll(2), ev.scan(3, 'CARRIER_PICKED_UP'), ev.delivered(9, T1)], ev.scan(5, 'IN_TRANSIT'), 'stale', 'DELIVERED'],
    ['new parcel scan after full delivery', [ev.shippedAll(2), ev.delivered(9, T1)], ev.scan(10, 'IN_TRANSIT', T2), 'stale', 'DELIVERED'],
    ['delivered twice', [ev.shippedAll(2), ev.delivered(9, T1)], ev.delivered(10, T1), 'duplicate', 'DELIVERED'],
    ['delivered (whole fulfillment, no tracking)', [ev.accepted(1)], ev.delivered(9), 'applied', 'DELIVERED'],
    ['partial parcel delivered', [ev.shipped(2, T1, [{ lineNo: 1, quantity: 2 }])], ev.delivered(9, T1), 'applied', 'IN_TRANSIT'],
    ['second parcel completes delivery', [ev.shipped(2, T1, [{ lineNo: 1, quantity: 2 }]), ev.delivered(9, T1), ev.shipped(3, T2, [{ lineNo: 2, quantity: 1 }])], ev.delivered(10, T2), 'applied', 'DELIVERED'],
    ['scan before the SHIPPED message (out of order)', [ev.accepted(1)], ev.scan(3, 'IN_TRANSIT'), 'applied', 'IN_TRANSIT'],
    ['SHIPPED after its own scan adds the lines', [ev.accepted(1), ev.scan(3, 'IN_TRANSIT')], ev.shippedAll(2), 'applied', 'IN_TRANSIT'],
    ['same shipment again', [ev.shippedAll(2)], ev.shippedAll(5), 'duplicate', 'SHIPPED'],
    ['same tracking, other lines', [ev.shippedAll(2)], ev.shipped(5, T1, [{ lineNo: 1, quantity: 1 }]), 'invalid', 'SHIPPED'],
    ['same tracking, other carrier', [ev.shippedAll(2)], { ...ev.shippedAll(5), carrier: 'FedEx' } as FulfillmentEvent, 'invalid', 'SHIPPED'],
    ['unknown line', [ev.accepted(1)], ev.shipped(2, T1, [{ lineNo: 7, quantity: 1 }]), 'invalid', 'ACCEPTED'],
    ['over-shipped line', [ev.accepted(1)], ev.shipped(2, T1, [{ lineNo: 1, quantity: 3 }]), 'invalid', 'ACCEPTED'],
    ['over-shipped across parcels', [ev.shipped(2, T1, [{ lineNo: 1, quantity: 2 }])], ev.shipped(3, T2, [{ lineNo: 1, quantity: 1 }]), 'invalid', 'SHIPPED'],
    ['zero quantity', [ev.accepted(1)], ev.shipped(2, T1, [{ lineNo: 1, quantity: 0 }]), 'invalid', 'ACCEPTED'],
    ['no lines', [ev.accepted(1)], ev.shipped(2, T1, []), 'invalid', 'ACCEPTED'],
    ['empty tracking', [ev.accepted(1)], ev.shipped(2, ' ', [{ lineNo: 1, quantity: 1 }]), 'invalid', 'ACCEPTED'],
    ['second parcel', [ev.shipped(2, T1, [{ lineNo: 1, quantity: 1 }])], ev.shipped(3, T2, [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 1 }]), 'applied', 'SHIPPED'],
    ['shipped after cancel', [ev.cancelled(1)], ev.shippedAll(2), 'invalid', 'CANCELLED'],
    ['scan after reject', [ev.rejected(1)], ev.scan(2, 'IN_TRANSIT'), 'invalid', 'REJECTED'],
    ['cancel after shipment', [ev.shippedAll(2)], ev.cancelled(3), 'invalid', 'SHIPPED'],
    ['reject after shipment', [ev.shippedAll(2)], ev.rejected(3), 'invalid', 'SHIPPED'],
    ['cancel pending', [], ev.cancelled(1), 'applied', 'CANCELLED'],
    ['cancel twice', [ev.cancelled(1)], ev.cancelled(2), 'duplicate', 'CANCELLED'],
    ['reject after cancel', [ev.cancelled(1)], ev.rejected(2), 'stale', 'CANCELLED'],
    ['ship-by passed', [ev.accepted(1)], ev.deadline(100, 'SHIP_BY'), 'applied', 'EXCEPTION'],
    ['ship-by passed twice', [ev.accepted(1), ev.deadline(100, 'SHIP_BY')], ev.deadline(200, 'SHIP_BY'), 'duplicate', 'EXCEPTION'],
    ['label after ship-by passed stays an exception', [ev.accepted(1), ev.deadline(100, 'SHIP_BY')], ev.shippedAll(101), 'applied', 'EXCEPTION'],
    ['first scan resolves ship-by', [ev.accepted(1), ev.deadline(100, 'SHIP_BY'), ev.shippedAll(101)], ev.scan(102, 'CARRIER_PICKED_UP'), 'applied', 'IN_TRANSIT'],
    ['ship-by after the first scan', [ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT')], ev.deadline(100, 'SHIP_BY'), 'stale', 'IN_TRANSIT'],
    ['deliver-by passed', [ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT')], ev.deadline(500, 'DELIVER_BY'), 'applied', 'EXCEPTION'],
    ['delivery resolves deliver-by', [ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT'), ev.deadline(500, 'DELIVER_BY')], ev.delivered(600, T1), 'applied', 'DELIVERED'],
    ['deliver-by after delivery', [ev.shippedAll(2), ev.delivered(9, T1)], ev.deadline(500, 'DELIVER_BY'), 'stale', 'DELIVERED'],
    ['carrier reports lost', [ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT')], ev.scan(50, 'LOST'), 'applied', 'EXCEPTION'],
    ['newer scan after lost: found again', [ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT'), ev.scan(50, 'LOST')], ev.scan(60, 'OUT_FOR_DELIVERY'), 'applied', 'IN_TRANSIT'],
    ['older scan after lost is stale', [ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT'), ev.scan(50, 'LOST')], ev.scan(40, 'IN_TRANSIT'), 'stale', 'EXCEPTION'],
    ['earlier first scan arriving late is recorded', [ev.shippedAll(2), ev.scan(40, 'IN_TRANSIT')], ev.scan(3, 'CARRIER_PICKED_UP'), 'applied', 'IN_TRANSIT'],
    ['delay is not an exception', [ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT')], ev.scan(50, 'DELAYED'), 'applied', 'IN_TRANSIT'],
  ] satisfies EventRow[]).map(([name, history, event, outcome, status]) => ({ name, history, event, outcome, status })))('$name → $outcome / $status', ({ history, event, outcome, status }) => {
    const before = replayFulfillment(fresh(), history);
    const result = applyFulfillmentEvent(before, event);
    expect(result.outcome).toBe(outcome);
    expect(result.state.status).toBe(status);
    if (outcome !== 'applied') expect(result.state).toBe(before);
  });

  it.each([
    ['OVER_SHIPPED', [ev.accepted(1)], ev.shipped(2, T1, [{ lineNo: 1, quantity: 3 }])],
    ['UNKNOWN_LINE', [ev.accepted(1)], ev.shipped(2, T1, [{ lineNo: 7, quantity: 1 }])],
    ['TRACKING_CONFLICT', [ev.shippedAll(2)], ev.shipped(5, T1, [{ lineNo: 1, quantity: 1 }])],
    ['ALREADY_SHIPPED', [ev.shippedAll(2)], ev.cancelled(3)],
    ['ACCEPTED_AFTER_CLOSE', [ev.cancelled(1)], ev.accepted(2)],
    ['GOODS_MOVED_AFTER_CLOSE', [ev.cancelled(1)], ev.delivered(2, T1)],
    ['INVALID_EVENT', [], { type: 'ACCEPTED', at: 'yesterday' } as FulfillmentEvent],
  ])('invalid events carry the reason %s', (reason, history, event) => {
    const result = applyFulfillmentEvent(replayFulfillment(fresh(), history), event);
    expect(result).toMatchObject({ outcome: 'invalid', reason });
  });

  it('a replayed message id is a duplicate even when its content would add facts', () => {
    const once = applyFulfillmentEvent(fresh(), ev.accepted(5, 'msg-1'));
    expect(once.outcome).toBe('applied');
    const replay = applyFulfillmentEvent(once.state, { ...ev.accepted(1, 'msg-1') });
    expect(replay).toMatchObject({ outcome: 'duplicate' });
    expect(once.state.appliedEventIds).toEqual(['msg-1']);
  });

  it('applied results say whether the status changed', () => {
    const a = applyFulfillmentEvent(replayFulfillment(fresh(), [ev.accepted(1), ev.scan(3, 'IN_TRANSIT')]), ev.shippedAll(2));
    expect(a).toMatchObject({ outcome: 'applied', previousStatus: 'IN_TRANSIT', statusChanged: false });
    const b = applyFulfillmentEvent(fresh(), ev.accepted(1));
    expect(b).toMatchObject({ outcome: 'applied', previousStatus: 'PENDING', statusChanged: true });
  });

  it('keeps several trackings, per-line progress and the first scan as the shipped time', () => {
    const state = replayFulfillment(fresh(), [
      ev.accepted(1),
      ev.shipped(2, T1, [{ lineNo: 1, quantity: 1 }]),
      ev.shipped(3, T2, [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 1 }]),
      ev.scan(10, 'CARRIER_PICKED_UP', T2),
      ev.delivered(50, T2),
    ]);
    expect(state.shipments.map((s) => s.trackingNumber)).toEqual([T1, T2].sort());
    expect(state.status).toBe('IN_TRANSIT');
    expect(shippedAt(state)).toBe(t(10));
    expect(fulfillmentLineProgress(state)).toEqual([
      { lineNo: 1, quantity: 2, declaredQuantity: 2, shippedQuantity: 1, deliveredQuantity: 1 },
      { lineNo: 2, quantity: 1, declaredQuantity: 1, shippedQuantity: 1, deliveredQuantity: 1 },
    ]);
  });

  it('records rejection reasons and acceptance timeouts', () => {
    expect(replayFulfillment(fresh(), [ev.rejected(1)]).rejections).toEqual([{ reason: 'OUT_OF_STOCK', lineNo: 1 }]);
    expect(replayFulfillment(fresh(), [ev.timedOut(1)]).rejections).toEqual([{ reason: 'TIMED_OUT', message: 'no answer within the acceptance SLA' }]);
    expect(replayFulfillment(fresh(), [{ type: 'REJECTED', at: t(1), reasons: [] }]).rejections).toEqual([{ reason: 'OTHER' }]);
  });

  it('open exceptions are listed; the history is kept after they close', () => {
    const lost = replayFulfillment(fresh(), [ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT'), ev.scan(50, 'LOST')]);
    expect(openExceptions(lost)).toEqual([{ code: 'LOST', at: t(50), trackingNumber: T1, message: undefined }]);
    const found = replayFulfillment(lost, [ev.scan(60, 'IN_TRANSIT')]);
    expect(openExceptions(found)).toEqual([]);
    expect(found.exceptions).toHaveLength(1);
  });

  it.each<[FulfillmentStatus, FulfillmentStatus, boolean]>([
    ['PENDING', 'DISPATCHED', true],
    ['DISPATCHED', 'ACCEPTED', true],
    ['ACCEPTED', 'REJECTED', true],
    ['SHIPPED', 'REJECTED', false],
    ['SHIPPED', 'CANCELLED', false],
    ['IN_TRANSIT', 'SHIPPED', false],
    ['EXCEPTION', 'IN_TRANSIT', true],
    ['DELIVERED', 'IN_TRANSIT', false],
    ['REJECTED', 'ACCEPTED', false],
  ])('canTransitionFulfillment(%s, %s) = %s', (from, to, allowed) => {
    expect(canTransitionFulfillment(from, to)).toBe(allowed);
  });
});

describe('order status from fulfillments', () => {
  const accepted = replayFulfillment(fresh(), [ev.accepted(1)]);
  const labelOnly = replayFulfillment(fresh(), [ev.accepted(1), ev.shippedAll(2)]);
  const inTransit = replayFulfillment(fresh(), [ev.accepted(1), ev.shippedAll(2), ev.scan(3, 'CARRIER_PICKED_UP')]);
  const partly = replayFulfillment(fresh(), [ev.shipped(2, T1, [{ lineNo: 1, quantity: 1 }]), ev.scan(3, 'IN_TRANSIT')]);
  const delivered = replayFulfillment(fresh(), [ev.shippedAll(2), ev.delivered(9, T1)]);
  const rejected = replayFulfillment(fresh(), [ev.rejected(1)]);
  const cancelled = replayFulfillment(fresh(), [ev.cancelled(1)]);
  const lost = replayFulfillment(fresh(), [ev.shippedAll(2), ev.scan(3, 'IN_TRANSIT'), ev.scan(50, 'LOST')]);

  it.each<[string, FulfillmentState[], OrderStatus]>([
    ['no fulfillments yet', [], 'IN_FULFILLMENT'],
    ['all rejected (lines cancelled)', [rejected], 'CANCELLED'],
    ['all rejected or cancelled', [rejected, cancelled], 'CANCELLED'],
    ['accepted', [accepted], 'IN_FULFILLMENT'],
    ['label created only: not shipped', [labelOnly], 'IN_FULFILLMENT'],
    ['scanned', [inTransit], 'SHIPPED'],
    ['part of a line scanned', [partly], 'PARTIALLY_SHIPPED'],
    ['one of two suppliers scanned', [inTransit, accepted], 'PARTIALLY_SHIPPED'],
    ['one delivered, one in transit', [delivered, inTransit], 'SHIPPED'],
    ['one delivered, one accepted', [delivered, accepted], 'PARTIALLY_SHIPPED'],
    ['all delivered', [delivered, delivered], 'DELIVERED'],
    ['delivered + rejected (rerouted then cancelled)', [delivered, rejected], 'DELIVERED'],
    ['lost parcel stays shipped (exception surfaced separately)', [lost], 'SHIPPED'],
  ])('%s → %s', (_name, fulfillments, expected) => {
    expect(deriveOrderStatus(fulfillments)).toBe(expected);
  });

  it('countLabelCreatedAsShipped counts label-created parcels', () => {
    expect(deriveOrderStatus([labelOnly], { countLabelCreatedAsShipped: true })).toBe('SHIPPED');
  });

  it('summarizes per-line quantities over live fulfillments and counts exceptions', () => {
    expect(summarizeOrderProgress([partly, rejected, lost])).toEqual({
      status: 'PARTIALLY_SHIPPED',
      exceptionCount: 1,
      lines: [
        { lineNo: 1, quantity: 4, declaredQuantity: 3, shippedQuantity: 3, deliveredQuantity: 0 },
        { lineNo: 2, quantity: 2, declaredQuantity: 1, shippedQuantity: 1, deliveredQuantity: 0 },
      ],
    });
  });
});

describe('returns', () => {
  it.each<[ReturnStatus, ReturnStatus, string]>([
    ['REQUESTED', 'AUTHORIZED', 'applied'],
    ['REQUESTED', 'REJECTED', 'applied'],
    ['REQUESTED', 'REFUND_REQUESTED', 'applied'],
    ['AUTHORIZED', 'IN_TRANSIT', 'applied'],
    ['AUTHORIZED', 'RECEIVED', 'applied'],
    ['IN_TRANSIT', 'RECEIVED', 'applied'],
    ['RECEIVED', 'REFUND_REQUESTED', 'applied'],
    ['REFUND_REQUESTED', 'CLOSED', 'applied'],
    ['REQUESTED', 'RECEIVED', 'invalid'],
    ['REJECTED', 'IN_TRANSIT', 'invalid'],
    ['RECEIVED', 'RECEIVED', 'duplicate'],
    ['CLOSED', 'AUTHORIZED', 'stale'],
    ['AUTHORIZED', 'REJECTED', 'stale'],
  ])('%s → %s: %s', (from, to, outcome) => {
    expect(applyReturnStatus(from, to).outcome).toBe(outcome);
    expect(canTransitionReturn(from, to)).toBe(outcome === 'applied');
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const tracking = fc.constantFrom(T1, T2);
const minute = fc.integer({ min: 0, max: 600 });
const lineQty = fc.uniqueArray(fc.record({ lineNo: fc.constantFrom(1, 2, 3), quantity: fc.integer({ min: 0, max: 3 }) }), {
  minLength: 0,
  maxLength: 2,
  selector: (l) => l.lineNo,
});
const anyEvent: fc.Arbitrary<FulfillmentEvent> = fc.oneof(
  minute.map((n) => ev.dispatched(n)),
  minute.map((n) => ev.accepted(n)),
  minute.map((n) => ev.rejected(n)),
  minute.map((n) => ev.timedOut(n)),
  minute.map((n) => ev.cancelled(n)),
  fc.tuple(minute, tracking, lineQty).map(([n, tr, lines]) => ev.shipped(n, tr, lines)),
  fc.tuple(minute, tracking, lineQty).map(([n, tr, lines]) => ev.shipped(n, tr, lines)),
  fc.tuple(minute, fc.constantFrom<TrackingCode>(...TRACKING_CODES), tracking).map(([n, code, tr]) => ev.scan(n, code, tr)),
  fc.tuple(minute, fc.constantFrom<TrackingCode>(...TRACKING_CODES), tracking).map(([n, code, tr]) => ev.scan(n, code, tr)),
  fc.tuple(minute, fc.option(tracking, { nil: undefined })).map(([n, tr]) => ev.delivered(n, tr)),
  fc.tuple(minute, fc.constantFrom<'SHIP_BY' | 'DELIVER_BY'>('SHIP_BY', 'DELIVER_BY')).map(([n, d]) => ev.deadline(n, d)),
);
const TERMINAL: readonly FulfillmentStatus[] = ['DELIVERED', 'REJECTED', 'CANCELLED'];

describe('properties', () => {
  it('no sequence of events moves a fulfillment backwards or out of a terminal status', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 25 }), (events) => {
        let state = fresh();
        for (const event of events) {
          const result = applyFulfillmentEvent(state, event);
          expect(fulfillmentProgress(result.state)).toBeGreaterThanOrEqual(fulfillmentProgress(state));
          if (TERMINAL.includes(state.status)) expect(result.state.status).toBe(state.status);
          if (result.state.status !== state.status) {
            expect(canTransitionFulfillment(state.status, result.state.status)).toBe(true);
          }
          if (result.outcome !== 'applied') expect(result.state).toBe(state);
          // Invariants: declared quantities never exceed the fulfillment's lines.
          for (const p of fulfillmentLineProgress(result.state)) {
            expect(p.declaredQuantity).toBeLessThanOrEqual(p.quantity);
          }
          const statuses: readonly FulfillmentStatus[] = FULFILLMENT_STATUSES;
          expect(statuses).toContain(result.state.status);
          expect(result.state.status === 'EXCEPTION' || result.state.status === baseFulfillmentStatus(result.state)).toBe(true);
          state = result.state;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('applying every event twice equals applying it once', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 20 }), (events) => {
        let once = fresh();
        let twice = fresh();
        for (const event of events) {
          once = applyFulfillmentEvent(once, event).state;
          twice = applyFulfillmentEvent(twice, event).state;
          const second = applyFulfillmentEvent(twice, event);
          expect(second.outcome).not.toBe('applied');
          twice = second.state;
        }
        expect(twice).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });

  it('the events of a normal delivery, in any order, end DELIVERED with the same facts', () => {
    const happy: FulfillmentEvent[] = [
      ev.dispatched(0),
      ev.accepted(5),
      ev.shipped(60, T1, [{ lineNo: 1, quantity: 2 }]),
      ev.shipped(70, T2, [{ lineNo: 2, quantity: 1 }]),
      ev.scan(120, 'CARRIER_PICKED_UP', T1),
      ev.scan(130, 'CARRIER_PICKED_UP', T2),
      ev.scan(300, 'IN_TRANSIT', T1),
      ev.scan(310, 'DELAYED', T2),
      ev.scan(500, 'OUT_FOR_DELIVERY', T1),
      ev.delivered(560, T1),
      ev.delivered(590, T2),
    ];
    const reference = replayFulfillment(fresh(), happy);
    expect(reference.status).toBe('DELIVERED');
    expect(shippedAt(reference)).toBe(t(120));
    fc.assert(
      fc.property(fc.shuffledSubarray(happy, { minLength: happy.length, maxLength: happy.length }), (shuffled) => {
        const state = replayFulfillment(fresh(), shuffled);
        expect(state).toEqual(reference);
      }),
      { numRuns: 300 },
    );
  });

  it('the derived order status never regresses as fulfillments progress', () => {
    const RANK: Record<OrderStatus, number> = {
      RECEIVED: 0, VALIDATED: 1, ON_HOLD: 2, RESERVED: 3, IN_FULFILLMENT: 4, PARTIALLY_SHIPPED: 5, SHIPPED: 6, DELIVERED: 7, REJECTED: 8, CANCELLED: 8,
    };
    const happyish = fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), anyEvent), { maxLength: 30 });
    fc.assert(
      fc.property(happyish, (steps) => {
        const fs = [fresh(), fresh()];
        let order: OrderStatus = 'IN_FULFILLMENT';
        for (const [i, event] of steps) {
          fs[i] = applyFulfillmentEvent(fs[i] as FulfillmentState, event).state;
          const next = nextOrderStatus(order, deriveOrderStatus(fs));
          expect(RANK[next]).toBeGreaterThanOrEqual(RANK[order]);
          if (next !== order) expect(canTransition(order, next)).toBe(true);
          order = next;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every fulfillment status has an entry in the transition table', () => {
    expect(Object.keys(FULFILLMENT_TRANSITIONS).sort()).toEqual([...FULFILLMENT_STATUSES].sort());
  });
});

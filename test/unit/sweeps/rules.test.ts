import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STUCK_ORDER_MINUTES,
  NON_TERMINAL_ORDER_STATUSES,
  dispatchCheck,
  executionArnFor,
  feedFreshness,
  queryVisitOrder,
  reservationExpiryDecision,
  stuckCheck,
  stuckOrderAction,
  stuckOrderMinutes,
  stuckQueryCutoff,
  sweptOrderStatuses,
  type ExecutionState,
} from '../../../functions/core/sweeps/domain/rules';
import { FULFILLMENT_STATUSES, type FulfillmentStatus } from '../../../functions/core/workflow/domain/fulfillment-status';
import { ORDER_STATUSES, type OrderStatus } from '../../../functions/core/orders/domain/order';
import { T0, plusMinutes, supplier } from './support';

const NOW = T0;
const EXPIRED = plusMinutes(NOW, -1);

describe('reservationExpiryDecision', () => {
  it.each<[string, OrderStatus | undefined, FulfillmentStatus | undefined, 'RELEASE' | 'KEEP', string]>([
    ['order gone', undefined, undefined, 'RELEASE', 'ORDER_MISSING'],
    ['order delivered', 'DELIVERED', 'DELIVERED', 'RELEASE', 'ORDER_TERMINAL'],
    ['order cancelled', 'CANCELLED', 'ACCEPTED', 'RELEASE', 'ORDER_TERMINAL'],
    ['order rejected', 'REJECTED', undefined, 'RELEASE', 'ORDER_TERMINAL'],
    ['fulfillment gone', 'IN_FULFILLMENT', undefined, 'RELEASE', 'FULFILLMENT_MISSING'],
    ['fulfillment rejected', 'IN_FULFILLMENT', 'REJECTED', 'RELEASE', 'FULFILLMENT_CLOSED'],
    ['fulfillment cancelled', 'IN_FULFILLMENT', 'CANCELLED', 'RELEASE', 'FULFILLMENT_CLOSED'],
    ['fulfillment delivered, order still shipping', 'PARTIALLY_SHIPPED', 'DELIVERED', 'RELEASE', 'FULFILLMENT_CLOSED'],
    ['shipped: goods left the shelf', 'SHIPPED', 'SHIPPED', 'RELEASE', 'GOODS_LEFT_SUPPLIER'],
    ['in transit', 'SHIPPED', 'IN_TRANSIT', 'RELEASE', 'GOODS_LEFT_SUPPLIER'],
    ['carrier exception', 'SHIPPED', 'EXCEPTION', 'RELEASE', 'GOODS_LEFT_SUPPLIER'],
    ['live and unshipped (PENDING)', 'RESERVED', 'PENDING', 'KEEP', 'STILL_NEEDED'],
    ['live and unshipped (DISPATCHED)', 'IN_FULFILLMENT', 'DISPATCHED', 'KEEP', 'STILL_NEEDED'],
    ['live and unshipped (ACCEPTED)', 'IN_FULFILLMENT', 'ACCEPTED', 'KEEP', 'STILL_NEEDED'],
  ])('%s → %s', (_name, orderStatus, fulfillmentStatus, action, reason) => {
    const decision = reservationExpiryDecision({
      reservation: { status: 'HELD', holdExpiresAt: EXPIRED },
      order: orderStatus === undefined ? undefined : { status: orderStatus },
      fulfillment: fulfillmentStatus === undefined ? undefined : { status: fulfillmentStatus },
      now: NOW,
    });
    expect(decision).toEqual({ action, reason });
  });

  it('never releases before the hold expires, nor a settled reservation', () => {
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom(...ORDER_STATUSES), { nil: undefined }),
        fc.option(fc.constantFrom(...FULFILLMENT_STATUSES), { nil: undefined }),
        fc.integer({ min: -10_000, max: 10_000 }),
        fc.constantFrom('HELD', 'RELEASED', 'CONSUMED'),
        (orderStatus, fulfillmentStatus, offsetMinutes, status) => {
          const decision = reservationExpiryDecision({
            reservation: { status, holdExpiresAt: plusMinutes(NOW, offsetMinutes) },
            order: orderStatus === undefined ? undefined : { status: orderStatus },
            fulfillment: fulfillmentStatus === undefined ? undefined : { status: fulfillmentStatus },
            now: NOW,
          });
          if (status !== 'HELD' || offsetMinutes >= 0) expect(decision.action).toBe('KEEP');
          // A live order whose fulfillment still waits for the supplier always keeps its units.
          if (orderStatus !== undefined && !['DELIVERED', 'REJECTED', 'CANCELLED'].includes(orderStatus) && ['PENDING', 'DISPATCHED', 'ACCEPTED'].includes(fulfillmentStatus ?? '')) {
            expect(decision.action).toBe('KEEP');
          }
          // A terminal or missing order never keeps an expired hold.
          if (status === 'HELD' && offsetMinutes < 0 && (orderStatus === undefined || ['DELIVERED', 'REJECTED', 'CANCELLED'].includes(orderStatus))) {
            expect(decision.action).toBe('RELEASE');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('dispatchCheck', () => {
  it.each<[string, FulfillmentStatus, string | undefined, number, number, boolean]>([
    ['DISPATCHED past acceptBy + grace', 'DISPATCHED', T0, 91, 30, true],
    ['DISPATCHED exactly at acceptBy + grace', 'DISPATCHED', T0, 90, 30, false],
    ['DISPATCHED within grace', 'DISPATCHED', T0, 80, 30, false],
    ['ACCEPTED long ago', 'ACCEPTED', T0, 600, 30, false],
    ['REJECTED long ago', 'REJECTED', T0, 600, 30, false],
    ['PENDING (never dispatched)', 'PENDING', undefined, 600, 30, false],
    ['no grace', 'DISPATCHED', T0, 61, 0, true],
  ])('%s → overdue %s', (_name, status, dispatchedAt, minutesLater, grace, overdue) => {
    const check = dispatchCheck({ status, dispatchedAt, acceptanceSlaMinutes: 60 }, plusMinutes(T0, minutesLater), grace);
    expect(check.overdue).toBe(overdue);
    if (dispatchedAt !== undefined) expect(check.acceptBy).toBe(plusMinutes(T0, 60));
  });

  it('overdue exactly when DISPATCHED and now > dispatchedAt + SLA + grace', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FULFILLMENT_STATUSES), fc.nat(2_000), fc.nat(600), fc.integer({ min: -100, max: 5_000 }), (status, sla, grace, later) => {
        const check = dispatchCheck({ status, dispatchedAt: T0, acceptanceSlaMinutes: sla }, plusMinutes(T0, later), grace);
        expect(check.overdue).toBe(status === 'DISPATCHED' && later > sla + grace);
      }),
    );
  });
});

describe('stuck orders', () => {
  const minutes = DEFAULT_STUCK_ORDER_MINUTES;
  it.each<[string, OrderStatus, number, string | undefined, boolean, string | undefined]>([
    ['RECEIVED for 16 min', 'RECEIVED', 16, undefined, true, plusMinutes(T0, 15)],
    ['RECEIVED for 15 min', 'RECEIVED', 15, undefined, false, undefined],
    ['VALIDATED for 61 min', 'VALIDATED', 61, undefined, true, plusMinutes(T0, 60)],
    ['RESERVED for 30 min', 'RESERVED', 30, undefined, false, undefined],
    ['ON_HOLD past 75 h, its 72 h hold expired', 'ON_HOLD', 75 * 60 + 1, plusMinutes(T0, 72 * 60), true, plusMinutes(T0, 75 * 60)],
    ['ON_HOLD 74 h, its 72 h hold expired (the workflow still has time)', 'ON_HOLD', 74 * 60, plusMinutes(T0, 72 * 60), false, undefined],
    ['ON_HOLD 76 h, its hold runs 100 h', 'ON_HOLD', 76 * 60, plusMinutes(T0, 100 * 60), false, undefined],
    ['ON_HOLD 101 h, its hold ran 100 h', 'ON_HOLD', 101 * 60, plusMinutes(T0, 100 * 60), true, plusMinutes(T0, 100 * 60)],
    ['ON_HOLD past 75 h without a timeout', 'ON_HOLD', 76 * 60, undefined, true, plusMinutes(T0, 75 * 60)],
    ['IN_FULFILLMENT for 10 days', 'IN_FULFILLMENT', 10 * 24 * 60, undefined, false, undefined],
    ['IN_FULFILLMENT for 15 days', 'IN_FULFILLMENT', 15 * 24 * 60, undefined, true, plusMinutes(T0, 14 * 24 * 60)],
    ['SHIPPED for 31 days', 'SHIPPED', 31 * 24 * 60, undefined, true, plusMinutes(T0, 30 * 24 * 60)],
    ['DELIVERED for a year', 'DELIVERED', 525_600, undefined, false, undefined],
    ['CANCELLED for a year', 'CANCELLED', 525_600, undefined, false, undefined],
  ])('%s → stuck %s', (_name, status, later, holdExpiresAt, stuck, since) => {
    const check = stuckCheck({ status, updatedAt: T0, holdExpiresAt }, plusMinutes(T0, later), minutes);
    expect(check.stuck).toBe(stuck);
    expect(check.since).toBe(since);
  });

  it('a status configured null is never stuck, and is not queried', () => {
    const m = stuckOrderMinutes({ SHIPPED: null, RECEIVED: 5 });
    expect(stuckCheck({ status: 'SHIPPED', updatedAt: T0 }, plusMinutes(T0, 10_000_000), m).stuck).toBe(false);
    expect(stuckCheck({ status: 'RECEIVED', updatedAt: T0 }, plusMinutes(T0, 6), m).stuck).toBe(true);
    expect(sweptOrderStatuses(m)).not.toContain('SHIPPED');
    expect(stuckQueryCutoff('SHIPPED', T0, m)).toBeUndefined();
  });

  it.each([0, -5, Number.NaN])('refuses a deadline of %s minutes', (value) => {
    expect(() => stuckOrderMinutes({ RECEIVED: value })).toThrow(RangeError);
  });

  it('every stuck order is found by its status query (cutoff), terminal ones never stuck', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ORDER_STATUSES), fc.nat(100_000), fc.option(fc.nat(100_000), { nil: undefined }), (status, later, holdAfter) => {
        const holdExpiresAt = holdAfter === undefined ? undefined : plusMinutes(T0, holdAfter);
        const now = plusMinutes(T0, later);
        const check = stuckCheck({ status, updatedAt: T0, holdExpiresAt }, now, minutes);
        if (['DELIVERED', 'REJECTED', 'CANCELLED'].includes(status)) expect(check.stuck).toBe(false);
        if (check.stuck) {
          const cutoff = stuckQueryCutoff(status as (typeof NON_TERMINAL_ORDER_STATUSES)[number], now, minutes);
          // gsi2sk = `{updatedAt}#{orderId}` < cutoff
          expect(`${T0}#ord_x` < (cutoff ?? '')).toBe(true);
          expect(check.since !== undefined && check.since < now).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it.each<[OrderStatus, ExecutionState, boolean, string]>([
    ['RECEIVED', 'MISSING', false, 'START'],
    ['RECEIVED', 'MISSING', true, 'START'],
    ['RECEIVED', 'RUNNING', false, 'SURFACE'],
    ['RECEIVED', 'FAILED', true, 'NONE'],
    ['RECEIVED', 'UNKNOWN', false, 'SURFACE'],
    ['VALIDATED', 'MISSING', false, 'SURFACE'],
    ['RESERVED', 'TIMED_OUT', false, 'SURFACE'],
    ['RESERVED', 'RUNNING', true, 'NONE'],
  ])('%s with execution %s (surfaced %s) → %s', (status, execution, surfaced, kind) => {
    expect(stuckOrderAction(status, execution, surfaced).kind).toBe(kind);
  });

  it('builds the execution ARN from the state machine ARN', () => {
    expect(executionArnFor('arn:aws:states:eu-west-1:123456789012:stateMachine:OrderWorkflow', 'ord_1')).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:OrderWorkflow:ord_1',
    );
    expect(() => executionArnFor('arn:aws:lambda:eu-west-1:1:function:x', 'ord_1')).toThrow(RangeError);
  });
});

describe('feedFreshness', () => {
  it.each<[string, Parameters<typeof supplier>[1], string]>([
    ['fresh', { lastFeedAt: plusMinutes(T0, -60) }, 'FRESH'],
    ['exactly at the SLA', { lastFeedAt: plusMinutes(T0, -24 * 60) }, 'FRESH'],
    ['past the SLA', { lastFeedAt: plusMinutes(T0, -24 * 60 - 1) }, 'MARK_STALE'],
    ['never fed', { lastFeedAt: undefined }, 'MARK_STALE'],
    ['already STALE', { status: 'STALE', lastFeedAt: plusMinutes(T0, -100 * 60) }, 'ALREADY_STALE'],
    ['SUSPENDED', { status: 'SUSPENDED', lastFeedAt: plusMinutes(T0, -100 * 60) }, 'NOT_ACTIVE'],
  ])('%s → %s', (_name, patch, expected) => {
    expect(feedFreshness(supplier('s', patch), T0)).toBe(expected);
  });
});

describe('queryVisitOrder', () => {
  it('visits every query once, starting where the last run stopped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: -50, max: 50 }), (n, next) => {
        const order = queryVisitOrder(n, next);
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        if (n > 0) expect(order[0]).toBe(((next % n) + n) % n);
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  businessDaysBetween,
  combineWindows,
  deliverByDate,
  deliveryWindow,
  endOfDayUtc,
  isBusinessDay,
  nextBusinessDayOnOrAfter,
  processingStartDate,
  promiseDates,
  shipByDate,
  toIsoDate,
} from '../../../functions/core/workflow/domain/delivery';

// Calendar used below: 2026-11-20 Fri, 21 Sat, 22 Sun, 23 Mon, 25 Wed, 26 Thu, 27 Fri; 2026-12-25 Fri.
const THANKSGIVING = '2026-11-26';
const CHRISTMAS = '2026-12-25';

function weekday(isoDate: string): number {
  return new Date(`${isoDate}T00:00:00.000Z`).getUTCDay();
}

describe('business days', () => {
  it.each([
    ['2026-11-20', [], true],
    ['2026-11-21', [], false],
    ['2026-11-22', [], false],
    ['2026-11-23', [], true],
    [THANKSGIVING, [THANKSGIVING], false],
    [THANKSGIVING, [], true],
    ['2026-11-21T10:00:00.000Z', [], false],
  ])('isBusinessDay(%s, holidays=%j) = %s', (date, holidays, expected) => {
    expect(isBusinessDay(date, holidays)).toBe(expected);
  });

  it.each([
    ['2026-11-20', 0, [], '2026-11-20'],
    ['2026-11-20', 1, [], '2026-11-23'],
    ['2026-11-21', 0, [], '2026-11-23'],
    ['2026-11-21', 1, [], '2026-11-24'],
    ['2026-11-23', 5, [], '2026-11-30'],
    ['2026-11-25', 1, [THANKSGIVING], '2026-11-27'],
    ['2026-11-25', 2, [THANKSGIVING, '2026-11-27'], '2026-12-01'],
    ['2026-12-24', 1, [CHRISTMAS], '2026-12-28'],
  ])('addBusinessDays(%s, %i, %j) = %s', (date, days, holidays, expected) => {
    expect(addBusinessDays(date, days, holidays)).toBe(expected);
  });

  it.each([
    ['2026-11-21', '2026-11-23'],
    ['2026-11-23', '2026-11-23'],
  ])('nextBusinessDayOnOrAfter(%s) = %s', (date, expected) => {
    expect(nextBusinessDayOnOrAfter(date)).toBe(expected);
  });

  it.each([
    ['2026-11-20', '2026-11-23', 1],
    ['2026-11-20', '2026-11-20', 0],
    ['2026-11-23', '2026-11-20', 0],
    ['2026-11-23', '2026-11-30', 5],
  ])('businessDaysBetween(%s, %s) = %i', (from, to, expected) => {
    expect(businessDaysBetween(from, to)).toBe(expected);
  });

  it.each([
    [() => addBusinessDays('2026-11-20', -1), /non-negative integer/],
    [() => addBusinessDays('2026-11-20', 1.5), /non-negative integer/],
    [() => addBusinessDays('not a date', 1), /Not an ISO date/],
    [() => addBusinessDays('2026-11-20', 1, ['26/11/2026']), /Holiday must be an ISO date/],
    [() => processingStartDate('2026-11-20T10:00:00Z', { cutoffHourUtc: 25, holidays: [] }), /cutoffHourUtc/],
  ])('rejects bad input %#', (fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('ship-by and deliver-by', () => {
  it.each([
    // orderedAt, cut-off hour, holidays, start day
    ['2026-11-20T09:00:00.000Z', 14, [], '2026-11-20'], // Friday before cut-off: same day
    ['2026-11-20T14:00:00.000Z', 14, [], '2026-11-23'], // exactly at cut-off: next business day
    ['2026-11-20T23:59:59.000Z', 14, [], '2026-11-23'],
    ['2026-11-21T08:00:00.000Z', 14, [], '2026-11-23'], // Saturday
    ['2026-11-25T20:00:00.000Z', 14, [THANKSGIVING], '2026-11-27'], // Wed after cut-off, Thu holiday
    ['2026-11-23T23:00:00.000Z', 24, [], '2026-11-23'], // cut-off 24 = any time that day
    ['2026-11-23T00:00:00.000Z', 0, [], '2026-11-24'], // cut-off 0 = always next day
    ['2026-11-23T10:00:00+05:00', 14, [], '2026-11-23'], // offsets are converted to UTC (05:00Z)
  ])('processing starts for %s (cut-off %i h, holidays %j) on %s', (orderedAt, cutoffHourUtc, holidays, expected) => {
    expect(processingStartDate(orderedAt, { cutoffHourUtc, holidays })).toBe(expected);
  });

  it.each([
    ['2026-11-20T09:00:00.000Z', 0, '2026-11-20'],
    ['2026-11-20T09:00:00.000Z', 1, '2026-11-23'],
    ['2026-11-20T15:00:00.000Z', 1, '2026-11-24'],
    ['2026-11-22T15:00:00.000Z', 2, '2026-11-25'],
  ])('shipByDate(%s, %i days) = %s', (orderedAt, processingDays, expected) => {
    expect(shipByDate(orderedAt, processingDays)).toBe(expected);
  });

  it('deliver-by adds the maximum transit days in business days', () => {
    expect(deliverByDate('2026-11-20', 3)).toBe('2026-11-25');
    expect(deliverByDate('2026-11-25', 3, { cutoffHourUtc: 14, holidays: [THANKSGIVING] })).toBe('2026-12-01');
  });

  it('promiseDates gives start, ship-by, earliest and deliver-by with end-of-day deadlines', () => {
    const p = promiseDates({ orderedAt: '2026-11-20T09:00:00.000Z', processingDays: 1, transitDaysMin: 2, transitDaysMax: 5 });
    expect(p).toEqual({
      startDate: '2026-11-20',
      shipBy: '2026-11-23',
      earliestDelivery: '2026-11-25',
      deliverBy: '2026-11-30',
      shipByDeadline: '2026-11-23T23:59:59.999Z',
      deliverByDeadline: '2026-11-30T23:59:59.999Z',
    });
  });

  it('deliveryWindow is earliest..deliver-by; inverted min/max transit is tolerated', () => {
    expect(deliveryWindow({ orderedAt: '2026-11-20T09:00:00.000Z', processingDays: 0, transitDaysMin: 1, transitDaysMax: 3 })).toEqual({
      earliest: '2026-11-23',
      latest: '2026-11-25',
    });
    expect(deliveryWindow({ orderedAt: '2026-11-20T09:00:00.000Z', processingDays: 0, transitDaysMin: 4, transitDaysMax: 2 })).toEqual({
      earliest: '2026-11-24',
      latest: '2026-11-24',
    });
  });

  it('combineWindows: the cart is complete between the latest earliest and the latest latest', () => {
    expect(combineWindows([])).toBeUndefined();
    expect(
      combineWindows([
        { earliest: '2026-11-23', latest: '2026-11-25' },
        { earliest: '2026-11-24', latest: '2026-11-27' },
        { earliest: '2026-11-20', latest: '2026-11-24' },
      ]),
    ).toEqual({ earliest: '2026-11-24', latest: '2026-11-27' });
  });

  it('endOfDayUtc and toIsoDate work on dates and timestamps', () => {
    expect(endOfDayUtc('2026-11-20T03:00:00Z')).toBe('2026-11-20T23:59:59.999Z');
    expect(toIsoDate('2026-11-20T23:30:00-02:00')).toBe('2026-11-21');
  });
});

describe('properties', () => {
  const instant = fc
    .integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-12-31T23:59:59Z') })
    .map((ms) => new Date(ms).toISOString());
  const holidays = fc.uniqueArray(
    fc.integer({ min: 0, max: 120 }).map((d) => toIsoDate(Date.parse('2026-11-01T00:00:00Z') + d * 86_400_000)),
    { maxLength: 20 },
  );

  it('deliver-by ≥ earliest ≥ ship-by ≥ order date, and none falls on a weekend or holiday', () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 24 }),
        holidays,
        (orderedAt, processingDays, t1, t2, cutoffHourUtc, hols) => {
          const calendar = { cutoffHourUtc, holidays: hols };
          const p = promiseDates({ orderedAt, processingDays, transitDaysMin: Math.min(t1, t2), transitDaysMax: Math.max(t1, t2) }, calendar);
          const orderDate = toIsoDate(orderedAt);
          expect(p.startDate >= orderDate).toBe(true);
          expect(p.shipBy >= p.startDate).toBe(true);
          expect(p.earliestDelivery >= p.shipBy).toBe(true);
          expect(p.deliverBy >= p.earliestDelivery).toBe(true);
          for (const d of [p.startDate, p.shipBy, p.earliestDelivery, p.deliverBy]) {
            expect([0, 6]).not.toContain(weekday(d));
            expect(hols).not.toContain(d);
          }
          expect(businessDaysBetween(p.startDate, p.shipBy, hols)).toBe(processingDays);
          expect(businessDaysBetween(p.shipBy, p.deliverBy, hols)).toBe(Math.max(t1, t2));
        },
      ),
    );
  });

  it('addBusinessDays is additive: (d + a) + b = d + (a + b)', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), holidays, (at, a, b, hols) => {
        expect(addBusinessDays(addBusinessDays(at, a, hols), b, hols)).toBe(addBusinessDays(at, a + b, hols));
      }),
    );
  });
});

/**
 * Delivery promise arithmetic: business days, ship-by and deliver-by dates, delivery windows.
 *
 * Pure and deterministic: "now" / the order time is always a parameter. Everything is in UTC.
 * Dates are ISO calendar dates (`YYYY-MM-DD`); instants are ISO timestamps (`...Z`).
 *
 * Rules (see docs/domain-rules.md):
 * - A business day is Monday-Friday that is not in the configured holiday list.
 * - The supplier's processing clock starts on the order's "start day": the order date when the order
 *   arrives on a business day before the cut-off hour (UTC), otherwise the next business day.
 * - ship-by = start day + processingDays business days (0 processing days = ships on the start day).
 * - deliver-by = ship-by + transitDaysMax business days; earliest delivery = ship-by + transitDaysMin.
 */

export interface DeliveryCalendar {
  /** Hour of day (0-24, UTC) after which an order counts as received on the next business day. */
  readonly cutoffHourUtc: number;
  /** Non-working days as ISO dates (`YYYY-MM-DD`), e.g. public holidays of the suppliers' country. */
  readonly holidays: readonly string[];
}

export const DEFAULT_DELIVERY_CALENDAR: DeliveryCalendar = { cutoffHourUtc: 14, holidays: [] };

export interface DeliveryPromise {
  /** The business day the supplier's processing clock starts (ISO date). */
  readonly startDate: string;
  /** Latest date the supplier must hand the parcel to the carrier (ISO date). */
  readonly shipBy: string;
  /** Earliest expected delivery date (ISO date). */
  readonly earliestDelivery: string;
  /** Latest promised delivery date (ISO date). */
  readonly deliverBy: string;
  /** End of the ship-by day as an instant, for deadlines (Step Functions Wait, sweeps). */
  readonly shipByDeadline: string;
  /** End of the deliver-by day as an instant. */
  readonly deliverByDeadline: string;
}

export interface DeliveryWindow {
  readonly earliest: string;
  readonly latest: string;
}

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parse an ISO date (`YYYY-MM-DD`) or timestamp to epoch ms; throws RangeError on anything else. */
export function parseInstant(value: string): number {
  const ms = ISO_DATE.test(value) ? Date.parse(`${value}T00:00:00.000Z`) : Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new RangeError(`Not an ISO date or timestamp: ${JSON.stringify(value)}`);
  }
  return ms;
}

/** The UTC calendar date (`YYYY-MM-DD`) of an ISO timestamp or date. */
export function toIsoDate(value: string | number): string {
  const ms = typeof value === 'number' ? value : parseInstant(value);
  return new Date(ms).toISOString().slice(0, 10);
}

/** End of a UTC calendar day as an ISO timestamp (`YYYY-MM-DDT23:59:59.999Z`). */
export function endOfDayUtc(isoDate: string): string {
  return `${toIsoDate(isoDate)}T23:59:59.999Z`;
}

function assertDays(days: number, what: string): void {
  if (!Number.isInteger(days) || days < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${days}`);
  }
}

function holidaySet(holidays: readonly string[]): ReadonlySet<string> {
  for (const h of holidays) {
    if (!ISO_DATE.test(h) || Number.isNaN(Date.parse(`${h}T00:00:00.000Z`))) {
      throw new RangeError(`Holiday must be an ISO date (YYYY-MM-DD), got ${JSON.stringify(h)}`);
    }
  }
  return new Set(holidays);
}

function isBusinessDayMs(dayMs: number, holidays: ReadonlySet<string>): boolean {
  const d = new Date(dayMs);
  const weekday = d.getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.has(d.toISOString().slice(0, 10));
}

/** Whether a date (or the UTC date of a timestamp) is a business day: Mon-Fri and not a holiday. */
export function isBusinessDay(date: string, holidays: readonly string[] = []): boolean {
  return isBusinessDayMs(parseInstant(toIsoDate(date)), holidaySet(holidays));
}

/** The given date if it is a business day, otherwise the next business day (ISO date). */
export function nextBusinessDayOnOrAfter(date: string, holidays: readonly string[] = []): string {
  const set = holidaySet(holidays);
  let ms = parseInstant(toIsoDate(date));
  while (!isBusinessDayMs(ms, set)) ms += DAY_MS;
  return toIsoDate(ms);
}

/**
 * Add business days to a date. The result is always a business day: adding 0 to a weekend date gives
 * the next business day, adding n moves n business days past the (rolled-forward) start.
 */
export function addBusinessDays(date: string, days: number, holidays: readonly string[] = []): string {
  assertDays(days, 'days');
  const set = holidaySet(holidays);
  let ms = parseInstant(toIsoDate(date));
  while (!isBusinessDayMs(ms, set)) ms += DAY_MS;
  let remaining = days;
  while (remaining > 0) {
    ms += DAY_MS;
    if (isBusinessDayMs(ms, set)) remaining -= 1;
  }
  return toIsoDate(ms);
}

/** Number of business days strictly after `from` up to and including `to` (0 if `to` <= `from`). */
export function businessDaysBetween(from: string, to: string, holidays: readonly string[] = []): number {
  const set = holidaySet(holidays);
  let ms = parseInstant(toIsoDate(from));
  const end = parseInstant(toIsoDate(to));
  let count = 0;
  while (ms < end) {
    ms += DAY_MS;
    if (isBusinessDayMs(ms, set)) count += 1;
  }
  return count;
}

/**
 * The business day on which the supplier's processing starts for an order placed at `orderedAt`:
 * the same day if that is a business day and the order arrived before the cut-off hour, else the
 * next business day.
 */
export function processingStartDate(orderedAt: string, calendar: DeliveryCalendar = DEFAULT_DELIVERY_CALENDAR): string {
  const ms = parseInstant(orderedAt);
  const cutoff = calendar.cutoffHourUtc;
  if (!(cutoff >= 0 && cutoff <= 24)) {
    throw new RangeError(`cutoffHourUtc must be between 0 and 24, got ${cutoff}`);
  }
  const set = holidaySet(calendar.holidays);
  const dayStart = ms - (ms % DAY_MS);
  const beforeCutoff = ms - dayStart < cutoff * 3_600_000;
  let day = isBusinessDayMs(dayStart, set) && beforeCutoff ? dayStart : dayStart + DAY_MS;
  while (!isBusinessDayMs(day, set)) day += DAY_MS;
  return toIsoDate(day);
}

/** ship-by = processing start day + processingDays business days. */
export function shipByDate(
  orderedAt: string,
  processingDays: number,
  calendar: DeliveryCalendar = DEFAULT_DELIVERY_CALENDAR,
): string {
  assertDays(processingDays, 'processingDays');
  return addBusinessDays(processingStartDate(orderedAt, calendar), processingDays, calendar.holidays);
}

/** deliver-by = ship-by + transitDaysMax business days. */
export function deliverByDate(
  shipBy: string,
  transitDaysMax: number,
  calendar: DeliveryCalendar = DEFAULT_DELIVERY_CALENDAR,
): string {
  assertDays(transitDaysMax, 'transitDaysMax');
  return addBusinessDays(shipBy, transitDaysMax, calendar.holidays);
}

export interface PromiseInput {
  readonly orderedAt: string;
  readonly processingDays: number;
  readonly transitDaysMin: number;
  readonly transitDaysMax: number;
}

/** The full promise for one supplier shipment: ship-by, earliest delivery and deliver-by. */
export function promiseDates(input: PromiseInput, calendar: DeliveryCalendar = DEFAULT_DELIVERY_CALENDAR): DeliveryPromise {
  assertDays(input.transitDaysMin, 'transitDaysMin');
  assertDays(input.transitDaysMax, 'transitDaysMax');
  const transitMin = Math.min(input.transitDaysMin, input.transitDaysMax);
  const startDate = processingStartDate(input.orderedAt, calendar);
  const shipBy = shipByDate(input.orderedAt, input.processingDays, calendar);
  const earliestDelivery = addBusinessDays(shipBy, transitMin, calendar.holidays);
  const deliverBy = deliverByDate(shipBy, input.transitDaysMax, calendar);
  return {
    startDate,
    shipBy,
    earliestDelivery,
    deliverBy,
    shipByDeadline: endOfDayUtc(shipBy),
    deliverByDeadline: endOfDayUtc(deliverBy),
  };
}

/** The delivery window shown before checkout (earliest .. latest delivery date). */
export function deliveryWindow(input: PromiseInput, calendar: DeliveryCalendar = DEFAULT_DELIVERY_CALENDAR): DeliveryWindow {
  const p = promiseDates(input, calendar);
  return { earliest: p.earliestDelivery, latest: p.deliverBy };
}

/**
 * The window for a cart split across several shipments: the whole cart is complete between the
 * latest of the earliest dates and the latest of the latest dates.
 */
export function combineWindows(windows: readonly DeliveryWindow[]): DeliveryWindow | undefined {
  let result: DeliveryWindow | undefined;
  for (const w of windows) {
    result =
      result === undefined
        ? w
        : {
            earliest: w.earliest > result.earliest ? w.earliest : result.earliest,
            latest: w.latest > result.latest ? w.latest : result.latest,
          };
  }
  return result;
}

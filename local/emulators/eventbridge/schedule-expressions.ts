/** EventBridge schedule expressions, as the local stand-in reads them: `rate(...)` and `cron(...)`. */

const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export function rateMs(expression: string): number | undefined {
  const m = /^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/.exec(expression.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = UNIT_MS[m[2] as string];
  return n > 0 && unit !== undefined ? n * unit : undefined;
}

function cronField(spec: string, min: number, max: number, names?: readonly string[], nameOffset = 0): Set<number> | undefined {
  const out = new Set<number>();
  if (spec === '*' || spec === '?') {
    for (let v = min; v <= max; v++) out.add(v);
    return out;
  }
  const value = (t: string): number | undefined => {
    const idx = names?.indexOf(t.toUpperCase()) ?? -1;
    if (idx >= 0) return idx + nameOffset;
    return /^\d+$/.test(t) ? Number(t) : undefined;
  };
  for (const part of spec.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number | undefined;
    let to: number | undefined;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      from = value(a ?? '');
      to = value(b ?? '');
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    if (from === undefined || to === undefined || !Number.isInteger(step) || step < 1 || from < min || to > max) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** AWS cron (minutes hours day-of-month month day-of-week year), UTC; L, W and # are not supported. */
export function parseCron(expression: string): ((after: Date) => Date | undefined) | undefined {
  const m = /^cron\((.+)\)$/.exec(expression.trim());
  const fields = m?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6) return undefined;
  const [mi, h, dom, mon, dow, yr] = fields as [string, string, string, string, string, string];
  const minutes = cronField(mi, 0, 59);
  const hours = cronField(h, 0, 23);
  const days = cronField(dom, 1, 31);
  const months = cronField(mon, 1, 12, MONTHS, 1);
  const weekdays = cronField(dow, 1, 7, DAYS, 1);
  const years = yr === '*' ? undefined : cronField(yr, 1970, 2199);
  if (minutes === undefined || hours === undefined || days === undefined || months === undefined || weekdays === undefined) return undefined;
  if (yr !== '*' && years === undefined) return undefined;
  const anyDom = dom === '?' || dom === '*';
  const anyDow = dow === '?' || dow === '*';
  return (after) => {
    const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
    for (let i = 0; i < 366 * 24 * 60 * 5; i++) {
      const ok =
        minutes.has(t.getUTCMinutes()) &&
        hours.has(t.getUTCHours()) &&
        months.has(t.getUTCMonth() + 1) &&
        (anyDom || days.has(t.getUTCDate())) &&
        (anyDow || weekdays.has(t.getUTCDay() + 1)) &&
        (years === undefined || years.has(t.getUTCFullYear()));
      if (ok) return t;
      t.setTime(t.getTime() + 60_000);
    }
    return undefined;
  };
}

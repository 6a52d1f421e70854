/**
 * Money: decimal strings at the API edge ("12.50"), integer minor units inside (1250).
 * The number of minor-unit digits of a currency comes from Intl (ISO 4217 data shipped with Node's ICU).
 * Pure: no floating point arithmetic on amounts anywhere.
 */

/** Non-negative decimal string: no sign, no exponent, no leading zeros, at most 11 integer digits. */
export const DECIMAL_PATTERN = /^(0|[1-9]\d{0,10})(?:\.(\d{1,4}))?$/;

let currencyCodes: ReadonlySet<string> | undefined;
const exponentCache = new Map<string, number>();

/** Whether `code` is an ISO 4217 currency code known to this runtime (upper case, e.g. EUR). */
export function isCurrencyCode(code: string): boolean {
  currencyCodes ??= new Set(Intl.supportedValuesOf('currency'));
  return /^[A-Z]{3}$/.test(code) && currencyCodes.has(code);
}

/** Number of minor-unit digits of a currency: EUR 2, JPY 0, KWD 3. Throws for an unknown code. */
export function currencyExponent(currency: string): number {
  const cached = exponentCache.get(currency);
  if (cached !== undefined) return cached;
  if (!isCurrencyCode(currency)) throw new RangeError(`Unknown currency ${currency}`);
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  exponentCache.set(currency, digits);
  return digits;
}

export type DecimalResult = { readonly ok: true; readonly minor: number } | { readonly ok: false; readonly message: string };

/**
 * Parse a decimal string into integer minor units of `currency`. Digits beyond the currency's
 * exponent are accepted only when they are zeros ("1000.00" JPY = 1000, "12.500" EUR = 1250).
 */
export function decimalToMinor(value: string, currency: string): DecimalResult {
  const match = DECIMAL_PATTERN.exec(value);
  if (!match) return { ok: false, message: 'must be a non-negative decimal string such as "12.50"' };
  const exponent = currencyExponent(currency);
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > exponent && /[1-9]/.test(fraction.slice(exponent))) {
    return { ok: false, message: `has more than ${exponent} decimal places for ${currency}` };
  }
  const digits = whole + fraction.slice(0, exponent).padEnd(exponent, '0');
  const minor = Number(digits);
  if (!Number.isSafeInteger(minor)) return { ok: false, message: 'is too large' };
  return { ok: true, minor };
}

/** Format integer minor units as a decimal string with exactly the currency's exponent digits. */
export function minorToDecimal(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Minor amount must be a safe integer, got ${minor}`);
  const exponent = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** Sum of quantity x unit price over lines, exact (BigInt) so that it can never silently overflow. */
export function lineTotalMinor(lines: readonly { readonly quantity: number; readonly unitPriceMinor: number }[]): bigint {
  return lines.reduce((sum, line) => sum + BigInt(line.quantity) * BigInt(line.unitPriceMinor), 0n);
}

/** Expected order total from its parts (see OrderTotals.taxIncluded). */
export function expectedTotalMinor(parts: {
  readonly subtotalMinor: number;
  readonly shippingMinor: number;
  readonly taxMinor: number;
  readonly discountMinor: number;
  readonly taxIncluded?: boolean | undefined;
}): number {
  return parts.subtotalMinor + parts.shippingMinor - parts.discountMinor + (parts.taxIncluded === true ? 0 : parts.taxMinor);
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * Money as a person reads it: integer minor units → "€249.00" (en-US), "¥2,490", "KWD 1.234", "-€0.50".
 * The digits come from the integer (BigInt), never from a float; Intl only supplies symbol, grouping and order.
 * Throws RangeError for an unsafe integer or an unknown currency.
 */
export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Minor amount must be a safe integer, got ${minor}`);
  const exponent = currencyExponent(currency);
  const key = `${locale}|${currency}`;
  let nf = moneyFormats.get(key);
  if (nf === undefined) {
    nf = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent });
    moneyFormats.set(key, nf);
  }
  const abs = BigInt(Math.abs(minor));
  const scale = 10n ** BigInt(exponent);
  const integer = nf
    .formatToParts(abs / scale)
    .filter((p) => p.type === 'integer' || p.type === 'group')
    .map((p) => p.value)
    .join('');
  const fraction = String(abs % scale).padStart(exponent, '0');
  // A one-unit template in the right sign gives the locale's layout (symbol position, separators, minus sign).
  return nf
    .formatToParts(minor < 0 ? -1n : 1n)
    .map((p) => (p.type === 'integer' ? integer : p.type === 'fraction' ? fraction : p.value))
    .join('');
}

/** A decimal string as the API returns it ("249.00") in `currency` → "€249.00"; anything unparsable is shown as given ("abc EUR"). */
export function formatDecimalMoney(decimal: string, currency: string, locale = 'en-US'): string {
  if (!isCurrencyCode(currency)) return `${decimal} ${currency}`;
  const negative = decimal.startsWith('-');
  const parsed = decimalToMinor(negative ? decimal.slice(1) : decimal, currency);
  return parsed.ok ? formatMoney(negative ? -parsed.minor : parsed.minor, currency, locale) : `${decimal} ${currency}`;
}

/** formatMoney for messages that must never throw (timeline text): an unknown currency or unsafe amount falls back to the raw figures. */
export function moneyText(minor: number, currency: string, locale = 'en-US'): string {
  try {
    return formatMoney(minor, currency, locale);
  } catch {
    return `${minor} minor units of ${currency}`;
  }
}

/**
 * Money as money: the API gives decimal strings ("19.99") with an ISO 4217 currency; stored minor units
 * (1999) appear only inside the pipeline (functions/core/kernel/money.ts). Intl knows each currency's
 * exponent (EUR 2, JPY 0, KWD 3), so the formatter never guesses the decimals.
 */
export interface MoneyValue {
  readonly amount: string;
  readonly currency: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, f);
  }
  return f;
}

/** Digits after the decimal point for a currency (EUR 2, JPY 0). */
export function currencyExponent(currency: string): number {
  return formatter(currency, 'en').resolvedOptions().maximumFractionDigits ?? 2;
}

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/**
 * "19.99" EUR -> "€19.99", "1200" JPY -> "¥1,200". The decimal string is formatted exactly (Intl
 * formats numeric strings without going through a float). Unknown currency or not a decimal: shown as is.
 */
export function formatMoney(amount: string, currency: string, locale = 'en'): string {
  if (!DECIMAL.test(amount)) return `${amount} ${currency}`;
  try {
    return formatter(currency, locale).format(amount as `${number}`);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** Integer minor units (as stored) -> decimal string of the currency: 1999 EUR -> "19.99", 1200 JPY -> "1200". */
export function minorToDecimal(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(Math.trunc(minor))).padStart(exponent + 1, '0');
  return exponent === 0 ? sign + digits : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

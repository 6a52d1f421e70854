/**
 * Field readers shared by the platform order mappings (Shopify, WooCommerce): blank strings are absent,
 * and money strings are read in the order's currency with every failure reported as a field issue.
 */
import { decimalToMinor, isCurrencyCode } from '../../kernel/money';
import type { FieldIssue } from '../../kernel/errors';

/** A trimmed string, or undefined when null, undefined or blank (platforms send "" for "not set"). */
export const present = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

/**
 * The order currency (upper-cased; an issue at `currency` when it is not ISO 4217) and a reader of its money
 * strings: minor units, 0 with an issue at `path` when unreadable, 0 when absent or the currency is invalid.
 */
export function platformMoney(rawCurrency: string, issues: FieldIssue[]): { currency: string; money: (value: string | null | undefined, path: string) => number } {
  const currency = rawCurrency.trim().toUpperCase();
  if (!isCurrencyCode(currency)) issues.push({ path: 'currency', message: 'must be an ISO 4217 currency code' });
  const money = (value: string | null | undefined, path: string): number => {
    if (value === null || value === undefined || !isCurrencyCode(currency)) return 0;
    const parsed = decimalToMinor(value.trim(), currency);
    if (!parsed.ok) {
      issues.push({ path, message: parsed.message });
      return 0;
    }
    return parsed.minor;
  };
  return { currency, money };
}

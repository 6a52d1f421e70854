/**
 * Money in the CLIs (demo, executions, drop): one formatter, so every amount a person reads looks like "€249.00"
 * (JPY "¥2,490"), never "24900 (minor units) EUR". The digits come from functions/core/kernel/money.ts.
 */
import { formatDecimalMoney, moneyText } from '../../functions/core/kernel/money';

/** An amount from an API response (decimal string, e.g. totals.total) in the response's currency. */
export function showMoney(amount: unknown, currency: unknown): string {
  if (typeof amount !== 'string' || typeof currency !== 'string') return `${String(amount)} ${String(currency)}`.trim();
  return formatDecimalMoney(amount, currency);
}

/** An amount in minor units (execution input/output, table items, e.g. refund amountMinor). */
export function showMinor(minor: unknown, currency: unknown): string {
  if (typeof minor !== 'number' || typeof currency !== 'string') return `${String(minor)} ${String(currency)}`.trim();
  return moneyText(minor, currency);
}

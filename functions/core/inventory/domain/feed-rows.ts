/**
 * Inventory feed rows: what a parsed row changes on an offer, money in major or minor units turned into
 * integer minor units of the row's currency, else the supplier's (a price list is in the supplier's
 * currency); a row without money keeps the offer's currency. The zod parse is inventory/schemas/feed-rows.ts. Pure.
 */
import { decimalToMinor } from '../../kernel/money';
import { type FeedField } from '../../suppliers/domain/supplier';

// ------------------------------------------------------------------------------------------ rows

export type MoneyUnits = 'major' | 'minor';

/** What one valid row asks for (money already in minor units). Absent members keep the offer's value. */
export interface OfferChange {
  readonly supplierSku: string;
  readonly stock: number;
  readonly wholesaleCostMinor?: number | undefined;
  /** null = remove the MAP. */
  readonly mapMinor?: number | null | undefined;
  readonly discontinued?: boolean | undefined;
  readonly currency?: string | undefined;
}

export interface RejectedRow {
  readonly row: number;
  /** Canonical field, with the file's header in parentheses when it differs (`quantity (qty)`). */
  readonly field: string;
  readonly reason: string;
  /** The offending value as written (clipped); never personal data in inventory rows. */
  readonly value?: string | undefined;
}

export interface FeedWarning {
  readonly row: number;
  readonly code: string;
  readonly message: string;
}

export interface RowContext {
  readonly moneyUnits: MoneyUnits;
  /**
   * The supplier's currency: a row's cost / MAP without a `currency` are in it (and then set the
   * offer's currency to it). A row without money keeps the offer's currency.
   */
  readonly currency: string;
  /** Header per field, for the report's `field` label. */
  readonly headers?: Partial<Record<FeedField, string>> | undefined;
}

export type RowOutcome = { readonly ok: true; readonly change: OfferChange } | { readonly ok: false; readonly rejections: readonly RejectedRow[] };

export function clip(text: string, max = 100): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function display(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return clip(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return clip(JSON.stringify(value));
  } catch {
    return undefined;
  }
}

/** Money text → integer minor units of `currency`, reading it as major (12.50) or minor (1250) units. */
export function moneyToMinor(decimal: string, units: MoneyUnits, currency: string): { ok: true; minor: number } | { ok: false; message: string } {
  if (units === 'minor') {
    const match = /^(\d+)(?:\.0+)?$/.exec(decimal);
    if (match === null) return { ok: false, message: 'must be a whole number of minor units such as 1250 (this supplier sends money in minor units)' };
    const minor = Number(match[1]);
    return Number.isSafeInteger(minor) ? { ok: true, minor } : { ok: false, message: 'is too large' };
  }
  try {
    const result = decimalToMinor(decimal, currency);
    if (result.ok) return result;
    return { ok: false, message: /decimal places/.test(result.message) ? result.message : `must be a decimal amount such as 12.50 (${result.message})` };
  } catch {
    return { ok: false, message: `cannot be read: currency ${currency} is unknown` };
  }
}

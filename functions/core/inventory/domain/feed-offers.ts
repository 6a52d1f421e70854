/**
 * Inventory feed decisions per offer: an offer is written only when stock, cost, MAP, discontinued or
 * currency changes; the LAST valid row of a supplier SKU wins (earlier ones get a DUPLICATE_SKU
 * warning); stock below the platform's reserved counter sets `shortfall` (reserved - stock) and the
 * STOCK_SHORTFALL exception keys on the offer (reservations are never touched); a file is quarantined
 * when rejected / rows > threshold (default 0.2), it has no data rows, or a required column is missing. Pure.
 */
import { DEFAULT_HEADER_ALIASES } from './feed-headers';
import { type FeedField } from '../../suppliers/domain/supplier';
import { type OfferChange, type FeedWarning, clip } from './feed-rows';

// ------------------------------------------------------------------------------------------ offers

/** The feed-owned offer item's domain fields (no `reserved`: that is the platform's counter item). */
export interface FeedOffer {
  readonly sku: string;
  readonly supplierId: string;
  readonly supplierSku: string;
  readonly wholesaleCostMinor: number;
  readonly currency: string;
  readonly stock: number;
  readonly mapMinor?: number | undefined;
  readonly discontinued: boolean;
  /** When a feed last CHANGED this offer. */
  readonly lastFeedAt: string;
  /** reserved - stock while stock is below what reservations hold. */
  readonly shortfall?: number | undefined;
  /** Since when the shortfall exists (the exception index sorts on it). */
  readonly shortfallSince?: string | undefined;
  /**
   * The as-of of the truth this row was last written with (domain/as-of.ts); set on every offer a feed
   * or message writes. gsi1 does not project it: offers read through the index leave it undefined.
   */
  readonly stockAsOf?: string | undefined;
}

export interface OfferDiff {
  readonly changed: boolean;
  readonly next: FeedOffer;
}

/** Apply a row to the current offer; `changed` only when stock, cost, MAP, discontinued or currency differs. */
export function diffOffer(current: FeedOffer, change: OfferChange, now: string): OfferDiff {
  const wholesaleCostMinor = change.wholesaleCostMinor ?? current.wholesaleCostMinor;
  const mapMinor = change.mapMinor === undefined ? current.mapMinor : change.mapMinor === null ? undefined : change.mapMinor;
  const discontinued = change.discontinued ?? current.discontinued;
  const currency = change.currency ?? current.currency;
  const changed =
    change.stock !== current.stock ||
    wholesaleCostMinor !== current.wholesaleCostMinor ||
    mapMinor !== current.mapMinor ||
    discontinued !== current.discontinued ||
    currency !== current.currency;
  if (!changed) return { changed: false, next: current };
  const next: FeedOffer = {
    sku: current.sku,
    supplierId: current.supplierId,
    supplierSku: current.supplierSku,
    wholesaleCostMinor,
    currency,
    stock: change.stock,
    ...(mapMinor === undefined ? {} : { mapMinor }),
    discontinued,
    lastFeedAt: now,
    ...(current.shortfall === undefined ? {} : { shortfall: current.shortfall }),
    ...(current.shortfallSince === undefined ? {} : { shortfallSince: current.shortfallSince }),
  };
  return { changed: true, next };
}

/**
 * Whether writing `next` needs the reservation counter: stock dropped (it may now be below what is
 * reserved) or the offer is already short (the shortfall may be over or different now).
 */
export function needsReservedCount(current: FeedOffer, next: FeedOffer): boolean {
  return next.stock < current.stock || current.shortfall !== undefined;
}

export function shortfallOf(stock: number, reserved: number): number {
  return Math.max(0, reserved - stock);
}

export interface ShortfallResult {
  readonly offer: FeedOffer;
  /** The offer was not short before and is now. */
  readonly entered: boolean;
  /** The offer was short before and is not any more. */
  readonly cleared: boolean;
}

/** Set or clear `shortfall` from the counter (`reserved` = units HELD; absent counter = 0). */
export function settleShortfall(offer: FeedOffer, reserved: number, now: string): ShortfallResult {
  const short = shortfallOf(offer.stock, reserved);
  const { shortfall: before, shortfallSince, ...rest } = offer;
  if (short === 0) return { offer: rest, entered: false, cleared: before !== undefined };
  return { offer: { ...rest, shortfall: short, shortfallSince: shortfallSince ?? now }, entered: before === undefined, cleared: false };
}

// ------------------------------------------------------------------------------------------ duplicates

/**
 * Pass 1 remembers the last valid row of each supplier SKU; pass 2 applies only that row. The rows a
 * later one supersedes get a DUPLICATE_SKU warning.
 */
export class DuplicateTracker {
  private readonly last = new Map<string, number>();
  duplicates = 0;

  /** Record a valid row; returns the warning for the row it supersedes, if any. */
  see(supplierSku: string, row: number): FeedWarning | undefined {
    const previous = this.last.get(supplierSku);
    this.last.set(supplierSku, row);
    if (previous === undefined) return undefined;
    this.duplicates++;
    return { row: previous, code: 'DUPLICATE_SKU', message: `supplier SKU ${clip(supplierSku, 64)} appears again in row ${row}: this row was ignored (the last row wins)` };
  }

  isLast(supplierSku: string, row: number): boolean {
    return this.last.get(supplierSku) === row;
  }

  get size(): number {
    return this.last.size;
  }

  /** supplierSku → the row that applies. */
  entries(): IterableIterator<[string, number]> {
    return this.last.entries();
  }
}

// ------------------------------------------------------------------------------------------ quarantine

export const DEFAULT_QUARANTINE_THRESHOLD = 0.2;

export interface QuarantineInput {
  readonly rows: number;
  readonly rejected: number;
  readonly threshold?: number | undefined;
  readonly missing?: readonly FeedField[] | undefined;
}

/** Why the whole file is quarantined instead of applied, or undefined to apply it. */
export function quarantineReason(input: QuarantineInput, aliases?: Partial<Record<FeedField, readonly string[]>>): string | undefined {
  if (input.missing !== undefined && input.missing.length > 0) {
    const names = input.missing.map((f) => `${f} (one of: ${[...(aliases?.[f] ?? []), ...DEFAULT_HEADER_ALIASES[f]].join(', ')})`);
    return `required column missing: ${names.join('; ')}`;
  }
  if (input.rows === 0) return 'the file has no data rows';
  const threshold = input.threshold ?? DEFAULT_QUARANTINE_THRESHOLD;
  const share = input.rejected / input.rows;
  if (share > threshold) {
    return `${input.rejected} of ${input.rows} rows rejected (${(share * 100).toFixed(1)} % > the ${(threshold * 100).toFixed(0)} % threshold)`;
  }
  return undefined;
}

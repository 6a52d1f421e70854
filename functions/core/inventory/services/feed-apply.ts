/** Writing validated offer changes in chunks (ordered by the supplier's as-of, domain/as-of.ts), with the stock-shortfall events they cause. */
import { diffOffer, needsReservedCount, settleShortfall, type FeedOffer } from '../domain/feed-offers';
import { type HeaderResolution } from '../domain/feed-headers';
import { type OfferChange } from '../domain/feed-rows';
import type { FeedField } from '../../suppliers/domain/supplier';
import type { FeedSourceData, TypedSupplierEvent } from '../../events/schemas/domain-events';
import type { StoreContext } from '../../runtime/table/context';
import { DEFAULT_ORDERED_CONCURRENCY, loadHeldUnits, putOffers, reservedKey, writeOffersOrdered, type OfferIndex } from '../store/inventory';
import { resplitOffer } from '../store/allocation-shards';
import type { OfferAllocation } from '../domain/allocation-shards';
import { MAX_SHORTFALL_DETAILS } from './feed-types';

// ------------------------------------------------------------------------------------------ applying changes

interface ShortfallNote {
  readonly sku: string;
  readonly supplierSku: string;
  readonly stock: number;
  readonly reserved: number;
  readonly shortfall: number;
}

/** Running totals of pass 2 / an SQS update. */
export class ApplyTally {
  written = 0;
  unchanged = 0;
  /** Rows whose offers already hold a truth as new or newer (ordered writes only): skipped, not errors. */
  stale = 0;
  /** Offers whose values were unchanged but whose stockAsOf moved (partial messages). */
  touched = 0;
  /** Offer items written (changed, shortfall moved, or touched): the watermark's `lastWriteAt` moves when > 0. */
  offersWritten = 0;
  shortfalls = 0;
  readonly shortfallDetails: ShortfallNote[] = [];

  note(offer: FeedOffer, reserved: number): void {
    this.shortfalls++;
    if (this.shortfallDetails.length < MAX_SHORTFALL_DETAILS) {
      this.shortfallDetails.push({ sku: offer.sku, supplierSku: offer.supplierSku, stock: offer.stock, reserved, shortfall: offer.shortfall ?? 0 });
    }
  }
}

/** How an apply orders its writes (domain/as-of.ts `admit`). */
export interface ApplyOrder {
  /** The supplier's as-of of this truth (normalized): every offer written carries it as `stockAsOf`. */
  readonly asOf: string;
  /** Each write conditional on the stored row holding an older truth (else one BatchWriteItem path). */
  readonly conditional: boolean;
  /** Also move `stockAsOf` on offers whose values did not change (partial messages only). */
  readonly touchUnchanged: boolean;
}

const offerKey = (offer: FeedOffer): string => reservedKey(offer.sku, offer.supplierId);

// Long: diff per row, settle shortfalls, write (batch or ordered), then count per row and refresh the index.
/**
 * Apply one chunk of valid, de-duplicated, mapped rows: diff against the offers, read the counters
 * where stock dropped (or the offer is short), settle shortfalls, write the changed offers whole
 * (stamped with the apply's as-of). Offers that did not change but are short get their shortfall
 * re-checked (and rewritten if it moved). Unchanged offers are not rewritten, unless `touchUnchanged`
 * (then only their stockAsOf moves). With `conditional`, a row whose offer holds a truth as new or
 * newer is left alone and counted stale.
 */
export async function applyChanges(
  store: StoreContext,
  offers: OfferIndex,
  changes: readonly OfferChange[],
  at: string,
  order: ApplyOrder,
  tally: ApplyTally,
  concurrency: number,
): Promise<void> {
  const stamp = (offer: FeedOffer): FeedOffer => ({ ...offer, stockAsOf: order.asOf });
  const puts: FeedOffer[] = [];
  const toCheck: FeedOffer[] = [];
  const shortUnchanged: FeedOffer[] = [];
  const touches = new Map<string, FeedOffer>();
  const rows: { readonly changed: string[]; readonly all: string[] }[] = [];
  for (const change of changes) {
    const row = { changed: [] as string[], all: [] as string[] };
    rows.push(row);
    for (const current of offers.get(change.supplierSku) ?? []) {
      row.all.push(offerKey(current));
      const diff = diffOffer(current, change, at);
      if (diff.changed) {
        row.changed.push(offerKey(current));
        const next = stamp(diff.next);
        if (needsReservedCount(current, next)) toCheck.push(next);
        else puts.push(next);
        continue;
      }
      if (current.shortfall !== undefined) shortUnchanged.push(current);
      if (order.touchUnchanged) touches.set(offerKey(current), stamp(current));
    }
  }
  const entered = new Map<string, number>();
  let allocations = new Map<string, OfferAllocation>();
  if (toCheck.length + shortUnchanged.length > 0) {
    const held = await loadHeldUnits(store, [...toCheck, ...shortUnchanged]);
    const reserved = held.reserved;
    allocations = held.allocations;
    for (const next of toCheck) {
      const held = reserved.get(offerKey(next)) ?? 0;
      const settled = settleShortfall(next, held, at);
      if (settled.entered) entered.set(offerKey(next), held);
      puts.push(settled.offer);
    }
    for (const current of shortUnchanged) {
      const held = reserved.get(offerKey(current)) ?? 0;
      const settled = settleShortfall(current, held, at);
      if (settled.offer.shortfall === current.shortfall) continue;
      puts.push(stamp(settled.offer));
      touches.delete(offerKey(current));
    }
  }
  let written: readonly FeedOffer[] = puts;
  const staleKeys = new Set<string>();
  if (order.conditional || touches.size > 0) {
    const outcome = await writeOffersOrdered(store, puts, [...touches.values()], Math.max(concurrency, DEFAULT_ORDERED_CONCURRENCY));
    written = outcome.written;
    for (const offer of outcome.stale) staleKeys.add(offerKey(offer));
  } else if (puts.length > 0) {
    await putOffers(store, puts, concurrency);
  }
  tally.offersWritten += written.length;
  await resplitWritten(store, written, allocations);
  const writtenKeys = new Set(written.map(offerKey));
  for (const offer of written) {
    const held = entered.get(offerKey(offer));
    if (held !== undefined) tally.note(offer, held);
    if (touches.has(offerKey(offer))) tally.touched++;
  }
  for (const row of rows) {
    if (row.changed.some((key) => writtenKeys.has(key))) tally.written++;
    else if (row.all.some((key) => staleKeys.has(key))) tally.stale++;
    else tally.unchanged++;
  }
  // Keep the index current (an SQS update or a later chunk may see these offers again); touches change no value.
  for (const offer of written) {
    if (touches.has(offerKey(offer))) continue;
    const list = offers.get(offer.supplierSku);
    if (list === undefined) continue;
    const position = list.findIndex((o) => o.sku === offer.sku);
    if (position >= 0) list[position] = offer;
  }
}

export function headerLabels(header: HeaderResolution | undefined): Partial<Record<FeedField, string>> | undefined {
  if (header === undefined) return undefined;
  return Object.fromEntries(header.columns.map((c) => [c.field, c.header]));
}

export function shortfallEvent(supplierId: string, at: string, tally: ApplyTally, source: FeedSourceData): TypedSupplierEvent {
  return {
    supplierId,
    at,
    type: 'StockShortfall',
    message: `${tally.shortfalls} offer(s) now have less stock than their reservations hold; reservations are kept`,
    data: { ...source, count: tally.shortfalls, offers: tally.shortfallDetails },
  };
}

/**
 * A hot offer whose stock dropped: split the new stock over its allocation shards right after the write (docs/hot-sku.md),
 * so reservations stop using the old split at once. Best effort: a resplit that loses a race is redone by the next
 * reservation (the shards' basis is not the offer's new `lastFeedAt`, so none reserves on the stale split).
 */
async function resplitWritten(store: StoreContext, written: readonly FeedOffer[], allocations: ReadonlyMap<string, OfferAllocation>): Promise<void> {
  for (const offer of written) {
    const allocation = allocations.get(offerKey(offer));
    if (allocation !== undefined) await resplitOffer(store, { sku: offer.sku, supplierId: offer.supplierId, stock: offer.stock, lastFeedAt: offer.lastFeedAt }, allocation);
  }
}

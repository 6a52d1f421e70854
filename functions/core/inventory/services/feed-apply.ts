/** Writing validated offer changes in chunks, with the stock-shortfall events they cause. */
import { diffOffer, needsReservedCount, settleShortfall, type FeedOffer } from '../domain/feed-offers';
import { type HeaderResolution } from '../domain/feed-headers';
import { type OfferChange } from '../domain/feed-rows';
import type { FeedField } from '../../suppliers/domain/supplier';
import type { FeedSourceData, TypedSupplierEvent } from '../../events/schemas/domain-events';
import type { StoreContext } from '../../runtime/table/context';
import { loadReservedCounts, putOffers, reservedKey, type OfferIndex } from '../store/inventory';
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
  shortfalls = 0;
  readonly shortfallDetails: ShortfallNote[] = [];

  note(offer: FeedOffer, reserved: number): void {
    this.shortfalls++;
    if (this.shortfallDetails.length < MAX_SHORTFALL_DETAILS) {
      this.shortfallDetails.push({ sku: offer.sku, supplierSku: offer.supplierSku, stock: offer.stock, reserved, shortfall: offer.shortfall ?? 0 });
    }
  }
}

/**
 * Apply one chunk of valid, de-duplicated, mapped rows: diff against the offers, read the counters
 * where stock dropped (or the offer is short), settle shortfalls, write the changed offers whole.
 * Offers that did not change but are short get their shortfall re-checked (and rewritten if it moved).
 */
export async function applyChanges(store: StoreContext, offers: OfferIndex, changes: readonly OfferChange[], at: string, tally: ApplyTally, concurrency: number): Promise<void> {
  const direct: FeedOffer[] = [];
  const toCheck: FeedOffer[] = [];
  const shortUnchanged: FeedOffer[] = [];
  for (const change of changes) {
    let changed = false;
    for (const current of offers.get(change.supplierSku) ?? []) {
      const diff = diffOffer(current, change, at);
      if (diff.changed) {
        changed = true;
        if (needsReservedCount(current, diff.next)) toCheck.push(diff.next);
        else direct.push(diff.next);
      } else if (current.shortfall !== undefined) {
        shortUnchanged.push(current);
      }
    }
    if (changed) tally.written++;
    else tally.unchanged++;
  }
  const writes = direct;
  if (toCheck.length + shortUnchanged.length > 0) {
    const reserved = await loadReservedCounts(store, [...toCheck, ...shortUnchanged]);
    for (const next of toCheck) {
      const held = reserved.get(reservedKey(next.sku, next.supplierId)) ?? 0;
      const settled = settleShortfall(next, held, at);
      if (settled.entered) tally.note(settled.offer, held);
      writes.push(settled.offer);
    }
    for (const current of shortUnchanged) {
      const held = reserved.get(reservedKey(current.sku, current.supplierId)) ?? 0;
      const settled = settleShortfall(current, held, at);
      if (settled.offer.shortfall !== current.shortfall) writes.push(settled.offer);
    }
  }
  if (writes.length > 0) await putOffers(store, writes, concurrency);
  // Keep the index current (an SQS update or a later chunk may see these offers again).
  for (const offer of writes) {
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

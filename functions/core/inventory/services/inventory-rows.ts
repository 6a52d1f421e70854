/** INVENTORY_UPDATE rows sent over the supplier inbound queue, applied with the same rules as feed files. */
import { parseFeedRow } from '../schemas/feed-rows';
import { type FeedWarning, type OfferChange, type RowContext } from '../domain/feed-rows';
import type { FieldIssue } from '../../kernel/errors';
import { type FeedRow, type FeedRowInput } from '../schemas/inventory';
import { getSupplier } from '../store/catalog';
import { DEFAULT_WRITE_CONCURRENCY, loadOffersBySupplierSkus, supplierEventItems, writeSupplierItems } from '../store/inventory';
import type { TransactItem } from '../../runtime/table/transactions';
import { type InventoryDeps, type FeedCounts, MAX_FINISH_ATTEMPTS } from './feed-types';
import { ApplyTally, applyChanges, shortfallEvent } from './feed-apply';
import { feedAppliedItems } from './inventory-feed';

// ------------------------------------------------------------------------------------------ SQS rows

export interface InventoryRowsOptions {
  /** true = the rows are the supplier's whole catalog: refreshes lastFeedAt (and STALE → ACTIVE) like a feed file. */
  readonly complete?: boolean | undefined;
  /** Where the rows came from, for events and logs (e.g. `{ kind: 'sqs', messageId }`). */
  readonly source: { readonly kind: string; readonly messageId?: string | undefined };
}

export type InventoryRowsOutcome =
  | ({ readonly kind: 'applied'; readonly warnings: readonly FeedWarning[] } & FeedCounts)
  /** Some row cannot be applied (e.g. more decimals than the currency has): nothing was written. */
  | { readonly kind: 'rejected'; readonly issues: readonly FieldIssue[] }
  | { readonly kind: 'unknown-supplier' };

// Long: one pass over the rows (validate, diff, apply, finish) in order.
/**
 * Apply INVENTORY_UPDATE rows (already shape-checked by InventoryUpdateMessage) for `supplierId`:
 * all rows or none (a row whose money cannot be converted rejects the message); duplicates: the
 * last row wins; only changed offers are written; shortfalls as for files.
 */
export async function applyInventoryRows(
  deps: InventoryDeps,
  supplierId: string,
  rows: readonly (FeedRow | FeedRowInput)[],
  options: InventoryRowsOptions,
): Promise<InventoryRowsOutcome> {
  const supplier = await getSupplier(deps.store, supplierId);
  if (supplier === undefined) return { kind: 'unknown-supplier' };
  const skus = rows.flatMap((r) => {
    const candidate = (r as { supplierSku?: unknown }).supplierSku;
    return typeof candidate === 'string' ? [candidate.trim()] : [];
  });
  const offers = await loadOffersBySupplierSkus(deps.store, supplierId, skus);
  const ctx: RowContext = { moneyUnits: supplier.files?.moneyUnits ?? 'major', currency: supplier.currency };
  const issues: FieldIssue[] = [];
  const lastBySku = new Map<string, { index: number; change: OfferChange }>();
  const warnings: FeedWarning[] = [];
  let unmapped = 0;
  rows.forEach((row, index) => {
    const outcome = parseFeedRow(row, index + 1, ctx);
    if (!outcome.ok) {
      for (const r of outcome.rejections) issues.push({ path: `rows.${index}.${r.field.split(' ')[0] ?? r.field}`, message: r.reason });
      return;
    }
    const previous = lastBySku.get(outcome.change.supplierSku);
    if (previous !== undefined) warnings.push({ row: previous.index + 1, code: 'DUPLICATE_SKU', message: `superseded by row ${index + 1}` });
    lastBySku.set(outcome.change.supplierSku, { index, change: outcome.change });
  });
  if (issues.length > 0) return { kind: 'rejected', issues };
  const changes: OfferChange[] = [];
  for (const { index, change } of lastBySku.values()) {
    if (offers.has(change.supplierSku)) changes.push(change);
    else {
      unmapped++;
      warnings.push({ row: index + 1, code: 'UNKNOWN_SKU', message: `supplier SKU ${change.supplierSku} is not mapped to any retailer SKU` });
    }
  }
  const at = deps.now().toISOString();
  const tally = new ApplyTally();
  await applyChanges(deps.store, offers, changes, at, tally, deps.tuning?.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
  const counts: FeedCounts = {
    rows: rows.length,
    written: tally.written,
    unchanged: tally.unchanged,
    rejected: 0,
    unmapped,
    duplicates: rows.length - lastBySku.size,
    shortfalls: tally.shortfalls,
  };
  const sourceData = { source: options.source.kind, messageId: options.source.messageId };
  let current = supplier;
  for (let attempt = 1; ; attempt++) {
    const items: TransactItem[] =
      options.complete === true
        ? feedAppliedItems(deps.store, current, at, { counts, tally, sourceData })
        : tally.shortfalls > 0
          ? supplierEventItems(deps.store, [shortfallEvent(supplierId, at, tally, sourceData)])
          : [];
    if (items.length === 0) break;
    const outcome = await writeSupplierItems(deps.store, items);
    if (outcome.ok) break;
    if (attempt >= MAX_FINISH_ATTEMPTS) throw new Error(`Could not record the inventory update: ${outcome.codes.join(',')}`);
    current = (await getSupplier(deps.store, supplierId)) ?? current;
  }
  deps.metrics.count('FeedRowsApplied', counts.written, supplierId);
  if (counts.shortfalls > 0) deps.metrics.count('StockShortfalls', counts.shortfalls, supplierId);
  deps.logger.info('Inventory update applied', { supplierId, ...sourceData, complete: options.complete === true, ...counts });
  return { kind: 'applied', warnings, ...counts };
}

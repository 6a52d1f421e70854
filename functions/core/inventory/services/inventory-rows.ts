/** INVENTORY_UPDATE rows sent over the supplier inbound queue, applied with the same rules as feed files, ordered by the supplier's as-of. */
import { parseFeedRow } from '../schemas/feed-rows';
import { type FeedWarning, type OfferChange, type RowContext } from '../domain/feed-rows';
import { admit, advanceMarks, normalizeAsOf, type ApplyScope } from '../domain/as-of';
import type { FieldIssue } from '../../kernel/errors';
import { type FeedRow, type FeedRowInput } from '../schemas/inventory';
import { getSupplier } from '../store/catalog';
import { DEFAULT_WRITE_CONCURRENCY, loadOffersConsistent, supplierEventItems, writeSupplierItems } from '../store/inventory';
import { readWatermark } from '../store/watermark';
import type { TransactItem } from '../../runtime/table/transactions';
import { TransientError } from '../../kernel/errors';
import { type InventoryDeps, type FeedCounts, MAX_FINISH_ATTEMPTS, ZERO } from './feed-types';
import { ApplyTally, applyChanges, shortfallEvent } from './feed-apply';
import { feedAppliedItems } from './inventory-feed';
import { holdApplyLock, MESSAGE_LOCK_WAIT_MS, type SupplierApplyLock } from './apply-lock';

// ------------------------------------------------------------------------------------------ SQS rows

export interface InventoryRowsOptions {
  /** true = the rows are the supplier's whole catalog: refreshes lastFeedAt (and STALE → ACTIVE) like a feed file. */
  readonly complete?: boolean | undefined;
  /** The supplier's as-of of these rows (an INVENTORY_UPDATE's `sentAt`), domain/as-of.ts. */
  readonly asOf: string;
  /** Where the rows came from, for events and logs (e.g. `{ kind: 'sqs', messageId }`). */
  readonly source: { readonly kind: string; readonly messageId?: string | undefined };
  /**
   * Exactly once: checked under the apply lock (true = already applied: nothing is done) and `record`
   * is written in the same transaction that releases the lock (e.g. the message id's dedupe item).
   */
  readonly once?: { readonly applied: () => Promise<boolean>; readonly record: TransactItem } | undefined;
}

export type InventoryRowsOutcome =
  | ({ readonly kind: 'applied'; readonly warnings: readonly FeedWarning[] } & FeedCounts)
  /** Not newer than the newest whole snapshot applied: nothing written (not an error). */
  | { readonly kind: 'stale'; readonly newerAsOf: string }
  /** `once.applied()` said so: nothing written. */
  | { readonly kind: 'duplicate' }
  /** Some row cannot be applied (e.g. more decimals than the currency has): nothing was written. */
  | { readonly kind: 'rejected'; readonly issues: readonly FieldIssue[] }
  | { readonly kind: 'unknown-supplier' };

interface ParsedRows {
  readonly issues: FieldIssue[];
  readonly warnings: FeedWarning[];
  readonly lastBySku: Map<string, { index: number; change: OfferChange }>;
}

function parseRows(rows: readonly (FeedRow | FeedRowInput)[], ctx: RowContext): ParsedRows {
  const issues: FieldIssue[] = [];
  const lastBySku = new Map<string, { index: number; change: OfferChange }>();
  const warnings: FeedWarning[] = [];
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
  return { issues, warnings, lastBySku };
}

// Long: admission, lock, diff and ordered writes, then one outcome transaction that releases the lock.
/**
 * Apply INVENTORY_UPDATE rows (already shape-checked by InventoryUpdateMessage) for `supplierId`:
 * all rows or none (a row whose money cannot be converted rejects the message); duplicates: the
 * last row wins; only changed offers are written; shortfalls as for files. Ordered by `asOf`
 * (domain/as-of.ts): a message not newer than the newest whole snapshot is stale; a partial one
 * writes every offer it states conditionally on the offer's stockAsOf (older rows counted stale);
 * one apply of the supplier at a time (apply-lock.ts).
 */
export async function applyInventoryRows(
  deps: InventoryDeps,
  supplierId: string,
  rows: readonly (FeedRow | FeedRowInput)[],
  options: InventoryRowsOptions,
): Promise<InventoryRowsOutcome> {
  const asOf = normalizeAsOf(options.asOf);
  if (asOf === undefined) return { kind: 'rejected', issues: [{ path: 'sentAt', message: 'must be an instant (ISO 8601 with time zone) before year 10000' }] };
  const supplier = await getSupplier(deps.store, supplierId);
  if (supplier === undefined) return { kind: 'unknown-supplier' };
  const ctx: RowContext = { moneyUnits: supplier.files?.moneyUnits ?? 'major', currency: supplier.currency };
  const { issues, warnings, lastBySku } = parseRows(rows, ctx);
  if (issues.length > 0) return { kind: 'rejected', issues };
  const scope: ApplyScope = options.complete === true ? 'whole' : 'partial';
  // The watermark only moves forward: stale now is stale for good (no lock needed to say so).
  const early = admit(await readWatermark(deps.store, supplierId), asOf, scope);
  if (early.kind === 'stale') return logStale(deps, supplierId, options, asOf, early.newerAsOf);

  const lock = await holdApplyLock(deps, supplierId, options.source.messageId ?? options.source.kind, deps.tuning?.lockWaitMs ?? MESSAGE_LOCK_WAIT_MS, deps.tuning);
  let held: SupplierApplyLock | undefined = lock;
  try {
    if (options.once !== undefined && (await options.once.applied())) return { kind: 'duplicate' };
    const admission = admit(lock.watermark, asOf, scope);
    if (admission.kind === 'stale') return logStale(deps, supplierId, options, asOf, admission.newerAsOf);
    // Read consistently under the lock: the values the diff compares are those the last apply wrote.
    const offers = await loadOffersConsistent(deps.store, supplierId, [...lastBySku.keys()]);
    const changes: OfferChange[] = [];
    let unmapped = 0;
    for (const { index, change } of lastBySku.values()) {
      if (offers.has(change.supplierSku)) changes.push(change);
      else {
        unmapped++;
        warnings.push({ row: index + 1, code: 'UNKNOWN_SKU', message: `supplier SKU ${change.supplierSku} is not mapped to any retailer SKU` });
      }
    }
    const at = deps.now().toISOString();
    const tally = new ApplyTally();
    const order = { asOf, conditional: admission.conditional, touchUnchanged: scope === 'partial' };
    await applyChanges(deps.store, offers, changes, at, order, tally, deps.tuning?.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
    const counts: FeedCounts = {
      ...ZERO,
      rows: rows.length,
      written: tally.written,
      unchanged: tally.unchanged,
      unmapped,
      duplicates: rows.length - lastBySku.size,
      shortfalls: tally.shortfalls,
      stale: tally.stale,
    };
    const sourceData = { source: options.source.kind, messageId: options.source.messageId };
    const release = lock.releaseItem({ marks: advanceMarks(lock.watermark, asOf, scope), wrote: tally.offersWritten > 0, at });
    let current = supplier;
    for (let attempt = 1; ; attempt++) {
      const items: TransactItem[] = [
        ...(scope === 'whole'
          ? feedAppliedItems(deps.store, current, at, { counts, tally, sourceData })
          : tally.shortfalls > 0
            ? supplierEventItems(deps.store, [shortfallEvent(supplierId, at, tally, sourceData)])
            : []),
        ...(options.once === undefined ? [] : [options.once.record]),
        release,
      ];
      const outcome = await writeSupplierItems(deps.store, items);
      if (outcome.ok) {
        held = undefined;
        break;
      }
      if (outcome.codes.at(-1) === 'ConditionalCheckFailed') throw new TransientError(`the inventory apply lock of supplier ${supplierId} was lost before the update was recorded (retried)`);
      if (attempt >= MAX_FINISH_ATTEMPTS) throw new Error(`Could not record the inventory update: ${outcome.codes.join(',')}`);
      current = (await getSupplier(deps.store, supplierId)) ?? current;
    }
    deps.metrics.count('FeedRowsApplied', counts.written, supplierId);
    if (counts.stale > 0) deps.metrics.count('FeedRowsStale', counts.stale, supplierId);
    if (counts.shortfalls > 0) deps.metrics.count('StockShortfalls', counts.shortfalls, supplierId);
    deps.logger.info('Inventory update applied', { supplierId, ...sourceData, complete: scope === 'whole', asOf, touched: tally.touched, ...counts });
    return { kind: 'applied', warnings, ...counts };
  } finally {
    await held?.release();
  }
}

function logStale(deps: InventoryDeps, supplierId: string, options: InventoryRowsOptions, asOf: string, newerAsOf: string): InventoryRowsOutcome {
  deps.metrics.count('InventoryUpdatesStale', 1, supplierId);
  deps.logger.info('Inventory update not newer than the last whole snapshot: not applied', { supplierId, messageId: options.source.messageId, asOf, newerAsOf });
  return { kind: 'stale', newerAsOf };
}

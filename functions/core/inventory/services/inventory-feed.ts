/**
 * Applying inventory feeds (issue 5): files (S3 inbox drops and pull sources) and SQS INVENTORY_UPDATE
 * rows. Rules live in inventory/domain/ (feed-headers, feed-rows, feed-offers, file-report); this module streams, batches and records.
 *
 * File lifecycle (applyFeedFile):
 *   claim the file record (key + ETag: a replay does nothing) → read the supplier → the file's as-of
 *   (input.asOf, else the S3 event time, else now) against the supplier's watermark: not newer →
 *   SUPERSEDED, body never read (issue 13, domain/as-of.ts) → spool the body while its offers load
 *   (gsi1 → map supplierSku → offers, once gsi1 shows the last apply's writes) → PASS 1 validates every
 *   row → unmapped SKUs from the offer map → quarantine, or take the supplier's apply lock
 *   (apply-lock.ts; admission again: SUPERSEDED if a newer feed won meanwhile; offers re-read if another
 *   apply wrote since) and PASS 2 applies (lease renewed between chunks) → report (when there is
 *   something to say) → finish the record in one transaction with the supplier update, SupplierEvent
 *   items and the lock's release that advances the watermark → metrics.
 *
 * Why two passes (the whole-file quarantine must never half-apply): the decision needs the error
 * rate of the WHOLE file, and buffering every changed row until the end would make memory grow with
 * the file. So the body is spooled once to a temporary file (bounded memory, and both passes read the
 * same bytes even if the S3 object is overwritten meanwhile), pass 1 parses it and keeps only counts,
 * the capped report entries and supplierSku → last valid row (for duplicates), and pass 2 parses it
 * again and writes in chunks (default 1,000 rows: diff against the preloaded offers, consistent
 * BatchGet of reservation counters for rows whose stock dropped, BatchWriteItem of the changed offers;
 * the next chunk is parsed while up to two previous ones are written; the offer map loads during the
 * spool and pass 1, which needs no offers). JSON feeds are read whole (capped) and
 * walked twice in memory. Memory therefore stays ~ the offer map (one entry per offer of the supplier)
 * + a few chunks, whatever the file size.
 *
 * Any unexpected error marks the record FAILED (so the Lambda retry can claim it at once) and is
 * rethrown; rows already written are unchanged on the retry, so nothing is written twice.
 */
import { buildFileReport, hasSomethingToReport, ReportCollector, type FileReport } from '../domain/file-report';
import { DuplicateTracker, quarantineReason } from '../domain/feed-offers';
import { parseFeedRow } from '../schemas/feed-rows';
import { type OfferChange, type RowContext } from '../domain/feed-rows';
import type { Supplier, SupplierFileRecord } from '../../suppliers/domain/supplier';
import type { FeedSourceData, TypedSupplierEvent } from '../../events/schemas/domain-events';
import { getSupplier } from '../store/catalog';
import type { StoreContext } from '../../runtime/table/context';
import { DEFAULT_WRITE_CONCURRENCY, loadSupplierOffers, supplierEventItems, supplierFeedUpdate, type OfferIndex } from '../store/inventory';
import { claimFile, failFile, finishFile, normalizeEtag, type FileRef } from '../../suppliers/store/supplier-files';
import type { TransactItem } from '../../runtime/table/transactions';
import { fileNameOf, ObjectSuperseded, quarantineFile, refuseFile, writeFileReport } from '../../suppliers/services/file-reports';
import { ZERO, type InventoryDeps, type FeedDeps, type FeedFileInput, type FeedCounts, type FeedFileResult, FeedFormatError, MAX_FINISH_ATTEMPTS, CHUNKS_IN_FLIGHT } from './feed-types';
import { type FeedSource, openCsvSource, openJsonSource } from './feed-sources';
import { ApplyTally, applyChanges, headerLabels, shortfallEvent, type ApplyOrder } from './feed-apply';
import { admit, advanceMarks, indexSettleWait, normalizeAsOf } from '../domain/as-of';
import { readWatermark, type Watermark } from '../store/watermark';
import { DEFAULT_INDEX_SETTLE_MS, FILE_LOCK_WAIT_MS, holdApplyLock, type SupplierApplyLock } from './apply-lock';
import { TransientError } from '../../kernel/errors';
import { sleep } from '../../runtime/table/transactions';

// ------------------------------------------------------------------------------------------ files

interface Validation {
  readonly rows: number;
  readonly duplicates: DuplicateTracker;
  readonly collector: ReportCollector;
  readonly reason: string | undefined;
}

/** Pass 1: parse every row; keep counts, capped report entries and supplierSku → last valid row. Needs no offers. */
async function validatePass(source: FeedSource, ctx: RowContext, supplier: Supplier, onProgress: FeedFileInput['onProgress']): Promise<Validation> {
  const collector = new ReportCollector();
  const duplicates = new DuplicateTracker();
  for (const warning of source.header?.warnings ?? []) collector.warn(warning);
  const missing = source.header?.missing ?? [];
  if (missing.length > 0) {
    return { rows: 0, duplicates, collector, reason: quarantineReason({ rows: 0, rejected: 0, missing }, supplier.files?.headerAliases) };
  }
  let rows = 0;
  try {
    for await (const record of source.records()) {
      rows++;
      if (onProgress !== undefined && rows % 1000 === 0) onProgress(rows, 'validate');
      const outcome = parseFeedRow(record.input, record.row, ctx);
      if (!outcome.ok) {
        collector.reject(outcome.rejections);
        continue;
      }
      const superseded = duplicates.see(outcome.change.supplierSku, record.row);
      if (superseded !== undefined) collector.warn(superseded);
    }
  } catch (error) {
    if (!(error instanceof FeedFormatError)) throw error;
    return { rows, duplicates, collector, reason: error.message };
  }
  onProgress?.(rows, 'validate');
  const reason = quarantineReason({ rows, rejected: collector.rejected, threshold: supplier.files?.quarantineThreshold });
  return { rows, duplicates, collector, reason };
}

/** Supplier SKUs of the file no offer maps: counted and warned (on the row that would apply), never errors. */
function countUnmapped(validation: Validation, offers: OfferIndex): number {
  let unmapped = 0;
  for (const [sku, row] of validation.duplicates.entries()) {
    if (offers.has(sku)) continue;
    unmapped++;
    validation.collector.warn({ row, code: 'UNKNOWN_SKU', message: `supplier SKU ${sku.slice(0, 64)} is not mapped to any retailer SKU: row ignored` });
  }
  return unmapped;
}

async function applyPass(
  deps: InventoryDeps,
  source: FeedSource,
  ctx: RowContext,
  offers: OfferIndex,
  validation: Validation,
  at: string,
  apply: { readonly order: ApplyOrder; readonly lock: SupplierApplyLock },
  onProgress: FeedFileInput['onProgress'],
): Promise<ApplyTally> {
  const tally = new ApplyTally();
  const chunkRows = Math.max(1, deps.tuning?.chunkRows ?? 1000);
  const concurrency = Math.max(1, deps.tuning?.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
  let chunk: OfferChange[] = [];
  // Up to CHUNKS_IN_FLIGHT chunks are written while the next one is parsed; an error is kept and rethrown at the next flush.
  const inflight: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  const flush = async (): Promise<void> => {
    while (inflight.length >= CHUNKS_IN_FLIGHT) await inflight.shift();
    if (failure !== undefined) throw failure.error;
    // A large file outlives a lease: renew it between chunks (throws when it was lost: the apply stops).
    await apply.lock.keepAlive();
    const changes = chunk;
    chunk = [];
    if (changes.length === 0) return;
    inflight.push(
      applyChanges(deps.store, offers, changes, at, apply.order, tally, concurrency).catch((error: unknown) => {
        failure ??= { error };
      }),
    );
  };
  let rows = 0;
  for await (const record of source.records()) {
    rows++;
    if (onProgress !== undefined && rows % 1000 === 0) onProgress(rows, 'apply');
    const outcome = parseFeedRow(record.input, record.row, ctx);
    if (!outcome.ok) continue;
    const change = outcome.change;
    if (!validation.duplicates.isLast(change.supplierSku, record.row) || !offers.has(change.supplierSku)) continue;
    chunk.push(change);
    if (chunk.length >= chunkRows) await flush();
  }
  await flush();
  await Promise.all(inflight);
  if (failure !== undefined) throw failure.error;
  onProgress?.(rows, 'apply');
  return tally;
}

function isPreconditionFailed(error: unknown): boolean {
  return error instanceof Error && (error.name === 'PreconditionFailed' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412);
}

// Long: the file lifecycle described in the module comment (claim, spool, validate, quarantine or apply, report, finish) in order.
/**
 * Apply one feed file (see the module comment). Returns what happened; throws only for failures a
 * retry can fix (the record is then FAILED).
 */
export async function applyFeedFile(deps: FeedDeps, input: FeedFileInput): Promise<FeedFileResult> {
  const started = deps.now();
  const receivedAt = started.toISOString();
  const etag = normalizeEtag(input.etag);
  const ref: FileRef = { supplierId: input.supplierId, kind: 'INVENTORY', bucket: input.bucket, objectKey: input.key, etag };
  const log = { supplierId: input.supplierId, key: input.key, etag };

  const supplier = await getSupplier(deps.store, input.supplierId);
  if (supplier === undefined) {
    await refuseFile(deps, ref, { ok: false, code: 'UNKNOWN_SUPPLIER', message: `supplier ${input.supplierId} does not exist` });
    return { ...ZERO, status: 'REFUSED', reason: 'UNKNOWN_SUPPLIER' };
  }
  const claim = await claimFile(deps.store, ref, started);
  if (!claim.claimed) {
    const status = claim.existing?.status;
    if (status === 'PROCESSING') deps.logger.info('Feed file is being processed by another attempt', log);
    else deps.logger.info('Feed file already applied: nothing to do', { ...log, status });
    return { ...ZERO, status: status === 'PROCESSING' ? 'IN_PROGRESS' : 'ALREADY_PROCESSED', reason: status };
  }

  // The supplier's own time of this truth (issue 13): a file not newer than the newest feed applied is
  // skipped whole, before its body is read (checked again under the apply lock).
  const asOf = normalizeAsOf(input.asOf) ?? normalizeAsOf(input.objectTime) ?? receivedAt;
  const format = input.format ?? (/\.json$/i.test(input.key) ? 'json' : 'csv');
  const fileName = fileNameOf(input.key);
  let source: FeedSource | undefined;
  let lock: SupplierApplyLock | undefined;
  try {
    const before = await readWatermark(deps.store, input.supplierId);
    const early = admit(before, asOf, 'whole');
    if (early.kind === 'stale') return await supersede(deps, claim.record, { ...log, asOf }, early.newerAsOf);
    // The offer map loads while the body is spooled (the validation pass needs both).
    const offersLoading = loadOffersSettled(deps, input.supplierId, before);
    offersLoading.catch(() => undefined);
    let formatError: string | undefined;
    try {
      source = format === 'json' ? await openJsonSource(input.body, deps.tuning) : await openCsvSource(input.body, deps.tuning, supplier.files);
    } catch (error) {
      await offersLoading.catch(() => undefined);
      if (error instanceof ObjectSuperseded || isPreconditionFailed(error)) {
        await failFile(deps.store, claim.record, 'the object changed after the event (a newer version is processed on its own)', deps.now());
        deps.logger.warn('Feed object superseded before it was read', log);
        return { ...ZERO, status: 'SUPERSEDED' };
      }
      if (!(error instanceof FeedFormatError)) throw error;
      formatError = error.message;
    }
    const ctx: RowContext = { moneyUnits: supplier.files?.moneyUnits ?? 'major', currency: supplier.currency, headers: headerLabels(source?.header) };
    const validation: Validation =
      source === undefined
        ? { rows: 0, duplicates: new DuplicateTracker(), collector: new ReportCollector(), reason: formatError ?? 'unreadable file' }
        : await validatePass(source, ctx, supplier, input.onProgress);
    const offers = await offersLoading;
    const unmapped = countUnmapped(validation, offers);
    const head = { file: { bucket: input.bucket, key: input.key, etag }, supplierId: input.supplierId, kind: 'INVENTORY' as const, receivedAt };

    if (validation.reason !== undefined) {
      return await quarantine(deps, { input, claim: claim.record, supplier, validation, unmapped, head, fileName, reason: validation.reason });
    }

    lock = await holdApplyLock(deps, input.supplierId, input.key, deps.tuning?.lockWaitMs ?? FILE_LOCK_WAIT_MS, deps.tuning);
    const admission = admit(lock.watermark, asOf, 'whole');
    if (admission.kind === 'stale') {
      await lock.release();
      lock = undefined;
      return await supersede(deps, claim.record, { ...log, asOf }, admission.newerAsOf);
    }
    // Another apply wrote offers since they were loaded (or died holding the lock, maybe mid-write): read them
    // again once gsi1 shows its writes.
    const fresh = lock.watermark.applies === before.applies && lock.watermark.tookOver !== true;
    const current = fresh ? offers : await reloadOffers(lock, deps, input.supplierId);
    const order: ApplyOrder = { asOf, conditional: admission.conditional, touchUnchanged: false };
    const tally = await applyPass(deps, source as FeedSource, ctx, current, validation, receivedAt, { order, lock }, input.onProgress);
    const counts: FeedCounts = {
      rows: validation.rows,
      written: tally.written,
      unchanged: tally.unchanged,
      rejected: validation.collector.rejected,
      unmapped,
      duplicates: validation.duplicates.duplicates,
      shortfalls: tally.shortfalls,
      stale: tally.stale,
    };
    const report = buildFileReport({ ...head, status: 'APPLIED' }, counts, validation.collector);
    const reportKey = hasSomethingToReport(report) ? await writeFileReport(deps.s3, deps.filesBucket, report, fileName) : undefined;
    const finishedAt = deps.now();
    const sourceData = { source: input.source ?? 'file', bucket: input.bucket, key: input.key, etag };
    // Re-read: the stale-feed sweep may have run while a large file was applied.
    let supplierNow = (await getSupplier(deps.store, input.supplierId)) ?? supplier;
    const release = lock.releaseItem({ marks: advanceMarks(lock.watermark, asOf, 'whole'), wrote: tally.offersWritten > 0, at: finishedAt.toISOString() });
    for (let attempt = 1; ; attempt++) {
      const items = [...feedAppliedItems(deps.store, supplierNow, finishedAt.toISOString(), { feedKey: input.key, objectAt: input.objectTime, counts, reportKey, tally, sourceData }), release];
      const finished = await finishFile(
        deps.store,
        claim.record,
        { status: 'APPLIED', rows: counts.rows, written: counts.written, unchanged: counts.unchanged, rejected: counts.rejected, unmapped: counts.unmapped, reportKey },
        finishedAt,
        items,
      );
      if (finished.ok) {
        lock = undefined;
        break;
      }
      if (finished.reason === 'conflict' && finished.codes?.at(-1) === 'ConditionalCheckFailed') {
        throw new TransientError(`the inventory apply lock of supplier ${input.supplierId} was lost before the feed was recorded (retried)`);
      }
      if (finished.reason === 'lease-lost') {
        deps.logger.warn('Feed file lease lost before its outcome was recorded (another attempt took over)', log);
        break;
      }
      if (attempt >= MAX_FINISH_ATTEMPTS) throw new Error(`Could not record the feed outcome: ${finished.codes?.join(',') ?? 'conflict'}`);
      supplierNow = (await getSupplier(deps.store, input.supplierId)) ?? supplierNow;
    }
    deps.metrics.count('FeedRowsApplied', counts.written, input.supplierId);
    if (counts.rejected > 0) deps.metrics.count('FeedRowsRejected', counts.rejected, input.supplierId);
    if (counts.shortfalls > 0) deps.metrics.count('StockShortfalls', counts.shortfalls, input.supplierId);
    deps.logger.info('Feed applied', { ...log, ...counts, asOf, conditional: order.conditional, reportKey, ms: deps.now().getTime() - started.getTime() });
    return { ...counts, status: 'APPLIED', reportKey };
  } catch (error) {
    await failFile(deps.store, claim.record, error instanceof Error ? `${error.name}: ${error.message}` : 'unexpected error', deps.now());
    throw error;
  } finally {
    await lock?.release();
    await source?.close();
  }
}

/** The supplier's offers, once gsi1 shows the last apply's writes (see indexSettleWait). */
async function loadOffersSettled(deps: InventoryDeps, supplierId: string, watermark: Watermark): Promise<OfferIndex> {
  const wait = indexSettleWait(watermark.lastWriteAt, deps.now(), deps.tuning?.indexSettleMs ?? DEFAULT_INDEX_SETTLE_MS);
  if (wait > 0) await sleep(wait);
  return loadSupplierOffers(deps.store, supplierId);
}

async function reloadOffers(lock: SupplierApplyLock, deps: InventoryDeps, supplierId: string): Promise<OfferIndex> {
  await lock.settleIndex();
  return loadSupplierOffers(deps.store, supplierId);
}

/** A file not newer than the newest feed applied: recorded SUPERSEDED, nothing applied (not an error). */
async function supersede(deps: FeedDeps, claimed: SupplierFileRecord, log: Record<string, string>, newerAsOf: string): Promise<FeedFileResult> {
  const reason = `a newer feed (as of ${newerAsOf}) was already applied`;
  await finishFile(deps.store, claimed, { status: 'SUPERSEDED', reason }, deps.now());
  deps.metrics.count('FeedFilesSuperseded', 1, claimed.supplierId);
  deps.logger.warn('Feed file not newer than the last applied feed: not applied', { ...log, newerAsOf });
  return { ...ZERO, status: 'SUPERSEDED', reason };
}

export function feedAppliedItems(
  store: StoreContext,
  supplier: Supplier,
  at: string,
  info: { feedKey?: string | undefined; objectAt?: string | undefined; counts: FeedCounts; reportKey?: string | undefined; tally: ApplyTally; sourceData: FeedSourceData },
): TransactItem[] {
  const fresh = supplier.status === 'STALE';
  const { counts } = info;
  const events: TypedSupplierEvent[] = [
    {
      supplierId: supplier.supplierId,
      at,
      type: 'SupplierFeedApplied',
      message: `Inventory feed applied: ${counts.written} of ${counts.rows} rows changed, ${counts.rejected} rejected, ${counts.unmapped} unmapped`,
      data: { ...info.sourceData, rows: counts.rows, written: counts.written, unchanged: counts.unchanged, rejected: counts.rejected, unmapped: counts.unmapped, duplicates: counts.duplicates, reportKey: info.reportKey },
    },
  ];
  if (fresh) {
    events.push({
      supplierId: supplier.supplierId,
      at,
      type: 'SupplierFresh',
      message: 'A good feed arrived: the supplier is ACTIVE again and its offers are sold',
      data: { ...info.sourceData, staleSince: supplier.staleSince },
    });
  }
  if (info.tally.shortfalls > 0) events.push(shortfallEvent(supplier.supplierId, at, info.tally, info.sourceData));
  return [supplierFeedUpdate(store, supplier.supplierId, { at, feedKey: info.feedKey, objectAt: info.objectAt, fresh }), ...supplierEventItems(store, events)];
}

export async function quarantine(
  deps: FeedDeps,
  args: {
    input: FeedFileInput;
    claim: SupplierFileRecord;
    supplier: Supplier;
    validation: Validation;
    unmapped: number;
    head: Omit<Parameters<typeof buildFileReport>[0], 'status' | 'reason'>;
    fileName: string;
    reason: string;
  },
): Promise<FeedFileResult> {
  const { input, validation } = args;
  const counts: FeedCounts = { ...ZERO, rows: validation.rows, rejected: validation.collector.rejected, unmapped: args.unmapped, duplicates: validation.duplicates.duplicates };
  const quarantineKey = await quarantineFile(deps.s3, {
    fromBucket: input.bucket,
    fromKey: input.key,
    toBucket: deps.filesBucket,
    supplierId: input.supplierId,
    kind: 'INVENTORY',
    fileName: args.fileName,
  });
  const report: FileReport = buildFileReport({ ...args.head, status: 'QUARANTINED', reason: args.reason }, counts, validation.collector);
  const reportKey = await writeFileReport(deps.s3, deps.filesBucket, report, args.fileName);
  const now = deps.now();
  const event: TypedSupplierEvent = {
    supplierId: input.supplierId,
    at: now.toISOString(),
    type: 'SupplierFeedQuarantined',
    message: `Inventory feed quarantined, nothing applied: ${args.reason}`,
    data: { source: input.source ?? 'file', bucket: input.bucket, key: input.key, etag: args.head.file.etag, reason: args.reason, rows: counts.rows, rejected: counts.rejected, reportKey, quarantineKey },
  };
  const finished = await finishFile(
    deps.store,
    args.claim,
    { status: 'QUARANTINED', rows: counts.rows, written: 0, unchanged: 0, rejected: counts.rejected, unmapped: counts.unmapped, reportKey, reason: args.reason.slice(0, 300) },
    now,
    supplierEventItems(deps.store, [event]),
  );
  if (!finished.ok) deps.logger.warn('Quarantined feed outcome not recorded', { supplierId: input.supplierId, key: input.key, why: finished.reason });
  deps.metrics.count('SupplierFilesQuarantined', 1, input.supplierId);
  if (counts.rejected > 0) deps.metrics.count('FeedRowsRejected', counts.rejected, input.supplierId);
  deps.logger.warn('Feed quarantined', { supplierId: input.supplierId, key: input.key, reason: args.reason, rows: counts.rows, rejected: counts.rejected, reportKey, quarantineKey });
  return { ...counts, status: 'QUARANTINED', reason: args.reason, reportKey, quarantineKey };
}

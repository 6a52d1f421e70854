/**
 * Supplier file records (`FILE#{supplierId}` / `{kind}#{s3 key}#{etag}`, entity "SupplierFile"): the
 * replay guard and the outcome of every inbox / pull file. Shared by the inventory feed and the
 * tracking / acknowledgement file handlers. Two calls:
 *
 *   const claim = await claimFile(ctx, { supplierId, kind, bucket, objectKey, etag }, now);
 *   if (!claim.claimed) → replay ("already applied") or another worker holds the lease: do nothing;
 *   ... process ...
 *   await finishFile(ctx, claim.record, { status: 'APPLIED', rows, written, ..., reportKey }, now, alsoWrite);
 *
 * claimFile is a conditional Put of a PROCESSING record that succeeds when the file was never seen,
 * when its last attempt FAILED, or when a PROCESSING attempt is older than the lease (15 min: the
 * worker died). finishFile sets the final status only while the caller still holds its lease
 * (same startedAt), optionally in ONE transaction with other items (supplier update, SupplierEvent
 * outbox items), so an outcome and its events are never half-written. QUARANTINED records carry the
 * sparse exception keys (gsi3 `EXCEPTION#FILE_QUARANTINED` / `{finishedAt}#{supplierId}`).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SupplierFileKind, SupplierFileRecord, SupplierFileStatus } from '../domain/supplier';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { gsiKeys, keys } from '../../runtime/table/keys';
import { isConditionalCheckFailed, transact, type TransactItem } from '../../runtime/table/transactions';

/** A PROCESSING record older than this is taken over by the next attempt (its worker died). */
export const FILE_LEASE_MINUTES = 15;

export interface FileRef {
  readonly supplierId: string;
  readonly kind: SupplierFileKind;
  readonly bucket: string;
  /** The S3 object key, decoded (spaces as spaces, not `+`). */
  readonly objectKey: string;
  /** The ETag without quotes. */
  readonly etag: string;
}

export type ClaimResult =
  | { readonly claimed: true; readonly record: SupplierFileRecord }
  /** Not claimed: `existing` is the record that blocks it (APPLIED / QUARANTINED / REFUSED = a replay, PROCESSING = another worker). */
  | { readonly claimed: false; readonly existing: SupplierFileRecord | undefined };

/** `"abc"` → `abc` (S3 returns quoted ETags from Head/Get, unquoted ones in events). */
export function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

export function fileRecordKey(ref: FileRef) {
  return keys.supplierFile(ref.supplierId, ref.kind, ref.objectKey, normalizeEtag(ref.etag));
}

export async function getFileRecord(ctx: StoreContext, ref: FileRef): Promise<SupplierFileRecord | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: fileRecordKey(ref), ConsistentRead: true }));
  return result.Item === undefined ? undefined : (stripKeys(result.Item) as unknown as SupplierFileRecord);
}

/** Take the file for processing (see the module comment); `now` is the lease start. */
export async function claimFile(ctx: StoreContext, ref: FileRef, now: Date): Promise<ClaimResult> {
  const record: SupplierFileRecord = {
    supplierId: ref.supplierId,
    kind: ref.kind,
    bucket: ref.bucket,
    objectKey: ref.objectKey,
    etag: normalizeEtag(ref.etag),
    status: 'PROCESSING',
    startedAt: now.toISOString(),
  };
  const leaseExpired = new Date(now.getTime() - FILE_LEASE_MINUTES * 60_000).toISOString();
  try {
    await ctx.ddb.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: { ...record, ...fileRecordKey(ref), entity: 'SupplierFile' },
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :failed OR (#status = :processing AND startedAt < :leaseExpired)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'FAILED', ':processing': 'PROCESSING', ':leaseExpired': leaseExpired },
      }),
    );
    return { claimed: true, record };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return { claimed: false, existing: await getFileRecord(ctx, ref) };
  }
}

/** How a file ended: its final status plus the record's counts, report key and reason (no PII). */
export type FileOutcome = Pick<SupplierFileRecord, 'rows' | 'written' | 'unchanged' | 'rejected' | 'unmapped' | 'reportKey' | 'reason'> & {
  readonly status: Exclude<SupplierFileStatus, 'PROCESSING'>;
};

/** `ok` = written; `lease-lost` = another attempt took the file over (nothing written); `conflict` = an item of `alsoWrite` failed its condition (nothing written). */
export type FinishResult = { readonly ok: true; readonly record: SupplierFileRecord } | { readonly ok: false; readonly reason: 'lease-lost' | 'conflict'; readonly codes?: readonly string[] };

/**
 * Record the outcome, while `claimed` (from claimFile) still holds the lease. With `alsoWrite` the
 * record and those items are ONE transaction (≤ 99 items).
 */
export async function finishFile(
  ctx: StoreContext,
  claimed: SupplierFileRecord,
  outcome: FileOutcome,
  now: Date,
  alsoWrite: readonly TransactItem[] = [],
): Promise<FinishResult> {
  const finishedAt = now.toISOString();
  const record: SupplierFileRecord = {
    ...claimed,
    ...Object.fromEntries(Object.entries(outcome).filter(([, v]) => v !== undefined)),
    finishedAt,
  } as SupplierFileRecord;
  const key = fileRecordKey({ ...claimed, objectKey: claimed.objectKey });
  const exception = outcome.status === 'QUARANTINED' ? gsiKeys.exception('FILE_QUARANTINED', finishedAt, claimed.supplierId) : undefined;
  const put = {
    TableName: ctx.tableName,
    Item: { ...record, ...key, ...(exception ?? {}), entity: 'SupplierFile' },
    ConditionExpression: '#status = :processing AND startedAt = :startedAt',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':processing': 'PROCESSING', ':startedAt': claimed.startedAt },
  };
  if (alsoWrite.length === 0) {
    try {
      await ctx.ddb.send(new PutCommand(put));
      return { ok: true, record };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return { ok: false, reason: 'lease-lost' };
      throw error;
    }
  }
  const outcomeTx = await transact(ctx, [{ Put: put }, ...alsoWrite]);
  if (outcomeTx.ok) return { ok: true, record };
  if (outcomeTx.codes[0] === 'ConditionalCheckFailed') return { ok: false, reason: 'lease-lost', codes: outcomeTx.codes };
  if (outcomeTx.codes.some((c) => c === 'ConditionalCheckFailed')) return { ok: false, reason: 'conflict', codes: outcomeTx.codes };
  // Contention only (TransactionConflict / throttling): the caller's retry loop decides.
  return { ok: false, reason: 'conflict', codes: outcomeTx.codes };
}

/**
 * Best effort after an unexpected error: mark the attempt FAILED so the retry (Lambda async retry,
 * next schedule) can claim it at once instead of waiting for the lease. Never throws.
 */
export async function failFile(ctx: StoreContext, claimed: SupplierFileRecord, reason: string, now: Date): Promise<void> {
  try {
    await finishFile(ctx, claimed, { status: 'FAILED', reason: reason.slice(0, 300) }, now);
  } catch {
    // The lease expires on its own.
  }
}

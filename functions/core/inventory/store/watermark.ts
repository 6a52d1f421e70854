/**
 * The per-supplier inventory watermark and apply lock (issue 13): ONE item
 * `SUPPLIER#{supplierId}` / `FEED#WATERMARK` (entity "FeedWatermark") holding
 *
 *   fullAsOf / partialAsOf  the as-of of the newest whole snapshot / partial message applied (domain/as-of.ts)
 *   applies, lastWriteAt    how many applies wrote offers, and when the last one finished (clock time):
 *                           a reader of the offers through gsi1 (eventually consistent) waits for it to settle
 *   leaseOwner, leaseExpiresAt (epoch ms), leaseSource
 *                           the apply lock: one apply of a supplier's inventory at a time
 *
 * Acquire = conditional UpdateItem (free, expired, or already mine) returning the item; renew =
 * conditional on still owning it; release = conditional on owning it, and it is where the marks
 * advance, as a transaction item committed with the apply's outcome (file record or message dedupe,
 * supplier update, events): an apply's result and its watermark are never half-written.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AsOfMarks } from '../domain/as-of';
import type { StoreContext } from '../../runtime/table/context';
import { isConditionalCheckFailed, type TransactItem } from '../../runtime/table/transactions';

export const watermarkKey = (supplierId: string) => ({ pk: `SUPPLIER#${supplierId}`, sk: 'FEED#WATERMARK' });

export interface Watermark extends AsOfMarks {
  readonly supplierId: string;
  readonly applies: number;
  readonly lastWriteAt?: string | undefined;
  readonly leaseOwner?: string | undefined;
  readonly leaseExpiresAt?: number | undefined;
  readonly leaseSource?: string | undefined;
  /** Set by acquireLease: the lease was taken over from another owner whose lease had expired (its writes may be half done). */
  readonly tookOver?: boolean | undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export function toWatermark(supplierId: string, item: Record<string, unknown> | undefined): Watermark {
  const applies = item?.['applies'];
  const expires = item?.['leaseExpiresAt'];
  return {
    supplierId,
    applies: typeof applies === 'number' ? applies : 0,
    fullAsOf: text(item?.['fullAsOf']),
    partialAsOf: text(item?.['partialAsOf']),
    lastWriteAt: text(item?.['lastWriteAt']),
    leaseOwner: text(item?.['leaseOwner']),
    leaseExpiresAt: typeof expires === 'number' ? expires : undefined,
    leaseSource: text(item?.['leaseSource']),
  };
}

/** The watermark as stored now (consistent read); absent = nothing applied under it yet. */
export async function readWatermark(ctx: StoreContext, supplierId: string): Promise<Watermark> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: watermarkKey(supplierId), ConsistentRead: true }));
  return toWatermark(supplierId, result.Item);
}

export interface LeaseRequest {
  readonly supplierId: string;
  readonly owner: string;
  readonly nowMs: number;
  readonly leaseMs: number;
  /** What holds it (an S3 key, a message id): for operators reading the item. */
  readonly source: string;
}

/** Take the lock when free, expired or already ours: the watermark as it is now (with `tookOver`), or undefined when another apply holds it. */
export async function acquireLease(ctx: StoreContext, request: LeaseRequest): Promise<Watermark | undefined> {
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: watermarkKey(request.supplierId),
        UpdateExpression: 'SET #entity = :entity, supplierId = :supplierId, leaseOwner = :owner, leaseExpiresAt = :expires, leaseSource = :source, applies = if_not_exists(applies, :zero)',
        ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseOwner = :owner OR leaseExpiresAt < :now',
        ExpressionAttributeNames: { '#entity': 'entity' },
        ExpressionAttributeValues: {
          ':entity': 'FeedWatermark',
          ':supplierId': request.supplierId,
          ':owner': request.owner,
          ':expires': request.nowMs + request.leaseMs,
          ':source': request.source.slice(0, 300),
          ':zero': 0,
          ':now': request.nowMs,
        },
        // The item before: whose lease this replaced (an expired one of another apply that may have died mid-write).
        ReturnValues: 'ALL_OLD',
      }),
    );
    const before = toWatermark(request.supplierId, result.Attributes);
    return {
      ...before,
      leaseOwner: request.owner,
      leaseExpiresAt: request.nowMs + request.leaseMs,
      leaseSource: request.source.slice(0, 300),
      tookOver: before.leaseOwner !== undefined && before.leaseOwner !== request.owner,
    };
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/** Extend our lease; false when it is no longer ours (it expired and another apply took it). */
export async function renewLease(ctx: StoreContext, request: Omit<LeaseRequest, 'source'>): Promise<boolean> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: watermarkKey(request.supplierId),
        UpdateExpression: 'SET leaseExpiresAt = :expires',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': request.owner, ':expires': request.nowMs + request.leaseMs },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

export interface WatermarkAdvance {
  /** The marks after this apply (domain advanceMarks). */
  readonly marks: AsOfMarks;
  /** Offers were written: `applies` + 1 and `lastWriteAt` = `at`. */
  readonly wrote: boolean;
  readonly at: string;
}

/**
 * Release the lock (conditional on holding it), advancing the marks when `advance` is given: a
 * transaction item for the apply's outcome transaction. A mark never moves back (guarded here too).
 */
export function releaseItem(ctx: StoreContext, supplierId: string, owner: string, advance?: WatermarkAdvance): TransactItem {
  const sets: string[] = [];
  const conditions = ['leaseOwner = :owner'];
  const values: Record<string, unknown> = { ':owner': owner };
  if (advance?.marks.fullAsOf !== undefined) {
    sets.push('fullAsOf = :full');
    conditions.push('(attribute_not_exists(fullAsOf) OR fullAsOf <= :full)');
    values[':full'] = advance.marks.fullAsOf;
  }
  if (advance?.marks.partialAsOf !== undefined) {
    sets.push('partialAsOf = :partial');
    conditions.push('(attribute_not_exists(partialAsOf) OR partialAsOf <= :partial)');
    values[':partial'] = advance.marks.partialAsOf;
  }
  if (advance?.wrote === true) {
    sets.push('applies = applies + :one', 'lastWriteAt = :at');
    values[':one'] = 1;
    values[':at'] = advance.at;
  }
  return {
    Update: {
      TableName: ctx.tableName,
      Key: watermarkKey(supplierId),
      UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(', ')} ` : ''}REMOVE leaseOwner, leaseExpiresAt, leaseSource`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeValues: values,
    },
  };
}

/** Release without advancing (stale, duplicate, failure). Best effort: a lease not ours, or an error, is left to expire. */
export async function releaseLease(ctx: StoreContext, supplierId: string, owner: string): Promise<void> {
  const item = releaseItem(ctx, supplierId, owner).Update;
  if (item === undefined) return;
  try {
    await ctx.ddb.send(new UpdateCommand({ ...item, Key: watermarkKey(supplierId) }));
  } catch {
    // Expires on its own (leaseExpiresAt).
  }
}

/**
 * TransactWriteItems helpers shared by the workflow stores: item builders return plain
 * `TransactItem`s, a runner sends them and explains a cancellation (which item failed and why).
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './context';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A conditional Put as a transaction item (the version-locked and absent-or-expired writes). */
export function conditionalPut(ctx: StoreContext, item: Record<string, unknown>, condition: string, values: Record<string, unknown>): TransactItem {
  return { Put: { TableName: ctx.tableName, Item: item, ConditionExpression: condition, ExpressionAttributeValues: values } };
}

/** DynamoDB's limit of items per TransactWriteItems. */
export const MAX_TRANSACT_ITEMS = 100;

export function isTransactionCanceled(error: unknown): error is TransactionCanceledException {
  return error instanceof TransactionCanceledException || (error instanceof Error && error.name === 'TransactionCanceledException');
}

export function isConditionalCheckFailed(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');
}

/** Errors retrying can fix (throttling, conflicts, a dependency briefly unavailable). */
export function isRetryableAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const retryable = new Set([
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'InternalServerError',
    'ServiceUnavailable',
    'TransactionInProgressException',
    'TransactionConflictException',
    'TimeoutError',
    'NetworkingError',
  ]);
  if (retryable.has(error.name)) return true;
  const meta = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const status = meta?.httpStatusCode;
  return status !== undefined && status >= 500;
}

export type TransactOutcome =
  | { readonly ok: true }
  /** Cancellation codes in item order (`None`, `ConditionalCheckFailed`, `TransactionConflict`, ...). */
  | { readonly ok: false; readonly codes: readonly string[] };

/**
 * Send one transaction. A cancelled transaction is returned (not thrown) with the per-item codes,
 * so callers can tell "someone changed it, re-read" from "already done"; anything else is thrown.
 */
export async function transact(ctx: StoreContext, items: readonly TransactItem[]): Promise<TransactOutcome> {
  if (items.length === 0) return { ok: true };
  if (items.length > MAX_TRANSACT_ITEMS) throw new RangeError(`A transaction holds at most ${MAX_TRANSACT_ITEMS} items, got ${items.length}`);
  try {
    await ctx.ddb.send(new TransactWriteCommand({ TransactItems: [...items] }));
    return { ok: true };
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
    return { ok: false, codes };
  }
}

/** Whether only conflicts / throttling (no failed condition) cancelled the transaction. */
export function onlyContention(codes: readonly string[]): boolean {
  return codes.length > 0 && codes.every((code) => code === 'None' || code === 'TransactionConflict' || code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded');
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Jittered backoff for optimistic-concurrency retries: ~10, 20, 40, 80 ms ... */
export function backoffMs(attempt: number): number {
  return Math.min(500, 10 * 2 ** Math.max(0, attempt - 1)) + Math.floor(Math.random() * 10);
}

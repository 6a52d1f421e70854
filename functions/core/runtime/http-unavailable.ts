/**
 * Which errors an API answers with `503 Service Unavailable` + `Retry-After` instead of a 500: DynamoDB
 * throttling and transaction contention that outlasted the SDK's own retries, and the pipeline's
 * TransientError (a conflict or dependency a retry can fix). The caller did nothing wrong and a retry
 * of the same request will succeed: a 500 would page someone for load, and hide a real bug among them.
 *
 * Name-based (no SDK imports): the SDK's error classes do not survive every bundling / worker boundary,
 * their `name` does. The cause chain is walked, so a wrapped SDK error still counts.
 */
import { TransientError } from '../kernel/errors';

/** Seconds a client should wait before retrying (sent as `Retry-After`). */
export const RETRY_AFTER_SECONDS = 1;

/** Body codes of a 503. */
export const UNAVAILABLE_CODES = { throttled: 'THROTTLED', unavailable: 'TEMPORARILY_UNAVAILABLE' } as const;
export type UnavailableCode = (typeof UNAVAILABLE_CODES)[keyof typeof UNAVAILABLE_CODES];

/** DynamoDB's throttling and contention errors (after the SDK's retries gave up). */
const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
]);

/** Cancellation reason codes of a TransactionCanceledException that are contention, not a failed condition. */
const CONTENTION_REASONS: ReadonlySet<string> = new Set(['None', 'TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

const MAX_CAUSE_DEPTH = 8;

function onlyContention(error: Error): boolean {
  const reasons = (error as { CancellationReasons?: readonly { Code?: string }[] }).CancellationReasons ?? [];
  const codes = reasons.map((reason) => reason.Code ?? 'None');
  return codes.some((code) => code !== 'None') && codes.every((code) => CONTENTION_REASONS.has(code));
}

function classifyOne(error: Error): UnavailableCode | undefined {
  if (THROTTLING_NAMES.has(error.name)) return UNAVAILABLE_CODES.throttled;
  if (error.name === 'TransactionCanceledException' && onlyContention(error)) return UNAVAILABLE_CODES.throttled;
  const retryable = (error as { $retryable?: { throttling?: boolean } }).$retryable;
  if (retryable?.throttling === true) return UNAVAILABLE_CODES.throttled;
  if (error instanceof TransientError || error.name === 'TransientError') return UNAVAILABLE_CODES.unavailable;
  return undefined;
}

/** The 503 code when `error` (or an error in its cause chain) is throttling / contention / transient; else undefined. */
export function unavailableCode(error: unknown): UnavailableCode | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    const code = classifyOne(current);
    if (code !== undefined) return code;
    current = current.cause;
  }
  return undefined;
}

/**
 * What the order workflow does when a task keeps failing for a reason that is not a business outcome
 * (throttling, contention, a dependency down, a bug): retry with backoff for a bounded time, then surface
 * the order to an operator. It never compensates: only domain outcomes (out of stock, every supplier
 * rejected, a rejected or expired hold, validation) cancel an order and request a refund.
 *
 * Pure: lib/constructs/order-workflow.ts renders the retry schedule into the ASL; the HoldOnFailure task
 * (services/hold-decisions.ts) applies the disposition.
 */
import type { OrderStatus } from '../../orders/domain/order';

/** Step Functions Retry fields (seconds) of the transient-error retrier of every forward task. */
export interface RetrySchedule {
  readonly intervalSeconds: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds: number;
  readonly maxAttempts: number;
}

export const TRANSIENT_RETRY_INTERVAL_SECONDS = 2;
export const TRANSIENT_RETRY_BACKOFF_RATE = 2;
export const TRANSIENT_RETRY_MAX_DELAY_SECONDS = 60;

/** The un-jittered delay before retry `attempt` (1-based). */
export function retryDelaySeconds(attempt: number, schedule: Pick<RetrySchedule, 'intervalSeconds' | 'backoffRate' | 'maxDelaySeconds'>): number {
  return Math.min(schedule.maxDelaySeconds, schedule.intervalSeconds * schedule.backoffRate ** (attempt - 1));
}

/** Sum of the un-jittered delays of a schedule: the longest a task retries (full jitter waits a uniform share of each delay). */
export function retryBudgetSeconds(schedule: RetrySchedule): number {
  let total = 0;
  for (let attempt = 1; attempt <= schedule.maxAttempts; attempt++) total += retryDelaySeconds(attempt, schedule);
  return total;
}

/**
 * The fewest attempts whose un-jittered delays add up to `budgetMinutes` (2 s doubling to 60 s, then 60 s
 * apart): 10 minutes → 14 attempts. With full jitter the retries end earlier (half the budget on average),
 * never later.
 */
export function transientRetrySchedule(budgetMinutes: number): RetrySchedule {
  const base = { intervalSeconds: TRANSIENT_RETRY_INTERVAL_SECONDS, backoffRate: TRANSIENT_RETRY_BACKOFF_RATE, maxDelaySeconds: TRANSIENT_RETRY_MAX_DELAY_SECONDS };
  const budget = budgetMinutes * 60;
  let attempts = 0;
  let total = 0;
  while (total < budget && attempts < 99) {
    attempts += 1;
    total += retryDelaySeconds(attempts, base);
  }
  return { ...base, maxAttempts: Math.max(1, attempts) };
}

/**
 * What HoldOnFailure does with the order a task failed on:
 * - HOLD: not yet fulfilling (RECEIVED, VALIDATED, RESERVED): ON_HOLD `TRANSIENT_FAILURE`, an operator approves
 *   (the workflow continues from the stored order) or rejects (cancel + refund, an operator's decision);
 * - MARK: already with suppliers (the order's status is derived from its fulfillments, it cannot be held):
 *   an exception mark for operators, and the workflow re-enters after `failureRetryMinutes`;
 * - KEEP: already on hold (the hold stays as it is, the hold path asks for the decision again);
 * - DONE: terminal, nothing to surface.
 */
export type FailureDisposition = 'HOLD' | 'MARK' | 'KEEP' | 'DONE';

export function failureDisposition(status: OrderStatus): FailureDisposition {
  switch (status) {
    case 'RECEIVED':
    case 'VALIDATED':
    case 'RESERVED':
      return 'HOLD';
    case 'ON_HOLD':
      return 'KEEP';
    case 'IN_FULFILLMENT':
    case 'PARTIALLY_SHIPPED':
    case 'SHIPPED':
      return 'MARK';
    default:
      return 'DONE';
  }
}

const MESSAGE_LIMIT = 300;

/**
 * The error name and a short message of a caught Step Functions error (`$.error`: Error + Cause, where a
 * Lambda's Cause is the JSON `{ errorType, errorMessage, trace }`). The trace is dropped; pipeline and SDK
 * error messages carry ids and codes, never customer data.
 */
export function describeFailure(caught: { readonly Error?: string | undefined; readonly Cause?: string | undefined } | undefined): { error: string; message: string } {
  const error = caught?.Error ?? 'UnknownError';
  const cause = caught?.Cause ?? '';
  let message = cause;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string') {
      message = (parsed as { errorMessage: string }).errorMessage;
    }
  } catch {
    // not JSON: the cause is the message
  }
  message = message.replace(/\s+/g, ' ').trim();
  return { error, message: message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT - 1)}…` : message };
}

/**
 * The operator acting in the current request: an ops handler runs its action inside `actingAs(actorId, fn)`
 * and every timeline event written meanwhile with `actor: 'operator'` carries that `actorId` (the caller's
 * IAM ARN), whichever service writes it (hold decisions, the cancellation flow, returns, ...). Services can
 * still pass `actorId` explicitly on a timeline draft; this only fills it where they did not.
 * AsyncLocalStorage keeps concurrent requests apart (one Lambda container serves one request at a time, the
 * local runtime many).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const acting = new AsyncLocalStorage<string>();

/** Run `fn` as the operator `actorId`. */
export function actingAs<T>(actorId: string, fn: () => Promise<T>): Promise<T> {
  return acting.run(actorId, fn);
}

/** The operator acting in this async context, if any. */
export function actingOperator(): string | undefined {
  return acting.getStore();
}

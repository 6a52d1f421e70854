/**
 * Timers for the local runtime: waits longer than Node's setTimeout limit (2^31-1 ms, ~24.8 days; a
 * larger value fires after 1 ms!) and sleeps that end early on abort.
 */

export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Cancellable {
  cancel(): void;
}

/** setTimeout for any duration (chained timers beyond the limit). Never keeps the process alive. */
export function longTimeout(fn: () => void, ms: number): Cancellable {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const due = Date.now() + Math.max(0, ms);
  const arm = (): void => {
    const left = due - Date.now();
    if (left <= 0) {
      if (!cancelled) fn();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/** Resolves after `ms` (or as soon as `signal` aborts). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true || ms <= 0) {
      resolve();
      return;
    }
    let timer: Cancellable | undefined;
    const onAbort = (): void => {
      timer?.cancel();
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = longTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
  });
}

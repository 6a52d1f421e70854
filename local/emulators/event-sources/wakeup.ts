/**
 * An interruptible pause for a poller: `wait(ms)` ends after `ms`, on abort, or as soon as `ring()` is
 * called (a ring while nobody waits makes the next `wait` return at once). Stream pollers wait on one
 * between polls, and the runtime rings it when a function invocation ends (the only way handlers write to
 * the table), so a new stream record is read within milliseconds instead of on the next interval.
 */
export class Wakeup {
  private pending = false;
  private waiter: (() => void) | undefined;

  ring(): void {
    const waiter = this.waiter;
    if (waiter === undefined) {
      this.pending = true;
      return;
    }
    this.waiter = undefined;
    waiter();
  }

  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.waiter === done) this.waiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener('abort', done, { once: true });
      this.waiter = done;
    });
  }
}

/** What a runtime start has set up, undone in reverse order on stop or on a failed start. */
export class Cleanups {
  private readonly fns: (() => Promise<void>)[] = [];

  constructor(private readonly log: (line: string) => void) {}

  add(fn: () => Promise<void>): void {
    this.fns.push(fn);
  }

  /** Stop something that may still be starting (a promise of it): whatever happens, never leave it behind. */
  addStarting<T extends { stop(): Promise<void> }>(starting: Promise<T | undefined>): void {
    this.fns.push(async () => {
      const started = await starting.catch(() => undefined);
      await started?.stop();
    });
  }

  async run(): Promise<void> {
    for (const fn of this.fns.splice(0).reverse()) {
      await fn().catch((error: unknown) => this.log(`  (while stopping: ${error instanceof Error ? error.message : String(error)})`));
    }
  }
}

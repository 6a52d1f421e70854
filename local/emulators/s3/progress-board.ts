/**
 * The local S3's progress board: how far a function got with an object (rows so far, phase), for
 * `npm run drop`'s progress bar. Fed by the runtime's feed progress subscription
 * (local/runtime/feed-progress.ts), served at `GET <s3 endpoint>/_local/progress?key=<object key>`:
 * the last report per key, kept 10 minutes; `{ key, rowsSoFar: null }` when there is none.
 */

/** What `GET /_local/progress?key=` answers. */
export interface ObjectProgress {
  readonly key: string;
  readonly rowsSoFar: number;
  readonly phase?: string;
  readonly at: string;
}

const KEEP_MS = 600_000;

export class ProgressBoard {
  private readonly reports = new Map<string, ObjectProgress & { readonly atMs: number }>();

  report(key: string, p: { readonly rowsSoFar: number; readonly phase?: string }): void {
    const now = Date.now();
    for (const [k, v] of this.reports) if (now - v.atMs > KEEP_MS) this.reports.delete(k);
    this.reports.set(key, { key, rowsSoFar: p.rowsSoFar, ...(p.phase === undefined ? {} : { phase: p.phase }), at: new Date(now).toISOString(), atMs: now });
  }

  /** The body of `GET /_local/progress?key=`. */
  answer(query: unknown): Record<string, unknown> {
    const key = typeof query === 'object' && query !== null ? (query as Record<string, unknown>)['key'] : undefined;
    const p = typeof key === 'string' ? this.reports.get(key) : undefined;
    return p === undefined ? { key, rowsSoFar: null } : { key: p.key, rowsSoFar: p.rowsSoFar, ...(p.phase === undefined ? {} : { phase: p.phase }), at: p.at };
  }
}

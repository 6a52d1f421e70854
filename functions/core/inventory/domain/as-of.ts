/**
 * Stock never goes back in time (issue 13): every apply of a supplier's inventory (a feed file, an
 * INVENTORY_UPDATE message) carries the supplier's own as-of instant of its truth, and a per-supplier
 * WATERMARK remembers the newest truth applied. Pure rules:
 *
 * - A WHOLE snapshot (a feed file, a `complete: true` message) states every SKU. It applies only when
 *   its as-of is newer than the newest whole snapshot applied (`fullAsOf`); otherwise it is stale and
 *   skipped whole. Its unchanged rows are not rewritten: the watermark says they hold its truth.
 * - A PARTIAL message states some SKUs only, so it can be newer than the last whole snapshot for its
 *   SKUs and older than another partial for other SKUs: it is stale whole when not newer than
 *   `fullAsOf`, and otherwise ordered per row by the row's own `stockAsOf` (written on every row it
 *   states, changed or not: at most 500 rows a message).
 * - A row's effective as-of is max(row.stockAsOf, fullAsOf). So a whole snapshot only needs per-row
 *   conditions when a partial newer than (or as new as) it was applied (`partialAsOf`).
 *
 * Equal as-of = already applied (or a tie): not applied again. Instants are compared as fixed-width
 * UTC ISO strings, the way they are stored (DynamoDB compares them as text).
 */

export type ApplyScope = 'whole' | 'partial';

/** What the watermark item holds (the lease is the store's concern). */
export interface AsOfMarks {
  /** As-of of the newest whole snapshot applied. */
  readonly fullAsOf?: string | undefined;
  /** As-of of the newest partial message applied. */
  readonly partialAsOf?: string | undefined;
}

/** An instant as a fixed-width UTC ISO string (`2026-01-02T03:04:05.000Z`); undefined when absent or unparseable. */
export function normalizeAsOf(value: string | Date | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (!Number.isFinite(ms)) return undefined;
  const iso = new Date(ms).toISOString();
  // Years past 9999 widen the string: text order would break.
  return iso.length === 24 ? iso : undefined;
}

export const newest = (a: string | undefined, b: string | undefined): string | undefined => (a === undefined ? b : b === undefined ? a : a >= b ? a : b);

export type Admission =
  /** Not newer than the newest whole snapshot applied: skipped whole (not an error). */
  | { readonly kind: 'stale'; readonly newerAsOf: string }
  /**
   * Apply. `conditional` = every offer write must be conditional on the row's stockAsOf being older
   * (always for partial messages; for a whole snapshot only when a partial as new or newer was applied).
   */
  | { readonly kind: 'apply'; readonly conditional: boolean };

/** Whether a truth as of `asOf` (normalized) applies over what the watermark says. */
export function admit(marks: AsOfMarks, asOf: string, scope: ApplyScope): Admission {
  if (marks.fullAsOf !== undefined && asOf <= marks.fullAsOf) return { kind: 'stale', newerAsOf: marks.fullAsOf };
  if (scope === 'partial') return { kind: 'apply', conditional: true };
  return { kind: 'apply', conditional: marks.partialAsOf !== undefined && marks.partialAsOf >= asOf };
}

/** The marks once a truth as of `asOf` is applied (never moves back). */
export function advanceMarks(marks: AsOfMarks, asOf: string, scope: ApplyScope): AsOfMarks {
  return scope === 'whole'
    ? { fullAsOf: newest(marks.fullAsOf, asOf), partialAsOf: marks.partialAsOf }
    : { fullAsOf: marks.fullAsOf, partialAsOf: newest(marks.partialAsOf, asOf) };
}

/**
 * How long to wait before reading a supplier's offers through gsi1 (eventually consistent): until
 * `settleMs` after the last apply that wrote offers, so the read sees its writes. 0 when long past.
 */
export function indexSettleWait(lastWriteAt: string | undefined, now: Date, settleMs: number): number {
  if (lastWriteAt === undefined || settleMs <= 0) return 0;
  const since = now.getTime() - Date.parse(lastWriteAt);
  if (!Number.isFinite(since)) return 0;
  return Math.max(0, Math.min(settleMs, settleMs - since));
}

/** A lease is free when nobody holds it or its holder let it expire (epoch ms). */
export function leaseFree(lease: { readonly owner?: string | undefined; readonly expiresAt?: number | undefined }, nowMs: number, me: string): boolean {
  return lease.owner === undefined || lease.owner === me || lease.expiresAt === undefined || lease.expiresAt < nowMs;
}

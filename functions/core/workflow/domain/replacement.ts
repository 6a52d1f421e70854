/**
 * Replacement fulfillments (a reship after a failed or lost delivery, the replacement of an exchange):
 * a new fulfillment on the same order for some of its line quantities, routed with the usual rules (any
 * supplier, or the one asked for), reserved and dispatched at once. Pure: which quantities may be
 * replaced and the idempotency key; the service is workflow/services/replacement.ts.
 */
import type { Actor } from '../../events/domain/events';
import type { LineQuantity } from '../../orders/domain/order-lifecycle';
import type { WorkflowOrder } from '../../orders/domain/order';

/** Stored on the replacement fulfillment: why it exists and who asked (the idempotency key finds it again). */
export interface ReplacementMark {
  readonly key: string;
  readonly reason: string;
  readonly actor: Actor;
  readonly actorId?: string | undefined;
  /** The fulfillment it replaces (a reship), when there is one. */
  readonly fromFulfillmentId?: string | undefined;
  readonly at: string;
}

export type ReplacementLineProblem = { readonly lineNo: number; readonly code: 'UNKNOWN_LINE' | 'INVALID_QUANTITY' | 'OVER_QUANTITY'; readonly detail: string };

/**
 * Quantities that may be replaced: every requested line exists, quantities are positive integers, and no
 * more than ordered minus cancelled (a replacement never sends more units than the customer bought).
 * Duplicated line numbers are summed.
 */
export function checkReplacementLines(
  order: Pick<WorkflowOrder, 'lines' | 'cancelledLines'>,
  requested: readonly LineQuantity[],
): { readonly ok: true; readonly lines: readonly LineQuantity[] } | { readonly ok: false; readonly problems: readonly ReplacementLineProblem[] } {
  const ordered = new Map(order.lines.map((l) => [l.lineNo, l.quantity]));
  const cancelled = new Map((order.cancelledLines ?? []).map((l) => [l.lineNo, l.quantity]));
  const totals = new Map<number, number>();
  const problems: ReplacementLineProblem[] = [];
  for (const l of requested) {
    if (!ordered.has(l.lineNo)) problems.push({ lineNo: l.lineNo, code: 'UNKNOWN_LINE', detail: `line ${l.lineNo} is not on the order` });
    else if (!Number.isInteger(l.quantity) || l.quantity < 1) problems.push({ lineNo: l.lineNo, code: 'INVALID_QUANTITY', detail: 'quantity must be a positive integer' });
    else totals.set(l.lineNo, (totals.get(l.lineNo) ?? 0) + l.quantity);
  }
  for (const [lineNo, quantity] of totals) {
    const open = (ordered.get(lineNo) ?? 0) - (cancelled.get(lineNo) ?? 0);
    if (quantity > open) problems.push({ lineNo, code: 'OVER_QUANTITY', detail: `line ${lineNo}: ${quantity} asked, ${open} ordered and not cancelled` });
  }
  if (problems.length > 0 || totals.size === 0) {
    return { ok: false, problems: problems.length > 0 ? problems : [{ lineNo: 0, code: 'INVALID_QUANTITY', detail: 'no line to replace' }] };
  }
  return { ok: true, lines: [...totals.entries()].sort(([a], [b]) => a - b).map(([lineNo, quantity]) => ({ lineNo, quantity })) };
}

/** The default idempotency key: the reason, the replaced fulfillment (if any) and the lines. */
export function replacementKey(input: { readonly reason: string; readonly fromFulfillmentId?: string | undefined; readonly lines: readonly LineQuantity[] }): string {
  const lines = [...input.lines].sort((a, b) => a.lineNo - b.lineNo).map((l) => `${l.lineNo}x${l.quantity}`).join(',');
  return `${input.reason}:${input.fromFulfillmentId ?? '-'}:${lines}`;
}

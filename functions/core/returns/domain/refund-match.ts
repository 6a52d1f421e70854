/**
 * Which refund returns a storefront refund confirms (Shopify refunds/create, WooCommerce refunds): pure.
 *
 * Candidates are the order's REFUND_REQUESTED returns, oldest first; each is confirmed at most once and the
 * refund is consumed as it confirms them:
 * - a refund with line quantities confirms a return when it covers every refunded line of the return (the lines
 *   the return's refund counted: `missing` units were not refunded);
 * - a refund without lines (an amount only, e.g. a WooCommerce refund by amount) confirms a return when what is
 *   left of its amount covers the return's refund amount (a partial refund confirms nothing).
 */
import type { ReturnRecord } from './returns';

export interface StorefrontRefund {
  readonly refundId: string;
  readonly amountMinor?: number | undefined;
  readonly lines: readonly { readonly lineNo: number; readonly quantity: number }[];
}

type Candidate = Pick<ReturnRecord, 'returnId' | 'status' | 'lines' | 'refund' | 'createdAt'>;

function refundedLines(r: Candidate): readonly { lineNo: number; quantity: number }[] {
  return r.refund?.lines ?? r.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity }));
}

/** The return ids the refund confirms, oldest return first. */
export function returnsConfirmedBy(refund: StorefrontRefund, candidates: readonly Candidate[]): string[] {
  const open = candidates.filter((r) => r.status === 'REFUND_REQUESTED').sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.returnId.localeCompare(b.returnId));
  const confirmed: string[] = [];
  const units = new Map<number, number>();
  for (const l of refund.lines) if (l.quantity > 0) units.set(l.lineNo, (units.get(l.lineNo) ?? 0) + l.quantity);
  if (units.size > 0) {
    for (const r of open) {
      const lines = refundedLines(r).filter((l) => l.quantity > 0);
      if (lines.length === 0 || !lines.every((l) => (units.get(l.lineNo) ?? 0) >= l.quantity)) continue;
      for (const l of lines) units.set(l.lineNo, (units.get(l.lineNo) ?? 0) - l.quantity);
      confirmed.push(r.returnId);
    }
    return confirmed;
  }
  let left = refund.amountMinor ?? 0;
  if (refund.amountMinor === undefined || left <= 0) return confirmed;
  for (const r of open) {
    const amount = r.refund?.amountMinor ?? 0;
    if (amount <= 0 || amount > left) continue;
    left -= amount;
    confirmed.push(r.returnId);
  }
  return confirmed;
}

/**
 * What a cancellation request can do, per line (pure; Shopify's fulfillment-order protocol):
 * - a line (or units of it) not yet at a supplier (no fulfillment yet, or a PENDING one) is cancelled NOW;
 * - units in a dispatched, unshipped fulfillment are REQUESTED from its supplier (it accepts or rejects);
 * - units in a fulfillment with a parcel (shipped) or delivered are NOT_CANCELLABLE (returns are the way).
 * Quantities are split over the fulfillments that hold the line, cheapest answer first (now, then request).
 */
import type { LineQuantity } from '../../orders/domain/order-lifecycle';
import type { OrderStatus } from '../../orders/domain/order';
import { isLive, type FulfillmentRecord, type PurchaseLine } from './fulfillment-record';

/** An open supplier cancellation request on a fulfillment (Shopify: cancellation request on a fulfillment order). */
export interface CancellationRequestMark {
  /** What the supplier sees and answers with (`creq-…`, derived: never the customer's Idempotency-Key). */
  readonly requestId: string;
  /** The request's own id (its record `CANCELREQ#{sourceRequestId}`). */
  readonly sourceRequestId: string;
  readonly lines: readonly LineQuantity[];
  readonly reason: string;
  readonly requestedAt: string;
  /** After this instant silence is surfaced to operators (CANCELLATION_UNANSWERED). */
  readonly respondBy: string;
}

export type LineVerdict = 'CANCELLED' | 'REQUESTED' | 'NOT_CANCELLABLE';

export interface PlannedPart {
  readonly fulfillmentId?: string | undefined;
  readonly lines: readonly LineQuantity[];
  /** The part is the fulfillment's every line (it closes), not some units of it. */
  readonly whole: boolean;
}

export interface CancellationPlan {
  /** Lines of the order with no fulfillment yet (before routing): cancelled on the order itself. */
  readonly orderLevel: readonly LineQuantity[];
  /** PENDING fulfillments (not dispatched): cancelled now. */
  readonly now: readonly PlannedPart[];
  /** Dispatched, unshipped fulfillments: asked at their supplier. */
  readonly requests: readonly PlannedPart[];
  readonly refused: readonly (LineQuantity & { readonly reason: string; readonly fulfillmentId?: string | undefined })[];
  /** Per requested line, what happens to it (the outcome's `lines`). */
  readonly lines: readonly (LineQuantity & { readonly state: LineVerdict })[];
}

export type PlanResult =
  | { readonly kind: 'plan'; readonly plan: CancellationPlan }
  | { readonly kind: 'invalid'; readonly path: string; readonly message: string }
  | { readonly kind: 'closed'; readonly status: 'CANCELLED' | 'NOT_CANCELLABLE'; readonly reason: string };

/** A terminal order answers without a plan: already cancelled (idempotent for platforms), or too late. */
export function closedOrderVerdict(status: OrderStatus): { readonly status: 'CANCELLED' | 'NOT_CANCELLABLE'; readonly reason: string } | undefined {
  switch (status) {
    case 'CANCELLED':
      return { status: 'CANCELLED', reason: 'ALREADY_CANCELLED' };
    case 'REJECTED':
      return { status: 'NOT_CANCELLABLE', reason: 'ORDER_REJECTED' };
    case 'DELIVERED':
      return { status: 'NOT_CANCELLABLE', reason: 'ORDER_DELIVERED' };
    default:
      return undefined;
  }
}

/** Why the units of a fulfillment cannot be cancelled, or undefined when they can (now or by request). */
export function notCancellableReason(record: FulfillmentRecord): string | undefined {
  if (record.status === 'DELIVERED' || record.deliveredAt !== undefined) return 'ALREADY_DELIVERED';
  if (record.shipments.length > 0) return 'ALREADY_SHIPPED';
  if (record.cancellationRequest !== undefined) return 'CANCELLATION_PENDING';
  return undefined;
}

function quantityIn(record: FulfillmentRecord, lineNo: number): number {
  return record.lines.find((l) => l.lineNo === lineNo)?.quantity ?? 0;
}

/** Sum line quantities per line number (sorted). */
export function sumLines(lines: readonly LineQuantity[]): LineQuantity[] {
  const totals = new Map<number, number>();
  for (const l of lines) totals.set(l.lineNo, (totals.get(l.lineNo) ?? 0) + l.quantity);
  return [...totals.entries()].filter(([, q]) => q > 0).sort(([a], [b]) => a - b).map(([lineNo, quantity]) => ({ lineNo, quantity }));
}

/**
 * The plan for `requested` (absent = every open line, whole quantities). `open` = ordered minus cancelled.
 * Invalid: a line the order does not have, or more units than are open (the path names the field).
 */
export function planCancellation(
  order: { readonly lines: readonly { readonly lineNo: number; readonly quantity: number }[]; readonly cancelledLines?: readonly LineQuantity[] | undefined },
  fulfillments: readonly FulfillmentRecord[],
  requested: readonly { readonly lineNo: number; readonly quantity?: number | undefined }[] | undefined,
): PlanResult {
  const cancelled = new Map((order.cancelledLines ?? []).map((l) => [l.lineNo, l.quantity]));
  const open = new Map(order.lines.map((l) => [l.lineNo, l.quantity - (cancelled.get(l.lineNo) ?? 0)]));
  const wanted: LineQuantity[] = [];
  if (requested === undefined) {
    for (const [lineNo, quantity] of open) if (quantity > 0) wanted.push({ lineNo, quantity });
  } else {
    const seen = new Set<number>();
    for (const [i, line] of requested.entries()) {
      if (!open.has(line.lineNo)) return { kind: 'invalid', path: `lines.${i}.lineNo`, message: `the order has no line ${line.lineNo}` };
      if (seen.has(line.lineNo)) return { kind: 'invalid', path: `lines.${i}.lineNo`, message: `line ${line.lineNo} is named twice` };
      seen.add(line.lineNo);
      const left = open.get(line.lineNo) ?? 0;
      const quantity = line.quantity ?? left;
      if (quantity > left) return { kind: 'invalid', path: `lines.${i}.quantity`, message: `only ${left} unit(s) of line ${line.lineNo} are open` };
      wanted.push({ lineNo: line.lineNo, quantity });
    }
  }

  const live = fulfillments.filter(isLive);
  const orderLevel: LineQuantity[] = [];
  const now: { fulfillmentId: string; lines: LineQuantity[] }[] = [];
  const requests: { fulfillmentId: string; lines: LineQuantity[] }[] = [];
  const refused: (LineQuantity & { reason: string; fulfillmentId?: string })[] = [];
  const verdicts: (LineQuantity & { state: LineVerdict })[] = [];
  const push = (bucket: { fulfillmentId: string; lines: LineQuantity[] }[], fulfillmentId: string, line: LineQuantity): void => {
    const entry = bucket.find((b) => b.fulfillmentId === fulfillmentId) ?? { fulfillmentId, lines: [] };
    if (!bucket.includes(entry)) bucket.push(entry);
    entry.lines.push(line);
  };

  for (const line of wanted) {
    if (line.quantity === 0) {
      refused.push({ ...line, reason: 'ALREADY_CANCELLED' });
      verdicts.push({ ...line, state: 'NOT_CANCELLABLE' });
      continue;
    }
    const holders = live.filter((f) => quantityIn(f, line.lineNo) > 0);
    if (holders.length === 0) {
      orderLevel.push(line);
      verdicts.push({ ...line, state: 'CANCELLED' });
      continue;
    }
    // Cheapest first: not yet at a supplier, then at a supplier (a request), then shipped (refused).
    const rank = (f: FulfillmentRecord): number => (notCancellableReason(f) !== undefined ? 2 : f.status === 'PENDING' ? 0 : 1);
    let left = line.quantity;
    const counts: Record<LineVerdict, number> = { CANCELLED: 0, REQUESTED: 0, NOT_CANCELLABLE: 0 };
    for (const f of [...holders].sort((a, b) => rank(a) - rank(b))) {
      if (left === 0) break;
      const take = Math.min(left, quantityIn(f, line.lineNo));
      left -= take;
      const part = { lineNo: line.lineNo, quantity: take };
      const refusal = notCancellableReason(f);
      if (refusal !== undefined) {
        refused.push({ ...part, reason: refusal, fulfillmentId: f.fulfillmentId });
        counts.NOT_CANCELLABLE += take;
      } else if (f.status === 'PENDING') {
        push(now, f.fulfillmentId, part);
        counts.CANCELLED += take;
      } else {
        push(requests, f.fulfillmentId, part);
        counts.REQUESTED += take;
      }
    }
    // Units no live fulfillment holds (e.g. a line partly in none): cancelled on the order.
    if (left > 0) {
      orderLevel.push({ lineNo: line.lineNo, quantity: left });
      counts.CANCELLED += left;
    }
    for (const state of ['CANCELLED', 'REQUESTED', 'NOT_CANCELLABLE'] as const) {
      if (counts[state] > 0) verdicts.push({ lineNo: line.lineNo, quantity: counts[state], state });
    }
  }

  const whole = (fulfillmentId: string, lines: readonly LineQuantity[]): boolean => {
    const record = live.find((f) => f.fulfillmentId === fulfillmentId);
    const asked = new Map(sumLines(lines).map((l) => [l.lineNo, l.quantity]));
    return record !== undefined && record.lines.every((l) => (asked.get(l.lineNo) ?? 0) >= l.quantity);
  };
  return {
    kind: 'plan',
    plan: {
      orderLevel: sumLines(orderLevel),
      now: now.map((p) => ({ fulfillmentId: p.fulfillmentId, lines: sumLines(p.lines), whole: whole(p.fulfillmentId, p.lines) })),
      requests: requests.map((p) => ({ fulfillmentId: p.fulfillmentId, lines: sumLines(p.lines), whole: whole(p.fulfillmentId, p.lines) })),
      refused,
      lines: verdicts,
    },
  };
}

/** The plan's overall status: something asked at a supplier → requested; nothing cancellable → not cancellable. */
export function planStatus(plan: CancellationPlan): 'CANCELLED' | 'CANCELLATION_REQUESTED' | 'NOT_CANCELLABLE' {
  if (plan.requests.length > 0) return 'CANCELLATION_REQUESTED';
  if (plan.now.length === 0 && plan.orderLevel.length === 0) return 'NOT_CANCELLABLE';
  return 'CANCELLED';
}

/**
 * A fulfillment with fewer units (a partial cancellation): its lines and purchase lines reduced by `cancel`,
 * lines that reach 0 removed. The caller knows the fulfillment keeps at least one unit.
 */
export function reduceFulfillmentLines(
  record: Pick<FulfillmentRecord, 'lines' | 'purchaseLines'>,
  cancel: readonly LineQuantity[],
): { readonly lines: LineQuantity[]; readonly purchaseLines: PurchaseLine[] } {
  const minus = new Map(sumLines(cancel).map((l) => [l.lineNo, l.quantity]));
  const lines = record.lines
    .map((l) => ({ lineNo: l.lineNo, quantity: l.quantity - Math.min(l.quantity, minus.get(l.lineNo) ?? 0) }))
    .filter((l) => l.quantity > 0);
  const leftPerLine = new Map(minus);
  const purchaseLines = record.purchaseLines.flatMap((p) => {
    const take = Math.min(p.quantity, leftPerLine.get(p.lineNo) ?? 0);
    leftPerLine.set(p.lineNo, (leftPerLine.get(p.lineNo) ?? 0) - take);
    return p.quantity - take > 0 ? [{ ...p, quantity: p.quantity - take }] : [];
  });
  return { lines, purchaseLines };
}

/** Units per retailer SKU a cancellation takes off a fulfillment (to release from its reservations). */
export function unitsPerSku(record: Pick<FulfillmentRecord, 'purchaseLines'>, cancel: readonly LineQuantity[]): Map<string, number> {
  const left = new Map(sumLines(cancel).map((l) => [l.lineNo, l.quantity]));
  const perSku = new Map<string, number>();
  for (const p of record.purchaseLines) {
    const take = Math.min(p.quantity, left.get(p.lineNo) ?? 0);
    if (take === 0) continue;
    left.set(p.lineNo, (left.get(p.lineNo) ?? 0) - take);
    perSku.set(p.sku, (perSku.get(p.sku) ?? 0) + take);
  }
  return perSku;
}

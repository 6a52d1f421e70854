/** What the fulfillments of an order add up to: per-line progress and the derived order status. Pure. */
import type { OrderStatus } from '../../orders/domain/order';
import type { FulfillmentState } from './fulfillment';
import { minTime, baseFulfillmentStatus } from './fulfillment-events';

/** When the fulfillment counts as shipped: its first carrier scan (label creation does not count). */
export function shippedAt(state: FulfillmentState): string | undefined {
  let first: string | undefined;
  for (const s of state.shipments) if (s.firstScanAt !== undefined) first = minTime(first, s.firstScanAt);
  return first ?? state.deliveredAt;
}

export interface LineProgress {
  readonly lineNo: number;
  readonly quantity: number;
  /** In parcels the supplier reported (label created or later). */
  readonly declaredQuantity: number;
  /** In parcels the carrier has scanned (counts as shipped). */
  readonly shippedQuantity: number;
  readonly deliveredQuantity: number;
}

/** Per-line quantities: ordered vs declared vs shipped (scanned) vs delivered. */
export function fulfillmentLineProgress(state: FulfillmentState): readonly LineProgress[] {
  const allDelivered = baseFulfillmentStatus(state) === 'DELIVERED';
  return state.lines.map((line) => {
    let declared = 0;
    let shipped = 0;
    let delivered = 0;
    for (const s of state.shipments) {
      const q = s.lines?.find((l) => l.lineNo === line.lineNo)?.quantity ?? 0;
      declared += q;
      if (s.firstScanAt !== undefined) shipped += q;
      if (s.deliveredAt !== undefined) delivered += q;
    }
    if (allDelivered) return { lineNo: line.lineNo, quantity: line.quantity, declaredQuantity: line.quantity, shippedQuantity: line.quantity, deliveredQuantity: line.quantity };
    const cap = (n: number): number => Math.min(line.quantity, n);
    return { lineNo: line.lineNo, quantity: line.quantity, declaredQuantity: cap(declared), shippedQuantity: cap(shipped), deliveredQuantity: cap(delivered) };
  });
}

export interface OrderProgress {
  readonly status: OrderStatus;
  /** Per order line, summed over live (not rejected / cancelled) fulfillments. */
  readonly lines: readonly LineProgress[];
  /** Fulfillments currently in EXCEPTION. */
  readonly exceptionCount: number;
}

export interface DeriveOptions {
  /** Count label-created parcels as shipped (default false: only carrier scans count). */
  readonly countLabelCreatedAsShipped?: boolean;
}

/**
 * The order status implied by its fulfillments (rejected and cancelled ones are ignored: their lines
 * were rerouted to another fulfillment or cancelled):
 * - no fulfillments → IN_FULFILLMENT; none live → CANCELLED;
 * - every live fulfillment delivered → DELIVERED (so cancelled-with-some-delivered is DELIVERED);
 * - every live line quantity shipped → SHIPPED; some → PARTIALLY_SHIPPED; none → IN_FULFILLMENT.
 */
export function summarizeOrderProgress(fulfillments: readonly FulfillmentState[], options: DeriveOptions = {}): OrderProgress {
  const live = fulfillments.filter((f) => f.status !== 'REJECTED' && f.status !== 'CANCELLED');
  const byLine = new Map<number, { quantity: number; declared: number; shipped: number; delivered: number }>();
  for (const f of live) {
    for (const p of fulfillmentLineProgress(f)) {
      const acc = byLine.get(p.lineNo) ?? { quantity: 0, declared: 0, shipped: 0, delivered: 0 };
      byLine.set(p.lineNo, {
        quantity: acc.quantity + p.quantity,
        declared: acc.declared + p.declaredQuantity,
        shipped: acc.shipped + (options.countLabelCreatedAsShipped === true ? p.declaredQuantity : p.shippedQuantity),
        delivered: acc.delivered + p.deliveredQuantity,
      });
    }
  }
  const lines: LineProgress[] = [...byLine.entries()]
    .sort(([a], [b]) => a - b)
    .map(([lineNo, v]) => ({ lineNo, quantity: v.quantity, declaredQuantity: v.declared, shippedQuantity: v.shipped, deliveredQuantity: v.delivered }));
  const exceptionCount = live.filter((f) => f.status === 'EXCEPTION').length;

  let status: OrderStatus;
  if (fulfillments.length === 0) status = 'IN_FULFILLMENT';
  else if (live.length === 0) status = 'CANCELLED';
  else if (live.every((f) => f.status === 'DELIVERED')) status = 'DELIVERED';
  else {
    const total = lines.reduce((s, l) => s + l.quantity, 0);
    const shipped = lines.reduce((s, l) => s + Math.min(l.quantity, l.shippedQuantity), 0);
    status = shipped >= total && total > 0 ? 'SHIPPED' : shipped > 0 ? 'PARTIALLY_SHIPPED' : 'IN_FULFILLMENT';
  }
  return { status, lines, exceptionCount };
}

/** Shorthand for summarizeOrderProgress(...).status. */
export function deriveOrderStatus(fulfillments: readonly FulfillmentState[], options: DeriveOptions = {}): OrderStatus {
  return summarizeOrderProgress(fulfillments, options).status;
}

/**
 * The order lifecycle: statuses move along ORDER_TRANSITIONS; during fulfillment the order status is
 * DERIVED from its fulfillments (workflow/domain/fulfillment-progress.ts) and merged forward only
 * (nextOrderStatus). Also what a cancellation does to the money. Pure; diagrams: docs/domain-rules.md.
 */
import type { OrderLine, OrderStatus, PaymentStatus } from './order';

/** Allowed order status changes. ON_HOLD → ON_HOLD is a change of hold reason. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  // RECEIVED → ON_HOLD: an address a person can fix (INCORRECT_ADDRESS); its correction takes the order
  // back to RECEIVED, so validation runs again on the new address.
  RECEIVED: ['VALIDATED', 'ON_HOLD', 'REJECTED', 'CANCELLED'],
  VALIDATED: ['ON_HOLD', 'RESERVED', 'CANCELLED'],
  ON_HOLD: ['ON_HOLD', 'RECEIVED', 'VALIDATED', 'RESERVED', 'CANCELLED'],
  RESERVED: ['IN_FULFILLMENT', 'CANCELLED'],
  IN_FULFILLMENT: ['PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'CANCELLED'],
  PARTIALLY_SHIPPED: ['SHIPPED', 'DELIVERED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  REJECTED: [],
  CANCELLED: [],
};

export const TERMINAL_ORDER_STATUSES: readonly OrderStatus[] = ['DELIVERED', 'REJECTED', 'CANCELLED'];

/** Whether an order may move from `from` to `to`. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

export function isTerminalOrderStatus(status: OrderStatus): boolean {
  return TERMINAL_ORDER_STATUSES.includes(status);
}

/**
 * Merge a derived order status into the current one, forward only: the derived status is taken when
 * it is the same or an allowed transition, otherwise the current status stays (e.g. a reroute that
 * adds a new PENDING fulfillment never takes a PARTIALLY_SHIPPED order back to IN_FULFILLMENT).
 */
export function nextOrderStatus(current: OrderStatus, derived: OrderStatus): OrderStatus {
  return current === derived || canTransition(current, derived) ? derived : current;
}

/** What to do with the customer's money when (part of) an order is cancelled. */
export type MoneyAction = 'REFUND' | 'VOID_AUTHORIZATION' | 'NONE';

/**
 * REFUND when money was taken (paid, partially paid); VOID_AUTHORIZATION when it was only
 * authorized; NONE when nothing was taken or it was already refunded/voided.
 */
export function moneyActionOnCancel(paymentStatus: PaymentStatus): MoneyAction {
  switch (paymentStatus) {
    case 'paid':
    case 'partially_paid':
      return 'REFUND';
    case 'authorized':
      return 'VOID_AUTHORIZATION';
    case 'pending':
    case 'refunded':
    case 'voided':
      return 'NONE';
  }
}

export interface LineQuantity {
  readonly lineNo: number;
  readonly quantity: number;
}

export interface RefundRequest {
  readonly action: MoneyAction;
  /** Merchandise amount of the cancelled quantities (unit price × quantity), minor units. */
  readonly amountMinor: number;
  readonly lines: readonly (LineQuantity & { readonly amountMinor: number })[];
}

/**
 * The refund (or void) owed for cancelled line quantities. Amount = Σ unit retail price × cancelled
 * quantity (capped at the ordered quantity). Shipping and tax are left to the retailer's policy.
 * The RefundRequested event is emitted when action is REFUND or VOID_AUTHORIZATION and amount > 0.
 */
export function refundForCancelledLines(
  lines: readonly Pick<OrderLine, 'lineNo' | 'quantity' | 'unitPriceMinor'>[],
  cancelled: readonly LineQuantity[],
  paymentStatus: PaymentStatus,
): RefundRequest {
  const byLine = new Map(lines.map((l) => [l.lineNo, l]));
  const totals = new Map<number, number>();
  for (const c of cancelled) {
    const line = byLine.get(c.lineNo);
    if (line === undefined || !(c.quantity > 0)) continue;
    totals.set(c.lineNo, Math.min(line.quantity, (totals.get(c.lineNo) ?? 0) + c.quantity));
  }
  const out = [...totals.entries()]
    .sort(([a], [b]) => a - b)
    .map(([lineNo, quantity]) => ({ lineNo, quantity, amountMinor: quantity * (byLine.get(lineNo)?.unitPriceMinor ?? 0) }));
  const action = moneyActionOnCancel(paymentStatus);
  return { action, amountMinor: action === 'NONE' ? 0 : out.reduce((s, l) => s + l.amountMinor, 0), lines: out };
}

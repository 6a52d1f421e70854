/**
 * The refund of a return (pure): the goods value of the units received (missing units are not refunded),
 * minus the restocking fee where the policy charges it for the reason, plus the original shipping of those
 * units when the retailer pays return shipping for the reason, or minus the return label when the customer
 * does. Never below zero and never more than what is left of what was paid (order total minus refunds
 * already requested). The supplier credit is the wholesale cost of the units the supplier took back.
 */
import type { OrderTotals } from '../../orders/domain/order';
import type { ReturnPolicy } from '../schemas/returns';
import type { ReturnCondition, ReturnLine, ReturnReason, ReturnRefund } from './returns';

export interface RefundInput {
  readonly policy: Pick<ReturnPolicy, 'restockingFeePercent' | 'restockingFeeReasons' | 'returnShipping' | 'returnLabelMinor'>;
  readonly reason: ReturnReason;
  readonly lines: readonly ReturnLine[];
  /** Condition per line as received (absent: a "keep it" refund, every unit counts). */
  readonly conditions?: ReadonlyMap<number, ReturnCondition> | undefined;
  readonly totals: OrderTotals;
  readonly currency: string;
  /** Refunds already requested on the order (cancellations, earlier returns). */
  readonly alreadyRefundedMinor: number;
}

/** Who pays return shipping for a reason (absent from the policy: the retailer). */
export function returnShippingPayer(policy: Pick<ReturnPolicy, 'returnShipping'>, reason: ReturnReason): 'customer' | 'retailer' {
  return policy.returnShipping[reason] ?? 'retailer';
}

const share = (total: number, part: number, whole: number): number => (whole <= 0 ? 0 : Math.floor((total * part) / whole));

export function computeRefund(input: RefundInput): ReturnRefund {
  const counted = input.lines.filter((l) => input.conditions?.get(l.lineNo) !== 'missing');
  const valueMinor = counted.reduce((n, l) => n + l.unitPriceMinor * l.quantity, 0);
  const { totals } = input;
  // What the customer paid for goods (discounts and taxes included), shared pro rata by line value.
  const paidForGoods = Math.max(0, totals.totalMinor - totals.shippingMinor);
  const goodsMinor = Math.min(share(paidForGoods, valueMinor, totals.subtotalMinor), paidForGoods);
  const fee = input.policy.restockingFeeReasons.includes(input.reason) ? Math.round((goodsMinor * input.policy.restockingFeePercent) / 100) : 0;
  const payer = returnShippingPayer(input.policy, input.reason);
  const shippingAdjustmentMinor =
    counted.length === 0 ? 0 : payer === 'retailer' ? share(totals.shippingMinor, valueMinor, totals.subtotalMinor) : -input.policy.returnLabelMinor;
  const uncapped = Math.max(0, goodsMinor - fee + shippingAdjustmentMinor);
  const left = Math.max(0, totals.totalMinor - input.alreadyRefundedMinor);
  const amountMinor = Math.min(uncapped, left);
  return {
    amountMinor,
    currency: input.currency,
    goodsMinor,
    restockingFeeMinor: fee,
    shippingAdjustmentMinor,
    lines: counted.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
    capped: amountMinor < uncapped,
  };
}

/** Wholesale cost of the units the supplier took back (missing units are not credited). */
export function supplierCreditMinor(lines: readonly ReturnLine[], conditions?: ReadonlyMap<number, ReturnCondition>): number {
  return lines.filter((l) => conditions?.get(l.lineNo) !== 'missing').reduce((n, l) => n + l.unitCostMinor * l.quantity, 0);
}

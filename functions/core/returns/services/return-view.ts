/** A return as GET /orders/{orderId} shows it (`returns[]`): ids, status, lines, reason, refund once computed. No customer data. */
import { minorToDecimal } from '../../kernel/money';
import type { ReturnRecord } from '../domain/returns';
import type { ReturnView } from '../schemas/returns';

export function toReturnView(r: ReturnRecord): ReturnView {
  const condition = (lineNo: number) => r.received?.lines.find((l) => l.lineNo === lineNo)?.condition;
  const a = r.authorization;
  return {
    returnId: r.returnId,
    status: r.status,
    reason: r.reason,
    resolution: r.resolution,
    lines: r.lines.map((l) => {
      const c = condition(l.lineNo);
      return { lineNo: l.lineNo, quantity: l.quantity, ...(c === undefined ? {} : { condition: c }) };
    }),
    ...(a === undefined ? {} : { rma: a.rma }),
    ...(a?.returnAddress === undefined ? {} : { returnAddress: { ...a.returnAddress } }),
    ...(a?.instructions === undefined ? {} : { instructions: a.instructions }),
    ...(r.tracking === undefined ? {} : { trackingNumber: r.tracking.trackingNumber }),
    ...(r.refund === undefined
      ? {}
      : {
          refund: {
            amount: minorToDecimal(r.refund.amountMinor, r.refund.currency),
            currency: r.refund.currency,
            restockingFee: minorToDecimal(r.refund.restockingFeeMinor, r.refund.currency),
            shippingAdjustment: minorToDecimal(r.refund.shippingAdjustmentMinor, r.refund.currency),
          },
        }),
    ...(r.replacement !== undefined && 'fulfillmentIds' in r.replacement ? { replacementFulfillmentIds: [...r.replacement.fulfillmentIds] } : {}),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

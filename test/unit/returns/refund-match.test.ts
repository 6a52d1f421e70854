/** Which refund returns a storefront refund confirms (returns/domain/refund-match.ts): lines first, else the amount. */
import { describe, expect, it } from 'vitest';
import { returnsConfirmedBy, type StorefrontRefund } from '../../../functions/core/returns/domain/refund-match';
import type { ReturnRecord } from '../../../functions/core/returns/domain/returns';

type Candidate = Parameters<typeof returnsConfirmedBy>[1][number];
const ret = (returnId: string, lines: [number, number][], amountMinor: number, status: ReturnRecord['status'] = 'REFUND_REQUESTED', createdAt = `2026-11-2${returnId.slice(-1)}T00:00:00.000Z`): Candidate => ({
  returnId,
  status,
  createdAt,
  lines: lines.map(([lineNo, quantity]) => ({ lineNo, quantity, sku: 'S', supplierSku: 'X', unitPriceMinor: 100, unitCostMinor: 50 })),
  refund: { amountMinor, currency: 'EUR', goodsMinor: amountMinor, restockingFeeMinor: 0, shippingAdjustmentMinor: 0, lines: lines.map(([lineNo, quantity]) => ({ lineNo, quantity })), capped: false },
});
const refund = (lines: [number, number][], amountMinor?: number): StorefrontRefund => ({ refundId: 'rf', lines: lines.map(([lineNo, quantity]) => ({ lineNo, quantity })), ...(amountMinor === undefined ? {} : { amountMinor }) });

describe('returnsConfirmedBy', () => {
  it.each([
    ['the exact lines', refund([[1, 1]]), [ret('r1', [[1, 1]], 2490)], ['r1']],
    ['more units than the return (a refund covering more)', refund([[1, 3]]), [ret('r1', [[1, 1]], 2490)], ['r1']],
    ['fewer units than the return: nothing', refund([[1, 1]]), [ret('r1', [[1, 2]], 4980)], []],
    ['another line: nothing', refund([[2, 1]]), [ret('r1', [[1, 1]], 2490)], []],
    ['two returns, units for one: the oldest', refund([[1, 1]]), [ret('r2', [[1, 1]], 2490), ret('r1', [[1, 1]], 2490)], ['r1']],
    ['two returns, units for both', refund([[1, 1], [2, 1]]), [ret('r1', [[1, 1]], 2490), ret('r2', [[2, 1]], 5000)], ['r1', 'r2']],
    ['a return not REFUND_REQUESTED is never confirmed', refund([[1, 1]]), [ret('r1', [[1, 1]], 2490, 'RECEIVED')], []],
    ['amount only, covering the oldest', refund([], 2490), [ret('r1', [[1, 1]], 2490), ret('r2', [[1, 1]], 2490)], ['r1']],
    ['amount only, covering both', refund([], 5000), [ret('r1', [[1, 1]], 2490), ret('r2', [[1, 1]], 2490)], ['r1', 'r2']],
    ['amount only, partial: nothing', refund([], 2000), [ret('r1', [[1, 1]], 2490)], []],
    ['neither lines nor amount: nothing', refund([]), [ret('r1', [[1, 1]], 2490)], []],
    ['zero-quantity lines count as no lines (amount decides)', refund([[1, 0]], 2490), [ret('r1', [[1, 1]], 2490)], ['r1']],
  ] as const)('%s', (_label, r, candidates, expected) => {
    expect(returnsConfirmedBy(r, candidates)).toEqual(expected);
  });
});

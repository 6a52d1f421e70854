import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeRefund, supplierCreditMinor } from '../../../functions/core/returns/domain/refund';
import { RETURN_CONDITIONS, RETURN_REASONS, type ReturnLine, type ReturnReason } from '../../../functions/core/returns/domain/returns';
import { ledgerWith, emptyLedger } from '../../../functions/core/returns/store/returns';
import { POLICY, TOTALS } from './fixtures';

const TSHIRT: ReturnLine = { lineNo: 1, sku: 'TSHIRT-BLK-M', supplierSku: 'NH-TS-0101-M', quantity: 1, unitPriceMinor: 2490, unitCostMinor: 1100 };
const refund = (reason: ReturnReason, lines: ReturnLine[] = [TSHIRT], extra: Partial<Parameters<typeof computeRefund>[0]> = {}) =>
  computeRefund({ policy: POLICY, reason, lines, totals: TOTALS, currency: 'EUR', alreadyRefundedMinor: 0, ...extra });

describe('refund of a return', () => {
  it.each([
    // goods 2490; retailer pays: + shipping share floor(490 * 2490 / 12470) = 97; customer pays: - 495 label; changed_mind: - 10 % fee (249)
    ['defective', 2490 + 97, 0, 97],
    ['damaged', 2490 + 97, 0, 97],
    ['wrong_item', 2490 + 97, 0, 97],
    ['not_as_described', 2490 + 97, 0, 97],
    ['changed_mind', 2490 - 249 - 495, 249, -495],
    ['other', 2490 - 495, 0, -495],
  ] as const)('%s: %i refunded (fee %i, shipping %i)', (reason, amount, fee, shipping) => {
    expect(refund(reason)).toMatchObject({ amountMinor: amount, restockingFeeMinor: fee, shippingAdjustmentMinor: shipping, goodsMinor: 2490, capped: false });
  });

  it('a missing line is neither refunded nor credited to the supplier', () => {
    const conditions = new Map([[1, 'missing' as const]]);
    expect(refund('defective', [TSHIRT], { conditions })).toMatchObject({ amountMinor: 0, lines: [] });
    expect(supplierCreditMinor([TSHIRT], conditions)).toBe(0);
    expect(supplierCreditMinor([{ ...TSHIRT, quantity: 2 }])).toBe(2200);
  });

  it('never more than what is left of what was paid', () => {
    expect(refund('defective', [TSHIRT], { alreadyRefundedMinor: TOTALS.totalMinor - 1000 })).toMatchObject({ amountMinor: 1000, capped: true });
  });

  it('discounts and taxes are shared pro rata: the refund follows what the customer paid', () => {
    const discounted = { ...TOTALS, discountMinor: 2470, totalMinor: 10490 };
    // paid for goods 10000 of a 12470 subtotal: 2490 of it is worth floor(10000 * 2490 / 12470) = 1996
    expect(refund('defective', [TSHIRT], { totals: discounted })).toMatchObject({ goodsMinor: 1996 });
  });

  const line = fc.record({
    lineNo: fc.integer({ min: 1, max: 5 }),
    quantity: fc.integer({ min: 1, max: 20 }),
    unitPriceMinor: fc.integer({ min: 0, max: 100_000 }),
    unitCostMinor: fc.integer({ min: 0, max: 100_000 }),
  });

  it('property: the refund is never negative and never more than the order total minus what was already refunded', () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...RETURN_REASONS),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.constantFrom(...RETURN_CONDITIONS), { minLength: 5, maxLength: 5 }),
        (raw, reason, shipping, already, fee, conds) => {
          const lines = raw.map((l) => ({ ...l, sku: 'S', supplierSku: 'SS' }));
          const subtotal = lines.reduce((n, l) => n + l.unitPriceMinor * l.quantity, 0);
          const totals = { subtotalMinor: subtotal, shippingMinor: shipping, taxMinor: 0, discountMinor: 0, totalMinor: subtotal + shipping };
          const conditions = new Map(lines.map((l) => [l.lineNo, conds[l.lineNo - 1] ?? 'as_new'] as const));
          const r = computeRefund({ policy: { ...POLICY, restockingFeePercent: fee }, reason, lines, conditions, totals, currency: 'EUR', alreadyRefundedMinor: already });
          expect(r.amountMinor).toBeGreaterThanOrEqual(0);
          expect(r.amountMinor).toBeLessThanOrEqual(Math.max(0, totals.totalMinor - already));
          // What was paid for the counted lines (goods + their shipping share) bounds it too.
          expect(r.amountMinor).toBeLessThanOrEqual(r.goodsMinor + Math.max(0, r.shippingAdjustmentMinor));
          expect(r.goodsMinor).toBeLessThanOrEqual(subtotal);
        },
      ),
    );
  });

  it('property: the ledger never holds negative quantities, whatever returns and rejections come in', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ lineNo: fc.integer({ min: 1, max: 3 }), quantity: fc.integer({ min: 1, max: 5 }), sign: fc.constantFrom(1 as const, -1 as const) }), { maxLength: 30 }), (moves) => {
        let ledger = emptyLedger('ord_x');
        for (const m of moves) ledger = ledgerWith(ledger, [{ lineNo: m.lineNo, quantity: m.quantity }], m.sign);
        for (const v of Object.values(ledger.returned)) expect(v).toBeGreaterThanOrEqual(0);
        expect(ledger.version).toBe(moves.length);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { checkReturnRequest } from '../../../functions/core/returns/domain/policy';
import { DAY, ORDER_LINES, POLICY, at, fulfillment } from './fixtures';

const check = (lines: { lineNo: number; quantity: number }[], now: Date, returned: [number, number][] = [], fulfillments = [fulfillment()]) =>
  checkReturnRequest({ policy: POLICY, orderLines: ORDER_LINES, fulfillments, alreadyReturned: new Map(returned), lines, now });

describe('return policy', () => {
  it.each([
    ['the day of delivery', at(0), true],
    ['29 days later', at(29), true],
    ['exactly at the end of the 30-day window', at(30), true],
    ['one millisecond after the window', at(30, 1), false],
    ['a year later', at(365), false],
  ])('window: %s → allowed %s', (_label, now, allowed) => {
    const result = check([{ lineNo: 1, quantity: 1 }], now);
    expect(result.ok).toBe(allowed);
    if (!result.ok) expect(result.refusal).toMatchObject({ code: 'RETURN_NOT_ALLOWED', rule: 'WINDOW_CLOSED', lineNo: 1, windowEndsAt: new Date(at(0).getTime() + 30 * DAY).toISOString() });
  });

  it.each([
    ['final sale SKU', [{ lineNo: 2, quantity: 1 }], [], 'FINAL_SALE'],
    ['a line the order does not have', [{ lineNo: 9, quantity: 1 }], [], 'UNKNOWN_LINE'],
    ['more than delivered', [{ lineNo: 1, quantity: 4 }], [], 'EXCEEDS_RETURNABLE'],
    ['more than delivered minus already returned', [{ lineNo: 1, quantity: 2 }], [[1, 2]], 'EXCEEDS_RETURNABLE'],
  ] as const)('refused: %s → %s', (_label, lines, returned, rule) => {
    const result = check([...lines], at(3), [...returned] as [number, number][]);
    expect(result).toMatchObject({ ok: false, refusal: { rule } });
  });

  it('partial returns: what is left of a line can be returned, with the supplier SKU and prices of the purchase order', () => {
    const result = check([{ lineNo: 1, quantity: 1 }], at(3), [[1, 2]]);
    expect(result).toMatchObject({ ok: true, lines: [{ lineNo: 1, sku: 'TSHIRT-BLK-M', supplierSku: 'NH-TS-0101-M', quantity: 1, unitPriceMinor: 2490, unitCostMinor: 1100 }] });
  });

  it('over-return after earlier returns names how many units are left', () => {
    expect(check([{ lineNo: 1, quantity: 3 }], at(3), [[1, 1]])).toMatchObject({ ok: false, refusal: { rule: 'EXCEEDS_RETURNABLE', returnable: 2 } });
  });

  it('not delivered: a fulfillment still in transit cannot be returned', () => {
    const inTransit = fulfillment({ status: 'SHIPPED', deliveredAt: undefined, shipments: [{ trackingNumber: 'X1', lines: [{ lineNo: 1, quantity: 3 }], firstScanAt: '2026-11-18T10:00:00.000Z' }] } as never);
    expect(check([{ lineNo: 1, quantity: 1 }], at(1), [], [inTransit])).toMatchObject({ ok: false, refusal: { rule: 'NOT_DELIVERED' } });
  });

  it('one supplier per return: lines delivered by two fulfillments are refused together, accepted apart', () => {
    const a = fulfillment({ lines: [{ lineNo: 1, quantity: 3 }], purchaseLines: [fulfillment().purchaseLines[0]!] } as never);
    const b = fulfillment({ fulfillmentId: 'ful_0123456789abcdefghjkmnpqrs_02', supplierId: 'pacific-gadgets', lines: [{ lineNo: 2, quantity: 1 }], purchaseLines: [fulfillment().purchaseLines[1]!] } as never);
    const policy = { ...POLICY, finalSaleSkus: [] };
    const both = checkReturnRequest({ policy, orderLines: ORDER_LINES, fulfillments: [a, b], alreadyReturned: new Map(), lines: [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 1 }], now: at(2) });
    expect(both).toMatchObject({ ok: false, refusal: { rule: 'ONE_SUPPLIER_PER_RETURN' } });
    const one = checkReturnRequest({ policy, orderLines: ORDER_LINES, fulfillments: [a, b], alreadyReturned: new Map(), lines: [{ lineNo: 2, quantity: 1 }], now: at(2) });
    expect(one).toMatchObject({ ok: true, fulfillment: { supplierId: 'pacific-gadgets' } });
  });
});

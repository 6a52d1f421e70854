/** Returns unit fixtures: a delivered two-line order at one supplier (times relative to a fixed delivery). */
import type { OrderLine, OrderTotals } from '../../../functions/core/orders/domain/order';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { ReturnPolicy } from '../../../functions/core/returns/schemas/returns';

export const DELIVERED_AT = '2026-11-20T12:00:00.000Z';
export const DAY = 86_400_000;
export const at = (days: number, ms = 0): Date => new Date(Date.parse(DELIVERED_AT) + days * DAY + ms);

export const ORDER_LINES: readonly OrderLine[] = [
  { lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 3, unitPriceMinor: 2490 },
  { lineNo: 2, sku: 'GIFT-CARD', quantity: 1, unitPriceMinor: 5000 },
];
export const TOTALS: OrderTotals = { subtotalMinor: 12470, shippingMinor: 490, taxMinor: 0, discountMinor: 0, totalMinor: 12960 };

export function fulfillment(overrides: Partial<FulfillmentRecord> = {}): FulfillmentRecord {
  return {
    orderId: 'ord_0123456789abcdefghjkmnpqrs',
    fulfillmentId: 'ful_0123456789abcdefghjkmnpqrs_01',
    supplierId: 'nordic-home',
    channelId: 'demo-web',
    status: 'DELIVERED',
    lines: [
      { lineNo: 1, quantity: 3 },
      { lineNo: 2, quantity: 1 },
    ],
    purchaseLines: [
      { lineNo: 1, sku: 'TSHIRT-BLK-M', supplierSku: 'NH-TS-0101-M', quantity: 3, unitCostMinor: 1100, unitPriceMinor: 2490 },
      { lineNo: 2, sku: 'GIFT-CARD', supplierSku: 'NH-GC-50', quantity: 1, unitCostMinor: 5000, unitPriceMinor: 5000 },
    ],
    shipments: [{ trackingNumber: '1Z999AA10123456784', lines: [{ lineNo: 1, quantity: 3 }, { lineNo: 2, quantity: 1 }], firstScanAt: '2026-11-18T10:00:00.000Z', deliveredAt: DELIVERED_AT }],
    exceptions: [],
    appliedEventIds: [],
    deliveredAt: DELIVERED_AT,
    createdAt: '2026-11-17T10:00:00.000Z',
    updatedAt: DELIVERED_AT,
    version: 5,
    ...overrides,
  } as unknown as FulfillmentRecord;
}

export const POLICY = ReturnPolicy.parse({
  windowDays: 30,
  finalSaleSkus: ['GIFT-CARD'],
  restockingFeePercent: 10,
  restockingFeeReasons: ['changed_mind'],
  returnShipping: { changed_mind: 'customer', other: 'customer' },
  returnLabelMinor: 495,
});

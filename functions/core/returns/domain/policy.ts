/**
 * The return policy check (pure): may this customer return these units now? Each refusal names its rule
 * (the API answers 422 RETURN_NOT_ALLOWED with it). Quantities are bounded by what was delivered minus what
 * open or finished returns already hold (the ledger); the store makes that bound hold under concurrency.
 */
import type { OrderLine } from '../../orders/domain/order';
import type { FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { fulfillmentLineProgress } from '../../workflow/domain/fulfillment-progress';
import type { ReturnNotAllowed, ReturnPolicy } from '../schemas/returns';
import type { ReturnLine } from './returns';

export const DAY_MS = 86_400_000;

export interface ReturnCheckInput {
  readonly policy: ReturnPolicy;
  readonly orderLines: readonly OrderLine[];
  readonly fulfillments: readonly FulfillmentRecord[];
  /** Units per line already in returns that were not rejected. */
  readonly alreadyReturned: ReadonlyMap<number, number>;
  readonly lines: readonly { readonly lineNo: number; readonly quantity: number }[];
  readonly now: Date;
}

export type ReturnCheck =
  | { readonly ok: true; readonly fulfillment: FulfillmentRecord; readonly lines: readonly ReturnLine[] }
  | { readonly ok: false; readonly refusal: ReturnNotAllowed };

/** When a fulfillment's units of a line arrived: the latest delivered parcel carrying it, or the fulfillment's delivery. */
export function deliveredAtOf(record: FulfillmentRecord, lineNo: number): string | undefined {
  let latest: string | undefined;
  for (const s of record.shipments) {
    if (s.deliveredAt === undefined) continue;
    if (s.lines !== undefined && !s.lines.some((l) => l.lineNo === lineNo)) continue;
    if (latest === undefined || s.deliveredAt > latest) latest = s.deliveredAt;
  }
  return latest ?? record.deliveredAt;
}

function refuse(rule: ReturnNotAllowed['rule'], message: string, extra: Partial<ReturnNotAllowed> = {}): ReturnCheck {
  return { ok: false, refusal: { code: 'RETURN_NOT_ALLOWED', rule, message, ...extra } };
}

/** Delivered units of a line per fulfillment (only fulfillments that delivered some). */
function deliveredBy(fulfillments: readonly FulfillmentRecord[], lineNo: number): { record: FulfillmentRecord; units: number }[] {
  return fulfillments.flatMap((record) => {
    const units = fulfillmentLineProgress(record).find((p) => p.lineNo === lineNo)?.deliveredQuantity ?? 0;
    return units > 0 ? [{ record, units }] : [];
  });
}

// Long: the rules in the documented order, one refusal each.
export function checkReturnRequest(input: ReturnCheckInput): ReturnCheck {
  const { policy } = input;
  const chosen = new Map<number, FulfillmentRecord>();
  for (const asked of input.lines) {
    const line = input.orderLines.find((l) => l.lineNo === asked.lineNo);
    if (line === undefined) return refuse('UNKNOWN_LINE', `The order has no line ${asked.lineNo}`, { lineNo: asked.lineNo });
    if (policy.finalSaleSkus.includes(line.sku)) return refuse('FINAL_SALE', `Line ${asked.lineNo} was sold as final sale and cannot be returned`, { lineNo: asked.lineNo });
    const delivered = deliveredBy(input.fulfillments, asked.lineNo);
    const deliveredUnits = delivered.reduce((n, d) => n + d.units, 0);
    if (deliveredUnits === 0) return refuse('NOT_DELIVERED', `Line ${asked.lineNo} has not been delivered yet`, { lineNo: asked.lineNo });
    // The fulfillment that delivered most of the line takes its return (a line is split across suppliers only after a partial reroute).
    const main = delivered.reduce((a, b) => (b.units > a.units ? b : a));
    const at = deliveredAtOf(main.record, asked.lineNo);
    const windowEndsAt = at === undefined ? undefined : new Date(Date.parse(at) + policy.windowDays * DAY_MS);
    if (windowEndsAt !== undefined && input.now.getTime() > windowEndsAt.getTime()) {
      return refuse('WINDOW_CLOSED', `Line ${asked.lineNo} was delivered more than ${policy.windowDays} days ago`, { lineNo: asked.lineNo, windowEndsAt: windowEndsAt.toISOString() });
    }
    const returnable = Math.max(0, Math.min(deliveredUnits, main.units) - (input.alreadyReturned.get(asked.lineNo) ?? 0));
    if (asked.quantity > returnable) {
      return refuse('EXCEEDS_RETURNABLE', `Line ${asked.lineNo}: ${asked.quantity} asked, ${returnable} can still be returned`, { lineNo: asked.lineNo, returnable });
    }
    chosen.set(asked.lineNo, main.record);
  }
  const ids = new Set([...chosen.values()].map((f) => f.fulfillmentId));
  const fulfillment = [...chosen.values()][0];
  if (ids.size > 1 || fulfillment === undefined) {
    return refuse('ONE_SUPPLIER_PER_RETURN', 'These lines came from different suppliers: send one return per shipment');
  }
  const lines = input.lines.map((asked): ReturnLine => {
    const purchase = fulfillment.purchaseLines.find((p) => p.lineNo === asked.lineNo);
    const orderLine = input.orderLines.find((l) => l.lineNo === asked.lineNo);
    return {
      lineNo: asked.lineNo,
      sku: orderLine?.sku ?? purchase?.sku ?? '',
      supplierSku: purchase?.supplierSku ?? '',
      quantity: asked.quantity,
      unitPriceMinor: orderLine?.unitPriceMinor ?? purchase?.unitPriceMinor ?? 0,
      unitCostMinor: purchase?.unitCostMinor ?? 0,
    };
  });
  return { ok: true, fulfillment, lines };
}

/**
 * What a simulated demo supplier answers (pure apart from the random tracking numbers): the documented
 * rules (silence, rejection per line, acceptance and shipping, see supplier-sim.ts and local/README.md)
 * and the answer plan, step by step, as messages or as acknowledgement and tracking CSV files.
 */
import { randomInt } from 'node:crypto';
import { validateTrackingNumber } from '../../functions/core/suppliers/domain/tracking';
import { isRecord } from '../../functions/core/kernel/guards';

export const DISCONTINUED: Readonly<Record<string, readonly string[]>> = {
  'nordic-home': ['NH-LP-3100'],
  'pacific-gadgets': ['PGD-SPK-MINI'],
};
/** Quantity from which a line is out of stock, per supplier (default for any other supplier). */
export const OUT_OF_STOCK_FROM: Readonly<Record<string, number>> = { 'nordic-home': 5 };
export const OUT_OF_STOCK_FROM_DEFAULT = 10;

export interface PoLine {
  readonly lineNo: number;
  readonly supplierSku: string;
  readonly quantity: number;
}

export interface PurchaseOrder {
  readonly type: 'PURCHASE_ORDER';
  readonly fulfillmentId: string;
  readonly lines: readonly PoLine[];
  readonly shipTo?: { readonly line2?: string; readonly country?: string };
  readonly shippingMethod?: { readonly code?: string; readonly name?: string };
  readonly shipBy?: string;
}


/** A purchase order message body, if it is one. */
export function asPurchaseOrder(value: unknown): PurchaseOrder | undefined {
  if (!isRecord(value) || value['type'] !== 'PURCHASE_ORDER' || typeof value['fulfillmentId'] !== 'string' || !Array.isArray(value['lines'])) return undefined;
  return value as unknown as PurchaseOrder;
}

/** Carrier + a valid tracking number for a shipping method name (check digit found with the domain validator). */
export function trackingFor(methodName: string): { carrier: string; trackingNumber: string } {
  const digits = (n: number): string => Array.from({ length: n }, () => String(randomInt(10))).join('');
  const attempt = (carrier: string, make: () => [string, string]): { carrier: string; trackingNumber: string } => {
    for (let tries = 0; tries < 20; tries++) {
      const [prefix, suffix] = make();
      for (let d = 0; d < 10; d++) {
        const candidate = `${prefix}${d}${suffix}`;
        if (validateTrackingNumber(candidate, carrier).valid) return { carrier, trackingNumber: candidate };
      }
    }
    throw new Error(`could not generate a valid ${carrier} tracking number`);
  };
  const name = methodName.toUpperCase();
  if (name.includes('UPS')) return attempt('UPS', () => [`1Z${digits(3)}A${digits(2)}03${digits(7)}`, '']);
  if (name.includes('DHL')) return attempt('DHL', () => [digits(9), '']);
  return attempt('Royal Mail', () => [`RB${digits(8)}`, 'GB']);
}

/** What a supplier answers to a purchase order (pure: the documented rules). */
export function decide(
  supplierId: string,
  po: PurchaseOrder,
): { kind: 'silent' } | { kind: 'reject'; lines: { lineNo: number; supplierSku: string; reason: string; message: string }[] } | { kind: 'accept'; split: boolean; exception?: DeliveryExceptionRule | undefined } {
  const line2 = (po.shipTo?.line2 ?? '').toLowerCase();
  if (line2.includes(`silent:${supplierId.toLowerCase()}`) || line2.includes('silent:all')) return { kind: 'silent' };
  const discontinued = DISCONTINUED[supplierId] ?? [];
  const limit = OUT_OF_STOCK_FROM[supplierId] ?? OUT_OF_STOCK_FROM_DEFAULT;
  const rejected = po.lines.flatMap((l) => {
    if (discontinued.includes(l.supplierSku)) {
      return [{ lineNo: l.lineNo, supplierSku: l.supplierSku, reason: 'INELIGIBLE_PRODUCT', message: 'Discontinued at this supplier' }];
    }
    if (l.quantity >= limit) {
      return [{ lineNo: l.lineNo, supplierSku: l.supplierSku, reason: 'OUT_OF_STOCK', message: `Only ${limit - 1} available for immediate dispatch` }];
    }
    return [];
  });
  if (rejected.length > 0) return { kind: 'reject', lines: rejected };
  // Delivery exceptions (issue 15), first fulfillment only (`_01`): a reship of it is delivered normally.
  const exception = /delivery:(attempted|pickup|failure|return|lost)/.exec(line2)?.[1] as DeliveryExceptionRule | undefined;
  return { kind: 'accept', split: line2.includes('split-shipment') && po.lines.length > 1, ...(exception !== undefined && po.fulfillmentId.endsWith('_01') ? { exception } : {}) };
}

/** `delivery:<rule>` in ship-to line2: the carrier's journey ends in that delivery exception. */
export type DeliveryExceptionRule = 'attempted' | 'pickup' | 'failure' | 'return' | 'lost';

/** CSV cell (RFC 4180 quoting). */
function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csv(columns: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  return `${[columns.join(','), ...rows.map((r) => r.map(cell).join(','))].join('\r\n')}\r\n`;
}

export const ACK_COLUMNS = ['fulfillment_id', 'status', 'estimated_ship_date', 'line_no', 'supplier_sku', 'reason', 'message'] as const;
export const TRACKING_FILE_COLUMNS = ['fulfillment_id', 'carrier', 'tracking_number', 'ship_date', 'line_no', 'supplier_sku', 'quantity'] as const;

/** One answer of a simulated supplier: a message on its inbound queue, or a file in its inbox. */
export type SimAction = { readonly kind: 'message'; readonly body: Record<string, unknown> } | { readonly kind: 'file'; readonly key: string; readonly body: string };

export interface AnswerPlan {
  readonly summary: string;
  readonly decision: 'silent' | 'reject' | 'accept';
  readonly steps: readonly { readonly afterSteps: number; readonly action: SimAction }[];
}

type Step = { afterSteps: number; action: SimAction };

/** The carrier's journey after the acceptance: a tracking file or SHIPPED message per parcel, then the scans. */
function shippingSteps(supplierId: string, po: PurchaseOrder, channel: 'sqs' | 'file', today: Date, split: boolean, exception?: DeliveryExceptionRule): { steps: Step[]; summary: string } {
  const id = po.fulfillmentId;
  const inbox = `suppliers/${supplierId}/inbox`;
  const steps: Step[] = [];
  const message = (afterSteps: number, body: Record<string, unknown>): void => {
    steps.push({ afterSteps, action: { kind: 'message', body } });
  };
  const parcels = split ? [po.lines.slice(0, 1), po.lines.slice(1)] : [po.lines];
  const method = po.shippingMethod?.name ?? po.shippingMethod?.code ?? '';
  // A tracking file goes through S3, its handler and the inbound queue: the first scan waits a whole step.
  const scanGap = channel === 'file' ? 1 : 0.5;
  let at = 1.5;
  const trackings: string[] = [];
  let carrierName = '';
  parcels.forEach((lines, i) => {
    const { carrier, trackingNumber } = trackingFor(method);
    carrierName = carrier;
    trackings.push(trackingNumber);
    if (channel === 'file') {
      const rows = lines.map((l) => [id, carrier, trackingNumber, today.toISOString().slice(0, 10), l.lineNo, l.supplierSku, l.quantity]);
      steps.push({ afterSteps: at, action: { kind: 'file', key: `${inbox}/tracking/${id}-${i + 1}.csv`, body: csv(TRACKING_FILE_COLUMNS, rows) } });
    } else {
      message(at, { type: 'SHIPPED', messageId: `sim-${id}-shipped-${i + 1}`, fulfillmentId: id, carrier, trackingNumber, lines: lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })) });
    }
    message(at + scanGap, { type: 'TRACKING_EVENT', messageId: `sim-${id}-pickup-${i + 1}`, fulfillmentId: id, trackingNumber, event: 'CARRIER_PICKED_UP', location: 'Origin depot' });
    at += 1;
  });
  if (channel === 'file') at += scanGap - 0.5;
  for (const [event, location] of [
    ['IN_TRANSIT', 'Sorting hub'],
    ['OUT_FOR_DELIVERY', 'Local depot'],
  ] as const) {
    trackings.forEach((trackingNumber, i) => message(at, { type: 'TRACKING_EVENT', messageId: `sim-${id}-${event.toLowerCase()}-${i + 1}`, fulfillmentId: id, trackingNumber, event, location }));
    at += 1;
  }
  if (exception !== undefined) {
    // attempted / pickup: the parcel is delivered (collected) two steps later; failure / return / lost: never.
    const event = { attempted: 'ATTEMPTED_DELIVERY', pickup: 'READY_FOR_PICKUP', failure: 'FAILURE', return: 'RETURNING_TO_SENDER', lost: 'LOST' }[exception];
    trackings.forEach((trackingNumber, i) => message(at, { type: 'TRACKING_EVENT', messageId: `sim-${id}-${event.toLowerCase()}-${i + 1}`, fulfillmentId: id, trackingNumber, event, location: 'Local depot' }));
    if (exception !== 'attempted' && exception !== 'pickup') return { steps, summary: `accepts, ships with ${carrierName} ${trackings.join(', ')}, carrier reports ${event}` };
    at += 2;
  }
  trackings.forEach((trackingNumber, i) => message(at, { type: 'DELIVERED', messageId: `sim-${id}-delivered-${i + 1}`, fulfillmentId: id, trackingNumber }));
  return { steps, summary: `accepts, ships with ${carrierName} ${trackings.join(', ')}${channel === 'file' ? ' (acknowledgement and tracking CSV files)' : ''}` };
}

/**
 * What a supplier sends for a purchase order, step by step (pure apart from the random tracking
 * numbers): messages for `sqs` suppliers; for `file` suppliers the acknowledgement and tracking CSVs in
 * their inbox, then the carrier scans as messages (one step after each tracking file).
 */
export function answerPlan(supplierId: string, po: PurchaseOrder, channel: 'sqs' | 'file', today: Date = new Date()): AnswerPlan {
  const id = po.fulfillmentId;
  const decision = decide(supplierId, po);
  const ackKey = `suppliers/${supplierId}/inbox/acknowledgements/${id}.csv`;
  if (decision.kind === 'silent') return { summary: 'stays silent (silent: marker)', decision: 'silent', steps: [] };
  if (decision.kind === 'reject') {
    const rows = decision.lines.map((l) => [id, 'REJECTED', undefined, l.lineNo, l.supplierSku, l.reason, l.message]);
    const action: SimAction =
      channel === 'file'
        ? { kind: 'file', key: ackKey, body: csv(ACK_COLUMNS, rows) }
        : { kind: 'message', body: { type: 'REJECTED', messageId: `sim-${id}-rejected`, fulfillmentId: id, lines: decision.lines } };
    return { summary: `rejects ${decision.lines.map((l) => `${l.supplierSku} ${l.reason}`).join(', ')}`, decision: 'reject', steps: [{ afterSteps: 0.5, action }] };
  }
  const shipDate = new Date(today.getTime() + 86_400_000).toISOString().slice(0, 10);
  const accepted: SimAction =
    channel === 'file'
      ? { kind: 'file', key: ackKey, body: csv(ACK_COLUMNS, [[id, 'ACCEPTED', shipDate]]) }
      : { kind: 'message', body: { type: 'ACCEPTED', messageId: `sim-${id}-accepted`, fulfillmentId: id, estimatedShipDate: shipDate } };
  const shipping = shippingSteps(supplierId, po, channel, today, decision.split, decision.exception);
  return { summary: shipping.summary, decision: 'accept', steps: [{ afterSteps: 0.5, action: accepted }, ...shipping.steps] };
}

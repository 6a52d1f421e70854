/**
 * Per-platform payloads of one sequenced notification. Pure.
 * - custom: the Standard Webhooks JSON body (`type`, `timestamp`, `data`);
 * - woocommerce: the REST v3 calls (order status, customer-visible order notes);
 * - shopify: the texts and statuses the GraphQL adapter uses (services/shopify-sender.ts).
 */
import type { Notification, Parcel } from './notifications';

/** A notification with its place in the order's stream and what the storefront knows the order by. */
export interface SequencedNotification extends Notification {
  readonly sequence: number;
  readonly eventId: string;
  readonly orderId: string;
  readonly channelId: string;
  readonly occurredAt: string;
  readonly externalOrderId: string;
  readonly lines: readonly { readonly lineNo: number; readonly sku: string; readonly title?: string | null | undefined; readonly externalLineId?: string | null | undefined }[];
}

/** The webhook id: stable across retries of one notification (Standard Webhooks `webhook-id`). */
export function webhookId(n: Pick<SequencedNotification, 'orderId' | 'sequence'>): string {
  return `msg_${n.orderId}_${String(n.sequence).padStart(6, '0')}`;
}

/** The custom channel's JSON body. */
export function webhookBody(n: SequencedNotification): Record<string, unknown> {
  return {
    type: n.type,
    timestamp: n.occurredAt,
    data: {
      orderId: n.orderId,
      externalOrderId: n.externalOrderId,
      channelId: n.channelId,
      sequence: n.sequence,
      ...withSkus(n),
    },
  };
}

/** Line numbers enriched with the SKU (and title) the storefront knows. */
function withSkus(n: SequencedNotification): Record<string, unknown> {
  const sku = (lineNo: number) => {
    const line = n.lines.find((l) => l.lineNo === lineNo);
    return line === undefined ? {} : { sku: line.sku, ...(line.title ? { title: line.title } : {}) };
  };
  const enrich = (v: unknown) =>
    Array.isArray(v) ? v.map((l: unknown) => (typeof l === 'object' && l !== null && 'lineNo' in l ? { ...l, ...sku(Number((l as { lineNo: unknown }).lineNo)) } : l)) : v;
  const data: Record<string, unknown> = { ...n.data };
  if (Array.isArray(data['lines'])) data['lines'] = enrich(data['lines']);
  const parcel = data['parcel'] as Parcel | undefined;
  if (parcel !== undefined) data['parcel'] = { ...parcel, lines: enrich(parcel.lines) };
  return data;
}

/** One customer-facing sentence per notification (order notes, Shopify fulfillment event messages). */
export function customerText(n: SequencedNotification): string {
  const d = n.data;
  const s = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  switch (n.type) {
    case 'order.accepted':
      return 'Your order has been accepted and is being prepared.';
    case 'order.on_hold':
      return s('reason') === 'AWAITING_PAYMENT' ? 'Your order is waiting for payment.' : 'Your order is on hold while we check a few details.';
    case 'order.hold_released':
      return 'Your order is no longer on hold and is being prepared.';
    case 'order.rejected':
      return 'We could not accept your order.';
    case 'fulfillment.accepted':
      return s('estimatedShipDate') ? `Part of your order is confirmed and expected to ship on ${s('estimatedShipDate')}.` : 'Part of your order is confirmed by our warehouse.';
    case 'fulfillment.shipped': {
      const p = d['parcel'] as Parcel | undefined;
      if (p === undefined) return 'A parcel has shipped.';
      return `A parcel has shipped${p.carrier ? ` with ${p.carrier}` : ''}: tracking number ${p.trackingNumber}${p.trackingUrl ? ` (${p.trackingUrl})` : ''}.`;
    }
    case 'fulfillment.tracking_updated':
      return `Tracking update${s('trackingNumber') ? ` for ${s('trackingNumber')}` : ''}: ${s('status').toLowerCase().replace(/_/g, ' ')}.`;
    case 'fulfillment.delivered':
      return 'A parcel has been delivered.';
    case 'order.partially_shipped':
      return 'Part of your order has shipped.';
    case 'order.shipped':
      return 'Your whole order has shipped.';
    case 'order.delivered':
      return 'Your order has been delivered.';
    case 'order.lines_cancelled':
      return 'Some items of your order were cancelled; you will not be charged for them.';
    case 'order.cancelled':
      return 'Your order has been cancelled.';
    case 'cancellation.accepted':
      return 'Your cancellation request was accepted.';
    case 'cancellation.rejected':
      return 'Your cancellation request could not be accepted: the items were already on their way.';
    case 'refund.requested':
      return `A refund of ${s('amount')} ${s('currency')} has been requested.`;
    case 'fulfillment.delivery_exception':
      return `Your parcel${s('trackingNumber') ? ` ${s('trackingNumber')}` : ''} has not moved for several days: we are looking into it and will send a replacement or refund you.`;
    case 'fulfillment.reshipped':
      return 'We are sending a replacement for the items that did not reach you.';
    case 'return.authorized':
      return `Your return is authorized (RMA ${s('rma')}).${s('instructions') ? ` ${s('instructions')}` : ''}${s('labelRef') ? ` Return label: ${s('labelRef')}` : ''}`;
    case 'return.rejected':
      return 'Your return request could not be accepted.';
    case 'return.received':
      return 'We have received your returned items.';
    case 'return.refund_requested':
      return `A refund of ${s('amount')} ${s('currency')} has been requested for your return.`;
    case 'return.closed':
      return s('resolution') === 'replacement' ? 'Your exchange is complete: the replacement is on its way.' : `Your return is complete${s('amount') ? `: ${s('amount')} ${s('currency')} refunded` : ''}.`;
  }
}

export interface WooRequest {
  readonly method: 'PUT' | 'POST';
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** WooCommerce order status of a notification (undefined: the status does not change). */
export function wooStatusOf(type: SequencedNotification['type']): string | undefined {
  switch (type) {
    case 'order.on_hold':
      return 'on-hold';
    case 'order.hold_released':
    case 'order.accepted':
      return 'processing';
    case 'order.shipped':
      return 'completed';
    case 'order.cancelled':
    case 'order.rejected':
      return 'cancelled';
    default:
      return undefined;
  }
}

/**
 * WooCommerce REST v3 calls of one notification: a customer-visible note (private for the internal
 * ones), the order status when it changes, and the tracking numbers in the order's meta data.
 */
export function wooRequests(n: SequencedNotification): WooRequest[] {
  const order = `/wp-json/wc/v3/orders/${encodeURIComponent(n.externalOrderId)}`;
  const requests: WooRequest[] = [];
  const status = wooStatusOf(n.type);
  const meta: { key: string; value: string }[] = [{ key: '_dropship_sequence', value: String(n.sequence) }];
  if (n.type === 'fulfillment.shipped') {
    const p = n.data['parcel'] as Parcel | undefined;
    if (p !== undefined) meta.push({ key: `_dropship_tracking_${p.trackingNumber}`, value: JSON.stringify({ carrier: p.carrier, trackingNumber: p.trackingNumber, trackingUrl: p.trackingUrl }) });
  }
  // The idempotent PUT first: a retry after a failed note repeats it harmlessly.
  requests.push({ method: 'PUT', path: order, body: { ...(status === undefined ? {} : { status }), meta_data: meta } });
  requests.push({ method: 'POST', path: `${order}/notes`, body: { note: customerText(n), customer_note: true } });
  return requests;
}

/**
 * The first timeline event of every order (the storefront placed it), derived from the order item.
 *
 * Intake writes ONE item (the order); it carries everything this event says. GET /orders/{orderId}
 * shows it first in the timeline and the stream router publishes it (OrderReceived) when the order
 * item is inserted. Orders created before this change also have it as a stored timeline item (same
 * key, `EVENT#{createdAt}#0000`): readers prefer the stored item when there is one.
 */
import type { TimelineEvent } from '../../events/domain/events';
import type { Order } from './order';

/** Sequence number and sort key of the received event (the key the stored item had). */
export const RECEIVED_EVENT_SEQ = 0;
export const receivedEventSortKey = (createdAt: string): string => `EVENT#${createdAt}#${String(RECEIVED_EVENT_SEQ).padStart(4, '0')}`;

type ReceivedSource = Pick<Order, 'orderId' | 'createdAt' | 'source' | 'externalOrderId' | 'lines' | 'flags'>;

export function receivedEvent(order: ReceivedSource): TimelineEvent {
  return {
    orderId: order.orderId,
    at: order.createdAt,
    actor: 'retailer',
    type: 'OrderReceived',
    message: order.source === 'shopify' ? 'Order received from Shopify webhook' : 'Order received through the API',
    data: { source: order.source, externalOrderId: order.externalOrderId, lines: order.lines.length, flags: order.flags.map((f) => f.code) },
  };
}

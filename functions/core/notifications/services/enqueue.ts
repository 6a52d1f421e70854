/**
 * Domain event → queued storefront notification. The EventBridge rule delivers only the event types
 * that can notify (NOTIFYING_EVENT_TYPES); this maps the event (domain/notifications.ts), reads what
 * the storefront knows the order by (its external id and lines), and sends one message to the FIFO
 * queue: MessageGroupId = orderId (in order per order, other orders never wait), deduplication id =
 * a hash of the event id (the bus delivers at least once).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../runtime/table/keys';
import { toNotification } from '../domain/notifications';
import { OrderRef, type BusEvent, type OutboundChannel, type QueuedNotification } from '../schemas/notifications';
import { eventKeyOf, type NotifyStore } from '../store/notification-state';

export interface EnqueueDeps {
  readonly store: NotifyStore;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly channels: ReadonlyMap<string, OutboundChannel>;
}

export type EnqueueOutcome =
  | { readonly kind: 'queued'; readonly type: string }
  | { readonly kind: 'skipped'; readonly reason: 'NOT_CUSTOMER_VISIBLE' | 'NO_CHANNEL' | 'CHANNEL_NOT_CONFIGURED' | 'ORDER_NOT_FOUND' };

/** The order as the storefront knows it (consistent read: the event was written with the order). */
async function orderRef(store: NotifyStore, orderId: string): Promise<{ channelId: string; order: OrderRef } | undefined> {
  const out = await store.ddb.send(new GetCommand({ TableName: store.tableName, Key: keys.order(orderId), ConsistentRead: true }));
  const item = out.Item;
  if (item === undefined || typeof item['channelId'] !== 'string') return undefined;
  const lines = Array.isArray(item['lines']) ? (item['lines'] as Record<string, unknown>[]) : [];
  const order = OrderRef.parse({
    externalOrderId: item['externalOrderId'],
    externalOrderName: item['externalOrderName'] ?? null,
    currency: item['currency'],
    lines: lines.map((l) => ({ lineNo: l['lineNo'], sku: l['sku'], quantity: l['quantity'], title: l['title'] ?? null, externalLineId: l['externalLineId'] ?? null })),
  });
  return { channelId: item['channelId'], order };
}

export async function enqueueNotification(deps: EnqueueDeps, event: BusEvent): Promise<EnqueueOutcome> {
  const { detail } = event;
  const notification = toNotification({ type: detail.type, actor: detail.actor, data: detail.data });
  if (notification === undefined) return { kind: 'skipped', reason: 'NOT_CUSTOMER_VISIBLE' };
  const ref = await orderRef(deps.store, detail.orderId);
  if (ref === undefined) return { kind: 'skipped', reason: 'ORDER_NOT_FOUND' };
  const channelId = detail.channelId ?? ref.channelId;
  if (!deps.channels.has(channelId)) return { kind: 'skipped', reason: 'CHANNEL_NOT_CONFIGURED' };
  const message: QueuedNotification = {
    version: 1,
    eventId: detail.eventId,
    orderId: detail.orderId,
    channelId,
    occurredAt: detail.at,
    eventType: detail.type,
    type: notification.type,
    data: { ...notification.data },
    order: ref.order,
  };
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.queueUrl,
      MessageBody: JSON.stringify(message),
      MessageGroupId: detail.orderId,
      MessageDeduplicationId: eventKeyOf(detail.eventId),
      MessageAttributes: { channelId: { DataType: 'String', StringValue: channelId }, type: { DataType: 'String', StringValue: notification.type } },
    }),
  );
  return { kind: 'queued', type: notification.type };
}

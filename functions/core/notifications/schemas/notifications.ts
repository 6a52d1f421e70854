/**
 * Contracts of the storefront notifications:
 * - the domain event detail the enqueue function receives from the bus (parsed, never trusted);
 * - the queued notification (the FIFO queue's message body, MessageGroupId = orderId);
 * - the outbound channel settings (NOTIFY_CHANNELS, written by lib/constructs/storefront-notifications.ts).
 */
import * as z from 'zod';
import { isDomainEventType, type DomainEventType } from '../../events/domain/events';
import { NOTIFICATION_TYPES } from '../domain/notifications';

/** The EventBridge event the rule delivers (only the fields used). */
export const BusEvent = z.object({
  'detail-type': z.string(),
  source: z.string(),
  detail: z.object({
    eventId: z.string().min(1).max(512),
    orderId: z.string().min(1).max(200),
    channelId: z.string().min(1).max(100).optional(),
    at: z.string().min(1),
    actor: z.string().default('retailer'),
    type: z.string().refine(isDomainEventType, 'a domain event type').transform((t) => t as DomainEventType),
    data: z.record(z.string(), z.unknown()).default({}),
  }),
});
export type BusEvent = z.output<typeof BusEvent>;

/** What a notification says about the order's lines (no PII: SKUs, titles, the storefront's line ids). */
export const OrderLineRef = z.object({
  lineNo: z.int(),
  sku: z.string(),
  quantity: z.int(),
  title: z.string().nullish(),
  externalLineId: z.string().nullish(),
});
export type OrderLineRef = z.output<typeof OrderLineRef>;

export const OrderRef = z.object({
  externalOrderId: z.string(),
  externalOrderName: z.string().nullish(),
  currency: z.string(),
  lines: z.array(OrderLineRef),
});
export type OrderRef = z.output<typeof OrderRef>;

/** The FIFO queue's message body: one customer-visible change of one order for one channel. */
export const QueuedNotification = z.object({
  version: z.literal(1),
  eventId: z.string().min(1),
  orderId: z.string().min(1),
  channelId: z.string().min(1),
  occurredAt: z.string().min(1),
  eventType: z.string(),
  type: z.enum(NOTIFICATION_TYPES),
  data: z.record(z.string(), z.unknown()),
  order: OrderRef,
});
export type QueuedNotification = z.output<typeof QueuedNotification>;

export const NOTIFY_PLATFORMS = ['custom', 'shopify', 'woocommerce'] as const;
export type NotifyPlatform = (typeof NOTIFY_PLATFORMS)[number];

/**
 * One channel's outbound settings. `secretArn`: the Standard Webhooks signing secret (custom), the
 * Admin API access token (shopify) or `{"consumerKey","consumerSecret"}` (woocommerce).
 */
export const OutboundChannel = z.discriminatedUnion('platform', [
  z.object({ channelId: z.string().min(1), platform: z.literal('custom'), url: z.url(), secretArn: z.string().min(1) }),
  z.object({ channelId: z.string().min(1), platform: z.literal('shopify'), shopDomain: z.string().min(1), secretArn: z.string().min(1) }),
  z.object({ channelId: z.string().min(1), platform: z.literal('woocommerce'), url: z.url(), secretArn: z.string().min(1) }),
]);
export type OutboundChannel = z.output<typeof OutboundChannel>;
export const OutboundChannels = z.array(OutboundChannel);

/** The WooCommerce REST API key pair (the secret's JSON value). */
export const WooCredentials = z.object({ consumerKey: z.string().min(1), consumerSecret: z.string().min(1) });

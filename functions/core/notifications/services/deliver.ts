/**
 * Deliver one queued notification to its channel: give it its per-order sequence number (kept across
 * retries), then send it the channel's way (signed webhook, Shopify GraphQL, WooCommerce REST).
 * A DeliveryError (or anything else thrown) leaves the message on the queue: the FIFO group of that
 * order waits, every other order goes on.
 */
import type { Clock } from '../../kernel/clock';
import type { SequencedNotification } from '../domain/payloads';
import { OutboundChannels, WooCredentials, type OutboundChannel, type QueuedNotification } from '../schemas/notifications';
import { sequenceFor, type NotifyStore } from '../store/notification-state';
import { DeliveryError, type FetchFn } from './http';
import { sendWebhook, sendWoo } from './senders';
import { sendShopify } from './shopify-sender';

export interface DeliverDeps {
  readonly channels: ReadonlyMap<string, OutboundChannel>;
  readonly store: NotifyStore;
  readonly fetch: FetchFn;
  /** A secret's string value (cached by the caller). */
  readonly secret: (secretArn: string) => Promise<string | undefined>;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * Local runtime only (LOCAL_STOREFRONT_RECEIVER_URL): every channel's requests go to the storefront
   * receiver under `/<kind>/<channelId>` instead of the channel's own URL. Never set in AWS.
   */
  readonly receiverBaseUrl?: string | undefined;
}

export interface DeliveryOutcome {
  readonly sequence: number;
  readonly platform: OutboundChannel['platform'];
  /** HTTP requests made (0: nothing to tell this platform). */
  readonly requests: number;
}

/** Parse NOTIFY_CHANNELS (a JSON array) into a map by channel id. */
export function channelMap(raw: unknown): Map<string, OutboundChannel> {
  return new Map(OutboundChannels.parse(raw).map((c) => [c.channelId, c]));
}

function targetUrl(deps: DeliverDeps, channel: OutboundChannel): string {
  if (deps.receiverBaseUrl !== undefined && deps.receiverBaseUrl !== '') {
    const base = deps.receiverBaseUrl.replace(/\/+$/, '');
    const kind = channel.platform === 'custom' ? 'webhooks' : channel.platform === 'shopify' ? 'shopify' : 'woo';
    return `${base}/${kind}/${encodeURIComponent(channel.channelId)}`;
  }
  return channel.platform === 'shopify' ? `https://${channel.shopDomain}` : channel.url;
}

async function requireSecret(deps: DeliverDeps, channel: OutboundChannel): Promise<string> {
  const value = await deps.secret(channel.secretArn);
  if (value === undefined || value.trim() === '') throw new DeliveryError(`channel ${channel.channelId} has no outbound secret value`, true);
  return value;
}

export async function deliverNotification(deps: DeliverDeps, message: QueuedNotification): Promise<DeliveryOutcome> {
  const channel = deps.channels.get(message.channelId);
  if (channel === undefined) throw new DeliveryError(`channel ${message.channelId} has no outbound settings`, false);
  const now = deps.clock();
  const sequence = await sequenceFor(deps.store, message.orderId, message.eventId, now);
  const n: SequencedNotification = {
    type: message.type,
    data: message.data,
    sequence,
    eventId: message.eventId,
    orderId: message.orderId,
    channelId: message.channelId,
    occurredAt: message.occurredAt,
    externalOrderId: message.order.externalOrderId,
    lines: message.order.lines,
  };
  const url = targetUrl(deps, channel);
  const secret = await requireSecret(deps, channel);
  switch (channel.platform) {
    case 'custom':
      await sendWebhook(deps.fetch, url, n, secret, now);
      return { sequence, platform: channel.platform, requests: 1 };
    case 'shopify': {
      const requests = await sendShopify({ fetch: deps.fetch, store: deps.store, sleep: deps.sleep }, { baseUrl: url, accessToken: secret.trim() }, n, now);
      return { sequence, platform: channel.platform, requests };
    }
    case 'woocommerce': {
      let credentials: { consumerKey: string; consumerSecret: string };
      try {
        credentials = WooCredentials.parse(JSON.parse(secret));
      } catch {
        throw new DeliveryError(`channel ${channel.channelId}: the secret must be JSON {"consumerKey","consumerSecret"}`, true);
      }
      const requests = await sendWoo(deps.fetch, url, n, credentials);
      return { sequence, platform: channel.platform, requests };
    }
  }
}

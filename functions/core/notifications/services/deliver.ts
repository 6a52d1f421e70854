/**
 * Deliver one queued notification to its channel: give it its per-order sequence number (kept across
 * retries), then send it the channel's way (signed webhook, Shopify GraphQL, WooCommerce REST).
 * A DeliveryError (or anything else thrown) leaves the message on the queue: the FIFO group of that
 * order waits, every other order goes on.
 *
 * In timeline order: EventBridge does not keep order, so the message of a later event can be queued
 * before an earlier one's. Before sending, the order's customer-visible timeline events between the
 * latest numbered one and this one that have no number yet are sent first (in timeline order); when
 * their own messages arrive they find a number below the last and are acknowledged without a send.
 */
import type { Clock } from '../../kernel/clock';
import type { SequencedNotification } from '../domain/payloads';
import { OutboundChannels, WooCredentials, type OutboundChannel, type QueuedNotification } from '../schemas/notifications';
import { timelineEventType } from '../../events/domain/events';
import { toNotification } from '../domain/notifications';
import { assignSequence, markSent, numberOf, readLedger, recordFailedAttempt, timelineBetween, wasSent, type NotificationLedger, type NotifyStore } from '../store/notification-state';
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
  /** HTTP requests made (0: nothing to tell this platform, or already sent). */
  readonly requests: number;
  /** Earlier events of the order sent first, in timeline order. */
  readonly caughtUp: number;
  /** This event was already sent (by an earlier message's catch-up, or before a redelivery). */
  readonly alreadySent: boolean;
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

/** `ORDER#{orderId}|EVENT#…` → the timeline sort key `EVENT#…` (undefined for other ids). */
export function timelinePosition(message: Pick<QueuedNotification, 'eventId' | 'orderId'>): string | undefined {
  const prefix = `ORDER#${message.orderId}|`;
  if (!message.eventId.startsWith(prefix)) return undefined;
  const sk = message.eventId.slice(prefix.length);
  return sk.startsWith('EVENT#') ? sk : undefined;
}

/**
 * Customer-visible events from the latest numbered one up to `message` that were not sent: those without
 * a number, and one numbered by an attempt that failed before sending it.
 */
async function earlierUnsent(deps: DeliverDeps, ledger: NotificationLedger, message: QueuedNotification, position: string): Promise<QueuedNotification[]> {
  // Numbers given only to events without a timeline position: no catch-up (their own messages still go).
  if (ledger.last > 0 && ledger.throughSk === undefined) return [];
  const from = ledger.throughSk ?? 'EVENT#';
  if (from >= position) return [];
  const events = await timelineBetween(deps.store, message.orderId, from, position);
  return events.flatMap((event) => {
    const eventId = `ORDER#${message.orderId}|${event.sk}`;
    const type = timelineEventType(event.type);
    if (type === undefined || wasSent(ledger, eventId)) return [];
    const notification = toNotification({ type, actor: event.actor, data: event.data });
    if (notification === undefined) return [];
    return [{ ...message, eventId, occurredAt: event.at, eventType: type, type: notification.type, data: { ...notification.data } }];
  });
}

/** `attempt`: the SQS receive count of the message (recorded with each event it delivers). */
export async function deliverNotification(deps: DeliverDeps, message: QueuedNotification, attempt = 1): Promise<DeliveryOutcome> {
  const channel = deps.channels.get(message.channelId);
  if (channel === undefined) throw new DeliveryError(`channel ${message.channelId} has no outbound settings`, false);
  const ledger = await readLedger(deps.store, message.orderId);
  const position = timelinePosition(message);
  const earlier = position === undefined ? [] : await earlierUnsent(deps, ledger, message, position);
  for (const previous of earlier) await deliverOne(deps, channel, ledger, previous, timelinePosition(previous), attempt);
  const outcome = await deliverOne(deps, channel, ledger, message, position, attempt);
  return { ...outcome, caughtUp: earlier.length };
}

async function deliverOne(
  deps: DeliverDeps,
  channel: OutboundChannel,
  ledger: NotificationLedger,
  message: QueuedNotification,
  position: string | undefined,
  attempt: number,
): Promise<Omit<DeliveryOutcome, 'caughtUp'>> {
  const now = deps.clock();
  const numbered = numberOf(ledger, message.eventId);
  if (numbered !== undefined && wasSent(ledger, message.eventId)) return { sequence: numbered, platform: channel.platform, requests: 0, alreadySent: true };
  const sequence = numbered ?? (await assignSequence(deps.store, ledger, message.orderId, message.eventId, position, now));
  const requests = await send(deps, channel, message, sequence, now);
  // The attempt's outcome rides on the "sent" write (no extra write for a delivery that went through). Its type
  // only when the timeline cannot give it (the ops look reads it from there): the ledger stays under 1 KB.
  const record = { n: attempt, at: deps.clock().toISOString(), result: 'DELIVERED' as const, ...(position === undefined ? { type: message.eventType } : {}) };
  await markSent(deps.store, ledger, message.orderId, sequence, { eventId: message.eventId, record });
  return { sequence, platform: channel.platform, requests, alreadySent: false };
}

/**
 * Record a failed attempt of `message` (one single-item ledger write): FAILED with when it is retried, or
 * DEAD_LETTERED when it goes to the DLQ now (no retry can help) or after this receive (the queue's
 * maxReceiveCount). Never throws: a record that cannot be written must not change what happens to the message.
 */
export async function recordFailure(
  deps: Pick<DeliverDeps, 'store' | 'clock'>,
  message: QueuedNotification,
  failure: { readonly attempt: number; readonly error: unknown; readonly retryInSeconds?: number | undefined; readonly deadLettered: boolean },
): Promise<boolean> {
  const now = deps.clock();
  const error = failure.error;
  const status = error instanceof DeliveryError ? error.status : undefined;
  const cause = error instanceof Error && error.cause instanceof Error ? `${error.cause.name}: ` : '';
  const text = error instanceof Error ? `${error.name}: ${cause}${error.message}`.slice(0, 300) : 'Error';
  try {
    await recordFailedAttempt(
      deps.store,
      message.orderId,
      message.eventId,
      {
        n: failure.attempt,
        at: now.toISOString(),
        result: failure.deadLettered ? 'DEAD_LETTERED' : 'FAILED',
        status,
        error: text,
        nextRetryAt: failure.deadLettered || failure.retryInSeconds === undefined ? undefined : new Date(now.getTime() + failure.retryInSeconds * 1000).toISOString(),
        type: message.eventType,
        sk: timelinePosition(message),
      },
      now,
    );
    return true;
  } catch {
    return false;
  }
}

async function send(deps: DeliverDeps, channel: OutboundChannel, message: QueuedNotification, sequence: number, now: Date): Promise<number> {
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
      return 1;
    case 'shopify':
      return sendShopify({ fetch: deps.fetch, store: deps.store, sleep: deps.sleep }, { baseUrl: url, accessToken: secret.trim() }, n, now);
    case 'woocommerce': {
      let credentials: { consumerKey: string; consumerSecret: string };
      try {
        credentials = WooCredentials.parse(JSON.parse(secret));
      } catch {
        throw new DeliveryError(`channel ${channel.channelId}: the secret must be JSON {"consumerKey","consumerSecret"}`, true);
      }
      return sendWoo(deps.fetch, url, n, credentials);
    }
  }
}

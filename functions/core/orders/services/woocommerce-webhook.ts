/**
 * POST /webhooks/woocommerce/{channelId} business function.
 *
 * - The form-encoded ping WooCommerce sends when a webhook is saved (`webhook_id=<id>`, unsigned) → 200,
 *   nothing read or written.
 * - X-WC-Webhook-Signature (base64 HMAC-SHA256 of the raw body with the channel's secret, constant
 *   time) → 401 when missing or wrong; X-WC-Webhook-Delivery-ID required (400); JSON (400).
 * - order.created → the order, once per (channel, WooCommerce order id) (201 / 200 duplicate / 202 rejected).
 * - order.updated → for an order the pipeline has: status `cancelled` → the cancellation flow
 *   (requestId = the delivery id); `refunded` → each refund recorded once (PlatformRefundRecorded) and
 *   the order cancelled (reason platform_refunded); otherwise payment (`processing` / `completed` = paid)
 *   and shipping address changes, an update older than the stored `date_modified_gmt` changing nothing.
 *   An update for an unknown order never creates one.
 * - any other topic → 200 ignored, recorded for operators.
 */
import { orderIdForExternalOrder } from '../../kernel/order-id';
import { decimalToMinor } from '../../kernel/money';
import { UnauthorizedError, type FieldIssue } from '../../kernel/errors';
import { toFieldIssues } from '../../kernel/schemas';
import { verifyWooCommerceSignature } from '../../kernel/webhook-signature';
import { createOrder } from '../store/orders';
import { WOO_PING_PATTERN, WooOrderWebhook } from '../schemas/woocommerce';
import { applyPlatformOrderChange, cancelFromPlatform, recordPlatformRefund, type PlatformChangeDeps } from './platform-changes';
import { idOf, parseWebhookJson, recordWebhook, requireWebhookId, type ShopifyWebhookDeps, type ShopifyWebhookResult } from './shopify-webhook';
import { mapWooAddress, mapWooOrder, wooInstant } from './woocommerce-mapping';
import type { ChannelConfig } from '../../runtime/channels';

export type WooWebhookDeps = ShopifyWebhookDeps & PlatformChangeDeps;
export type WooWebhookResult = ShopifyWebhookResult;

export interface WooWebhookInput {
  readonly channel: ChannelConfig;
  readonly rawBody: Buffer;
  readonly signature: string | undefined;
  readonly deliveryId: string | undefined;
  readonly topic: string | undefined;
}

export const WOO_HANDLED_TOPICS = ['order.created', 'order.updated'] as const;

async function verify(deps: Pick<WooWebhookDeps, 'getSecret'>, input: WooWebhookInput): Promise<void> {
  const unauthorized = () =>
    new UnauthorizedError('Invalid webhook signature', { issues: [{ path: 'headers.x-wc-webhook-signature', message: 'is missing or does not match the body' }] });
  if (input.signature === undefined || input.signature.trim() === '') throw unauthorized();
  const secretId = input.channel.webhookSecretArn;
  if (secretId === undefined || secretId === null) throw unauthorized();
  const secret = await deps.getSecret(secretId);
  if (secret === undefined || secret === '') throw new Error(`Webhook secret for channel ${input.channel.channelId} is empty`);
  if (!verifyWooCommerceSignature(secret, input.rawBody, input.signature)) throw unauthorized();
}

const ignored = (issues: readonly FieldIssue[]): WooWebhookResult => ({ statusCode: 200, body: { result: 'ignored', issues: [...issues] } });

// Long: ping, verify, then one branch per topic and status, as the module comment lists them.
export async function handleWooCommerceWebhook(deps: WooWebhookDeps, input: WooWebhookInput): Promise<WooWebhookResult> {
  const text = input.rawBody.toString('utf8').trim();
  if (input.signature === undefined && WOO_PING_PATTERN.test(text)) {
    return { statusCode: 200, body: { result: 'ignored', issues: [{ path: 'body', message: 'webhook ping acknowledged' }] } };
  }
  await verify(deps, input);
  const deliveryId = requireWebhookId(input.deliveryId, 'x-wc-webhook-delivery-id');
  const topic = (input.topic ?? '').trim().toLowerCase().slice(0, 64);
  const channelId = input.channel.channelId;
  const record = (issues: readonly FieldIssue[], externalOrderId?: string) =>
    recordWebhook(deps, { channelId, platform: 'woocommerce', webhookId: deliveryId, topic, rawBody: input.rawBody }, issues, externalOrderId);
  if (topic !== 'order.created' && topic !== 'order.updated') {
    if (WOO_PING_PATTERN.test(text)) return ignored([{ path: 'body', message: 'webhook ping acknowledged' }]);
    const issue: FieldIssue = { path: 'headers.x-wc-webhook-topic', message: `topic ${topic === '' ? '(none)' : topic} is not handled (handled: ${WOO_HANDLED_TOPICS.join(', ')})` };
    await record([issue]);
    return ignored([issue]);
  }
  const json = parseWebhookJson(input.rawBody);
  const parsed = WooOrderWebhook.safeParse(json);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error);
    await record(issues, idOf(json));
    return { statusCode: 202, body: { result: 'rejected', issues } };
  }
  const payload = parsed.data;
  const orderId = orderIdForExternalOrder(channelId, String(payload.id));
  const now = deps.now();
  const updatedAt = wooInstant(payload.date_modified_gmt);

  if (topic === 'order.created') {
    const mapped = mapWooOrder(payload, { channelId, channelCurrency: input.channel.currency, orderId, now });
    if (!mapped.ok) {
      await record(mapped.issues, String(payload.id));
      return { statusCode: 202, body: { result: 'rejected', issues: [...mapped.issues] } };
    }
    const order = { ...mapped.order, ...(updatedAt === undefined ? {} : { platformUpdatedAt: updatedAt }) };
    const outcome = await createOrder(deps.store, order);
    if (outcome.kind === 'order-exists') return { statusCode: 200, orderId, body: { result: 'duplicate', orderId: outcome.existing.orderId } };
    return { statusCode: 201, orderId, body: { result: 'created', orderId, flags: order.flags.map((f) => ({ code: f.code, message: f.message, lineNo: f.lineNo })) } };
  }

  const unknown: FieldIssue = { path: 'id', message: 'is not an order of this channel: nothing changed, no order created' };
  const status = payload.status.trim().toLowerCase();
  if (status === 'cancelled' || status === 'refunded') {
    if (status === 'refunded') {
      for (const refund of payload.refunds ?? []) {
        const total = refund.total === null || refund.total === undefined ? undefined : decimalToMinor(refund.total.replace(/^-/, '').trim(), payload.currency.toUpperCase());
        const amount = total?.ok === true ? total.minor : undefined;
        const done = await recordPlatformRefund(deps, {
          channelId,
          orderId,
          source: 'woocommerce',
          refund: { refundId: String(refund.id), lines: [], ...(amount === undefined ? {} : { amountMinor: amount, currency: payload.currency.toUpperCase() }) },
        });
        if (done === undefined) break;
      }
    }
    const outcome = await cancelFromPlatform(deps, {
      channelId,
      orderId,
      source: 'woocommerce',
      requestId: deliveryId,
      reason: status === 'cancelled' ? 'platform_cancelled' : 'platform_refunded',
    });
    if (outcome === undefined) {
      await record([unknown], String(payload.id));
      return ignored([unknown]);
    }
    return { statusCode: 200, orderId, body: { result: 'cancellation', orderId, cancellation: { status: outcome.status, ...(outcome.reason === undefined ? {} : { reason: outcome.reason }) } } };
  }

  const addressIssues: FieldIssue[] = [];
  const shipping = payload.shipping;
  const shippingAddress = shipping === null || shipping === undefined || (shipping.address_1 ?? '').trim() === '' ? undefined : mapWooAddress(shipping, 'shipping', addressIssues);
  const result = await applyPlatformOrderChange(deps, {
    channelId,
    orderId,
    source: 'woocommerce',
    topic,
    updatedAt,
    payment: status === 'processing' || status === 'completed' ? 'paid' : undefined,
    shippingAddress,
  });
  if (result.kind === 'unknown-order') {
    await record([unknown], String(payload.id));
    return ignored([unknown]);
  }
  if (result.kind === 'stale') return { statusCode: 200, orderId, body: { result: 'unchanged', orderId, changes: [] } };
  const issues = [...result.issues, ...addressIssues];
  return {
    statusCode: 200,
    orderId,
    body: { result: result.changes.length > 0 ? 'updated' : 'unchanged', orderId, changes: [...result.changes], ...(issues.length > 0 ? { issues } : {}) },
  };
}

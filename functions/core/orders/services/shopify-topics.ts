/**
 * The topic-aware Shopify webhook (POST /webhooks/shopify/{channelId}, and the older orders-create
 * routes): HMAC first (401), then X-Shopify-Webhook-Id (400), the replay window on
 * X-Shopify-Triggered-At, JSON (400), then by X-Shopify-Topic:
 *
 *   orders/create                 → the order, once (shopify-webhook.ts createShopifyOrder)
 *   orders/updated, orders/paid   → payment captured releases an AWAITING_PAYMENT hold; an edited
 *                                   shipping address goes through the address change service; an
 *                                   update older than the order's stored `updated_at` changes nothing
 *   orders/cancelled              → the cancellation flow (requestId = the delivery id)
 *   refunds/create                → PlatformRefundRecorded once per refund id; refunded lines not yet
 *                                   shipped cancelled (requestId = `refund:{id}`, reason platform_refunded)
 *   anything else                 → 200 ignored, recorded for operators, never an order
 *
 * A change for an order the pipeline does not have never creates one (200 ignored, recorded).
 */
import { decimalToMinor } from '../../kernel/money';
import { BadRequestError, type FieldIssue } from '../../kernel/errors';
import { toFieldIssues } from '../../kernel/schemas';
import { orderIdForExternalOrder } from '../../kernel/order-id';
import type { Clock } from '../../kernel/clock';
import { getWorkflowOrder } from '../../workflow/store/order-aggregate';
import { ShopifyOrderChange, ShopifyRefundWebhook } from '../schemas/shopify';
import { applyPlatformOrderChange, cancelFromPlatform, instantOf, recordPlatformRefund, type PlatformChangeDeps, type PlatformChangeResult } from './platform-changes';
import { mapAddress } from './shopify-mapping';
import {
  createShopifyOrder,
  idOf,
  parseWebhookJson,
  recordWebhook,
  requireWebhookId,
  verifyShopifyRequest,
  type ShopifyWebhookDeps,
  type ShopifyWebhookInput,
  type ShopifyWebhookResult,
} from './shopify-webhook';

export type ShopifyTopicDeps = ShopifyWebhookDeps & PlatformChangeDeps;

/**
 * How old X-Shopify-Triggered-At may be. Shopify retries a failed delivery 8 times over 4 hours with
 * the ORIGINAL payload and trigger time, and documents that deliveries can in rare cases arrive up to
 * a day late: 48 h accepts all of that, and refuses a replay of an old authentic delivery.
 */
export const SHOPIFY_REPLAY_WINDOW_SECONDS = 48 * 3600;
/** Clock skew tolerated for a trigger time in the future. */
export const SHOPIFY_FUTURE_SKEW_SECONDS = 15 * 60;

export const SHOPIFY_HANDLED_TOPICS = ['orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled', 'refunds/create'] as const;

export interface ShopifyTopicInput extends ShopifyWebhookInput {
  readonly triggeredAt?: string | undefined;
}

/**
 * The replay window: undefined when inside it (or the header is absent: older API versions, manual
 * redeliveries), otherwise the issue. A malformed header is a 400.
 */
export function replayWindowIssue(triggeredAt: string | undefined, now: Clock): FieldIssue | undefined {
  if (triggeredAt === undefined || triggeredAt.trim() === '') return undefined;
  const at = instantOf(triggeredAt.slice(0, 64));
  if (at === undefined) {
    throw new BadRequestError('Invalid X-Shopify-Triggered-At', { issues: [{ path: 'headers.x-shopify-triggered-at', message: 'must be an ISO 8601 timestamp' }] });
  }
  const ageSeconds = (now().getTime() - at) / 1000;
  if (ageSeconds > SHOPIFY_REPLAY_WINDOW_SECONDS) return { path: 'headers.x-shopify-triggered-at', message: `is older than the replay window (${SHOPIFY_REPLAY_WINDOW_SECONDS / 3600} h)` };
  if (ageSeconds < -SHOPIFY_FUTURE_SKEW_SECONDS) return { path: 'headers.x-shopify-triggered-at', message: 'is in the future' };
  return undefined;
}

const ignored = (issues: readonly FieldIssue[], orderId?: string): ShopifyWebhookResult => ({
  statusCode: 200,
  ...(orderId === undefined ? {} : { orderId }),
  body: { result: 'ignored', ...(orderId === undefined ? {} : { orderId }), issues: [...issues] },
});

function changeResult(result: PlatformChangeResult): ShopifyWebhookResult | undefined {
  switch (result.kind) {
    case 'unknown-order':
      return undefined;
    case 'stale':
      return { statusCode: 200, orderId: result.orderId, body: { result: 'unchanged', orderId: result.orderId, changes: [] } };
    case 'applied':
      return {
        statusCode: 200,
        orderId: result.orderId,
        body: {
          result: result.changes.length > 0 ? 'updated' : 'unchanged',
          orderId: result.orderId,
          changes: [...result.changes],
          ...(result.issues.length > 0 ? { issues: [...result.issues] } : {}),
        },
      };
  }
}

/** Shopify financial_status that means the money is taken or held for the order. */
function paymentOf(financialStatus: string | null | undefined): 'paid' | 'authorized' | undefined {
  const status = financialStatus?.trim().toLowerCase();
  if (status === 'paid' || status === 'partially_refunded') return 'paid';
  if (status === 'authorized') return 'authorized';
  return undefined;
}

// Long: one branch per topic, each a few calls; the module comment is the table of contents.
export async function handleShopifyWebhook(deps: ShopifyTopicDeps, input: ShopifyTopicInput): Promise<ShopifyWebhookResult> {
  await verifyShopifyRequest(deps, input);
  const webhookId = requireWebhookId(input.webhookId);
  const replay = replayWindowIssue(input.triggeredAt, deps.now);
  // Without a topic header (the older orders-create routes) the delivery is an orders/create.
  const topic = input.topic === undefined || input.topic.trim() === '' ? 'orders/create' : input.topic.trim().toLowerCase();
  const channelId = input.channel.channelId;
  const record = (issues: readonly FieldIssue[], externalOrderId?: string) =>
    recordWebhook(deps, { channelId, platform: 'shopify', webhookId, topic, rawBody: input.rawBody }, issues, externalOrderId);
  if (replay !== undefined) {
    await record([replay]);
    return ignored([replay]);
  }
  const json = parseWebhookJson(input.rawBody);

  if (topic === 'orders/create') return createShopifyOrder(deps, { ...input, webhookId, topic }, json);

  if (topic === 'orders/updated' || topic === 'orders/paid' || topic === 'orders/cancelled') {
    const parsed = ShopifyOrderChange.safeParse(json);
    if (!parsed.success) {
      const issues = toFieldIssues(parsed.error);
      await record(issues, idOf(json));
      return { statusCode: 202, body: { result: 'rejected', issues } };
    }
    const payload = parsed.data;
    const orderId = orderIdForExternalOrder(channelId, payload.id);
    const unknown: FieldIssue = { path: 'id', message: 'is not an order of this channel: nothing changed, no order created' };
    if (topic === 'orders/cancelled') {
      const outcome = await cancelFromPlatform(deps, {
        channelId,
        orderId,
        source: 'shopify',
        requestId: webhookId,
        reason: 'platform_cancelled',
        note: payload.cancel_reason ?? undefined,
      });
      if (outcome === undefined) {
        await record([unknown], payload.id);
        return ignored([unknown]);
      }
      return { statusCode: 200, orderId, body: { result: 'cancellation', orderId, cancellation: { status: outcome.status, ...(outcome.reason === undefined ? {} : { reason: outcome.reason }) } } };
    }
    const addressIssues: FieldIssue[] = [];
    const shippingAddress = payload.shipping_address === null || payload.shipping_address === undefined ? undefined : mapAddress(payload.shipping_address, 'shipping_address', addressIssues);
    const result = await applyPlatformOrderChange(deps, {
      channelId,
      orderId,
      source: 'shopify',
      topic,
      updatedAt: payload.updated_at ?? undefined,
      payment: topic === 'orders/paid' ? (paymentOf(payload.financial_status) ?? 'paid') : paymentOf(payload.financial_status),
      shippingAddress,
    });
    const answer = changeResult(result);
    if (answer === undefined) {
      await record([unknown], payload.id);
      return ignored([unknown]);
    }
    return addressIssues.length === 0 ? answer : { ...answer, body: { ...answer.body, issues: [...(answer.body.issues ?? []), ...addressIssues] } };
  }

  if (topic === 'refunds/create') {
    const parsed = ShopifyRefundWebhook.safeParse(json);
    if (!parsed.success) {
      const issues = toFieldIssues(parsed.error);
      await record(issues, idOf(json, 'order_id'));
      return { statusCode: 202, body: { result: 'rejected', issues } };
    }
    const refund = parsed.data;
    const orderId = orderIdForExternalOrder(channelId, refund.order_id);
    const order = await getWorkflowOrder(deps.store, orderId);
    if (order === undefined || order.channelId !== channelId) {
      const issue: FieldIssue = { path: 'order_id', message: 'is not an order of this channel: nothing recorded, no order created' };
      await record([issue], refund.order_id);
      return ignored([issue]);
    }
    const lineByExternalId = new Map(order.lines.map((l) => [l.externalLineId, l]));
    const quantities = new Map<number, number>();
    const issues: FieldIssue[] = [];
    refund.refund_line_items.forEach((item, index) => {
      const line = lineByExternalId.get(item.line_item_id);
      if (line === undefined) issues.push({ path: `refund_line_items.${index}.line_item_id`, message: 'is not a line of the order' });
      else quantities.set(line.lineNo, Math.min(line.quantity, (quantities.get(line.lineNo) ?? 0) + item.quantity));
    });
    let amountMinor: number | undefined;
    for (const tx of refund.transactions ?? []) {
      if (tx.kind !== 'refund' || (tx.status !== null && tx.status !== undefined && tx.status !== 'success') || tx.amount === null || tx.amount === undefined) continue;
      const minor = decimalToMinor(tx.amount.trim(), order.currency);
      if (minor.ok) amountMinor = (amountMinor ?? 0) + minor.minor;
    }
    const lines = [...quantities.entries()].sort(([a], [b]) => a - b).map(([lineNo, quantity]) => ({ lineNo, quantity }));
    const outcome = await recordPlatformRefund(deps, {
      channelId,
      orderId,
      source: 'shopify',
      refund: { refundId: refund.id, lines, ...(amountMinor === undefined ? {} : { amountMinor, currency: order.currency }) },
    });
    const cancellation = outcome?.cancellation;
    return {
      statusCode: 200,
      orderId,
      body: {
        result: outcome?.recorded === false ? 'duplicate' : 'refund',
        orderId,
        ...(cancellation === undefined ? {} : { cancellation: { status: cancellation.status, ...(cancellation.reason === undefined ? {} : { reason: cancellation.reason }) } }),
        ...(issues.length > 0 ? { issues } : {}),
      },
    };
  }

  const issue: FieldIssue = { path: 'headers.x-shopify-topic', message: `topic ${topic.slice(0, 64)} is not handled (handled: ${SHOPIFY_HANDLED_TOPICS.join(', ')})` };
  await record([issue], idOf(json));
  return ignored([issue]);
}

/**
 * POST /webhooks/shopify/... business function.
 *
 * Order of checks: signature first (401, nothing read or written for an unauthenticated caller),
 * then the delivery id header (400), then JSON (400). From there on an authentic, parseable delivery
 * always gets a 2xx: 201 created (business problems as flags), 200 duplicate (same delivery id, or
 * the same Shopify order re-sent), 202 rejected (cannot be mapped; stored for operators).
 */
import type { Clock } from '../../kernel/clock';
import type { ChannelConfig } from '../../runtime/channels';
import { orderIdForExternalOrder } from '../../kernel/order-id';
import type { Order, OrderFlag } from '../domain/order';
import { verifyHmacSignature } from '../../kernel/webhook-signature';
import { BadRequestError, UnauthorizedError, type FieldIssue } from '../../kernel/errors';
import { toFieldIssues } from '../../kernel/schemas';
import { ShopifyOrderWebhook, parseShopifyJson, type WebhookAck } from '../schemas/shopify';
import type { StoreContext } from '../../runtime/table/context';
import { createOrder } from '../store/orders';
import { instantOf } from './platform-changes';
import { getProductPresence } from '../../inventory/store/products';
import { putRejectedWebhook } from '../store/webhooks';
import { mapShopifyOrder } from './shopify-mapping';

export const REJECTED_WEBHOOK_TTL_SECONDS = 90 * 24 * 3600;

export interface ShopifyWebhookDeps {
  readonly store: StoreContext;
  readonly now: Clock;
  /** Resolve the channel's signing secret (cached Secrets Manager read in AWS). */
  readonly getSecret: (secretId: string) => Promise<string | undefined>;
}

export interface ShopifyWebhookInput {
  readonly channel: ChannelConfig;
  readonly rawBody: Buffer;
  readonly signature: string | undefined;
  readonly webhookId: string | undefined;
  readonly topic?: string | undefined;
}

export interface ShopifyWebhookResult {
  readonly statusCode: 200 | 201 | 202;
  readonly body: WebhookAck;
  /** For logs and metrics (no PII). */
  readonly orderId?: string;
}

const WEBHOOK_ID_PATTERN = /^[\x21-\x7E]{1,128}$/;

export async function verifyShopifyRequest(deps: Pick<ShopifyWebhookDeps, 'getSecret'>, input: Pick<ShopifyWebhookInput, 'channel' | 'rawBody' | 'signature'>): Promise<void> {
  const unauthorized = () =>
    new UnauthorizedError('Invalid webhook signature', { issues: [{ path: 'headers.x-shopify-hmac-sha256', message: 'is missing or does not match the body' }] });
  if (input.signature === undefined || input.signature.trim() === '') throw unauthorized();
  const secretId = input.channel.webhookSecretArn;
  if (secretId === undefined || secretId === null) throw unauthorized();
  const secret = await deps.getSecret(secretId);
  if (secret === undefined || secret === '') throw new Error(`Webhook secret for channel ${input.channel.channelId} is empty`);
  if (!verifyHmacSignature(secret, input.rawBody, input.signature)) throw unauthorized();
}

async function addCatalogFlags<T extends Order>(store: StoreContext, order: T): Promise<T> {
  const skus = order.lines.map((line) => line.sku).filter((sku) => sku !== '');
  if (skus.length === 0) return order;
  const products = await getProductPresence(store, skus);
  const flags: OrderFlag[] = [...order.flags];
  for (const line of order.lines) {
    if (line.sku === '') continue;
    const product = products.get(line.sku);
    if (product === undefined) flags.push({ code: 'UNKNOWN_SKU', message: `SKU ${line.sku} is not in the catalog`, lineNo: line.lineNo });
    else if (!product.active) flags.push({ code: 'INACTIVE_SKU', message: `SKU ${line.sku} is not active in the catalog`, lineNo: line.lineNo });
  }
  return { ...order, flags };
}

/** 400 unless the delivery id header is present and printable (it keys the dedupe and the records). */
export function requireWebhookId(value: string | undefined, header = 'x-shopify-webhook-id'): string {
  const webhookId = value?.trim();
  if (webhookId === undefined || !WEBHOOK_ID_PATTERN.test(webhookId)) {
    throw new BadRequestError(`Missing or invalid ${header}`, { issues: [{ path: `headers.${header}`, message: 'is required (1-128 printable characters)' }] });
  }
  return webhookId;
}

export function parseWebhookJson(rawBody: Buffer): unknown {
  try {
    return parseShopifyJson(rawBody.toString('utf8'));
  } catch (cause) {
    throw new BadRequestError('Malformed JSON body', { cause, issues: [{ path: 'body', message: 'must be valid JSON' }] });
  }
}

/** Keep an authentic delivery that did not become (or change) an order, for operators. Once per delivery id. */
export async function recordWebhook(
  deps: Pick<ShopifyWebhookDeps, 'store' | 'now'>,
  input: { readonly channelId: string; readonly platform: 'shopify' | 'woocommerce'; readonly webhookId: string; readonly topic: string | undefined; readonly rawBody: Buffer },
  issues: readonly FieldIssue[],
  externalOrderId?: string,
): Promise<void> {
  const now = deps.now();
  await putRejectedWebhook(deps.store, {
    channelId: input.channelId,
    webhookId: input.webhookId,
    platform: input.platform,
    topic: input.topic,
    externalOrderId,
    issues,
    receivedAt: now.toISOString(),
    rawBody: input.rawBody.toString('utf8'),
    expiresAt: Math.floor(now.getTime() / 1000) + REJECTED_WEBHOOK_TTL_SECONDS,
  });
}

/** The `id` of a parsed body, when it reads as an id (for the rejected-webhook record). */
export function idOf(json: unknown, field = 'id'): string | undefined {
  if (typeof json !== 'object' || json === null || !(field in json)) return undefined;
  const id: unknown = (json as Record<string, unknown>)[field];
  return (typeof id === 'string' || typeof id === 'number') && String(id).length <= 64 ? String(id) : undefined;
}

/** orders/create (verified already): map and create the order once; unmappable → 202 recorded. */
export async function createShopifyOrder(deps: ShopifyWebhookDeps, input: ShopifyWebhookInput & { readonly webhookId: string }, json: unknown): Promise<ShopifyWebhookResult> {
  const now = deps.now();
  const reject = async (issues: readonly FieldIssue[], externalOrderId?: string): Promise<ShopifyWebhookResult> => {
    await recordWebhook(deps, { channelId: input.channel.channelId, platform: 'shopify', webhookId: input.webhookId, topic: input.topic, rawBody: input.rawBody }, issues, externalOrderId);
    return { statusCode: 202, body: { result: 'rejected', issues: [...issues] } };
  };

  const parsed = ShopifyOrderWebhook.safeParse(json);
  if (!parsed.success) return reject(toFieldIssues(parsed.error), idOf(json));
  const payload = parsed.data;

  const orderId = orderIdForExternalOrder(input.channel.channelId, payload.id);
  const mapped = mapShopifyOrder(payload, { channelId: input.channel.channelId, channelCurrency: input.channel.currency, orderId, now });
  if (!mapped.ok) return reject(mapped.issues, payload.id);
  const platformUpdatedAt = instantOf(payload.updated_at);
  const order = await addCatalogFlags(deps.store, {
    ...mapped.order,
    ...(platformUpdatedAt === undefined ? {} : { platformUpdatedAt: new Date(platformUpdatedAt).toISOString() }),
  });
  // One conditional PutItem: a re-delivery (same webhook id, or the same order under a new one) finds the
  // order it created, so no per-delivery dedupe record is written.
  const outcome = await createOrder(deps.store, order);
  switch (outcome.kind) {
    case 'created':
      return { statusCode: 201, orderId, body: { result: 'created', orderId, flags: order.flags.map((f) => ({ code: f.code, message: f.message, lineNo: f.lineNo })) } };
    case 'order-exists':
      return { statusCode: 200, orderId: outcome.existing.orderId, body: { result: 'duplicate', orderId: outcome.existing.orderId } };
  }
}

/** orders/create only (verify, delivery id, JSON, create): the topic-aware entry is shopify-topics.ts handleShopifyWebhook. */
export async function handleShopifyOrderWebhook(deps: ShopifyWebhookDeps, input: ShopifyWebhookInput): Promise<ShopifyWebhookResult> {
  await verifyShopifyRequest(deps, input);
  const webhookId = requireWebhookId(input.webhookId);
  const json = parseWebhookJson(input.rawBody);
  return createShopifyOrder(deps, { ...input, webhookId }, json);
}

/**
 * POST /webhooks/shopify/{channelId} (topic-aware: X-Shopify-Topic), and the older
 * POST /webhooks/shopify/{channelId}/orders-create and POST /webhooks/shopify/orders-create routes (same
 * dispatch). No API key: authenticated by X-Shopify-Hmac-Sha256 over the raw body with the channel's secret.
 * Channel: path parameter `channelId` or the X-Shopify-Shop-Domain header. An unknown channel or shop is
 * answered exactly like a bad signature (401, same body, an HMAC computed with a throwaway secret), so the
 * API does not tell which channels exist.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels, type ChannelConfig } from '../core/runtime/channels';
import { getSecretString } from '../core/runtime/clients';
import { getHeader, httpHandler, json, rawBody } from '../core/runtime/http';
import { correlateOrder, countSignatureFailure, logger, metrics } from '../core/runtime/observability';
import { handleShopifyWebhook, type ShopifyTopicDeps } from '../core/orders/services/shopify-topics';
import { platformChangeDeps } from './platform-deps';

const channels = loadChannels();
const deps: ShopifyTopicDeps = { ...platformChangeDeps(), getSecret: getSecretString };

/**
 * Stands in for an unknown channel or shop: its secret is random per cold start and never leaves the function,
 * so verification fails the way a bad signature does, after the same HMAC work (no channel enumeration).
 */
const DECOY_SECRET = randomBytes(32).toString('base64');
const DECOY_CHANNEL: ChannelConfig = { channelId: 'unknown', platform: 'shopify', currency: 'EUR', shopDomain: null, apiKeyId: 'unknown', webhookSecretArn: 'decoy' };
const decoyDeps: ShopifyTopicDeps = { ...deps, getSecret: async () => DECOY_SECRET };

function resolveChannel(event: APIGatewayProxyEvent): ChannelConfig | undefined {
  const channelId = event.pathParameters?.channelId;
  const channel = channelId !== undefined ? channels.byId(channelId) : channels.byShopDomain(getHeader(event, 'X-Shopify-Shop-Domain'));
  return channel === undefined || !channel.webhookSecretArn ? undefined : channel;
}

export async function shopifyWebhookHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const known = resolveChannel(event);
  const channel = known ?? DECOY_CHANNEL;
  const webhookId = getHeader(event, 'X-Shopify-Webhook-Id');
  logger.appendKeys({ channelId: channel.channelId, webhookId });
  const topic = getHeader(event, 'X-Shopify-Topic');
  // Verification comes first in handleShopifyWebhook: with the decoy it throws the bad-signature 401 before anything is read or written.
  const result = await handleShopifyWebhook(known === undefined ? decoyDeps : deps, {
    channel,
    rawBody: rawBody(event),
    signature: getHeader(event, 'X-Shopify-Hmac-Sha256'),
    webhookId,
    topic,
    triggeredAt: getHeader(event, 'X-Shopify-Triggered-At'),
  }).catch(countSignatureFailure);
  correlateOrder(result.orderId);
  logger.info('Webhook acknowledged', { topic: topic?.slice(0, 64), result: result.body.result, orderId: result.orderId, flags: result.body.flags?.map((f) => f.code), changes: result.body.changes });
  metrics.addMetric(`Webhook_${result.body.result}`, MetricUnit.Count, 1);
  return json(result.statusCode, result.body);
}

export const handler = httpHandler(shopifyWebhookHandler);

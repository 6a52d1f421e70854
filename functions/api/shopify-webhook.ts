/**
 * POST /webhooks/shopify/{channelId} (topic-aware: X-Shopify-Topic), and the older
 * POST /webhooks/shopify/{channelId}/orders-create and POST /webhooks/shopify/orders-create routes (same
 * dispatch). No API key: authenticated by X-Shopify-Hmac-Sha256 over the raw body with the channel's secret.
 * Channel: path parameter `channelId` (unknown → 404) or the X-Shopify-Shop-Domain header (unknown → 401).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels, type ChannelConfig } from '../core/runtime/channels';
import { getSecretString } from '../core/runtime/clients';
import { NotFoundError, UnauthorizedError } from '../core/kernel/errors';
import { getHeader, httpHandler, json, rawBody } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { handleShopifyWebhook, type ShopifyTopicDeps } from '../core/orders/services/shopify-topics';
import { platformChangeDeps } from './platform-deps';

const channels = loadChannels();
const deps: ShopifyTopicDeps = { ...platformChangeDeps(), getSecret: getSecretString };

function resolveChannel(event: APIGatewayProxyEvent): ChannelConfig {
  const channelId = event.pathParameters?.channelId;
  if (channelId !== undefined) {
    const channel = channels.byId(channelId);
    if (channel === undefined || !channel.webhookSecretArn) {
      throw new NotFoundError('Unknown channel', { issues: [{ path: 'pathParameters.channelId', message: 'is not a channel with webhooks' }] });
    }
    return channel;
  }
  const channel = channels.byShopDomain(getHeader(event, 'X-Shopify-Shop-Domain'));
  if (channel === undefined || !channel.webhookSecretArn) {
    throw new UnauthorizedError('Unknown shop', { issues: [{ path: 'headers.x-shopify-shop-domain', message: 'is missing or not a configured shop' }] });
  }
  return channel;
}

export async function shopifyWebhookHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const channel = resolveChannel(event);
  const webhookId = getHeader(event, 'X-Shopify-Webhook-Id');
  logger.appendKeys({ channelId: channel.channelId, webhookId });
  const topic = getHeader(event, 'X-Shopify-Topic');
  const result = await handleShopifyWebhook(deps, {
    channel,
    rawBody: rawBody(event),
    signature: getHeader(event, 'X-Shopify-Hmac-Sha256'),
    webhookId,
    topic,
    triggeredAt: getHeader(event, 'X-Shopify-Triggered-At'),
  });
  logger.info('Webhook acknowledged', { topic: topic?.slice(0, 64), result: result.body.result, orderId: result.orderId, flags: result.body.flags?.map((f) => f.code), changes: result.body.changes });
  metrics.addMetric(`Webhook_${result.body.result}`, MetricUnit.Count, 1);
  return json(result.statusCode, result.body);
}

export const handler = httpHandler(shopifyWebhookHandler);

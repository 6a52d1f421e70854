/**
 * POST /webhooks/shopify/{channelId}/orders-create and POST /webhooks/shopify/orders-create (no API
 * key: authenticated by X-Shopify-Hmac-Sha256 over the raw body with the channel's secret).
 * Channel: path parameter `channelId` (unknown → 404) or the X-Shopify-Shop-Domain header (unknown → 401).
 */
import { systemClock } from '../core/kernel/clock';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels, type ChannelConfig } from '../core/runtime/channels';
import { getDocumentClient, getSecretString } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { NotFoundError, UnauthorizedError } from '../core/kernel/errors';
import { getHeader, httpHandler, json, rawBody } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { handleShopifyOrderWebhook, type ShopifyWebhookDeps } from '../core/orders/services/shopify-webhook';

const channels = loadChannels();
const deps: ShopifyWebhookDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  getSecret: getSecretString,
};

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
  const result = await handleShopifyOrderWebhook(deps, {
    channel,
    rawBody: rawBody(event),
    signature: getHeader(event, 'X-Shopify-Hmac-Sha256'),
    webhookId,
    topic: getHeader(event, 'X-Shopify-Topic'),
  });
  logger.info('Webhook acknowledged', { result: result.body.result, orderId: result.orderId, flags: result.body.flags?.map((f) => f.code) });
  metrics.addMetric(`Webhook_${result.body.result}`, MetricUnit.Count, 1);
  return json(result.statusCode, result.body);
}

export const handler = httpHandler(shopifyWebhookHandler);

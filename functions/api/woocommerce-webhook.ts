/**
 * POST /webhooks/woocommerce/{channelId} (no API key: authenticated by X-WC-Webhook-Signature, the
 * base64 HMAC-SHA256 of the raw body with the channel's webhook secret). Topic from X-WC-Webhook-Topic,
 * delivery id from X-WC-Webhook-Delivery-ID. Unknown channel (or not a WooCommerce channel) → 404.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels, type ChannelConfig } from '../core/runtime/channels';
import { getSecretString } from '../core/runtime/clients';
import { NotFoundError } from '../core/kernel/errors';
import { getHeader, httpHandler, json, rawBody } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { handleWooCommerceWebhook, type WooWebhookDeps } from '../core/orders/services/woocommerce-webhook';
import { platformChangeDeps } from './platform-deps';

const channels = loadChannels();
const deps: WooWebhookDeps = { ...platformChangeDeps(), getSecret: getSecretString };

function resolveChannel(event: APIGatewayProxyEvent): ChannelConfig {
  const channel = channels.byId(event.pathParameters?.channelId);
  if (channel === undefined || channel.platform !== 'woocommerce' || !channel.webhookSecretArn) {
    throw new NotFoundError('Unknown channel', { issues: [{ path: 'pathParameters.channelId', message: 'is not a WooCommerce channel' }] });
  }
  return channel;
}

export async function wooCommerceWebhookHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const channel = resolveChannel(event);
  const deliveryId = getHeader(event, 'X-WC-Webhook-Delivery-ID');
  const topic = getHeader(event, 'X-WC-Webhook-Topic');
  logger.appendKeys({ channelId: channel.channelId, deliveryId: deliveryId?.slice(0, 128) });
  const result = await handleWooCommerceWebhook(deps, {
    channel,
    rawBody: rawBody(event),
    signature: getHeader(event, 'X-WC-Webhook-Signature'),
    deliveryId,
    topic,
  });
  logger.info('Webhook acknowledged', { topic: topic?.slice(0, 64), result: result.body.result, orderId: result.orderId, changes: result.body.changes });
  metrics.addMetric(`WooWebhook_${result.body.result}`, MetricUnit.Count, 1);
  return json(result.statusCode, result.body);
}

export const handler = httpHandler(wooCommerceWebhookHandler);

/**
 * POST /webhooks/woocommerce/{channelId} (no API key: authenticated by X-WC-Webhook-Signature, the
 * base64 HMAC-SHA256 of the raw body with the channel's webhook secret). Topic from X-WC-Webhook-Topic,
 * delivery id from X-WC-Webhook-Delivery-ID. An unknown channel (or not a WooCommerce channel) is answered
 * exactly like a known one with a bad signature (the unsigned ping too), after the same HMAC work: the API
 * does not tell which channels exist.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels, type ChannelConfig } from '../core/runtime/channels';
import { getSecretString } from '../core/runtime/clients';
import { getHeader, httpHandler, json, rawBody } from '../core/runtime/http';
import { correlateOrder, countSignatureFailure, logger, metrics } from '../core/runtime/observability';
import { handleWooCommerceWebhook, type WooWebhookDeps } from '../core/orders/services/woocommerce-webhook';
import { platformChangeDeps } from './platform-deps';

const channels = loadChannels();
const deps: WooWebhookDeps = { ...platformChangeDeps(), getSecret: getSecretString };

/** Stands in for an unknown channel: a random per-cold-start secret, so verification fails like a bad signature. */
const DECOY_SECRET = randomBytes(32).toString('base64');
const DECOY_CHANNEL: ChannelConfig = { channelId: 'unknown', platform: 'woocommerce', currency: 'EUR', shopDomain: null, apiKeyId: 'unknown', webhookSecretArn: 'decoy' };
const decoyDeps: WooWebhookDeps = { ...deps, getSecret: async () => DECOY_SECRET };

function resolveChannel(event: APIGatewayProxyEvent): ChannelConfig | undefined {
  const channel = channels.byId(event.pathParameters?.channelId);
  return channel === undefined || channel.platform !== 'woocommerce' || !channel.webhookSecretArn ? undefined : channel;
}

export async function wooCommerceWebhookHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const known = resolveChannel(event);
  const channel = known ?? DECOY_CHANNEL;
  const deliveryId = getHeader(event, 'X-WC-Webhook-Delivery-ID');
  const topic = getHeader(event, 'X-WC-Webhook-Topic');
  logger.appendKeys({ channelId: channel.channelId, deliveryId: deliveryId?.slice(0, 128) });
  // The ping and the signature check come first in handleWooCommerceWebhook: with the decoy nothing is read or written.
  const result = await handleWooCommerceWebhook(known === undefined ? decoyDeps : deps, {
    channel,
    rawBody: rawBody(event),
    signature: getHeader(event, 'X-WC-Webhook-Signature'),
    deliveryId,
    topic,
  }).catch(countSignatureFailure);
  correlateOrder(result.orderId);
  logger.info('Webhook acknowledged', { topic: topic?.slice(0, 64), result: result.body.result, orderId: result.orderId, changes: result.body.changes });
  metrics.addMetric(`WooWebhook_${result.body.result}`, MetricUnit.Count, 1);
  return json(result.statusCode, result.body);
}

export const handler = httpHandler(wooCommerceWebhookHandler);

/**
 * POST /orders (API key). Thin seam: read the event, call createApiOrder, map the result.
 * 201 { orderId, status, ...order }; a replay of the same Idempotency-Key + body answers 201 with the
 * stored order and `Idempotent-Replayed: true`.
 */
import { systemClock } from '../core/kernel/clock';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels } from '../core/runtime/channels';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { ForbiddenError } from '../core/kernel/errors';
import { channelFromApiKey, httpHandler, json, parseJsonBody, requireHeader, validate } from '../core/runtime/http';
import { correlateOrder, logger, metrics } from '../core/runtime/observability';
import { CreateOrderRequest } from '../core/orders/schemas/order';
import { createApiOrder, type CreateApiOrderDeps } from '../core/orders/services/create-order';
import { toOrderResponse } from '../core/orders/services/order-response';

const channels = loadChannels();
const deps: CreateApiOrderDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
};

/** Idempotency-Key: 1-255 printable ASCII characters (a UUID is typical). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;

export async function createOrderHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const channel = channelFromApiKey(event, channels);
  logger.appendKeys({ channelId: channel.channelId });
  const idempotencyKey = requireHeader(event, 'Idempotency-Key', {
    pattern: IDEMPOTENCY_KEY_PATTERN,
    description: 'must be 1-255 printable ASCII characters without spaces',
  });
  const body = parseJsonBody(event);
  const request = validate(CreateOrderRequest, body);
  if (request.channel !== undefined && request.channel !== channel.channelId) {
    throw new ForbiddenError('The API key does not belong to this channel', {
      issues: [{ path: 'channel', message: 'does not match the channel of the API key' }],
    });
  }

  const { order, replayed } = await createApiOrder(deps, { channel, idempotencyKey, request });
  correlateOrder(order.orderId);
  logger.info(replayed ? 'Order replayed' : 'Order created', { orderId: order.orderId, lines: order.lines.length });
  metrics.addMetric(replayed ? 'OrderReplayed' : 'OrderCreated', MetricUnit.Count, 1);
  return json(201, toOrderResponse(order), replayed ? { 'Idempotent-Replayed': 'true' } : {});
}

export const handler = httpHandler(createOrderHandler);

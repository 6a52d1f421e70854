/** GET /orders/{orderId} (API key). 404 for unknown ids and for other channels' orders alike. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels } from '../core/runtime/channels';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { isOrderId } from '../core/kernel/order-id';
import { BadRequestError } from '../core/kernel/errors';
import { channelFromApiKey, httpHandler, json } from '../core/runtime/http';
import { correlateOrder, logger, metrics } from '../core/runtime/observability';
import { getOrderForChannel } from '../core/orders/services/get-order';

const channels = loadChannels();
const deps = { store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') } };

export async function getOrderHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const channel = channelFromApiKey(event, channels);
  logger.appendKeys({ channelId: channel.channelId });
  const orderId = event.pathParameters?.orderId ?? '';
  if (isOrderId(orderId)) correlateOrder(orderId);
  if (!isOrderId(orderId)) {
    throw new BadRequestError('Invalid order id', { issues: [{ path: 'pathParameters.orderId', message: 'must look like ord_ followed by 26 characters' }] });
  }
  const view = await getOrderForChannel(deps, { channelId: channel.channelId, orderId });
  metrics.addMetric('OrderRead', MetricUnit.Count, 1);
  return json(200, view);
}

export const handler = httpHandler(getOrderHandler);

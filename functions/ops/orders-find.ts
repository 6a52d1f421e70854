/**
 * GET /ops/orders?status=&channel=&supplier=&olderThanMinutes=&externalOrderId=&email=&limit=&cursor= (IAM):
 * order summaries, newest first, `{ items, nextCursor? }`. A cursor from another listing or a forged one
 * is a 400 naming `cursor`. The email is compared as a hash and never logged (nor is the query string).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { systemClock } from '../core/kernel/clock';
import { OrdersQuery } from '../core/ops/schemas/find';
import { findOrders } from '../core/ops/services/find-orders';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { httpHandler, json, validate } from '../core/runtime/http';
import { metrics } from '../core/runtime/observability';
import { requireOperator } from './common';

const deps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  // Set by the stack (may be empty: a stage without channels).
  channelIds: (process.env['OPS_CHANNEL_IDS'] ?? '').split(',').filter((c) => c !== ''),
};

export async function opsOrdersFindHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  requireOperator(event);
  const query = validate(OrdersQuery, event.queryStringParameters ?? {}, 'Query string is invalid');
  const result = await findOrders(deps, query);
  metrics.addMetric('OrdersFound', MetricUnit.Count, result.items.length);
  return json(200, result);
}

export const handler = httpHandler(opsOrdersFindHandler);

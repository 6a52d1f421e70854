/**
 * GET /ops/exceptions?kind=&limit=&cursor= (IAM): open exceptions (sparse index gsi3), newest
 * first: fulfillments past ship-by / deliver-by, lost or with a carrier exception, rejected webhooks.
 * 200 `{ items: [{ kind, since, entity, orderId?, fulfillmentId?, supplierId?, status?, channelId?, webhookId?, issues? }], cursor? }`.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { httpHandler, json, validate } from '../core/runtime/http';
import { metrics } from '../core/runtime/observability';
import { ExceptionsQuery } from '../core/workflow/schemas/ops';
import { listExceptions } from '../core/workflow/services/ops-exceptions';
import { requireOperator } from './common';

const store = { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') };

export async function opsExceptionsHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  requireOperator(event);
  const query = validate(ExceptionsQuery, event.queryStringParameters ?? {}, 'Query string is invalid');
  const result = await listExceptions(store, query);
  metrics.addMetric('ExceptionsListed', MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(opsExceptionsHandler);

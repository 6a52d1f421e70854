/**
 * GET /ops/orders/{orderId} (IAM): the order with its timeline (actors and operator ids), workflow
 * execution (status, current and visited states, failures) and definition, fulfillments, documents,
 * storefront deliveries and returns. 404 unknown order. Customer contact is in the answer, never in a log.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { systemClock } from '../core/kernel/clock';
import { lookOrder } from '../core/ops/services/look-order';
import { getDocumentClient, getSfnClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { httpHandler, json } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { orderIdParameter, requireOperator } from './common';

const deps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  execution: { sfn: getSfnClient(), stateMachineArn: requireEnv('STATE_MACHINE_ARN') },
  now: systemClock,
};

export async function opsOrderLookHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  requireOperator(event);
  const orderId = orderIdParameter(event);
  logger.appendKeys({ orderId });
  const result = await lookOrder(deps, orderId);
  metrics.addMetric('OrderLooked', MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(opsOrderLookHandler);

/**
 * POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/reship `{ supplierId? }` and
 * POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/refund `{ note? }` (operators): the decision on a
 * delivery exception (deliveries/services/decisions.ts). 200 DeliveryDecisionResponse; 404 unknown
 * fulfillment; 409 no open delivery exception, decided otherwise, or nothing can reship (issues name why).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { BadRequestError } from '../core/kernel/errors';
import { httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { FULFILLMENT_ID_PATTERN } from '../core/workflow/domain/fulfillment-record';
import { outboundDeps, workflowDeps } from '../core/workflow/services/runtime-deps';
import { RefundDecisionRequest, ReshipRequest } from '../core/deliveries/schemas/ops';
import { refundFulfillment, reshipFulfillment, type DecisionDeps } from '../core/deliveries/services/decisions';
import { deliverySettingsFromEnv } from '../core/deliveries/services/lost-parcels';
import { hasBody, loadOpsKeyId, orderIdParameter, requireOperator } from '../api/ops-common';

const opsKeyId = loadOpsKeyId();
const deps: DecisionDeps = { ...workflowDeps(), ...outboundDeps(), delivery: deliverySettingsFromEnv() };

export async function deliveryDecisionHandler(event: APIGatewayProxyEvent, decisionDeps: DecisionDeps = deps): Promise<APIGatewayProxyResult> {
  requireOperator(event, opsKeyId);
  const orderId = orderIdParameter(event);
  const fulfillmentId = event.pathParameters?.fulfillmentId ?? '';
  if (!FULFILLMENT_ID_PATTERN.test(fulfillmentId) || fulfillmentId.slice(4, 30) !== orderId.slice(4)) {
    throw new BadRequestError('Invalid fulfillment id', { issues: [{ path: 'pathParameters.fulfillmentId', message: 'must be a fulfillment id of this order' }] });
  }
  logger.appendKeys({ orderId, fulfillmentId });
  const body = hasBody(event) ? parseJsonBody(event) : {};
  const request = { orderId, fulfillmentId, actor: 'operator' as const };
  if ((event.resource ?? event.path ?? '').endsWith('/reship')) {
    const { supplierId } = validate(ReshipRequest, body);
    const result = await reshipFulfillment(decisionDeps, { ...request, supplierId });
    metrics.addMetric('DeliveryReshipped', MetricUnit.Count, 1);
    return json(200, result);
  }
  validate(RefundDecisionRequest, body);
  const result = await refundFulfillment(decisionDeps, request);
  metrics.addMetric('DeliveryRefunded', MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler((event: APIGatewayProxyEvent) => deliveryDecisionHandler(event));

/**
 * POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/reship `{ supplierId? }` and
 * POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/refund `{ note? }` (operators): the decision on a
 * delivery exception (deliveries/services/decisions.ts). 200 DeliveryDecisionResponse; 404 unknown
 * fulfillment; 409 no open delivery exception, decided otherwise, or nothing can reship (issues name why).
 * The same function is the returns' bus-rule target (returns/services/return-events.ts): exchanges, storefront refunds.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { withPowertools } from '../core/runtime/powertools';
import { loadReturnsConfig } from '../core/returns/schemas/config';
import { isBusEvent, onReturnStepEvent } from '../core/returns/services/return-events';
import { BadRequestError } from '../core/kernel/errors';
import { httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { FULFILLMENT_ID_PATTERN } from '../core/workflow/domain/fulfillment-record';
import { outboundDeps, workflowDeps } from '../core/workflow/services/runtime-deps';
import { RefundDecisionRequest, ReshipRequest } from '../core/deliveries/schemas/ops';
import { refundFulfillment, reshipFulfillment, type DecisionDeps } from '../core/deliveries/services/decisions';
import { deliverySettingsFromEnv } from '../core/deliveries/services/lost-parcels';
import { actingAs } from '../core/ops/actor-context';
import { hasBody, orderIdParameter, requireOperator } from './common';

const deps: DecisionDeps = { ...workflowDeps(), ...outboundDeps(), delivery: deliverySettingsFromEnv() };

export async function deliveryDecisionHandler(event: APIGatewayProxyEvent, decisionDeps: DecisionDeps = deps): Promise<APIGatewayProxyResult> {
  const operator = requireOperator(event);
  const orderId = orderIdParameter(event);
  const fulfillmentId = event.pathParameters?.fulfillmentId ?? '';
  if (!FULFILLMENT_ID_PATTERN.test(fulfillmentId) || fulfillmentId.slice(4, 30) !== orderId.slice(4)) {
    throw new BadRequestError('Invalid fulfillment id', { issues: [{ path: 'pathParameters.fulfillmentId', message: 'must be a fulfillment id of this order' }] });
  }
  logger.appendKeys({ orderId, fulfillmentId });
  const body = hasBody(event) ? parseJsonBody(event) : {};
  const request = { orderId, fulfillmentId, actor: 'operator' as const, actorId: operator.actorId };
  if ((event.resource ?? event.path ?? '').endsWith('/reship')) {
    const { supplierId } = validate(ReshipRequest, body);
    const result = await actingAs(operator.actorId, () => reshipFulfillment(decisionDeps, { ...request, supplierId }));
    metrics.addMetric('DeliveryReshipped', MetricUnit.Count, 1);
    return json(200, result);
  }
  validate(RefundDecisionRequest, body);
  const result = await actingAs(operator.actorId, () => refundFulfillment(decisionDeps, request));
  metrics.addMetric('DeliveryRefunded', MetricUnit.Count, 1);
  return json(200, result);
}

const http = httpHandler((event: APIGatewayProxyEvent) => deliveryDecisionHandler(event));
// Also the returns' domain-bus rule target (exchanges ship here: this function carries pdf-lib; storefront refunds close returns).
const stepDeps = { ...deps, returns: loadReturnsConfig() };
const bus = withPowertools((event: unknown) => onReturnStepEvent(stepDeps, event));
export const handler = (event: unknown, context: Context): Promise<unknown> => (isBusEvent(event) ? bus(event, context) : http(event as APIGatewayProxyEvent, context));

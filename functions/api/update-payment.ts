/**
 * POST /orders/{orderId}/payment (storefront API key, channel-scoped like GET /orders/{orderId}).
 * Body `{ status: 'paid' | 'authorized', reference? }`. 200 `{ orderId, status, payment, resumed }`;
 * 404 unknown order or another channel's; 409 cancelled/rejected order or a payment downgrade.
 * An order waiting for payment (ON_HOLD AWAITING_PAYMENT) is released and its workflow resumed (it
 * screens the order again, now paid).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels } from '../core/runtime/channels';
import { channelFromApiKey, httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { UpdatePaymentRequest } from '../core/workflow/schemas/ops';
import { updatePayment } from '../core/workflow/services/hold-decisions';
import { responderDeps } from '../core/workflow/services/runtime-deps';
import { orderIdParameter } from '../ops/common';

const channels = loadChannels();
const deps = responderDeps();

export async function updatePaymentHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const channel = channelFromApiKey(event, channels);
  logger.appendKeys({ channelId: channel.channelId });
  const orderId = orderIdParameter(event);
  const request = validate(UpdatePaymentRequest, parseJsonBody(event));
  const result = await updatePayment(deps, { channelId: channel.channelId, orderId, status: request.status, reference: request.reference });
  metrics.addMetric(result.resumed ? 'PaymentReleasedHold' : 'PaymentUpdated', MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(updatePaymentHandler);

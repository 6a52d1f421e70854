/**
 * POST /ops/orders/{orderId}/reject (ops API key). Body `{ reason }`.
 * 200 `{ orderId, decision: 'REJECT', status: 'CANCELLED', resumed }`; 404 unknown order; 409 not on hold.
 * Cancels the held order (timeline OrderCancelled + RefundRequested when money was taken, actor
 * operator) and resumes the waiting workflow, whose CancelOrder then finds it cancelled.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { RejectHoldRequest } from '../core/workflow/schemas/ops';
import { rejectHold } from '../core/workflow/services/hold-decisions';
import { responderDeps } from '../core/workflow/services/runtime-deps';
import { loadOpsKeyId, orderIdParameter, requireOperator } from './ops-common';

const opsKeyId = loadOpsKeyId();
const deps = responderDeps();

export async function opsRejectHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  requireOperator(event, opsKeyId);
  const orderId = orderIdParameter(event);
  logger.appendKeys({ orderId });
  const request = validate(RejectHoldRequest, parseJsonBody(event));
  const result = await rejectHold(deps, { orderId, reason: request.reason });
  metrics.addMetric('HoldRejected', MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(opsRejectHandler);

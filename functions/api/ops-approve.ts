/**
 * POST /ops/orders/{orderId}/approve (ops API key). Body optional: `{ note? }`.
 * 200 `{ orderId, decision: 'APPROVE', status, resumed }`; 404 unknown order; 409 not on hold.
 * Releases the hold (timeline OrderReleased, actor operator) and resumes the waiting workflow.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { ApproveHoldRequest } from '../core/workflow/schemas/ops';
import { approveHold } from '../core/workflow/services/hold-decisions';
import { responderDeps } from '../core/workflow/services/runtime-deps';
import { hasBody, loadOpsKeyId, orderIdParameter, requireOperator } from './ops-common';

const opsKeyId = loadOpsKeyId();
const deps = responderDeps();

export async function opsApproveHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  requireOperator(event, opsKeyId);
  const orderId = orderIdParameter(event);
  logger.appendKeys({ orderId });
  const request = hasBody(event) ? validate(ApproveHoldRequest, parseJsonBody(event)) : {};
  const result = await approveHold(deps, { orderId, note: request.note });
  metrics.addMetric('HoldApproved', MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(opsApproveHandler);

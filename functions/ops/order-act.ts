/**
 * POST /ops/orders/{orderId}/{action} (IAM): the operator's actions on one order, one Lambda dispatching on
 * the last path part. Each runs as the calling operator (actingAs: its timeline events carry `actorId`).
 *   approve  `{ note? }`            release a hold (resumes the workflow)             200 HoldDecisionResponse
 *   reject   `{ reason }`           reject a held order (the workflow cancels it)     200 HoldDecisionResponse
 * 404 unknown order; 409 when the order is not in a state the action applies to.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { BadRequestError } from '../core/kernel/errors';
import { actingAs } from '../core/ops/actor-context';
import { httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { ApproveHoldRequest, RejectHoldRequest } from '../core/workflow/schemas/ops';
import { approveHold, rejectHold } from '../core/workflow/services/hold-decisions';
import { responderDeps } from '../core/workflow/services/runtime-deps';
import { optionalJsonBody, orderIdParameter, requireOperator } from './common';

const deps = responderDeps();

type Action = (event: APIGatewayProxyEvent, orderId: string) => Promise<unknown>;

const ACTIONS: Readonly<Record<string, Action>> = {
  approve: async (event, orderId) => {
    const request = validate(ApproveHoldRequest, optionalJsonBody(event));
    return approveHold(deps, { orderId, note: request.note });
  },
  reject: async (event, orderId) => {
    const request = validate(RejectHoldRequest, parseJsonBody(event));
    return rejectHold(deps, { orderId, reason: request.reason });
  },
};

/** The action: the last part of the resource path (`/ops/orders/{orderId}/approve` → approve). */
export function actionOf(event: Pick<APIGatewayProxyEvent, 'resource' | 'path'>): string {
  return (event.resource ?? event.path ?? '').split('/').pop() ?? '';
}

export async function opsOrderActHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const operator = requireOperator(event);
  const orderId = orderIdParameter(event);
  const name = actionOf(event);
  const action = ACTIONS[name];
  if (action === undefined) throw new BadRequestError('Unknown action', { issues: [{ path: 'path', message: `no action ${name}` }] });
  logger.appendKeys({ orderId, action: name });
  const result = await actingAs(operator.actorId, () => action(event, orderId));
  logger.info('Operator action done', { orderId, action: name, actorId: operator.actorId });
  metrics.addMetric(`OpsAction_${name}`, MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(opsOrderActHandler);

/**
 * POST /ops/orders/{orderId}/{action} (IAM): the operator's actions on one order, one Lambda dispatching on
 * the last path part. Each runs as the calling operator (actingAs: its timeline events carry `actorId`).
 *   approve  `{ note? }`            release a hold (resumes the workflow)             200 HoldDecisionResponse
 *   reject   `{ reason }`           reject a held order (the workflow cancels it)     200 HoldDecisionResponse
 *   hold     `{ reason, note? }`    RECEIVED / VALIDATED / ON_HOLD → operator hold    200 { orderId, status, holdReason, holdExpiresAt, changed }
 *   release  `{ note? }`            an order on hold continues                        200 HoldDecisionResponse
 *   cancel   `{ reason, note? }`    the cancellation flow (Idempotency-Key optional)  200 CANCELLED / 202 CANCELLATION_REQUESTED / 409 NOT_CANCELLABLE
 *   redrive  (no body)              RedriveExecution of a failed execution            200 { orderId, executionArn, previousStatus, redriveDate }
 *   retry    (no body)              a failed execution is redriven, else 409 with why
 *   resolve  `{ note }`             the order's open exception marks are closed       200 { orderId, resolved, note }
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
import { cancellationDeps, type CancellationDeps } from '../core/workflow/services/cancel-requests';
import { requireEnv } from '../core/runtime/config';
import { getHeader } from '../core/runtime/http';
import { EmptyRequest, HoldRequest, OpsCancelRequest, ReleaseRequest, ResolveRequest } from '../core/ops/schemas/act';
import { cancelOrder, holdOrder, redriveOrder, releaseOrder, resolveOrder, retryOrder, type ActionDeps } from '../core/ops/services/order-actions';
import { optionalJsonBody, orderIdParameter, requireOperator } from './common';

let cancellation: CancellationDeps | undefined;
const base = responderDeps();
const deps: ActionDeps = {
  ...base,
  stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
  cancellation: () => (cancellation ??= cancellationDeps()),
  defaultHoldHours: base.settings.holdTimeoutHours ?? base.settings.fraud.reviewHoldHours,
};
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

/** A cancel's request id: the Idempotency-Key header, else one per (order, reason): a repeat is the same request. */
function cancelRequestId(event: APIGatewayProxyEvent, reason: string): string {
  const key = getHeader(event, 'Idempotency-Key')?.trim();
  if (key === undefined || key === '') return `operator:${reason}`;
  if (!IDEMPOTENCY_KEY.test(key)) throw new BadRequestError('Invalid header Idempotency-Key', { issues: [{ path: 'headers.idempotency-key', message: 'must be 1-255 printable ASCII characters without spaces' }] });
  return key;
}

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
  hold: async (event, orderId) => {
    const request = validate(HoldRequest, parseJsonBody(event));
    return holdOrder(deps, { orderId, reason: request.reason, note: request.note });
  },
  release: async (event, orderId) => {
    const request = validate(ReleaseRequest, optionalJsonBody(event));
    return releaseOrder(deps, { orderId, note: request.note });
  },
  cancel: async (event, orderId) => {
    const request = validate(OpsCancelRequest, parseJsonBody(event));
    const outcome = await cancelOrder(deps, { orderId, requestId: cancelRequestId(event, request.reason), reason: request.reason, note: request.note });
    const status = outcome.status === 'CANCELLED' ? 200 : outcome.status === 'CANCELLATION_REQUESTED' ? 202 : 409;
    return status === 409 ? { statusCode: 409, body: { error: 'NOT_CANCELLABLE', ...outcome } } : { statusCode: status, body: outcome };
  },
  redrive: async (event, orderId) => {
    validate(EmptyRequest, optionalJsonBody(event));
    return redriveOrder(deps, { orderId });
  },
  retry: async (event, orderId) => {
    validate(EmptyRequest, optionalJsonBody(event));
    return retryOrder(deps, { orderId });
  },
  resolve: async (event, orderId) => {
    const request = validate(ResolveRequest, parseJsonBody(event));
    return resolveOrder(deps, { orderId, note: request.note });
  },
};

interface Answer {
  readonly statusCode: number;
  readonly body: unknown;
}
const isAnswer = (value: unknown): value is Answer => typeof value === 'object' && value !== null && 'statusCode' in value && 'body' in value;

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
  return isAnswer(result) ? json(result.statusCode, result.body) : json(200, result);
}

export const handler = httpHandler(opsOrderActHandler);

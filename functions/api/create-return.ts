/**
 * POST /orders/{orderId}/returns (storefront API key, channel-scoped; `Idempotency-Key` header required; body
 * CreateReturnRequest: lines, reason, note?). Thin seam over returns/services/request-return.ts:
 * 201 `{ returnId, status, resolution }` (the same key and body again → the same answer, `Idempotent-Replayed: true`)
 * · 422 `{ code: 'RETURN_NOT_ALLOWED', rule, message, lineNo?, returnable?, windowEndsAt? }` · 404 unknown order
 * or another channel's · 400 naming the field · 409 the same key with another body.
 *
 * POST /orders/{orderId}/returns/{returnId}/refund (same key and header; body `{ refundId? }`): the storefront
 * confirms it refunded the return: REFUND_REQUESTED → CLOSED (returns/services/close-return.ts). 200
 * CloseReturnResponse (again: `changed: false`) · 404 another channel's or unknown · 409 not REFUND_REQUESTED.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels } from '../core/runtime/channels';
import { channelFromApiKey, httpHandler, json, parseJsonBody, requireHeader, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { ConfirmReturnRefundRequest, CreateReturnRequest, returnIdParameter } from '../core/returns/schemas/returns';
import { closeReturn } from '../core/returns/services/close-return';
import { requestReturn } from '../core/returns/services/request-return';
import { returnsDeps } from '../core/returns/services/runtime';
import { hasBody, orderIdParameter } from '../ops/common';

const channels = loadChannels();
const deps = returnsDeps();

/** Idempotency-Key: 1-255 printable ASCII characters (a UUID is typical), as for POST /orders. */
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

export async function createReturnHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const channel = channelFromApiKey(event, channels);
  logger.appendKeys({ channelId: channel.channelId });
  const orderId = orderIdParameter(event);
  const idempotencyKey = requireHeader(event, 'Idempotency-Key', { pattern: IDEMPOTENCY_KEY, description: 'must be 1-255 printable ASCII characters without spaces' });
  if ((event.resource ?? event.path ?? '').endsWith('/refund')) {
    const returnId = returnIdParameter(event);
    const { refundId } = validate(ConfirmReturnRefundRequest, hasBody(event) ? parseJsonBody(event) : {});
    const closed = await closeReturn(deps, { returnId, orderId, channelId: channel.channelId, by: 'storefront', refundId: refundId ?? idempotencyKey });
    if (closed.changed) metrics.addMetric('ReturnRefundConfirmed', MetricUnit.Count, 1);
    return json(200, closed);
  }
  const request = validate(CreateReturnRequest, parseJsonBody(event));
  const outcome = await requestReturn(deps, { channelId: channel.channelId, orderId, idempotencyKey, request });
  if (outcome.kind === 'refused') {
    metrics.addMetric('ReturnRefused', MetricUnit.Count, 1);
    return json(422, outcome.refusal);
  }
  if (!outcome.replayed) metrics.addMetric('ReturnRequested', MetricUnit.Count, 1);
  return json(201, outcome.response, outcome.replayed ? { 'Idempotent-Replayed': 'true' } : {});
}

export const handler = httpHandler(createReturnHandler);

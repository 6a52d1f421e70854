/**
 * POST /orders/{orderId}/cancel (storefront API key, channel-scoped; `Idempotency-Key` header required; body
 * CancelOrderRequest: reason, note?, lines?). Thin seam over requestCancellation
 * (workflow/services/cancel-requests.ts):
 * 200 CANCELLED (done now: stock released, refund requested) · 202 CANCELLATION_REQUESTED (the supplier was
 * asked; the outcome arrives as CancellationAccepted / CancellationRejected) · 409 NOT_CANCELLABLE with the
 * reason and a pointer to returns · 404 unknown order or another channel's · 400/422 naming the field ·
 * the same key and body again → the same answer (`Idempotent-Replayed` is not tracked); the same key with
 * another body → 409.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels } from '../core/runtime/channels';
import { channelFromApiKey, httpHandler, json, parseJsonBody, requireHeader, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { CancelOrderRequest, type CancellationOutcome } from '../core/orders/schemas/cancellation';
import { cancellationDeps, requestCancellation } from '../core/workflow/services/cancel-requests';
import { orderIdParameter } from '../ops/common';

const channels = loadChannels();
const deps = cancellationDeps();

/** Idempotency-Key: 1-255 printable ASCII characters (a UUID is typical), as for POST /orders. */
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

/** Where shipped goods go instead (the returns route). */
export function returnsPointer(orderId: string): { readonly method: 'POST'; readonly path: string } {
  return { method: 'POST', path: `/orders/${orderId}/returns` };
}

export function statusCodeOf(outcome: CancellationOutcome): number {
  return outcome.status === 'CANCELLED' ? 200 : outcome.status === 'CANCELLATION_REQUESTED' ? 202 : 409;
}

export async function cancelOrderHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const channel = channelFromApiKey(event, channels);
  logger.appendKeys({ channelId: channel.channelId });
  const orderId = orderIdParameter(event);
  const requestId = requireHeader(event, 'Idempotency-Key', { pattern: IDEMPOTENCY_KEY, description: 'must be 1-255 printable ASCII characters without spaces' });
  const request = validate(CancelOrderRequest, parseJsonBody(event));
  const outcome = await requestCancellation(deps, {
    channelId: channel.channelId,
    orderId,
    requestId,
    source: 'api',
    reason: request.reason,
    note: request.note,
    lines: request.lines,
  });
  metrics.addMetric(`Cancellation${outcome.status}`, MetricUnit.Count, 1);
  const status = statusCodeOf(outcome);
  if (status === 409) {
    return json(409, { error: 'NOT_CANCELLABLE', message: outcome.message ?? 'The order cannot be cancelled', ...outcome, returns: returnsPointer(orderId) });
  }
  return json(status, outcome);
}

export const handler = httpHandler(cancelOrderHandler);

/**
 * Shared by the ops API handlers (not a Lambda entry): the operator check and the order id path
 * parameter. The ops API is its own REST API with one key (API Gateway refuses storefront keys);
 * as defence in depth the handlers also require the caller's key id to be OPS_API_KEY_ID.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { requireEnv } from '../core/runtime/config';
import { isOrderId } from '../core/kernel/order-id';
import { BadRequestError, ForbiddenError } from '../core/kernel/errors';

export function loadOpsKeyId(env: NodeJS.ProcessEnv = process.env): string {
  return requireEnv('OPS_API_KEY_ID', env);
}

export function requireOperator(event: Pick<APIGatewayProxyEvent, 'requestContext'>, opsKeyId: string): void {
  if (event.requestContext?.identity?.apiKeyId !== opsKeyId) {
    throw new ForbiddenError('Not an operator key', { issues: [{ path: 'headers.x-api-key', message: 'is not the ops API key' }] });
  }
}

export function orderIdParameter(event: Pick<APIGatewayProxyEvent, 'pathParameters'>): string {
  const orderId = event.pathParameters?.orderId ?? '';
  if (!isOrderId(orderId)) {
    throw new BadRequestError('Invalid order id', { issues: [{ path: 'pathParameters.orderId', message: 'must look like ord_ followed by 26 characters' }] });
  }
  return orderId;
}

/** An optional JSON body: absent or empty is `{}`. */
export function hasBody(event: Pick<APIGatewayProxyEvent, 'body'>): boolean {
  return event.body !== null && event.body !== undefined && event.body.trim() !== '';
}

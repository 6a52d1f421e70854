/**
 * Shared by the ops API handlers (not a Lambda entry): the operator's identity, the order id path
 * parameter and the optional JSON body. The ops API authorizes every route with IAM (SigV4): API Gateway
 * refuses an unsigned or badly signed request and one whose caller lacks execute-api:Invoke (the
 * OperatorPolicy) before any Lambda runs. As defence in depth the handlers also refuse an event without an
 * IAM caller (403), and record the caller's ARN as `actorId` on every action (timeline and logs; not PII).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { isOrderId } from '../core/kernel/order-id';
import { BadRequestError, ForbiddenError } from '../core/kernel/errors';
import { logger } from '../core/runtime/observability';
import { parseJsonBody } from '../core/runtime/http';

/** Who called: the IAM principal API Gateway authenticated. */
export interface OperatorIdentity {
  /** The caller's ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`, or an IAM user ARN). */
  readonly actorId: string;
  readonly caller?: string | undefined;
  readonly accessKey?: string | undefined;
}

const ARN = /^arn:aws[a-z-]*:(?:sts|iam)::\d{12}:[\x21-\x7e]{1,512}$/;

/** The operator's IAM identity from `requestContext.identity`; no IAM caller → 403 (defence in depth). */
export function requireOperator(event: Pick<APIGatewayProxyEvent, 'requestContext'>): OperatorIdentity {
  const identity = event.requestContext?.identity;
  const userArn = identity?.userArn ?? '';
  if (!ARN.test(userArn)) {
    throw new ForbiddenError('Not an IAM-authenticated operator', {
      issues: [{ path: 'headers.authorization', message: 'sign the request with AWS Signature Version 4 (credentials with the OperatorPolicy)' }],
    });
  }
  const operator = { actorId: userArn, caller: identity?.caller ?? undefined, accessKey: identity?.accessKey ?? undefined };
  logger.appendKeys({ actorId: operator.actorId });
  return operator;
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

/** The JSON body when there is one, else `{}` (for actions whose body is optional). */
export function optionalJsonBody(event: APIGatewayProxyEvent): unknown {
  return hasBody(event) ? parseJsonBody(event) : {};
}

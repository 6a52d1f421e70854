/**
 * Returns for operators (IAM-authorized; the caller's ARN is the timeline's actorId), one Lambda:
 *   GET  /ops/returns?status=&supplier=&olderThanMinutes=&limit=&cursor=  returns across orders, newest change
 *        first, `{ items, nextCursor? }` (status: a return status or UNANSWERED; a forged cursor is a 400)
 *   POST /ops/returns/{returnId}/authorize `{ rma?, instructions?, note? }` authorize on the supplier's behalf:
 *        200 `{ returnId, orderId, status, rma, changed }`; 404 unknown return; 409 the return is past REQUESTED
 *        without an authorization (rejected). Thin seam over returns/services/authorize-return.ts.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { BadRequestError } from '../core/kernel/errors';
import { httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { RETURN_ID_PATTERN } from '../core/returns/domain/returns';
import { AuthorizeReturnRequest } from '../core/returns/schemas/returns';
import { authorizeReturn } from '../core/returns/services/authorize-return';
import { returnsDeps } from '../core/returns/services/runtime';
import { actingAs } from '../core/ops/actor-context';
import { ReturnsQuery } from '../core/ops/schemas/returns';
import { listReturnsForOperators } from '../core/ops/services/list-returns';
import { hasBody, requireOperator } from './common';

const deps = returnsDeps();

export function returnIdParameter(event: Pick<APIGatewayProxyEvent, 'pathParameters'>): string {
  const returnId = event.pathParameters?.returnId ?? '';
  if (!RETURN_ID_PATTERN.test(returnId)) {
    throw new BadRequestError('Invalid return id', { issues: [{ path: 'pathParameters.returnId', message: 'must be a returnId (ret_...) from POST /orders/{orderId}/returns' }] });
  }
  return returnId;
}

export async function opsReturnsHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const operator = requireOperator(event);
  if (event.httpMethod === 'GET') {
    const query = validate(ReturnsQuery, event.queryStringParameters ?? {}, 'Query string is invalid');
    const page = await listReturnsForOperators(deps, query);
    metrics.addMetric('ReturnsListed', MetricUnit.Count, page.items.length);
    return json(200, page);
  }
  const returnId = returnIdParameter(event);
  logger.appendKeys({ returnId });
  const request = hasBody(event) ? validate(AuthorizeReturnRequest, parseJsonBody(event)) : {};
  const result = await actingAs(operator.actorId, () => authorizeReturn(deps, { returnId, request, actor: 'operator' }));
  if (result.changed) metrics.addMetric('ReturnAuthorizedByOperator', MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(opsReturnsHandler);

/**
 * Returns for operators (IAM-authorized; the caller's ARN is the timeline's actorId), one Lambda:
 *   GET  /ops/returns?status=&supplier=&olderThanMinutes=&limit=&cursor=  returns across orders, newest change
 *        first, `{ items, nextCursor? }` (status: a return status or UNANSWERED; a forged cursor is a 400)
 *   POST /ops/returns/{returnId}/authorize `{ rma?, instructions?, note? }` authorize on the supplier's behalf:
 *        200 `{ returnId, orderId, status, rma, changed }`; 404 unknown return; 409 the return is past REQUESTED
 *        without an authorization (rejected). Thin seam over returns/services/authorize-return.ts.
 *
 * POST /ops/returns/{returnId}/receive `{ lines: [{ lineNo, condition }] }`: the return parcel arrived (a return sent to
 * the retailer's own address, or a supplier that confirmed outside its channel): RETURN_RECEIVED applied on the
 * supplier's behalf (returns/services/receive-return.ts), timeline naming the operator. 200 `{ returnId, orderId,
 * status, changed }`; 404; 409 not AUTHORIZED / IN_TRANSIT; 422 lines that do not match the return.
 *
 * POST /ops/returns/{returnId}/close `{ note }`: a refund return's refund settled outside the storefront (after
 * RETURN_REFUND_UNCONFIRMED): REFUND_REQUESTED → CLOSED, audited with the operator's actorId
 * (returns/services/close-return.ts). 200 CloseReturnResponse; 404; 409 not REFUND_REQUESTED.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { AuthorizeReturnRequest, CloseReturnRequest, ReceiveReturnRequest, returnIdParameter } from '../core/returns/schemas/returns';
import { closeReturn } from '../core/returns/services/close-return';
import { receiveReturn } from '../core/returns/services/receive-return';
import { authorizeReturn } from '../core/returns/services/authorize-return';
import { returnsDeps } from '../core/returns/services/runtime';
import { actingAs } from '../core/ops/actor-context';
import { ReturnsQuery } from '../core/ops/schemas/returns';
import { listReturnsForOperators } from '../core/ops/services/list-returns';
import { hasBody, requireOperator } from './common';

const deps = returnsDeps();

export { returnIdParameter };

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
  if ((event.resource ?? event.path ?? '').endsWith('/receive')) {
    const request = validate(ReceiveReturnRequest, hasBody(event) ? parseJsonBody(event) : {});
    const received = await actingAs(operator.actorId, () => receiveReturn({ ...deps, returns: deps.config, metrics }, { returnId, request }));
    if (received.changed) metrics.addMetric('ReturnReceivedByOperator', MetricUnit.Count, 1);
    return json(200, received);
  }
  if ((event.resource ?? event.path ?? '').endsWith('/close')) {
    const { note } = validate(CloseReturnRequest, hasBody(event) ? parseJsonBody(event) : {});
    const closed = await actingAs(operator.actorId, () => closeReturn(deps, { returnId, by: 'operator', note }));
    if (closed.changed) metrics.addMetric('ReturnClosedByOperator', MetricUnit.Count, 1);
    return json(200, closed);
  }
  const request = hasBody(event) ? validate(AuthorizeReturnRequest, parseJsonBody(event)) : {};
  const result = await actingAs(operator.actorId, () => authorizeReturn(deps, { returnId, request, actor: 'operator' }));
  if (result.changed) metrics.addMetric('ReturnAuthorizedByOperator', MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(opsReturnsHandler);

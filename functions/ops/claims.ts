/**
 * GET /ops/claims?limit= (open carrier claims, nearest filing deadline first) and
 * POST /ops/claims/{claimId}/close `{ outcome, note? }` (operators; audited on the order's timeline).
 * 200 ClaimsResponse / CarrierClaimView; 404 unknown claim; 409 closed with another outcome.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { systemClock } from '../core/kernel/clock';
import { BadRequestError } from '../core/kernel/errors';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { ClaimsQuery, CloseClaimRequest } from '../core/deliveries/schemas/ops';
import { CLAIM_ID_PATTERN, closeClaim, listOpenClaims, type ClaimDeps } from '../core/deliveries/services/claims';
import { loadOpsKeyId, requireOperator } from '../api/ops-common';

const opsKeyId = loadOpsKeyId();
const deps: ClaimDeps = { store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') }, now: systemClock };

export async function claimsHandler(event: APIGatewayProxyEvent, claimDeps: ClaimDeps = deps): Promise<APIGatewayProxyResult> {
  requireOperator(event, opsKeyId);
  if (event.httpMethod === 'GET') {
    const query = validate(ClaimsQuery, event.queryStringParameters ?? {}, 'Query string is invalid');
    return json(200, await listOpenClaims(claimDeps.store, query));
  }
  const claimId = event.pathParameters?.claimId ?? '';
  if (!CLAIM_ID_PATTERN.test(claimId)) throw new BadRequestError('Invalid claim id', { issues: [{ path: 'pathParameters.claimId', message: 'must look like clm_ followed by the fulfillment id' }] });
  logger.appendKeys({ claimId });
  const request = validate(CloseClaimRequest, parseJsonBody(event));
  const closed = await closeClaim(claimDeps, { ...request, claimId, actor: 'operator' });
  metrics.addMetric('CarrierClaimClosed', MetricUnit.Count, 1);
  return json(200, closed);
}

export const handler = httpHandler((event: APIGatewayProxyEvent) => claimsHandler(event));

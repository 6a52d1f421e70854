/**
 * GET /ops/suppliers/{supplierId}/scorecard (operators): rolling 30 / 90 day figures from the daily
 * aggregates (one Query), and whether routing currently demotes the supplier. 404 unknown supplier.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { systemClock } from '../core/kernel/clock';
import { BadRequestError } from '../core/kernel/errors';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { httpHandler, json } from '../core/runtime/http';
import { logger } from '../core/runtime/observability';
import { demotionFromEnv, supplierScorecard, type ScorecardDeps } from '../core/scorecards/services/scorecards';
import { loadOpsKeyId, requireOperator } from '../api/ops-common';

const opsKeyId = loadOpsKeyId();
const deps: ScorecardDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  logger,
  demotion: demotionFromEnv(),
};

export async function scorecardHandler(event: APIGatewayProxyEvent, scorecardDeps: ScorecardDeps = deps): Promise<APIGatewayProxyResult> {
  requireOperator(event, opsKeyId);
  const supplierId = event.pathParameters?.supplierId ?? '';
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(supplierId)) throw new BadRequestError('Invalid supplier id', { issues: [{ path: 'pathParameters.supplierId', message: 'must be a supplier id' }] });
  return json(200, await supplierScorecard(scorecardDeps, supplierId));
}

export const handler = httpHandler((event: APIGatewayProxyEvent) => scorecardHandler(event));

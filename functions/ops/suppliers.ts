/**
 * GET /ops/suppliers (IAM): `[{ supplierId, name, status, paused, pausedSince?, feed: { lastFeedAt, stale }, stockAlerts }]`.
 * POST /ops/suppliers/{supplierId}/pause | resume `{ note? }`: routing skips a paused supplier (nothing in
 * flight is lost); SupplierPaused / SupplierResumed on the bus with the operator's id. 200
 * `{ supplierId, paused, changed }`, 404 unknown supplier.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { systemClock } from '../core/kernel/clock';
import { BadRequestError } from '../core/kernel/errors';
import { PauseRequest } from '../core/ops/schemas/act';
import { listSuppliers, setSupplierPaused } from '../core/ops/services/suppliers';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { httpHandler, json, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { optionalJsonBody, requireOperator } from './common';

const deps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  // Set by the stack (may be empty: a stage without suppliers).
  supplierIds: (process.env['OPS_SUPPLIER_IDS'] ?? '').split(',').filter((s) => s !== ''),
};

export async function opsSuppliersHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const operator = requireOperator(event);
  if (event.httpMethod === 'GET') return json(200, await listSuppliers(deps));
  const supplierId = event.pathParameters?.supplierId ?? '';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(supplierId)) throw new BadRequestError('Invalid supplier id', { issues: [{ path: 'pathParameters.supplierId', message: 'must be a supplier id (lower-case letters, digits, -)' }] });
  const action = (event.resource ?? '').split('/').pop();
  if (action !== 'pause' && action !== 'resume') throw new BadRequestError('Unknown action', { issues: [{ path: 'path', message: 'pause or resume' }] });
  const request = validate(PauseRequest, optionalJsonBody(event));
  const result = await setSupplierPaused(deps, { supplierId, paused: action === 'pause', actorId: operator.actorId, note: request.note });
  logger.info('Operator action done', { supplierId, action, actorId: operator.actorId, changed: result.changed });
  metrics.addMetric(`OpsSupplier_${action}`, MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(opsSuppliersHandler);

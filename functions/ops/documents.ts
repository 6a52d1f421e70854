/**
 * GET /ops/orders/{orderId}/documents/{documentId} (IAM): a document's bytes (packing slip PDF, purchase
 * order or cancellation file), base64 with its media type (the ops API's binary media types: API Gateway
 * sends bytes when the request's Accept names the type, e.g. `Accept: application/pdf`). 400 bad document id,
 * 404 none, 409 too large for the API.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { readDocument } from '../core/ops/services/documents';
import { getDocumentClient, getS3Client } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { httpHandler } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { orderIdParameter, requireOperator } from './common';

const deps = { store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') }, s3: getS3Client(), bucket: requireEnv('FILES_BUCKET') };

export async function opsDocumentHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  requireOperator(event);
  const orderId = orderIdParameter(event);
  const documentId = event.pathParameters?.documentId ?? '';
  logger.appendKeys({ orderId });
  const doc = await readDocument(deps, orderId, documentId);
  metrics.addMetric('DocumentServed', MetricUnit.Count, 1);
  const name = doc.key.split('/').pop() ?? documentId;
  return {
    statusCode: 200,
    headers: { 'Content-Type': doc.contentType, 'Content-Disposition': `inline; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`, 'Cache-Control': 'no-store' },
    body: doc.bytes.toString('base64'),
    isBase64Encoded: true,
  };
}

export const handler = httpHandler(opsDocumentHandler);

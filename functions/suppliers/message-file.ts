/**
 * Tracking and acknowledgement files dropped in a supplier's inbox: S3 ObjectCreated notifications
 * for `suppliers/{id}/inbox/tracking/` and `suppliers/{id}/inbox/acknowledgements/` (asynchronous
 * invoke). Each record is one file; services/message-files.ts turns its rows into the supplier's
 * inbound SQS messages and writes the rejected-row report.
 *
 * A record that fails unexpectedly fails the invocation after the others were processed (Lambda's
 * asynchronous retries run the event again: files already applied are skipped as replays).
 * Environment: TABLE_NAME, FILES_BUCKET, SUPPLIER_FILES, SUPPLIER_QUEUES.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { logger, metrics, tracer } from '../core/runtime/observability';
import { getSqsClient } from '../core/runtime/aws-clients';
import { fileMetrics, getS3Client, loadSupplierFiles } from '../core/suppliers/services/file-reports';
import { handleMessageFileEvent, type MessageFileDeps } from '../core/suppliers/services/message-files';
import { loadSupplierDirectory } from '../core/suppliers/services/supplier-outbound';

function buildDeps(): MessageFileDeps {
  return {
    store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
    s3: getS3Client(),
    sqs: getSqsClient(),
    bucket: requireEnv('FILES_BUCKET'),
    suppliers: loadSupplierDirectory(),
    supplierFiles: loadSupplierFiles(),
    now: () => new Date(),
    logger,
    metrics: fileMetrics(metrics),
  };
}

// Built once per container: a missing variable fails the cold start, not the tenth file.
const deps = buildDeps();

export const handler = middy(async (event: unknown, _context: Context) => {
  await handleMessageFileEvent(event, deps);
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(captureLambdaHandler(tracer, { captureResponse: false }));

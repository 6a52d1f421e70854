/**
 * Tracking and acknowledgement files dropped in a supplier's inbox: S3 ObjectCreated notifications
 * for `suppliers/{id}/inbox/tracking/` and `suppliers/{id}/inbox/acknowledgements/` (asynchronous
 * invoke). Each record is one file; suppliers/services/message-files.ts turns its rows into the supplier's
 * inbound SQS messages and writes the rejected-row report.
 *
 * A record that fails unexpectedly fails the invocation after the others were processed (Lambda's
 * asynchronous retries run the event again: files already applied are skipped as replays).
 * Environment: TABLE_NAME, FILES_BUCKET, SUPPLIER_FILES, SUPPLIER_QUEUES.
 */
import { systemClock } from '../core/kernel/clock';
import { withPowertools } from '../core/runtime/powertools';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { getDocumentClient, getS3Client, getSqsClient } from '../core/runtime/clients';
import { fileMetrics, loadSupplierFiles } from '../core/suppliers/services/file-reports';
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
    now: systemClock,
    logger,
    metrics: fileMetrics(metrics),
  };
}

// Built once per container: a missing variable fails the cold start, not the tenth file.
const deps = buildDeps();

export const handler = withPowertools(async (event: unknown, _context: Context) => {
  await handleMessageFileEvent(event, deps);
});

/**
 * Tracking, acknowledgement, cancellation-answer and returns files dropped in a supplier's inbox: S3
 * ObjectCreated notifications for `suppliers/{id}/inbox/{tracking,acknowledgements,cancellation-answers,returns}/`
 * (asynchronous invoke). Each record is one file; suppliers/services/message-files.ts turns its rows into the
 * supplier's inbound SQS messages (returns: applied in row order by the inbound consumer's own returns service,
 * supplier-files/services/return-files.ts) and writes the rejected-row report.
 *
 * A record that fails unexpectedly fails the invocation after the others were processed (Lambda's
 * asynchronous retries run the event again: files already applied are skipped as replays).
 * Environment: TABLE_NAME, FILES_BUCKET, SUPPLIER_FILES, SUPPLIER_QUEUES, RETURNS_CONFIG.
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
import { applyReturnMessage } from '../core/suppliers/services/return-messages';
import { loadReturnsConfig } from '../core/returns/schemas/returns';
import { outboundDeps, responderDeps } from '../core/workflow/services/runtime-deps';

function buildDeps(): MessageFileDeps {
  // Return answers go through the inbound consumer's service with the consumer's dependencies (functions/suppliers/inbound.ts).
  const returnDeps = { ...responderDeps(), ...outboundDeps(), metrics, returns: loadReturnsConfig() };
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
    applyReturn: (supplierId, message) => applyReturnMessage(returnDeps, supplierId, message),
  };
}

// Built once per container: a missing variable fails the cold start, not the tenth file.
const deps = buildDeps();

export const handler = withPowertools(async (event: unknown, _context: Context) => {
  await handleMessageFileEvent(event, deps);
});

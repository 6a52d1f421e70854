/**
 * The feed service's dependencies as the feed Lambdas build them once per container (inbox drops and
 * the scheduled pull refresh share them): a missing TABLE_NAME / FILES_BUCKET fails the cold start.
 */
import { systemClock } from '../core/kernel/clock';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { getS3Client } from '../core/runtime/clients';
import { fileMetrics } from '../core/suppliers/services/file-reports';
import type { FeedDeps } from '../core/inventory/services/feed-types';

export function feedDepsFromEnv(): FeedDeps {
  return {
    store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
    s3: getS3Client(),
    filesBucket: requireEnv('FILES_BUCKET'),
    now: systemClock,
    logger,
    metrics: fileMetrics(metrics),
  };
}

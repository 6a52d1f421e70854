/**
 * Inventory feed drop: S3 ObjectCreated on `suppliers/{supplierId}/inbox/inventory/` (CSV or JSON).
 *
 * Per object: decode the key ('+' = space), take the supplier from the path, check it server-side
 * (a configured supplier, not written by ANOTHER supplier's access role → else REFUSED, no report in
 * the owner's outbox, `SupplierFilesRefused` alarm metric, SupplierFileRefused event), then apply it
 * with the feed service (claim by key + ETag: a replayed event changes nothing). Objects are handled
 * one after the other; a failure a retry can fix is rethrown after the others (Lambda's async retry
 * then replays the event: the finished objects are recognized and skipped).
 */
import { withPowertools } from '../core/runtime/powertools';
import { logger } from '../core/runtime/observability';
import {
  checkInboxOwnership,
  headEtag,
  inboxObjectsOf,
  loadSupplierFiles,
  openObject,
  parseInboxKey,
  refuseFile,
  type InboxObject,
  type SupplierFilesDirectory,
} from '../core/suppliers/services/file-reports';
import { feedDepsFromEnv } from './feed-deps';
import { applyFeedFile } from '../core/inventory/services/inventory-feed';
import { type FeedDeps, type FeedFileStatus } from '../core/inventory/services/feed-types';

const deps: FeedDeps = feedDepsFromEnv();
const directory: SupplierFilesDirectory = loadSupplierFiles();

export type FeedObjectOutcome = FeedFileStatus | 'IGNORED';

/** One inbox object: checks, then the feed service. */
export async function processFeedObject(object: InboxObject, feed: FeedDeps = deps, suppliers: SupplierFilesDirectory = directory): Promise<FeedObjectOutcome> {
  const inbox = parseInboxKey(object.key);
  if (inbox === undefined || inbox.kind !== 'INVENTORY') {
    feed.logger.warn('Not an inventory inbox object: ignored', { key: object.key });
    return 'IGNORED';
  }
  if (object.size === 0 && object.key.endsWith('/')) return 'IGNORED';
  const etag = object.etag ?? (await headEtag(feed.s3, object.bucket, object.key));
  const ref = { supplierId: inbox.supplierId, kind: inbox.kind, bucket: object.bucket, objectKey: object.key, etag };
  const check = checkInboxOwnership(suppliers, inbox.supplierId, object.principalId);
  if (!check.ok) {
    await refuseFile(feed, ref, check);
    return 'REFUSED';
  }
  const result = await applyFeedFile(feed, {
    bucket: object.bucket,
    key: object.key,
    etag,
    supplierId: inbox.supplierId,
    body: () => openObject(feed.s3, object.bucket, object.key, etag),
    objectTime: object.eventTime,
    // One line per 10,000 rows: operators see a long import moving (and `npm run drop` draws its bar from it).
    onProgress: (rowsSoFar, phase) => {
      if (rowsSoFar > 0 && rowsSoFar % 10_000 === 0) feed.logger.info('Feed progress', { key: object.key, rowsSoFar, phase });
    },
  });
  return result.status;
}

export async function processFeedEvent(event: unknown): Promise<{ readonly outcomes: FeedObjectOutcome[] }> {
  const objects = inboxObjectsOf(event);
  const outcomes: FeedObjectOutcome[] = [];
  const failures: unknown[] = [];
  for (const object of objects) {
    try {
      outcomes.push(await processFeedObject(object));
    } catch (error) {
      logger.error('Feed file failed (retried)', { key: object.key, error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} feed files failed`);
  return { outcomes };
}

export const handler = withPowertools((event: unknown) => processFeedEvent(event));

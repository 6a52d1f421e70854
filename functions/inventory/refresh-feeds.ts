/**
 * Scheduled refresh of pull sources (EventBridge schedule; the event's content is ignored).
 *
 * INVENTORY_PULL = JSON `[{ "supplierId", "bucket", "key" }]`: an S3 location each supplier publishes
 * its feed to. Per source: HeadObject → the ETag and LastModified (the feed's as-of, issue 13: a
 * published file older than the newest feed applied is SUPERSEDED); the same key + ETag already recorded (applied,
 * quarantined, refused, or being processed) → skipped without reading it; otherwise the object is
 * applied with the feed service (same rules, report and record as an inbox drop). One failing source
 * does not stop the others; failures are rethrown at the end (the schedule's retry replays: the
 * finished sources are skipped).
 */
import { withPowertools } from '../core/runtime/powertools';
import * as z from 'zod';
import { jsonEnv } from '../core/runtime/config';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { openObject } from '../core/suppliers/services/file-reports';
import { feedDepsFromEnv } from './feed-deps';
import { applyFeedFile } from '../core/inventory/services/inventory-feed';
import { type FeedDeps, type FeedFileStatus } from '../core/inventory/services/feed-types';
import { FILE_LEASE_MINUTES, getFileRecord, normalizeEtag } from '../core/suppliers/store/supplier-files';

export const PullSource = z.object({ supplierId: z.string().min(1), bucket: z.string().min(1), key: z.string().min(1) });
export type PullSource = z.output<typeof PullSource>;

const deps: FeedDeps = feedDepsFromEnv();
const sources: readonly PullSource[] =
  process.env['INVENTORY_PULL'] === undefined || process.env['INVENTORY_PULL'] === '' ? [] : jsonEnv('INVENTORY_PULL', (v) => z.array(PullSource).parse(v));

export type PullOutcome = FeedFileStatus | 'UNCHANGED';

/** One pull source: skip what was already recorded for this ETag, else apply it. */
export async function refreshSource(source: PullSource, feed: FeedDeps = deps): Promise<PullOutcome> {
  const head = await feed.s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: source.key }));
  if (head.ETag === undefined) throw new Error(`HeadObject returned no ETag for ${source.key}`);
  const etag = normalizeEtag(head.ETag);
  const ref = { supplierId: source.supplierId, kind: 'INVENTORY' as const, bucket: source.bucket, objectKey: source.key, etag };
  const existing = await getFileRecord(feed.store, ref);
  const leaseExpired = existing?.status === 'PROCESSING' && Date.parse(existing.startedAt) < feed.now().getTime() - FILE_LEASE_MINUTES * 60_000;
  if (existing !== undefined && existing.status !== 'FAILED' && !leaseExpired) {
    feed.logger.debug('Pull source unchanged since its last run', { supplierId: source.supplierId, key: source.key, status: existing.status });
    return 'UNCHANGED';
  }
  const result = await applyFeedFile(feed, {
    bucket: source.bucket,
    key: source.key,
    etag,
    supplierId: source.supplierId,
    source: 'pull',
    // The supplier's as-of of this truth: when the object was stored, never when it is read.
    asOf: head.LastModified?.toISOString(),
    body: () => openObject(feed.s3, source.bucket, source.key, etag),
  });
  return result.status;
}

export async function refreshFeeds(pulls: readonly PullSource[] = sources, feed: FeedDeps = deps): Promise<{ readonly outcomes: Record<string, PullOutcome> }> {
  const outcomes: Record<string, PullOutcome> = {};
  const failures: unknown[] = [];
  for (const source of pulls) {
    try {
      outcomes[`${source.supplierId}:${source.key}`] = await refreshSource(source, feed);
    } catch (error) {
      feed.logger.error('Pull refresh failed', { supplierId: source.supplierId, key: source.key, error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} pull sources failed`);
  return { outcomes };
}

export const handler = withPowertools(async () => refreshFeeds());

/** Inventory feed files: dependencies, inputs, results and limits shared by the feed service modules. */
import type { Clock } from '../../kernel/clock';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StoreContext } from '../../runtime/table/context';
import { type FileMetrics } from '../../suppliers/services/file-reports';
import type { TaskLogger } from '../../workflow/services/workflow-common';
import type { ApplyLockTuning } from './apply-lock';

// ------------------------------------------------------------------------------------------ deps & results

export interface FeedTuning extends ApplyLockTuning {
  /** Valid rows per apply chunk (default 1,000). */
  readonly chunkRows?: number;
  /** BatchWriteItem calls in flight (default 8). */
  readonly writeConcurrency?: number;
  /** Where the body is spooled (default os.tmpdir()). */
  readonly tmpDir?: string;
  /** Largest CSV accepted (default 512 MiB) and largest JSON feed (read whole; default 64 MiB). */
  readonly maxCsvBytes?: number;
  readonly maxJsonBytes?: number;
}

export interface InventoryDeps {
  readonly store: StoreContext;
  readonly now: Clock;
  readonly logger: TaskLogger;
  readonly metrics: FileMetrics;
  readonly tuning?: FeedTuning | undefined;
}

export interface FeedDeps extends InventoryDeps {
  readonly s3: S3Client;
  /** The supplier files bucket (reports, quarantine copies): FILES_BUCKET. */
  readonly filesBucket: string;
}

/** The body once, or a way to open it (called at most once, after the claim: a replay never reads it). */
export type FeedBody = Readable | (() => Readable | Promise<Readable>);

export interface FeedFileInput {
  readonly bucket: string;
  /** Decoded S3 key. */
  readonly key: string;
  readonly etag: string;
  readonly supplierId: string;
  readonly body: FeedBody;
  /** Default: `.json` keys are JSON, anything else CSV. */
  readonly format?: 'csv' | 'json' | undefined;
  /** `file` (inbox drop, default) or `pull` (scheduled refresh): recorded on the SupplierFeedApplied event. */
  readonly source?: 'file' | 'pull' | undefined;
  /**
   * When S3 stored the object (inbox drops: the event time). A file older than the supplier's last
   * applied inbox feed is SUPERSEDED (not applied): a late delivery or retry never brings older stock back.
   */
  readonly objectTime?: string | undefined;
  /**
   * The supplier's as-of of the file's truth (issue 13; a pull source: the object's LastModified).
   * Default: `objectTime`, else the time the file is received. A file not newer than the newest feed
   * applied is SUPERSEDED whole (domain/as-of.ts).
   */
  readonly asOf?: string | undefined;
  /** Rows read so far, per pass (validate, then apply); for the local CLI's progress bar. */
  readonly onProgress?: ((rowsSoFar: number, phase: 'validate' | 'apply') => void) | undefined;
}

export interface FeedCounts {
  /** Data rows read (header and blank lines excluded). */
  readonly rows: number;
  /** Rows that changed at least one offer (written), rows whose offers already said the same. */
  readonly written: number;
  readonly unchanged: number;
  readonly rejected: number;
  /** Distinct supplier SKUs no offer maps (warnings, never errors). */
  readonly unmapped: number;
  /** Rows superseded by a later row of the same supplier SKU. */
  readonly duplicates: number;
  /** Offers that went below what is reserved in this feed. */
  readonly shortfalls: number;
  /** Rows whose offers already hold a newer truth (a partial INVENTORY_UPDATE newer than this file): skipped. */
  readonly stale: number;
}

export type FeedFileStatus = 'APPLIED' | 'QUARANTINED' | 'REFUSED' | 'ALREADY_PROCESSED' | 'IN_PROGRESS' | 'SUPERSEDED';

export interface FeedFileResult extends FeedCounts {
  readonly status: FeedFileStatus;
  readonly reason?: string | undefined;
  readonly reportKey?: string | undefined;
  readonly quarantineKey?: string | undefined;
}

/** The file cannot be read as a feed at all (not CSV / JSON, empty, too large): quarantined whole. */
export class FeedFormatError extends Error {
  override readonly name = 'FeedFormatError';
}

export const ZERO: FeedCounts = { rows: 0, written: 0, unchanged: 0, rejected: 0, unmapped: 0, duplicates: 0, shortfalls: 0, stale: 0 };
export const MAX_SHORTFALL_DETAILS = 50;
export const MAX_FINISH_ATTEMPTS = 4;
/** Apply chunks being written at once (each with its own BatchWriteItem pool). */
export const CHUNKS_IN_FLIGHT = 2;

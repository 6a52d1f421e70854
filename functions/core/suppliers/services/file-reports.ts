/**
 * Supplier files, the parts every file handler shares (inventory feeds, tracking and acknowledgement
 * files):
 *
 * - S3 layout: inbox keys (`suppliers/{id}/inbox/{folder}/<name>`) → supplier + kind, report and
 *   quarantine keys, S3 event key decoding ('+' = space);
 * - who may drop a file: SUPPLIER_FILES (`[{ supplierId, channel, roleId? }]`) and the server-side
 *   check (unknown supplier, or the object written by ANOTHER supplier's access role → REFUSED);
 * - the rejected-row report (JSON + CSV twin, format in inventory/domain/file-report.ts) written to the
 *   supplier's outbox, and the copy of a quarantined file to `quarantine/`;
 * - refuseFile: record REFUSED + SupplierFileRefused event + `SupplierFilesRefused` metric.
 *
 * The S3 client is injected (runtime/clients.ts getS3Client() builds the traced one once per container).
 */
import type { Clock } from '../../kernel/clock';
import { Readable } from 'node:stream';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { jsonEnv } from '../../runtime/config';
import { fileReportCsv, type FileReport } from '../../inventory/domain/file-report';
import { SupplierFilesConfig, type SupplierFilesEntry } from '../schemas/supplier-files';
import type { SupplierFileKind } from '../domain/supplier';
import type { TypedSupplierEvent } from '../../events/schemas/domain-events';
import type { StoreContext } from '../../runtime/table/context';
import { supplierEventItems } from '../../inventory/store/inventory';
import { claimFile, finishFile, normalizeEtag, type FileRef } from '../store/supplier-files';
import type { TaskLogger } from '../../workflow/services/workflow-common';

export { buildFileReport, fileReportCsv, hasSomethingToReport, ReportCollector, type FileReport } from '../../inventory/domain/file-report';
export { type FeedWarning, type RejectedRow } from '../../inventory/domain/feed-rows';

// ------------------------------------------------------------------------------------------ clients & metrics

/** Counts for the file handlers: aggregate (alarms) and, with a supplier, also per supplier (dimension supplierId). */
export interface FileMetrics {
  count(name: string, value: number, supplierId?: string): void;
}

export function fileMetrics(metrics: Metrics): FileMetrics {
  return {
    count(name, value, supplierId) {
      metrics.addMetric(name, MetricUnit.Count, value);
      if (supplierId !== undefined) {
        const single = metrics.singleMetric();
        single.addDimension('supplierId', supplierId);
        single.addMetric(name, MetricUnit.Count, value);
      }
    },
  };
}

// ------------------------------------------------------------------------------------------ S3 layout

/** Inbox folder per file kind. */
export const INBOX_FOLDERS: Readonly<Record<SupplierFileKind, string>> = {
  INVENTORY: 'inventory',
  TRACKING: 'tracking',
  ACKNOWLEDGEMENT: 'acknowledgements',
  RETURNS: 'returns',
};

const KIND_BY_FOLDER = new Map(Object.entries(INBOX_FOLDERS).map(([kind, folder]) => [folder, kind as SupplierFileKind]));

/** An S3 event notification's key: URL-encoded with '+' for spaces. */
export function decodeS3EventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key.replace(/\+/g, ' ');
  }
}

export interface InboxKey {
  readonly supplierId: string;
  readonly kind: SupplierFileKind;
  readonly folder: string;
  /** The part after the folder (may contain sub-folders). */
  readonly fileName: string;
}

/** `suppliers/{id}/inbox/{folder}/<name>` (decoded key) → its parts; undefined for anything else. */
export function parseInboxKey(key: string): InboxKey | undefined {
  const match = /^suppliers\/([^/]+)\/inbox\/([^/]+)\/(.+)$/.exec(key);
  if (match === null) return undefined;
  const [, supplierId, folder, fileName] = match as unknown as [string, string, string, string];
  const kind = KIND_BY_FOLDER.get(folder);
  if (kind === undefined || fileName.endsWith('/')) return undefined;
  return { supplierId, kind, folder, fileName };
}

/** File name of a key outside the inbox layout (a pull source): its last segment. */
export function fileNameOf(key: string): string {
  return parseInboxKey(key)?.fileName ?? key.split('/').filter((s) => s !== '').pop() ?? key;
}

export function reportKeys(supplierId: string, kind: SupplierFileKind, fileName: string, etag: string): { json: string; csv: string } {
  const base = `suppliers/${supplierId}/outbox/reports/${INBOX_FOLDERS[kind]}/${fileName}.${normalizeEtag(etag).slice(0, 8)}.report`;
  return { json: `${base}.json`, csv: `${base}.csv` };
}

export function quarantineKey(supplierId: string, kind: SupplierFileKind, fileName: string): string {
  return `quarantine/${supplierId}/${INBOX_FOLDERS[kind]}/${fileName}`;
}

/** Write the report (JSON + CSV twin) to the supplier's outbox; returns the JSON key. */
export async function writeFileReport(s3Client: S3Client, bucket: string, report: FileReport, fileName: string): Promise<string> {
  const keys = reportKeys(report.supplierId, report.kind, fileName, report.file.etag);
  await Promise.all([
    s3Client.send(new PutObjectCommand({ Bucket: bucket, Key: keys.json, Body: `${JSON.stringify(report, null, 2)}\n`, ContentType: 'application/json' })),
    s3Client.send(new PutObjectCommand({ Bucket: bucket, Key: keys.csv, Body: fileReportCsv(report), ContentType: 'text/csv; charset=utf-8' })),
  ]);
  return keys.json;
}

/** CopyObject's CopySource: bucket/key with the key URL-encoded per segment. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Copy a quarantined file to `quarantine/{supplierId}/{folder}/{name}` (operators only); returns the key. */
export async function quarantineFile(
  s3Client: S3Client,
  input: { readonly fromBucket: string; readonly fromKey: string; readonly toBucket: string; readonly supplierId: string; readonly kind: SupplierFileKind; readonly fileName: string },
): Promise<string> {
  const key = quarantineKey(input.supplierId, input.kind, input.fileName);
  await s3Client.send(new CopyObjectCommand({ Bucket: input.toBucket, Key: key, CopySource: copySource(input.fromBucket, input.fromKey) }));
  return key;
}

// ------------------------------------------------------------------------------------------ who may drop files

export class SupplierFilesDirectory {
  private readonly byId = new Map<string, SupplierFilesEntry>();
  private readonly byRole = new Map<string, SupplierFilesEntry>();

  constructor(readonly entries: readonly SupplierFilesEntry[]) {
    for (const entry of entries) {
      if (this.byId.has(entry.supplierId)) throw new Error(`Duplicate supplier ${entry.supplierId} in SUPPLIER_FILES`);
      this.byId.set(entry.supplierId, entry);
      if (entry.roleId !== undefined) this.byRole.set(entry.roleId, entry);
    }
  }

  bySupplierId(supplierId: string): SupplierFilesEntry | undefined {
    return this.byId.get(supplierId);
  }

  byRoleId(roleId: string): SupplierFilesEntry | undefined {
    return this.byRole.get(roleId);
  }
}

export function loadSupplierFiles(env: NodeJS.ProcessEnv = process.env): SupplierFilesDirectory {
  return jsonEnv('SUPPLIER_FILES', (value) => new SupplierFilesDirectory(SupplierFilesConfig.parse(value)), env);
}

/** `AWS:AROAEXAMPLE:session` / `AROAEXAMPLE:session` → `AROAEXAMPLE` (an assumed role's unique id), else undefined. */
export function roleIdOfPrincipal(principalId: string | undefined): string | undefined {
  if (principalId === undefined) return undefined;
  const id = principalId.replace(/^AWS:/, '').split(':')[0] ?? '';
  return /^AROA[A-Z0-9]+$/.test(id) ? id : undefined;
}

export type OwnershipCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'UNKNOWN_SUPPLIER' | 'FOREIGN_ROLE'; readonly message: string; readonly actorSupplierId?: string | undefined };

/**
 * Server-side check of an inbox object (the bucket policy is the first line): the prefix must be a
 * configured supplier, and an object written by ANOTHER supplier's access role is refused.
 */
export function checkInboxOwnership(directory: SupplierFilesDirectory, supplierId: string, principalId: string | undefined): OwnershipCheck {
  if (directory.bySupplierId(supplierId) === undefined) {
    return { ok: false, code: 'UNKNOWN_SUPPLIER', message: `supplier ${supplierId} is not configured (SUPPLIER_FILES)` };
  }
  const roleId = roleIdOfPrincipal(principalId);
  const actor = roleId === undefined ? undefined : directory.byRoleId(roleId);
  if (actor !== undefined && actor.supplierId !== supplierId) {
    return { ok: false, code: 'FOREIGN_ROLE', message: `written by the access role of supplier ${actor.supplierId}`, actorSupplierId: actor.supplierId };
  }
  return { ok: true };
}

export interface RefuseDeps {
  readonly store: StoreContext;
  readonly now: Clock;
  readonly logger: TaskLogger;
  readonly metrics: FileMetrics;
}

/**
 * Refuse a file: record REFUSED (once per key + ETag), a SupplierFileRefused event for a configured
 * supplier, the `SupplierFilesRefused` metric (alarm). No report is written to the owner's outbox.
 * Returns false when the file was already handled.
 */
export async function refuseFile(deps: RefuseDeps, ref: FileRef, check: Exclude<OwnershipCheck, { ok: true }>): Promise<boolean> {
  const now = deps.now();
  const claim = await claimFile(deps.store, ref, now);
  if (!claim.claimed) {
    deps.logger.info('Refused file already recorded', { supplierId: ref.supplierId, key: ref.objectKey, status: claim.existing?.status });
    return false;
  }
  const at = now.toISOString();
  const events: TypedSupplierEvent[] =
    check.code === 'FOREIGN_ROLE'
      ? [
          {
            supplierId: ref.supplierId,
            at,
            type: 'SupplierFileRefused',
            message: `A ${ref.kind.toLowerCase()} file in this supplier's inbox was refused: ${check.message}`,
            data: { bucket: ref.bucket, key: ref.objectKey, etag: normalizeEtag(ref.etag), code: check.code, actorSupplierId: check.actorSupplierId },
          },
        ]
      : [];
  await finishFile(deps.store, claim.record, { status: 'REFUSED', reason: `${check.code}: ${check.message}` }, now, supplierEventItems(deps.store, events));
  deps.metrics.count('SupplierFilesRefused', 1);
  deps.logger.warn('Supplier file refused', { supplierId: ref.supplierId, key: ref.objectKey, code: check.code, actorSupplierId: check.actorSupplierId });
  return true;
}

// ------------------------------------------------------------------------------------------ S3 events

/** The parts of an S3 ObjectCreated notification record the file handlers use. */
export const S3ObjectCreatedRecord = z.object({
  eventName: z.string().optional(),
  eventTime: z.string().optional(),
  userIdentity: z.object({ principalId: z.string() }).partial().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1), eTag: z.string().optional(), size: z.number().optional(), versionId: z.string().optional() }),
  }),
});
export const S3ObjectCreatedEvent = z.object({ Records: z.array(S3ObjectCreatedRecord) });

export interface InboxObject {
  readonly bucket: string;
  /** Decoded key ('+' → space, %xx decoded). */
  readonly key: string;
  /** Without quotes; absent in some test events (then read with HeadObject). */
  readonly etag?: string | undefined;
  readonly size?: number | undefined;
  readonly principalId?: string | undefined;
  /** When S3 stored the object (the record's eventTime, ISO). */
  readonly eventTime?: string | undefined;
}

/** The objects of an S3 event (throws a zod error for something that is not an S3 notification). */
export function inboxObjectsOf(event: unknown): InboxObject[] {
  return S3ObjectCreatedEvent.parse(event).Records.map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeS3EventKey(r.s3.object.key),
    ...(r.s3.object.eTag === undefined || normalizeEtag(r.s3.object.eTag) === '' ? {} : { etag: normalizeEtag(r.s3.object.eTag) }),
    ...(r.s3.object.size === undefined ? {} : { size: r.s3.object.size }),
    ...(r.userIdentity?.principalId === undefined ? {} : { principalId: r.userIdentity.principalId }),
    ...(r.eventTime === undefined || Number.isNaN(Date.parse(r.eventTime)) ? {} : { eventTime: new Date(r.eventTime).toISOString() }),
  }));
}

/** The object changed since the event announced it (S3 answered 412 to If-Match): the newer version has its own event. */
export class ObjectSuperseded extends Error {
  override readonly name = 'FeedObjectSuperseded';
}

/** The current ETag of an object (unquoted). */
export async function headEtag(s3Client: S3Client, bucket: string, key: string): Promise<string> {
  const head = await s3Client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  if (head.ETag === undefined) throw new Error(`HeadObject returned no ETag for ${key}`);
  return normalizeEtag(head.ETag);
}

/** GetObject as a Node stream, pinned to `etag` (If-Match) when given. */
export async function openObject(s3Client: S3Client, bucket: string, key: string, etag?: string): Promise<Readable> {
  try {
    const result = await s3Client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag === undefined ? {} : { IfMatch: `"${normalizeEtag(etag)}"` }) }));
    const body: unknown = result.Body;
    if (body instanceof Readable) return body;
    if (body instanceof Uint8Array || typeof body === 'string') return Readable.from([body]);
    throw new Error(`GetObject returned no readable body for ${key}`);
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (error instanceof Error && (error.name === 'PreconditionFailed' || status === 412)) throw new ObjectSuperseded(`${key} changed after the event`, { cause: error });
    throw error;
  }
}

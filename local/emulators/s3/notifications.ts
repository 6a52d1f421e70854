/**
 * S3 event notifications, delivered by the runtime itself: the local S3 store reports every committed
 * change (local/emulators/s3/s3.ts, no polling) and this module sends it where the template's notification
 * configurations say (local/template/buckets.ts):
 *
 * - Lambda targets: an asynchronous invoke with the event AWS sends (`{ Records: [ ... ] }`, eventVersion
 *   2.1, `s3.object.key` URL-encoded as S3 does: spaces as `+`, `/` kept), up to 2 retries after a
 *   function error (1 s, then 2 s; AWS waits about 1 and 2 minutes);
 * - SQS targets: the same event as the message body;
 * - EventBridge-enabled buckets: `Object Created` / `Object Deleted` events (source `aws.s3`) on the
 *   default bus, in EventBridge's S3 event shape.
 * Matching is S3's: event type (`s3:ObjectCreated:*`, `s3:ObjectCreated:Put`, ...), then the prefix and
 * suffix filter rules on the raw (decoded) key.
 *
 * `userIdentity.principalId` is derived from the access key id the upload was signed with (local/emulators/s3/s3.ts):
 * `supplier-<supplierId>` stands for that supplier's access role, so a file a supplier drops carries
 * `AWS:<its RoleId from SUPPLIER_FILES>:<supplierId>` as on AWS (an assumed-role session); any other key
 * gives `AWS:<access key id>` (`AWS:local` for the functions' own writes).
 */
import { createHash, randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sleep } from '../clock';
import type { BusEvent } from '../eventbridge/eventbridge';
import type { InvokeResult } from '../lambda/lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../template/local-ids';
import type { S3Change } from './s3';
import { notificationApplies, type BucketNotification, type BucketSpec } from '../../template/buckets';

/** The access key id convention of the local runtime for a supplier's own uploads. */
export const SUPPLIER_ACCESS_KEY_PREFIX = 'supplier-';

export function supplierAccessKeyId(supplierId: string): string {
  return `${SUPPLIER_ACCESS_KEY_PREFIX}${supplierId}`;
}

/**
 * An S3 key as S3 writes it into event notifications: URL-encoded like an HTML form (space -> `+`,
 * everything but `A-Z a-z 0-9 . - _ * /` percent-encoded as UTF-8). Decode with
 * `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeS3EventKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-_*/]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface S3EventRecord {
  readonly eventVersion: '2.1';
  readonly eventSource: 'aws:s3';
  readonly awsRegion: string;
  readonly eventTime: string;
  readonly eventName: string;
  readonly userIdentity: { readonly principalId: string };
  readonly requestParameters: { readonly sourceIPAddress: string };
  readonly responseElements: { readonly 'x-amz-request-id': string; readonly 'x-amz-id-2': string };
  readonly s3: {
    readonly s3SchemaVersion: '1.0';
    readonly configurationId: string;
    readonly bucket: { readonly name: string; readonly ownerIdentity: { readonly principalId: string }; readonly arn: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly sequencer: string };
  };
}

/** The local bucket owner's canonical id stand-in. */
const OWNER_ID = 'A3LOCALBUCKETOWNER';

export function s3EventRecord(change: S3Change, bucket: { name: string; arn: string }, configurationId: string, principalId: string): S3EventRecord {
  const created = change.eventName.startsWith('ObjectCreated:');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: LOCAL_REGION,
    eventTime: change.time.toISOString(),
    eventName: change.eventName,
    userIdentity: { principalId },
    requestParameters: { sourceIPAddress: change.sourceIp },
    responseElements: {
      'x-amz-request-id': change.requestId,
      'x-amz-id-2': createHash('sha256').update(change.requestId).digest('base64'),
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: { name: bucket.name, ownerIdentity: { principalId: OWNER_ID }, arn: bucket.arn },
      object: created
        ? { key: encodeS3EventKey(change.key), size: change.size, eTag: change.eTag, sequencer: change.sequencer }
        : { key: encodeS3EventKey(change.key), sequencer: change.sequencer },
    },
  };
}

/** The EventBridge event of an EventBridge-enabled bucket. */
export function s3BusEvent(change: S3Change, bucket: { name: string; arn: string }, principalId: string): BusEvent {
  const created = change.eventName.startsWith('ObjectCreated:');
  const reason = { 'ObjectCreated:Put': 'PutObject', 'ObjectCreated:Copy': 'CopyObject', 'ObjectCreated:CompleteMultipartUpload': 'CompleteMultipartUpload', 'ObjectRemoved:Delete': 'DeleteObject' }[change.eventName];
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': created ? 'Object Created' : 'Object Deleted',
    source: 'aws.s3',
    account: LOCAL_ACCOUNT,
    time: change.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [bucket.arn],
    detail: {
      version: '0',
      bucket: { name: bucket.name },
      object: created ? { key: change.key, size: change.size, etag: change.eTag, sequencer: change.sequencer } : { key: change.key, sequencer: change.sequencer },
      'request-id': change.requestId,
      requester: principalId.replace(/^AWS:/, ''),
      'source-ip-address': change.sourceIp,
      reason,
      ...(created ? {} : { 'deletion-type': 'Permanently Deleted' }),
    },
  };
}

export interface NotificationDelivery {
  readonly at: string;
  readonly bucket: string;
  readonly key: string;
  readonly eventName: string;
  readonly configurationId: string;
  readonly target: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly error?: string;
}

export interface S3NotificationsOptions {
  readonly buckets: readonly BucketSpec[];
  readonly invokeAsync: (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;
  readonly sqs?: SQSClient;
  /** EventBridge-enabled buckets publish here (bus name, event). */
  readonly publish?: (busName: string, event: BusEvent) => void;
  /** principalId for an access key id (see the module comment). @default `AWS:<accessKeyId>` */
  readonly principalFor?: (accessKeyId: string) => string;
  /** Delays before the retries of a failed Lambda delivery (ms). @default [1000, 2000] */
  readonly retryDelaysMs?: readonly number[];
  readonly log?: (line: string) => void;
  /** Log every delivery (not only failures). @default false */
  readonly verbose?: boolean;
}

/** Principal ids per access key id from SUPPLIER_FILES (`[{ supplierId, roleId? }]`). */
export function supplierPrincipals(supplierFiles: readonly { supplierId: string; roleId?: string }[]): (accessKeyId: string) => string {
  const roles = new Map(supplierFiles.filter((s) => s.roleId !== undefined).map((s) => [s.supplierId, s.roleId as string]));
  return (accessKeyId) => {
    if (accessKeyId.startsWith(SUPPLIER_ACCESS_KEY_PREFIX)) {
      const supplierId = accessKeyId.slice(SUPPLIER_ACCESS_KEY_PREFIX.length);
      const roleId = roles.get(supplierId);
      if (roleId !== undefined) return `AWS:${roleId}:${supplierId}`;
    }
    return `AWS:${accessKeyId}`;
  };
}

export class S3Notifications {
  private readonly byName: Map<string, BucketSpec>;
  private readonly controller = new AbortController();
  private readonly inflight = new Set<Promise<void>>();
  /** The last deliveries (newest last, at most 500). */
  readonly recent: NotificationDelivery[] = [];
  readonly stats = { changes: 0, deliveries: 0, failedDeliveries: 0, busEvents: 0 };
  readonly warnings: string[] = [];

  constructor(private readonly opts: S3NotificationsOptions) {
    this.byName = new Map(opts.buckets.map((b) => [b.name, b]));
    for (const b of opts.buckets) {
      for (const n of b.notifications) {
        if (n.target.kind === 'unsupported') this.warnings.push(`bucket ${b.logicalId}: notification target ${n.target.arn} is not emulated locally`);
      }
    }
  }

  /** The change hook (local/emulators/s3/s3.ts `onChange`). */
  handle(change: S3Change): void {
    const bucket = this.byName.get(change.bucket);
    if (bucket === undefined || this.controller.signal.aborted) return;
    this.stats.changes++;
    const principalId = (this.opts.principalFor ?? ((k: string) => `AWS:${k}`))(change.accessKeyId);
    for (const n of bucket.notifications) {
      if (!notificationApplies(n, change.eventName, change.key)) continue;
      this.track(this.deliver(bucket, n, change, principalId));
    }
    if (bucket.eventBridge && this.opts.publish !== undefined) {
      this.stats.busEvents++;
      this.opts.publish('default', s3BusEvent(change, bucket, principalId));
    }
  }

  /** Wait for the deliveries in flight (tests). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled([...this.inflight]);
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async deliver(bucket: BucketSpec, n: BucketNotification, change: S3Change, principalId: string): Promise<void> {
    const event = { Records: [s3EventRecord(change, bucket, n.id, principalId)] };
    const delays = this.opts.retryDelaysMs ?? [1000, 2000];
    const target = n.target.kind === 'lambda' ? n.target.functionLogicalId : n.target.kind === 'sqs' ? n.target.queueUrl : n.target.arn;
    let attempts = 0;
    let lastError: string | undefined;
    for (let attempt = 0; attempt <= delays.length && !this.controller.signal.aborted; attempt++) {
      attempts++;
      try {
        if (n.target.kind === 'lambda') {
          const result = await this.opts.invokeAsync(n.target.functionLogicalId, event);
          if (!result.ok) throw new Error(`${result.error.errorType}: ${result.error.errorMessage}`);
        } else if (n.target.kind === 'sqs') {
          if (this.opts.sqs === undefined) throw new Error('no local SQS');
          await this.opts.sqs.send(new SendMessageCommand({ QueueUrl: n.target.queueUrl, MessageBody: JSON.stringify(event) }));
        } else {
          return;
        }
        lastError = undefined;
        break;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        const delay = delays[attempt];
        if (delay !== undefined) await sleep(delay, this.controller.signal);
      }
    }
    const ok = lastError === undefined;
    if (ok) this.stats.deliveries++;
    else this.stats.failedDeliveries++;
    this.recent.push({
      at: new Date().toISOString(),
      bucket: bucket.name,
      key: change.key,
      eventName: change.eventName,
      configurationId: n.id,
      target,
      ok,
      attempts,
      ...(lastError === undefined ? {} : { error: lastError }),
    });
    if (this.recent.length > 500) this.recent.splice(0, this.recent.length - 500);
    if (!ok) this.opts.log?.(`  [s3] ${change.eventName} ${change.key} -> ${target} failed after ${attempts} attempt(s): ${lastError ?? ''}`);
    else if (this.opts.verbose === true) this.opts.log?.(`  [s3] ${change.eventName} ${change.key} -> ${target}`);
  }
}

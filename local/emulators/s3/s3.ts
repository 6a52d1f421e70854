/**
 * Local S3: the `fauxqs` emulator's S3 half (path-style REST: PutObject, GetObject with ranges and
 * conditional headers, HeadObject, ListObjects v1/v2, CopyObject, DeleteObject(s), multipart uploads,
 * MD5 ETags as AWS computes them) on its own port on 127.0.0.1, with two things fauxqs does not do:
 *
 * - **Change hook.** Every successful PutObject, CopyObject, CompleteMultipartUpload and DeleteObject is
 *   reported to `onChange` listeners (the runtime's bucket notifications, the simulated file suppliers)
 *   at the moment the store commits it: no polling. The store's methods are wrapped on the instance; the
 *   request that caused the change (access key id, source IP) is carried with AsyncLocalStorage from a
 *   Fastify hook, so a notification can name its `userIdentity.principalId` like AWS does.
 * - **Persistence.** With `dataDir`, objects are kept in `<dataDir>/s3/` (one file per object under
 *   `objects/`, an append-only `index.ndjson`, compacted at start) and loaded again on the next start,
 *   ETags and LastModified included. Without it (`--in-memory`, tests) everything lives in memory.
 *
 * The SDK v3 reaches it through `AWS_ENDPOINT_URL_S3`: an IP endpoint makes the SDK use path-style
 * addressing by itself (`http://127.0.0.1:<port>/<bucket>/<key>`), so handlers need no `forcePathStyle`.
 * Limits of the emulator: one request body at most 11 MiB (use multipart above that, as the drop CLI
 * does), no versioning, no bucket policies or encryption (accepted and ignored where the API has them).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';
import { LOCAL_REGION } from '../../template/resolve';
import { fauxqsStores } from '../sqs';

/** An object as fauxqs stores it. */
export interface StoredObject {
  key: string;
  body: Buffer;
  contentType: string;
  contentLength: number;
  /** Quoted, as S3 returns it: `"<md5>"` or `"<md5>-<parts>"`. */
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

/** The fauxqs S3 store methods the local runtime wraps or calls. */
interface S3StoreLike {
  spy?: unknown;
  createBucket(name: string): void;
  hasBucket(name: string): boolean;
  listBuckets(): { name: string; creationDate: Date }[];
  putObject(bucket: string, key: string, body: Buffer, contentType?: string, metadata?: Record<string, string>): StoredObject;
  getObject(bucket: string, key: string): StoredObject;
  deleteObject(bucket: string, key: string): void;
  listObjects(bucket: string, options?: { prefix?: string; maxKeys?: number; startAfter?: string }): { objects: StoredObject[]; isTruncated: boolean };
  createMultipartUpload(bucket: string, key: string, contentType?: string, metadata?: Record<string, string>): string;
  completeMultipartUpload(uploadId: string, parts: { partNumber: number; etag: string }[]): StoredObject;
}

export type S3EventName = 'ObjectCreated:Put' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload' | 'ObjectRemoved:Delete';

/** One committed change, with what an S3 event notification needs. */
export interface S3Change {
  readonly eventName: S3EventName;
  readonly bucket: string;
  readonly key: string;
  /** Bytes (0 for deletes). */
  readonly size: number;
  /** Without quotes, as notifications carry it (empty for deletes). */
  readonly eTag: string;
  /** Increasing hex string per change (S3's ordering token for events on one key). */
  readonly sequencer: string;
  /** Access key id the request was signed with (`local` for the handlers' dummy credentials). */
  readonly accessKeyId: string;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly time: Date;
}

export type S3ChangeListener = (change: S3Change) => void;

export interface LocalS3Options {
  readonly port?: number;
  /** Keep objects in `<dataDir>/s3/` across restarts. Omitted: in memory only. */
  readonly dataDir?: string;
}

export interface LocalS3 {
  readonly endpoint: string;
  readonly port: number;
  /** An SDK client on this endpoint (credentials `local`). */
  readonly client: S3Client;
  /** Create buckets (idempotent). */
  createBuckets(names: readonly string[]): void;
  bucketNames(): string[];
  /** Register a change listener; returns the function that removes it. Listeners must not throw. */
  onChange(listener: S3ChangeListener): () => void;
  /** Put an object directly into the store (seeding): `ifAbsent` leaves an existing object alone. Fires onChange like a PutObject. */
  putObject(bucket: string, key: string, body: Buffer | string, opts?: { contentType?: string; ifAbsent?: boolean }): StoredObject | undefined;
  /** Read an object directly (undefined when absent). */
  getObject(bucket: string, key: string): StoredObject | undefined;
  /** Keys under a prefix (direct, no paging limit). */
  listKeys(bucket: string, prefix: string): string[];
  readonly stats: { puts: number; copies: number; multipartUploads: number; deletes: number; loaded: number };
  /**
   * Record how far a function got with an object (rows so far, phase), for `npm run drop`'s progress bar:
   * served at `GET <endpoint>/_local/progress?key=<object key>` (the last report per key, kept 10 minutes).
   */
  reportProgress(key: string, progress: { readonly rowsSoFar: number; readonly phase?: string }): void;
  stop(): Promise<void>;
}

/** What `GET /_local/progress?key=` answers. */
export interface ObjectProgress {
  readonly key: string;
  readonly rowsSoFar: number;
  readonly phase?: string;
  readonly at: string;
}

export function localS3Client(endpoint: string, accessKeyId = 'local'): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId, secretAccessKey: 'local' },
    forcePathStyle: true,
    maxAttempts: 3,
  });
}

/** The access key id of a SigV4 request (`Authorization` header or `X-Amz-Credential` of a presigned URL). */
export function accessKeyIdOf(authorization: string | undefined, query: string): string {
  const fromHeader = authorization === undefined ? undefined : /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
  if (fromHeader !== undefined) return fromHeader;
  const fromQuery = /[?&]X-Amz-Credential=([^&]+)/i.exec(query)?.[1];
  if (fromQuery !== undefined) return decodeURIComponent(fromQuery).split('/')[0] ?? 'anonymous';
  return 'anonymous';
}

interface RequestContext {
  readonly accessKeyId: string;
  readonly sourceIp: string;
  readonly requestId: string;
}

interface IndexLine {
  readonly op: 'put' | 'delete' | 'bucket';
  readonly bucket: string;
  readonly key?: string;
  readonly blob?: string;
  readonly etag?: string;
  readonly contentType?: string;
  readonly metadata?: Record<string, string>;
  readonly lastModified?: string;
}

function blobName(bucket: string, key: string): string {
  return createHash('sha256').update(`${bucket}\u0000${key}`).digest('hex');
}

/** Persistence of a store: serialized writes, an append-only index compacted at start. */
class S3Persistence {
  private chain: Promise<void> = Promise.resolve();
  private failed: Error | undefined;
  private readonly objectsDir: string;
  private readonly indexFile: string;

  constructor(dir: string) {
    this.objectsDir = path.join(dir, 'objects');
    this.indexFile = path.join(dir, 'index.ndjson');
  }

  /** Read the index (last line per object wins), compact it, drop orphaned blobs; returns what to load. */
  async load(): Promise<{ buckets: string[]; objects: (IndexLine & { body: Buffer })[] }> {
    await mkdir(this.objectsDir, { recursive: true });
    const buckets = new Set<string>();
    const live = new Map<string, IndexLine>();
    if (existsSync(this.indexFile)) {
      for (const text of (await readFile(this.indexFile, 'utf8')).split('\n')) {
        if (text.trim() === '') continue;
        let line: IndexLine;
        try {
          line = JSON.parse(text) as IndexLine;
        } catch {
          continue; // a line cut by a crash
        }
        buckets.add(line.bucket);
        if (line.op === 'bucket' || line.key === undefined) continue;
        const id = `${line.bucket}\u0000${line.key}`;
        if (line.op === 'delete') live.delete(id);
        else live.set(id, line);
      }
    }
    const objects: (IndexLine & { body: Buffer })[] = [];
    for (const line of live.values()) {
      if (line.blob === undefined) continue;
      try {
        objects.push({ ...line, body: await readFile(path.join(this.objectsDir, line.blob)) });
      } catch {
        // blob lost: the object is dropped
      }
    }
    const compacted = [
      ...[...buckets].map((bucket) => JSON.stringify({ op: 'bucket', bucket })),
      ...objects.map(({ body: _body, ...line }) => JSON.stringify(line)),
    ];
    await writeFile(`${this.indexFile}.tmp`, compacted.length === 0 ? '' : `${compacted.join('\n')}\n`);
    await rename(`${this.indexFile}.tmp`, this.indexFile);
    const wanted = new Set(objects.map((o) => o.blob));
    for (const file of await readdir(this.objectsDir)) {
      if (!wanted.has(file)) await rm(path.join(this.objectsDir, file), { force: true });
    }
    return { buckets: [...buckets], objects };
  }

  bucket(bucket: string): void {
    this.enqueue(async () => appendFile(this.indexFile, `${JSON.stringify({ op: 'bucket', bucket })}\n`));
  }

  put(bucket: string, obj: StoredObject): void {
    const blob = blobName(bucket, obj.key);
    const line: IndexLine = {
      op: 'put',
      bucket,
      key: obj.key,
      blob,
      etag: obj.etag,
      contentType: obj.contentType,
      metadata: obj.metadata,
      lastModified: obj.lastModified.toISOString(),
    };
    const body = obj.body;
    this.enqueue(async () => {
      const file = path.join(this.objectsDir, blob);
      await writeFile(`${file}.tmp`, body);
      await rename(`${file}.tmp`, file);
      await appendFile(this.indexFile, `${JSON.stringify(line)}\n`);
    });
  }

  delete(bucket: string, key: string): void {
    this.enqueue(async () => {
      await appendFile(this.indexFile, `${JSON.stringify({ op: 'delete', bucket, key })}\n`);
      await rm(path.join(this.objectsDir, blobName(bucket, key)), { force: true });
    });
  }

  async flush(): Promise<void> {
    await this.chain;
    if (this.failed !== undefined) throw this.failed;
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((error: unknown) => {
      this.failed ??= error instanceof Error ? error : new Error(String(error));
    });
  }
}

let sequence = 0;
/** S3-like sequencer: hex, increasing (time in ms, then a counter). */
function nextSequencer(): string {
  sequence = (sequence + 1) % 0x1000000;
  return `${Date.now().toString(16).toUpperCase().padStart(12, '0')}${sequence.toString(16).toUpperCase().padStart(6, '0')}`;
}

export async function startLocalS3(opts: LocalS3Options = {}): Promise<LocalS3> {
  const { SqsStore, SnsStore, S3Store } = await fauxqsStores();
  const store = new S3Store() as unknown as S3StoreLike;
  const context = new AsyncLocalStorage<RequestContext>();
  const listeners = new Set<S3ChangeListener>();
  const stats = { puts: 0, copies: 0, multipartUploads: 0, deletes: 0, loaded: 0 };
  const persistence = opts.dataDir === undefined ? undefined : new S3Persistence(path.join(opts.dataDir, 's3'));

  // Load persisted objects before the hooks are installed (loading is not a change).
  if (persistence !== undefined) {
    const loaded = await persistence.load();
    for (const bucket of loaded.buckets) store.createBucket(bucket);
    for (const o of loaded.objects) {
      if (o.key === undefined) continue;
      const obj = store.putObject(o.bucket, o.key, o.body, o.contentType, o.metadata);
      if (o.etag !== undefined) obj.etag = o.etag;
      if (o.lastModified !== undefined) obj.lastModified = new Date(o.lastModified);
      stats.loaded++;
    }
  }

  const emit = (eventName: S3EventName, bucket: string, obj: StoredObject | undefined, key: string): void => {
    const ctx = context.getStore();
    const change: S3Change = {
      eventName,
      bucket,
      key,
      size: obj?.contentLength ?? 0,
      eTag: (obj?.etag ?? '').replaceAll('"', ''),
      sequencer: nextSequencer(),
      accessKeyId: ctx?.accessKeyId ?? 'local',
      sourceIp: ctx?.sourceIp ?? '127.0.0.1',
      requestId: ctx?.requestId ?? randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase(),
      time: obj?.lastModified ?? new Date(),
    };
    for (const listener of listeners) {
      try {
        listener(change);
      } catch {
        // a listener never breaks a request
      }
    }
  };

  // Wrap the store: puts (CopyObject calls putObject too, then reports "copied" to the spy in the same
  // tick, so the event is emitted in a microtask once the kind is known), multipart completion, deletes.
  const pending = new Map<string, { bucket: string; obj: StoredObject; kind: 'Put' | 'Copy' }>();
  const basePut = store.putObject.bind(store);
  const baseCreateBucket = store.createBucket.bind(store);
  const baseDelete = store.deleteObject.bind(store);
  const baseCreateMultipart = store.createMultipartUpload.bind(store);
  const baseComplete = store.completeMultipartUpload.bind(store);
  const uploads = new Map<string, string>();
  store.createBucket = (name) => {
    const existed = store.hasBucket(name);
    baseCreateBucket(name);
    if (!existed) persistence?.bucket(name);
  };
  store.putObject = (bucket, key, body, contentType, metadata) => {
    const obj = basePut(bucket, key, body, contentType, metadata);
    persistence?.put(bucket, obj);
    const id = `${bucket}\u0000${key}`;
    const first = !pending.has(id);
    pending.set(id, { bucket, obj, kind: 'Put' });
    if (first) {
      const ctx = context.getStore();
      queueMicrotask(() => {
        const p = pending.get(id);
        pending.delete(id);
        if (p === undefined) return;
        if (p.kind === 'Copy') stats.copies++;
        else stats.puts++;
        const run = (): void => emit(p.kind === 'Copy' ? 'ObjectCreated:Copy' : 'ObjectCreated:Put', p.bucket, p.obj, p.obj.key);
        if (ctx === undefined) run();
        else context.run(ctx, run);
      });
    }
    return obj;
  };
  store.spy = {
    addMessage(message: { service?: string; bucket?: string; key?: string; status?: string }): void {
      if (message.status !== 'copied') return;
      const p = pending.get(`${message.bucket ?? ''}\u0000${message.key ?? ''}`);
      if (p !== undefined) p.kind = 'Copy';
    },
  };
  store.createMultipartUpload = (bucket, key, contentType, metadata) => {
    const id = baseCreateMultipart(bucket, key, contentType, metadata);
    uploads.set(id, bucket);
    return id;
  };
  store.completeMultipartUpload = (uploadId, parts) => {
    const obj = baseComplete(uploadId, parts);
    const bucket = uploads.get(uploadId) ?? '';
    uploads.delete(uploadId);
    persistence?.put(bucket, obj);
    stats.multipartUploads++;
    emit('ObjectCreated:CompleteMultipartUpload', bucket, obj, obj.key);
    return obj;
  };
  store.deleteObject = (bucket, key) => {
    let existed = false;
    try {
      store.getObject(bucket, key);
      existed = true;
    } catch {
      existed = false;
    }
    baseDelete(bucket, key);
    if (existed) {
      persistence?.delete(bucket, key);
      stats.deletes++;
      emit('ObjectRemoved:Delete', bucket, undefined, key);
    }
  };

  const app = buildApp({
    logger: false,
    defaultRegion: LOCAL_REGION,
    stores: { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: store } as unknown as NonNullable<Parameters<typeof buildApp>[0]>['stores'],
  });
  // The request's identity for the change hook (callback-style hook: the route handler runs inside run()).
  app.addHook('preHandler', (request: { headers: Record<string, string | string[] | undefined>; ip: string; url: string }, _reply: unknown, done: () => void) => {
    const header = request.headers['authorization'];
    const ctx: RequestContext = {
      accessKeyId: accessKeyIdOf(typeof header === 'string' ? header : undefined, request.url),
      sourceIp: request.ip,
      requestId: randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase(),
    };
    context.run(ctx, done);
  });
  const progress = new Map<string, ObjectProgress & { readonly atMs: number }>();
  app.get('/_local/progress', async (request: { query: unknown }) => {
    const key = typeof request.query === 'object' && request.query !== null ? (request.query as Record<string, unknown>)['key'] : undefined;
    const p = typeof key === 'string' ? progress.get(key) : undefined;
    return p === undefined ? { key, rowsSoFar: null } : { key: p.key, rowsSoFar: p.rowsSoFar, ...(p.phase === undefined ? {} : { phase: p.phase }), at: p.at };
  });
  const address = await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const port = Number(new URL(address).port);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localS3Client(endpoint);

  return {
    endpoint,
    port,
    client,
    stats,
    createBuckets(names) {
      for (const name of names) store.createBucket(name);
    },
    bucketNames() {
      return store.listBuckets().map((b) => b.name);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    putObject(bucket, key, body, o = {}) {
      if (o.ifAbsent === true) {
        try {
          store.getObject(bucket, key);
          return undefined;
        } catch {
          // absent: write it
        }
      }
      return store.putObject(bucket, key, typeof body === 'string' ? Buffer.from(body) : body, o.contentType);
    },
    getObject(bucket, key) {
      try {
        return store.getObject(bucket, key);
      } catch {
        return undefined;
      }
    },
    reportProgress(key, p) {
      const now = Date.now();
      for (const [k, v] of progress) if (now - v.atMs > 600_000) progress.delete(k);
      progress.set(key, { key, rowsSoFar: p.rowsSoFar, ...(p.phase === undefined ? {} : { phase: p.phase }), at: new Date(now).toISOString(), atMs: now });
    },
    listKeys(bucket, prefix) {
      if (!store.hasBucket(bucket)) return [];
      return store.listObjects(bucket, { prefix, maxKeys: Number.MAX_SAFE_INTEGER }).objects.map((o) => o.key);
    },
    async stop() {
      client.destroy();
      await app.close();
      await persistence?.flush();
    },
  };
}

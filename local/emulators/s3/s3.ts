/**
 * Local S3: the `fauxqs` emulator's S3 half (path-style REST: PutObject, GetObject with ranges and
 * conditional headers, HeadObject, ListObjects v1/v2, CopyObject, DeleteObject(s), multipart uploads,
 * MD5 ETags as AWS computes them) on its own port on 127.0.0.1, with two things fauxqs does not do:
 *
 * - **Change hook** (store.ts). Every successful PutObject, CopyObject, CompleteMultipartUpload and
 *   DeleteObject is reported to `onChange` listeners at the moment the store commits it: no polling. The
 *   request behind it (access key id, source IP) comes from this server's preHandler hook.
 * - **Persistence** (persistence.ts). With `dataDir`, objects are kept in `<dataDir>/s3/` and loaded
 *   again on the next start. Without it (`--in-memory`, tests) everything lives in memory.
 *
 * Local-only: `GET /_local/progress?key=` (progress-board.ts).
 *
 * The SDK v3 reaches it through `AWS_ENDPOINT_URL_S3`: an IP endpoint makes the SDK use path-style
 * addressing by itself (`http://127.0.0.1:<port>/<bucket>/<key>`), so handlers need no `forcePathStyle`.
 * Limits of the emulator: one request body at most 11 MiB (use multipart above that, as the drop CLI
 * does), no versioning, no bucket policies or encryption (accepted and ignored where the API has them).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';
import { LOCAL_REGION } from '../../template/local-ids';
import { fauxqsStores } from '../sqs';
import { loadPersisted, S3Persistence } from './persistence';
import { ProgressBoard } from './progress-board';
import { installChangeHook, type RequestContext, type S3ChangeListener, type S3StoreLike, type S3Stats, type StoredObject } from './store';

export type { ObjectProgress } from './progress-board';
export type { S3Change, S3ChangeListener, S3EventName, StoredObject } from './store';
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
  /** Post to the progress board (progress-board.ts), served at `GET <endpoint>/_local/progress?key=<object key>`. */
  reportProgress(key: string, progress: { readonly rowsSoFar: number; readonly phase?: string }): void;
  stop(): Promise<void>;
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

/** The request's identity for the change hook (callback-style hook: the route handler runs inside run()). */
function identify(context: AsyncLocalStorage<RequestContext>) {
  return (request: { headers: Record<string, string | string[] | undefined>; ip: string; url: string }, _reply: unknown, done: () => void): void => {
    const header = request.headers['authorization'];
    const ctx: RequestContext = {
      accessKeyId: accessKeyIdOf(typeof header === 'string' ? header : undefined, request.url),
      sourceIp: request.ip,
      requestId: randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase(),
    };
    context.run(ctx, done);
  };
}

export async function startLocalS3(opts: LocalS3Options = {}): Promise<LocalS3> {
  const { SqsStore, SnsStore, S3Store } = await fauxqsStores();
  const store = new S3Store() as unknown as S3StoreLike;
  const context = new AsyncLocalStorage<RequestContext>();
  const stats: S3Stats = { puts: 0, copies: 0, multipartUploads: 0, deletes: 0, loaded: 0 };
  const persistence = opts.dataDir === undefined ? undefined : new S3Persistence(path.join(opts.dataDir, 's3'));
  if (persistence !== undefined) stats.loaded = await loadPersisted(persistence, store);
  const listeners = installChangeHook(store, context, persistence, stats);
  const app = buildApp({
    logger: false,
    defaultRegion: LOCAL_REGION,
    stores: { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: store } as unknown as NonNullable<Parameters<typeof buildApp>[0]>['stores'],
  });
  app.addHook('preHandler', identify(context));
  const progress = new ProgressBoard();
  app.get('/_local/progress', async (request: { query: unknown }) => progress.answer(request.query));
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
    onChange(listener: S3ChangeListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    putObject: (bucket, key, body, o = {}) => putDirect(store, bucket, key, body, o),
    getObject(bucket, key) {
      try {
        return store.getObject(bucket, key);
      } catch {
        return undefined;
      }
    },
    reportProgress: (key, p) => progress.report(key, p),
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

/** A direct put (seeding): `ifAbsent` leaves an existing object alone. */
function putDirect(store: S3StoreLike, bucket: string, key: string, body: Buffer | string, o: { contentType?: string; ifAbsent?: boolean }): StoredObject | undefined {
  if (o.ifAbsent === true) {
    try {
      store.getObject(bucket, key);
      return undefined;
    } catch {
      // absent: write it
    }
  }
  return store.putObject(bucket, key, typeof body === 'string' ? Buffer.from(body) : body, o.contentType);
}

/**
 * State of the local S3: the fauxqs store, wrapped so that every successful PutObject, CopyObject,
 * CompleteMultipartUpload and DeleteObject is reported to change listeners (the runtime's bucket
 * notifications, the simulated file suppliers) at the moment the store commits it (no polling), and
 * mirrored to the persistence. The request that caused the change (access key id, source IP) is carried
 * with AsyncLocalStorage from the server's hook, so a notification can name its principal like AWS does.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { S3Persistence } from './persistence';

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
export interface S3StoreLike {
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

/** The request behind a change (set by the server's preHandler hook). */
export interface RequestContext {
  readonly accessKeyId: string;
  readonly sourceIp: string;
  readonly requestId: string;
}

export interface S3Stats {
  puts: number;
  copies: number;
  multipartUploads: number;
  deletes: number;
  loaded: number;
}

let sequence = 0;
/** S3-like sequencer: hex, increasing (time in ms, then a counter). */
function nextSequencer(): string {
  sequence = (sequence + 1) % 0x1000000;
  return `${Date.now().toString(16).toUpperCase().padStart(12, '0')}${sequence.toString(16).toUpperCase().padStart(6, '0')}`;
}

type Emit = (eventName: S3EventName, bucket: string, obj: StoredObject | undefined, key: string) => void;

interface Hook {
  readonly store: S3StoreLike;
  readonly context: AsyncLocalStorage<RequestContext>;
  readonly persistence: S3Persistence | undefined;
  readonly stats: S3Stats;
  readonly emit: Emit;
}

/** A change, shaped with its request's identity, to every listener (a listener never breaks a request). */
function emitter(context: AsyncLocalStorage<RequestContext>, listeners: ReadonlySet<S3ChangeListener>): Emit {
  return (eventName, bucket, obj, key) => {
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
}

/**
 * Puts and copies: CopyObject calls putObject too, then reports "copied" to the spy in the same tick, so
 * the event is emitted in a microtask once the kind is known.
 */
function wrapPuts({ store, context, persistence, stats, emit }: Hook): void {
  const pending = new Map<string, { bucket: string; obj: StoredObject; kind: 'Put' | 'Copy' }>();
  const basePut = store.putObject.bind(store);
  const baseCreateBucket = store.createBucket.bind(store);
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
}

function wrapMultipart({ store, persistence, stats, emit }: Hook): void {
  const uploads = new Map<string, string>();
  const baseCreateMultipart = store.createMultipartUpload.bind(store);
  const baseComplete = store.completeMultipartUpload.bind(store);
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
}

function wrapDeletes({ store, persistence, stats, emit }: Hook): void {
  const baseDelete = store.deleteObject.bind(store);
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
}

/** Wrap the store's writes: returns the listener registry the changes go to. */
export function installChangeHook(store: S3StoreLike, context: AsyncLocalStorage<RequestContext>, persistence: S3Persistence | undefined, stats: S3Stats): Set<S3ChangeListener> {
  const listeners = new Set<S3ChangeListener>();
  const hook: Hook = { store, context, persistence, stats, emit: emitter(context, listeners) };
  wrapPuts(hook);
  wrapMultipart(hook);
  wrapDeletes(hook);
  return listeners;
}

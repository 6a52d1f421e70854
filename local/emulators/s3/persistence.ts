/**
 * Persistence of the local S3: with `dataDir`, objects are kept in `<dataDir>/s3/` (one file per object
 * under `objects/`, an append-only `index.ndjson`, compacted at start) and loaded again on the next
 * start, ETags and LastModified included. Writes are serialized.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3StoreLike, StoredObject } from './store';

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
export class S3Persistence {
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

/** Load persisted objects into the store (before its hooks are installed: loading is not a change). Returns how many. */
export async function loadPersisted(persistence: S3Persistence, store: S3StoreLike): Promise<number> {
  const loaded = await persistence.load();
  for (const bucket of loaded.buckets) store.createBucket(bucket);
  let n = 0;
  for (const o of loaded.objects) {
    if (o.key === undefined) continue;
    const obj = store.putObject(o.bucket, o.key, o.body, o.contentType, o.metadata);
    if (o.etag !== undefined) obj.etag = o.etag;
    if (o.lastModified !== undefined) obj.lastModified = new Date(o.lastModified);
    n++;
  }
  return n;
}

/**
 * Local SQS: the `fauxqs` emulator (SQS protocol incl. visibility timeouts, redrive to DLQs, FIFO
 * deduplication, long polling) served IN this process on 127.0.0.1, in memory. Every AWS::SQS::Queue of
 * the template is created with its attributes (RedrivePolicy pointing at the DLQ's local ARN).
 *
 * Queue URLs are `http://127.0.0.1:<port>/000000000000/<QueueName or logical id>`: fauxqs' own default
 * (`http://sqs.us-east-1.localhost:<port>/...`) needs `*.localhost` DNS, which Node does not resolve, and
 * the SDK sends requests to the QueueUrl's host. So the store is created here with an empty host (URLs
 * then use the request's Host header) and the server listens on loopback only. Handlers reach it through
 * `AWS_ENDPOINT_URL_SQS`. Messages live in memory: a restart empties the queues (documented).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { LOCAL_REGION } from '../template/local-ids';
import type { QueueSpec } from '../template/queues';

export interface LocalSqs {
  readonly endpoint: string;
  readonly port: number;
  /** An SDK client on this endpoint (for the runtime's own pollers and the supplier simulator). */
  readonly client: SQSClient;
  createQueues(queues: readonly QueueSpec[]): Promise<void>;
  stop(): Promise<void>;
}

interface StoreClasses {
  SqsStore: new () => { host: string };
  SnsStore: new () => object;
  S3Store: new () => object;
}

/** fauxqs' store classes (not in its package exports: loaded from its dist folder, pinned version 1.9.x). */
export async function fauxqsStores(): Promise<StoreClasses> {
  // The package's main entry is dist/app.js: the stores live next to it.
  // (Its exports map offers only "." with the import condition: look the folder up on the resolution paths.)
  const require = createRequire(import.meta.url);
  const distDir = (require.resolve.paths('fauxqs') ?? [])
    .map((dir) => path.join(dir, 'fauxqs', 'dist'))
    .find((dir) => existsSync(path.join(dir, 'sqs', 'sqsStore.js')));
  if (distDir === undefined) throw new Error('fauxqs is not installed (npm install)');
  const load = async (rel: string): Promise<Record<string, unknown>> =>
    (await import(pathToFileURL(path.join(distDir, rel)).href)) as Record<string, unknown>;
  const [sqs, sns, s3] = await Promise.all([load('sqs/sqsStore.js'), load('sns/snsStore.js'), load('s3/s3Store.js')]);
  const SqsStore = sqs['SqsStore'];
  const SnsStore = sns['SnsStore'];
  const S3Store = s3['S3Store'];
  if (typeof SqsStore !== 'function' || typeof SnsStore !== 'function' || typeof S3Store !== 'function') {
    throw new Error('fauxqs layout changed: dist/sqs/sqsStore.js etc. not found (the local runtime pins fauxqs 1.9.x)');
  }
  return { SqsStore, SnsStore, S3Store } as unknown as StoreClasses;
}

export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

export async function startLocalSqs(opts: { port?: number } = {}): Promise<LocalSqs> {
  const { SqsStore, SnsStore, S3Store } = await fauxqsStores();
  const sqsStore = new SqsStore();
  sqsStore.host = ''; // queue URLs from the request's Host header: http://127.0.0.1:<port>/...
  const app = buildApp({
    logger: false,
    defaultRegion: LOCAL_REGION,
    stores: { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() } as unknown as NonNullable<Parameters<typeof buildApp>[0]>['stores'],
  });
  const address = await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const port = Number(new URL(address).port);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localSqsClient(endpoint);
  return {
    endpoint,
    port,
    client,
    async createQueues(queues) {
      // Dead-letter queues first (AWS requires the target to exist).
      const ordered = [...queues].sort((a, b) => Number(a.redrive !== undefined) - Number(b.redrive !== undefined));
      for (const q of ordered) {
        const out = await client.send(new CreateQueueCommand({ QueueName: q.queueName, Attributes: { ...q.attributes } }));
        if (out.QueueUrl !== q.url) {
          throw new Error(`Local SQS created ${q.logicalId} at ${String(out.QueueUrl)}, expected ${q.url}`);
        }
      }
    },
    async stop() {
      client.destroy();
      await app.close();
    },
  };
}

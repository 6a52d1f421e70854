/**
 * The local runtime's S3 emulation and schedules on a hand-written fixture (fixtures/files-template.json
 * with fixtures/handlers/files.ts), independent of the project's handlers: template readers for both
 * notification shapes (the bucket's own NotificationConfiguration and CDK's Custom::S3BucketNotifications),
 * S3 event records as AWS shapes them (URL-encoded keys, ETag, sequencer, principal of the uploader),
 * prefix/suffix filters, retries, SQS and EventBridge destinations, persistence across restarts, and
 * schedule rules on a short fixed interval, on demand and disabled.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateMs } from '../../local/emulators/eventbridge/schedule-expressions';
import { localRoleId } from '../../local/template/local-ids';
import { Resolver } from '../../local/template/resolve';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime/runtime';
import { localS3Client, startLocalS3 } from '../../local/emulators/s3/s3';
import { encodeS3EventKey, supplierAccessKeyId, supplierPrincipals } from '../../local/emulators/s3/notifications';
import { readTemplate } from '../../local/template/reader';
import { eventMatches, notificationApplies, type BucketNotification } from '../../local/template/buckets';
import { asTemplate } from '../../local/template/cfn';
import { endpoints } from './helpers';
import { waitFor } from './workflow-helpers';

const fixture = asTemplate(JSON.parse(await readFile(new URL('./fixtures/files-template.json', import.meta.url), 'utf8')), 'files fixture');
const FILES_BUCKET = 'fixture-files-000000000000-local';
const md5 = (text: string | Buffer): string => createHash('md5').update(text).digest('hex');

interface Observed {
  kind: string;
  detail: Record<string, unknown>;
}

describe('S3 template readers and event shapes', () => {
  const model = readTemplate(fixture, new Resolver(fixture, { stackName: 'Fixture' }), process.cwd());

  it('reads buckets and both notification shapes from the template', () => {
    const files = model.buckets.find((b) => b.logicalId === 'FilesBucket');
    const other = model.buckets.find((b) => b.logicalId === 'OtherBucket');
    expect(files).toMatchObject({ name: FILES_BUCKET, arn: `arn:aws:s3:::${FILES_BUCKET}`, eventBridge: false });
    expect(files?.notifications.map((n) => [n.events, n.prefix, n.suffix, n.target.kind, n.source])).toEqual([
      [['s3:ObjectCreated:*'], 'suppliers/acme/inbox/', '.csv', 'lambda', 'bucket'],
      [['s3:ObjectRemoved:*'], 'suppliers/', undefined, 'sqs', 'bucket'],
    ]);
    expect(other).toMatchObject({ name: 'otherbucket', eventBridge: true });
    expect(other?.notifications.map((n) => [n.events, n.prefix, n.target.kind === 'lambda' ? n.target.functionLogicalId : n.target.kind, n.source])).toEqual([
      [['s3:ObjectCreated:Copy', 's3:ObjectCreated:CompleteMultipartUpload'], 'in/', 'InboxFunction', 'custom-resource'],
    ]);
    // FILES_BUCKET (an Fn::Join with AWS::AccountId and AWS::StackId) resolves to the same local name as the bucket's Ref.
    expect(model.functions.find((f) => f.logicalId === 'InboxFunction')?.environment['FILES_BUCKET']).toBe(FILES_BUCKET);
  });

  it.each([
    ['s3:ObjectCreated:*', 'ObjectCreated:Put', true],
    ['s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload', true],
    ['s3:ObjectCreated:Put', 'ObjectCreated:Put', true],
    ['s3:ObjectCreated:Put', 'ObjectCreated:Copy', false],
    ['s3:ObjectCreated:*', 'ObjectRemoved:Delete', false],
    ['s3:ObjectRemoved:*', 'ObjectRemoved:Delete', true],
  ])('configured %s matches %s: %s', (configured, eventName, expected) => {
    expect(eventMatches(configured, eventName)).toBe(expected);
  });

  it.each([
    ['suppliers/acme/inbox/feed.csv', 'suppliers/acme/inbox/feed.csv'],
    ['suppliers/acme/inbox/my feed (1).csv', 'suppliers/acme/inbox/my+feed+%281%29.csv'],
    ['a/b=c&d+e.csv', 'a/b%3Dc%26d%2Be.csv'],
    ['grüße/ü.csv', 'gr%C3%BC%C3%9Fe/%C3%BC.csv'],
    ['x_y-z*.~csv', 'x_y-z*.%7Ecsv'],
  ])('event key of %j is %j (and decodes back)', (key, encoded) => {
    expect(encodeS3EventKey(key)).toBe(encoded);
    expect(decodeURIComponent(encoded.replace(/\+/g, ' '))).toBe(key);
  });

  it('applies prefix and suffix rules to the raw key', () => {
    const n: BucketNotification = { id: 'x', events: ['s3:ObjectCreated:*'], prefix: 'suppliers/acme/inbox/', suffix: '.csv', target: { kind: 'unsupported', arn: 'x' }, source: 'bucket' };
    expect(notificationApplies(n, 'ObjectCreated:Put', 'suppliers/acme/inbox/a b.csv')).toBe(true);
    expect(notificationApplies(n, 'ObjectCreated:Put', 'suppliers/acme/inbox/a.json')).toBe(false);
    expect(notificationApplies(n, 'ObjectCreated:Put', 'suppliers/globex/inbox/a.csv')).toBe(false);
    expect(notificationApplies(n, 'ObjectRemoved:Delete', 'suppliers/acme/inbox/a.csv')).toBe(false);
  });

  it('gives roles AWS-shaped stable RoleIds and maps supplier access keys to assumed-role principals', () => {
    expect(localRoleId('AcmeRole')).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(localRoleId('AcmeRole')).toBe(localRoleId('AcmeRole'));
    expect(localRoleId('AcmeRole')).not.toBe(localRoleId('OtherRole'));
    const principal = supplierPrincipals([{ supplierId: 'acme', roleId: 'AROAEXAMPLE' }, { supplierId: 'globex' }]);
    expect(principal(supplierAccessKeyId('acme'))).toBe('AWS:AROAEXAMPLE:acme');
    expect(principal(supplierAccessKeyId('globex'))).toBe('AWS:supplier-globex');
    expect(principal('local')).toBe('AWS:local');
    expect(rateMs('rate(30 minutes)')).toBe(1_800_000);
  });
});

describe('local S3 with notifications and schedules on the fixture template', () => {
  let runtime: LocalRuntime;
  let dataDir: string;
  let sqs: SQSClient;
  let acme: S3Client;
  let local: S3Client;
  const observed: Observed[] = [];

  const queueUrl = (logicalId: string): string => {
    const q = runtime.endpoints.sqs.queues.find((x) => x.logicalId === logicalId);
    if (q === undefined) throw new Error(`no queue ${logicalId}`);
    return q.url;
  };

  async function drain(logicalId: string, into: Observed[]): Promise<void> {
    for (;;) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(logicalId), MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if ((out.Messages ?? []).length === 0) return;
      for (const m of out.Messages ?? []) {
        const body = JSON.parse(m.Body ?? '{}') as Record<string, unknown>;
        into.push(logicalId === 'ObservedQueue' ? (body as unknown as Observed) : { kind: 'queue', detail: body });
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl(logicalId), ReceiptHandle: m.ReceiptHandle ?? '' }));
      }
    }
  }

  async function seen(pick: (o: Observed) => boolean, what: string, count = 1): Promise<Observed[]> {
    return waitFor(
      what,
      async () => {
        await drain('ObservedQueue', observed);
        await drain('NotifiedQueue', observed);
        const hits = observed.filter(pick);
        return hits.length >= count ? hits : undefined;
      },
      15_000,
      100,
    );
  }

  const s3Record = (o: Observed): Record<string, unknown> => o.detail['record'] as Record<string, unknown>;
  const keyOf = (o: Observed): string => String(((s3Record(o)['s3'] as Record<string, unknown>)['object'] as Record<string, unknown>)['key']);

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-s3-'));
    runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      quiet: true,
      seed: false,
      warm: true,
      inMemory: true,
      template: { stackName: 'Fixture', template: fixture },
      dynamodbEndpoint: endpoints().dynamodb.endpoint,
      schedules: true,
      scheduleIntervalMs: 300,
    });
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    sqs = new SQSClient({ endpoint: runtime.endpoints.sqs.endpoint, region: 'us-east-1', credentials });
    acme = localS3Client(runtime.endpoints.s3.endpoint, supplierAccessKeyId('acme'));
    local = localS3Client(runtime.endpoints.s3.endpoint);
  }, 60_000);

  afterAll(async () => {
    acme?.destroy();
    local?.destroy();
    sqs?.destroy();
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates the buckets and hands the endpoint to every function', async () => {
    expect(runtime.endpoints.s3).toMatchObject({ bucket: FILES_BUCKET });
    expect([...runtime.endpoints.s3.buckets].sort()).toEqual([FILES_BUCKET, 'otherbucket']);
    const env = runtime.model.functions.find((f) => f.logicalId === 'InboxFunction')?.environment ?? {};
    expect(JSON.parse(env['SUPPLIER_FILES'] ?? '[]')).toEqual([
      { supplierId: 'acme', channel: 'file', roleId: localRoleId('AcmeRole') },
      { supplierId: 'globex', channel: 'sqs' },
    ]);
    expect(runtime.endpoints.suppliers.find((s) => s.id === 'acme')).toMatchObject({ channel: 'file', inbox: 'suppliers/acme/inbox/', outbox: 'suppliers/acme/outbox/' });
  });

  it('delivers ObjectCreated:Put as AWS shapes it: encoded key, size, ETag, sequencer, the uploader as principal; filters apply', async () => {
    const key = 'suppliers/acme/inbox/my feed (1).csv';
    const body = 'sku,quantity\nA-1,5\n';
    await acme.send(new PutObjectCommand({ Bucket: FILES_BUCKET, Key: key, Body: body }));
    await acme.send(new PutObjectCommand({ Bucket: FILES_BUCKET, Key: 'suppliers/acme/inbox/skipped.json', Body: '{}' }));
    await acme.send(new PutObjectCommand({ Bucket: FILES_BUCKET, Key: 'suppliers/globex/inbox/skipped.csv', Body: 'x' }));
    await local.send(new PutObjectCommand({ Bucket: FILES_BUCKET, Key: 'suppliers/acme/inbox/by-the-platform.csv', Body: 'y' }));
    const [hit] = await seen((o) => o.kind === 's3' && keyOf(o) === 'suppliers/acme/inbox/my+feed+%281%29.csv', 'the Put event');
    expect(hit?.detail['body']).toBe(body);
    expect(s3Record(hit as Observed)).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: `AWS:${localRoleId('AcmeRole')}:acme` },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: FILES_BUCKET, arn: `arn:aws:s3:::${FILES_BUCKET}` },
        object: { key: 'suppliers/acme/inbox/my+feed+%281%29.csv', size: Buffer.byteLength(body), eTag: md5(body) },
      },
    });
    const sequencer = String(((s3Record(hit as Observed)['s3'] as Record<string, unknown>)['object'] as Record<string, unknown>)['sequencer']);
    expect(sequencer).toMatch(/^[0-9A-F]{18}$/);
    // The handler's progress log line reaches the progress board npm run drop reads.
    const progress = await waitFor(
      'the progress report',
      async () => {
        const body = (await (await fetch(`${runtime.endpoints.s3.endpoint}/_local/progress?key=${encodeURIComponent(key)}`)).json()) as Record<string, unknown>;
        return body['rowsSoFar'] === null ? undefined : body;
      },
      5_000,
      50,
    );
    expect(progress).toMatchObject({ key, rowsSoFar: 1, phase: 'apply' });
    const [platform] = await seen((o) => o.kind === 's3' && keyOf(o) === 'suppliers/acme/inbox/by-the-platform.csv', 'the platform write');
    expect(s3Record(platform as Observed)['userIdentity']).toEqual({ principalId: 'AWS:local' });
    await runtime.s3Notifications.idle();
    const keys = observed.filter((o) => o.kind === 's3').map(keyOf);
    expect(keys).not.toContain('suppliers/acme/inbox/skipped.json');
    expect(keys).not.toContain('suppliers/globex/inbox/skipped.csv');
  });

  it('retries a failing function twice (async invoke), then records the failure', async () => {
    await acme.send(new PutObjectCommand({ Bucket: FILES_BUCKET, Key: 'suppliers/acme/inbox/poison.csv', Body: 'fail' }));
    const delivery = await waitFor(
      'the failed delivery',
      async () => runtime.s3Notifications.recent.find((d) => d.key === 'suppliers/acme/inbox/poison.csv'),
      15_000,
      100,
    );
    expect(delivery).toMatchObject({ ok: false, attempts: 3, target: 'InboxFunction', eventName: 'ObjectCreated:Put' });
    expect(delivery.error).toMatch(/failing on purpose/);
  });

  it('sends ObjectRemoved:Delete to an SQS destination; Copy and CompleteMultipartUpload per event type; EventBridge events', async () => {
    await acme.send(new DeleteObjectCommand({ Bucket: FILES_BUCKET, Key: 'suppliers/acme/inbox/skipped.json' }));
    const [removed] = await seen((o) => o.kind === 'queue' && JSON.stringify(o.detail).includes('skipped.json'), 'the delete on NotifiedQueue');
    const record = ((removed?.detail['Records'] as unknown[]) ?? [])[0] as Record<string, unknown>;
    expect(record).toMatchObject({ eventName: 'ObjectRemoved:Delete', s3: { object: { key: 'suppliers/acme/inbox/skipped.json' } } });
    expect((record['s3'] as { object: Record<string, unknown> }).object).not.toHaveProperty('eTag');

    // OtherBucket notifies only Copy and CompleteMultipartUpload under in/ (CDK custom resource shape).
    await local.send(new PutObjectCommand({ Bucket: 'otherbucket', Key: 'in/plain.csv', Body: 'plain' }));
    await local.send(new CopyObjectCommand({ Bucket: 'otherbucket', Key: 'in/copied.csv', CopySource: 'otherbucket/in/plain.csv' }));
    const created = await local.send(new CreateMultipartUploadCommand({ Bucket: 'otherbucket', Key: 'in/big.csv' }));
    const part1 = Buffer.alloc(5 * 1024 * 1024, 'a');
    const p1 = await local.send(new UploadPartCommand({ Bucket: 'otherbucket', Key: 'in/big.csv', UploadId: created.UploadId, PartNumber: 1, Body: part1 }));
    const p2 = await local.send(new UploadPartCommand({ Bucket: 'otherbucket', Key: 'in/big.csv', UploadId: created.UploadId, PartNumber: 2, Body: 'tail' }));
    await local.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'otherbucket',
        Key: 'in/big.csv',
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
      }),
    );
    const events = await seen((o) => o.kind === 's3' && keyOf(o).startsWith('in/'), 'the copy and multipart events', 2);
    expect(events.map((o) => [keyOf(o), s3Record(o)['eventName']]).sort()).toEqual([
      ['in/big.csv', 'ObjectCreated:CompleteMultipartUpload'],
      ['in/copied.csv', 'ObjectCreated:Copy'],
    ]);
    const big = events.find((o) => keyOf(o) === 'in/big.csv') as Observed;
    const multipartEtag = `${md5(Buffer.concat([createHash('md5').update(part1).digest(), createHash('md5').update('tail').digest()]))}-2`;
    expect(s3Record(big)['s3']).toMatchObject({ object: { size: part1.length + 4, eTag: multipartEtag } });
    expect(big.detail['bodyLength']).toBe(part1.length + 4);
    const res = await fetch(`${runtime.endpoints.eventBridge.endpoint}/_local/events?bus=default&detailType=${encodeURIComponent('Object Created')}`);
    const bus = (await res.json()) as { events: { event: { source: string; detail: { object: { key: string }; reason: string } } }[] };
    expect(bus.events.map((e) => [e.event.source, e.event.detail.object.key, e.event.detail.reason]).sort()).toEqual([
      ['aws.s3', 'in/big.csv', 'CompleteMultipartUpload'],
      ['aws.s3', 'in/copied.csv', 'CopyObject'],
      ['aws.s3', 'in/plain.csv', 'PutObject'],
    ]);
  });

  it('fires schedule rules on the short fixed interval with their Input, on demand, and never a DISABLED one', async () => {
    const ticks = await seen((o) => o.kind === 'tick' && JSON.stringify(o.detail) === '{"job":"tick"}', 'two ticks of TickRule', 2);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    const firing = await runtime.eventBridge.fireSchedule('TickRule');
    expect(firing).toMatchObject({ rule: 'TickRule', onDemand: true, results: [{ target: 'TickFunction', ok: true }] });
    const res = await fetch(`${runtime.endpoints.eventBridge.endpoint}/_local/schedules`);
    const { schedules } = (await res.json()) as { schedules: { name: string; firings: number; localIntervalMs?: number; note?: string }[] };
    const byName = new Map(schedules.map((s) => [s.name, s]));
    expect(byName.get('TickRule')).toMatchObject({ localIntervalMs: 300 });
    expect(byName.get('TickRule')?.firings).toBeGreaterThanOrEqual(3);
    expect(byName.get('CronRule')?.firings).toBeGreaterThanOrEqual(1);
    expect(byName.get('OffRule')).toMatchObject({ firings: 0, note: 'rule DISABLED in the template' });
    // The cron rule's scheduled event (no Input): the EventBridge scheduled-event shape.
    const [cron] = await seen((o) => o.kind === 'tick' && (o.detail as { resources?: string[] }).resources?.[0]?.endsWith('rule/CronRule') === true, 'a CronRule event');
    expect(cron?.detail).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
  });
});

describe('local S3 persistence', () => {
  it('keeps objects, ETags and LastModified across restarts; deletes stay deleted', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dropship-s3p-'));
    try {
      const first = await startLocalS3({ dataDir: dir });
      first.createBuckets(['keep']);
      await first.client.send(new PutObjectCommand({ Bucket: 'keep', Key: 'a/one.csv', Body: 'one' }));
      await first.client.send(new PutObjectCommand({ Bucket: 'keep', Key: 'a/two.csv', Body: 'two' }));
      await first.client.send(new DeleteObjectCommand({ Bucket: 'keep', Key: 'a/two.csv' }));
      const before = first.getObject('keep', 'a/one.csv');
      await first.stop();
      const second = await startLocalS3({ dataDir: dir });
      try {
        expect(second.bucketNames()).toEqual(['keep']);
        expect(second.listKeys('keep', '')).toEqual(['a/one.csv']);
        const out = await second.client.send(new GetObjectCommand({ Bucket: 'keep', Key: 'a/one.csv' }));
        expect(await out.Body?.transformToString()).toBe('one');
        expect(out.ETag).toBe(`"${md5('one')}"`);
        expect(out.LastModified?.toUTCString()).toBe(before?.lastModified.toUTCString());
        expect(second.stats.loaded).toBe(1);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `npm run replay-events`: republish the domain events of stream batches the stream router gave up on
 * (docs/infrastructure.md "When the stream DLQ alarms", docs/operations.md).
 *
 * A message of the stream DLQ (`StreamRouterDlq`) is the on-failure record of the stream mapping: the shard, the
 * first and last sequence numbers and the arrival times of the batch, not the records (the stream keeps them 24 h
 * only). The table is the outbox, so the tool re-reads the items written in that window and republishes them:
 *
 * 1. the window = [approximateArrivalOfFirstRecord − slack, approximateArrivalOfLastRecord + slack];
 * 2. the orders changed since the window opened (gsi2 `STATUS#{status}` partitions, `updatedAt ≥ from`: an order
 *    whose event was written in the window was updated then or later), plus `--order` ids; every
 *    TimelineEvent of theirs with `at` in the window, and the OrderReceived of an order created in it;
 * 3. every SupplierEvent of the known suppliers (`--supplier`, or the local stack's) with `at` in the window;
 * 4. each item becomes the exact bus entry the router builds (`classify`), same `detail.eventId` (the item's
 *    key), so a consumer that deduplicates on it (they all do) takes a replayed event once; PutEvents by 10;
 * 5. the DLQ message is deleted once every entry of its window is on the bus (`--keep` leaves it).
 *
 * A lost workflow start needs nothing: sweep-orders restarts RECEIVED orders without an execution.
 *
 *   npm run replay-events                       local stack (.local/endpoints.json): drain the stream DLQ
 *   npm run replay-events -- --dry-run          list what would be published, publish and delete nothing
 *   npm run replay-events -- --since 2026-12-07T03:00:00Z --until 2026-12-07T03:05:00Z [--order <id>]...
 *   npm run replay-events -- --aws --table <name> --dlq-url <url> --bus <name> [--supplier <id>]...
 *                                               AWS: default credential chain and region (AWS_REGION / profile)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod';
import { classify } from '../../functions/core/events/services/stream-router';
import { ORDER_STATUSES } from '../../functions/core/orders/domain/order';
import { GSI2 } from '../../functions/core/runtime/table/keys';

/** The stream mapping's on-failure record (what the stream DLQ holds); other fields are ignored. */
export const StreamDlqMessage = z.object({
  DDBStreamBatchInfo: z.object({
    shardId: z.string(),
    startSequenceNumber: z.string(),
    endSequenceNumber: z.string(),
    approximateArrivalOfFirstRecord: z.iso.datetime({ offset: true }),
    approximateArrivalOfLastRecord: z.iso.datetime({ offset: true }),
  }),
});

export interface Window {
  readonly from: string;
  readonly to: string;
}

export interface ReplayDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  readonly tableName: string;
  readonly dlqUrl: string | undefined;
  readonly busName: string;
  readonly supplierIds: readonly string[];
  readonly log: (line: string) => void;
}

export interface ReplayOptions {
  readonly dryRun: boolean;
  /** Leave the DLQ messages in place after a full replay. */
  readonly keep: boolean;
  /** Orders to look at besides those found changed since the window opened. */
  readonly orderIds: readonly string[];
  /** Seconds added before and after the batch's arrival times (clock skew between the writer and the stream). */
  readonly slackSeconds: number;
  /** A window given by hand (no DLQ read). */
  readonly window?: Window | undefined;
}

export interface WindowReport {
  readonly window: Window;
  readonly shardId?: string | undefined;
  readonly orders: number;
  readonly events: number;
  readonly published: number;
  readonly failed: number;
  readonly deleted: boolean;
}

/** The window of one DLQ message (undefined when the body is not a stream on-failure record). */
export function windowOf(body: string | undefined, slackSeconds: number): (Window & { readonly shardId: string }) | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
  const parsed = StreamDlqMessage.safeParse(json);
  if (!parsed.success) return undefined;
  const info = parsed.data.DDBStreamBatchInfo;
  const shift = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
  return { from: shift(info.approximateArrivalOfFirstRecord, -slackSeconds), to: shift(info.approximateArrivalOfLastRecord, slackSeconds), shardId: info.shardId };
}

const inWindow = (at: unknown, w: Window): boolean => typeof at === 'string' && at >= w.from && at <= w.to;

async function queryAll(deps: ReplayDeps, input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.ddb.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Orders whose item changed at or after `from` (gsi2 `STATUS#{status}` / `{updatedAt}#{orderId}`). */
export async function ordersChangedSince(deps: ReplayDeps, from: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const status of ORDER_STATUSES) {
    const items = await queryAll(deps, {
      TableName: deps.tableName,
      IndexName: GSI2,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk >= :from',
      ExpressionAttributeValues: { ':pk': `STATUS#${status}`, ':from': from },
    });
    for (const item of items) if (typeof item['orderId'] === 'string') ids.add(item['orderId']);
  }
  return [...ids];
}

/** The bus entry the stream router builds for an inserted item (undefined when it publishes nothing for it). */
export function entryOf(item: Record<string, unknown>, busName: string): PutEventsRequestEntry | undefined {
  const record = { eventName: 'INSERT', dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) } } as unknown as DynamoDBRecord;
  const action = classify(record, busName);
  if (action.kind === 'publish') return action.entry;
  return action.kind === 'start' ? action.received : undefined;
}

/** The domain events of the window: orders' timeline events and OrderReceived, suppliers' events. */
export async function eventsInWindow(deps: ReplayDeps, w: Window, orderIds: readonly string[]): Promise<PutEventsRequestEntry[]> {
  const entries: PutEventsRequestEntry[] = [];
  for (const orderId of orderIds) {
    const items = await queryAll(deps, { TableName: deps.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` }, ConsistentRead: true });
    for (const item of items) {
      const when = item['entity'] === 'Order' ? item['createdAt'] : item['entity'] === 'TimelineEvent' ? item['at'] : undefined;
      const entry = inWindow(when, w) ? entryOf(item, deps.busName) : undefined;
      if (entry !== undefined) entries.push(entry);
    }
  }
  for (const supplierId of deps.supplierIds) {
    const items = await queryAll(deps, {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
      ExpressionAttributeValues: { ':pk': `SUPPLIER#${supplierId}`, ':event': 'EVENT#' },
      ConsistentRead: true,
    });
    for (const item of items) {
      const entry = item['entity'] === 'SupplierEvent' && inWindow(item['at'], w) ? entryOf(item, deps.busName) : undefined;
      if (entry !== undefined) entries.push(entry);
    }
  }
  return entries;
}

/** PutEvents by 10; returns how many went on the bus and how many failed (each failure logged with its eventId). */
export async function publish(deps: ReplayDeps, entries: readonly PutEventsRequestEntry[]): Promise<{ published: number; failed: number }> {
  let published = 0;
  let failed = 0;
  for (let i = 0; i < entries.length; i += 10) {
    const batch = entries.slice(i, i + 10);
    const out = await deps.eventBridge.send(new PutEventsCommand({ Entries: batch }));
    const results: { ErrorCode?: string | undefined; ErrorMessage?: string | undefined }[] = out.Entries ?? batch.map(() => ({}));
    results.forEach((result, j) => {
      if (result.ErrorCode === undefined) {
        published++;
        return;
      }
      failed++;
      const eventId = (JSON.parse(batch[j]?.Detail ?? '{}') as { eventId?: string }).eventId;
      deps.log(`  failed ${eventId ?? '?'}: ${result.ErrorCode} ${result.ErrorMessage ?? ''}`);
    });
  }
  return { published, failed };
}

async function replayWindow(deps: ReplayDeps, w: Window, options: ReplayOptions): Promise<Omit<WindowReport, 'deleted'>> {
  const orderIds = [...new Set([...(await ordersChangedSince(deps, w.from)), ...options.orderIds])];
  const entries = await eventsInWindow(deps, w, orderIds);
  deps.log(`window ${w.from} .. ${w.to}: ${orderIds.length} order(s) looked at, ${entries.length} event(s)`);
  if (options.dryRun) {
    for (const e of entries) deps.log(`  would publish ${e.DetailType} ${(JSON.parse(e.Detail ?? '{}') as { eventId?: string }).eventId ?? ''}`);
    return { window: w, orders: orderIds.length, events: entries.length, published: 0, failed: 0 };
  }
  const { published, failed } = await publish(deps, entries);
  return { window: w, orders: orderIds.length, events: entries.length, published, failed };
}

// Long: the DLQ drain loop (receive, replay each message's window, delete) reads best in one piece.
/** Replay a window given by hand, or drain the stream DLQ: one report per window. */
export async function replay(deps: ReplayDeps, options: ReplayOptions): Promise<WindowReport[]> {
  if (options.window !== undefined) return [{ ...(await replayWindow(deps, options.window, options)), deleted: false }];
  if (deps.dlqUrl === undefined) throw new Error('No stream DLQ URL: pass --dlq-url (or STREAM_DLQ_URL), or --since/--until');
  const reports: WindowReport[] = [];
  const seen = new Set<string>();
  for (;;) {
    const out = await deps.sqs.send(new ReceiveMessageCommand({ QueueUrl: deps.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 300 }));
    const messages = (out.Messages ?? []).filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
    if (messages.length === 0) break;
    for (const message of messages) {
      seen.add(message.MessageId ?? '');
      const w = windowOf(message.Body, options.slackSeconds);
      if (w === undefined) {
        deps.log(`message ${message.MessageId ?? '?'} is not a stream on-failure record: left in the queue`);
        continue;
      }
      const report = await replayWindow(deps, w, options);
      const complete = !options.dryRun && report.failed === 0;
      if (complete && !options.keep && message.ReceiptHandle !== undefined) {
        await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: deps.dlqUrl, ReceiptHandle: message.ReceiptHandle }));
      }
      reports.push({ ...report, shardId: w.shardId, deleted: complete && !options.keep });
    }
  }
  return reports;
}

// ------------------------------------------------------------------------------------------------ CLI

interface LocalFile {
  readonly dynamodb: { readonly endpoint: string; readonly tableName: string };
  readonly sqs: { readonly endpoint: string; readonly queues: readonly { readonly logicalId: string; readonly url: string }[] };
  readonly eventBridge: { readonly endpoint: string; readonly busName: string | null };
  readonly suppliers: readonly { readonly id: string }[];
}

async function depsFrom(values: Record<string, string | boolean | string[] | undefined>): Promise<ReplayDeps> {
  const list = (name: string): string[] => (Array.isArray(values[name]) ? (values[name] as string[]) : []);
  const str = (name: string, env: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : process.env[env]);
  const log = (line: string) => console.error(line);
  if (values['aws'] === true) {
    const tableName = str('table', 'TABLE_NAME');
    const busName = str('bus', 'EVENT_BUS_NAME');
    if (tableName === undefined || busName === undefined) throw new Error('--aws needs --table (TABLE_NAME) and --bus (EVENT_BUS_NAME)');
    const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
    return { ddb, sqs: new SQSClient({}), eventBridge: new EventBridgeClient({}), tableName, dlqUrl: str('dlq-url', 'STREAM_DLQ_URL'), busName, supplierIds: list('supplier'), log };
  }
  const file = path.join(process.cwd(), '.local', 'endpoints.json');
  const e = JSON.parse(await readFile(file, 'utf8').catch(() => { throw new Error(`${file} not found: start the local stack (npm start) or pass --aws`); })) as LocalFile;
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ ...local, endpoint: e.dynamodb.endpoint }), { marshallOptions: { removeUndefinedValues: true } });
  const dlq = e.sqs.queues.find((q) => q.logicalId === 'StreamRouterDlq')?.url;
  return {
    ddb,
    sqs: new SQSClient({ ...local, endpoint: e.sqs.endpoint }),
    eventBridge: new EventBridgeClient({ ...local, endpoint: e.eventBridge.endpoint }),
    tableName: e.dynamodb.tableName,
    dlqUrl: str('dlq-url', 'STREAM_DLQ_URL') ?? dlq,
    busName: str('bus', 'EVENT_BUS_NAME') ?? e.eventBridge.busName ?? 'default',
    supplierIds: list('supplier').length > 0 ? list('supplier') : e.suppliers.map((s) => s.id),
    log,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      aws: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      order: { type: 'string', multiple: true },
      supplier: { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      slack: { type: 'string', default: '5' },
      table: { type: 'string' },
      'dlq-url': { type: 'string' },
      bus: { type: 'string' },
    },
  });
  const iso = z.iso.datetime({ offset: true });
  const since = values.since === undefined ? undefined : iso.parse(values.since);
  const until = values.until === undefined ? undefined : iso.parse(values.until);
  if ((since === undefined) !== (until === undefined)) throw new Error('--since and --until go together');
  const deps = await depsFrom(values);
  const reports = await replay(deps, {
    dryRun: values['dry-run'],
    keep: values.keep,
    orderIds: values.order ?? [],
    slackSeconds: z.coerce.number().min(0).max(3600).parse(values.slack),
    window: since === undefined || until === undefined ? undefined : { from: new Date(since).toISOString(), to: new Date(until).toISOString() },
  });
  console.log(JSON.stringify({ windows: reports.length, published: reports.reduce((n, r) => n + r.published, 0), failed: reports.reduce((n, r) => n + r.failed, 0), reports }, null, 2));
  if (reports.some((r) => r.failed > 0)) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(`replay-events: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}

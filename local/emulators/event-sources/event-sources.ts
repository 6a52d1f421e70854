/**
 * Local AWS::Lambda::EventSourceMapping: the pollers Lambda runs for SQS queues and DynamoDB streams,
 * invoking the mapped function's local worker with the same event shapes.
 *
 * SQS (per mapping, 2 pollers):
 * - long-poll ReceiveMessage (BatchSize up to 10 per receive; larger batches and
 *   MaximumBatchingWindowInSeconds gather several receives, the window capped at `maxBatchingWindowMs`);
 * - records carry messageId, receiptHandle, body, attributes, messageAttributes, md5OfBody,
 *   eventSource `aws:sqs`, eventSourceARN, awsRegion;
 * - FilterCriteria: messages that match no filter are deleted without an invoke (as AWS does); a JSON
 *   body is matched as an object;
 * - success: the batch is deleted; ReportBatchItemFailures: everything but the reported messageIds is
 *   deleted (an invalid response fails the whole batch); a function error deletes nothing;
 * - failed messages become visible again after the queue's VisibilityTimeout scaled by the time scale
 *   (at least 1 s; ChangeMessageVisibility), so redrive to the DLQ after maxReceiveCount works in seconds.
 *
 * DynamoDB streams (DynamoDB Local implements the Streams API): DescribeStream / GetShardIterator /
 * GetRecords every `pollIntervalMs`, per shard in order (parents before children):
 * - FilterCriteria on the record (`{"eventName": ["INSERT"], "dynamodb": {"NewImage": ...}}`);
 *   records that match no filter are skipped and checkpointed;
 * - BatchSize, batching window (capped), ReportBatchItemFailures with checkpoint semantics (the batch is
 *   retried from the lowest failed sequence number; records before it count as processed);
 * - function error: BisectBatchOnFunctionError splits the batch and retries the halves; retries back off
 *   (0.1 s doubling to 5 s), bounded by MaximumRetryAttempts and MaximumRecordAgeInSeconds; then the
 *   batch's metadata goes to the on-failure destination (an SQS queue of the template, same JSON as AWS)
 *   and the shard moves on.
 * - Position: checkpoints (last sequence number per shard) are kept in `<dataDir>/event-sources.json`,
 *   so a restart resumes where it stopped instead of replaying the stream; without a checkpoint the
 *   mapping's StartingPosition applies (TRIM_HORIZON: consumers must be, and are, idempotent).
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sleep } from '../clock';
import { DynamoStreamsClient, StreamsError, type StreamRecord, type StreamShard } from '../dynamodb/streams';
import type { InvokeResult } from '../lambda/lambda';
import { passesFilters } from '../patterns';
import { LOCAL_REGION } from '../../template/resolve';
import type { TableSpec } from '../../template/tables';
import type { EventSourceMappingSpec, QueueSpec } from '../../template/queues';
import { isRecord } from '../../../functions/core/kernel/guards';

export type Invoke = (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;

export interface EventSourcesOptions {
  readonly mappings: readonly EventSourceMappingSpec[];
  readonly invoke: Invoke;
  readonly functionArn: (functionLogicalId: string) => string;
  readonly sqs?: SQSClient;
  readonly queues: readonly QueueSpec[];
  readonly dynamodb?: { readonly client: DynamoDBClient; readonly endpoint: string };
  readonly tables: readonly TableSpec[];
  /** Where checkpoints are kept (undefined: in memory only). */
  readonly dataDir?: string;
  /** Multiplier for SQS visibility timeouts of failed messages (the runtime's time scale). @default 1 */
  readonly timeScale?: number;
  /** Stream polling interval. @default 100 */
  readonly pollIntervalMs?: number;
  /** Cap on MaximumBatchingWindowInSeconds. @default 100 */
  readonly maxBatchingWindowMs?: number;
  readonly log?: (line: string) => void;
}

export interface MappingStats {
  readonly logicalId: string;
  readonly kind: string;
  invocations: number;
  records: number;
  filteredOut: number;
  failedInvocations: number;
  sentToOnFailure: number;
}


/** Parse a ReportBatchItemFailures response: the failed identifiers, or 'invalid' (= whole batch failed). */
export function batchItemFailures(value: unknown, known: ReadonlySet<string>): Set<string> | 'invalid' {
  if (value === null || value === undefined) return new Set();
  if (!isRecord(value)) return new Set();
  const list = value['batchItemFailures'];
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return 'invalid';
  const out = new Set<string>();
  for (const item of list) {
    const id = isRecord(item) ? item['itemIdentifier'] : undefined;
    if (typeof id !== 'string' || id === '' || !known.has(id)) return 'invalid';
    out.add(id);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// SQS

function sqsRecord(m: Message, queueArn: string): Record<string, unknown> {
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.Attributes ?? {})) if (typeof v === 'string') attributes[k] = v;
  const messageAttributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) {
    messageAttributes[k] = {
      ...(v.StringValue === undefined ? {} : { stringValue: v.StringValue }),
      ...(v.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(v.BinaryValue).toString('base64') }),
      stringListValues: v.StringListValues ?? [],
      binaryListValues: (v.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: v.DataType ?? 'String',
    };
  }
  return {
    messageId: m.MessageId,
    receiptHandle: m.ReceiptHandle,
    body: m.Body ?? '',
    attributes,
    messageAttributes,
    md5OfBody: m.MD5OfBody,
    ...(m.MD5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: m.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/** What SQS filters see: the record with a JSON body parsed (AWS filters on body fields that way). */
function sqsFilterView(record: Record<string, unknown>): Record<string, unknown> {
  const body = record['body'];
  if (typeof body !== 'string') return record;
  try {
    return { ...record, body: JSON.parse(body) as unknown };
  } catch {
    return record;
  }
}

class SqsMapping {
  readonly stats: MappingStats;
  private visibilitySeconds = 30;

  constructor(
    private readonly spec: EventSourceMappingSpec & { source: { kind: 'sqs' } },
    private readonly queue: QueueSpec,
    private readonly client: SQSClient,
    private readonly opts: EventSourcesOptions,
  ) {
    this.stats = { logicalId: spec.logicalId, kind: 'sqs', invocations: 0, records: 0, filteredOut: 0, failedInvocations: 0, sentToOnFailure: 0 };
  }

  async run(signal: AbortSignal): Promise<void> {
    const attrs = await this.client
      .send(new GetQueueAttributesCommand({ QueueUrl: this.queue.url, AttributeNames: ['VisibilityTimeout'] }), { abortSignal: signal })
      .catch(() => undefined);
    this.visibilitySeconds = Number(attrs?.Attributes?.['VisibilityTimeout'] ?? this.queue.attributes['VisibilityTimeout'] ?? 30);
    const pollers = Math.max(1, Math.min(this.spec.maxConcurrency ?? 2, 2));
    await Promise.all(Array.from({ length: pollers }, () => this.poll(signal)));
  }

  private async receive(max: number, waitSeconds: number, signal: AbortSignal): Promise<Message[]> {
    const out = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queue.url,
        MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: signal },
    );
    return out.Messages ?? [];
  }

  private async poll(signal: AbortSignal): Promise<void> {
    const windowMs = Math.min(this.spec.maxBatchingWindowSeconds * 1000, this.opts.maxBatchingWindowMs ?? 100);
    while (!signal.aborted) {
      let batch: Message[];
      try {
        batch = await this.receive(this.spec.batchSize, 1, signal);
        const until = Date.now() + windowMs;
        while (batch.length > 0 && batch.length < this.spec.batchSize && Date.now() < until && !signal.aborted) {
          const more = await this.receive(this.spec.batchSize - batch.length, 0, signal);
          if (more.length === 0) await sleep(Math.min(20, until - Date.now()), signal);
          batch.push(...more);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.opts.log?.(`  [event source ${this.spec.logicalId}] receive failed: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(1000, signal);
        continue;
      }
      if (batch.length === 0 || signal.aborted) continue;
      await this.deliver(batch, signal).catch((error: unknown) => {
        this.opts.log?.(`  [event source ${this.spec.logicalId}] delivery failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  }

  private async deliver(messages: Message[], signal: AbortSignal): Promise<void> {
    const records = messages.map((m) => sqsRecord(m, this.queue.arn));
    const passing: Record<string, unknown>[] = [];
    const done: Message[] = [];
    records.forEach((r, i) => {
      if (passesFilters(this.spec.filters, sqsFilterView(r))) passing.push(r);
      else {
        this.stats.filteredOut++;
        done.push(messages[i] as Message);
      }
    });
    let failed = new Set<string>();
    if (passing.length > 0 && this.spec.functionLogicalId !== undefined) {
      this.stats.invocations++;
      this.stats.records += passing.length;
      const result = await this.opts.invoke(this.spec.functionLogicalId, { Records: passing });
      const ids = new Set(passing.map((r) => String(r['messageId'])));
      if (!result.ok) {
        this.stats.failedInvocations++;
        failed = ids;
      } else if (this.spec.reportBatchItemFailures) {
        const reported = batchItemFailures(result.value, ids);
        failed = reported === 'invalid' ? ids : reported;
      }
      if (this.queue.fifo && failed.size > 0) {
        // FIFO: nothing after the first failure may be deleted (ordering per message group).
        const firstFailed = passing.findIndex((r) => failed.has(String(r['messageId'])));
        for (const r of passing.slice(firstFailed)) failed.add(String(r['messageId']));
      }
    }
    for (const m of messages) if (!failed.has(m.MessageId ?? '') && !done.includes(m)) done.push(m);
    if (done.length > 0) {
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queue.url,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
        { abortSignal: signal },
      );
    }
    if (failed.size > 0) {
      const retryIn = Math.max(1, Math.min(this.visibilitySeconds, Math.round(this.visibilitySeconds * (this.opts.timeScale ?? 1))));
      await Promise.all(
        messages
          .filter((m) => failed.has(m.MessageId ?? ''))
          .map((m) =>
            this.client
              .send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queue.url, ReceiptHandle: m.ReceiptHandle ?? '', VisibilityTimeout: retryIn }))
              .catch(() => undefined),
          ),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// DynamoDB streams

interface Checkpoints {
  [mappingLogicalId: string]: { streamArn: string; shards: Record<string, string> };
}

interface ShardState {
  readonly shard: StreamShard;
  iterator?: string | undefined;
  /** Last sequence number handed to the function (or skipped by filters). */
  checkpoint?: string | undefined;
  /** GetRecords returned no next iterator: closed and drained. */
  finished: boolean;
  buffer: StreamRecord[];
  /** When the oldest buffered record arrived (batching window). */
  bufferedAt?: number | undefined;
}

class StreamMapping {
  readonly stats: MappingStats;
  private streamArn = '';
  private readonly shards = new Map<string, ShardState>();
  private lastDescribe = 0;

  constructor(
    private readonly spec: EventSourceMappingSpec & { source: { kind: 'dynamodb' } },
    private readonly tableName: string,
    private readonly ddb: DynamoDBClient,
    private readonly streams: DynamoStreamsClient,
    private readonly opts: EventSourcesOptions,
    private readonly saved: Checkpoints[string] | undefined,
    private readonly onCheckpoint: (streamArn: string, shards: Record<string, string>) => void,
    private readonly sendOnFailure: (arn: string, body: unknown) => Promise<void>,
  ) {
    this.stats = { logicalId: spec.logicalId, kind: 'dynamodb', invocations: 0, records: 0, filteredOut: 0, failedInvocations: 0, sentToOnFailure: 0 };
  }

  async run(signal: AbortSignal): Promise<void> {
    const table = await this.ddb.send(new DescribeTableCommand({ TableName: this.tableName }), { abortSignal: signal });
    const arn = table.Table?.LatestStreamArn;
    if (arn === undefined) {
      this.opts.log?.(`  [event source ${this.spec.logicalId}] table ${this.tableName} has no stream: mapping not started`);
      return;
    }
    this.streamArn = arn;
    const pollMs = this.opts.pollIntervalMs ?? 100;
    while (!signal.aborted) {
      let busy = false;
      try {
        busy = await this.cycle(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.opts.log?.(`  [event source ${this.spec.logicalId}] stream poll failed: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(1000, signal);
      }
      if (!busy) await sleep(pollMs, signal);
    }
  }

  private checkpointsObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, s] of this.shards) if (s.checkpoint !== undefined) out[id] = s.checkpoint;
    return out;
  }

  private async refreshShards(signal: AbortSignal): Promise<void> {
    const listed = await this.streams.listShards(this.streamArn, signal);
    const savedShards = this.saved !== undefined && this.saved.streamArn === this.streamArn ? this.saved.shards : {};
    for (const shard of listed) {
      if (this.shards.has(shard.ShardId)) continue;
      const checkpoint = savedShards[shard.ShardId];
      this.shards.set(shard.ShardId, { shard, checkpoint, finished: false, buffer: [] });
    }
    this.lastDescribe = Date.now();
  }

  private async openIterator(state: ShardState, isFirstGeneration: boolean, signal: AbortSignal): Promise<void> {
    const id = state.shard.ShardId;
    try {
      state.iterator =
        state.checkpoint !== undefined
          ? await this.streams.shardIterator(this.streamArn, id, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: state.checkpoint }, signal)
          : await this.streams.shardIterator(
              this.streamArn,
              id,
              { type: isFirstGeneration && this.spec.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON' },
              signal,
            );
    } catch (error) {
      if (error instanceof StreamsError && (error.type === 'TrimmedDataAccessException' || error.type === 'ResourceNotFoundException')) {
        state.checkpoint = undefined;
        state.iterator = await this.streams.shardIterator(this.streamArn, id, { type: 'TRIM_HORIZON' }, signal);
      } else {
        throw error;
      }
    }
    if (state.iterator === undefined) state.finished = true;
  }

  /** One polling round over every shard; true when there was work (poll again right away). */
  private async cycle(signal: AbortSignal): Promise<boolean> {
    const anyOpen = [...this.shards.values()].some((s) => !s.finished);
    if (this.shards.size === 0 || !anyOpen || Date.now() - this.lastDescribe > 10_000) await this.refreshShards(signal);
    let busy = false;
    const initialIds = new Set(this.saved?.streamArn === this.streamArn ? Object.keys(this.saved.shards) : []);
    for (const state of this.shards.values()) {
      if (state.finished && state.buffer.length === 0) continue;
      const parent = state.shard.ParentShardId === undefined ? undefined : this.shards.get(state.shard.ParentShardId);
      if (parent !== undefined && !(parent.finished && parent.buffer.length === 0)) continue; // parents first
      if (!state.finished && state.iterator === undefined) {
        await this.openIterator(state, parent === undefined && (initialIds.size === 0 || initialIds.has(state.shard.ShardId)), signal);
      }
      if (!state.finished && state.iterator !== undefined && state.buffer.length < 10_000) {
        try {
          const out = await this.streams.records(state.iterator, 1000, signal);
          state.iterator = out.next;
          if (out.next === undefined) state.finished = true;
          if (out.records.length > 0) {
            state.buffer.push(...out.records);
            state.bufferedAt ??= Date.now();
            busy = true;
          }
        } catch (error) {
          if (error instanceof StreamsError && (error.type === 'ExpiredIteratorException' || error.type === 'TrimmedDataAccessException')) {
            state.iterator = undefined;
            continue;
          }
          throw error;
        }
      }
      if (await this.drain(state, signal)) busy = true;
    }
    return busy;
  }

  private toLambdaRecord(r: StreamRecord): Record<string, unknown> {
    return {
      ...r,
      awsRegion: LOCAL_REGION,
      eventSource: 'aws:dynamodb',
      eventVersion: r.eventVersion ?? '1.1',
      eventSourceARN: this.streamArn.replace(':ddblocal:', `:${LOCAL_REGION}:`),
    };
  }

  /** Hand buffered records to the function in batches; true when something was delivered. */
  private async drain(state: ShardState, signal: AbortSignal): Promise<boolean> {
    let delivered = false;
    const windowMs = Math.min(this.spec.maxBatchingWindowSeconds * 1000, this.opts.maxBatchingWindowMs ?? 100);
    while (state.buffer.length > 0 && !signal.aborted) {
      const full = state.buffer.length >= this.spec.batchSize;
      const windowOver = state.bufferedAt === undefined || Date.now() - state.bufferedAt >= windowMs || state.finished;
      if (!full && !windowOver) break;
      const raw = state.buffer.splice(0, this.spec.batchSize);
      state.bufferedAt = state.buffer.length > 0 ? Date.now() : undefined;
      const records = raw.map((r) => this.toLambdaRecord(r));
      const passing = records.filter((r) => passesFilters(this.spec.filters, r));
      this.stats.filteredOut += records.length - passing.length;
      if (passing.length > 0 && this.spec.functionLogicalId !== undefined) {
        await this.deliver(passing, 0, state, signal);
      }
      const last = raw[raw.length - 1];
      if (last !== undefined && !signal.aborted) {
        state.checkpoint = last.dynamodb.SequenceNumber;
        this.onCheckpoint(this.streamArn, this.checkpointsObject());
      }
      delivered = true;
    }
    return delivered;
  }

  private seq(r: Record<string, unknown>): string {
    const d = r['dynamodb'];
    return isRecord(d) ? String(d['SequenceNumber']) : '';
  }

  /** Deliver until the batch succeeds or is given up (sent to the on-failure destination). */
  private async deliver(batch: Record<string, unknown>[], startAttempts: number, state: ShardState, signal: AbortSignal): Promise<void> {
    let pending = batch;
    let attempts = startAttempts;
    const functionLogicalId = this.spec.functionLogicalId as string;
    while (pending.length > 0 && !signal.aborted) {
      const first = pending[0] as Record<string, unknown>;
      const created = isRecord(first['dynamodb']) ? Number(first['dynamodb']['ApproximateCreationDateTime'] ?? 0) : 0;
      const ageSeconds = created > 0 ? Date.now() / 1000 - created : 0;
      const tooOld = this.spec.maxRecordAgeSeconds >= 0 && ageSeconds > this.spec.maxRecordAgeSeconds;
      const exhausted = this.spec.maxRetryAttempts >= 0 && attempts > this.spec.maxRetryAttempts;
      if (tooOld || exhausted) {
        await this.giveUp(pending, state, tooOld ? 'EventAgeExceeded' : 'RetryAttemptsExhausted', attempts);
        return;
      }
      this.stats.invocations++;
      this.stats.records += pending.length;
      const result = await this.opts.invoke(functionLogicalId, { Records: pending });
      if (result.ok) {
        if (!this.spec.reportBatchItemFailures) return;
        const ids = new Set(pending.map((r) => this.seq(r)));
        const failed = batchItemFailures(result.value, ids);
        if (failed !== 'invalid') {
          if (failed.size === 0) return;
          const index = pending.findIndex((r) => failed.has(this.seq(r)));
          pending = pending.slice(Math.max(0, index));
          attempts++;
          await sleep(Math.min(5000, 100 * 2 ** Math.min(attempts, 6)), signal);
          continue;
        }
      }
      this.stats.failedInvocations++;
      if (this.spec.bisectOnError && pending.length > 1) {
        const half = Math.ceil(pending.length / 2);
        await this.deliver(pending.slice(0, half), attempts + 1, state, signal);
        await this.deliver(pending.slice(half), attempts + 1, state, signal);
        return;
      }
      attempts++;
      await sleep(Math.min(5000, 100 * 2 ** Math.min(attempts, 6)), signal);
    }
  }

  private async giveUp(batch: Record<string, unknown>[], state: ShardState, condition: string, attempts: number): Promise<void> {
    this.stats.sentToOnFailure += batch.length;
    const first = batch[0] as Record<string, unknown>;
    const last = batch[batch.length - 1] as Record<string, unknown>;
    const created = (r: Record<string, unknown>): string =>
      new Date(Number(isRecord(r['dynamodb']) ? r['dynamodb']['ApproximateCreationDateTime'] : 0) * 1000).toISOString();
    const body = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: this.opts.functionArn(this.spec.functionLogicalId as string),
        condition,
        approximateInvokeCount: attempts + 1,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId: state.shard.ShardId,
        startSequenceNumber: this.seq(first),
        endSequenceNumber: this.seq(last),
        approximateArrivalOfFirstRecord: created(first),
        approximateArrivalOfLastRecord: created(last),
        batchSize: batch.length,
        streamArn: this.streamArn,
      },
    };
    this.opts.log?.(
      `  [event source ${this.spec.logicalId}] gave up on ${batch.length} stream record(s) (${condition})${this.spec.onFailureArn === undefined ? '' : ' -> on-failure destination'}`,
    );
    if (this.spec.onFailureArn !== undefined) await this.sendOnFailure(this.spec.onFailureArn, body);
  }
}

// ---------------------------------------------------------------------------------------------------

export class EventSources {
  private readonly controller = new AbortController();
  private readonly running: Promise<void>[] = [];
  private readonly sqsMappings: SqsMapping[] = [];
  private readonly streamMappings: StreamMapping[] = [];
  private checkpoints: Checkpoints = {};
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  readonly skipped: { logicalId: string; reason: string }[] = [];

  constructor(private readonly opts: EventSourcesOptions) {}

  private get file(): string | undefined {
    return this.opts.dataDir === undefined ? undefined : path.join(this.opts.dataDir, 'event-sources.json');
  }

  async start(): Promise<void> {
    const file = this.file;
    if (file !== undefined) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (isRecord(parsed)) this.checkpoints = parsed as Checkpoints;
        } catch {
          this.checkpoints = {};
        }
      }
    }
    const queuesByArn = new Map(this.opts.queues.map((q) => [q.arn, q]));
    const streams = this.opts.dynamodb === undefined ? undefined : new DynamoStreamsClient(this.opts.dynamodb.endpoint);
    for (const spec of this.opts.mappings) {
      if (!spec.enabled) {
        this.skipped.push({ logicalId: spec.logicalId, reason: 'disabled in the template' });
        continue;
      }
      if (spec.functionLogicalId === undefined) {
        this.skipped.push({ logicalId: spec.logicalId, reason: `function ${spec.functionName} is not run locally` });
        continue;
      }
      const source = spec.source;
      if (source.kind === 'sqs') {
        const queue = queuesByArn.get(source.queueArn) ?? this.opts.queues.find((q) => q.logicalId === source.queueLogicalId);
        if (queue === undefined || this.opts.sqs === undefined) {
          this.skipped.push({ logicalId: spec.logicalId, reason: `queue ${source.queueLogicalId} is not emulated` });
          continue;
        }
        this.sqsMappings.push(new SqsMapping({ ...spec, source }, queue, this.opts.sqs, this.opts));
      } else if (source.kind === 'dynamodb') {
        const table = this.opts.tables.find((t) => t.logicalId === source.tableLogicalId);
        if (table === undefined || this.opts.dynamodb === undefined || streams === undefined) {
          this.skipped.push({ logicalId: spec.logicalId, reason: `table ${source.tableLogicalId} is not emulated` });
          continue;
        }
        this.streamMappings.push(
          new StreamMapping(
            { ...spec, source },
            table.tableName,
            this.opts.dynamodb.client,
            streams,
            this.opts,
            this.checkpoints[spec.logicalId],
            (streamArn, shards) => this.checkpoint(spec.logicalId, streamArn, shards),
            (arn, body) => this.sendOnFailure(arn, body),
          ),
        );
      } else {
        this.skipped.push({ logicalId: spec.logicalId, reason: `event source ${source.arn} is not emulated locally` });
      }
    }
    const signal = this.controller.signal;
    for (const m of [...this.sqsMappings, ...this.streamMappings]) {
      this.running.push(
        m.run(signal).catch((error: unknown) => {
          if (!signal.aborted) this.opts.log?.(`  [event source ${m.stats.logicalId}] stopped: ${error instanceof Error ? error.message : String(error)}`);
        }),
      );
    }
  }

  get stats(): readonly MappingStats[] {
    return [...this.sqsMappings, ...this.streamMappings].map((m) => m.stats);
  }

  private async sendOnFailure(arn: string, body: unknown): Promise<void> {
    const queue = this.opts.queues.find((q) => q.arn === arn);
    if (queue === undefined || this.opts.sqs === undefined) {
      this.opts.log?.(`  on-failure destination ${arn} is not an emulated queue: record metadata dropped`);
      return;
    }
    await this.opts.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(body) }));
  }

  private checkpoint(logicalId: string, streamArn: string, shards: Record<string, string>): void {
    this.checkpoints[logicalId] = { streamArn, shards };
    if (this.file === undefined || this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.save()).catch(() => undefined);
    }, 500);
    this.saveTimer.unref();
  }

  private async save(): Promise<void> {
    const file = this.file;
    if (file === undefined) return;
    await writeFile(`${file}.tmp`, JSON.stringify(this.checkpoints, null, 1));
    await rename(`${file}.tmp`, file);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.running);
    if (this.saveTimer !== undefined) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    await this.saving;
    await this.save().catch(() => undefined);
  }
}

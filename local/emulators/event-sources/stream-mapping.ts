/**
 * A DynamoDB stream event source mapping: DescribeStream / GetShardIterator / GetRecords every
 * `pollIntervalMs`, per shard in order (parents before children), FilterCriteria, batches and batching
 * window, ReportBatchItemFailures with checkpoint semantics, BisectBatchOnFunctionError, retries with
 * back-off bounded by MaximumRetryAttempts and MaximumRecordAgeInSeconds, then the on-failure
 * destination; each shard's position reported to the checkpoint store.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isRecord } from '../../../functions/core/kernel/guards';
import type { EventSourceMappingSpec } from '../../template/queues';
import { LOCAL_REGION } from '../../template/local-ids';
import { sleep } from '../clock';
import { Wakeup } from './wakeup';
import { DynamoStreamsClient, StreamsError, type StreamRecord, type StreamShard } from '../dynamodb/streams';
import { passesFilters } from '../patterns';
import type { MappingCheckpoint } from './checkpoints';
import { batchItemFailures, type EventSourcesOptions, type MappingStats } from './shared';

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

/** Shortest time between two polls of a woken poller (bounds the GetRecords rate under load). */
const MIN_POLL_GAP_MS = 10;

export class StreamMapping {
  readonly stats: MappingStats;
  private streamArn = '';
  private readonly shards = new Map<string, ShardState>();
  private readonly wakeup = new Wakeup();
  private lastDescribe = 0;

  constructor(
    private readonly spec: EventSourceMappingSpec & { source: { kind: 'dynamodb' } },
    private readonly tableName: string,
    private readonly ddb: DynamoDBClient,
    private readonly streams: DynamoStreamsClient,
    private readonly opts: EventSourcesOptions,
    private readonly saved: MappingCheckpoint | undefined,
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
      const started = Date.now();
      try {
        busy = await this.cycle(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.opts.log?.(`  [event source ${this.spec.logicalId}] stream poll failed: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(1000, signal);
      }
      if (!busy) {
        await this.wakeup.wait(this.nextPollIn(pollMs), signal);
        // Woken at once: still at most one poll per MIN_POLL_GAP_MS (under load invocations end constantly).
        const gap = MIN_POLL_GAP_MS - (Date.now() - started);
        if (gap > 0) await sleep(gap, signal);
      }
    }
  }

  /** A new stream record may be there (a function invocation ended): poll now instead of on the interval. */
  wake(): void {
    this.wakeup.ring();
  }

  /** Until the next poll: the interval, or sooner when a buffered batch's window ends first. */
  private nextPollIn(pollMs: number): number {
    const windowMs = Math.min(this.spec.maxBatchingWindowSeconds * 1000, this.opts.maxBatchingWindowMs ?? 100);
    let next = pollMs;
    for (const s of this.shards.values()) {
      if (s.bufferedAt !== undefined && s.buffer.length > 0) next = Math.min(next, s.bufferedAt + windowMs - Date.now());
    }
    return Math.max(1, next);
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

/**
 * Local AWS::Lambda::EventSourceMapping: the pollers Lambda runs for SQS queues (sqs-mapping.ts) and
 * DynamoDB streams (stream-mapping.ts), invoking the mapped function's local worker with the same event
 * shapes.
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
 * GetRecords as soon as a function invocation ends (`wake()`, at most one poll per 10 ms) and every
 * `pollIntervalMs` otherwise, per shard in order (parents before children):
 * - FilterCriteria on the record (`{"eventName": ["INSERT"], "dynamodb": {"NewImage": ...}}`);
 *   records that match no filter are skipped and checkpointed;
 * - BatchSize, batching window (capped), ReportBatchItemFailures with checkpoint semantics (the batch is
 *   retried from the lowest failed sequence number; records before it count as processed);
 * - function error: BisectBatchOnFunctionError splits the batch and retries the halves; retries back off
 *   (0.1 s doubling to 5 s), bounded by MaximumRetryAttempts and MaximumRecordAgeInSeconds; then the
 *   batch's metadata goes to the on-failure destination (an SQS queue of the template, same JSON as AWS)
 *   and the shard moves on.
 * - Position: checkpoints (checkpoints.ts), so a restart resumes where it stopped instead of replaying the
 *   stream; without a checkpoint the mapping's StartingPosition applies (TRIM_HORIZON: consumers must be,
 *   and are, idempotent).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { EventSourceMappingSpec } from '../../template/queues';
import { DynamoStreamsClient } from '../dynamodb/streams';
import { CheckpointStore } from './checkpoints';
import type { EventSourcesOptions, MappingStats } from './shared';
import { SqsMapping } from './sqs-mapping';
import { StreamMapping } from './stream-mapping';

export { batchItemFailures, type EventSourcesOptions, type Invoke, type MappingStats } from './shared';

export class EventSources {
  private readonly controller = new AbortController();
  private readonly running: Promise<void>[] = [];
  private readonly sqsMappings: SqsMapping[] = [];
  private readonly streamMappings: StreamMapping[] = [];
  private readonly checkpoints: CheckpointStore;
  readonly skipped: { logicalId: string; reason: string }[] = [];

  constructor(private readonly opts: EventSourcesOptions) {
    this.checkpoints = new CheckpointStore(opts.dataDir);
  }

  async start(): Promise<void> {
    await this.checkpoints.load();
    const streams = this.opts.dynamodb === undefined ? undefined : new DynamoStreamsClient(this.opts.dynamodb.endpoint);
    for (const spec of this.opts.mappings) {
      const mapping = this.mappingFor(spec, streams);
      if (typeof mapping === 'string') this.skipped.push({ logicalId: spec.logicalId, reason: mapping });
      else if (mapping instanceof SqsMapping) this.sqsMappings.push(mapping);
      else this.streamMappings.push(mapping);
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

  /** The poller of a mapping, or why it does not run locally. */
  private mappingFor(spec: EventSourceMappingSpec, streams: DynamoStreamsClient | undefined): SqsMapping | StreamMapping | string {
    if (!spec.enabled) return 'disabled in the template';
    if (spec.functionLogicalId === undefined) return `function ${spec.functionName} is not run locally`;
    const source = spec.source;
    if (source.kind === 'sqs') {
      const queue = this.opts.queues.find((q) => q.arn === source.queueArn) ?? this.opts.queues.find((q) => q.logicalId === source.queueLogicalId);
      if (queue === undefined || this.opts.sqs === undefined) return `queue ${source.queueLogicalId} is not emulated`;
      return new SqsMapping({ ...spec, source }, queue, this.opts.sqs, this.opts);
    }
    if (source.kind === 'dynamodb') {
      const table = this.opts.tables.find((t) => t.logicalId === source.tableLogicalId);
      if (table === undefined || this.opts.dynamodb === undefined || streams === undefined) return `table ${source.tableLogicalId} is not emulated`;
      return new StreamMapping(
        { ...spec, source },
        table.tableName,
        this.opts.dynamodb.client,
        streams,
        this.opts,
        this.checkpoints.of(spec.logicalId),
        (streamArn, shards) => this.checkpoints.set(spec.logicalId, streamArn, shards),
        (arn, body) => this.sendOnFailure(arn, body),
      );
    }
    return `event source ${source.arn} is not emulated locally`;
  }

  /** A function invocation ended (it may have written to a table): the stream pollers look now. */
  wake(): void {
    for (const m of this.streamMappings) m.wake();
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

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.running);
    await this.checkpoints.flush();
  }
}

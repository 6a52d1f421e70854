/**
 * An SQS event source mapping (2 pollers): long-poll ReceiveMessage, FilterCriteria (non-matching
 * messages deleted without an invoke), batches and batching window, ReportBatchItemFailures, failed
 * messages visible again after the queue's VisibilityTimeout scaled by the time scale (at least 1 s).
 */
import { ChangeMessageVisibilityCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { EventSourceMappingSpec, QueueSpec } from '../../template/queues';
import { LOCAL_REGION } from '../../template/local-ids';
import { sleep } from '../clock';
import { passesFilters } from '../patterns';
import { batchItemFailures, type EventSourcesOptions, type MappingStats } from './shared';


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

export class SqsMapping {
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

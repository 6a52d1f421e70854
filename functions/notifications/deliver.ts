/**
 * SQS FIFO consumer (group = orderId): delivers each notification to its storefront channel. Within a
 * batch a failed record fails the rest of its group only (skipGroupOnError): other orders go on. A
 * failed message is made visible again after an exponential backoff (ChangeMessageVisibility: base x
 * 2^(receives-1), capped); after maxReceiveCount receives (at least 24 h) SQS moves it to the DLQ,
 * which is alarmed and redriven by operators (docs/notifications.md). A malformed message can never be
 * delivered: it goes to the DLQ at once, with its reason.
 */
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { systemClock } from '../core/kernel/clock';
import { getDocumentClient, getSecretString, getSqsClient } from '../core/runtime/clients';
import { jsonEnv, requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { NOTIFICATION_METRICS } from '../core/runtime/metric-names';
import { withPowertools } from '../core/runtime/powertools';
import { QueuedNotification } from '../core/notifications/schemas/notifications';
import { channelMap, deliverNotification, recordFailure, type DeliverDeps } from '../core/notifications/services/deliver';
import { backoffSeconds, DeliveryError } from '../core/notifications/services/http';

export interface DeliverRuntime {
  readonly deps: DeliverDeps;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly retryBaseSeconds: number;
  readonly retryMaxSeconds: number;
  /** The queue's maxReceiveCount: the failure of that receive is the last one (SQS moves the message to the DLQ). */
  readonly maxReceives: number;
}

const runtime: DeliverRuntime = {
  deps: {
    channels: jsonEnv('NOTIFY_CHANNELS', channelMap),
    store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
    fetch: (input, init) => fetch(input, init),
    secret: (arn) => getSecretString(arn),
    clock: systemClock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    receiverBaseUrl: process.env.LOCAL_STOREFRONT_RECEIVER_URL,
  },
  sqs: getSqsClient(),
  queueUrl: requireEnv('NOTIFY_QUEUE_URL'),
  dlqUrl: requireEnv('NOTIFY_DLQ_URL'),
  retryBaseSeconds: Number(process.env.NOTIFY_RETRY_BASE_SECONDS ?? '30'),
  retryMaxSeconds: Number(process.env.NOTIFY_RETRY_MAX_SECONDS ?? '3600'),
  maxReceives: Number(process.env.NOTIFY_MAX_RECEIVES ?? '0') || Number.POSITIVE_INFINITY,
};

/** One record: delivered, or moved to the DLQ (malformed, or no retry can help), or thrown after its backoff was set. */
export async function deliverRecord(record: SQSRecord, rt: DeliverRuntime = runtime): Promise<string> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const parsed = QueuedNotification.safeParse(body);
  if (!parsed.success) {
    const reason = `malformed notification: ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}`;
    await moveToDlq(rt, record, reason);
    metrics.addMetric(NOTIFICATION_METRICS.malformed, MetricUnit.Count, 1);
    logger.error('Notification moved to the DLQ', { messageId: record.messageId, reason });
    return 'malformed';
  }
  const n = parsed.data;
  const ids = { orderId: n.orderId, channelId: n.channelId, type: n.type };
  const receives = Number(record.attributes.ApproximateReceiveCount ?? '1');
  try {
    const outcome = await deliverNotification(rt.deps, n, receives);
    metrics.addMetric(NOTIFICATION_METRICS.delivered, MetricUnit.Count, 1);
    metrics.addMetric('StorefrontRequests', MetricUnit.Count, outcome.requests);
    logger.info('Notification delivered', { ...ids, sequence: outcome.sequence, platform: outcome.platform, requests: outcome.requests });
    return 'delivered';
  } catch (error) {
    if (error instanceof DeliveryError && !error.retryable) {
      // No retry can help (e.g. the channel has no outbound settings): straight to the DLQ, the order's group goes on.
      await moveToDlq(rt, record, error.message);
      await recordFailure(rt.deps, n, { attempt: receives, error, deadLettered: true });
      metrics.addMetric(NOTIFICATION_METRICS.undeliverable, MetricUnit.Count, 1);
      logger.error('Notification moved to the DLQ', { ...ids, reason: error.message });
      return 'undeliverable';
    }
    const fromPlatform = error instanceof DeliveryError ? error.retryAfterSeconds : undefined;
    const delay = Math.max(fromPlatform ?? 0, backoffSeconds(receives, rt.retryBaseSeconds, rt.retryMaxSeconds));
    await rt.sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: rt.queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: Math.min(delay, 43_200) }))
      .catch(() => undefined);
    await recordFailure(rt.deps, n, { attempt: receives, error, retryInSeconds: delay, deadLettered: receives >= rt.maxReceives });
    metrics.addMetric(NOTIFICATION_METRICS.failed, MetricUnit.Count, 1);
    logger.warn('Notification not delivered, retried later', { ...ids, receives, retryInSeconds: delay, error: error instanceof Error ? error.message : 'unknown' });
    throw error;
  }
}

/** Move a message that can never be delivered to the DLQ (same group), with its reason. */
async function moveToDlq(rt: DeliverRuntime, record: SQSRecord, reason: string): Promise<void> {
  await rt.sqs.send(
    new SendMessageCommand({
      QueueUrl: rt.dlqUrl,
      MessageBody: record.body,
      MessageGroupId: record.attributes.MessageGroupId ?? 'malformed',
      MessageDeduplicationId: record.messageId,
      MessageAttributes: { errorMessage: { DataType: 'String', StringValue: reason } },
    }),
  );
}

export async function deliverBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const processor = new SqsFifoPartialProcessorAsync();
  return processPartialResponse(event, (record: SQSRecord) => deliverRecord(record), processor, { context, skipGroupOnError: true, throwOnFullBatchFailure: false });
}

export const handler = withPowertools((event: SQSEvent, context: Context) => deliverBatch(event, context));

/**
 * EventBridge rule target (domain bus, customer-visible event types only): maps the domain event to a
 * storefront notification and queues it on the FIFO delivery queue (group = orderId). Invalid input
 * throws with the field named: after the asynchronous retries it lands in this function's DLQ (alarmed).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { getDocumentClient, getSqsClient } from '../core/runtime/clients';
import { jsonEnv, requireEnv } from '../core/runtime/config';
import { correlateOrder, logger, metrics } from '../core/runtime/observability';
import { withPowertools } from '../core/runtime/powertools';
import { BusEvent } from '../core/notifications/schemas/notifications';
import { channelMap } from '../core/notifications/services/deliver';
import { enqueueNotification, type EnqueueDeps } from '../core/notifications/services/enqueue';

const deps: EnqueueDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  sqs: getSqsClient(),
  queueUrl: requireEnv('NOTIFY_QUEUE_URL'),
  channels: jsonEnv('NOTIFY_CHANNELS', channelMap),
};

export async function enqueue(event: unknown, _context?: Context, enqueueDeps: EnqueueDeps = deps): Promise<string> {
  const parsed = BusEvent.safeParse(event);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    logger.error('Domain event rejected', { fields });
    throw new Error(`Invalid domain event: ${fields}`);
  }
  correlateOrder(parsed.data.detail.orderId);
  const outcome = await enqueueNotification(enqueueDeps, parsed.data);
  const ids = { orderId: parsed.data.detail.orderId, eventType: parsed.data.detail.type };
  if (outcome.kind === 'queued') {
    metrics.addMetric('NotificationQueued', MetricUnit.Count, 1);
    logger.info('Notification queued', { ...ids, type: outcome.type });
    return outcome.type;
  }
  if (outcome.reason !== 'NOT_CUSTOMER_VISIBLE') {
    metrics.addMetric('NotificationSkipped', MetricUnit.Count, 1);
    logger.warn('Notification not queued', { ...ids, reason: outcome.reason });
  }
  return outcome.reason;
}

export const handler = withPowertools((event: unknown, context: Context) => enqueue(event, context));

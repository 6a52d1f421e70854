/**
 * The table stream's one consumer (transactional outbox):
 * - an INSERTed order (`entity = Order`) starts its workflow execution, named after the order
 *   (ExecutionAlreadyExists = already started = success), and publishes its OrderReceived, derived from
 *   the order item (orders/domain/order-received.ts; eventId = the key the stored event item had);
 * - an INSERTed timeline event whose type is a domain event is published on the domain bus
 *   (source `dropship.pipeline`, detail-type = the type), 10 entries per PutEvents call;
 * - an INSERTed supplier event (feed applied, stale, fresh again, file quarantined, stock shortfall)
 *   likewise, with `supplierId` instead of `orderId`.
 * Everything else (updates, deletes, other entities) is ignored. Delivery is at least once: consumers
 * deduplicate on `detail.eventId` (the timeline item's key, stable across retries).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBRecord } from 'aws-lambda';
import { SUPPLIER_EVENT_TYPES, timelineEventType, type DomainEventType, type SupplierEventType } from '../domain/events';
import type { TaskLogger, TaskMetrics } from '../../workflow/services/workflow-common';
import type { Order } from '../../orders/domain/order';
import { receivedEvent, receivedEventSortKey } from '../../orders/domain/order-received';

export const EVENT_SOURCE = 'dropship.pipeline';
const PUT_EVENTS_BATCH = 10;

export interface StreamRouterDeps {
  readonly sfn: SFNClient;
  readonly eventBridge: EventBridgeClient;
  readonly stateMachineArn: string;
  readonly eventBusName: string;
  readonly logger: TaskLogger;
  readonly metrics: TaskMetrics;
}

export type StreamAction =
  | { readonly kind: 'start'; readonly orderId: string; readonly received?: PutEventsRequestEntry }
  | { readonly kind: 'publish'; readonly entry: PutEventsRequestEntry }
  | { readonly kind: 'ignore' };

/** The domain event a stored timeline type publishes as (events/domain/events.ts knows the stored forms). */
export function domainEventType(type: unknown): DomainEventType | undefined {
  return timelineEventType(type);
}

/** What one stream record asks for. */
export function classify(record: DynamoDBRecord, eventBusName: string): StreamAction {
  if (record.eventName !== 'INSERT' || record.dynamodb?.NewImage === undefined) return { kind: 'ignore' };
  // aws-lambda's stream AttributeValue and the SDK's describe the same wire shape.
  const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>);
  if (item.entity === 'Order' && typeof item.orderId === 'string') return { kind: 'start', orderId: item.orderId, received: receivedEntry(item, eventBusName) };
  if (item.entity === 'SupplierEvent') return classifySupplierEvent(item, eventBusName);
  if (item.entity !== 'TimelineEvent') return { kind: 'ignore' };
  const type = domainEventType(item.type);
  if (type === undefined || typeof item.orderId !== 'string') return { kind: 'ignore' };
  const detail = {
    eventId: `${String(item.pk)}|${String(item.sk)}`,
    orderId: item.orderId,
    ...(typeof item.channelId === 'string' ? { channelId: item.channelId } : {}),
    at: item.at,
    actor: item.actor,
    ...(typeof item.actorId === 'string' ? { actorId: item.actorId } : {}),
    type,
    message: item.message,
    ...(item.data === undefined ? {} : { data: item.data }),
  };
  return { kind: 'publish', entry: busEntry(eventBusName, type, detail) };
}

/** One PutEvents entry: detail-type = the event type, time = the event's own time when it has a valid one. */
function busEntry(eventBusName: string, type: string, detail: { readonly at: unknown }): PutEventsRequestEntry {
  const time = typeof detail.at === 'string' && !Number.isNaN(Date.parse(detail.at)) ? new Date(detail.at) : undefined;
  return { EventBusName: eventBusName, Source: EVENT_SOURCE, DetailType: type, Detail: JSON.stringify(detail), ...(time === undefined ? {} : { Time: time }) };
}

/** The OrderReceived entry of an inserted order item (undefined for an item too malformed to describe). */
function receivedEntry(item: Record<string, unknown>, eventBusName: string): PutEventsRequestEntry | undefined {
  const order = item as unknown as Order;
  if (typeof order.createdAt !== 'string' || !Array.isArray(order.lines)) return undefined;
  const event = receivedEvent({ ...order, flags: Array.isArray(order.flags) ? order.flags : [] });
  const detail = {
    eventId: `${String(item.pk)}|${receivedEventSortKey(order.createdAt)}`,
    orderId: event.orderId,
    ...(typeof order.channelId === 'string' ? { channelId: order.channelId } : {}),
    at: event.at,
    actor: event.actor,
    type: event.type,
    message: event.message,
    data: event.data,
  };
  return busEntry(eventBusName, event.type, detail);
}

function classifySupplierEvent(item: Record<string, unknown>, eventBusName: string): StreamAction {
  const type = item.type;
  if (typeof type !== 'string' || !(SUPPLIER_EVENT_TYPES as readonly string[]).includes(type) || typeof item.supplierId !== 'string') {
    return { kind: 'ignore' };
  }
  const detail = {
    eventId: `${String(item.pk)}|${String(item.sk)}`,
    supplierId: item.supplierId,
    at: item.at,
    actor: 'platform',
    type: type as SupplierEventType,
    message: item.message,
    ...(item.data === undefined ? {} : { data: item.data }),
  };
  return { kind: 'publish', entry: busEntry(eventBusName, type, detail) };
}

/**
 * Act on a batch; returns the errors of the records that failed, keyed by sequence number (the
 * handler reports them as batch item failures).
 */
export async function routeStreamRecords(deps: StreamRouterDeps, records: readonly DynamoDBRecord[]): Promise<Map<string, Error>> {
  const failures = new Map<string, Error>();
  const publish: { seq: string; entry: PutEventsRequestEntry }[] = [];
  const starts: { seq: string; orderId: string }[] = [];
  for (const record of records) {
    const seq = record.dynamodb?.SequenceNumber ?? record.eventID ?? '';
    try {
      const action = classify(record, deps.eventBusName);
      if (action.kind === 'start') {
        starts.push({ seq, orderId: action.orderId });
        if (action.received !== undefined) publish.push({ seq, entry: action.received });
      }
      else if (action.kind === 'publish') publish.push({ seq, entry: action.entry });
    } catch (error) {
      failures.set(seq, error instanceof Error ? error : new Error(String(error)));
    }
  }

  await Promise.all(
    starts.map(async ({ seq, orderId }) => {
      try {
        await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: orderId, input: JSON.stringify({ orderId }) }));
        deps.logger.info('Workflow started', { orderId });
        deps.metrics.addMetric('WorkflowStarted', MetricUnit.Count, 1);
      } catch (error) {
        if (error instanceof Error && error.name === 'ExecutionAlreadyExists') {
          deps.logger.info('Workflow already started', { orderId });
          return;
        }
        deps.logger.error('Workflow start failed', { orderId, error: error instanceof Error ? error.name : 'unknown' });
        failures.set(seq, error instanceof Error ? error : new Error(String(error)));
      }
    }),
  );

  for (let start = 0; start < publish.length; start += PUT_EVENTS_BATCH) {
    const batch = publish.slice(start, start + PUT_EVENTS_BATCH);
    try {
      const result = await deps.eventBridge.send(new PutEventsCommand({ Entries: batch.map((b) => b.entry) }));
      (result.Entries ?? []).forEach((entry, index) => {
        const item = batch[index];
        if (item !== undefined && entry.ErrorCode !== undefined) {
          failures.set(item.seq, new Error(`PutEvents entry failed: ${entry.ErrorCode}`));
        }
      });
      const published = batch.length - (result.FailedEntryCount ?? 0);
      if (published > 0) deps.metrics.addMetric('DomainEventsPublished', MetricUnit.Count, published);
    } catch (error) {
      deps.logger.error('PutEvents failed', { entries: batch.length, error: error instanceof Error ? error.name : 'unknown' });
      for (const item of batch) failures.set(item.seq, error instanceof Error ? error : new Error(String(error)));
    }
  }
  return failures;
}

/**
 * Business metrics read off the table stream (NEW_AND_OLD_IMAGES) by the stream router, for the dashboard
 * (lib/constructs/dashboard-panels.ts): the order funnel (an order entered a status), SLA breaches by stage
 * (OrderStuck, FulfillmentOverdue timeline events) and supplier acceptance and ship times (a fulfillment's
 * acceptedAt / first shipment appeared). Pure: a record in, metric values out; the handler publishes them.
 * Values are ids, statuses and minutes only: never anything about the customer.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { STREAM_METRICS } from '../../runtime/metric-names';
import type { FulfillmentState } from '../../workflow/domain/fulfillment';
import { shippedAt } from '../../workflow/domain/fulfillment-progress';

export interface StreamMetric {
  readonly name: (typeof STREAM_METRICS)[keyof typeof STREAM_METRICS];
  readonly unit: 'Count' | 'None';
  readonly value: number;
  /** One dimension besides `service`: `status` or `supplierId`. */
  readonly dimension: { readonly name: 'status' | 'supplierId'; readonly value: string };
}

type Item = Record<string, unknown>;

const image = (raw: unknown): Item | undefined => (raw === undefined ? undefined : unmarshall(raw as Record<string, AttributeValue>));
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v.slice(0, 64) : undefined);

/** Whole minutes between two ISO times (undefined when either is missing or the order is wrong). */
export function minutesBetween(from: unknown, to: unknown): number | undefined {
  if (typeof from !== 'string' || typeof to !== 'string') return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 60_000) : undefined;
}

function firstShipment(item: Item | undefined): string | undefined {
  if (item === undefined || !Array.isArray(item.shipments)) return undefined;
  return shippedAt(item as unknown as FulfillmentState);
}

function orderMetrics(record: DynamoDBRecord, next: Item, prev: Item | undefined): StreamMetric[] {
  const status = str(next.status);
  if (status === undefined || (record.eventName === 'MODIFY' && prev?.status === next.status)) return [];
  return [{ name: STREAM_METRICS.orderStatusEntered, unit: 'Count', value: 1, dimension: { name: 'status', value: status } }];
}

function fulfillmentMetrics(next: Item, prev: Item | undefined): StreamMetric[] {
  const supplierId = str(next.supplierId);
  if (supplierId === undefined) return [];
  const dimension = { name: 'supplierId', value: supplierId } as const;
  const out: StreamMetric[] = [];
  if (prev?.acceptedAt === undefined) {
    const minutes = minutesBetween(next.dispatchedAt, next.acceptedAt);
    if (minutes !== undefined) out.push({ name: STREAM_METRICS.supplierAcceptanceMinutes, unit: 'None', value: minutes, dimension });
  }
  if (firstShipment(prev) === undefined) {
    const minutes = minutesBetween(next.dispatchedAt, firstShipment(next));
    if (minutes !== undefined) out.push({ name: STREAM_METRICS.supplierShipMinutes, unit: 'None', value: minutes, dimension });
  }
  return out;
}

function timelineMetrics(next: Item): StreamMetric[] {
  const data = next.data !== null && typeof next.data === 'object' ? (next.data as Item) : {};
  if (next.type === 'OrderStuck') {
    const status = str(data.status);
    return status === undefined ? [] : [{ name: STREAM_METRICS.orderSlaBreached, unit: 'Count', value: 1, dimension: { name: 'status', value: status } }];
  }
  if (next.type === 'FulfillmentOverdue') {
    const supplierId = str(data.supplierId);
    return supplierId === undefined ? [] : [{ name: STREAM_METRICS.fulfillmentOverdue, unit: 'Count', value: 1, dimension: { name: 'supplierId', value: supplierId } }];
  }
  return [];
}

/** The metrics one stream record yields (none for deletes, other entities, unchanged statuses and unreadable images). */
export function streamMetrics(record: DynamoDBRecord): StreamMetric[] {
  try {
    return metricsOf(record);
  } catch {
    return []; // a dashboard figure never fails the batch
  }
}

function metricsOf(record: DynamoDBRecord): StreamMetric[] {
  if (record.eventName === 'REMOVE') return [];
  const next = image(record.dynamodb?.NewImage);
  if (next === undefined) return [];
  const prev = record.eventName === 'MODIFY' ? image(record.dynamodb?.OldImage) : undefined;
  switch (next.entity) {
    case 'Order':
      return orderMetrics(record, next, prev);
    case 'Fulfillment':
      return fulfillmentMetrics(next, prev);
    case 'TimelineEvent':
      return record.eventName === 'INSERT' ? timelineMetrics(next) : [];
    default:
      return [];
  }
}

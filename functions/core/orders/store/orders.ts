/**
 * Orders in the single table (keys.ts): the order item and its timeline events. Intake is ONE
 * conditional PutItem of the order item on the happy path: the order id is derived from the channel and
 * the storefront's order id, so the order item is its own idempotency and external-id guard, and the
 * first timeline event (OrderReceived) is derived from it (domain/order-received.ts). A read happens
 * only after a conditional failure, and only when DynamoDB did not return the existing item with it.
 */
import type { AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Order, OrderWorkflowFields } from '../domain/order';
import { receivedEvent } from '../domain/order-received';
import { isDomainEventType, storedTimelineType, type StoredTimelineEvent, type TimelineEvent } from '../../events/domain/events';
import { gsiKeys, keys } from '../../runtime/table/keys';
import { emailHash } from '../../kernel/email-hash';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { isConditionalCheckFailed } from '../../runtime/table/transactions';
import { queryAll } from '../../runtime/table/query';

export { receivedEvent } from '../domain/order-received';

export function orderItem(order: Order): Record<string, unknown> {
  return {
    ...order,
    ...keys.order(order.orderId),
    ...gsiKeys.orderByChannel(order.channelId, order.createdAt, order.orderId),
    ...gsiKeys.orderByStatus(order.status, order.updatedAt, order.orderId),
    ...(typeof order.customer?.email !== 'string' || order.customer.email === '' ? {} : gsiKeys.orderByEmailHash(emailHash(order.customer.email), order.createdAt, order.orderId)),
    entity: 'Order',
  };
}

/** A timeline item; a domain event's type is stored in its stored form (events/domain/events.ts storedTimelineType). */
export function timelineEventItem(event: TimelineEvent | StoredTimelineEvent, seq: number): Record<string, unknown> {
  const type = isDomainEventType(event.type) ? storedTimelineType(event.type) : event.type;
  return { ...event, type, ...keys.timelineEvent(event.orderId, event.at, seq), entity: 'TimelineEvent' };
}

export type CreateOrderOutcome =
  | { readonly kind: 'created'; readonly order: Order }
  /** The order id already exists (same storefront order id on this channel): here it is, as stored. */
  | { readonly kind: 'order-exists'; readonly existing: Order };

/** The item DynamoDB returned with the conditional failure (ReturnValuesOnConditionCheckFailure), if any. */
function itemOfFailure(error: ConditionalCheckFailedException): Order | undefined {
  const item = error.Item as Record<string, AttributeValue> | undefined;
  if (item === undefined || Object.keys(item).length === 0) return undefined;
  return stripKeys(unmarshall(item)) as unknown as Order;
}

/**
 * Create an order with one conditional PutItem (attribute_not_exists). When the order id is taken, the
 * existing order comes back with the failure (ALL_OLD) or, if it did not, from one consistent read; the
 * caller decides between replay and conflict. Any other failure is rethrown.
 */
export async function createOrder(ctx: StoreContext, order: Order): Promise<CreateOrderOutcome> {
  try {
    await ctx.ddb.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: orderItem(order),
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { kind: 'created', order };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    const existing = itemOfFailure(error) ?? (await getOrder(ctx, order.orderId));
    if (existing === undefined) throw new Error(`Order ${order.orderId} reported as existing but not found`, { cause: error });
    return { kind: 'order-exists', existing };
  }
}

/** The order item (strongly consistent), or undefined. */
export async function getOrder(ctx: StoreContext, orderId: string): Promise<Order | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: keys.order(orderId), ConsistentRead: true }));
  return result.Item === undefined ? undefined : (stripKeys(result.Item) as unknown as Order);
}

export interface OrderView {
  /** The order item as stored: the intake fields and what the workflow added (cancelled lines, refunds, holds). */
  readonly order: Order & OrderWorkflowFields;
  readonly timeline: readonly StoredTimelineEvent[];
  /** Fulfillment items as stored (typed by the workflow part). */
  readonly fulfillments: readonly Record<string, unknown>[];
  /** Return items as stored (typed by the returns part). */
  readonly returns?: readonly Record<string, unknown>[] | undefined;
}

/** One Query on the order's partition: the order item, its timeline (oldest first) and fulfillments. */
export async function getOrderView(ctx: StoreContext, orderId: string): Promise<OrderView | undefined> {
  const items = await queryAll(ctx, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.order(orderId).pk }, ConsistentRead: true });

  let order: (Order & OrderWorkflowFields) | undefined;
  const timeline: StoredTimelineEvent[] = [];
  const fulfillments: Record<string, unknown>[] = [];
  const returns: Record<string, unknown>[] = [];
  // Items come back sorted by sk: '#ORDER' < 'EVENT#...' < 'FULFILLMENT#...', events in time order.
  for (const item of items) {
    if (item.entity === 'Order') order = stripKeys(item) as unknown as Order & OrderWorkflowFields;
    else if (item.entity === 'TimelineEvent') timeline.push(stripKeys(item) as unknown as StoredTimelineEvent);
    else if (item.entity === 'Fulfillment') fulfillments.push(stripKeys(item));
    else if (item.entity === 'Return') returns.push(stripKeys(item));
  }
  if (order === undefined) return undefined;
  return { order, timeline: withReceivedEvent(order, timeline), fulfillments, returns };
}

/**
 * The timeline with the order's OrderReceived first: the stored item when the order has one (orders
 * created before single-write intake), otherwise derived from the order item.
 */
export function withReceivedEvent(order: Order, timeline: readonly StoredTimelineEvent[]): StoredTimelineEvent[] {
  const receivedType = storedTimelineType('OrderReceived');
  if (timeline.some((event) => event.type === receivedType && event.at === order.createdAt)) return [...timeline];
  return [{ ...receivedEvent(order), type: receivedType }, ...timeline];
}

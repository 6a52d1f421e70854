/**
 * Orders in the single table (keys.ts): the order item, its timeline events, the external-id guard
 * and webhook dedupe records. Intake is ONE TransactWriteItems on the happy path; extra reads happen
 * only after a conditional failure (replay, conflict, duplicate delivery).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Order } from '../domain/order';
import { isDomainEventType, storedTimelineType, type StoredTimelineEvent, type TimelineEvent } from '../../events/domain/events';
import { gsiKeys, keys } from '../../runtime/table/keys';
import { putDedupe } from '../../runtime/table/dedupe';
import { stripKeys, type StoreContext } from '../../runtime/table/context';

export function orderItem(order: Order): Record<string, unknown> {
  return {
    ...order,
    ...keys.order(order.orderId),
    ...gsiKeys.orderByChannel(order.channelId, order.createdAt, order.orderId),
    ...gsiKeys.orderByStatus(order.status, order.updatedAt, order.orderId),
    entity: 'Order',
  };
}

/** A timeline item; a domain event's type is stored in its stored form (events/domain/events.ts storedTimelineType). */
export function timelineEventItem(event: TimelineEvent | StoredTimelineEvent, seq: number): Record<string, unknown> {
  const type = isDomainEventType(event.type) ? storedTimelineType(event.type) : event.type;
  return { ...event, type, ...keys.timelineEvent(event.orderId, event.at, seq), entity: 'TimelineEvent' };
}

export function externalOrderGuardItem(order: Order): Record<string, unknown> {
  return {
    ...keys.externalOrderGuard(order.channelId, order.externalOrderId),
    channelId: order.channelId,
    externalOrderId: order.externalOrderId,
    orderId: order.orderId,
    createdAt: order.createdAt,
    entity: 'ExternalOrderGuard',
  };
}

/** The first timeline event of every order: the storefront (retailer) placed it. */
export function receivedEvent(order: Order): TimelineEvent {
  return {
    orderId: order.orderId,
    at: order.createdAt,
    actor: 'retailer',
    type: 'OrderReceived',
    message: order.source === 'shopify' ? 'Order received from Shopify webhook' : 'Order received through the API',
    data: { source: order.source, externalOrderId: order.externalOrderId, lines: order.lines.length, flags: order.flags.map((f) => f.code) },
  };
}

export interface DedupeInput {
  readonly scope: string;
  readonly id: string;
  /** Epoch seconds at which the record may be forgotten. */
  readonly expiresAt: number;
}

export type CreateOrderOutcome =
  | { readonly kind: 'created'; readonly order: Order }
  /** The order id already exists (same Idempotency-Key, or same Shopify order): here it is. */
  | { readonly kind: 'order-exists'; readonly existing: Order }
  /** The channel's externalOrderId already belongs to another order. */
  | { readonly kind: 'external-id-taken'; readonly existingOrderId: string }
  /** This webhook delivery id was already processed. */
  | { readonly kind: 'duplicate-delivery' };

const MAX_CONFLICT_ATTEMPTS = 3;

function isTransactionCanceled(error: unknown): error is TransactionCanceledException {
  return error instanceof TransactionCanceledException || (error instanceof Error && error.name === 'TransactionCanceledException');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Create an order in one transaction: Put order (attribute_not_exists), Put external-id guard
 * (attribute_not_exists), Put the OrderReceived timeline event and, for webhooks, Put the delivery
 * dedupe record (absent or expired). A cancelled transaction is inspected to tell replay, conflict
 * and duplicate apart; any other failure is rethrown.
 */
export async function createOrder(ctx: StoreContext, order: Order, options: { dedupe?: DedupeInput; nowEpochSeconds?: number } = {}): Promise<CreateOrderOutcome> {
  const { dedupe } = options;
  const transactItems = [
    { Put: { TableName: ctx.tableName, Item: orderItem(order), ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: ctx.tableName, Item: externalOrderGuardItem(order), ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: ctx.tableName, Item: timelineEventItem(receivedEvent(order), 0) } },
    ...(dedupe === undefined
      ? []
      : [
          putDedupe(
            ctx,
            { scope: dedupe.scope, id: dedupe.id, orderId: order.orderId, createdAt: order.createdAt, expiresAt: dedupe.expiresAt },
            // Without an explicit instant, the order's own creation time (it came from the caller's clock).
            options.nowEpochSeconds ?? Math.floor(Date.parse(order.createdAt) / 1000),
          ),
        ]),
  ];

  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.ddb.send(new TransactWriteCommand({ TransactItems: transactItems }));
      return { kind: 'created', order };
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
      const failed = (index: number) => codes[index] === 'ConditionalCheckFailed';
      if (dedupe !== undefined && failed(3)) return { kind: 'duplicate-delivery' };
      if (failed(0)) {
        const existing = await getOrder(ctx, order.orderId);
        if (existing === undefined) throw new Error(`Order ${order.orderId} reported as existing but not found`, { cause: error });
        return { kind: 'order-exists', existing };
      }
      if (failed(1)) {
        const guard = await ctx.ddb.send(
          new GetCommand({ TableName: ctx.tableName, Key: keys.externalOrderGuard(order.channelId, order.externalOrderId), ConsistentRead: true }),
        );
        const existingOrderId = guard.Item?.orderId;
        if (typeof existingOrderId !== 'string') throw new Error('External order guard reported as existing but not found', { cause: error });
        return { kind: 'external-id-taken', existingOrderId };
      }
      // Two writers raced on the same items (e.g. a client retrying before the first call returned): retry.
      if (codes.includes('TransactionConflict') && attempt < MAX_CONFLICT_ATTEMPTS) {
        await sleep(10 * attempt + Math.floor(Math.random() * 20));
        continue;
      }
      throw error;
    }
  }
}

/** The order item (strongly consistent), or undefined. */
export async function getOrder(ctx: StoreContext, orderId: string): Promise<Order | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: keys.order(orderId), ConsistentRead: true }));
  return result.Item === undefined ? undefined : (stripKeys(result.Item) as unknown as Order);
}

export interface OrderView {
  readonly order: Order;
  readonly timeline: readonly StoredTimelineEvent[];
  /** Fulfillment items as stored (typed by the workflow part). */
  readonly fulfillments: readonly Record<string, unknown>[];
}

/** One Query on the order's partition: the order item, its timeline (oldest first) and fulfillments. */
export async function getOrderView(ctx: StoreContext, orderId: string): Promise<OrderView | undefined> {
  const items: Record<string, unknown>[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.order(orderId).pk },
        ConsistentRead: true,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey !== undefined);

  let order: Order | undefined;
  const timeline: StoredTimelineEvent[] = [];
  const fulfillments: Record<string, unknown>[] = [];
  // Items come back sorted by sk: '#ORDER' < 'EVENT#...' < 'FULFILLMENT#...', events in time order.
  for (const item of items) {
    if (item.entity === 'Order') order = stripKeys(item) as unknown as Order;
    else if (item.entity === 'TimelineEvent') timeline.push(stripKeys(item) as unknown as StoredTimelineEvent);
    else if (item.entity === 'Fulfillment') fulfillments.push(stripKeys(item));
  }
  return order === undefined ? undefined : { order, timeline, fulfillments };
}

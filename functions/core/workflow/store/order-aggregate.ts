/**
 * The order as the workflow reads and writes it: the order item plus its fulfillments and
 * reservations (same partition). Reads are strongly consistent: the order first, then the rest, so a
 * change that lands in between is caught by the `version` condition of the next write (every writer of
 * a fulfillment or reservation also bumps the order's version in the same transaction).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Reservation } from '../../inventory/domain/catalog';
import type { WorkflowOrder } from '../../orders/domain/order';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { toFulfillmentRecord } from './fulfillments';
import { type FulfillmentRecord } from '../domain/fulfillment-record';
import { keys, prefixes } from '../../runtime/table/keys';
import { orderItem } from '../../orders/store/orders';
import { toReservation } from '../../inventory/store/reservations';
import { conditionalPut, type TransactItem } from '../../runtime/table/transactions';
import { queryAll } from '../../runtime/table/query';

export interface OrderAggregate {
  readonly order: WorkflowOrder;
  /** Sorted by fulfillment id (= creation order). */
  readonly fulfillments: readonly FulfillmentRecord[];
  readonly reservations: readonly Reservation[];
}

export async function getWorkflowOrder(ctx: StoreContext, orderId: string): Promise<WorkflowOrder | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: keys.order(orderId), ConsistentRead: true }));
  return result.Item === undefined ? undefined : (stripKeys(result.Item) as unknown as WorkflowOrder);
}

export async function loadOrderAggregate(ctx: StoreContext, orderId: string): Promise<OrderAggregate | undefined> {
  const order = await getWorkflowOrder(ctx, orderId);
  if (order === undefined) return undefined;
  const fulfillments: FulfillmentRecord[] = [];
  const reservations: Reservation[] = [];
  // Timeline events (EVENT#...) sort before FULFILLMENT# and are not needed here.
  const items = await queryAll(ctx, {
    KeyConditionExpression: 'pk = :pk AND sk >= :from',
    ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':from': prefixes.fulfillment },
    ConsistentRead: true,
  });
  for (const item of items) {
    if (item['entity'] === 'Fulfillment') fulfillments.push(toFulfillmentRecord(item));
    else if (item['entity'] === 'Reservation') reservations.push(toReservation(item));
  }
  fulfillments.sort((a, b) => (a.fulfillmentId < b.fulfillmentId ? -1 : 1));
  return { order, fulfillments, reservations };
}

/** The next version of an order (changes applied, updatedAt, version + 1). `undefined` values remove fields. */
export function nextOrder(order: WorkflowOrder, changes: Partial<WorkflowOrder>, at: string): WorkflowOrder {
  return { ...order, ...changes, updatedAt: at, version: order.version + 1 };
}

/** Replace the order item, conditional on the version it was read at. */
export function putOrderUpdate(ctx: StoreContext, next: WorkflowOrder, expectedVersion: number): TransactItem {
  return conditionalPut(ctx, orderItem(next), 'version = :expected', { ':expected': expectedVersion });
}

/**
 * Bump the order's version without rewriting it: every fulfillment / reservation change does this in
 * its transaction, so a writer that derives the order status from the fulfillments it read is
 * rejected if any of them changed meanwhile.
 */
export function bumpOrderVersion(ctx: StoreContext, orderId: string, expectedVersion: number): TransactItem {
  return {
    Update: {
      TableName: ctx.tableName,
      Key: keys.order(orderId),
      UpdateExpression: 'SET version = version + :one',
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':one': 1, ':expected': expectedVersion },
    },
  };
}

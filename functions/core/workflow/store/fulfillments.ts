/**
 * Fulfillment items (the record is workflow/domain/fulfillment-record.ts). Written whole (Put) under an
 * optimistic lock on `version`, like the order item.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { gsiKeys, keys } from '../../runtime/table/keys';
import { conditionalPut, type TransactItem } from '../../runtime/table/transactions';
import { type FulfillmentRecord, exceptionMarker } from '../domain/fulfillment-record';

export function fulfillmentItem(record: FulfillmentRecord): Record<string, unknown> {
  const exception = exceptionMarker(record);
  const { exception: _stale, ...rest } = record;
  return {
    ...rest,
    ...(exception === undefined ? {} : { exception }),
    ...keys.fulfillment(record.orderId, record.fulfillmentId),
    ...gsiKeys.fulfillmentBySupplier(record.supplierId, record.fulfillmentId),
    ...(exception === undefined
      ? {}
      : gsiKeys.exception(exception.code, exception.since, `${record.orderId}#${record.fulfillmentId}`)),
    entity: 'Fulfillment',
  };
}

export function toFulfillmentRecord(item: Record<string, unknown>): FulfillmentRecord {
  return stripKeys(item) as unknown as FulfillmentRecord;
}

/** Put a new fulfillment (fails the transaction if the id exists). */
export function putNewFulfillment(ctx: StoreContext, record: FulfillmentRecord): TransactItem {
  return { Put: { TableName: ctx.tableName, Item: fulfillmentItem(record), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** Replace a fulfillment, conditional on the version it was read at. `next.version` must be `expectedVersion + 1`. */
export function putFulfillmentUpdate(ctx: StoreContext, next: FulfillmentRecord, expectedVersion: number): TransactItem {
  return conditionalPut(ctx, fulfillmentItem(next), 'version = :expected', { ':expected': expectedVersion });
}

export async function getFulfillment(ctx: StoreContext, orderId: string, id: string): Promise<FulfillmentRecord | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: keys.fulfillment(orderId, id), ConsistentRead: true }));
  return result.Item === undefined ? undefined : toFulfillmentRecord(result.Item);
}

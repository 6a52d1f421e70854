/**
 * Cancellation request records: one per (order, requestId), in the order's partition
 * (`ORDER#{orderId}` / `CANCELREQ#{requestId}`: sorts before EVENT# and FULFILLMENT#, so the order aggregate's
 * query never reads it). It makes a request idempotent (same id + same body → the stored outcome; same id +
 * another body → 409) and follows the supplier answers of what was asked (`pending` fulfillment ids).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { CancellationOutcome, CancellationSource } from '../../orders/schemas/cancellation';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { keys } from '../../runtime/table/keys';
import type { TransactItem } from '../../runtime/table/transactions';
import { releaseHeldItem } from '../../inventory/store/reservations';

export const CANCEL_REQUEST_ENTITY = 'CancellationRequest';

export interface CancellationRequestRecord {
  readonly orderId: string;
  readonly channelId: string;
  readonly requestId: string;
  /** Canonical hash of what was asked (reason, note, lines). */
  readonly requestHash: string;
  readonly source: CancellationSource;
  readonly reason: string;
  readonly outcome: CancellationOutcome;
  /** Fulfillments asked at their supplier that have not answered yet. */
  readonly pending: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export function cancelRequestKey(orderId: string, requestId: string): { pk: string; sk: string } {
  return { pk: keys.order(orderId).pk, sk: `CANCELREQ#${requestId}` };
}

export async function getCancelRequest(ctx: StoreContext, orderId: string, requestId: string): Promise<CancellationRequestRecord | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: cancelRequestKey(orderId, requestId), ConsistentRead: true }));
  return result.Item === undefined ? undefined : (stripKeys(result.Item) as unknown as CancellationRequestRecord);
}

function item(record: CancellationRequestRecord): Record<string, unknown> {
  return { ...record, ...cancelRequestKey(record.orderId, record.requestId), entity: CANCEL_REQUEST_ENTITY };
}

/** The first write of a request (fails the transaction when the id is taken: a concurrent twin won). */
export function putNewCancelRequest(ctx: StoreContext, record: CancellationRequestRecord): TransactItem {
  return { Put: { TableName: ctx.tableName, Item: item(record), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** Replace a request record, conditional on the version it was read at. */
export function putCancelRequestUpdate(ctx: StoreContext, next: CancellationRequestRecord, expectedVersion: number): TransactItem {
  return {
    Put: { TableName: ctx.tableName, Item: item(next), ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } },
  };
}

/**
 * Give back `quantity` units of one HELD reservation (a partial cancellation), in the caller's transaction:
 * the record shrinks (or is RELEASED when nothing is left) under `status = HELD AND quantity = :read`, and
 * the offer's `reserved` counter drops by the same units. The whole change commits with the fulfillment's, so
 * no unit is released twice or kept for a cancelled line.
 */
export function releaseUnitsItems(
  ctx: StoreContext,
  reservation: { readonly orderId: string; readonly fulfillmentId: string; readonly sku: string; readonly supplierId: string; readonly quantity: number },
  quantity: number,
  reason: string,
  at: string,
): TransactItem[] {
  const units = Math.min(quantity, reservation.quantity);
  const recordUpdate: TransactItem =
    units >= reservation.quantity
      ? {
          Update: {
            TableName: ctx.tableName,
            Key: keys.reservation(reservation.orderId, reservation.fulfillmentId, reservation.sku),
            UpdateExpression: 'SET #status = :released, settledAt = :at, settleReason = :reason REMOVE gsi2pk, gsi2sk',
            ConditionExpression: '#status = :held AND quantity = :read',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':released': 'RELEASED', ':held': 'HELD', ':at': at, ':reason': reason, ':read': reservation.quantity },
          },
        }
      : {
          Update: {
            TableName: ctx.tableName,
            Key: keys.reservation(reservation.orderId, reservation.fulfillmentId, reservation.sku),
            UpdateExpression: 'SET quantity = :left',
            ConditionExpression: '#status = :held AND quantity = :read',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':left': reservation.quantity - units, ':held': 'HELD', ':read': reservation.quantity },
          },
        };
  return [
    recordUpdate,
    // Back to the counter, or to the allocation shard the units came from (a sharded hot offer).
    releaseHeldItem(ctx, reservation, units),
  ];
}

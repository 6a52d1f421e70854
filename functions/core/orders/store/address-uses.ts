/**
 * Address velocity for the fraud screen: one small item per order shipped to an address fingerprint
 * (SHA-256 of the normalized address: the index holds no readable PII), kept for the window (TTL).
 */
import type { StoreContext } from '../../runtime/table/context';
import { keys } from '../../runtime/table/keys';
import type { TransactItem } from '../../runtime/table/transactions';
import { queryAll } from '../../runtime/table/query';

/** Orders other than `orderId` recorded for this fingerprint at or after `since` (ISO). */
export async function countRecentOrdersToAddress(ctx: StoreContext, fingerprint: string, since: string, orderId: string): Promise<number> {
  const uses = await queryAll(ctx, {
    KeyConditionExpression: 'pk = :pk AND sk >= :from',
    ExpressionAttributeValues: { ':pk': `ADDRESS#${fingerprint}`, ':from': `ORDER#${since}` },
    ConsistentRead: true,
  });
  return uses.filter((item) => item['orderId'] !== orderId).length;
}

export function putAddressUse(ctx: StoreContext, fingerprint: string, at: string, orderId: string, expiresAt: number): TransactItem {
  return {
    Put: {
      TableName: ctx.tableName,
      Item: { ...keys.addressUse(fingerprint, at, orderId), fingerprint, orderId, at, expiresAt, entity: 'AddressUse' },
    },
  };
}

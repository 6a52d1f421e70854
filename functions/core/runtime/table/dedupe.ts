/**
 * Dedupe records (`DEDUPE#{scope}#{id}`): a storefront webhook delivery or a supplier message id seen
 * once, kept for a while with a TTL. The one builder of the item; its writers are the order intake
 * (webhook deliveries), the supplier fulfillment messages and the INVENTORY_UPDATE messages.
 */
import type { StoreContext } from './context';
import { keys } from './keys';
import { conditionalPut, type TransactItem } from './transactions';

export interface DedupeRecord {
  readonly scope: string;
  readonly id: string;
  /** The order the delivery / message changed, when it changed one. */
  readonly orderId?: string | undefined;
  /** What kind of message it was, when the scope holds several (INVENTORY_UPDATE). */
  readonly kind?: string | undefined;
  readonly createdAt: string;
  /** Epoch seconds; DynamoDB TTL attribute. Readers must also treat expired records as absent. */
  readonly expiresAt: number;
}

export function dedupeItem(record: DedupeRecord): Record<string, unknown> {
  return {
    ...keys.dedupe(record.scope, record.id),
    scope: record.scope,
    id: record.id,
    ...(record.orderId === undefined ? {} : { orderId: record.orderId }),
    ...(record.kind === undefined ? {} : { kind: record.kind }),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    entity: 'Dedupe',
  };
}

/** The dedupe record as a transaction item: absent (or expired) or the whole transaction is a duplicate. */
export function putDedupe(ctx: StoreContext, record: DedupeRecord, nowEpochSeconds: number): TransactItem {
  // DynamoDB Local does not remove expired items promptly: an expired record counts as absent.
  return conditionalPut(ctx, dedupeItem(record), 'attribute_not_exists(pk) OR expiresAt < :now', { ':now': nowEpochSeconds });
}

/** Whether a read dedupe item still counts (present and not expired). */
export function isLiveDedupe(item: Record<string, unknown> | undefined, nowEpochSeconds: number): boolean {
  if (item === undefined) return false;
  const expiresAt = item['expiresAt'];
  return typeof expiresAt !== 'number' || expiresAt >= nowEpochSeconds;
}

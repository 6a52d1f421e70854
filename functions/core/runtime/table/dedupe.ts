/**
 * Dedupe records (`DEDUPE#{scope}#{id}`): a storefront webhook delivery or a supplier message id seen
 * once, kept for a while with a TTL. The one builder of the item. Its writer today is the INVENTORY_UPDATE
 * consumer; orders guard themselves (the order item is keyed by channel + external order id) and supplier
 * fulfillment messages by the fulfillment's version and applied message ids.
 */
import { keys } from './keys';

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

/** Whether a read dedupe item still counts (present and not expired: DynamoDB removes expired items late). */
export function isLiveDedupe(item: Record<string, unknown> | undefined, nowEpochSeconds: number): boolean {
  if (item === undefined) return false;
  const expiresAt = item['expiresAt'];
  return typeof expiresAt !== 'number' || expiresAt >= nowEpochSeconds;
}

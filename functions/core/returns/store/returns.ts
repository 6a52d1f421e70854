/**
 * Returns in the order's partition:
 *
 * | entity       | pk               | sk                 | gsi3 (sparse)                                                              |
 * |--------------|------------------|--------------------|----------------------------------------------------------------------------|
 * | Return       | ORDER#{orderId}  | RETURN#{returnId}  | while REQUESTED: EXCEPTION#RETURN_UNANSWERED / {respondBy}#{orderId}#{returnId} |
 * |              |                  |                    | while REFUND_REQUESTED: EXCEPTION#RETURN_REFUND_UNCONFIRMED / {refundConfirmBy}#…  |
 * |              |                  |                    | an exchange while RECEIVED: EXCEPTION#RETURN_EXCHANGE_PENDING / {received + 15 min}#… |
 *   (and gsi2 `RETURN#{status}` / `{updatedAt}#{returnId}`: operators' GET /ops/returns)
 * | ReturnLedger | ORDER#{orderId}  | RETURNLEDGER       |                                                                            |
 *
 * The ledger holds the units per line held by returns that were not rejected, and the refunds requested by
 * returns; every return write that changes them commits with a ledger write conditioned on the version read,
 * so two concurrent requests can never return more than was delivered.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { gsiKeys, keys } from '../../runtime/table/keys';
import type { TransactItem } from '../../runtime/table/transactions';
import type { ReturnRecord } from '../domain/returns';
import { queryAll } from '../../runtime/table/query';

export const RETURN_ENTITY = 'Return';
export const RETURN_LEDGER_ENTITY = 'ReturnLedger';
export const RETURN_SK_PREFIX = 'RETURN#';
/** The exceptions index kind of a return its supplier has not answered by `respondBy`. */
export const RETURN_UNANSWERED = 'RETURN_UNANSWERED';
/** A refund return the storefront (or an operator) has not confirmed by `refundConfirmBy`. */
export const RETURN_REFUND_UNCONFIRMED = 'RETURN_REFUND_UNCONFIRMED';
/** An exchange received but neither CLOSED (replacement) nor refunded within EXCHANGE_SETTLE_MINUTES (the bus step failed). */
export const RETURN_EXCHANGE_PENDING = 'RETURN_EXCHANGE_PENDING';
export const EXCHANGE_SETTLE_MINUTES = 15;

export interface ReturnLedger {
  readonly orderId: string;
  /** Units per order line (`"1": 2`) held by returns that were not rejected. */
  readonly returned: Readonly<Record<string, number>>;
  /** Refunds requested by returns so far (minor units). */
  readonly refundedMinor: number;
  readonly version: number;
}

export function returnKey(orderId: string, returnId: string): { pk: string; sk: string } {
  return { pk: keys.order(orderId).pk, sk: `${RETURN_SK_PREFIX}${returnId}` };
}

export function ledgerKey(orderId: string): { pk: string; sk: string } {
  return { pk: keys.order(orderId).pk, sk: 'RETURNLEDGER' };
}

export function emptyLedger(orderId: string): ReturnLedger {
  return { orderId, returned: {}, refundedMinor: 0, version: 0 };
}

/** Units per line of a ledger as a map. */
export function returnedUnits(ledger: ReturnLedger): Map<number, number> {
  return new Map(Object.entries(ledger.returned).map(([k, v]) => [Number(k), v]));
}

/** The ledger after adding (or, negative, giving back) units and refunds. */
export function ledgerWith(ledger: ReturnLedger, lines: readonly { lineNo: number; quantity: number }[], sign: 1 | -1, refundMinor = 0): ReturnLedger {
  const returned: Record<string, number> = { ...ledger.returned };
  for (const l of lines) returned[String(l.lineNo)] = Math.max(0, (returned[String(l.lineNo)] ?? 0) + sign * l.quantity);
  return { ...ledger, returned, refundedMinor: ledger.refundedMinor + refundMinor, version: ledger.version + 1 };
}

export async function getReturn(ctx: StoreContext, orderId: string, returnId: string): Promise<ReturnRecord | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: returnKey(orderId, returnId), ConsistentRead: true }));
  return result.Item === undefined ? undefined : (stripKeys(result.Item) as unknown as ReturnRecord);
}

export async function getLedger(ctx: StoreContext, orderId: string): Promise<ReturnLedger> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: ledgerKey(orderId), ConsistentRead: true }));
  return result.Item === undefined ? emptyLedger(orderId) : (stripKeys(result.Item) as unknown as ReturnLedger);
}

/** Every return of an order, oldest id first. */
export async function listReturns(ctx: StoreContext, orderId: string): Promise<ReturnRecord[]> {
  const items = await queryAll(ctx, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':prefix': RETURN_SK_PREFIX },
    ConsistentRead: true,
  });
  return items.map((item) => stripKeys(item) as unknown as ReturnRecord);
}

/** The exceptions-index mark of a return, by status (at most one): each carries the instant it becomes an exception. */
function exceptionMark(record: ReturnRecord): Record<string, string> {
  const ref = `${record.orderId}#${record.returnId}`;
  if (record.status === 'REQUESTED' && record.respondBy !== undefined) return gsiKeys.exception(RETURN_UNANSWERED, record.respondBy, ref);
  if (record.status === 'REFUND_REQUESTED' && record.refundConfirmBy !== undefined) return gsiKeys.exception(RETURN_REFUND_UNCONFIRMED, record.refundConfirmBy, ref);
  if (record.status === 'RECEIVED' && record.resolution === 'replacement') {
    const since = new Date(Date.parse(record.received?.at ?? record.updatedAt) + EXCHANGE_SETTLE_MINUTES * 60_000).toISOString();
    return gsiKeys.exception(RETURN_EXCHANGE_PENDING, since, ref);
  }
  return {};
}

function item(record: ReturnRecord): Record<string, unknown> {
  return {
    ...record,
    ...returnKey(record.orderId, record.returnId),
    entity: RETURN_ENTITY,
    // Operators list returns by status across orders (GET /ops/returns, ops/store/return-index.ts).
    ...gsiKeys.returnByStatus(record.status, record.updatedAt, record.returnId),
    ...exceptionMark(record),
  };
}

/** The first write of a return (fails when the id is taken: a concurrent twin with the same key won). */
export function putNewReturn(ctx: StoreContext, record: ReturnRecord): TransactItem {
  return { Put: { TableName: ctx.tableName, Item: item(record), ConditionExpression: 'attribute_not_exists(pk)' } };
}

export function putReturnUpdate(ctx: StoreContext, next: ReturnRecord, expectedVersion: number): TransactItem {
  return { Put: { TableName: ctx.tableName, Item: item(next), ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } } };
}

/** Write the ledger's next version, conditioned on the version it was read at (0: it did not exist). */
export function putLedger(ctx: StoreContext, next: ReturnLedger): TransactItem {
  const Item = { ...next, ...ledgerKey(next.orderId), entity: RETURN_LEDGER_ENTITY };
  return next.version === 1
    ? { Put: { TableName: ctx.tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } }
    : { Put: { TableName: ctx.tableName, Item, ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': next.version - 1 } } };
}

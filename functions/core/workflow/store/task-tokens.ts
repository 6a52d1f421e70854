/**
 * Task tokens of waiting workflow states, stored server-side (never sent to a supplier):
 * `TASKTOKEN#{fulfillmentId}` (stage ACCEPTANCE / SHIPPED / DELIVERED, overwritten per stage) and
 * `TASKTOKEN#HOLD#{orderId}` (stage HOLD). A used token is not deleted (no write that does nothing): the next
 * waiting state overwrites it and TTL removes the last one; answering a spent token again is "already handled".
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from '../../runtime/table/context';
import { keys } from '../../runtime/table/keys';

export const TOKEN_STAGES = ['ACCEPTANCE', 'SHIPPED', 'DELIVERED', 'HOLD'] as const;
export type TokenStage = (typeof TOKEN_STAGES)[number];

export interface TaskTokenRecord {
  readonly taskToken: string;
  readonly stage: TokenStage;
  readonly orderId: string;
  readonly fulfillmentId?: string | undefined;
  readonly supplierId?: string | undefined;
  readonly storedAt: string;
  /** TTL (epoch seconds): a token nobody used is forgotten after the workflow's lifetime. */
  readonly expiresAt: number;
}

/** Tokens outlive any execution (Standard workflows run at most a year; ours far less). */
export const TOKEN_TTL_SECONDS = 400 * 86_400;

function keyOf(record: Pick<TaskTokenRecord, 'stage' | 'orderId' | 'fulfillmentId'>) {
  if (record.stage === 'HOLD') return keys.holdTaskToken(record.orderId);
  if (record.fulfillmentId === undefined) throw new RangeError(`A ${record.stage} token needs a fulfillment id`);
  return keys.taskToken(record.fulfillmentId);
}

export async function putTaskToken(ctx: StoreContext, record: TaskTokenRecord): Promise<void> {
  await ctx.ddb.send(new PutCommand({ TableName: ctx.tableName, Item: { ...record, ...keyOf(record), entity: 'TaskToken' } }));
}

async function getByKey(ctx: StoreContext, key: { pk: string; sk: string }): Promise<TaskTokenRecord | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: key, ConsistentRead: true }));
  const item = result.Item;
  if (item === undefined || typeof item.taskToken !== 'string') return undefined;
  return {
    taskToken: item.taskToken,
    stage: item.stage as TokenStage,
    orderId: String(item.orderId),
    fulfillmentId: typeof item.fulfillmentId === 'string' ? item.fulfillmentId : undefined,
    supplierId: typeof item.supplierId === 'string' ? item.supplierId : undefined,
    storedAt: String(item.storedAt),
    expiresAt: Number(item.expiresAt),
  };
}

export function getFulfillmentToken(ctx: StoreContext, fulfillmentId: string): Promise<TaskTokenRecord | undefined> {
  return getByKey(ctx, keys.taskToken(fulfillmentId));
}

export function getHoldToken(ctx: StoreContext, orderId: string): Promise<TaskTokenRecord | undefined> {
  return getByKey(ctx, keys.holdTaskToken(orderId));
}

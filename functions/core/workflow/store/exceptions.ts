/** The sparse exceptions index (gsi3): only items needing an operator carry gsi3pk = EXCEPTION#{kind}. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from '../../runtime/table/context';
import { GSI3 } from '../../runtime/table/keys';

/**
 * Kinds written today: fulfillment exceptions (workflow / carrier), rejected storefront webhooks, and
 * what the sweeps and supplier files surface (stuck orders, unacknowledged dispatches, quarantined
 * files, stock shortfalls).
 */
export const EXCEPTION_KINDS = [
  'SHIP_BY_PASSED',
  'DELIVER_BY_PASSED',
  'LOST',
  'EXCEPTION',
  'FAILURE',
  'RETURNED_TO_SENDER',
  'WEBHOOK_REJECTED',
  'ORDER_STUCK',
  'DISPATCH_UNACKNOWLEDGED',
  'FILE_QUARANTINED',
  'STOCK_SHORTFALL',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

export interface ExceptionPage {
  readonly items: readonly Record<string, unknown>[];
  readonly lastKey?: Record<string, unknown> | undefined;
}

/** Newest first. */
export async function queryExceptions(ctx: StoreContext, kind: ExceptionKind, limit: number, startKey?: Record<string, unknown>): Promise<ExceptionPage> {
  const page = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: GSI3,
      KeyConditionExpression: 'gsi3pk = :pk',
      ExpressionAttributeValues: { ':pk': `EXCEPTION#${kind}` },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: page.Items ?? [], lastKey: page.LastEvaluatedKey };
}

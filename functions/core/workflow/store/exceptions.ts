/** The sparse exceptions index (gsi3): only items needing an operator carry gsi3pk = EXCEPTION#{kind}. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from '../../runtime/table/context';
import { GSI3 } from '../../runtime/table/keys';
import type { ExceptionKind } from '../domain/exception-kinds';

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

/** The sparse exceptions index (gsi3): only items needing an operator carry gsi3pk = EXCEPTION#{kind}. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from '../../runtime/table/context';
import { GSI3 } from '../../runtime/table/keys';
import type { ExceptionKind } from '../domain/exception-kinds';

export interface ExceptionPage {
  readonly items: readonly Record<string, unknown>[];
  readonly lastKey?: Record<string, unknown> | undefined;
}

/** Newest first. `until` (ISO): only marks whose `since` is not after it (deadline kinds). */
export async function queryExceptions(
  ctx: StoreContext,
  kind: ExceptionKind,
  limit: number,
  startKey?: Record<string, unknown>,
  until?: string,
): Promise<ExceptionPage> {
  const page = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: GSI3,
      KeyConditionExpression: until === undefined ? 'gsi3pk = :pk' : 'gsi3pk = :pk AND gsi3sk <= :until',
      ExpressionAttributeValues: { ':pk': `EXCEPTION#${kind}`, ...(until === undefined ? {} : { ':until': `${until}#\uffff` }) },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: page.Items ?? [], lastKey: page.LastEvaluatedKey };
}

/**
 * Every item a Query matches, page after page (LastEvaluatedKey → ExclusiveStartKey): the one place that
 * reads a partition or an index range to its end. Callers that stop early (cursors, page limits) page themselves.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './context';

export async function queryAll(ctx: StoreContext, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(new QueryCommand({ ...input, TableName: ctx.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

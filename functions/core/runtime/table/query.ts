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

/**
 * Up to `limit` hits of a Query, in the Query's order, skipping the items `toHit` refuses (undefined), reading
 * pages of `limit + 1` until it has them; `more` when the Query may hold others (a hit beyond the limit, or
 * pages left). The ops lists page on their own cursors with it.
 */
export async function queryUpTo<H>(
  ctx: StoreContext,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>,
  limit: number,
  toHit: (item: Record<string, unknown>) => H | undefined,
): Promise<{ hits: H[]; more: boolean }> {
  const hits: H[] = [];
  let start: Record<string, unknown> | undefined;
  let more = false;
  do {
    const page = await ctx.ddb.send(new QueryCommand({ ...input, TableName: ctx.tableName, Limit: limit + 1, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const hit = toHit(item);
      if (hit === undefined) continue;
      if (hits.length === limit) {
        more = true;
        break;
      }
      hits.push(hit);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined && !more && hits.length < limit);
  return { hits, more: more || start !== undefined };
}

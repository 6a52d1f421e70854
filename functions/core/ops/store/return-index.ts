/**
 * Reads behind GET /ops/returns: one index partition at a time, newest sort key first, strictly below a
 * sort key (the cursor or a time bound), with the supplier / age filters applied by DynamoDB (both are
 * projected). Then the returns found, whole (BatchGetItem). No Scan.
 *   by status    gsi2 RETURN#{status}               / {updatedAt}#{returnId}
 *   unanswered   gsi3 EXCEPTION#RETURN_UNANSWERED   / {respondBy}#{orderId}#{returnId}  (only below now)
 */
import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { ReturnRecord } from '../../returns/domain/returns';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { queryUpTo } from '../../runtime/table/query';
import { GSI2, GSI3 } from '../../runtime/table/keys';

export interface ReturnHit {
  readonly pk: string;
  readonly sk: string;
  /** The index sort key (a next page starts below it). */
  readonly sortKey: string;
}

export interface ReturnIndexQuery {
  readonly index: 'status' | 'unanswered';
  readonly partition: string;
  readonly limit: number;
  /** Only sort keys strictly below this. */
  readonly before?: string | undefined;
  readonly supplierId?: string | undefined;
  /** Only returns created before this instant. */
  readonly createdBefore?: string | undefined;
}

/** Up to `limit` hits of one partition, newest sort key first; `more` when the partition may hold others. */
export async function queryReturnIndex(ctx: StoreContext, q: ReturnIndexQuery): Promise<{ hits: ReturnHit[]; more: boolean }> {
  const [name, pk, sk] = q.index === 'status' ? [GSI2, 'gsi2pk', 'gsi2sk'] : [GSI3, 'gsi3pk', 'gsi3sk'];
  const filters: string[] = ['#entity = :entity'];
  const values: Record<string, unknown> = { ':pk': q.partition, ':entity': 'Return' };
  if (q.before !== undefined) values[':before'] = q.before;
  if (q.supplierId !== undefined) {
    filters.push('supplierId = :supplier');
    values[':supplier'] = q.supplierId;
  }
  if (q.createdBefore !== undefined) {
    filters.push('createdAt < :created');
    values[':created'] = q.createdBefore;
  }
  return queryUpTo(
    ctx,
    {
      IndexName: name,
      KeyConditionExpression: q.before === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
      FilterExpression: filters.join(' AND '),
      ExpressionAttributeNames: { '#pk': pk, '#sk': sk, '#entity': 'entity' },
      ExpressionAttributeValues: values,
      ProjectionExpression: 'pk, sk, #sk',
      ScanIndexForward: false,
    },
    q.limit,
    (item): ReturnHit | undefined => {
      const sortKey = item[sk];
      return typeof sortKey !== 'string' || typeof item['pk'] !== 'string' || typeof item['sk'] !== 'string' ? undefined : { pk: item['pk'], sk: item['sk'], sortKey };
    },
  );
}

/** The returns at these keys (BatchGetItem, 100 per call, unprocessed keys retried), by `pk|sk`. */
export async function getReturnsByKey(ctx: StoreContext, hits: readonly ReturnHit[]): Promise<Map<string, ReturnRecord>> {
  const out = new Map<string, ReturnRecord>();
  const unique = [...new Map(hits.map((h) => [`${h.pk}|${h.sk}`, { pk: h.pk, sk: h.sk }])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [ctx.tableName]: { Keys: unique.slice(i, i + 100) } };
    for (let attempt = 0; request !== undefined && attempt < 5; attempt++) {
      const result: BatchGetCommandOutput = await ctx.ddb.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[ctx.tableName] ?? []) out.set(`${String(item.pk)}|${String(item.sk)}`, stripKeys(item) as unknown as ReturnRecord);
      const left: Record<string, unknown>[] | undefined = result.UnprocessedKeys?.[ctx.tableName]?.Keys;
      request = left === undefined || left.length === 0 ? undefined : { [ctx.tableName]: { Keys: left } };
    }
  }
  return out;
}

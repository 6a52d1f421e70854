/**
 * Reads behind GET /ops/orders: one index partition at a time, newest first (ScanIndexForward false), from
 * below a sort key; then the orders found (BatchGetItem) and their fulfillments' suppliers and exceptions
 * (one small Query per order, in parallel). No Scan.
 *   status    gsi2 STATUS#{status}     / {updatedAt}#{orderId}
 *   channel   gsi1 CHANNEL#{channelId} / {createdAt}#{orderId}
 *   email     gsi4 EMAIL#{sha256}      / {createdAt}#{orderId}   (KEYS_ONLY)
 *   supplier  gsi1 SUPPLIER#{id}       / FULFILLMENT#{fulfillmentId}  (fulfillments; pk = the order)
 */
import { BatchGetCommand, QueryCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Order, OrderWorkflowFields } from '../../orders/domain/order';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { queryUpTo } from '../../runtime/table/query';
import { GSI1, GSI2, GSI4, keys, prefixes } from '../../runtime/table/keys';

export type IndexSource = 'status' | 'channel' | 'email' | 'supplier';

const INDEX: Readonly<Record<IndexSource, { name: string; pk: string; sk: string }>> = {
  status: { name: GSI2, pk: 'gsi2pk', sk: 'gsi2sk' },
  channel: { name: GSI1, pk: 'gsi1pk', sk: 'gsi1sk' },
  email: { name: GSI4, pk: 'gsi4pk', sk: 'gsi4sk' },
  supplier: { name: GSI1, pk: 'gsi1pk', sk: 'gsi1sk' },
};

export interface IndexHit {
  readonly orderId: string;
  /** The index sort key (where a next page starts below). */
  readonly sortKey: string;
}

const ORDER_PK = /^ORDER#(ord_[0-9a-z]{26})$/;

/** Up to `limit` hits of one index partition, newest first, strictly below `before` when given. */
export async function queryIndex(ctx: StoreContext, source: IndexSource, partition: string, limit: number, before?: string): Promise<{ hits: IndexHit[]; more: boolean }> {
  const index = INDEX[source];
  return queryUpTo(
    ctx,
    {
      IndexName: index.name,
      KeyConditionExpression: before === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
      ExpressionAttributeNames: { '#pk': index.pk, ...(before === undefined ? {} : { '#sk': index.sk }) },
      ExpressionAttributeValues: { ':pk': partition, ...(before === undefined ? {} : { ':before': before }) },
      ScanIndexForward: false,
    },
    limit,
    (item): IndexHit | undefined => {
      const sortKey = item[index.sk];
      const orderId = ORDER_PK.exec(String(item['pk']))?.[1];
      if (typeof sortKey !== 'string' || orderId === undefined) return undefined;
      return source === 'supplier' && !sortKey.startsWith(prefixes.fulfillment) ? undefined : { orderId, sortKey };
    },
  );
}

/** The order items of these ids (BatchGetItem, 100 per call, unprocessed keys retried), by id. */
export async function getOrders(ctx: StoreContext, orderIds: readonly string[]): Promise<Map<string, Order & OrderWorkflowFields & { gsi3pk?: string }>> {
  const out = new Map<string, Order & OrderWorkflowFields & { gsi3pk?: string }>();
  const unique = [...new Set(orderIds)];
  for (let i = 0; i < unique.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
      [ctx.tableName]: { Keys: unique.slice(i, i + 100).map((id): Record<string, unknown> => ({ ...keys.order(id) })) },
    };
    for (let attempt = 0; request !== undefined && attempt < 5; attempt++) {
      const result: BatchGetCommandOutput = await ctx.ddb.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[ctx.tableName] ?? []) {
        const gsi3pk = typeof item.gsi3pk === 'string' ? item.gsi3pk : undefined;
        const order = stripKeys(item) as unknown as Order & OrderWorkflowFields;
        out.set(order.orderId, { ...order, ...(gsi3pk === undefined ? {} : { gsi3pk }) });
      }
      const left: Record<string, unknown>[] | undefined = result.UnprocessedKeys?.[ctx.tableName]?.Keys;
      request = left === undefined || left.length === 0 ? undefined : { [ctx.tableName]: { Keys: left } };
    }
  }
  return out;
}

export interface FulfillmentBrief {
  readonly supplierId: string;
  readonly exception?: string | undefined;
}

/** Supplier and open exception of each fulfillment of the order (one Query, projected). */
export async function fulfillmentBriefs(ctx: StoreContext, orderId: string): Promise<FulfillmentBrief[]> {
  const result = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
      ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':f': prefixes.fulfillment },
      ProjectionExpression: 'supplierId, gsi3pk',
    }),
  );
  return (result.Items ?? []).flatMap((item) =>
    typeof item.supplierId === 'string'
      ? [{ supplierId: item.supplierId, exception: typeof item.gsi3pk === 'string' ? item.gsi3pk.replace(/^EXCEPTION#/, '') : undefined }]
      : [],
  );
}

/** Catalog reads needed at intake: which retailer SKUs exist and are active (one BatchGet per 100 SKUs). */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from '../../runtime/table/context';
import { keys } from '../../runtime/table/keys';

const BATCH_SIZE = 100;
const MAX_ATTEMPTS = 4;
/** DynamoDB's partition key limit (bytes): a SKU whose key is longer cannot be in the catalog. */
const MAX_PARTITION_KEY_BYTES = 2048;

/** Whether a product with this SKU could be stored at all (its key fits DynamoDB's limit). */
export function skuFitsKey(sku: string): boolean {
  return Buffer.byteLength(keys.product(sku).pk, 'utf8') <= MAX_PARTITION_KEY_BYTES;
}

export interface ProductPresence {
  readonly sku: string;
  readonly active: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Look up products by retailer SKU. Missing SKUs are simply absent from the returned map; so is a SKU too
 * long to be a key (an oversized value from a webhook is an unknown SKU, not a DynamoDB ValidationException).
 */
export async function getProductPresence(ctx: StoreContext, skus: readonly string[]): Promise<Map<string, ProductPresence>> {
  const unique = [...new Set(skus.filter((sku) => sku !== '' && skuFitsKey(sku)))];
  const found = new Map<string, ProductPresence>();
  for (let start = 0; start < unique.length; start += BATCH_SIZE) {
    let pending: Record<string, unknown>[] = unique.slice(start, start + BATCH_SIZE).map((sku) => ({ ...keys.product(sku) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error(`BatchGet left ${pending.length} product keys unprocessed`);
      const result = await ctx.ddb.send(
        new BatchGetCommand({
          RequestItems: {
            [ctx.tableName]: { Keys: pending, ProjectionExpression: '#sku, #active', ExpressionAttributeNames: { '#sku': 'sku', '#active': 'active' } },
          },
        }),
      );
      for (const item of result.Responses?.[ctx.tableName] ?? []) {
        if (typeof item.sku === 'string') found.set(item.sku, { sku: item.sku, active: item.active !== false });
      }
      pending = result.UnprocessedKeys?.[ctx.tableName]?.Keys ?? [];
      if (pending.length > 0) await sleep(20 * 2 ** attempt);
    }
  }
  return found;
}

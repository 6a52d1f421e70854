/**
 * Catalog reads for the workflow: products and supplier offers per retailer SKU (one Query per SKU:
 * `SKU#{sku}` holds `#PRODUCT` and every `OFFER#{supplierId}`), suppliers (BatchGet) and channels.
 */
import { BatchGetCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel, Product, Supplier, SupplierOffer } from '../domain/types';
import { stripKeys, type StoreContext } from './context';
import { keys } from './keys';
import { sleep } from './transactions';

export interface CatalogSlice {
  readonly products: ReadonlyMap<string, Product>;
  readonly offers: readonly SupplierOffer[];
}

function toOffer(item: Record<string, unknown>): SupplierOffer {
  const offer = stripKeys(item) as unknown as SupplierOffer;
  // Offers written before `reserved` existed (or by a feed that only sets stock) hold nothing.
  return { ...offer, reserved: typeof offer.reserved === 'number' ? offer.reserved : 0 };
}

/** Products and offers of the given retailer SKUs (strongly consistent: stock decisions follow). */
export async function loadCatalog(ctx: StoreContext, skus: readonly string[]): Promise<CatalogSlice> {
  const unique = [...new Set(skus)];
  const products = new Map<string, Product>();
  const offers: SupplierOffer[] = [];
  await Promise.all(
    unique.map(async (sku) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await ctx.ddb.send(
          new QueryCommand({
            TableName: ctx.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.product(sku).pk },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.entity === 'Product') products.set(sku, stripKeys(item) as unknown as Product);
          else if (item.entity === 'Offer') offers.push(toOffer(item));
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
    }),
  );
  offers.sort((a, b) => (a.sku === b.sku ? (a.supplierId < b.supplierId ? -1 : 1) : a.sku < b.sku ? -1 : 1));
  return { products, offers };
}

/** Suppliers by id (missing ids are absent from the map). */
export async function loadSuppliers(ctx: StoreContext, supplierIds: readonly string[]): Promise<Map<string, Supplier>> {
  const found = new Map<string, Supplier>();
  const unique = [...new Set(supplierIds)];
  for (let start = 0; start < unique.length; start += 100) {
    let pending: Record<string, unknown>[] = unique.slice(start, start + 100).map((id) => ({ ...keys.supplier(id) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 5) throw new Error(`BatchGet left ${pending.length} supplier keys unprocessed`);
      const result = await ctx.ddb.send(new BatchGetCommand({ RequestItems: { [ctx.tableName]: { Keys: pending, ConsistentRead: true } } }));
      for (const item of result.Responses?.[ctx.tableName] ?? []) {
        const supplier = stripKeys(item) as unknown as Supplier;
        found.set(supplier.supplierId, supplier);
      }
      pending = result.UnprocessedKeys?.[ctx.tableName]?.Keys ?? [];
      if (pending.length > 0) await sleep(20 * 2 ** attempt);
    }
  }
  return found;
}

export async function getSupplier(ctx: StoreContext, supplierId: string): Promise<Supplier | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: keys.supplier(supplierId) }));
  return result.Item === undefined ? undefined : (stripKeys(result.Item) as unknown as Supplier);
}

export async function getChannel(ctx: StoreContext, channelId: string): Promise<Channel | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: keys.channel(channelId) }));
  return result.Item === undefined ? undefined : (stripKeys(result.Item) as unknown as Channel);
}

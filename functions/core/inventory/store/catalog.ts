/**
 * Catalog reads for the workflow: products and supplier offers per retailer SKU (one Query per SKU:
 * `SKU#{sku}` holds `#PRODUCT`, every feed-owned `OFFER#{supplierId}` and the platform-owned
 * `RESERVED#{supplierId}` counters beside them), suppliers (BatchGet) and channels.
 */
import { BatchGetCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../../orders/domain/channel';
import type { Product, SupplierOffer } from '../domain/catalog';
import type { Supplier } from '../../suppliers/domain/supplier';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { keys, prefixes } from '../../runtime/table/keys';
import { sleep } from '../../runtime/table/transactions';
import { skuFitsKey } from './products';
import { loadAllocations, shardCountOf } from './allocation-shards';
import { allocationReserved, type OfferAllocation } from '../domain/allocation-shards';

export interface CatalogSlice {
  readonly products: ReadonlyMap<string, Product>;
  readonly offers: readonly SupplierOffer[];
  /** The allocation shards of sharded offers (docs/hot-sku.md), by `sku\0supplierId`; absent = one counter. */
  readonly allocations?: ReadonlyMap<string, OfferAllocation> | undefined;
}

/** What validating and routing an order reads: its SKUs' products and offers, and the suppliers of those offers. */
export interface RoutingCatalog extends CatalogSlice {
  readonly suppliers: ReadonlyMap<string, Supplier>;
}

/**
 * An offer as stored: feed-owned, WITHOUT `reserved` (that lives on the OfferReservations counter).
 * Feeds may add `shortfall` (+ gsi3 keys) while stock is below what is reserved.
 */
export type StoredOffer = Omit<SupplierOffer, 'reserved'> & { readonly shortfall?: number | undefined };

/** The offer as domain code sees it: the stored row plus the units its counter holds. */
function toOffer(item: Record<string, unknown>, reserved: number): SupplierOffer {
  // `reserved` on the offer item itself (rows written before the counter existed) and the feed's
  // `shortfall` / `stockAsOf` bookkeeping are not part of the domain view: the counter is the truth.
  const { reserved: _legacy, shortfall: _shortfall, stockAsOf: _stockAsOf, ...row } = stripKeys(item);
  return { ...(row as unknown as Omit<SupplierOffer, 'reserved'>), reserved };
}

/** Units held on a counter item (absent or malformed = 0). */
function reservedOf(item: Record<string, unknown> | undefined): number {
  const value = item?.reserved;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Products and offers of the given retailer SKUs (strongly consistent: stock decisions follow). Each
 * offer's `reserved` comes from its counter `RESERVED#{supplierId}`, read by the same SKU-partition
 * Query (absent counter = 0), so routing and availability keep seeing `SupplierOffer { stock, reserved }`.
 */
export async function loadCatalog(ctx: StoreContext, skus: readonly string[]): Promise<CatalogSlice> {
  // A SKU too long to be a key has no product and no offer (an order carrying one is UNKNOWN_SKU, not a crash).
  const unique = [...new Set(skus)].filter(skuFitsKey);
  const products = new Map<string, Product>();
  const offers: SupplierOffer[] = [];
  const sharded: { row: Record<string, unknown>; sku: string; supplierId: string; shards: number; outside: number }[] = [];
  await Promise.all(
    unique.map(async (sku) => {
      const rows: Record<string, unknown>[] = [];
      const counters = new Map<string, Record<string, unknown>>();
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
          else if (item.entity === 'Offer') rows.push(item);
          else if (typeof item.sk === 'string' && item.sk.startsWith(prefixes.offerReservations)) {
            counters.set(item.sk.slice(prefixes.offerReservations.length), item);
          }
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      for (const row of rows) {
        const counter = counters.get(String(row.supplierId));
        const shards = shardCountOf(counter);
        if (shards === undefined) offers.push(toOffer(row, reservedOf(counter)));
        else sharded.push({ row, sku, supplierId: String(row.supplierId), shards, outside: reservedOf(counter) });
      }
    }),
  );
  // Sharded offers: reserved = the legacy counter's units + Σ the shards' (one BatchGet for all of them).
  const allocations = sharded.length === 0 ? undefined : await loadAllocations(ctx, sharded);
  for (const s of sharded) {
    const allocation = allocations?.get(`${s.sku}\u0000${s.supplierId}`);
    offers.push(toOffer(s.row, allocation === undefined ? s.outside : allocationReserved(allocation)));
  }
  offers.sort((a, b) => (a.sku === b.sku ? (a.supplierId < b.supplierId ? -1 : 1) : a.sku < b.sku ? -1 : 1));
  return { products, offers, ...(allocations === undefined ? {} : { allocations }) };
}

/** loadCatalog + the suppliers of the offers found (one read for validation and routing). */
export async function loadRoutingCatalog(ctx: StoreContext, skus: readonly string[]): Promise<RoutingCatalog> {
  const catalog = await loadCatalog(ctx, skus);
  const suppliers = await loadSuppliers(ctx, [...new Set(catalog.offers.map((o) => o.supplierId))]);
  return { ...catalog, suppliers };
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

/**
 * Store side of inventory feeds (issue 5).
 *
 * - Offers are FEED-OWNED: `SKU#{sku}` / `OFFER#{supplierId}` is written WHOLE (BatchWriteItem
 *   PutRequest, 25 per call; or one conditional PutItem each when ordered by `stockAsOf`, see
 *   writeOffersOrdered) from the fields below and nothing else; what orders hold lives on the
 *   platform's counter item `SKU#{sku}` / `RESERVED#{supplierId}` (never read `reserved` off an offer).
 * - A supplier's offers are read through gsi1 (`SUPPLIER#{id}` / `SSKU#{supplierSku}`) into a map
 *   supplierSku → offers (several retailer SKUs may map to one supplier SKU).
 * - Counters are read (BatchGet, consistent) only for rows whose stock dropped or that are short.
 * - Supplier updates (lastFeedAt, lastFeedKey, STALE → ACTIVE) and SupplierEvent outbox items are
 *   returned as transaction items, so the caller commits them with the file record (or alone).
 */
import { BatchGetCommand, BatchWriteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FeedOffer } from '../domain/feed-offers';
import type { SupplierEvent } from '../../events/domain/events';
import { allocationReserved, type OfferAllocation } from '../domain/allocation-shards';
import { loadAllocations, shardCountOf } from './allocation-shards';
import { TransientError } from '../../kernel/errors';
import type { StoreContext } from '../../runtime/table/context';
import { GSI1, gsiKeys, keys, prefixes } from '../../runtime/table/keys';
import { isConditionalCheckFailed, sleep, transact, type TransactItem } from '../../runtime/table/transactions';

/** Items per BatchWriteItem (DynamoDB's limit). */
export const BATCH_WRITE_SIZE = 25;
/** Keys per BatchGetItem (DynamoDB's limit). */
export const BATCH_GET_SIZE = 100;
/** BatchWriteItem calls in flight at once per writer. */
export const DEFAULT_WRITE_CONCURRENCY = 8;
/** Single conditional writes in flight (ordered writes: partial messages, rare whole snapshots older than a partial). */
export const DEFAULT_ORDERED_CONCURRENCY = 16;
const MAX_BATCH_ATTEMPTS = 10;
/** Offers per gsi1 Query page when loading a supplier's offers. */
export const OFFER_PAGE_SIZE = 1000;

/** Run `fn` over `items` with at most `concurrency` calls in flight; the first error rejects (after in-flight calls settle). */
export async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failed !== undefined) throw failed.error;
}

const batchBackoff = (attempt: number): number => Math.min(2_000, 25 * 2 ** attempt) + Math.floor(Math.random() * 25);

const num = (value: unknown, fallback = 0): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
const str = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);

const SHORTFALL_INDEX_PK = gsiKeys.exception('STOCK_SHORTFALL', '', '').gsi3pk;

/** The feed-owned fields of an offer item (anything else on the item, `reserved` included, is ignored). */
export function toFeedOffer(item: Record<string, unknown>): FeedOffer {
  const map = item['mapMinor'];
  const shortfall = item['shortfall'];
  // The shortfall's start is kept only in the exception index key (`{since}#{sku}#{supplierId}`).
  const since = item['gsi3pk'] === SHORTFALL_INDEX_PK && typeof item['gsi3sk'] === 'string' ? item['gsi3sk'].split('#')[0] : undefined;
  return {
    sku: str(item['sku']),
    supplierId: str(item['supplierId']),
    supplierSku: str(item['supplierSku']),
    wholesaleCostMinor: num(item['wholesaleCostMinor']),
    currency: str(item['currency']),
    stock: num(item['stock']),
    ...(typeof map === 'number' ? { mapMinor: map } : {}),
    discontinued: item['discontinued'] === true,
    lastFeedAt: str(item['lastFeedAt']),
    ...(typeof item['stockAsOf'] === 'string' ? { stockAsOf: item['stockAsOf'] } : {}),
    ...(typeof shortfall === 'number' && shortfall > 0 ? { shortfall } : {}),
    ...(typeof shortfall === 'number' && shortfall > 0 && since !== undefined && since !== '' ? { shortfallSince: since } : {}),
  };
}

/**
 * The whole offer item as a feed writes it: domain fields + keys + entity; while short also
 * `shortfall` and the exception keys gsi3 `EXCEPTION#STOCK_SHORTFALL` / `{since}#{sku}#{supplierId}`.
 */
export function offerItem(offer: FeedOffer): Record<string, unknown> {
  const short = offer.shortfall !== undefined && offer.shortfall > 0;
  const since = offer.shortfallSince ?? offer.lastFeedAt;
  return {
    sku: offer.sku,
    supplierId: offer.supplierId,
    supplierSku: offer.supplierSku,
    wholesaleCostMinor: offer.wholesaleCostMinor,
    currency: offer.currency,
    stock: offer.stock,
    ...(offer.mapMinor === undefined ? {} : { mapMinor: offer.mapMinor }),
    discontinued: offer.discontinued,
    lastFeedAt: offer.lastFeedAt,
    ...(offer.stockAsOf === undefined ? {} : { stockAsOf: offer.stockAsOf }),
    ...(short ? { shortfall: offer.shortfall } : {}),
    ...keys.offer(offer.sku, offer.supplierId),
    ...gsiKeys.offerBySupplierSku(offer.supplierId, offer.supplierSku),
    ...(short ? gsiKeys.exception('STOCK_SHORTFALL', since, `${offer.sku}#${offer.supplierId}`) : {}),
    entity: 'Offer',
  };
}

export type OfferIndex = Map<string, FeedOffer[]>;

/** Only what a feed compares and rewrites (less to transfer and unmarshal for 100k offers). */
const OFFER_ATTRIBUTES = ['entity', 'sku', 'supplierId', 'supplierSku', 'wholesaleCostMinor', 'currency', 'stock', 'mapMinor', 'discontinued', 'lastFeedAt', 'shortfall', 'gsi3pk', 'gsi3sk'];
const OFFER_PROJECTION = {
  ProjectionExpression: OFFER_ATTRIBUTES.map((_, i) => `#o${i}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(OFFER_ATTRIBUTES.map((name, i) => [`#o${i}`, name])),
};

function addTo(index: OfferIndex, offer: FeedOffer): void {
  const list = index.get(offer.supplierSku);
  if (list === undefined) index.set(offer.supplierSku, [offer]);
  else list.push(offer);
}

/** Every offer of a supplier (gsi1, paginated), by supplier SKU. */
export async function loadSupplierOffers(ctx: StoreContext, supplierId: string): Promise<OfferIndex> {
  const index: OfferIndex = new Map();
  const pk = gsiKeys.offerBySupplierSku(supplierId, '').gsi1pk;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefixes.offerBySupplierSku },
        ...OFFER_PROJECTION,
        // Pages of 1,000 offers (~250 KB) instead of 1 MB: the same cost on DynamoDB, and DynamoDB Local
        // answers 1 MB pages of a large item collection ~8x slower than 1,000-item pages.
        Limit: OFFER_PAGE_SIZE,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) if (item['entity'] === 'Offer') addTo(index, toFeedOffer(item));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return index;
}

/** The offers of some supplier SKUs only (one gsi1 Query each, bounded concurrency): for small updates. */
export async function loadOffersBySupplierSkus(ctx: StoreContext, supplierId: string, supplierSkus: readonly string[], concurrency = 16): Promise<OfferIndex> {
  const index: OfferIndex = new Map();
  await inPool([...new Set(supplierSkus)], concurrency, async (supplierSku) => {
    const key = gsiKeys.offerBySupplierSku(supplierId, supplierSku);
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ctx.ddb.send(
        new QueryCommand({
          TableName: ctx.tableName,
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :sk',
          ExpressionAttributeValues: { ':pk': key.gsi1pk, ':sk': key.gsi1sk },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (item['entity'] === 'Offer') addTo(index, toFeedOffer(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  });
  return index;
}

/**
 * The offers of some supplier SKUs as stored NOW: gsi1 maps the supplier SKUs to offer keys (that
 * mapping changes with the catalog, not with feeds), then a consistent BatchGetItem reads the items
 * themselves (gsi1 is eventually consistent and does not project stockAsOf). For small updates.
 */
export async function loadOffersConsistent(ctx: StoreContext, supplierId: string, supplierSkus: readonly string[], concurrency = 4): Promise<OfferIndex> {
  const mapped = await loadOffersBySupplierSkus(ctx, supplierId, supplierSkus);
  const wanted = [...mapped.values()].flat();
  const index: OfferIndex = new Map();
  const chunks: FeedOffer[][] = [];
  for (let i = 0; i < wanted.length; i += BATCH_GET_SIZE) chunks.push(wanted.slice(i, i + BATCH_GET_SIZE));
  await inPool(chunks, concurrency, async (chunk) => {
    let pending: Record<string, unknown>[] = chunk.map((o) => ({ ...keys.offer(o.sku, o.supplierId) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_BATCH_ATTEMPTS) throw new TransientError(`BatchGetItem left ${pending.length} offers unprocessed`);
      if (attempt > 1) await sleep(batchBackoff(attempt - 1));
      const result = await ctx.ddb.send(new BatchGetCommand({ RequestItems: { [ctx.tableName]: { Keys: pending, ConsistentRead: true } } }));
      for (const item of result.Responses?.[ctx.tableName] ?? []) if (item['entity'] === 'Offer') addTo(index, toFeedOffer(item));
      pending = result.UnprocessedKeys?.[ctx.tableName]?.Keys ?? [];
    }
  });
  return index;
}

/** Put whole offer items: BatchWriteItem of 25, `concurrency` calls in flight, UnprocessedItems retried with backoff. */
export async function putOffers(ctx: StoreContext, offers: readonly FeedOffer[], concurrency = DEFAULT_WRITE_CONCURRENCY): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < offers.length; i += BATCH_WRITE_SIZE) batches.push(offers.slice(i, i + BATCH_WRITE_SIZE).map(offerItem));
  await inPool(batches, concurrency, (items) => batchWrite(ctx, items));
}

/** One BatchWriteItem of ≤ 25 Puts, retrying what DynamoDB leaves unprocessed. */
export async function batchWrite(ctx: StoreContext, items: readonly Record<string, unknown>[]): Promise<void> {
  type Requests = NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string];
  let pending: Requests = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_BATCH_ATTEMPTS) throw new TransientError(`BatchWriteItem left ${pending.length} items unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`);
    if (attempt > 1) await sleep(batchBackoff(attempt - 1));
    const result = await ctx.ddb.send(new BatchWriteCommand({ RequestItems: { [ctx.tableName]: pending } }));
    pending = result.UnprocessedItems?.[ctx.tableName] ?? [];
  }
}

/** The condition of an as-of ordered offer write: the offer exists and holds an older truth (or none recorded). */
const OLDER_TRUTH = 'attribute_exists(pk) AND (attribute_not_exists(stockAsOf) OR stockAsOf < :asOf)';

export interface OrderedWrites {
  /** Offers written. */
  readonly written: FeedOffer[];
  /** Offers whose stored row holds a truth as new or newer (`stockAsOf`): left alone. */
  readonly stale: FeedOffer[];
}

/**
 * Put whole offers (each carrying its `stockAsOf`), each conditional on the stored row holding an
 * older truth (OLDER_TRUTH); single PutItems, `concurrency` in flight (BatchWriteItem cannot be conditional).
 * `touch` offers get only `stockAsOf` moved (UpdateItem): their values already say this truth, and
 * anything written meanwhile (a delivery's stock - q) is kept.
 */
export async function writeOffersOrdered(ctx: StoreContext, puts: readonly FeedOffer[], touches: readonly FeedOffer[], concurrency = DEFAULT_ORDERED_CONCURRENCY): Promise<OrderedWrites> {
  const written: FeedOffer[] = [];
  const stale: FeedOffer[] = [];
  const jobs = [...puts.map((offer) => ({ offer, touch: false })), ...touches.map((offer) => ({ offer, touch: true }))];
  await inPool(jobs, concurrency, async ({ offer, touch }) => {
    const asOf = offer.stockAsOf;
    if (asOf === undefined) throw new RangeError(`offer ${offer.sku}/${offer.supplierId}: an ordered write needs stockAsOf`);
    try {
      if (touch) {
        await ctx.ddb.send(
          new UpdateCommand({
            TableName: ctx.tableName,
            Key: keys.offer(offer.sku, offer.supplierId),
            UpdateExpression: 'SET stockAsOf = :asOf',
            ConditionExpression: OLDER_TRUTH,
            ExpressionAttributeValues: { ':asOf': asOf },
          }),
        );
      } else {
        await ctx.ddb.send(new PutCommand({ TableName: ctx.tableName, Item: offerItem(offer), ConditionExpression: OLDER_TRUTH, ExpressionAttributeValues: { ':asOf': asOf } }));
      }
      written.push(offer);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      stale.push(offer);
    }
  });
  return { written, stale };
}

export const reservedKey = (sku: string, supplierId: string): string => `${sku}\u0000${supplierId}`;

/** `reserved` of the given offers' counter items (consistent BatchGet); an absent counter is 0 (absent from the map). */
export async function loadReservedCounts(
  ctx: StoreContext,
  offers: readonly { readonly sku: string; readonly supplierId: string }[],
  concurrency = 4,
): Promise<Map<string, number>> {
  return (await loadHeldUnits(ctx, offers, concurrency)).reserved;
}

/**
 * Units held per offer: the counter's `reserved`, plus Σ the allocation shards' of a sharded hot offer (the
 * counter carries `shards`; docs/hot-sku.md), and the allocations read for those (a feed resplits them).
 */
export async function loadHeldUnits(
  ctx: StoreContext,
  offers: readonly { readonly sku: string; readonly supplierId: string }[],
  concurrency = 4,
): Promise<{ reserved: Map<string, number>; allocations: Map<string, OfferAllocation> }> {
  const found = new Map<string, number>();
  const sharded: { sku: string; supplierId: string; shards: number; outside: number }[] = [];
  const unique = [...new Map(offers.map((o) => [reservedKey(o.sku, o.supplierId), o])).values()];
  const chunks: (typeof unique)[] = [];
  for (let i = 0; i < unique.length; i += BATCH_GET_SIZE) chunks.push(unique.slice(i, i + BATCH_GET_SIZE));
  await inPool(chunks, concurrency, async (chunk) => {
    let pending: Record<string, unknown>[] = chunk.map((o) => ({ ...keys.offerReservations(o.sku, o.supplierId) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_BATCH_ATTEMPTS) throw new TransientError(`BatchGetItem left ${pending.length} counters unprocessed`);
      if (attempt > 1) await sleep(batchBackoff(attempt - 1));
      const result = await ctx.ddb.send(
        new BatchGetCommand({
          RequestItems: {
            [ctx.tableName]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: '#sku, #supplierId, #reserved, #shards',
              ExpressionAttributeNames: { '#sku': 'sku', '#supplierId': 'supplierId', '#reserved': 'reserved', '#shards': 'shards' },
            },
          },
        }),
      );
      for (const item of result.Responses?.[ctx.tableName] ?? []) {
        const reserved = item['reserved'];
        if (typeof item['sku'] === 'string' && typeof item['supplierId'] === 'string' && typeof reserved === 'number') {
          found.set(reservedKey(item['sku'], item['supplierId']), reserved);
          const shards = shardCountOf(item);
          if (shards !== undefined) sharded.push({ sku: item['sku'], supplierId: item['supplierId'], shards, outside: reserved });
        }
      }
      pending = result.UnprocessedKeys?.[ctx.tableName]?.Keys ?? [];
    }
  });
  const allocations = sharded.length === 0 ? new Map<string, OfferAllocation>() : await loadAllocations(ctx, sharded);
  for (const [key, allocation] of allocations) found.set(key, allocationReserved(allocation));
  return { reserved: found, allocations };
}

// ------------------------------------------------------------------------------------------ supplier

/** Per-container sequence (random start) so same-millisecond events of one writer keep their order. */
let nextSeq = 1000 + Math.floor(Math.random() * 8000);

/** The first of `count` consecutive supplier-event sequence numbers of this container (1000-9999). */
export function takeSupplierEventSeq(count = 1): number {
  if (nextSeq + count > 9999) nextSeq = 1000;
  const base = nextSeq;
  nextSeq += Math.max(1, count);
  return base;
}

/** One SupplierEvent item: the event plus its keys. */
export function supplierEventItem(event: SupplierEvent, sequence: number): Record<string, unknown> {
  return { ...event, ...keys.supplierEvent(event.supplierId, event.at, sequence), entity: 'SupplierEvent' };
}

/** SupplierEvent outbox items (conditional puts: a key collision cancels the transaction instead of overwriting). */
export function supplierEventItems(ctx: StoreContext, events: readonly SupplierEvent[]): TransactItem[] {
  const base = takeSupplierEventSeq(events.length);
  return events.map((event, index) => ({
    Put: { TableName: ctx.tableName, Item: supplierEventItem(event, base + index), ConditionExpression: 'attribute_not_exists(pk)' },
  }));
}

export interface FeedRefresh {
  readonly at: string;
  /** S3 key of the applied feed (absent for SQS snapshots: lastFeedKey is kept). */
  readonly feedKey?: string | undefined;
  /** When S3 stored the applied inbox feed (its event time): later, older files are SUPERSEDED. */
  readonly objectAt?: string | undefined;
  /** The supplier was read STALE: flip it to ACTIVE (conditional on still being STALE). */
  readonly fresh: boolean;
}

/**
 * The supplier update of an applied feed: lastFeedAt (+ lastFeedKey); when `fresh`, also
 * STALE → ACTIVE with staleSince removed. Conditional on the status read (STALE when fresh, not
 * STALE otherwise): a cancellation means the stale-feed sweep (or an operator) changed it
 * meanwhile: re-read and rebuild.
 */
export function supplierFeedUpdate(ctx: StoreContext, supplierId: string, refresh: FeedRefresh): TransactItem {
  const sets = [
    'lastFeedAt = :at',
    ...(refresh.feedKey === undefined ? [] : ['lastFeedKey = :key']),
    ...(refresh.objectAt === undefined ? [] : ['lastFeedObjectAt = :objectAt']),
    ...(refresh.fresh ? ['#status = :active'] : []),
  ];
  return {
    Update: {
      TableName: ctx.tableName,
      Key: keys.supplier(supplierId),
      UpdateExpression: `SET ${sets.join(', ')}${refresh.fresh ? ' REMOVE staleSince' : ''}`,
      // Either way the status read must still hold: a supplier turned STALE meanwhile is re-read and made fresh.
      ConditionExpression: refresh.fresh ? 'attribute_exists(pk) AND #status = :stale' : 'attribute_exists(pk) AND #status <> :stale',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':at': refresh.at,
        ':stale': 'STALE',
        ...(refresh.feedKey === undefined ? {} : { ':key': refresh.feedKey }),
        ...(refresh.objectAt === undefined ? {} : { ':objectAt': refresh.objectAt }),
        ...(refresh.fresh ? { ':active': 'ACTIVE' } : {}),
      },
    },
  };
}

/** Commit supplier items without a file record (SQS updates); see transact() for the outcome. */
export async function writeSupplierItems(ctx: StoreContext, items: readonly TransactItem[]) {
  return transact(ctx, items);
}

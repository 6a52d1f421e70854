/**
 * Allocation shards of hot offers (rules and invariants: inventory/domain/allocation-shards.ts, docs/hot-sku.md).
 *
 *   SKUSHARD#{sku}#{supplierId}#{n} / #ALLOCATION   { free, reserved, epoch, basis, sku, supplierId, shard }
 *
 * Each shard is its own partition (a flash sale's reservations spread over N partitions). The legacy counter
 * `SKU#{sku}` / `RESERVED#{supplierId}` carries `shards = N` once the offer is split: readers sum it and the
 * shards; no reservation increments it any more (its update is conditioned on `attribute_not_exists(shards)`).
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../../kernel/errors';
import type { StoreContext } from '../../runtime/table/context';
import { keys } from '../../runtime/table/keys';
import { sleep, transact, type TransactItem } from '../../runtime/table/transactions';
import { EMPTY_SHARD, MAX_ALLOCATION_SHARDS, splitAllocation, splitMoves, type OfferAllocation, type ShardState } from '../domain/allocation-shards';
import { OFFER_RESERVATIONS_ENTITY } from './reservations';

export const ALLOCATION_SHARD_ENTITY = 'AllocationShard';

export function allocationShardKey(sku: string, supplierId: string, shard: number): { pk: string; sk: string } {
  return { pk: `SKUSHARD#${sku}#${supplierId}#${shard}`, sk: '#ALLOCATION' };
}

const pairKey = (sku: string, supplierId: string): string => `${sku}\u0000${supplierId}`;

/** A counter's shard count (absent, malformed or out of range = unsharded). */
export function shardCountOf(item: Record<string, unknown> | undefined): number | undefined {
  const n = item?.['shards'];
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_ALLOCATION_SHARDS ? n : undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function toShardState(item: Record<string, unknown> | undefined): ShardState {
  if (item === undefined) return EMPTY_SHARD;
  const basis = item['basis'];
  return { free: num(item['free']), reserved: num(item['reserved']), epoch: num(item['epoch']), basis: typeof basis === 'string' ? basis : undefined };
}

/** The shards of sharded offers (consistent BatchGet; an absent shard reads as empty). Keyed by `sku\0supplierId`. */
export async function loadAllocations(
  ctx: StoreContext,
  offers: readonly { readonly sku: string; readonly supplierId: string; readonly shards: number; readonly outside: number }[],
): Promise<Map<string, OfferAllocation>> {
  const wanted = offers.flatMap((o) => Array.from({ length: o.shards }, (_, shard) => ({ ...o, shard })));
  const found = new Map<string, Record<string, unknown>>();
  const id = (sku: string, supplierId: string, shard: number): string => `${pairKey(sku, supplierId)}\u0000${shard}`;
  for (let start = 0; start < wanted.length; start += 100) {
    let pending: Record<string, unknown>[] = wanted.slice(start, start + 100).map((w) => allocationShardKey(w.sku, w.supplierId, w.shard));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 6) throw new TransientError(`BatchGetItem left ${pending.length} allocation shards unprocessed`);
      if (attempt > 1) await sleep(20 * 2 ** attempt);
      const result = await ctx.ddb.send(new BatchGetCommand({ RequestItems: { [ctx.tableName]: { Keys: pending, ConsistentRead: true } } }));
      for (const item of result.Responses?.[ctx.tableName] ?? []) {
        if (typeof item['sku'] === 'string' && typeof item['supplierId'] === 'string' && typeof item['shard'] === 'number') {
          found.set(id(item['sku'], item['supplierId'], item['shard']), item);
        }
      }
      pending = result.UnprocessedKeys?.[ctx.tableName]?.Keys ?? [];
    }
  }
  const out = new Map<string, OfferAllocation>();
  for (const o of offers) {
    const states = Array.from({ length: o.shards }, (_, shard) => toShardState(found.get(id(o.sku, o.supplierId, shard))));
    out.set(pairKey(o.sku, o.supplierId), { shards: o.shards, outside: o.outside, states });
  }
  return out;
}

/** Hot path: take `quantity` free units of one shard (the order's transaction holds this item). */
export function reserveShardItem(ctx: StoreContext, sku: string, supplierId: string, shard: number, quantity: number): TransactItem {
  return {
    Update: {
      TableName: ctx.tableName,
      Key: allocationShardKey(sku, supplierId, shard),
      UpdateExpression: 'SET #reserved = #reserved + :q, #free = #free - :q',
      ConditionExpression: '#free >= :q',
      ExpressionAttributeNames: { '#reserved': 'reserved', '#free': 'free' },
      ExpressionAttributeValues: { ':q': quantity },
    },
  };
}

/**
 * Give units back to their shard (RELEASE: they become free on it again) or take them out with the stock
 * (CONSUME: delivered, the allocation shrinks with the offer's stock). Never below zero.
 */
export function settleShardItem(ctx: StoreContext, sku: string, supplierId: string, shard: number, quantity: number, consume: boolean): TransactItem {
  return {
    Update: {
      TableName: ctx.tableName,
      Key: allocationShardKey(sku, supplierId, shard),
      UpdateExpression: consume ? 'SET #reserved = #reserved - :q' : 'SET #reserved = #reserved - :q, #free = #free + :q',
      ConditionExpression: '#reserved >= :q',
      ExpressionAttributeNames: consume ? { '#reserved': 'reserved' } : { '#reserved': 'reserved', '#free': 'free' },
      ExpressionAttributeValues: { ':q': quantity },
    },
  };
}

/** The offer as a resplit reads it. */
export interface SplitOffer {
  readonly sku: string;
  readonly supplierId: string;
  readonly stock: number;
  readonly lastFeedAt: string;
}

// Long: the resplit transaction's items (offer check, counter, one move per shard) read best in one place.
/**
 * Resplit one offer's stock over its shards (creating them, and marking the counter `shards = N`, on first use):
 * ONE transaction that checks the offer still has the stock and feed stamp read, the counter holds no more than
 * read, and moves each shard's `free` by its delta (taking only free units, under the shard's epoch read).
 * Returns false when something moved meanwhile (the caller re-reads); throws on anything but a cancellation.
 */
export async function resplitOffer(
  ctx: StoreContext,
  offer: SplitOffer,
  allocation: OfferAllocation,
  want?: { readonly shard: number; readonly quantity: number },
): Promise<boolean> {
  const target = splitAllocation(offer.stock, allocation, want);
  const moves = splitMoves(allocation, target);
  const items: TransactItem[] = [
    {
      ConditionCheck: {
        TableName: ctx.tableName,
        Key: keys.offer(offer.sku, offer.supplierId),
        ConditionExpression: '#stock = :stock AND #lastFeedAt = :basis',
        ExpressionAttributeNames: { '#stock': 'stock', '#lastFeedAt': 'lastFeedAt' },
        ExpressionAttributeValues: { ':stock': offer.stock, ':basis': offer.lastFeedAt },
      },
    },
    {
      Update: {
        TableName: ctx.tableName,
        Key: keys.offerReservations(offer.sku, offer.supplierId),
        UpdateExpression: 'SET #shards = :n, #reserved = if_not_exists(#reserved, :zero), #sku = :sku, #supplierId = :supplierId, #entity = :entity',
        ConditionExpression: '(attribute_not_exists(#reserved) OR #reserved <= :outside) AND (attribute_not_exists(#shards) OR #shards <= :n)',
        ExpressionAttributeNames: { '#shards': 'shards', '#reserved': 'reserved', '#sku': 'sku', '#supplierId': 'supplierId', '#entity': 'entity' },
        ExpressionAttributeValues: {
          ':n': allocation.shards,
          ':zero': 0,
          ':outside': allocation.outside,
          ':sku': offer.sku,
          ':supplierId': offer.supplierId,
          ':entity': OFFER_RESERVATIONS_ENTITY,
        },
      },
    },
  ];
  moves.forEach((delta, shard) => {
    const read = allocation.states[shard] ?? EMPTY_SHARD;
    const names = { '#free': 'free', '#reserved': 'reserved', '#epoch': 'epoch', '#basis': 'basis', '#sku': 'sku', '#supplierId': 'supplierId', '#shard': 'shard', '#entity': 'entity' };
    const set = 'SET #free = if_not_exists(#free, :zero) + :delta, #reserved = if_not_exists(#reserved, :zero), #epoch = :next, #basis = :basis, #sku = :sku, #supplierId = :supplierId, #shard = :shard, #entity = :entity';
    const values = {
      ':zero': 0,
      ':delta': delta,
      ':next': read.epoch + 1,
      ':basis': offer.lastFeedAt,
      ':sku': offer.sku,
      ':supplierId': offer.supplierId,
      ':shard': shard,
      ':entity': ALLOCATION_SHARD_ENTITY,
    };
    items.push({
      Update: {
        TableName: ctx.tableName,
        Key: allocationShardKey(offer.sku, offer.supplierId, shard),
        UpdateExpression: set,
        // A new shard has no epoch; an existing one must still be at the split read and hold the free units taken.
        ConditionExpression: read.epoch === 0 ? 'attribute_not_exists(#epoch)' : delta < 0 ? '#epoch = :epoch AND #free >= :take' : '#epoch = :epoch',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ...(read.epoch === 0 ? {} : { ':epoch': read.epoch }), ...(delta < 0 && read.epoch !== 0 ? { ':take': -delta } : {}) },
      },
    });
  });
  const outcome = await transact(ctx, items);
  return outcome.ok;
}

/**
 * Allocation shards of a hot offer (docs/hot-sku.md): the offer's sellable stock split over N items of their own
 * partitions, so a flash sale's reservations spread over N partitions instead of one counter. Pure rules; the
 * store (inventory/store/allocation-shards.ts) turns them into conditional writes.
 *
 * A shard holds `free` (allocated, not reserved) and `reserved`; its allocation is `free + reserved`.
 *
 * - reserve q on shard i:   reserved += q, free -= q   IF free >= q            (I2: free never negative)
 * - release q on shard i:   reserved -= q, free += q   IF reserved >= q        (allocation unchanged)
 * - consume q on shard i:   reserved -= q              IF reserved >= q        (allocation and stock both drop by q)
 * - resplit (one transaction, rare): every shard's allocation set to splitAllocation() of the stock read, as
 *   relative moves `free += delta_i IF free >= -delta_i AND epoch = :read`, with a ConditionCheck that the offer's
 *   stock and feed stamp are still the ones read and the legacy counter holds no more than read.
 *
 * I1: Σ allocation ≤ stock − outside (the legacy counter's units) right after a resplit; reserve/release conserve
 * it, consume lowers both sides equally. I2 per shard: reserved ≤ allocation (free ≥ 0). Hence outside + Σ reserved
 * ≤ stock for every interleaving, as long as the feed did not lower the stock since the split (a feed changes
 * `lastFeedAt`, the shards' `basis`: no reservation is planned on a stale split, the next one resplits first).
 */

/** Upper bound of shards per offer (a read of an offer's shards is one BatchGet). */
export const MAX_ALLOCATION_SHARDS = 32;

/** One shard as read (absent item: free 0, reserved 0, epoch 0, basis undefined). */
export interface ShardState {
  readonly free: number;
  readonly reserved: number;
  /** Bumped by every resplit (the resplit's optimistic lock; reservations never touch it). */
  readonly epoch: number;
  /** The offer's `lastFeedAt` the split was computed from. */
  readonly basis: string | undefined;
}

/** The allocation of one sharded (or to-be-sharded) offer as read. */
export interface OfferAllocation {
  /** Shard count (the counter's `shards`, or the hot-SKU setting for an offer not split yet). */
  readonly shards: number;
  /** Units still held on the legacy counter `RESERVED#{supplierId}` (reservations from before the split). */
  readonly outside: number;
  /** `shards` entries, index = shard number. */
  readonly states: readonly ShardState[];
}

/** A hot offer of the stage config (`hotSkus`): its shard count. */
export interface HotSku {
  readonly sku: string;
  readonly supplierId: string;
  readonly shards: number;
}

export const EMPTY_SHARD: ShardState = { free: 0, reserved: 0, epoch: 0, basis: undefined };

/** Units held by reservations of the offer: the legacy counter plus every shard. */
export function allocationReserved(allocation: OfferAllocation): number {
  return allocation.outside + allocation.states.reduce((sum, s) => sum + s.reserved, 0);
}

/** Σ allocation over the shards. */
export function allocationTotal(allocation: OfferAllocation): number {
  return allocation.states.reduce((sum, s) => sum + s.free + s.reserved, 0);
}

/** FNV-1a of a key (an order id), so one order starts at the same shard on every attempt. */
export function shardHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The shards an order tries, in order: its hash's shard first, then the next ones (wrapping). */
export function shardOrder(key: string, shards: number): number[] {
  const start = shardHash(key) % shards;
  return Array.from({ length: shards }, (_, i) => (start + i) % shards);
}

/**
 * Target allocation of every shard for `stock`: each shard keeps what it has reserved, and the sellable rest
 * (stock − outside − Σ reserved, never negative) is spread evenly, `want.quantity` first to `want.shard` (a
 * multi-unit order that no shard could take alone). Σ result = max(stock − outside, Σ reserved).
 */
export function splitAllocation(
  stock: number,
  allocation: OfferAllocation,
  want?: { readonly shard: number; readonly quantity: number },
): number[] {
  const n = allocation.shards;
  const reserved = Array.from({ length: n }, (_, i) => allocation.states[i]?.reserved ?? 0);
  let free = Math.max(0, stock - allocation.outside - reserved.reduce((a, b) => a + b, 0));
  const target = [...reserved];
  if (want !== undefined && want.shard >= 0 && want.shard < n && free >= want.quantity) {
    target[want.shard] = (target[want.shard] ?? 0) + want.quantity;
    free -= want.quantity;
  }
  const base = Math.floor(free / n);
  const extra = free % n;
  const first = want?.shard ?? 0;
  for (let i = 0; i < n; i++) {
    const bonus = (i - first + n) % n < extra ? 1 : 0;
    target[i] = (target[i] ?? 0) + base + bonus;
  }
  return target;
}

/** Per shard: how `free` moves to reach `target` from the allocation read. */
export function splitMoves(allocation: OfferAllocation, target: readonly number[]): number[] {
  return target.map((t, i) => {
    const s = allocation.states[i] ?? EMPTY_SHARD;
    return t - (s.free + s.reserved);
  });
}

export type ShardPlan =
  | { readonly kind: 'reserve'; readonly shard: number }
  /** The split is stale (a feed since, shards missing) or no single shard can take the quantity: resplit first. */
  | { readonly kind: 'resplit'; readonly shard: number }
  /** Not enough sellable units on the offer at all (routing read it otherwise: a lost race). */
  | { readonly kind: 'short' };

/** Where `quantity` units of an offer go for the order `key`, given its stock and feed stamp as read. */
export function planShardReservation(
  offer: { readonly stock: number; readonly lastFeedAt: string },
  allocation: OfferAllocation,
  quantity: number,
  key: string,
): ShardPlan {
  const order = shardOrder(key, allocation.shards);
  const home = order[0] ?? 0;
  if (offer.stock - allocationReserved(allocation) < quantity) return { kind: 'short' };
  const current = allocation.states.length >= allocation.shards && allocation.states.every((s) => s.basis === offer.lastFeedAt);
  if (!current) return { kind: 'resplit', shard: home };
  for (const shard of order) {
    const s = allocation.states[shard];
    if (s !== undefined && s.free >= quantity) return { kind: 'reserve', shard };
  }
  return { kind: 'resplit', shard: home };
}

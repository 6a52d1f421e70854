/**
 * Stock reservations. Design (docs/workflow.md "Stock reservations"):
 *
 * The offer item `SKU#{sku}` / `OFFER#{supplierId}` is FEED-OWNED (inventory feeds write it whole with
 * BatchWriteItem), so what orders hold lives beside it on the platform-owned counter
 * `SKU#{sku}` / `RESERVED#{supplierId}` (entity "OfferReservations"; absent = 0 reserved). DynamoDB
 * conditions cannot compute `stock - reserved` across two items, so a reservation reads both and writes,
 * in one transaction per (sku, supplier) pair,
 *
 *   Update counter  SET reserved = if_not_exists(reserved, 0) + :q
 *                   IF  attribute_not_exists(reserved) OR reserved <= :stockRead - :q
 *   ConditionCheck  offer  attribute_exists(pk) AND stock >= :stockRead AND discontinued = false
 *
 * i.e. "reserved + q <= the stock I read, and stock has not dropped since (nor the offer been
 * discontinued)". DynamoDB evaluates every condition of the transaction and applies the counter update
 * atomically, so any interleaving of concurrent orders can only bring `reserved` up to `stock` (never
 * past it): 200 orders racing for 10 units reserve exactly 10, the others see their transaction
 * cancelled, re-read and find no stock. A feed that RAISES stock does not fail the check; one that
 * lowers it (or discontinues the offer) makes the racer re-read.
 *
 * Every line's pair is in ONE TransactWriteItems with the reservation records (all or nothing). A
 * reservation record per (order, fulfillment, retailer SKU) remembers what this order holds, so a
 * release gives back exactly that, once: the record goes HELD → RELEASED (or CONSUMED) under the
 * condition `status = HELD` in the same transaction as the counter update (consume also takes the
 * units off the offer's `stock`: the next feed overwrites it with the supplier's count, the truth).
 *
 * A hot offer (docs/hot-sku.md) reserves on one of its allocation shards instead (allocation-shards.ts); its
 * reservation records carry `shard`, and settling gives the units back to that shard, not to the counter.
 */
import type { Reservation } from '../domain/catalog';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { gsiKeys, keys } from '../../runtime/table/keys';
import { backoffMs, onlyContention, sleep, transact, type TransactItem } from '../../runtime/table/transactions';
import { TransientError } from '../../kernel/errors';
import { settleShardItem } from './allocation-shards';

export function reservationItem(reservation: Reservation): Record<string, unknown> {
  return {
    ...reservation,
    ...keys.reservation(reservation.orderId, reservation.fulfillmentId, reservation.sku),
    ...(reservation.status === 'HELD'
      ? gsiKeys.heldReservation(reservation.holdExpiresAt, reservation.orderId, reservation.fulfillmentId, reservation.sku)
      : {}),
    entity: 'Reservation',
  };
}

export function toReservation(item: Record<string, unknown>): Reservation {
  return stripKeys(item) as unknown as Reservation;
}

/** Entity name of the platform-owned counter beside an offer. */
export const OFFER_RESERVATIONS_ENTITY = 'OfferReservations';

/** What one offer must give in one reservation transaction (quantities of one (sku, supplier) summed). */
export interface OfferClaim {
  readonly sku: string;
  readonly supplierId: string;
  readonly quantity: number;
  /** `stock` of the offer as read when routing. */
  readonly stockRead: number;
}

/**
 * The two items of one claim: the conditional increment of the counter (created on first use, with
 * its entity and ids) and the check that the offer still has the stock that was read.
 */
export function reserveOfferItems(ctx: StoreContext, claim: OfferClaim): [TransactItem, TransactItem] {
  return [
    {
      Update: {
        TableName: ctx.tableName,
        Key: keys.offerReservations(claim.sku, claim.supplierId),
        UpdateExpression: 'SET #reserved = if_not_exists(#reserved, :zero) + :q, #sku = :sku, #supplierId = :supplierId, #entity = :entity',
        // A sharded offer (docs/hot-sku.md) reserves on its allocation shards: its counter takes no new units.
        ConditionExpression: '(attribute_not_exists(#reserved) OR #reserved <= :maxReserved) AND attribute_not_exists(#shards)',
        ExpressionAttributeNames: { '#reserved': 'reserved', '#sku': 'sku', '#supplierId': 'supplierId', '#entity': 'entity', '#shards': 'shards' },
        ExpressionAttributeValues: {
          ':zero': 0,
          ':q': claim.quantity,
          ':maxReserved': claim.stockRead - claim.quantity,
          ':sku': claim.sku,
          ':supplierId': claim.supplierId,
          ':entity': OFFER_RESERVATIONS_ENTITY,
        },
      },
    },
    {
      ConditionCheck: {
        TableName: ctx.tableName,
        Key: keys.offer(claim.sku, claim.supplierId),
        ConditionExpression: 'attribute_exists(pk) AND #stock >= :stockRead AND #discontinued = :false',
        ExpressionAttributeNames: { '#stock': 'stock', '#discontinued': 'discontinued' },
        ExpressionAttributeValues: { ':stockRead': claim.stockRead, ':false': false },
      },
    },
  ];
}

export function putReservationItem(ctx: StoreContext, reservation: Reservation): TransactItem {
  return { Put: { TableName: ctx.tableName, Item: reservationItem(reservation), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** Sum quantities per (sku, supplier): one transaction may touch an item only once. */
export function offerClaims(
  reservations: readonly Pick<Reservation, 'sku' | 'supplierId' | 'quantity'>[],
  stockRead: (sku: string, supplierId: string) => number,
): OfferClaim[] {
  const bySku = new Map<string, OfferClaim>();
  for (const r of reservations) {
    const key = pairKey(r);
    const prev = bySku.get(key);
    bySku.set(key, { sku: r.sku, supplierId: r.supplierId, quantity: (prev?.quantity ?? 0) + r.quantity, stockRead: stockRead(r.sku, r.supplierId) });
  }
  return [...bySku.values()];
}

/** Transaction items a reservation needs at most: its record, its counter update and its offer check. */
export const ITEMS_PER_RESERVATION = 3;

export type SettleMode = 'RELEASE' | 'CONSUME';

const MAX_SETTLE_ATTEMPTS = 8;
/** Reservations per settle transaction: ≤ 3 items each (record, counter, offer stock on consume). */
const SETTLE_CHUNK = 33;

function pairKey(r: Pick<Reservation, 'sku' | 'supplierId'>): string {
  return `${r.sku}\u0000${r.supplierId}`;
}

/** Where a reservation's units are held: the offer's counter, or the allocation shard it was taken from. */
function holderKey(r: Pick<Reservation, 'sku' | 'supplierId' | 'shard'>): string {
  return `${pairKey(r)}\u0000${r.shard ?? 'counter'}`;
}

/** The update that gives `quantity` units back to where they are held (counter or shard). */
export function releaseHeldItem(ctx: StoreContext, r: Pick<Reservation, 'sku' | 'supplierId' | 'shard'>, quantity: number, consume = false): TransactItem {
  return r.shard === undefined ? releaseCounterItem(ctx, r.sku, r.supplierId, quantity) : settleShardItem(ctx, r.sku, r.supplierId, r.shard, quantity, consume);
}

function reservationKey(r: Pick<Reservation, 'orderId' | 'fulfillmentId' | 'sku'>): string {
  return `${r.orderId}\u0000${r.fulfillmentId}\u0000${r.sku}`;
}

function settleRecordItem(ctx: StoreContext, r: Reservation, mode: SettleMode, reason: string, at: string): TransactItem {
  return {
    Update: {
      TableName: ctx.tableName,
      Key: keys.reservation(r.orderId, r.fulfillmentId, r.sku),
      UpdateExpression: 'SET #status = :to, settledAt = :at, settleReason = :reason REMOVE gsi2pk, gsi2sk',
      ConditionExpression: '#status = :held',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':to': mode === 'RELEASE' ? 'RELEASED' : 'CONSUMED', ':at': at, ':reason': reason, ':held': 'HELD' },
    },
  };
}

/** Give units back to the counter (never below zero: a counter that holds less than that is left alone). */
function releaseCounterItem(ctx: StoreContext, sku: string, supplierId: string, quantity: number): TransactItem {
  return {
    Update: {
      TableName: ctx.tableName,
      Key: keys.offerReservations(sku, supplierId),
      UpdateExpression: 'SET #reserved = #reserved - :q',
      ConditionExpression: '#reserved >= :q',
      ExpressionAttributeNames: { '#reserved': 'reserved' },
      ExpressionAttributeValues: { ':q': quantity },
    },
  };
}

/** Delivered units left the supplier's shelf (never below zero; the next feed sets the supplier's count). */
function consumeStockItem(ctx: StoreContext, sku: string, supplierId: string, quantity: number): TransactItem {
  return {
    Update: {
      TableName: ctx.tableName,
      Key: keys.offer(sku, supplierId),
      UpdateExpression: 'SET #stock = #stock - :q',
      ConditionExpression: 'attribute_exists(pk) AND #stock >= :q',
      ExpressionAttributeNames: { '#stock': 'stock' },
      ExpressionAttributeValues: { ':q': quantity },
    },
  };
}

type Slot = { readonly kind: 'reservation'; readonly key: string } | { readonly kind: 'counter' | 'offer'; readonly pair: string };

// Long: one conditional transaction per reservation batch, with its retry loop.
/**
 * Release (or consume) HELD reservations, each exactly once. Idempotent: a reservation that is no
 * longer HELD is skipped (someone settled it already). Per transaction, the quantities of one
 * (sku, supplier) are summed into ONE counter update (and, on consume, one offer stock update): many
 * reservations of one offer (a sweep, an order with several fulfillments) never touch an item twice.
 * A counter holding less than the release (or absent) and an offer that is gone or holds less stock
 * only settle the records. Returns the reservations this call settled.
 */
export async function settleReservations(
  ctx: StoreContext,
  reservations: readonly Reservation[],
  mode: SettleMode,
  reason: string,
  at: string,
): Promise<Reservation[]> {
  const settled: Reservation[] = [];
  const unique = new Map<string, Reservation>();
  for (const r of reservations) if (r.status === 'HELD') unique.set(reservationKey(r), r);
  const held = [...unique.values()];
  for (let start = 0; start < held.length; start += SETTLE_CHUNK) {
    let pending = held.slice(start, start + SETTLE_CHUNK);
    const skipCounter = new Set<string>();
    const skipOffer = new Set<string>();
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_SETTLE_ATTEMPTS) throw new TransientError('Reservation settlement kept conflicting');
      const layout: Slot[] = [];
      const items: TransactItem[] = [];
      const perHolder = new Map<string, { sku: string; supplierId: string; shard: number | undefined; quantity: number }>();
      const perPair = new Map<string, { sku: string; supplierId: string; quantity: number }>();
      for (const r of pending) {
        layout.push({ kind: 'reservation', key: reservationKey(r) });
        items.push(settleRecordItem(ctx, r, mode, reason, at));
        const pair = pairKey(r);
        const sum = perPair.get(pair);
        perPair.set(pair, { sku: r.sku, supplierId: r.supplierId, quantity: (sum?.quantity ?? 0) + r.quantity });
        const holder = holderKey(r);
        const held = perHolder.get(holder);
        perHolder.set(holder, { sku: r.sku, supplierId: r.supplierId, shard: r.shard, quantity: (held?.quantity ?? 0) + r.quantity });
      }
      for (const [holder, h] of perHolder) {
        if (skipCounter.has(holder)) continue;
        layout.push({ kind: 'counter', pair: holder });
        items.push(releaseHeldItem(ctx, h, h.quantity, mode === 'CONSUME'));
      }
      for (const [pair, p] of perPair) {
        if (mode === 'CONSUME' && !skipOffer.has(pair)) {
          layout.push({ kind: 'offer', pair });
          items.push(consumeStockItem(ctx, p.sku, p.supplierId, p.quantity));
        }
      }
      const outcome = await transact(ctx, items);
      if (outcome.ok) {
        settled.push(...pending);
        break;
      }
      if (onlyContention(outcome.codes)) {
        await sleep(backoffMs(attempt));
        continue;
      }
      const done = new Set<string>();
      outcome.codes.forEach((code, i) => {
        if (code !== 'ConditionalCheckFailed') return;
        const slot = layout[i];
        if (slot === undefined) return;
        if (slot.kind === 'reservation') done.add(slot.key);
        else if (slot.kind === 'counter') skipCounter.add(slot.pair);
        else skipOffer.add(slot.pair);
      });
      // A record settled by someone else changes the sums: the counter / offer conditions are re-evaluated next time.
      if (done.size > 0) {
        skipCounter.clear();
        skipOffer.clear();
      }
      pending = pending.filter((r) => !done.has(reservationKey(r)));
    }
  }
  return settled;
}

/**
 * Stock reservations. Design (docs/workflow.md "Reservation design"):
 *
 * DynamoDB conditions cannot compute `stock - reserved`, so a reservation reads the offer and writes
 *
 *   SET reserved = if_not_exists(reserved, 0) + :q
 *   IF  attribute_exists(pk) AND stock >= :stockRead AND (attribute_not_exists(reserved) OR reserved <= :stockRead - :q)
 *
 * i.e. "reserved + q <= the stock I read, and stock has not dropped since". DynamoDB evaluates the
 * condition and applies the update atomically per item, so any interleaving of concurrent orders can
 * only ever bring `reserved` up to `stock` (never past it): 200 orders racing for 10 units reserve
 * exactly 10, the others see their transaction cancelled, re-read and find no stock. A feed that RAISES
 * stock does not fail the condition; one that lowers it makes the racer re-read.
 *
 * Every line's offer is in ONE TransactWriteItems with the reservation records (all or nothing). A
 * reservation record per (order, fulfillment, retailer SKU) remembers what this order holds, so a
 * release gives back exactly that, once: the record goes HELD → RELEASED (or CONSUMED) under the
 * condition `status = HELD` in the same transaction as the offer update.
 */
import type { Reservation } from '../domain/types';
import { stripKeys, type StoreContext } from './context';
import { gsiKeys, keys } from './keys';
import { backoffMs, onlyContention, sleep, transact, type TransactItem } from './transactions';
import { TransientError } from '../errors';

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

/** What one offer must give in one reservation transaction (quantities of one (sku, supplier) summed). */
export interface OfferClaim {
  readonly sku: string;
  readonly supplierId: string;
  readonly quantity: number;
  /** `stock` as read when routing. */
  readonly stockRead: number;
}

/** The conditional increment of one offer's `reserved`. */
export function reserveOfferItem(ctx: StoreContext, claim: OfferClaim): TransactItem {
  return {
    Update: {
      TableName: ctx.tableName,
      Key: keys.offer(claim.sku, claim.supplierId),
      UpdateExpression: 'SET reserved = if_not_exists(reserved, :zero) + :q',
      ConditionExpression: 'attribute_exists(pk) AND stock >= :stockRead AND (attribute_not_exists(reserved) OR reserved <= :maxReserved)',
      ExpressionAttributeValues: { ':zero': 0, ':q': claim.quantity, ':stockRead': claim.stockRead, ':maxReserved': claim.stockRead - claim.quantity },
    },
  };
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
    const key = `${r.sku}\u0000${r.supplierId}`;
    const prev = bySku.get(key);
    bySku.set(key, { sku: r.sku, supplierId: r.supplierId, quantity: (prev?.quantity ?? 0) + r.quantity, stockRead: stockRead(r.sku, r.supplierId) });
  }
  return [...bySku.values()];
}

export type SettleMode = 'RELEASE' | 'CONSUME';

const MAX_SETTLE_ATTEMPTS = 8;
/** Reservations per settle transaction (2 items each). */
const SETTLE_CHUNK = 40;

function settleItems(ctx: StoreContext, r: Reservation, mode: SettleMode, reason: string, at: string, withOffer: boolean): TransactItem[] {
  const items: TransactItem[] = [
    {
      Update: {
        TableName: ctx.tableName,
        Key: keys.reservation(r.orderId, r.fulfillmentId, r.sku),
        UpdateExpression: 'SET #status = :to, settledAt = :at, settleReason = :reason REMOVE gsi2pk, gsi2sk',
        ConditionExpression: '#status = :held',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':to': mode === 'RELEASE' ? 'RELEASED' : 'CONSUMED', ':at': at, ':reason': reason, ':held': 'HELD' },
      },
    },
  ];
  if (withOffer) {
    items.push({
      Update: {
        TableName: ctx.tableName,
        Key: keys.offer(r.sku, r.supplierId),
        UpdateExpression: mode === 'RELEASE' ? 'SET reserved = reserved - :q' : 'SET reserved = reserved - :q, stock = stock - :q',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':q': r.quantity },
      },
    });
  }
  return items;
}

/**
 * Release (or consume) HELD reservations, each exactly once. Idempotent: a reservation that is no
 * longer HELD is skipped (someone settled it already); an offer that no longer exists only settles the
 * record. Returns the reservations this call settled.
 */
export async function settleReservations(
  ctx: StoreContext,
  reservations: readonly Reservation[],
  mode: SettleMode,
  reason: string,
  at: string,
): Promise<Reservation[]> {
  const settled: Reservation[] = [];
  const held = reservations.filter((r) => r.status === 'HELD');
  for (let start = 0; start < held.length; start += SETTLE_CHUNK) {
    let pending = held.slice(start, start + SETTLE_CHUNK).map((r) => ({ r, withOffer: true }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_SETTLE_ATTEMPTS) throw new TransientError('Reservation settlement kept conflicting');
      const layout: { index: number; kind: 'reservation' | 'offer' }[] = [];
      const items: TransactItem[] = [];
      pending.forEach((p, index) => {
        const [reservationUpdate, offerUpdate] = settleItems(ctx, p.r, mode, reason, at, p.withOffer);
        if (reservationUpdate !== undefined) {
          layout.push({ index, kind: 'reservation' });
          items.push(reservationUpdate);
        }
        if (offerUpdate !== undefined) {
          layout.push({ index, kind: 'offer' });
          items.push(offerUpdate);
        }
      });
      const outcome = await transact(ctx, items);
      if (outcome.ok) {
        settled.push(...pending.map((p) => p.r));
        break;
      }
      if (onlyContention(outcome.codes)) {
        await sleep(backoffMs(attempt));
        continue;
      }
      const done = new Set<number>();
      const noOffer = new Set<number>();
      outcome.codes.forEach((code, i) => {
        if (code !== 'ConditionalCheckFailed') return;
        const slot = layout[i];
        if (slot === undefined) return;
        if (slot.kind === 'reservation') done.add(slot.index);
        else noOffer.add(slot.index);
      });
      pending = pending.flatMap((p, index) => (done.has(index) ? [] : [{ r: p.r, withOffer: p.withOffer && !noOffer.has(index) }]));
    }
  }
  return settled;
}

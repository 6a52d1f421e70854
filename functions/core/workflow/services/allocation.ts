/**
 * Turning a routing allocation (workflow/domain/routing.ts) into stored fulfillments and stock reservations,
 * and writing both atomically (inventory/store/reservations.ts explains the conditions). Used by
 * ReserveAndRoute (the whole order) and Reroute (the lines of a rejected fulfillment).
 */
import type { PlannedFulfillment } from '../domain/routing-rules';
import { newFulfillment } from '../domain/fulfillment';
import type { Reservation, SupplierOffer } from '../../inventory/domain/catalog';
import type { Supplier } from '../../suppliers/domain/supplier';
import type { WorkflowOrder } from '../../orders/domain/order';
import type { StoreContext } from '../../runtime/table/context';
import { fulfillmentId, parseFulfillmentId, type FulfillmentRecord } from '../domain/fulfillment-record';
import { putNewFulfillment } from '../store/fulfillments';
import { ITEMS_PER_RESERVATION, offerClaims, putReservationItem, reserveOfferItems, settleReservations } from '../../inventory/store/reservations';
import { MAX_TRANSACT_ITEMS, transact, type TransactItem } from '../../runtime/table/transactions';
import { planShardReservation, type HotSku, type OfferAllocation } from '../../inventory/domain/allocation-shards';
import { reserveShardItem, resplitOffer } from '../../inventory/store/allocation-shards';
import type { WorkflowSettings } from './workflow-settings';

export interface AllocatedFulfillment {
  readonly record: FulfillmentRecord;
  readonly reservations: readonly Reservation[];
}

/** A stored fulfillment (PENDING) and its reservations for one planned fulfillment. */
export function allocate(
  order: WorkflowOrder,
  planned: PlannedFulfillment,
  sequence: number,
  supplier: Supplier | undefined,
  at: string,
  settings: Pick<WorkflowSettings, 'deliveryGraceSeconds' | 'reservationSlackSeconds'>,
  parentFulfillmentId?: string,
): AllocatedFulfillment {
  const id = fulfillmentId(order.orderId, sequence);
  const titles = new Map(order.lines.map((l) => [l.lineNo, l.title]));
  const quantities = new Map<number, number>();
  for (const l of planned.lines) quantities.set(l.lineNo, (quantities.get(l.lineNo) ?? 0) + l.quantity);
  const state = newFulfillment([...quantities.entries()].map(([lineNo, quantity]) => ({ lineNo, quantity })));
  const record: FulfillmentRecord = {
    ...state,
    orderId: order.orderId,
    fulfillmentId: id,
    supplierId: planned.supplierId,
    channelId: order.channelId,
    purchaseLines: planned.lines.map((l) => ({
      lineNo: l.lineNo,
      sku: l.sku,
      supplierSku: l.supplierSku,
      quantity: l.quantity,
      unitCostMinor: l.unitCostMinor,
      unitPriceMinor: l.unitPriceMinor,
      ...(titles.get(l.lineNo) === undefined ? {} : { title: titles.get(l.lineNo) }),
    })),
    zoneId: planned.zoneId,
    shippingMethod: planned.shippingMethod,
    promise: planned.promise,
    wholesaleCostMinor: planned.wholesaleCostMinor,
    shippingCostMinor: planned.shippingCostMinor,
    landedCostMinor: planned.landedCostMinor,
    acceptanceSlaMinutes: supplier?.acceptanceSlaMinutes ?? 60,
    ...(parentFulfillmentId === undefined ? {} : { parentFulfillmentId }),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const holdExpiresAt = new Date(
    Date.parse(planned.promise.deliverByDeadline) + (settings.deliveryGraceSeconds + settings.reservationSlackSeconds) * 1000,
  ).toISOString();
  const bySku = new Map<string, number>();
  for (const l of planned.lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.quantity);
  const reservations: Reservation[] = [...bySku.entries()].map(([sku, quantity]) => ({
    orderId: order.orderId,
    fulfillmentId: id,
    sku,
    supplierId: planned.supplierId,
    quantity,
    status: 'HELD',
    createdAt: at,
    holdExpiresAt,
  }));
  return { record, reservations };
}

export type CommitOutcome = { readonly ok: true } | { readonly ok: false; readonly codes: readonly string[]; readonly stage: 'reserve' | 'final' };

/** Sharded offers of the catalog read, and the stage's hot offers not split yet (docs/hot-sku.md). */
export interface AllocationCatalog {
  readonly offers: readonly SupplierOffer[];
  readonly allocations?: ReadonlyMap<string, OfferAllocation> | undefined;
}

type ChunkItems = { readonly ok: true; readonly items: TransactItem[]; readonly reservations: Reservation[] } | { readonly ok: false; readonly resplit: readonly Resplit[] };
interface Resplit {
  readonly offer: SupplierOffer;
  readonly allocation: OfferAllocation;
  readonly want: { readonly shard: number; readonly quantity: number } | undefined;
}

const pair = (sku: string, supplierId: string): string => `${sku}\u0000${supplierId}`;

// Long: per (sku, supplier) claim one of two paths (counter or shard), then the records.
/**
 * Reservation items of one chunk: per (sku, supplier) claim the counter increment + the offer check, or, for a
 * sharded (or hot) offer, the increment of ONE allocation shard; then the reservation records (a sharded one
 * remembers its shard). A hot offer whose split is stale or that no shard can serve asks for a resplit instead.
 */
function reservationItems(ctx: StoreContext, reservations: readonly Reservation[], catalog: AllocationCatalog, hot: readonly HotSku[]): ChunkItems {
  const offers = new Map(catalog.offers.map((o) => [pair(o.sku, o.supplierId), o]));
  const claims = offerClaims(reservations, (sku, supplierId) => offers.get(pair(sku, supplierId))?.stock ?? 0);
  const items: TransactItem[] = [];
  const shardOf = new Map<string, number>();
  const resplit: Resplit[] = [];
  for (const claim of claims) {
    const key = pair(claim.sku, claim.supplierId);
    const offer = offers.get(key);
    const configured = hot.find((h) => h.sku === claim.sku && h.supplierId === claim.supplierId);
    const read = catalog.allocations?.get(key);
    const allocation: OfferAllocation | undefined =
      read !== undefined && (configured === undefined || configured.shards <= read.shards)
        ? read
        : configured === undefined || offer === undefined
          ? undefined
          : { shards: configured.shards, outside: read?.outside ?? offer.reserved, states: read?.states ?? [] };
    if (allocation === undefined || offer === undefined) {
      items.push(...reserveOfferItems(ctx, claim));
      continue;
    }
    const orderKey = reservations.find((r) => pair(r.sku, r.supplierId) === key)?.orderId ?? key;
    const plan = planShardReservation(offer, allocation, claim.quantity, orderKey);
    if (plan.kind === 'reserve') {
      shardOf.set(key, plan.shard);
      items.push(reserveShardItem(ctx, claim.sku, claim.supplierId, plan.shard, claim.quantity));
    } else {
      resplit.push({ offer, allocation, want: plan.kind === 'resplit' ? { shard: plan.shard, quantity: claim.quantity } : undefined });
    }
  }
  if (resplit.length > 0) return { ok: false, resplit };
  const records = reservations.map((r) => {
    const shard = shardOf.get(pair(r.sku, r.supplierId));
    return shard === undefined ? r : { ...r, shard };
  });
  return { ok: true, items: [...items, ...records.map((r) => putReservationItem(ctx, r))], reservations: records };
}

/** Resplit what a chunk asked for (a lost resplit race is fine: the caller re-reads either way). */
async function resplitAll(ctx: StoreContext, resplits: readonly Resplit[]): Promise<CommitOutcome> {
  for (const r of resplits) {
    if (r.want !== undefined) await resplitOffer(ctx, r.offer, r.allocation, r.want);
  }
  return { ok: false, codes: resplits.map((r) => (r.want === undefined ? 'AllocationShort' : 'AllocationResplit')), stage: 'reserve' };
}

/**
 * Reserve and write in ONE TransactWriteItems when it fits (≤ 100 items: per (sku, supplier) claim a
 * counter update and an offer check (or one shard update), every reservation record, the new fulfillments and
 * `rest` = order update + timeline + ...). Orders too large for one transaction reserve in chunks first (each
 * chunk all-or-nothing; a failed chunk releases the chunks before it) and then write `rest` with the fulfillments.
 * `hot`: the stage's hot offers (split on first use).
 */
export async function commitAllocation(
  ctx: StoreContext,
  allocated: readonly AllocatedFulfillment[],
  catalog: AllocationCatalog,
  rest: readonly TransactItem[],
  at: string,
  hot: readonly HotSku[] = [],
): Promise<CommitOutcome> {
  const reservations = allocated.flatMap((a) => a.reservations);
  const fulfillmentItems = allocated.map((a) => putNewFulfillment(ctx, a.record));
  const whole = reservationItems(ctx, reservations, catalog, hot);
  if (!whole.ok) return resplitAll(ctx, whole.resplit);
  const single = [...whole.items, ...fulfillmentItems, ...rest];
  if (single.length <= MAX_TRANSACT_ITEMS) {
    const outcome = await transact(ctx, single);
    return outcome.ok ? outcome : { ok: false, codes: outcome.codes, stage: 'final' };
  }
  // Large orders: chunks of reservations (≤ 3 items per reservation: counter, offer check, record), then the rest.
  const done: Reservation[] = [];
  const chunkSize = Math.floor((MAX_TRANSACT_ITEMS - 4) / ITEMS_PER_RESERVATION);
  for (let start = 0; start < reservations.length; start += chunkSize) {
    const chunk = reservationItems(ctx, reservations.slice(start, start + chunkSize), catalog, hot);
    const outcome = chunk.ok ? await transact(ctx, chunk.items) : await resplitAll(ctx, chunk.resplit);
    if (!chunk.ok || !outcome.ok) {
      await settleReservations(ctx, done, 'RELEASE', 'RESERVATION_ABORTED', at);
      return { ok: false, codes: outcome.ok ? [] : outcome.codes, stage: 'reserve' };
    }
    done.push(...chunk.reservations);
  }
  const outcome = await transact(ctx, [...fulfillmentItems, ...rest]);
  if (!outcome.ok) {
    await settleReservations(ctx, done, 'RELEASE', 'RESERVATION_ABORTED', at);
    return { ok: false, codes: outcome.codes, stage: 'final' };
  }
  return { ok: true };
}

/** A short, PII-free summary of fulfillments for timeline events. */
export function fulfillmentSummary(records: readonly FulfillmentRecord[]): Record<string, unknown>[] {
  return records.map((r) => ({
    fulfillmentId: r.fulfillmentId,
    supplierId: r.supplierId,
    lines: r.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
    shippingMethod: r.shippingMethod.code,
    shipBy: r.promise.shipBy,
    deliverBy: r.promise.deliverBy,
    landedCostMinor: r.landedCostMinor,
  }));
}

/** The next unused fulfillment sequence of an order (fulfillments and reservation records both count). */
export function nextSequence(fulfillments: readonly Pick<FulfillmentRecord, 'fulfillmentId'>[], reservations: readonly Pick<Reservation, 'fulfillmentId'>[]): number {
  const used = [...fulfillments, ...reservations].map((x) => parseFulfillmentId(x.fulfillmentId)?.sequence ?? 0);
  return Math.max(0, ...used) + 1;
}

/**
 * GET /ops/orders: find orders for an operator. One index drives each listing (no Scan), newest first:
 *   externalOrderId  the order ids it derives on the given channel (or on every channel): GetItem, no index
 *   email            gsi4 (SHA-256 of the normalized email), by creation time
 *   channel          gsi1, by creation time
 *   status           gsi2, by last update
 *   supplier         gsi1 fulfillments of the supplier, by fulfillment id (not by time)
 *   none             gsi2 of every status, merged by last update
 * The other filters given apply to the orders the index found (so a page may hold fewer than `limit`
 * items and still have a nextCursor). `olderThanMinutes` keeps orders not updated for that long; with a
 * status (or none) it bounds the index query itself.
 */
import type { Clock } from '../../kernel/clock';
import { emailHash } from '../../kernel/email-hash';
import { minorToDecimal } from '../../kernel/money';
import { orderIdForExternalOrder } from '../../kernel/order-id';
import { ORDER_STATUSES, type Order, type OrderWorkflowFields } from '../../orders/domain/order';
import type { StoreContext } from '../../runtime/table/context';
import { decodeCursor, encodeCursor, filtersFingerprint, type CursorBody } from '../cursor';
import type { OrderSummary, OrdersPage, OrdersQuery } from '../schemas/find';
import { fulfillmentBriefs, getOrders, queryIndex, type IndexHit, type IndexSource } from '../store/order-index';

export interface FindDeps {
  readonly store: StoreContext;
  readonly now: Clock;
  /** Every channel id of the stage (to find an external order id without a channel). */
  readonly channelIds: readonly string[];
}

type StoredOrder = Order & OrderWorkflowFields & { gsi3pk?: string };

async function summarize(deps: FindDeps, order: StoredOrder): Promise<OrderSummary> {
  const fulfillments = await fulfillmentBriefs(deps.store, order.orderId);
  const exception = order.gsi3pk?.replace(/^EXCEPTION#/, '') ?? fulfillments.find((f) => f.exception !== undefined)?.exception;
  return {
    orderId: order.orderId,
    status: order.status,
    channelId: order.channelId,
    externalOrderId: order.externalOrderId,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    total: { amount: minorToDecimal(order.totals.totalMinor, order.currency), currency: order.currency },
    supplierIds: [...new Set(fulfillments.map((f) => f.supplierId))].sort(),
    ...(order.holdReason === undefined ? {} : { holdReason: order.holdReason }),
    ...(exception === undefined ? {} : { exception }),
  };
}

/** Whether the order passes the filters its index did not apply. */
function matches(order: StoredOrder, query: OrdersQuery, cutoff: string | undefined, supplierIds: () => Promise<readonly string[]>): Promise<boolean> | boolean {
  if (query.status !== undefined && order.status !== query.status) return false;
  if (query.channel !== undefined && order.channelId !== query.channel) return false;
  if (query.externalOrderId !== undefined && order.externalOrderId !== query.externalOrderId) return false;
  if (query.email !== undefined && emailHash(order.customer.email) !== emailHash(query.email)) return false;
  if (cutoff !== undefined && order.updatedAt >= cutoff) return false;
  if (query.supplier !== undefined) return supplierIds().then((ids) => ids.includes(query.supplier ?? ''));
  return true;
}

/** Which index drives the listing, and its partition(s). */
function plan(query: OrdersQuery): { src: CursorBody['src']; source: IndexSource; partitions: string[] } {
  if (query.email !== undefined) return { src: 'email', source: 'email', partitions: [`EMAIL#${emailHash(query.email)}`] };
  if (query.channel !== undefined) return { src: 'channel', source: 'channel', partitions: [`CHANNEL#${query.channel}`] };
  if (query.status !== undefined) return { src: 'status', source: 'status', partitions: [`STATUS#${query.status}`] };
  if (query.supplier !== undefined) return { src: 'supplier', source: 'supplier', partitions: [`SUPPLIER#${query.supplier}`] };
  return { src: 'all', source: 'status', partitions: ORDER_STATUSES.map((s) => `STATUS#${s}`) };
}

export async function findOrders(deps: FindDeps, query: OrdersQuery): Promise<OrdersPage> {
  const cutoff = query.olderThanMinutes === undefined ? undefined : new Date(deps.now().getTime() - query.olderThanMinutes * 60_000).toISOString();
  const summaries = async (orders: readonly StoredOrder[]): Promise<OrderSummary[]> => {
    const out: OrderSummary[] = [];
    for (const order of orders) {
      const summary = await summarize(deps, order);
      if (await matches(order, query, cutoff, () => Promise.resolve(summary.supplierIds))) out.push(summary);
    }
    return out;
  };
  if (query.externalOrderId !== undefined) {
    const channels = query.channel === undefined ? deps.channelIds : [query.channel];
    const found = await getOrders(deps.store, channels.map((c) => orderIdForExternalOrder(c, query.externalOrderId ?? '')));
    const items = await summaries([...found.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)));
    return { items: items.slice(0, query.limit) };
  }
  const { src, source, partitions } = plan(query);
  const f = filtersFingerprint(query);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, { src, f }).k;
  // Status partitions sort by updatedAt: "not updated since cutoff" bounds the query itself.
  const bound = source === 'status' && cutoff !== undefined ? `${cutoff}#` : undefined;
  const before = after === undefined ? bound : bound === undefined || after < bound ? after : bound;
  const pages = await Promise.all(partitions.map((p) => queryIndex(deps.store, source, p, query.limit, before)));
  const hits: IndexHit[] = pages
    .flatMap((p) => p.hits)
    .sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0))
    .slice(0, query.limit);
  const more = pages.some((p) => p.more) || pages.reduce((n, p) => n + p.hits.length, 0) > hits.length;
  const orders = await getOrders(deps.store, hits.map((h) => h.orderId));
  const seen = new Set<string>();
  const ordered = hits.flatMap((h) => {
    const order = orders.get(h.orderId);
    if (order === undefined || seen.has(h.orderId)) return [];
    seen.add(h.orderId);
    return [order];
  });
  const items = await summaries(ordered);
  const last = hits.at(-1);
  return { items, ...(more && last !== undefined ? { nextCursor: encodeCursor({ v: 1, src, f, k: last.sortKey }) } : {}) };
}

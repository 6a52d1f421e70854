/**
 * GET /ops/returns: returns across orders for an operator, newest change first. One index per listing:
 *   status       gsi2 RETURN#{status}, by last change
 *   UNANSWERED   gsi3 EXCEPTION#RETURN_UNANSWERED below now: REQUESTED past the supplier's respondBy,
 *                latest deadline first
 *   none         gsi2 of every status, merged by last change
 * `supplier` and `olderThanMinutes` (requested at least that long ago) are filters DynamoDB applies to the
 * index entries (both attributes are projected), so a page may hold fewer than `limit` items and still
 * have a nextCursor. A cursor is only valid with the same filters (a forged one is a 400 naming `cursor`).
 */
import type { Clock } from '../../kernel/clock';
import { minorToDecimal } from '../../kernel/money';
import { RETURN_STATUSES } from '../../orders/domain/returns-lifecycle';
import type { ReturnRecord } from '../../returns/domain/returns';
import { RETURN_UNANSWERED } from '../../returns/store/returns';
import type { StoreContext } from '../../runtime/table/context';
import { decodeCursor, encodeCursor, filtersFingerprint, type CursorBody } from '../cursor';
import type { ReturnSummary, ReturnsPage, ReturnsQuery } from '../schemas/returns';
import { getOrders } from '../store/order-index';
import { getReturnsByKey, queryReturnIndex, type ReturnHit } from '../store/return-index';

export interface ListReturnsDeps {
  readonly store: StoreContext;
  readonly now: Clock;
}

/** The summary an operator reads (no customer data: the return carries none). */
export function returnSummary(record: ReturnRecord, orderCurrency: string, now: string): ReturnSummary {
  const goodsMinor = record.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0);
  const currency = record.refund?.currency ?? orderCurrency;
  return {
    returnId: record.returnId,
    orderId: record.orderId,
    channelId: record.channelId,
    supplierId: record.supplierId,
    fulfillmentId: record.fulfillmentId,
    status: record.status,
    reason: record.reason,
    resolution: record.resolution,
    destination: record.destination,
    units: record.lines.reduce((sum, l) => sum + l.quantity, 0),
    goods: { amount: minorToDecimal(goodsMinor, currency), currency },
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.respondBy === undefined ? {} : { respondBy: record.respondBy }),
    unanswered: record.status === 'REQUESTED' && record.respondBy !== undefined && record.respondBy < now,
    ...(record.authorization === undefined ? {} : { rma: record.authorization.rma }),
    ...(record.refund === undefined ? {} : { refund: { amount: minorToDecimal(record.refund.amountMinor, record.refund.currency), currency: record.refund.currency } }),
    lines: record.lines.map((l) => {
      const condition = record.received?.lines.find((r) => r.lineNo === l.lineNo)?.condition;
      return { lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, ...(condition === undefined ? {} : { condition }) };
    }),
  };
}

function plan(query: ReturnsQuery): { src: CursorBody['src']; index: 'status' | 'unanswered'; partitions: string[] } {
  if (query.status === 'UNANSWERED') return { src: 'returns-unanswered', index: 'unanswered', partitions: [`EXCEPTION#${RETURN_UNANSWERED}`] };
  if (query.status !== undefined) return { src: 'returns', index: 'status', partitions: [`RETURN#${query.status}`] };
  return { src: 'returns-all', index: 'status', partitions: RETURN_STATUSES.map((s) => `RETURN#${s}`) };
}

export async function listReturnsForOperators(deps: ListReturnsDeps, query: ReturnsQuery): Promise<ReturnsPage> {
  const now = deps.now();
  const nowIso = now.toISOString();
  const { src, index, partitions } = plan(query);
  const f = filtersFingerprint(query);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, { src, f }).k;
  // Unanswered: only deadlines already passed (sort keys below now).
  const bound = index === 'unanswered' ? `${nowIso}#` : undefined;
  const before = after === undefined ? bound : bound === undefined || after < bound ? after : bound;
  const createdBefore = query.olderThanMinutes === undefined ? undefined : new Date(now.getTime() - query.olderThanMinutes * 60_000).toISOString();
  const pages = await Promise.all(
    partitions.map((partition) => queryReturnIndex(deps.store, { index, partition, limit: query.limit, before, supplierId: query.supplier, createdBefore })),
  );
  const hits: ReturnHit[] = pages
    .flatMap((p) => p.hits)
    .sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0))
    .slice(0, query.limit);
  const more = pages.some((p) => p.more) || pages.reduce((n, p) => n + p.hits.length, 0) > hits.length;
  const records = await getReturnsByKey(deps.store, hits);
  // The order's currency (a return states its lines in it; the refund names it once computed).
  const orders = await getOrders(deps.store, [...new Set([...records.values()].map((r) => r.orderId))]);
  const items = hits.flatMap((h) => {
    const record = records.get(`${h.pk}|${h.sk}`);
    const currency = record === undefined ? undefined : (orders.get(record.orderId)?.currency ?? record.refund?.currency);
    return record === undefined || currency === undefined ? [] : [returnSummary(record, currency, nowIso)];
  });
  const last = hits.at(-1);
  return { items, ...(more && last !== undefined ? { nextCursor: encodeCursor({ v: 1, src, f, k: last.sortKey }) } : {}) };
}

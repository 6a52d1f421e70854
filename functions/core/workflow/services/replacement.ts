/**
 * createReplacementFulfillment: a new fulfillment on the same order for some of its line quantities
 * (a reship after a failed / lost delivery, the replacement of an exchange), routed by the usual rules
 * (routeOrder: any eligible supplier, or only `supplierId` when given), its stock reserved in the same
 * transaction as the fulfillment (commitAllocation), then dispatched at once: the purchase order goes
 * to the supplier exactly like the first dispatch (deliverPurchaseOrder: SQS message or outbox file,
 * packing slip) and the fulfillment is DISPATCHED.
 *
 * Idempotent: the fulfillments carry `replacement.key` (default: reason + replaced fulfillment + lines);
 * a repeat finds them and only finishes what is missing (a dispatch that did not complete). Nothing is
 * written when some line cannot be served (UNSERVABLE: the caller decides, e.g. refund instead).
 *
 * Outside the order's Step Functions execution (which may have ended at DELIVERED): the supplier's
 * answers are applied by the inbound consumer as for any fulfillment; silence is surfaced by the
 * dispatch sweep (DISPATCH_UNACKNOWLEDGED) and a parcel without scans by the lost-parcel sweep.
 */
import type { Actor } from '../../events/domain/events';
import { ConflictError, NotFoundError, ValidationError } from '../../kernel/errors';
import type { LineQuantity } from '../../orders/domain/order-lifecycle';
import { routeOrder } from '../domain/routing';
import { applyFulfillmentEvent } from '../domain/fulfillment-events';
import { nextFulfillment, type FulfillmentRecord } from '../domain/fulfillment-record';
import { checkReplacementLines, replacementKey, type ReplacementMark } from '../domain/replacement';
import { getChannel, getSupplier, loadRoutingCatalog } from '../../inventory/store/catalog';
import { putFulfillmentUpdate } from '../store/fulfillments';
import { bumpOrderVersion, loadOrderAggregate } from '../store/order-aggregate';
import { TimelineBatch } from '../../events/store/timeline';
import { transact } from '../../runtime/table/transactions';
import { deliverPurchaseOrder } from '../../suppliers/services/purchase-order-delivery';
import type { OutboundDeps } from '../../suppliers/services/supplier-outbound';
import { documentsOf, type WithDocuments } from '../../suppliers/store/documents';
import { allocate, commitAllocation, nextSequence } from './allocation';
import { RETRY, optimistic, type WorkflowDeps } from './workflow-common';

export type ReplacementDeps = WorkflowDeps & OutboundDeps;

export interface ReplacementRequest {
  readonly orderId: string;
  readonly lines: readonly LineQuantity[];
  /** Machine-readable reason (e.g. DELIVERY_FAILED, LOST_IN_TRANSIT, EXCHANGE). */
  readonly reason: string;
  readonly actor: Actor;
  readonly actorId?: string | undefined;
  /** Only this supplier (routing rules still apply: stock, zone, feed freshness). */
  readonly supplierId?: string | undefined;
  /** The fulfillment being replaced (a reship). */
  readonly fromFulfillmentId?: string | undefined;
  /** Idempotency key (e.g. the return id of an exchange); default from reason, replaced fulfillment and lines. */
  readonly key?: string | undefined;
}

export interface ReplacementFulfillment {
  readonly fulfillmentId: string;
  readonly supplierId: string;
  readonly status: string;
  readonly lines: readonly LineQuantity[];
  readonly shipBy: string;
  readonly deliverBy: string;
}

export type ReplacementResult =
  | { readonly outcome: 'CREATED' | 'EXISTING'; readonly fulfillments: readonly ReplacementFulfillment[] }
  | { readonly outcome: 'UNSERVABLE'; readonly lines: readonly { readonly lineNo: number; readonly quantity: number; readonly codes: readonly string[] }[] };

type Marked = FulfillmentRecord & { readonly replacement?: ReplacementMark | undefined };

/** The replacement mark of a stored fulfillment, if it is one. */
export function replacementOf(record: FulfillmentRecord): ReplacementMark | undefined {
  return (record as Marked).replacement;
}

function view(record: FulfillmentRecord): ReplacementFulfillment {
  return {
    fulfillmentId: record.fulfillmentId,
    supplierId: record.supplierId,
    status: record.status,
    lines: record.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
    shipBy: record.promise.shipBy,
    deliverBy: record.promise.deliverBy,
  };
}

type Created = { readonly kind: 'records'; readonly records: readonly FulfillmentRecord[]; readonly created: boolean } | Extract<ReplacementResult, { outcome: 'UNSERVABLE' }>;

/** Find the replacement of `key`, or route, reserve and write it (one transaction with its timeline). */
async function findOrCreate(deps: ReplacementDeps, request: ReplacementRequest, key: string): Promise<Created> {
  return optimistic('Replacement', async () => {
    const aggregate = await loadOrderAggregate(deps.store, request.orderId);
    if (aggregate === undefined) throw new NotFoundError(`Order ${request.orderId} does not exist`);
    const { order, fulfillments, reservations } = aggregate;
    const existing = fulfillments.filter((f) => replacementOf(f)?.key === key);
    if (existing.length > 0) return { kind: 'records', records: existing, created: false };
    if (order.status === 'CANCELLED' || order.status === 'REJECTED') throw new ConflictError(`Order ${order.orderId} is ${order.status}: nothing to replace`);
    const checked = checkReplacementLines(order, request.lines);
    if (!checked.ok) {
      throw new ValidationError('The lines cannot be replaced', { issues: checked.problems.map((p) => ({ path: `lines.${p.lineNo}`, message: `${p.code}: ${p.detail}` })) });
    }
    const orderLines = new Map(order.lines.map((l) => [l.lineNo, l]));
    const lines = checked.lines.flatMap((l) => {
      const line = orderLines.get(l.lineNo);
      return line === undefined ? [] : [{ lineNo: l.lineNo, sku: line.sku, quantity: l.quantity, unitPriceMinor: line.unitPriceMinor }];
    });
    const now = deps.now();
    const at = now.toISOString();
    const catalog = await loadRoutingCatalog(deps.store, lines.map((l) => l.sku));
    const suppliers = [...catalog.suppliers.values()].filter((s) => request.supplierId === undefined || s.supplierId === request.supplierId);
    if (request.supplierId !== undefined && suppliers.length === 0) throw new ValidationError(`Supplier ${request.supplierId} offers none of these lines`, { issues: [{ path: 'supplierId', message: 'no offer from this supplier for these lines' }] });
    const allocation = routeOrder(
      {
        lines,
        destination: { country: order.shippingAddress.country, postcode: order.shippingAddress.postcode },
        offers: catalog.offers,
        suppliers,
        now: at,
        currency: order.currency,
      },
      deps.settings.routing,
    );
    if (allocation.unservable.length > 0) {
      return { outcome: 'UNSERVABLE', lines: allocation.unservable.map((u) => ({ lineNo: u.lineNo, quantity: u.quantity, codes: u.reasons.map((r) => r.code) })) };
    }
    const first = nextSequence(fulfillments, reservations);
    const mark: ReplacementMark = {
      key,
      reason: request.reason,
      actor: request.actor,
      at,
      ...(request.actorId === undefined ? {} : { actorId: request.actorId }),
      ...(request.fromFulfillmentId === undefined ? {} : { fromFulfillmentId: request.fromFulfillmentId }),
    };
    const allocated = allocation.fulfillments.map((planned, index) => {
      const a = allocate(order, planned, first + index, catalog.suppliers.get(planned.supplierId), at, deps.settings);
      const record: Marked = { ...a.record, replacement: mark };
      return { ...a, record };
    });
    const timeline = new TimelineBatch(order.orderId, order.channelId, at);
    for (const { record } of allocated) {
      timeline.add({
        type: 'ReplacementCreated',
        actor: request.actor,
        message: `Replacement ${record.fulfillmentId} for line${record.lines.length === 1 ? '' : 's'} ${record.lines.map((l) => l.lineNo).join(', ')} routed to ${record.supplierId} (${request.reason})`,
        data: {
          fulfillmentId: record.fulfillmentId,
          supplierId: record.supplierId,
          reason: request.reason,
          lines: record.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
          ...(request.fromFulfillmentId === undefined ? {} : { fromFulfillmentId: request.fromFulfillmentId }),
          ...(request.actorId === undefined ? {} : { actorId: request.actorId }),
        },
      });
    }
    const outcome = await commitAllocation(deps.store, allocated, catalog, [bumpOrderVersion(deps.store, order.orderId, order.version), ...timeline.items(deps.store)], at);
    if (!outcome.ok) return RETRY;
    deps.logger.info('Replacement fulfillment created', { orderId: order.orderId, reason: request.reason, fulfillmentIds: allocated.map((a) => a.record.fulfillmentId) });
    return { kind: 'records', records: allocated.map((a) => a.record), created: true };
  });
}

/** Send the purchase order of a PENDING replacement and record DISPATCHED (re-entrant: same keys and messageId). */
async function dispatchReplacement(deps: ReplacementDeps, record: FulfillmentRecord): Promise<FulfillmentRecord> {
  let sent = false;
  let documents = {};
  return optimistic('DispatchReplacement', async () => {
    const aggregate = await loadOrderAggregate(deps.store, record.orderId);
    const current = aggregate?.fulfillments.find((f) => f.fulfillmentId === record.fulfillmentId);
    if (aggregate === undefined || current === undefined) throw new NotFoundError(`Fulfillment ${record.fulfillmentId} does not exist`);
    if (current.dispatchedAt !== undefined || current.status !== 'PENDING') return current;
    const { order } = aggregate;
    const now = deps.now();
    const at = now.toISOString();
    let event: Parameters<typeof applyFulfillmentEvent>[1] = { type: 'DISPATCHED', at };
    if (!sent) {
      const [supplier, channel] = await Promise.all([getSupplier(deps.store, current.supplierId), getChannel(deps.store, order.channelId)]);
      const result = await deliverPurchaseOrder(deps, { order, fulfillment: current, supplier, channel, issuedAt: now });
      if (result.delivery === 'no-channel') event = { type: 'REJECTED', at, reasons: [{ reason: 'OTHER', message: 'the supplier has no outbound channel configured' }] };
      else {
        sent = true;
        documents = result.documents;
      }
    }
    const applied = applyFulfillmentEvent(current, event);
    if (applied.outcome !== 'applied') return RETRY;
    const timeline = new TimelineBatch(order.orderId, order.channelId, at);
    if (event.type === 'DISPATCHED') {
      timeline.add({
        type: 'FulfillmentDispatched',
        actor: 'platform',
        message: `Purchase order sent to ${current.supplierId} (replacement)`,
        data: { fulfillmentId: current.fulfillmentId, supplierId: current.supplierId, shipBy: current.promise.shipBy, deliverBy: current.promise.deliverBy },
      });
    } else {
      timeline.add({
        type: 'FulfillmentRejected',
        actor: 'platform',
        message: `Replacement ${current.fulfillmentId} could not be sent to ${current.supplierId}`,
        data: { fulfillmentId: current.fulfillmentId, supplierId: current.supplierId, reasons: applied.state.rejections ?? [] },
      });
    }
    const changes: Partial<FulfillmentRecord> & WithDocuments =
      Object.keys(documents).length > 0 ? { ...applied.state, documents: { ...documentsOf(current), ...documents } } : applied.state;
    const next = nextFulfillment(current, changes, at);
    const outcome = await transact(deps.store, [
      putFulfillmentUpdate(deps.store, next, current.version),
      bumpOrderVersion(deps.store, order.orderId, order.version),
      ...timeline.items(deps.store),
    ]);
    if (!outcome.ok) return RETRY;
    return next;
  });
}

/**
 * Reserve, create and dispatch a replacement fulfillment (see the module comment). Throws NotFoundError
 * (no such order), ConflictError (order cancelled / rejected), ValidationError (lines: unknown, bad or
 * more than ordered; a supplier with no offer for them).
 */
export async function createReplacementFulfillment(deps: ReplacementDeps, request: ReplacementRequest): Promise<ReplacementResult> {
  const key = request.key ?? replacementKey(request);
  const found = await findOrCreate(deps, request, key);
  if (!('kind' in found)) return found;
  const dispatched: FulfillmentRecord[] = [];
  for (const record of found.records) dispatched.push(record.status === 'PENDING' ? await dispatchReplacement(deps, record) : record);
  return { outcome: found.created ? 'CREATED' : 'EXISTING', fulfillments: dispatched.map(view) };
}

/**
 * Cancellation requests from outside the workflow: the customer's `POST /orders/{orderId}/cancel`, Shopify
 * `orders/cancelled` / `refunds/create`, WooCommerce `cancelled` / `refunded`, operators. One service, whole
 * order or per line (some units of a line too), Shopify's fulfillment-order protocol (domain/cancellation.ts):
 *
 * - not yet at a supplier (before routing, or a PENDING fulfillment during the dispatch delay): cancelled at
 *   once, in ONE transaction with the order (version-conditioned): lines / fulfillments cancelled, reservations
 *   of partly cancelled fulfillments shrunk, refund requested (RefundRequested, moneyActionOnCancel). A Dispatch
 *   racing it loses on the version and finds the fulfillment cancelled (FulfillmentCancelled ends its iteration),
 *   or it won and the cancel re-reads and becomes a request;
 * - dispatched, not shipped: the fulfillment is marked (`cancellationRequest`, deadline `respondBy`) and its
 *   supplier gets CANCELLATION_REQUESTED; the answer is suppliers/services/cancellation-answers.ts; silence past
 *   `respondBy` is listed as CANCELLATION_UNANSWERED in GET /ops/exceptions;
 * - shipped or delivered: NOT_CANCELLABLE with the reason (returns are the way).
 *
 * Idempotent per (order, requestId): the request record stores the outcome; the same id with another body is a
 * ConflictError. Every step is on the timeline (CancellationRequested, CancellationAccepted / Rejected, the
 * existing OrderCancelled / LinesCancelled / FulfillmentCancelled / RefundRequested) with the actor.
 */
import { createHash } from 'node:crypto';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Actor } from '../../events/domain/events';
import { BadRequestError, ConflictError, NotFoundError } from '../../kernel/errors';
import { requestHash } from '../../kernel/request-hash';
import type { LineQuantity } from '../../orders/domain/order-lifecycle';
import type { CancellationInput, CancellationOutcome, CancellationSource } from '../../orders/schemas/cancellation';
import { TimelineBatch } from '../../events/store/timeline';
import { transact, type TransactItem } from '../../runtime/table/transactions';
import { cancellationRequestMessage, sendToSupplier, type OutboundDeps } from '../../suppliers/services/supplier-outbound';
import { applyFulfillmentEvent } from '../domain/fulfillment-events';
import { closedOrderVerdict, planCancellation, planStatus, reduceFulfillmentLines, sumLines, unitsPerSku, type CancellationRequestMark } from '../domain/cancellation';
import { nextFulfillment, type FulfillmentRecord } from '../domain/fulfillment-record';
import { putFulfillmentUpdate } from '../store/fulfillments';
import { loadOrderAggregate, nextOrder, putOrderUpdate, type OrderAggregate } from '../store/order-aggregate';
import { getCancelRequest, putNewCancelRequest, releaseUnitsItems, type CancellationRequestRecord } from '../store/cancel-requests';
import { getHoldToken } from '../store/task-tokens';
import { addRefundEvent, mergeCancelledLines, refundForLines, settleClosedFulfillments } from './cancellations';
import { planOrderCancellation } from './close-order';
import { outboundDeps, responderDeps } from './runtime-deps';
import { resumeWithStoredToken } from './task-responder';
import { RETRY, optimistic, type WorkflowDeps } from './workflow-common';

export type CancellationDeps = WorkflowDeps & {
  /** Resumes a hold the cancellation ended (absent: the hold's own timeout ends it). */
  readonly sfn?: SFNClient | undefined;
  /** Sends CANCELLATION_REQUESTED / owed CANCELLATION messages (absent: a dispatched order cannot be asked). */
  readonly outbound?: OutboundDeps | undefined;
  /** Hours a supplier has to answer a cancellation request (CANCELLATION_RESPONSE_HOURS, default 48). */
  readonly respondWithinHours?: number | undefined;
};

/** Built once per container: store, clock, Step Functions, and the supplier channels when SUPPLIER_QUEUES is set. */
export function cancellationDeps(env: NodeJS.ProcessEnv = process.env): CancellationDeps {
  const hours = Number(env.CANCELLATION_RESPONSE_HOURS ?? '');
  return {
    ...responderDeps(),
    ...(env.SUPPLIER_QUEUES === undefined || env.SUPPLIER_QUEUES === '' ? {} : { outbound: outboundDeps(env) }),
    ...(Number.isFinite(hours) && hours > 0 ? { respondWithinHours: hours } : {}),
  };
}

export const DEFAULT_RESPONSE_HOURS = 48;

/** The timeline actor of a source. */
export function actorOf(source: CancellationSource): Actor {
  return source === 'api' ? 'customer' : source === 'operator' ? 'operator' : 'platform';
}

/** The id a supplier sees for a request (never the customer's Idempotency-Key). */
export function supplierRequestId(orderId: string, requestId: string): string {
  return `creq-${createHash('sha256').update(`${orderId}\u0000${requestId}`, 'utf8').digest('hex').slice(0, 16)}`;
}

/** Ids on the Cancellation* events when no fulfillment is involved (the order was not routed yet). */
const NO_FULFILLMENT = { fulfillmentId: 'none', supplierId: 'none' } as const;

interface Committed {
  readonly outcome: CancellationOutcome;
  readonly asked: readonly { readonly record: FulfillmentRecord; readonly mark: CancellationRequestMark }[];
  readonly closedSomething: boolean;
  readonly wasOnHold: boolean;
}

/**
 * The units of one fulfillment cancelled now (a PENDING one, or the supplier accepted): the whole fulfillment
 * closes (CANCELLED), or it keeps its other units (lines and purchase lines reduced, the reservation shrunk in
 * the same transaction). Returns the next record and the transaction items for it (not the order's).
 */
export function cancelUnits(
  deps: Pick<WorkflowDeps, 'store'>,
  aggregate: OrderAggregate,
  record: FulfillmentRecord,
  lines: readonly LineQuantity[],
  whole: boolean,
  reason: string,
  at: string,
  changes: Partial<FulfillmentRecord> = {},
): { readonly next: FulfillmentRecord; readonly items: TransactItem[] } {
  if (whole) {
    const applied = applyFulfillmentEvent(record, { type: 'CANCELLED', at, reason });
    const state = applied.outcome === 'applied' ? applied.state : record;
    const next = nextFulfillment(record, { ...state, ...changes }, at);
    return { next, items: [putFulfillmentUpdate(deps.store, next, record.version)] };
  }
  const reduced = reduceFulfillmentLines(record, lines);
  const next = nextFulfillment(record, { ...reduced, ...changes }, at);
  const items: TransactItem[] = [putFulfillmentUpdate(deps.store, next, record.version)];
  for (const [sku, units] of unitsPerSku(record, lines)) {
    const reservation = aggregate.reservations.find((r) => r.fulfillmentId === record.fulfillmentId && r.sku === sku && r.status === 'HELD');
    if (reservation !== undefined) items.push(...releaseUnitsItems(deps.store, reservation, units, reason, at));
  }
  return { next, items };
}

function outcomeOf(input: CancellationInput, status: CancellationOutcome['status'], lines: CancellationOutcome['lines'], reason?: string, message?: string): CancellationOutcome {
  return { orderId: input.orderId, requestId: input.requestId, status, lines, ...(reason === undefined ? {} : { reason }), ...(message === undefined ? {} : { message }) };
}

const MESSAGES: Readonly<Record<CancellationOutcome['status'], string>> = {
  CANCELLED: 'Cancelled',
  CANCELLATION_REQUESTED: 'Some units are at a supplier: it was asked to cancel them and answers later',
  NOT_CANCELLABLE: 'Nothing left to cancel: shipped or delivered goods are returned, not cancelled (POST /orders/{orderId}/returns)',
};

// Long: one optimistic attempt that reads the order, plans and commits the whole cancellation in one transaction.
async function commit(deps: CancellationDeps, input: CancellationInput, hash: string): Promise<Committed> {
  return optimistic('RequestCancellation', async (): Promise<Committed | typeof RETRY> => {
    const aggregate = await loadOrderAggregate(deps.store, input.orderId);
    if (aggregate === undefined || aggregate.order.channelId !== input.channelId) throw new NotFoundError(`Order ${input.orderId} not found`);
    const { order } = aggregate;
    const now = deps.now();
    const at = now.toISOString();
    const actor = actorOf(input.source);
    const code = input.reason.toUpperCase();
    const timeline = new TimelineBatch(order.orderId, order.channelId, at);
    const record = (outcome: CancellationOutcome, pending: readonly string[]): CancellationRequestRecord => ({
      orderId: order.orderId,
      channelId: order.channelId,
      requestId: input.requestId,
      requestHash: hash,
      source: input.source,
      reason: input.reason,
      outcome,
      pending,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    const requested = {
      type: 'CancellationRequested' as const,
      actor,
      message: `Cancellation requested (${input.reason}${input.lines === undefined ? ', whole order' : `, ${input.lines.length} line(s)`})`,
    };

    const closed = closedOrderVerdict(order.status);
    if (closed !== undefined) {
      const outcome = outcomeOf(input, closed.status, [], closed.reason, closed.status === 'CANCELLED' ? 'The order is already cancelled' : MESSAGES.NOT_CANCELLABLE);
      timeline.add({ ...requested, data: { requestId: input.requestId, reason: code } });
      if (closed.status === 'NOT_CANCELLABLE') {
        timeline.add({ type: 'CancellationRejected', actor: 'platform', message: `Cancellation refused: ${closed.reason}`, data: { ...NO_FULFILLMENT, requestId: input.requestId, reason: closed.reason } });
      }
      const result = await transact(deps.store, [putNewCancelRequest(deps.store, record(outcome, [])), ...timeline.items(deps.store)]);
      return result.ok ? { outcome, asked: [], closedSomething: false, wasOnHold: false } : RETRY;
    }

    const planned = planCancellation(order, aggregate.fulfillments, input.lines);
    if (planned.kind === 'invalid') throw new BadRequestError(`Cannot cancel: ${planned.message}`, { issues: [{ path: planned.path, message: planned.message }] });
    if (planned.kind === 'closed') return { outcome: outcomeOf(input, planned.status, [], planned.reason), asked: [], closedSomething: false, wasOnHold: false };
    const { plan } = planned;
    const status = planStatus(plan);
    const byId = new Map(aggregate.fulfillments.map((f) => [f.fulfillmentId, f]));
    const items: TransactItem[] = [];
    timeline.add({
      ...requested,
      data: {
        requestId: input.requestId,
        reason: code,
        ...(input.lines === undefined ? {} : { lines: plan.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })) }),
        ...(plan.requests.length === 0 ? {} : { fulfillments: plan.requests.map((p) => ({ fulfillmentId: p.fulfillmentId ?? '', supplierId: byId.get(p.fulfillmentId ?? '')?.supplierId ?? '' })) }),
      },
    });
    for (const refused of plan.refused) {
      const f = refused.fulfillmentId === undefined ? undefined : byId.get(refused.fulfillmentId);
      timeline.add({
        type: 'CancellationRejected',
        actor: 'platform',
        message: `Line ${refused.lineNo} (${refused.quantity}) cannot be cancelled: ${refused.reason}`,
        data: { ...(f === undefined ? NO_FULFILLMENT : { fulfillmentId: f.fulfillmentId, supplierId: f.supplierId }), requestId: input.requestId, reason: refused.reason },
      });
    }

    const nowLines = sumLines([...plan.orderLevel, ...plan.now.flatMap((p) => p.lines)]);
    const openTotal = order.lines.reduce((n, l) => n + l.quantity, 0) - (order.cancelledLines ?? []).reduce((n, l) => n + l.quantity, 0);
    const coversAll = plan.requests.length === 0 && plan.refused.length === 0 && nowLines.reduce((n, l) => n + l.quantity, 0) >= openTotal;
    let closedSomething = false;

    if (coversAll) {
      // Nothing is at a supplier: the whole order is cancelled at once (the same writes as a workflow cancellation).
      const whole = planOrderCancellation(deps, aggregate, code, 'Order cancelled on request', actor, at, { note: input.note });
      for (const f of whole.cancelled) {
        timeline.add({ type: 'CancellationAccepted', actor: 'platform', message: `Fulfillment ${f.fulfillmentId} cancelled before dispatch`, data: { fulfillmentId: f.fulfillmentId, supplierId: f.supplierId, requestId: input.requestId, lines: f.lines } });
      }
      if (plan.orderLevel.length > 0 && whole.cancelled.length === 0) {
        timeline.add({ type: 'CancellationAccepted', actor: 'platform', message: 'Order cancelled before routing', data: { ...NO_FULFILLMENT, requestId: input.requestId, lines: plan.orderLevel } });
      }
      items.push(...whole.items);
      closedSomething = true;
    } else {
      const asked: { record: FulfillmentRecord; mark: CancellationRequestMark }[] = [];
      for (const part of plan.now) {
        const f = byId.get(part.fulfillmentId ?? '');
        if (f === undefined) continue;
        const done = cancelUnits(deps, aggregate, f, part.lines, part.whole, code, at);
        items.push(...done.items);
        closedSomething ||= part.whole;
        if (part.whole) timeline.add({ type: 'FulfillmentCancelled', actor, message: `Fulfillment ${f.fulfillmentId} at ${f.supplierId} cancelled before dispatch`, data: { fulfillmentId: f.fulfillmentId, supplierId: f.supplierId, reason: code } });
        timeline.add({ type: 'CancellationAccepted', actor: 'platform', message: `Cancelled before dispatch (${f.supplierId})`, data: { fulfillmentId: f.fulfillmentId, supplierId: f.supplierId, requestId: input.requestId, lines: part.lines } });
      }
      if (plan.orderLevel.length > 0) {
        timeline.add({ type: 'CancellationAccepted', actor: 'platform', message: 'Cancelled before routing', data: { ...NO_FULFILLMENT, requestId: input.requestId, lines: plan.orderLevel } });
      }
      const respondBy = new Date(now.getTime() + (deps.respondWithinHours ?? DEFAULT_RESPONSE_HOURS) * 3_600_000).toISOString();
      for (const part of plan.requests) {
        const f = byId.get(part.fulfillmentId ?? '');
        if (f === undefined) continue;
        const mark: CancellationRequestMark = { requestId: supplierRequestId(order.orderId, input.requestId), sourceRequestId: input.requestId, lines: part.lines, reason: code, requestedAt: at, respondBy };
        const next = nextFulfillment(f, { cancellationRequest: mark }, at);
        items.push(putFulfillmentUpdate(deps.store, next, f.version));
        asked.push({ record: next, mark });
      }
      let nextOrderItem = order;
      if (nowLines.length > 0) {
        const refund = refundForLines(order, nowLines);
        const refunded = refund.action === 'NONE' ? 0 : refund.amountMinor;
        timeline.add({ type: 'LinesCancelled', actor, message: `Line${nowLines.length === 1 ? '' : 's'} ${nowLines.map((l) => l.lineNo).join(', ')} cancelled on request`, data: { reason: code, lines: nowLines } });
        addRefundEvent(timeline, order, refund, code, actor);
        nextOrderItem = nextOrder(order, { cancelledLines: mergeCancelledLines(order, nowLines), refundRequestedMinor: (order.refundRequestedMinor ?? 0) + refunded }, at);
      } else {
        nextOrderItem = nextOrder(order, {}, at);
      }
      // The order's version guards every decision above against a racing Dispatch, supplier message or cancel.
      items.push(putOrderUpdate(deps.store, nextOrderItem, order.version));
      const outcome = outcomeOf(input, status, plan.lines, status === 'NOT_CANCELLABLE' ? plan.refused[0]?.reason : undefined, MESSAGES[status]);
      items.push(putNewCancelRequest(deps.store, record(outcome, asked.map((a) => a.record.fulfillmentId))), ...timeline.items(deps.store));
      const result = await transact(deps.store, items);
      return result.ok ? { outcome, asked, closedSomething, wasOnHold: order.status === 'ON_HOLD' } : RETRY;
    }
    const outcome = outcomeOf(input, 'CANCELLED', plan.lines, undefined, MESSAGES.CANCELLED);
    items.push(putNewCancelRequest(deps.store, record(outcome, [])), ...timeline.items(deps.store));
    const result = await transact(deps.store, items);
    return result.ok ? { outcome, asked: [], closedSomething, wasOnHold: order.status === 'ON_HOLD' } : RETRY;
  });
}

/** Send a fulfillment's open cancellation request to its supplier (same messageId every time: suppliers dedupe). */
export async function sendCancellationRequest(deps: Pick<CancellationDeps, 'outbound' | 'logger'>, record: FulfillmentRecord): Promise<void> {
  const mark = record.cancellationRequest;
  if (mark === undefined) return;
  if (deps.outbound === undefined) {
    deps.logger.error('Cancellation request not sent: no supplier channels configured (SUPPLIER_QUEUES)', { fulfillmentId: record.fulfillmentId });
    return;
  }
  const sent = await sendToSupplier(deps.outbound, record.supplierId, cancellationRequestMessage(record, mark));
  if (sent === 'no-channel') deps.logger.error('Cancellation request not sent: supplier has no channel', { supplierId: record.supplierId, fulfillmentId: record.fulfillmentId });
}

/** Run a cancellation request (see the module comment). Same requestId again → the stored outcome. */
export async function requestCancellation(deps: CancellationDeps, input: CancellationInput): Promise<CancellationOutcome> {
  const hash = requestHash({ reason: input.reason, note: input.note, lines: input.lines?.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })) });
  const existing = await getCancelRequest(deps.store, input.orderId, input.requestId);
  if (existing !== undefined) {
    if (existing.channelId !== input.channelId) throw new NotFoundError(`Order ${input.orderId} not found`);
    if (existing.requestHash !== hash) throw new ConflictError(`Request ${input.requestId} was already used with another body`);
    // At least once: a request whose messages may not have gone out (a crash after the commit) is sent again.
    const aggregate = await loadOrderAggregate(deps.store, input.orderId);
    for (const f of aggregate?.fulfillments ?? []) if (existing.pending.includes(f.fulfillmentId)) await sendCancellationRequest(deps, f);
    return existing.outcome;
  }
  let committed: Committed;
  try {
    committed = await commit(deps, input, hash);
  } catch (error) {
    // A concurrent twin wrote the request first: answer what it stored.
    const twin = await getCancelRequest(deps.store, input.orderId, input.requestId);
    if (twin !== undefined && twin.requestHash === hash) return twin.outcome;
    throw error;
  }
  for (const { record } of committed.asked) await sendCancellationRequest(deps, record);
  if (committed.closedSomething) {
    const fresh = await loadOrderAggregate(deps.store, input.orderId);
    if (fresh !== undefined) await settleClosedFulfillments(deps, fresh, input.reason.toUpperCase());
    if (fresh?.order.status === 'CANCELLED' && committed.wasOnHold && deps.sfn !== undefined) {
      // The hold wait ends now (AwaitHoldDecision → REJECT → CancelOrder finds the order cancelled).
      const token = await getHoldToken(deps.store, input.orderId);
      if (token !== undefined) await resumeWithStoredToken({ sfn: deps.sfn, logger: deps.logger }, token, { kind: 'success', output: { decision: 'REJECT' } });
    }
  }
  deps.logger.info('Cancellation request handled', { orderId: input.orderId, status: committed.outcome.status, source: input.source });
  return committed.outcome;
}

/**
 * POST /orders/{orderId}/returns business function. One return per request, idempotent per (order,
 * Idempotency-Key): the return id is derived from both, so the same key and body answer the stored return
 * (its message is sent again while it waits for the supplier), the same key with another body is a conflict.
 *
 * The policy check (domain/policy.ts) runs against the order, its fulfillments and the ledger of units already
 * in returns; the return, the ledger (version-conditioned) and the timeline commit in ONE transaction, so two
 * concurrent requests cannot return more than was delivered (the loser re-reads and is refused).
 *
 * Then, by the supplier's options: goods value under its "keep it" threshold → refund requested at once
 * (REQUESTED → REFUND_REQUESTED, nothing travels back); destination `retailer` → authorized by the platform with
 * the retailer's address; otherwise the supplier gets RETURN_REQUESTED and answers over its channel
 * (suppliers/services/return-messages.ts) by `respondBy`, after which the return is listed as RETURN_UNANSWERED.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import { requestHash } from '../../kernel/request-hash';
import { TimelineBatch } from '../../events/store/timeline';
import { transact } from '../../runtime/table/transactions';
import type { StoreContext } from '../../runtime/table/context';
import type { OutboundDeps } from '../../suppliers/services/supplier-outbound';
import { loadOrderAggregate } from '../../workflow/store/order-aggregate';
import { RETRY, optimistic, type TaskLogger } from '../../workflow/services/workflow-common';
import { checkReturnRequest } from '../domain/policy';
import type { ReturnRecord } from '../domain/returns';
import { policyFor, supplierOptionsFor, type CreateReturnRequest, type CreateReturnResponse, type ReturnNotAllowed, type ReturnsConfig } from '../schemas/returns';
import { getLedger, getReturn, ledgerWith, putLedger, putNewReturn, returnedUnits } from '../store/returns';
import { keepItRefund, requestedEvent, retailerAuthorization, sendReturnRequest } from './return-steps';

export interface ReturnsDeps {
  readonly store: StoreContext;
  readonly now: Clock;
  readonly logger: TaskLogger;
  readonly config: ReturnsConfig;
  /** Sends RETURN_REQUESTED (absent: nothing is sent, the deadline surfaces the return). */
  readonly outbound?: OutboundDeps | undefined;
}

export interface ReturnRequestInput {
  readonly channelId: string;
  readonly orderId: string;
  readonly idempotencyKey: string;
  readonly request: CreateReturnRequest;
}

export type ReturnRequestOutcome =
  | { readonly kind: 'created'; readonly response: CreateReturnResponse; readonly replayed: boolean }
  | { readonly kind: 'refused'; readonly refusal: ReturnNotAllowed };

/** `ret_{26 chars of the order id}_{10 hex of (order, key)}`. */
export function returnIdFor(orderId: string, idempotencyKey: string): string {
  return `ret_${orderId.slice(4)}_${createHash('sha256').update(`${orderId}\u0000${idempotencyKey}`, 'utf8').digest('hex').slice(0, 10)}`;
}

const responseOf = (r: ReturnRecord): CreateReturnResponse => ({ returnId: r.returnId, status: r.status, resolution: r.resolution });

// Long: one optimistic read-check-write attempt, top to bottom.
async function commit(deps: ReturnsDeps, input: ReturnRequestInput, returnId: string, hash: string): Promise<ReturnRecord | { refused: ReturnNotAllowed }> {
  return optimistic('RequestReturn', async (): Promise<ReturnRecord | { refused: ReturnNotAllowed } | typeof RETRY> => {
    const aggregate = await loadOrderAggregate(deps.store, input.orderId);
    if (aggregate === undefined || aggregate.order.channelId !== input.channelId) {
      throw new NotFoundError('Order not found', { issues: [{ path: 'pathParameters.orderId', message: 'no such order for this channel' }] });
    }
    const { order } = aggregate;
    const ledger = await getLedger(deps.store, order.orderId);
    const now = deps.now();
    const at = now.toISOString();
    const policy = policyFor(deps.config, order.channelId);
    const check = checkReturnRequest({ policy, orderLines: order.lines, fulfillments: aggregate.fulfillments, alreadyReturned: returnedUnits(ledger), lines: input.request.lines, now });
    if (!check.ok) return { refused: check.refusal };
    const { fulfillment, lines } = check;
    const options = supplierOptionsFor(deps.config, fulfillment.supplierId);
    const valueMinor = lines.reduce((n, l) => n + l.unitPriceMinor * l.quantity, 0);
    const exchange = input.request.resolution === 'replacement';
    const keepIt = !exchange && options.keepItBelowMinor > 0 && valueMinor < options.keepItBelowMinor;
    const base: ReturnRecord = {
      returnId,
      orderId: order.orderId,
      channelId: order.channelId,
      fulfillmentId: fulfillment.fulfillmentId,
      supplierId: fulfillment.supplierId,
      status: 'REQUESTED',
      reason: input.request.reason,
      ...(input.request.note === undefined ? {} : { note: input.request.note }),
      resolution: exchange ? 'replacement' : keepIt ? 'keep_it' : 'refund',
      destination: options.destination,
      lines,
      requestHash: hash,
      appliedMessageIds: [],
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    const timeline = new TimelineBatch(order.orderId, order.channelId, at);
    let record: ReturnRecord;
    let refundMinor = 0;
    if (keepIt) {
      const done = keepItRefund(base, policy, order, (order.refundRequestedMinor ?? 0) + ledger.refundedMinor);
      record = done.record;
      refundMinor = done.refundMinor;
      timeline.add(requestedEvent(base, 'customer'));
      for (const event of done.events) timeline.add(event);
    } else if (options.destination === 'retailer') {
      const done = retailerAuthorization(base, deps.config, at);
      record = done.record;
      timeline.add(requestedEvent(base, 'customer')).add(done.event);
    } else {
      record = { ...base, respondBy: new Date(now.getTime() + deps.config.answerWithinHours * 3_600_000).toISOString() };
      timeline.add(requestedEvent(record, 'customer'));
    }
    const result = await transact(deps.store, [putNewReturn(deps.store, record), putLedger(deps.store, ledgerWith(ledger, lines, 1, refundMinor)), ...timeline.items(deps.store)]);
    if (result.ok) return record;
    // A concurrent twin (same key) wrote the return first: answer what it stored (the caller's catch).
    if ((await getReturn(deps.store, order.orderId, returnId)) !== undefined) throw new ConflictError('A concurrent request with this key won');
    return RETRY;
  });
}

export async function requestReturn(deps: ReturnsDeps, input: ReturnRequestInput): Promise<ReturnRequestOutcome> {
  const hash = requestHash({
    lines: input.request.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
    reason: input.request.reason,
    note: input.request.note,
    ...(input.request.resolution === 'replacement' ? { resolution: 'replacement' } : {}),
  });
  const returnId = returnIdFor(input.orderId, input.idempotencyKey);
  const replay = async (existing: ReturnRecord): Promise<ReturnRequestOutcome> => {
    if (existing.channelId !== input.channelId) throw new NotFoundError('Order not found', { issues: [{ path: 'pathParameters.orderId', message: 'no such order for this channel' }] });
    if (existing.requestHash !== hash) throw new ConflictError('This Idempotency-Key was already used with another body', { issues: [{ path: 'headers.idempotency-key', message: 'already used with another body' }] });
    // At least once: the request may not have reached the supplier (a crash after the commit).
    if (existing.status === 'REQUESTED') await sendReturnRequest(deps, existing);
    return { kind: 'created', response: responseOf(existing), replayed: true };
  };
  const existing = await getReturn(deps.store, input.orderId, returnId);
  if (existing !== undefined) return replay(existing);
  let committed: ReturnRecord | { refused: ReturnNotAllowed };
  try {
    committed = await commit(deps, input, returnId, hash);
  } catch (error) {
    const twin = await getReturn(deps.store, input.orderId, returnId);
    if (twin !== undefined) return replay(twin);
    throw error;
  }
  if ('refused' in committed) {
    deps.logger.info('Return refused by the policy', { orderId: input.orderId, rule: committed.refused.rule });
    return { kind: 'refused', refusal: committed.refused };
  }
  if (committed.status === 'REQUESTED') await sendReturnRequest(deps, committed);
  deps.logger.info('Return requested', { orderId: input.orderId, returnId, status: committed.status, supplierId: committed.supplierId });
  return { kind: 'created', response: responseOf(committed), replayed: false };
}

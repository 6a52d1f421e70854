/**
 * Exchanges: a return whose resolution is `replacement`. The replacement is its own fulfillment on the same
 * order, created by the after-delivery helper's service (workflow/services/replacement.ts): stock reserved and
 * routed by the usual rules (any eligible supplier) in one transaction, then dispatched like a first purchase
 * order. Keyed by the return id, so a retried step never ships twice. When it ships is the channel policy's
 * `replacementShipsOn` (`authorization` or `receipt`); when no supplier can serve it, the return falls back to a
 * refund.
 *
 * Deployed, the step runs on the domain bus (advanceExchange, on ReturnAuthorized / ReturnReceived): the
 * replacement renders packing slips (pdf-lib), which the supplier inbound consumer's bundle cannot carry, so the
 * consumer records the answer and this step (in the delivery-decisions function, a PDF renderer) ships.
 */
import type { Actor } from '../../events/domain/events';
import { TimelineBatch } from '../../events/store/timeline';
import { PipelineError } from '../../kernel/errors';
import { transact } from '../../runtime/table/transactions';
import { RETRY, optimistic } from '../../workflow/services/workflow-common';
import { createReplacementFulfillment, type ReplacementDeps } from '../../workflow/services/replacement';
import { getWorkflowOrder } from '../../workflow/store/order-aggregate';
import { nextReturn, parseReturnId, type ReturnRecord } from '../domain/returns';
import { policyFor, type ReturnsConfig } from '../schemas/config';
import { getLedger, getReturn, ledgerWith, putLedger, putReturnUpdate } from '../store/returns';
import { settleExchange } from './return-steps';

export type ExchangeOutcome = { readonly fulfillmentIds: readonly string[]; readonly at: string } | { readonly unservable: true; readonly at: string };

/** Create (or find) the replacement of a return. A refusal of the lines (4xx-kind error) counts as unservable; anything else is rethrown (retried). */
export async function shipReplacement(deps: ReplacementDeps, r: ReturnRecord, actor: Actor, at: string): Promise<ExchangeOutcome> {
  try {
    const result = await createReplacementFulfillment(deps, {
      orderId: r.orderId,
      lines: r.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
      reason: 'EXCHANGE',
      actor,
      key: r.returnId,
    });
    if (result.outcome === 'UNSERVABLE') return { unservable: true, at };
    return { fulfillmentIds: result.fulfillments.map((f) => f.fulfillmentId), at };
  } catch (error) {
    if (error instanceof PipelineError && error.statusCode < 500) {
      deps.logger.warn('Exchange replacement refused: the return falls back to a refund', { returnId: r.returnId, error: error.name });
      return { unservable: true, at };
    }
    throw error;
  }
}

export function replacedBy(r: ReturnRecord): readonly string[] | undefined {
  return r.replacement !== undefined && 'fulfillmentIds' in r.replacement ? r.replacement.fulfillmentIds : undefined;
}

export type ExchangeStepDeps = ReplacementDeps & { readonly returns: ReturnsConfig };

export type ExchangeStepResult =
  | { readonly outcome: 'shipped' | 'closed' | 'refund_requested'; readonly returnId: string; readonly status: string; readonly fulfillmentIds?: readonly string[] | undefined }
  | { readonly outcome: 'nothing_to_do'; readonly returnId: string; readonly status?: string | undefined; readonly why: string };

/**
 * The exchange step of a return, idempotent (run again, it finds the replacement by the return id and the
 * return's status already moved):
 * - AUTHORIZED / IN_TRANSIT with `replacementShipsOn: authorization` and no replacement yet → ship it, record it
 *   on the return (the status does not change; unservable is recorded too and the refund follows at receipt);
 * - RECEIVED → the replacement (found or shipped now) and CLOSED, or the refund when nothing can serve it.
 * Anything else (a refund return, REQUESTED, already settled) → nothing to do.
 */
export async function advanceExchange(deps: ExchangeStepDeps, returnId: string): Promise<ExchangeStepResult> {
  const ref = parseReturnId(returnId);
  if (ref === undefined) return { outcome: 'nothing_to_do', returnId, why: 'not a return id' };
  return optimistic('AdvanceExchange', async (): Promise<ExchangeStepResult | typeof RETRY> => {
    const record = await getReturn(deps.store, ref.orderId, returnId);
    if (record === undefined) return { outcome: 'nothing_to_do', returnId, why: 'no such return' };
    const idle = (why: string): ExchangeStepResult => ({ outcome: 'nothing_to_do', returnId, status: record.status, why });
    if (record.resolution !== 'replacement') return idle('not an exchange');
    const policy = policyFor(deps.returns, record.channelId);
    const at = deps.now().toISOString();
    const timeline = new TimelineBatch(record.orderId, record.channelId, at);
    if (record.status === 'AUTHORIZED' || record.status === 'IN_TRANSIT') {
      if (policy.replacementShipsOn !== 'authorization') return idle('the replacement ships at receipt');
      if (record.replacement !== undefined) return idle('the replacement was already decided');
      const replacement = await shipReplacement(deps, record, 'platform', at);
      const next = nextReturn(record, { replacement }, at);
      const result = await transact(deps.store, [putReturnUpdate(deps.store, next, record.version)]);
      if (!result.ok) return RETRY;
      deps.logger.info('Exchange replacement on authorization', { returnId, unservable: 'unservable' in replacement });
      return { outcome: 'shipped', returnId, status: next.status, fulfillmentIds: replacedBy(next) };
    }
    if (record.status !== 'RECEIVED') return idle(`the return is ${record.status}`);
    const order = await getWorkflowOrder(deps.store, record.orderId);
    if (order === undefined) return idle('the order does not exist');
    const replacement = record.replacement ?? (await shipReplacement(deps, record, 'platform', at));
    const ledger = await getLedger(deps.store, record.orderId);
    const settled = settleExchange(record, replacement, policy, order, (order.refundRequestedMinor ?? 0) + ledger.refundedMinor, at);
    for (const event of settled.events) timeline.add(event);
    const next = { ...settled.record, version: record.version + 1 };
    const items = [putReturnUpdate(deps.store, next, record.version), ...timeline.items(deps.store)];
    if (settled.refundMinor > 0) items.push(putLedger(deps.store, ledgerWith(ledger, [], 1, settled.refundMinor)));
    const result = await transact(deps.store, items);
    if (!result.ok) return RETRY;
    deps.logger.info('Exchange settled', { returnId, status: next.status });
    return { outcome: next.status === 'CLOSED' ? 'closed' : 'refund_requested', returnId, status: next.status, fulfillmentIds: replacedBy(next) };
  });
}

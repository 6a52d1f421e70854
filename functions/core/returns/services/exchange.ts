/**
 * Exchanges: a return whose resolution is `replacement`. The replacement is its own fulfillment on the same
 * order, created by the after-delivery helper's service (workflow/services/replacement.ts): stock reserved and
 * routed by the usual rules (any eligible supplier) in one transaction, then dispatched like a first purchase
 * order. Keyed by the return id, so a retried supplier message never ships twice. When it ships is the channel
 * policy's `replacementShipsOn` (`authorization` or `receipt`); when no supplier can serve it, the return falls
 * back to a refund.
 */
import type { Actor } from '../../events/domain/events';
import { PipelineError } from '../../kernel/errors';
import { createReplacementFulfillment, type ReplacementDeps } from '../../workflow/services/replacement';
import type { ReturnRecord } from '../domain/returns';

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

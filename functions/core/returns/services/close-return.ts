/**
 * REFUND_REQUESTED → CLOSED: the refund of a return is confirmed.
 *
 * - by the storefront's own refund (Shopify refunds/create, WooCommerce refunds: PlatformRefundRecorded on the
 *   domain bus, matched to the order's refund returns by returns/domain/refund-match.ts) — `platform_refund`;
 * - by the storefront API (POST /orders/{orderId}/returns/{returnId}/refund, a custom storefront) — `storefront`;
 * - by an operator with a note (POST /ops/returns/{returnId}/close), e.g. after RETURN_REFUND_UNCONFIRMED — `operator`.
 *
 * One transaction per return (version-conditioned, with its ReturnClosed timeline event: the domain event and
 * the `return.closed` notification). Idempotent: a CLOSED return answers as it is (`changed: false`).
 */
import type { Actor } from '../../events/domain/events';
import { TimelineBatch } from '../../events/store/timeline';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { StoreContext } from '../../runtime/table/context';
import { transact } from '../../runtime/table/transactions';
import { RETRY, optimistic, type TaskLogger } from '../../workflow/services/workflow-common';
import { returnsConfirmedBy, type StorefrontRefund } from '../domain/refund-match';
import { nextReturn, parseReturnId, type ReturnClosure } from '../domain/returns';
import type { CloseReturnResponse } from '../schemas/returns';
import { getReturn, listReturns, putReturnUpdate } from '../store/returns';
import { closedEvent } from './return-steps';

export interface CloseDeps {
  readonly store: StoreContext;
  readonly now: () => Date;
  readonly logger: TaskLogger;
}

export type CloseReturnResult = CloseReturnResponse;

const ACTOR: Readonly<Record<ReturnClosure['by'], Actor>> = { replacement: 'platform', platform_refund: 'retailer', storefront: 'retailer', operator: 'operator' };

/** Close one refund return. `channelId`: the caller's channel (storefront API): another channel's return is not found. */
export async function closeReturn(
  deps: CloseDeps,
  input: { readonly returnId: string; readonly by: Exclude<ReturnClosure['by'], 'replacement'>; readonly refundId?: string | undefined; readonly note?: string | undefined; readonly channelId?: string | undefined; readonly orderId?: string | undefined },
): Promise<CloseReturnResult> {
  const ref = parseReturnId(input.returnId);
  const notFound = () => new NotFoundError('Return not found', { issues: [{ path: 'pathParameters.returnId', message: 'no such return' }] });
  if (ref === undefined || (input.orderId !== undefined && input.orderId !== ref.orderId)) throw notFound();
  return optimistic('CloseReturn', async (): Promise<CloseReturnResult | typeof RETRY> => {
    const record = await getReturn(deps.store, ref.orderId, input.returnId);
    if (record === undefined || (input.channelId !== undefined && record.channelId !== input.channelId)) throw notFound();
    const answer = (changed: boolean, status = record.status, closedBy = record.closure?.by ?? null): CloseReturnResult => ({ returnId: record.returnId, orderId: record.orderId, status, closedBy, changed });
    if (record.status === 'CLOSED') return answer(false);
    if (record.status !== 'REFUND_REQUESTED') throw new ConflictError(`Return ${record.returnId} is ${record.status}: only a return whose refund was requested can be closed`);
    const at = deps.now().toISOString();
    const closure: ReturnClosure = { by: input.by, at, ...(input.refundId === undefined ? {} : { refundId: input.refundId }), ...(input.note === undefined ? {} : { note: input.note }) };
    const next = nextReturn(record, { status: 'CLOSED', closure }, at);
    const how = input.by === 'operator' ? 'closed by an operator' : `refund confirmed by the storefront${input.refundId === undefined ? '' : ` (${input.refundId})`}`;
    const timeline = new TimelineBatch(record.orderId, record.channelId, at).add(closedEvent(next, closure, ACTOR[input.by], `Return ${record.returnId} ${how}`));
    const result = await transact(deps.store, [putReturnUpdate(deps.store, next, record.version), ...timeline.items(deps.store)]);
    if (!result.ok) return RETRY;
    deps.logger.info('Return closed', { returnId: record.returnId, orderId: record.orderId, closedBy: input.by });
    return answer(true, 'CLOSED', input.by);
  });
}

/** A storefront refund recorded on an order (PlatformRefundRecorded): close the refund returns it confirms. */
export async function confirmPlatformRefund(deps: CloseDeps, input: { readonly orderId: string; readonly refund: StorefrontRefund }): Promise<readonly CloseReturnResult[]> {
  const returns = await listReturns(deps.store, input.orderId);
  const matched = returnsConfirmedBy(input.refund, returns);
  const out: CloseReturnResult[] = [];
  for (const returnId of matched) out.push(await closeReturn(deps, { returnId, by: 'platform_refund', refundId: input.refund.refundId }));
  if (matched.length === 0 && returns.some((r) => r.status === 'REFUND_REQUESTED')) {
    deps.logger.info('Storefront refund matched no refund return', { orderId: input.orderId, refundId: input.refund.refundId });
  }
  return out;
}

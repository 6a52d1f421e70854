/**
 * Order changes a storefront platform reports (Shopify orders/updated, orders/paid, orders/cancelled,
 * refunds/create; WooCommerce order.updated), applied to an order the pipeline already has. Shared by
 * both platforms' webhook services; a change for an unknown order never creates one.
 *
 * Out of order and more than once: the order keeps the platform's `updated_at` of the newest change
 * applied (`platformUpdatedAt`); a delivery as old or older changes nothing. Each effect is itself
 * idempotent (payment rank only goes up, the same address is no change, cancellations are keyed by
 * the delivery / refund id, a refund id is recorded once), so a retry after a partial failure
 * completes the work instead of doubling it.
 */
import { ConflictError, NotFoundError, PipelineError, type FieldIssue } from '../../kernel/errors';
import { canonicalJson } from '../../kernel/request-hash';
import type { Address } from '../../kernel/values';
import { normalizeAddress } from '../../kernel/address';
import { TimelineBatch } from '../../events/store/timeline';
import { transact } from '../../runtime/table/transactions';
import { getWorkflowOrder, nextOrder, putOrderUpdate } from '../../workflow/store/order-aggregate';
import { updatePayment } from '../../workflow/services/hold-decisions';
import { RETRY, optimistic } from '../../workflow/services/workflow-common';
import type { CancellationInput, CancellationOutcome, CancelReason } from '../schemas/cancellation';
import type { PlatformRefund, WorkflowOrder } from '../domain/order';
import { changeShippingAddress, type AddressChangeDeps } from './address-change';
import { confirmPlatformRefund } from '../../returns/services/close-return';

export type PlatformSource = 'shopify' | 'woocommerce';

/** The cancellation flow (workflow/services/cancel-requests.ts requestCancellation), injected. */
export type RequestCancellation = (input: CancellationInput) => Promise<CancellationOutcome>;

export interface PlatformChangeDeps extends AddressChangeDeps {
  readonly requestCancellation: RequestCancellation;
}

export interface PlatformOrderChange {
  readonly channelId: string;
  readonly orderId: string;
  readonly source: PlatformSource;
  /** Webhook topic, for the timeline (orders/updated, order.updated, ...). */
  readonly topic: string;
  /** The platform's last-modified instant of the order (ISO), when the payload has one. */
  readonly updatedAt?: string | undefined;
  /** Payment captured (paid) or authorized on the platform. */
  readonly payment?: 'paid' | 'authorized' | undefined;
  /** The shipping address as the platform now has it (mapped; compared after normalization). */
  readonly shippingAddress?: Address | undefined;
}

export type PlatformChangeResult =
  | { readonly kind: 'unknown-order' }
  | { readonly kind: 'stale'; readonly orderId: string }
  | { readonly kind: 'applied'; readonly orderId: string; readonly changes: readonly string[]; readonly issues: readonly FieldIssue[] };

const NOTHING_TO_CANCEL: ReadonlySet<string> = new Set(['SHIPPED', 'DELIVERED', 'CANCELLED', 'REJECTED']);

const PAYMENT_RANK: Readonly<Record<string, number>> = { pending: 0, partially_paid: 0, authorized: 1, paid: 2, refunded: 3, voided: 3 };

/** Epoch ms of an ISO-ish timestamp, or undefined when it does not parse. */
export function instantOf(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Pure: whether a change stamped `updatedAt` is not newer than what the order reflects. */
export function isStaleChange(order: Pick<WorkflowOrder, 'platformUpdatedAt'>, updatedAt: string | undefined): boolean {
  const incoming = instantOf(updatedAt);
  const stored = instantOf(order.platformUpdatedAt);
  return incoming !== undefined && stored !== undefined && incoming <= stored;
}

/** The issues of a refused effect (4xx from a service), for the acknowledgement; other errors propagate. */
function refusal(error: unknown, path: string): FieldIssue[] {
  if (error instanceof PipelineError && (error instanceof ConflictError || error.name === 'ValidationError' || error instanceof NotFoundError)) {
    return error.issues.length > 0 ? error.issues.map((i) => ({ path: `${path}.${i.path}`, message: i.message })) : [{ path, message: error.message }];
  }
  throw error;
}

// Long: the effects in a fixed order (payment, address, record) with their refusals collected.
export async function applyPlatformOrderChange(deps: PlatformChangeDeps, change: PlatformOrderChange): Promise<PlatformChangeResult> {
  const order = await getWorkflowOrder(deps.store, change.orderId);
  if (order === undefined || order.channelId !== change.channelId) return { kind: 'unknown-order' };
  if (isStaleChange(order, change.updatedAt)) return { kind: 'stale', orderId: order.orderId };

  const changes: string[] = [];
  const issues: FieldIssue[] = [];
  const closed = order.status === 'CANCELLED' || order.status === 'REJECTED';
  if (change.payment !== undefined && !closed && (PAYMENT_RANK[change.payment] ?? 0) > (PAYMENT_RANK[order.payment.status] ?? 0)) {
    try {
      await updatePayment(deps, { channelId: change.channelId, orderId: order.orderId, status: change.payment });
      changes.push('payment');
    } catch (error) {
      issues.push(...refusal(error, 'payment'));
    }
  }
  if (change.shippingAddress !== undefined && !closed) {
    const address = normalizeAddress(change.shippingAddress);
    if (canonicalJson(address) !== canonicalJson(order.shippingAddress) || order.holdReason === 'INCORRECT_ADDRESS') {
      try {
        const result = await changeShippingAddress(deps, { channelId: change.channelId, orderId: order.orderId, address, source: change.source });
        if (result.changed) changes.push('shippingAddress');
      } catch (error) {
        issues.push(...refusal(error, 'shippingAddress'));
      }
    }
  }

  const incoming = instantOf(change.updatedAt);
  await optimistic('RecordPlatformChange', async (): Promise<true | typeof RETRY> => {
    const current = await getWorkflowOrder(deps.store, order.orderId);
    if (current === undefined) return true;
    const newer = incoming !== undefined && !isStaleChange(current, change.updatedAt);
    if (!newer && changes.length === 0) return true;
    const at = deps.now().toISOString();
    const timeline = new TimelineBatch(current.orderId, current.channelId, at).add({
      type: 'PlatformOrderUpdated',
      actor: 'retailer',
      message: `${change.source} ${change.topic}: ${changes.length === 0 ? 'nothing to change' : changes.join(', ')}${issues.length > 0 ? ` (refused: ${issues.map((i) => i.path).join(', ')})` : ''}`,
      data: { source: change.source, topic: change.topic, ...(incoming === undefined ? {} : { updatedAt: new Date(incoming).toISOString() }), changes: [...changes] },
    });
    const next = nextOrder(current, newer && incoming !== undefined ? { platformUpdatedAt: new Date(incoming).toISOString() } : {}, at);
    const outcome = await transact(deps.store, [putOrderUpdate(deps.store, next, current.version), ...timeline.items(deps.store)]);
    return outcome.ok ? true : RETRY;
  });
  deps.logger.info('Platform order change applied', { orderId: order.orderId, source: change.source, topic: change.topic, changes, refused: issues.map((i) => i.path) });
  return { kind: 'applied', orderId: order.orderId, changes, issues };
}

/** The platform cancelled the order (or refunded lines): the cancellation flow, keyed by `requestId`. */
export async function cancelFromPlatform(
  deps: Pick<PlatformChangeDeps, 'store' | 'requestCancellation'>,
  input: {
    readonly channelId: string;
    readonly orderId: string;
    readonly source: PlatformSource;
    readonly requestId: string;
    readonly reason: CancelReason;
    readonly note?: string | undefined;
    readonly lines?: readonly { readonly lineNo: number; readonly quantity: number }[] | undefined;
  },
): Promise<CancellationOutcome | undefined> {
  const order = await getWorkflowOrder(deps.store, input.orderId);
  if (order === undefined || order.channelId !== input.channelId) return undefined;
  return deps.requestCancellation({
    channelId: input.channelId,
    orderId: input.orderId,
    requestId: input.requestId,
    source: input.source,
    reason: input.reason,
    ...(input.note === undefined ? {} : { note: input.note.slice(0, 500) }),
    ...(input.lines === undefined ? {} : { lines: input.lines }),
  });
}

/**
 * Record a platform refund once per refund id (PlatformRefundRecorded), close the refund returns it confirms
 * (returns/services/close-return.ts), then cancel the refunded lines that have not shipped (requestId = `refund:{refundId}`; the cancellation flow answers NOT_CANCELLABLE
 * for what already left). Unknown order → undefined.
 */
export async function recordPlatformRefund(
  deps: PlatformChangeDeps,
  input: { readonly channelId: string; readonly orderId: string; readonly source: PlatformSource; readonly refund: Omit<PlatformRefund, 'at'> & { readonly currency?: string | undefined } },
): Promise<{ readonly recorded: boolean; readonly cancellation?: CancellationOutcome | undefined } | undefined> {
  const { refund } = input;
  let status: WorkflowOrder['status'] | undefined;
  const recorded = await optimistic('RecordPlatformRefund', async (): Promise<boolean | undefined | typeof RETRY> => {
    const current = await getWorkflowOrder(deps.store, input.orderId);
    if (current === undefined || current.channelId !== input.channelId) return undefined;
    status = current.status;
    if ((current.platformRefunds ?? []).some((r) => r.refundId === refund.refundId)) return false;
    const at = deps.now().toISOString();
    const entry: PlatformRefund = { refundId: refund.refundId, at, lines: refund.lines, ...(refund.amountMinor === undefined ? {} : { amountMinor: refund.amountMinor }) };
    const timeline = new TimelineBatch(current.orderId, current.channelId, at).add({
      type: 'PlatformRefundRecorded',
      actor: 'retailer',
      message: `Refund ${refund.refundId} recorded from ${input.source} (${refund.lines.length} line${refund.lines.length === 1 ? '' : 's'})`,
      data: {
        source: input.source,
        refundId: refund.refundId,
        ...(refund.amountMinor === undefined ? {} : { amountMinor: refund.amountMinor }),
        ...(refund.currency === undefined ? {} : { currency: refund.currency }),
        lines: refund.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
      },
    });
    // At most the last 100 refunds are kept on the order item (bounded size); older ids are in the timeline.
    const next = nextOrder(current, { platformRefunds: [...(current.platformRefunds ?? []), entry].slice(-100) }, at);
    const outcome = await transact(deps.store, [putOrderUpdate(deps.store, next, current.version), ...timeline.items(deps.store)]);
    return outcome.ok ? true : RETRY;
  });
  if (recorded === undefined) return undefined;
  // A refund after delivery may settle returns: the refund returns it covers are CLOSED (idempotent: also on a
  // redelivered webhook, so a failure here answers 5xx and the platform's retry finishes it).
  await confirmPlatformRefund(deps, { orderId: input.orderId, refund: { refundId: refund.refundId, amountMinor: refund.amountMinor, lines: refund.lines } });
  const lines = refund.lines.filter((l) => l.quantity > 0);
  // Nothing left to stop: everything shipped (a refund after shipment is the retailer's return), or the order is closed.
  if (lines.length === 0 || status === undefined || NOTHING_TO_CANCEL.has(status)) return { recorded };
  const cancellation = await cancelFromPlatform(deps, {
    channelId: input.channelId,
    orderId: input.orderId,
    source: input.source,
    requestId: `refund:${refund.refundId}`,
    reason: 'platform_refunded',
    lines,
  });
  return { recorded, cancellation };
}

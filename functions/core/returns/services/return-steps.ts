/**
 * The steps of a return that more than one entry takes (the API, the supplier's answers, operators): its
 * timeline events, the supplier message, the platform's own authorization and the refund request.
 */
import type { Actor } from '../../events/domain/events';
import type { TimelineDraft } from '../../events/store/timeline';
import type { Order, OrderTotals } from '../../orders/domain/order';
import { ReturnRequestedMessage } from '../../suppliers/schemas/supplier-messages';
import { sendToSupplier, type OutboundDeps } from '../../suppliers/services/supplier-outbound';
import type { TaskLogger } from '../../workflow/services/workflow-common';
import { computeRefund, returnShippingPayer, supplierCreditMinor } from '../domain/refund';
import { nextReturn, type ReturnClosure, type ReturnCondition, type ReturnRecord } from '../domain/returns';
import type { ExchangeOutcome } from './exchange';
import type { ReturnPolicy, ReturnsConfig } from '../schemas/config';

const ids = (r: ReturnRecord) => ({ returnId: r.returnId, fulfillmentId: r.fulfillmentId, supplierId: r.supplierId });
const quantities = (r: ReturnRecord) => r.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity }));

export function requestedEvent(r: ReturnRecord, actor: Actor): TimelineDraft {
  return {
    type: 'ReturnRequested',
    actor,
    message: `Return ${r.returnId} requested (${r.reason}, ${r.lines.reduce((n, l) => n + l.quantity, 0)} unit(s) from ${r.supplierId})`,
    data: { ...ids(r), reason: r.reason, resolution: r.resolution, destination: r.destination, lines: quantities(r), ...(r.respondBy === undefined ? {} : { respondBy: r.respondBy }) },
  };
}

export function authorizedEvent(r: ReturnRecord, actor: Actor): TimelineDraft {
  const a = r.authorization;
  return {
    type: 'ReturnAuthorized',
    actor,
    message: `Return ${r.returnId} authorized by ${actor === 'supplier' ? r.supplierId : actor} (RMA ${a?.rma ?? ''})`,
    data: {
      ...ids(r),
      rma: a?.rma ?? '',
      ...(a?.returnAddress === undefined ? {} : { returnAddress: a.returnAddress }),
      ...(a?.instructions === undefined ? {} : { instructions: a.instructions }),
      ...(a?.labelRef === undefined ? {} : { labelRef: a.labelRef }),
    },
  };
}

/** The RETURN_REQUESTED message of a return (its supplier SKUs; the same messageId every time: suppliers dedupe). */
export function returnRequestMessage(r: ReturnRecord): ReturnRequestedMessage {
  return ReturnRequestedMessage.parse({
    type: 'RETURN_REQUESTED',
    messageId: r.returnId,
    returnId: r.returnId,
    fulfillmentId: r.fulfillmentId,
    issuedAt: r.createdAt,
    respondBy: r.respondBy ?? r.createdAt,
    reason: r.reason,
    ...(r.note === undefined ? {} : { note: r.note }),
    lines: r.lines.map((l) => ({ lineNo: l.lineNo, supplierSku: l.supplierSku, quantity: l.quantity })),
  });
}

export async function sendReturnRequest(deps: { readonly outbound?: OutboundDeps | undefined; readonly logger: TaskLogger }, r: ReturnRecord): Promise<void> {
  if (deps.outbound === undefined) {
    deps.logger.error('Return request not sent: no supplier channels configured (SUPPLIER_QUEUES)', { returnId: r.returnId });
    return;
  }
  const sent = await sendToSupplier(deps.outbound, r.supplierId, returnRequestMessage(r));
  if (sent === 'no-channel') deps.logger.error('Return request not sent: supplier has no channel', { supplierId: r.supplierId, returnId: r.returnId });
}

/** The platform authorizes a return that goes to the retailer's own address (no supplier handshake). */
export function retailerAuthorization(r: ReturnRecord, config: ReturnsConfig, at: string): { record: ReturnRecord; event: TimelineDraft } {
  const address = config.retailerAddress;
  const record = nextReturn(
    r,
    {
      status: 'AUTHORIZED',
      authorization: {
        rma: `RMA-${r.returnId.slice(-10).toUpperCase()}`,
        ...(address === undefined ? {} : { returnAddress: Object.fromEntries(Object.entries(address).filter((e): e is [string, string] => e[1] !== undefined)) }),
        instructions: 'Write the RMA number on the parcel and send it to the return address.',
        by: 'platform',
        at,
      },
    },
    at,
  );
  return { record: { ...record, version: 1 }, event: authorizedEvent(record, 'platform') };
}

/**
 * The refund request of a return (after receipt, or at once for "keep it"): amount, supplier credit, status
 * REFUND_REQUESTED and its events. `alreadyRefundedMinor`: what the order's cancellations and earlier returns
 * already asked for (the cap).
 */
export function refundStep(
  r: ReturnRecord,
  policy: ReturnPolicy,
  order: Pick<Order, 'totals' | 'currency'> & { readonly totals: OrderTotals },
  alreadyRefundedMinor: number,
  actor: Actor,
  at: string,
  conditions?: ReadonlyMap<number, ReturnCondition>,
): { record: ReturnRecord; refundMinor: number; events: TimelineDraft[] } {
  const refund = computeRefund({ policy, reason: r.reason, lines: r.lines, conditions, totals: order.totals, currency: order.currency, alreadyRefundedMinor });
  // Keep it: the supplier is charged back only when it is at fault (the retailer pays return shipping for the reason).
  const credited = conditions !== undefined || returnShippingPayer(policy, r.reason) === 'retailer';
  const creditMinor = credited ? supplierCreditMinor(r.lines, conditions) : 0;
  const refundConfirmBy = new Date(Date.parse(at) + policy.refundConfirmWithinHours * 3_600_000).toISOString();
  const record = nextReturn(r, { status: 'REFUND_REQUESTED', refund, refundConfirmBy, supplierCredit: { amountMinor: creditMinor, currency: order.currency } }, at);
  const events: TimelineDraft[] = [
    {
      type: 'ReturnRefundRequested',
      actor,
      message: `Refund of ${refund.amountMinor} (minor units, ${order.currency}) requested for return ${r.returnId}; supplier credit ${creditMinor}`,
      data: {
        ...ids(r),
        amountMinor: refund.amountMinor,
        currency: order.currency,
        restockingFeeMinor: refund.restockingFeeMinor,
        shippingAdjustmentMinor: refund.shippingAdjustmentMinor,
        lines: refund.lines,
        reason: r.reason,
        supplierCreditMinor: creditMinor,
      },
    },
  ];
  return { record, refundMinor: refund.amountMinor, events };
}

/** "Keep it": refund without a return (REQUESTED → REFUND_REQUESTED in the request's own write). */
export function keepItRefund(
  r: ReturnRecord,
  policy: ReturnPolicy,
  order: Pick<Order, 'totals' | 'currency'>,
  alreadyRefundedMinor: number,
): { record: ReturnRecord; refundMinor: number; events: TimelineDraft[] } {
  const done = refundStep(r, policy, order, alreadyRefundedMinor, 'platform', r.createdAt);
  return { ...done, record: { ...done.record, version: 1 } };
}

/** The ReturnClosed timeline event (the domain event and the `return.closed` notification). */
export function closedEvent(r: ReturnRecord, closure: ReturnClosure, actor: Actor, message: string): TimelineDraft {
  return {
    type: 'ReturnClosed',
    actor,
    message,
    data: { ...ids(r), closedBy: closure.by, resolution: r.resolution, ...(closure.refundId === undefined ? {} : { refundId: closure.refundId }), ...(r.refund === undefined ? {} : { amountMinor: r.refund.amountMinor, currency: r.refund.currency }) },
  };
}

/**
 * A RECEIVED exchange settled: CLOSED when its replacement fulfillment exists (no refund; the supplier credit of
 * the units taken back is recorded), else (no supplier can serve it) the refund is requested instead.
 * `alreadyRefundedMinor`: the refund cap's input (cancellations and earlier returns). Pure.
 */
export function settleExchange(
  received: ReturnRecord,
  replacement: ExchangeOutcome,
  policy: ReturnPolicy,
  order: Pick<Order, 'totals' | 'currency'> & { readonly totals: OrderTotals },
  alreadyRefundedMinor: number,
  at: string,
): { record: ReturnRecord; refundMinor: number; events: TimelineDraft[] } {
  const conditions = new Map<number, ReturnCondition>((received.received?.lines ?? []).map((l) => [l.lineNo, l.condition]));
  if ('fulfillmentIds' in replacement) {
    const closure: ReturnClosure = { by: 'replacement', at };
    const record = nextReturn(received, { status: 'CLOSED', replacement, closure, supplierCredit: { amountMinor: supplierCreditMinor(received.lines, conditions), currency: order.currency } }, at);
    return { record, refundMinor: 0, events: [closedEvent(record, closure, 'platform', `Exchange: replacement fulfillment ${replacement.fulfillmentIds.join(', ')} instead of a refund`)] };
  }
  const refund = refundStep(received, policy, order, alreadyRefundedMinor, 'platform', at, conditions);
  return { ...refund, record: { ...refund.record, replacement } };
}

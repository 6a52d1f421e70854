/**
 * A supplier's messages about a return (RETURN_AUTHORIZED / RETURN_REJECTED / RETURN_SHIPPED / RETURN_RECEIVED,
 * supplier-messages.ts), applied to the return named by `returnId`:
 *
 * - AUTHORIZED: RMA, return address, instructions / label kept on the return (the customer is told);
 * - REJECTED: the return is final, its units go back to the ledger (they may be asked for again);
 * - SHIPPED: the return parcel's tracking number, validated like shipment tracking (IN_TRANSIT);
 * - RECEIVED: the condition of every line; the refund is computed (returns/domain/refund.ts) and requested in
 *   the same write (RECEIVED → REFUND_REQUESTED), with the supplier credit (wholesale cost) beside it; an exchange
 *   stays RECEIVED until the bus step (returns/services/exchange.ts advanceExchange) ships its replacement and
 *   CLOSEs it (or requests the refund when no supplier can serve it); settled here at once when the replacement was
 *   decided at authorization.
 *
 * The supplier is the queue's, never the message's: another supplier's return is SUPPLIER_MISMATCH. One
 * transaction per message (the return and the ledger version-conditioned, timeline); a message id seen before
 * is a duplicate, a status already passed is stale, anything the return cannot take is poison (DLQ, reason).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Actor } from '../../events/domain/events';
import { TimelineBatch } from '../../events/store/timeline';
import { applyReturnStatus, type ReturnStatus } from '../../orders/domain/returns-lifecycle';
import { transact, type TransactItem } from '../../runtime/table/transactions';
import { nextReturn, parseReturnId, type ReturnCondition, type ReturnRecord } from '../../returns/domain/returns';
import { loadReturnsConfig, policyFor, type ReturnsConfig } from '../../returns/schemas/returns';
import { getLedger, getReturn, ledgerWith, putLedger, putReturnUpdate } from '../../returns/store/returns';
import { authorizedEvent, refundStep, settleExchange } from '../../returns/services/return-steps';
import type { ExchangeOutcome } from '../../returns/services/exchange';
import { RETRY, optimistic } from '../../workflow/services/workflow-common';
import { getWorkflowOrder } from '../../workflow/store/order-aggregate';
import { validateTrackingNumber } from '../domain/tracking';
import type { InboundErrorCode, ReturnMessage } from '../schemas/supplier-messages';
import type { InboundDeps, InboundOutcome } from './supplier-inbound';

/**
 * Ships an exchange's replacement (returns/services/exchange.ts shipReplacement, injected: the replacement service
 * renders packing slips with pdf-lib, which the inbound consumer's 300 KB bundle cannot carry). Absent (deployed):
 * the return's ReturnAuthorized / ReturnReceived events run the exchange step on the bus (advanceExchange).
 */
export type ShipReplacement = (r: ReturnRecord, actor: Actor, at: string) => Promise<ExchangeOutcome>;
/** What applying a return message uses of the inbound consumer's dependencies (the ops Returns function passes the same). */
export type ReturnDeps = Pick<InboundDeps, 'store' | 'now' | 'logger' | 'metrics'> & { readonly returns?: ReturnsConfig | undefined; readonly shipReplacement?: ShipReplacement | undefined };

let cachedConfig: ReturnsConfig | undefined;
function returnsConfig(deps: { readonly returns?: ReturnsConfig | undefined }): ReturnsConfig {
  if (deps.returns !== undefined) return deps.returns;
  cachedConfig ??= loadReturnsConfig();
  return cachedConfig;
}

const TARGET: Readonly<Record<ReturnMessage['type'], ReturnStatus>> = {
  RETURN_AUTHORIZED: 'AUTHORIZED',
  RETURN_REJECTED: 'REJECTED',
  RETURN_SHIPPED: 'IN_TRANSIT',
  RETURN_RECEIVED: 'RECEIVED',
};

type Step = { readonly record: ReturnRecord; readonly items: TransactItem[]; readonly timeline: TimelineBatch } | { readonly poison: InboundErrorCode; readonly message: string };

/** What one message does to a return (pure apart from the order read for the refund). */
// Long: one branch per message type, each a few lines.
/** Who received a return parcel, as the timeline says it. */
const receiver = (record: ReturnRecord, actor: Actor): string => (actor === 'supplier' ? record.supplierId : 'The retailer');

async function decide(deps: ReturnDeps, record: ReturnRecord, message: ReturnMessage, at: string, actor: Actor): Promise<Step> {
  const seen = [...record.appliedMessageIds, message.messageId].slice(-50);
  const timeline = new TimelineBatch(record.orderId, record.channelId, at);
  const ids = { returnId: record.returnId, fulfillmentId: record.fulfillmentId, supplierId: record.supplierId };
  switch (message.type) {
    case 'RETURN_AUTHORIZED': {
      // An exchange whose policy ships on authorization: the replacement first (idempotent per return id).
      const policy = policyFor(returnsConfig(deps), record.channelId);
      const shipper = record.resolution === 'replacement' && policy.replacementShipsOn === 'authorization' ? deps.shipReplacement : undefined;
      const replacement = shipper === undefined ? record.replacement : await shipper(record, 'platform', at);
      const next = nextReturn(record, { status: 'AUTHORIZED', appliedMessageIds: seen, replacement, authorization: { rma: message.rma, returnAddress: { ...message.returnAddress }, instructions: message.instructions, labelRef: message.labelRef, by: actor, at } }, at);
      timeline.add(authorizedEvent(next, actor));
      return { record: next, items: [putReturnUpdate(deps.store, next, record.version)], timeline };
    }
    case 'RETURN_REJECTED': {
      const next = nextReturn(record, { status: 'REJECTED', appliedMessageIds: seen, rejection: { reason: message.reason, message: message.message, at } }, at);
      const ledger = await getLedger(deps.store, record.orderId);
      timeline.add({ type: 'ReturnRejected', actor, message: `${record.supplierId} refused return ${record.returnId} (${message.reason})`, data: { ...ids, reason: message.reason, ...(message.message === undefined ? {} : { message: message.message }) } });
      return { record: next, items: [putReturnUpdate(deps.store, next, record.version), putLedger(deps.store, ledgerWith(ledger, record.lines, -1))], timeline };
    }
    case 'RETURN_SHIPPED': {
      const validation = validateTrackingNumber(message.trackingNumber, message.carrier);
      if (!validation.valid) return { poison: 'INVALID_TRACKING_NUMBER', message: `${validation.reason}: ${validation.message}` };
      const carrier = validation.carrier === 'OTHER' ? validation.carrierName : validation.carrier;
      const unverified = validation.flag === 'UNVERIFIED_TRACKING';
      const next = nextReturn(record, { status: 'IN_TRANSIT', appliedMessageIds: seen, tracking: { carrier, trackingNumber: validation.trackingNumber, ...(unverified ? { unverified: true as const } : {}), at } }, at);
      timeline.add({ type: 'ReturnInTransit', actor, message: `Return ${record.returnId} on its way (${carrier} ${validation.trackingNumber})`, data: { ...ids, carrier, trackingNumber: validation.trackingNumber, ...(unverified ? { unverified } : {}) } });
      return { record: next, items: [putReturnUpdate(deps.store, next, record.version)], timeline };
    }
    case 'RETURN_RECEIVED': {
      const conditions = new Map<number, ReturnCondition>(message.lines.map((l) => [l.lineNo, l.condition]));
      const unknown = message.lines.find((l) => !record.lines.some((r) => r.lineNo === l.lineNo));
      if (unknown !== undefined) return { poison: 'UNKNOWN_LINE', message: `line ${unknown.lineNo} is not in return ${record.returnId}` };
      const unnamed = record.lines.find((l) => !conditions.has(l.lineNo));
      if (unnamed !== undefined) return { poison: 'UNKNOWN_LINE', message: `line ${unnamed.lineNo} of the return has no condition` };
      const order = await getWorkflowOrder(deps.store, record.orderId);
      if (order === undefined) return { poison: 'UNKNOWN_RETURN', message: `order ${record.orderId} does not exist` };
      const ledger = await getLedger(deps.store, record.orderId);
      const received = nextReturn(record, { status: 'RECEIVED', appliedMessageIds: seen, received: { lines: message.lines.map((l) => ({ lineNo: l.lineNo, condition: l.condition })), at } }, at);
      timeline.add({ type: 'ReturnReceived', actor, message: `${receiver(record, actor)} received return ${record.returnId}`, data: { ...ids, lines: message.lines.map((l) => ({ lineNo: l.lineNo, condition: l.condition })) } });
      const policy = policyFor(returnsConfig(deps), record.channelId);
      // Missing units never came back: they go back to the ledger (they may be returned later).
      const missing = record.lines.filter((l) => conditions.get(l.lineNo) === 'missing');
      if (record.resolution === 'replacement') {
        // Settled here when the replacement was decided at authorization or a shipper is injected; else RECEIVED and
        // the bus step (returns/services/exchange.ts advanceExchange, a PDF-rendering function) ships and settles it.
        const replacement = record.replacement ?? (deps.shipReplacement === undefined ? undefined : await deps.shipReplacement(record, 'platform', at));
        const lessMissing = ledgerWith(ledger, missing, -1);
        if (replacement === undefined) {
          const next = { ...received, version: record.version + 1 };
          return { record: next, items: [putReturnUpdate(deps.store, next, record.version), putLedger(deps.store, { ...lessMissing, version: ledger.version + 1 })], timeline };
        }
        const settled = settleExchange(received, replacement, policy, order, (order.refundRequestedMinor ?? 0) + ledger.refundedMinor, at);
        for (const event of settled.events) timeline.add(event);
        const next = { ...settled.record, version: record.version + 1 };
        return { record: next, items: [putReturnUpdate(deps.store, next, record.version), putLedger(deps.store, { ...ledgerWith(lessMissing, [], 1, settled.refundMinor), version: ledger.version + 1 })], timeline };
      }
      const refund = refundStep(received, policy, order, (order.refundRequestedMinor ?? 0) + ledger.refundedMinor, 'platform', at, conditions);
      for (const event of refund.events) timeline.add(event);
      const nextLedger = ledgerWith(ledgerWith(ledger, missing, -1), [], 1, refund.refundMinor);
      const next = { ...refund.record, version: record.version + 1 };
      return { record: next, items: [putReturnUpdate(deps.store, next, record.version), putLedger(deps.store, { ...nextLedger, version: ledger.version + 1 })], timeline };
    }
  }
}

/**
 * Apply one return message of `supplierId`. `actor`: who the timeline names (`operator` for a receipt confirmed
 * through the ops API on the supplier's or the retailer's behalf, returns/services/receive-return.ts).
 */
export async function applyReturnMessage(deps: ReturnDeps, supplierId: string, message: ReturnMessage, actor: Actor = 'supplier'): Promise<InboundOutcome> {
  const fulfillmentId = message.fulfillmentId;
  const ref = parseReturnId(message.returnId);
  if (ref === undefined) return { kind: 'poison', code: 'UNKNOWN_RETURN', message: 'not a return id', fulfillmentId };
  return optimistic('ReturnMessage', async (): Promise<InboundOutcome | typeof RETRY> => {
    const record = await getReturn(deps.store, ref.orderId, message.returnId);
    if (record === undefined || record.fulfillmentId !== fulfillmentId) return { kind: 'poison', code: 'UNKNOWN_RETURN', message: `no return ${message.returnId} on fulfillment ${fulfillmentId}`, fulfillmentId };
    if (record.supplierId !== supplierId) {
      deps.metrics.addMetric('SupplierMismatch', MetricUnit.Count, 1);
      return { kind: 'poison', code: 'SUPPLIER_MISMATCH', message: 'this return does not belong to the sending supplier', fulfillmentId };
    }
    if (record.appliedMessageIds.includes(message.messageId)) return { kind: 'duplicate', fulfillmentId, resumed: 'no-token' };
    const moved = applyReturnStatus(record.status, TARGET[message.type]);
    if (moved.outcome === 'duplicate' || moved.outcome === 'stale') return { kind: moved.outcome, fulfillmentId, resumed: 'no-token' };
    if (moved.outcome === 'invalid') return { kind: 'poison', code: 'UNKNOWN_RETURN', message: moved.detail, fulfillmentId };
    const step = await decide(deps, record, message, deps.now().toISOString(), actor);
    if ('poison' in step) return { kind: 'poison', code: step.poison, message: step.message, fulfillmentId };
    const result = await transact(deps.store, [...step.items, ...step.timeline.items(deps.store)]);
    if (!result.ok) return RETRY;
    deps.metrics.addMetric(`SupplierMessage${message.type}`, MetricUnit.Count, 1);
    deps.logger.info('Return message applied', { returnId: record.returnId, supplierId, type: message.type, status: step.record.status });
    const order = await getWorkflowOrder(deps.store, record.orderId);
    return { kind: 'applied', fulfillmentId, status: step.record.status, orderStatus: order?.status ?? 'DELIVERED', resumed: 'no-token' };
  });
}

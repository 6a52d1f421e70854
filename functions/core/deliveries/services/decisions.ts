/**
 * Operator decisions on a delivery exception (POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/reship
 * and /refund), audited on the order's timeline (actor + actorId):
 *
 * - RESHIP: a replacement fulfillment for the fulfillment's lines (createReplacementFulfillment: stock
 *   reserved, same or another supplier, purchase order sent), then the decision recorded on the failed
 *   fulfillment (`deliveryResolution`, DeliveryExceptionResolved). UNSERVABLE → 409 naming the lines (the
 *   operator may refund instead).
 * - REFUND: a refund request for the fulfillment's lines (RefundRequested, capped by what is left to
 *   refund; the storefront is told through its notification), the decision recorded likewise.
 *
 * Either way a lost parcel (LOST_IN_TRANSIT) gets its carrier claim if it has none yet. Idempotent:
 * the same decision again answers the recorded one; the other decision afterwards is 409.
 */
import type { Actor } from '../../events/domain/events';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { WorkflowOrder } from '../../orders/domain/order';
import { checkDecision, claimDeadline, type DeliveryDecision, type DeliveryExceptionView, type DeliveryResolution, type WithDeliveryResolution } from '../../workflow/domain/delivery-exceptions';
import { nextFulfillment, type FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { TimelineBatch } from '../../events/store/timeline';
import { putFulfillmentUpdate } from '../../workflow/store/fulfillments';
import { bumpOrderVersion, loadOrderAggregate, nextOrder, putOrderUpdate } from '../../workflow/store/order-aggregate';
import { transact, type TransactItem } from '../../runtime/table/transactions';
import { addRefundEvent, refundForLines } from '../../workflow/services/cancellations';
import { createReplacementFulfillment, type ReplacementDeps, type ReplacementFulfillment } from '../../workflow/services/replacement';
import { RETRY, optimistic } from '../../workflow/services/workflow-common';
import { claimIdOf, getClaim, putNewClaim, type CarrierClaim } from '../store/claims';

export interface DeliverySettings {
  /** No carrier scan for this many days after the last one: lost in transit. */
  readonly lostAfterDays: number;
  /** Days after the loss to file the carrier claim. */
  readonly claimWindowDays: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = { lostAfterDays: 7, claimWindowDays: 30 };

export type DecisionDeps = ReplacementDeps & { readonly delivery?: DeliverySettings | undefined };

export interface DecisionRequest {
  readonly orderId: string;
  readonly fulfillmentId: string;
  readonly actor: Actor;
  readonly actorId?: string | undefined;
  /** RESHIP only: ship from this supplier. */
  readonly supplierId?: string | undefined;
}

export interface DecisionResult {
  readonly orderId: string;
  readonly fulfillmentId: string;
  readonly decision: DeliveryDecision;
  readonly code: string;
  readonly replacements?: readonly ReplacementFulfillment[] | undefined;
  readonly refundRequestedMinor?: number | undefined;
  readonly claimId?: string | undefined;
}

/** The carrier claim of a lost fulfillment (value = wholesale + shipping, deadline = loss + window). */
export function newClaim(order: WorkflowOrder, record: FulfillmentRecord, since: string, at: string, settings: DeliverySettings): CarrierClaim {
  const parcel = [...record.shipments].filter((s) => s.deliveredAt === undefined).sort((a, b) => ((a.lastEvent?.at ?? '') < (b.lastEvent?.at ?? '') ? 1 : -1))[0];
  return {
    claimId: claimIdOf(record.fulfillmentId),
    orderId: order.orderId,
    fulfillmentId: record.fulfillmentId,
    supplierId: record.supplierId,
    carrier: parcel?.carrier ?? record.shippingMethod.name,
    trackingNumber: parcel?.trackingNumber ?? '',
    valueMinor: record.landedCostMinor,
    currency: order.currency,
    fileBy: claimDeadline(since, settings.claimWindowDays),
    status: 'OPEN',
    openedAt: at,
    version: 1,
  };
}

/** Items opening the claim of a lost fulfillment (+ its timeline event), or none when it has one. */
export async function claimItemsIfLost(deps: Pick<DecisionDeps, 'store' | 'delivery'>, order: WorkflowOrder, record: FulfillmentRecord, exception: DeliveryExceptionView, timeline: TimelineBatch, at: string): Promise<{ items: TransactItem[]; claimId?: string }> {
  if (exception.code !== 'LOST_IN_TRANSIT') return { items: [] };
  const claimId = claimIdOf(record.fulfillmentId);
  if ((await getClaim(deps.store, claimId)) !== undefined) return { items: [], claimId };
  const claim = newClaim(order, record, exception.since, at, deps.delivery ?? DEFAULT_DELIVERY_SETTINGS);
  timeline.add({
    type: 'CarrierClaimOpened',
    actor: 'platform',
    message: `Carrier claim ${claim.claimId} opened with ${claim.carrier} for ${claim.trackingNumber || 'the parcel'}: file by ${claim.fileBy.slice(0, 10)}`,
    data: { fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, claimId, carrier: claim.carrier, trackingNumber: claim.trackingNumber, valueMinor: claim.valueMinor, currency: claim.currency, fileBy: claim.fileBy },
  });
  return { items: [putNewClaim(deps.store, claim)], claimId };
}

async function load(deps: DecisionDeps, request: DecisionRequest) {
  const aggregate = await loadOrderAggregate(deps.store, request.orderId);
  const record = aggregate?.fulfillments.find((f) => f.fulfillmentId === request.fulfillmentId);
  if (aggregate === undefined || record === undefined) throw new NotFoundError(`Fulfillment ${request.fulfillmentId} of order ${request.orderId} does not exist`);
  return { order: aggregate.order, record };
}

function refusal(decision: DeliveryDecision, reason: 'NO_EXCEPTION' | 'ALREADY_DECIDED', record: FulfillmentRecord): ConflictError {
  return new ConflictError(
    reason === 'NO_EXCEPTION' ? `Fulfillment ${record.fulfillmentId} has no open delivery exception (status ${record.status})` : `Fulfillment ${record.fulfillmentId} was already decided otherwise`,
    { issues: [{ path: 'fulfillmentId', message: `${decision} refused: ${reason}` }] },
  );
}

function recorded(order: WorkflowOrder, record: FulfillmentRecord, resolution: DeliveryResolution, claimId?: string, replacements?: readonly ReplacementFulfillment[]): DecisionResult {
  return {
    orderId: order.orderId,
    fulfillmentId: record.fulfillmentId,
    decision: resolution.decision,
    code: resolution.code,
    ...(replacements === undefined ? {} : { replacements }),
    ...(resolution.refundRequestedMinor === undefined ? {} : { refundRequestedMinor: resolution.refundRequestedMinor }),
    ...(claimId === undefined ? {} : { claimId }),
  };
}

/** Record the decision on the failed fulfillment (+ claim, + refund for REFUND) in one transaction. */
async function recordDecision(deps: DecisionDeps, request: DecisionRequest, decision: DeliveryDecision, replacements?: readonly ReplacementFulfillment[]): Promise<DecisionResult> {
  return optimistic('DeliveryDecision', async () => {
    const { order, record } = await load(deps, request);
    const existing = (record as WithDeliveryResolution).deliveryResolution;
    if (existing !== undefined) {
      if (existing.decision !== decision) throw refusal(decision, 'ALREADY_DECIDED', record);
      return recorded(order, record, existing, existing.code === 'LOST_IN_TRANSIT' ? claimIdOf(record.fulfillmentId) : undefined, replacements);
    }
    const check = checkDecision(record, decision);
    if (!check.ok) throw refusal(decision, check.reason, record);
    const at = deps.now().toISOString();
    const timeline = new TimelineBatch(order.orderId, order.channelId, at);
    const items: TransactItem[] = [];
    let refundRequestedMinor: number | undefined;
    if (decision === 'REFUND') {
      const refund = refundForLines(order, record.lines);
      refundRequestedMinor = refund.action === 'NONE' ? 0 : refund.amountMinor;
      addRefundEvent(timeline, order, refund, `DELIVERY_${check.exception.code}`, request.actor);
      items.push(putOrderUpdate(deps.store, nextOrder(order, { refundRequestedMinor: (order.refundRequestedMinor ?? 0) + refundRequestedMinor }, at), order.version));
    } else {
      items.push(bumpOrderVersion(deps.store, order.orderId, order.version));
    }
    const resolution: DeliveryResolution = {
      decision,
      code: check.exception.code,
      at,
      actor: request.actor,
      ...(request.actorId === undefined ? {} : { actorId: request.actorId }),
      ...(replacements === undefined ? {} : { replacementFulfillmentIds: replacements.map((r) => r.fulfillmentId) }),
      ...(refundRequestedMinor === undefined ? {} : { refundRequestedMinor }),
    };
    timeline.add({
      type: 'DeliveryExceptionResolved',
      actor: request.actor,
      message: decision === 'RESHIP' ? `${check.exception.code}: reshipped as ${(replacements ?? []).map((r) => `${r.fulfillmentId} (${r.supplierId})`).join(', ')}` : `${check.exception.code}: refund requested instead of a reship`,
      data: {
        fulfillmentId: record.fulfillmentId,
        supplierId: record.supplierId,
        code: check.exception.code,
        decision,
        ...(replacements === undefined ? {} : { replacementFulfillmentIds: replacements.map((r) => r.fulfillmentId) }),
        ...(refundRequestedMinor === undefined ? {} : { refundRequestedMinor }),
        ...(request.actorId === undefined ? {} : { actorId: request.actorId }),
      },
    });
    const claim = await claimItemsIfLost(deps, order, record, check.exception, timeline, at);
    const next = nextFulfillment(record, { deliveryResolution: resolution } as Partial<WithDeliveryResolution>, at);
    const outcome = await transact(deps.store, [putFulfillmentUpdate(deps.store, next, record.version), ...items, ...claim.items, ...timeline.items(deps.store)]);
    if (!outcome.ok) return RETRY;
    deps.logger.info('Delivery exception decided', { orderId: order.orderId, fulfillmentId: record.fulfillmentId, decision, code: check.exception.code });
    return recorded(order, record, resolution, claim.claimId, replacements);
  });
}

/** RESHIP: replacement first (idempotent by `reship:{fulfillmentId}`), then the decision. */
export async function reshipFulfillment(deps: DecisionDeps, request: DecisionRequest): Promise<DecisionResult> {
  const { record } = await load(deps, request);
  const existing = (record as WithDeliveryResolution).deliveryResolution;
  if (existing !== undefined && existing.decision !== 'RESHIP') throw refusal('RESHIP', 'ALREADY_DECIDED', record);
  const check = checkDecision(record, 'RESHIP');
  if (!check.ok) throw refusal('RESHIP', check.reason, record);
  const replacement = await createReplacementFulfillment(deps, {
    orderId: request.orderId,
    lines: record.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
    reason: `DELIVERY_${check.exception.code}`,
    actor: request.actor,
    actorId: request.actorId,
    supplierId: request.supplierId,
    fromFulfillmentId: record.fulfillmentId,
    key: `reship:${record.fulfillmentId}`,
  });
  if (replacement.outcome === 'UNSERVABLE') {
    throw new ConflictError('No supplier can reship these lines now', {
      issues: replacement.lines.map((l) => ({ path: `lines.${l.lineNo}`, message: `UNSERVABLE: ${l.codes.join(', ')}` })),
    });
  }
  return recordDecision(deps, request, 'RESHIP', replacement.fulfillments);
}

/** REFUND: a refund request for the fulfillment's lines. */
export async function refundFulfillment(deps: DecisionDeps, request: DecisionRequest): Promise<DecisionResult> {
  return recordDecision(deps, request, 'REFUND');
}

/**
 * Opening the carrier claim of a lost fulfillment (the lost-parcel sweep and the operator decisions): kept apart
 * from decisions.ts so the sweep's bundle does not carry the replacement path (purchase orders, packing slips).
 */
import type { WorkflowOrder } from '../../orders/domain/order';
import type { StoreContext } from '../../runtime/table/context';
import type { TransactItem } from '../../runtime/table/transactions';
import type { TimelineBatch } from '../../events/store/timeline';
import { claimDeadline, type DeliveryExceptionView } from '../../workflow/domain/delivery-exceptions';
import type { FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { claimIdOf, getClaim, putNewClaim, type CarrierClaim } from '../store/claims';

export interface DeliverySettings {
  /** No carrier scan for this many days after the last one: lost in transit. */
  readonly lostAfterDays: number;
  /** Days after the loss to file the carrier claim. */
  readonly claimWindowDays: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = { lostAfterDays: 7, claimWindowDays: 30 };

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
export async function claimItemsIfLost(deps: { readonly store: StoreContext; readonly delivery?: DeliverySettings | undefined }, order: WorkflowOrder, record: FulfillmentRecord, exception: DeliveryExceptionView, timeline: TimelineBatch, at: string): Promise<{ items: TransactItem[]; claimId?: string }> {
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


/**
 * The stored fulfillment: the domain FulfillmentState (facts that only grow, see fulfillment-events.ts)
 * plus what the supplier needs (purchase lines, shipping method, promise dates) and workflow bookkeeping.
 *
 * Ids: `ful_{the order id's 26 characters}_{nn}`: the order is derivable from a fulfillment id, so a
 * supplier message naming only the fulfillment costs one GetItem, and `nn` grows with every reroute.
 */
import type { DeliveryPromise } from './delivery';
import type { FulfillmentState } from './fulfillment';
import type { LineQuantity } from '../../orders/domain/order-lifecycle';
import { openExceptions } from './fulfillment-events';
import type { FulfillmentDocuments } from './fulfillment-status';
import type { ShippingMethod } from '../../suppliers/domain/supplier';
import type { CancellationRequestMark } from './cancellation';
import { deliveryExceptionOf, type WithDeliveryResolution } from './delivery-exceptions';

export const FULFILLMENT_ID_PATTERN = /^ful_([0-9a-hjkmnp-tv-z]{26})_(\d{2,4})$/;

export function fulfillmentId(orderId: string, sequence: number): string {
  if (!/^ord_[0-9a-hjkmnp-tv-z]{26}$/.test(orderId)) throw new RangeError(`Not an order id: ${orderId}`);
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 9999) throw new RangeError(`Bad fulfillment sequence ${sequence}`);
  return `ful_${orderId.slice(4)}_${String(sequence).padStart(2, '0')}`;
}

/** The order id and sequence of a fulfillment id, or undefined when it is not one. */
export function parseFulfillmentId(id: string): { readonly orderId: string; readonly sequence: number } | undefined {
  const match = FULFILLMENT_ID_PATTERN.exec(id);
  if (match === null) return undefined;
  return { orderId: `ord_${match[1] ?? ''}`, sequence: Number(match[2]) };
}

/** A line of the purchase order: what the supplier ships, at what cost, for which retail price. */
export interface PurchaseLine {
  readonly lineNo: number;
  /** Retailer SKU. */
  readonly sku: string;
  readonly supplierSku: string;
  readonly quantity: number;
  readonly unitCostMinor: number;
  readonly unitPriceMinor: number;
  readonly title?: string | undefined;
}

export interface RerouteRecord {
  readonly outcome: 'REROUTED' | 'LINES_CANCELLED';
  /** New fulfillments that took over this one's lines (the first continues the Map iteration). */
  readonly fulfillmentIds: readonly string[];
  readonly cancelledLines: readonly LineQuantity[];
  readonly refundRequestedMinor: number;
  readonly at: string;
}

/** An exception an operator must look at (mirrored in the sparse gsi3 index). */
export interface ExceptionMarker {
  /** SHIP_BY_PASSED, DELIVER_BY_PASSED, LOST, EXCEPTION, FAILURE, RETURNED_TO_SENDER, DISPATCH_UNACKNOWLEDGED, UNVERIFIED_TRACKING. */
  readonly code: string;
  readonly since: string;
}

export interface FulfillmentRecord extends FulfillmentState {
  readonly orderId: string;
  readonly fulfillmentId: string;
  readonly supplierId: string;
  readonly channelId: string;
  readonly purchaseLines: readonly PurchaseLine[];
  readonly zoneId: string;
  readonly shippingMethod: ShippingMethod;
  readonly promise: DeliveryPromise;
  readonly wholesaleCostMinor: number;
  readonly shippingCostMinor: number;
  readonly landedCostMinor: number;
  readonly acceptanceSlaMinutes: number;
  /** The fulfillment whose rejection this one reroutes. */
  readonly parentFulfillmentId?: string | undefined;
  readonly reroute?: RerouteRecord | undefined;
  /** When the CANCELLATION message went out (a cancelled, dispatched fulfillment without it still owes one). */
  readonly cancellationSentAt?: string | undefined;
  /** An open cancellation request the supplier has not answered yet (CANCELLATION_REQUESTED sent). */
  readonly cancellationRequest?: CancellationRequestMark | undefined;
  /** Platform-declared loss: nothing delivered within the grace period after deliver-by. */
  readonly lostAt?: string | undefined;
  readonly exception?: ExceptionMarker | undefined;
  /** Set once by the dispatch sweep: still DISPATCHED past acceptBy + grace (surfaced as DISPATCH_UNACKNOWLEDGED until answered). */
  readonly overdueAt?: string | undefined;
  /** Packing slip and purchase-order / cancellation files in the supplier's outbox (suppliers/store/documents.ts). */
  readonly documents?: FulfillmentDocuments | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/**
 * The live exception of a fulfillment: an open domain exception, else a platform LOST flag until
 * delivery, else an unacknowledged dispatch (the sweep's `overdueAt`) while the supplier has not answered.
 */
export function exceptionMarker(record: FulfillmentRecord): ExceptionMarker | undefined {
  // An operator decided the delivery exception (reship / refund): off the index (a claim has its own entry).
  if ((record as WithDeliveryResolution).deliveryResolution !== undefined) return undefined;
  const open = openExceptions(record);
  const latest = open[open.length - 1];
  if (latest !== undefined) return { code: latest.code, since: latest.at };
  if (record.lostAt !== undefined && record.status !== 'DELIVERED' && record.status !== 'CANCELLED' && record.status !== 'REJECTED') {
    return { code: 'LOST', since: record.lostAt };
  }
  // A delivery attempt / a parcel at a pickup point: not a carrier failure, but an operator decides (delivery-exceptions.ts).
  const delivery = deliveryExceptionOf(record);
  if (delivery !== undefined && (delivery.code === 'ATTEMPTED_DELIVERY' || delivery.code === 'READY_FOR_PICKUP')) return { code: delivery.code, since: delivery.since };
  if (record.overdueAt !== undefined && record.status === 'DISPATCHED') {
    // Keep the sweep's `since` (the missed accept-by instant) so the index key never moves.
    const since = record.exception?.code === 'DISPATCH_UNACKNOWLEDGED' ? record.exception.since : record.overdueAt;
    return { code: 'DISPATCH_UNACKNOWLEDGED', since };
  }
  // A cancellation request the supplier must answer by `respondBy`: on the index from then on (operators list
  // only marks whose `since` has passed).
  if (record.cancellationRequest !== undefined && isLive(record) && record.shipments.length === 0) return { code: 'CANCELLATION_UNANSWERED', since: record.cancellationRequest.respondBy };
  // A parcel whose tracking number no rule could verify, until it is delivered (then the number was real).
  const unverified = record.shipments.find((s) => s.trackingUnverified === true && s.deliveredAt === undefined);
  if (unverified !== undefined && record.status !== 'DELIVERED' && record.status !== 'CANCELLED') {
    return { code: 'UNVERIFIED_TRACKING', since: unverified.labelCreatedAt ?? record.updatedAt };
  }
  return undefined;
}

/** Bump version/updatedAt of an updated record. */
export function nextFulfillment(record: FulfillmentRecord, changes: Partial<FulfillmentRecord>, at: string): FulfillmentRecord {
  return { ...record, ...changes, updatedAt: at, version: record.version + 1 };
}

/** Whether the fulfillment's lines are still to be shipped by it (not rejected / cancelled). */
export function isLive(record: Pick<FulfillmentRecord, 'status'>): boolean {
  return record.status !== 'REJECTED' && record.status !== 'CANCELLED';
}

/**
 * Delivery exceptions: a parcel that did not reach the customer the normal way. Derived from the
 * carrier's last event on each undelivered parcel (ATTEMPTED_DELIVERY, READY_FOR_PICKUP, FAILURE,
 * RETURNING_TO_SENDER / RETURNED_TO_SENDER, LOST) or from the platform's loss mark (`lostAt`: no scan
 * for `lostAfterDays` after the last one, set by the lost-parcel sweep; or deliver-by + grace passed,
 * set by the workflow). A later DELIVERED scan ends it (the view is empty once delivered).
 *
 * Each waits for an operator decision (reship or refund) recorded on the fulfillment as its
 * `deliveryResolution`; a lost parcel also opens a carrier claim (claims.ts). Pure.
 */
import type { Actor } from '../../events/domain/events';
import type { FulfillmentRecord } from './fulfillment-record';
import type { TrackingCode } from './fulfillment';

export const DELIVERY_EXCEPTION_CODES = ['ATTEMPTED_DELIVERY', 'READY_FOR_PICKUP', 'FAILURE', 'RETURNING_TO_SENDER', 'LOST_IN_TRANSIT'] as const;
export type DeliveryExceptionCode = (typeof DELIVERY_EXCEPTION_CODES)[number];

export const DELIVERY_DECISIONS = ['RESHIP', 'REFUND'] as const;
export type DeliveryDecision = (typeof DELIVERY_DECISIONS)[number];

/** The operator's decision, recorded once on the fulfillment (a repeat answers it again). */
export interface DeliveryResolution {
  readonly decision: DeliveryDecision;
  readonly code: DeliveryExceptionCode;
  readonly at: string;
  readonly actor: Actor;
  readonly actorId?: string | undefined;
  readonly replacementFulfillmentIds?: readonly string[] | undefined;
  readonly refundRequestedMinor?: number | undefined;
}

export type WithDeliveryResolution = FulfillmentRecord & { readonly deliveryResolution?: DeliveryResolution | undefined };

export interface DeliveryExceptionView {
  readonly code: DeliveryExceptionCode;
  readonly since: string;
  readonly trackingNumber?: string | undefined;
}

const BY_TRACKING_CODE: Partial<Record<TrackingCode, DeliveryExceptionCode>> = {
  ATTEMPTED_DELIVERY: 'ATTEMPTED_DELIVERY',
  READY_FOR_PICKUP: 'READY_FOR_PICKUP',
  FAILURE: 'FAILURE',
  RETURNING_TO_SENDER: 'RETURNING_TO_SENDER',
  RETURNED_TO_SENDER: 'RETURNING_TO_SENDER',
  LOST: 'LOST_IN_TRANSIT',
};

/** Severity when several parcels are in trouble: the worst one is shown. */
const SEVERITY: Readonly<Record<DeliveryExceptionCode, number>> = { ATTEMPTED_DELIVERY: 1, READY_FOR_PICKUP: 2, FAILURE: 3, RETURNING_TO_SENDER: 4, LOST_IN_TRANSIT: 5 };

/** The fulfillment's open delivery exception, if any (none once delivered, cancelled or rejected). */
export function deliveryExceptionOf(record: FulfillmentRecord): DeliveryExceptionView | undefined {
  if (record.status === 'DELIVERED' || record.status === 'CANCELLED' || record.status === 'REJECTED' || record.deliveredAt !== undefined) return undefined;
  const views: DeliveryExceptionView[] = [];
  for (const s of record.shipments) {
    if (s.deliveredAt !== undefined || s.lastEvent === undefined) continue;
    const code = BY_TRACKING_CODE[s.lastEvent.code];
    if (code !== undefined) views.push({ code, since: s.lastEvent.at, trackingNumber: s.trackingNumber });
  }
  if (record.lostAt !== undefined) views.push({ code: 'LOST_IN_TRANSIT', since: record.lostAt });
  return views.sort((a, b) => SEVERITY[b.code] - SEVERITY[a.code] || (a.since < b.since ? -1 : 1))[0];
}

/**
 * Lost in transit: shipped (a carrier scan), not delivered, still live, not already marked lost, and
 * the latest carrier event of every undelivered parcel is older than `lostAfterDays`. Returns the
 * last scan instant when lost.
 */
export function lostInTransit(record: FulfillmentRecord, now: Date, lostAfterDays: number): { readonly lastScanAt: string } | undefined {
  if (record.lostAt !== undefined || record.deliveredAt !== undefined) return undefined;
  if (record.status === 'DELIVERED' || record.status === 'CANCELLED' || record.status === 'REJECTED') return undefined;
  if ((record as WithDeliveryResolution).deliveryResolution !== undefined) return undefined;
  const open = record.shipments.filter((s) => s.deliveredAt === undefined && s.firstScanAt !== undefined);
  if (open.length === 0) return undefined;
  const lastScanAt = open.map((s) => s.lastEvent?.at ?? s.firstScanAt ?? '').sort().reverse()[0] ?? '';
  if (lastScanAt === '') return undefined;
  return now.getTime() - Date.parse(lastScanAt) >= lostAfterDays * 86_400_000 ? { lastScanAt } : undefined;
}

export type DecisionCheck = { readonly ok: true; readonly exception: DeliveryExceptionView } | { readonly ok: false; readonly reason: 'NO_EXCEPTION' | 'ALREADY_DECIDED' };

/** Whether an operator may decide now: an open delivery exception and no other decision recorded. */
export function checkDecision(record: FulfillmentRecord, decision: DeliveryDecision): DecisionCheck {
  const resolution = (record as WithDeliveryResolution).deliveryResolution;
  if (resolution !== undefined && resolution.decision !== decision) return { ok: false, reason: 'ALREADY_DECIDED' };
  const exception = deliveryExceptionOf(record) ?? (resolution === undefined ? undefined : { code: resolution.code, since: resolution.at });
  if (exception === undefined) return { ok: false, reason: 'NO_EXCEPTION' };
  return { ok: true, exception };
}

/** The carrier claim deadline: `claimWindowDays` after the last scan (or the loss mark). */
export function claimDeadline(since: string, claimWindowDays: number): string {
  return new Date(Date.parse(since) + claimWindowDays * 86_400_000).toISOString();
}

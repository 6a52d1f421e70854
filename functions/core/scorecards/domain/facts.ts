/**
 * Domain events → scorecard facts. Each fact is counted once (its `countKey`: the fulfillment or return
 * and the kind) on the UTC day it happened. Facts that need the fulfillment's own times (acceptance
 * time, first carrier scan vs the promised ship-by, delivery vs deliver-by) read them from the stored
 * fulfillment (`FulfillmentFacts`), never from a scan. Pure.
 */
import type { ScorecardFact } from './scorecard';

/** The few fields of a stored fulfillment the facts need. */
export interface FulfillmentFacts {
  readonly fulfillmentId: string;
  readonly supplierId: string;
  readonly dispatchedAt?: string | undefined;
  readonly acceptedAt?: string | undefined;
  readonly deliveredAt?: string | undefined;
  readonly promise: { readonly shipByDeadline: string; readonly deliverByDeadline: string };
  readonly shipments: readonly { readonly firstScanAt?: string | undefined; readonly deliveredAt?: string | undefined; readonly trackingUnverified?: boolean | undefined }[];
}

export interface CountedFact {
  readonly supplierId: string;
  readonly day: string;
  readonly countKey: string;
  readonly fact: ScorecardFact;
}

/** Event types the scorecards consume (the bus rule's detail-type filter). */
export const SCORECARD_EVENT_TYPES = [
  'FulfillmentDispatched',
  'FulfillmentAccepted',
  'FulfillmentRejected',
  'FulfillmentCancelled',
  'ShipmentCreated',
  'TrackingUpdated',
  'FulfillmentDelivered',
  'ReturnRequested',
] as const;

/** Event types whose facts need the stored fulfillment. */
export const NEEDS_FULFILLMENT: ReadonlySet<string> = new Set(['FulfillmentAccepted', 'TrackingUpdated', 'FulfillmentDelivered']);

/**
 * The bus rule's content filter on `detail` (EventBridge `$or`): of the ShipmentCreated and TrackingUpdated
 * events, only those that can yield a fact invoke the updater. A first carrier scan is always applied by a
 * scan of a parcel (a TrackingUpdated with a tracking number and a code other than LABEL_CREATED), and that
 * event's updater reads the fulfillment after its own write, so it sees the scan: a ShipmentCreated (a label,
 * never a scan) only matters for an unverified tracking number, and label creations or whole-fulfillment
 * deliveries (no tracking number, no scan) never do. Every other scorecard type always passes.
 */
export const SCORECARD_DETAIL_FILTER = {
  $or: [
    { type: SCORECARD_EVENT_TYPES.filter((t) => t !== 'ShipmentCreated' && t !== 'TrackingUpdated') },
    { type: ['ShipmentCreated'], data: { trackingUnverified: [true] } },
    { type: ['TrackingUpdated'], data: { trackingNumber: [{ exists: true }], event: [{ 'anything-but': ['LABEL_CREATED'] }] } },
  ],
} as const;

/** The count key of a fulfillment's SHIPPED fact (its first carrier scan): every later scan yields it again. */
export const shippedCountKey = (fulfillmentId: string): string => `SHIPPED#${fulfillmentId}`;

const day = (at: string): string => at.slice(0, 10);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function minTime(values: readonly (string | undefined)[]): string | undefined {
  return values.filter((v): v is string => v !== undefined).sort()[0];
}

/**
 * The facts of one domain event. `at` is the event's time; `record` the fulfillment it names (required
 * for NEEDS_FULFILLMENT types; without it those yield nothing).
 */
export function factsOf(type: string, at: string, data: Readonly<Record<string, unknown>>, record?: FulfillmentFacts): readonly CountedFact[] {
  const fulfillmentId = str(data['fulfillmentId']);
  const supplierId = str(data['supplierId']) ?? record?.supplierId;
  if (supplierId === undefined) return [];
  const one = (kind: string, when: string, fact: ScorecardFact): CountedFact[] => [{ supplierId, day: day(when), countKey: `${kind}#${fulfillmentId ?? ''}`, fact }];
  switch (type) {
    case 'FulfillmentDispatched':
      return fulfillmentId === undefined ? [] : one('DISPATCHED', at, { kind: 'DISPATCHED' });
    case 'FulfillmentRejected':
      return fulfillmentId === undefined ? [] : one('REJECTED', at, { kind: 'REJECTED' });
    case 'FulfillmentCancelled':
      return fulfillmentId === undefined ? [] : one('CANCELLED', at, { kind: 'CANCELLED' });
    case 'FulfillmentAccepted': {
      if (record?.acceptedAt === undefined || record.dispatchedAt === undefined) return [];
      const minutes = (Date.parse(record.acceptedAt) - Date.parse(record.dispatchedAt)) / 60_000;
      return one('ACCEPTED', record.acceptedAt, { kind: 'ACCEPTED', minutes });
    }
    case 'ShipmentCreated':
      // A label, not a scan: the SHIPPED fact comes from the scan that set the first scan (TrackingUpdated).
      return fulfillmentId !== undefined && data['trackingUnverified'] === true ? one('INVALID_TRACKING', at, { kind: 'INVALID_TRACKING' }) : [];
    case 'TrackingUpdated': {
      if (record === undefined) return [];
      const firstScan = minTime(record.shipments.map((s) => s.firstScanAt));
      return firstScan === undefined ? [] : one('SHIPPED', firstScan, { kind: 'SHIPPED', onTime: firstScan <= record.promise.shipByDeadline });
    }
    case 'FulfillmentDelivered': {
      const delivered = record?.deliveredAt ?? minTime(record?.shipments.map((s) => s.deliveredAt) ?? []) ?? at;
      if (record === undefined) return [];
      return one('DELIVERED', delivered, { kind: 'DELIVERED', onTime: delivered <= record.promise.deliverByDeadline });
    }
    case 'ReturnRequested': {
      const returnId = str(data['returnId']);
      const reason = str(data['reason']);
      if (returnId === undefined || reason === undefined) return [];
      return [{ supplierId, day: day(at), countKey: `RETURNED#${returnId}`, fact: { kind: 'RETURNED', reason } }];
    }
    default:
      return [];
  }
}

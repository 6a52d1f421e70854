/**
 * Timeline and domain events: who did what to an order or a supplier. Pure: the event names and the
 * timeline shape; the payload of each event is events/schemas/domain-events.ts (docs/domain-events.md).
 */
/** Who did something to an order: shown on its timeline. */
export const ACTORS = ['retailer', 'platform', 'supplier', 'operator', 'customer'] as const;
export type Actor = (typeof ACTORS)[number];

/** An order timeline event as written: its type is a domain event name. */
export interface TimelineEvent {
  readonly orderId: string;
  readonly at: string;
  readonly actor: Actor;
  /** Who exactly, when known: the operator's IAM identity (caller ARN) on ops actions. Not PII. */
  readonly actorId?: string | undefined;
  readonly type: DomainEventType;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>> | undefined;
  /** The order's channel (set by the workflow; lets domain event consumers route by storefront). */
  readonly channelId?: string | undefined;
}

/** Supplier-level domain events, written as `SupplierEvent` outbox items and published by the stream router. */
export const SUPPLIER_EVENT_TYPES = [
  'SupplierFeedApplied',
  'SupplierFeedQuarantined',
  'SupplierFileRefused',
  'SupplierStale',
  'SupplierFresh',
  'StockShortfall',
  'SupplierPaused',
  'SupplierResumed',
] as const;
export type SupplierEventType = (typeof SUPPLIER_EVENT_TYPES)[number];

export interface SupplierEvent {
  readonly supplierId: string;
  readonly at: string;
  readonly type: SupplierEventType;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Domain event names: the timeline types, published on the domain bus (source `dropship.pipeline`,
 * detail-type = the type) by the stream router (transactional outbox).
 */
export const DOMAIN_EVENT_TYPES = [
  'OrderReceived',
  'OrderValidated',
  'OrderRejected',
  'OrderOnHold',
  'OrderReleased',
  'PaymentUpdated',
  'OrderReserved',
  'OrderRouted',
  'FulfillmentDispatched',
  'FulfillmentAccepted',
  'FulfillmentRejected',
  'FulfillmentRerouted',
  'FulfillmentCancelled',
  'FulfillmentDelivered',
  'FulfillmentException',
  'ShipmentCreated',
  'TrackingUpdated',
  'OrderPartiallyShipped',
  'OrderShipped',
  'OrderDelivered',
  'OrderCancelled',
  'OrderFailed',
  'LinesCancelled',
  'RefundRequested',
  // issue 5: surfaced by the sweeps
  'FulfillmentOverdue',
  'OrderStuck',
  // storefronts in the loop: cancellations, platform updates, address corrections
  'CancellationRequested',
  'CancellationAccepted',
  'CancellationRejected',
  'AddressChanged',
  'PlatformRefundRecorded',
  'PlatformOrderUpdated',
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

export function isDomainEventType(value: unknown): value is DomainEventType {
  return typeof value === 'string' && (DOMAIN_EVENT_TYPES as readonly string[]).includes(value);
}

/** An order timeline event as read back: `type` is what the item stores (see storedTimelineType). */
export type StoredTimelineEvent = Omit<TimelineEvent, 'type'> & { readonly type: string };

/** An event name in upper snake case (`PaymentUpdated` → `PAYMENT_UPDATED`). */
const upperSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/**
 * Event names whose timeline items keep the upper-snake type the intake wrote before the workflow
 * existed: stored orders carry it and API clients read it on GET /orders/{orderId}. The one place that
 * knows; everything else uses the domain event name.
 */
const UPPER_SNAKE_STORED: readonly DomainEventType[] = ['OrderReceived'];

/** The `type` a timeline item stores for an event. */
export function storedTimelineType(type: DomainEventType): string {
  return UPPER_SNAKE_STORED.includes(type) ? upperSnake(type) : type;
}

/** The domain event of a stored timeline type, or undefined when it is not one. */
export function timelineEventType(stored: unknown): DomainEventType | undefined {
  if (isDomainEventType(stored)) return stored;
  return UPPER_SNAKE_STORED.find((type) => storedTimelineType(type) === stored);
}

/** Timeline and domain events: who did what to an order or a supplier. Pure types. */
/** Who did something to an order: shown on its timeline. */
export const ACTORS = ['retailer', 'platform', 'supplier', 'operator', 'customer'] as const;
export type Actor = (typeof ACTORS)[number];

export interface TimelineEvent {
  readonly orderId: string;
  readonly at: string;
  readonly actor: Actor;
  readonly type: string;
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
 * Domain event names. A TimelineEvent whose `type` is one of these is published on the domain bus
 * (source `dropship.pipeline`, detail-type = the type) by the stream router (transactional outbox).
 * The intake's `ORDER_RECEIVED` timeline type is published as `OrderReceived`.
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
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

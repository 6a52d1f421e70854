/**
 * The pipeline's domain vocabulary. Pure types: no AWS imports here or anywhere under domain/.
 * Money is always an integer amount of the currency's minor unit (cents), never a float.
 */

export const ORDER_STATUSES = [
  'RECEIVED',
  'VALIDATED',
  'ON_HOLD',
  'RESERVED',
  'IN_FULFILLMENT',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'DELIVERED',
  'REJECTED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const HOLD_REASONS = ['AWAITING_PAYMENT', 'HIGH_RISK_OF_FRAUD', 'OPERATOR_HOLD'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export const FULFILLMENT_STATUSES = [
  'PENDING',
  'DISPATCHED',
  'ACCEPTED',
  'REJECTED',
  'SHIPPED',
  'IN_TRANSIT',
  'DELIVERED',
  'EXCEPTION',
  'CANCELLED',
] as const;
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

export const RETURN_STATUSES = ['REQUESTED', 'AUTHORIZED', 'RECEIVED', 'REFUNDED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

export const PAYMENT_STATUSES = ['paid', 'authorized', 'pending', 'partially_paid', 'refunded', 'voided'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Who did something to an order: shown on its timeline. */
export const ACTORS = ['retailer', 'platform', 'supplier', 'operator', 'customer'] as const;
export type Actor = (typeof ACTORS)[number];

export type OrderSource = 'api' | 'shopify';

export interface Money {
  /** Integer amount in the currency's minor unit. */
  readonly amountMinor: number;
  readonly currency: string;
}

export interface Address {
  readonly name: string;
  readonly company?: string | undefined;
  readonly line1: string;
  readonly line2?: string | undefined;
  readonly city: string;
  /** State / province / county code or name, required in some countries. */
  readonly region?: string | undefined;
  readonly postcode: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
  readonly phone?: string | undefined;
}

export interface Customer {
  readonly email: string;
  readonly phone?: string | undefined;
  readonly firstName?: string | undefined;
  readonly lastName?: string | undefined;
}

export interface OrderLine {
  /** 1-based line number, stable for the life of the order. */
  readonly lineNo: number;
  /** Retailer SKU (the storefront's SKU, mapped to supplier SKUs by the catalog). */
  readonly sku: string;
  readonly title?: string | undefined;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  /** Storefront's own line id (Shopify line_item id as an exact decimal string). */
  readonly externalLineId?: string | undefined;
}

export interface OrderTotals {
  readonly subtotalMinor: number;
  readonly shippingMinor: number;
  readonly taxMinor: number;
  readonly discountMinor: number;
  readonly totalMinor: number;
  /**
   * Whether line prices and shipping already include tax (typical for EU storefronts). When true,
   * total = subtotal + shipping - discount (tax is informational); otherwise total = subtotal + shipping + tax - discount.
   */
  readonly taxIncluded?: boolean | undefined;
}

export interface Payment {
  readonly reference: string;
  readonly status: PaymentStatus;
  readonly gateway?: string | undefined;
}

export interface Order {
  readonly orderId: string;
  readonly channelId: string;
  readonly externalOrderId: string;
  readonly source: OrderSource;
  readonly status: OrderStatus;
  readonly holdReason?: HoldReason | undefined;
  readonly currency: string;
  readonly customer: Customer;
  readonly shippingAddress: Address;
  readonly billingAddress?: Address | undefined;
  readonly lines: readonly OrderLine[];
  readonly totals: OrderTotals;
  readonly payment: Payment;
  /** Problems recorded on the order rather than answered with a 4xx (e.g. from a webhook). */
  readonly flags: readonly OrderFlag[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic-lock counter, incremented on every write to the order item. */
  readonly version: number;
  /** Storefront's human order name (Shopify `name`, e.g. `#1001`), when it has one. */
  readonly externalOrderName?: string | undefined;
  /**
   * Canonical hash (`sha256:<hex>`) of the request that created the order: a replay with the same
   * Idempotency-Key and the same body returns the order; a different body is a 409. Internal, never returned.
   */
  readonly requestHash?: string | undefined;
}

/**
 * Codes of problems recorded on an order (`Order.flags`) instead of being answered with a 4xx.
 * The workflow decides what to do with them (hold, reject, cancel).
 */
export const ORDER_FLAG_CODES = [
  'CANCELLED_AT_SOURCE',
  'UNPAID',
  'LINE_WITHOUT_SKU',
  'UNKNOWN_SKU',
  'INACTIVE_SKU',
  'ADDRESS_INVALID',
  'MISSING_EMAIL',
  'TOTALS_MISMATCH',
  'CURRENCY_MISMATCH',
  'TEST_ORDER',
] as const;
export type OrderFlagCode = (typeof ORDER_FLAG_CODES)[number];

export interface OrderFlag {
  /** One of ORDER_FLAG_CODES (kept as string so later parts may add codes). */
  readonly code: string;
  readonly message: string;
  readonly lineNo?: number | undefined;
}

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

export type ChannelPlatform = 'custom' | 'shopify';

export interface Channel {
  readonly channelId: string;
  readonly name: string;
  readonly platform: ChannelPlatform;
  readonly currency: string;
  /** Shopify shop domain (`example.myshopify.com`) when platform is shopify. */
  readonly shopDomain?: string | undefined;
  /** Typical order value in minor units, used by the fraud screen. */
  readonly typicalOrderValueMinor: number;
  readonly branding?: { readonly displayName: string; readonly logoUrl?: string; readonly returnInstructions?: string };
}

export type SupplierChannelKind = 'sqs' | 'file';

export interface ShippingMethod {
  readonly code: string;
  readonly name: string;
  readonly transitDaysMin: number;
  readonly transitDaysMax: number;
  readonly costMinor: number;
}

export interface ShippingZone {
  readonly zoneId: string;
  /** ISO alpha-2 country codes served by this zone. */
  readonly countries: readonly string[];
  readonly methods: readonly ShippingMethod[];
}

export interface Supplier {
  readonly supplierId: string;
  readonly name: string;
  readonly channel: SupplierChannelKind;
  /** Lower number = preferred when cost ties. */
  readonly priority: number;
  readonly currency: string;
  readonly acceptanceSlaMinutes: number;
  readonly processingDays: number;
  readonly feedFreshnessSlaHours: number;
  readonly shippingZones: readonly ShippingZone[];
  readonly status: 'ACTIVE' | 'STALE' | 'SUSPENDED';
  readonly lastFeedAt?: string | undefined;
  /** Whether packing slips for this supplier are neutral (no supplier branding) - retailer branded. */
  readonly blindShipping: boolean;
  /** File-drop preferences (issue 5); absent = defaults (CSV purchase orders, default header aliases). */
  readonly files?: SupplierFileSettings | undefined;
  /** Set while status is STALE: when the sweep found the feed older than its SLA (ISO). */
  readonly staleSince?: string | undefined;
  /** S3 key of the last inventory feed applied (inbox drop or pull source). */
  readonly lastFeedKey?: string | undefined;
  /**
   * When the last applied inbox feed was stored in S3 (its event time): an older feed delivered or
   * retried later is SUPERSEDED instead of bringing older stock back.
   */
  readonly lastFeedObjectAt?: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Supplier files and inventory (issue 5). Additive.
// ---------------------------------------------------------------------------------------------

/** Canonical columns of an inventory feed row (CSV headers are mapped onto these by aliases). */
export const FEED_FIELDS = ['supplierSku', 'quantity', 'cost', 'map', 'discontinued', 'currency'] as const;
export type FeedField = (typeof FEED_FIELDS)[number];

export interface SupplierFileSettings {
  /** Format of purchase-order (and cancellation) files written to a `file` supplier's outbox. */
  readonly purchaseOrderFormat: 'csv' | 'json';
  /** Extra accepted header names per canonical field (case-insensitive), added to the defaults. */
  readonly headerAliases?: Partial<Record<FeedField, readonly string[]>> | undefined;
  /** Share of bad rows (0..1) above which a whole feed file is quarantined instead of applied. Default 0.2. */
  readonly quarantineThreshold?: number | undefined;
  /** How `cost` / `map` columns are written: `major` = decimal units (12.50, default), `minor` = integer cents. */
  readonly moneyUnits?: 'major' | 'minor' | undefined;
}

/** Kinds of files a supplier drops in its inbox (`suppliers/{id}/inbox/{kind-folder}/...`). */
export const SUPPLIER_FILE_KINDS = ['INVENTORY', 'TRACKING', 'ACKNOWLEDGEMENT'] as const;
export type SupplierFileKind = (typeof SUPPLIER_FILE_KINDS)[number];

export const SUPPLIER_FILE_STATUSES = ['PROCESSING', 'APPLIED', 'QUARANTINED', 'REFUSED', 'FAILED', 'SUPERSEDED'] as const;
export type SupplierFileStatus = (typeof SUPPLIER_FILE_STATUSES)[number];

/** The record of one supplier file (`FILE#{supplierId}` / `{kind}#{key}#{etag}`): replay guard and outcome. */
export interface SupplierFileRecord {
  readonly supplierId: string;
  readonly kind: SupplierFileKind;
  readonly bucket: string;
  readonly objectKey: string;
  readonly etag: string;
  readonly status: SupplierFileStatus;
  readonly startedAt: string;
  readonly finishedAt?: string | undefined;
  /** Data rows read (header excluded, blank lines not counted). */
  readonly rows?: number | undefined;
  /** Rows written (changed), unchanged rows skipped, rows rejected (in the report), rows for unknown supplier SKUs. */
  readonly written?: number | undefined;
  readonly unchanged?: number | undefined;
  readonly rejected?: number | undefined;
  readonly unmapped?: number | undefined;
  /** Outbox key of the rejected-row report, when one was written. */
  readonly reportKey?: string | undefined;
  /** Why the file was quarantined / refused / failed (no PII). */
  readonly reason?: string | undefined;
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

/** The platform-owned counter beside an offer (`SKU#{sku}` / `RESERVED#{supplierId}`). */
export interface OfferReservations {
  readonly sku: string;
  readonly supplierId: string;
  /** Units HELD by reservations of this offer (Σ quantity of HELD Reservation records). */
  readonly reserved: number;
}

/** Documents published for a fulfillment in the supplier's outbox (S3 keys in the supplier files bucket). */
export interface FulfillmentDocuments {
  readonly packingSlipKey?: string | undefined;
  readonly purchaseOrderKey?: string | undefined;
  readonly cancellationKey?: string | undefined;
}

/** A retailer SKU as sold on the storefronts. */
export interface Product {
  readonly sku: string;
  readonly title: string;
  readonly retailPriceMinor: number;
  readonly currency: string;
  readonly active: boolean;
}

/** One supplier's offer for a retailer SKU: the catalog mapping plus live stock. */
export interface SupplierOffer {
  readonly sku: string;
  readonly supplierId: string;
  readonly supplierSku: string;
  readonly wholesaleCostMinor: number;
  readonly currency: string;
  readonly stock: number;
  readonly reserved: number;
  /** Minimum advertised price in minor units, if the supplier imposes one. */
  readonly mapMinor?: number | undefined;
  readonly discontinued: boolean;
  readonly lastFeedAt: string;
}

/** A webhook delivery deduplication record (`DEDUPE#{scope}#{id}`), kept for a while with a TTL. */
export interface DedupeRecord {
  readonly scope: string;
  readonly id: string;
  readonly orderId: string;
  readonly createdAt: string;
  /** Epoch seconds; DynamoDB TTL attribute. Readers must also treat expired records as absent. */
  readonly expiresAt: number;
}

/**
 * An authentic storefront webhook that could not be mapped to an order at all (e.g. no shipping
 * address). Acknowledged with 202 so the platform does not retry, and kept for operators
 * (sparse index gsi3: EXCEPTION#WEBHOOK_REJECTED).
 */
export interface RejectedWebhook {
  readonly channelId: string;
  readonly webhookId: string;
  readonly platform: ChannelPlatform;
  readonly topic?: string | undefined;
  /** Storefront order id as an exact decimal string, when it could be read. */
  readonly externalOrderId?: string | undefined;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  readonly receivedAt: string;
  /** The raw body exactly as received (UTF-8), so an operator can fix and replay it. */
  readonly rawBody: string;
  readonly expiresAt: number;
}

// ---------------------------------------------------------------------------------------------
// Workflow (issue 4): added fields and vocabulary. Everything below is additive.
// ---------------------------------------------------------------------------------------------

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

/** Why an order was rejected at validation: machine-readable, per line where it applies. No PII. */
export interface OrderRejectionReason {
  readonly lineNo?: number | undefined;
  /** e.g. NO_OFFER, INSUFFICIENT_STOCK, ADDRESS_INVALID, UNKNOWN_SKU, CANCELLED_AT_SOURCE (routing codes + order codes). */
  readonly code: string;
  readonly detail: string;
}

/** The stored outcome of the payment gate and fraud screen (explanations are PII-free). */
export interface OrderScreening {
  readonly decision: 'ACCEPT' | 'HOLD_REVIEW' | 'HOLD_PAYMENT';
  readonly score: number;
  /** Codes of the triggered rules. */
  readonly rules: readonly string[];
  readonly at: string;
}

/** How a hold ended: who released or rejected it. */
export interface HoldRelease {
  readonly decision: 'APPROVE' | 'REJECT';
  readonly actor: Actor;
  readonly holdReason: HoldReason;
  readonly at: string;
  readonly note?: string | undefined;
}

export interface OrderCancellation {
  /** e.g. OUT_OF_STOCK, HOLD_REJECTED, HOLD_TIMEOUT, FAILURE, ALL_LINES_CANCELLED. */
  readonly reason: string;
  readonly actor: Actor;
  readonly at: string;
}

/** Fields the workflow adds to the order item (all optional: an intake order has none of them). */
export interface OrderWorkflowFields {
  readonly screening?: OrderScreening | undefined;
  /** When the current hold times out (ISO). */
  readonly holdExpiresAt?: string | undefined;
  readonly holdRelease?: HoldRelease | undefined;
  /** An operator approved the order's review flags (OPERATOR_HOLD): later screens skip them. */
  readonly reviewApprovedAt?: string | undefined;
  readonly rejectionReasons?: readonly OrderRejectionReason[] | undefined;
  readonly cancellation?: OrderCancellation | undefined;
  /** Cumulative cancelled quantities per line (lines no supplier could serve, cancelled fulfillments). */
  readonly cancelledLines?: readonly { readonly lineNo: number; readonly quantity: number }[] | undefined;
  /** Cumulative amount of every RefundRequested event (minor units): never refund twice. */
  readonly refundRequestedMinor?: number | undefined;
}

/** An order as the workflow stores it. */
export type WorkflowOrder = Order & OrderWorkflowFields;

export const RESERVATION_STATUSES = ['HELD', 'RELEASED', 'CONSUMED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/**
 * Stock one fulfillment holds of one offer (order, fulfillment → supplier, retailer SKU). While HELD,
 * `quantity` is included in the offer's `reserved`. RELEASED gives it back; CONSUMED (the goods were
 * delivered) takes it out of both `stock` and `reserved`. Both happen exactly once (conditional on HELD).
 */
export interface Reservation {
  readonly orderId: string;
  readonly fulfillmentId: string;
  readonly sku: string;
  readonly supplierId: string;
  readonly quantity: number;
  readonly status: ReservationStatus;
  readonly createdAt: string;
  /** After this instant (ISO) a sweep may release a reservation still HELD (its workflow is gone). */
  readonly holdExpiresAt: string;
  readonly settledAt?: string | undefined;
  readonly settleReason?: string | undefined;
}

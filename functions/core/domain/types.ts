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
}

export interface OrderFlag {
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

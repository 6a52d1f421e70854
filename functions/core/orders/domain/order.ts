/** The order vocabulary: statuses, lines, totals, payment, flags and the fields the workflow adds. Pure types. */
import type { Address } from '../../kernel/values';
import type { Actor } from '../../events/domain/events';

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

/** Statuses an order can still leave (every status but DELIVERED, REJECTED and CANCELLED). */
export const NON_TERMINAL_ORDER_STATUSES = ['RECEIVED', 'VALIDATED', 'ON_HOLD', 'RESERVED', 'IN_FULFILLMENT', 'PARTIALLY_SHIPPED', 'SHIPPED'] as const satisfies readonly OrderStatus[];
export type NonTerminalOrderStatus = (typeof NON_TERMINAL_ORDER_STATUSES)[number];

export const HOLD_REASONS = ['AWAITING_PAYMENT', 'HIGH_RISK_OF_FRAUD', 'OPERATOR_HOLD', 'INCORRECT_ADDRESS', 'TRANSIENT_FAILURE'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];
export const PAYMENT_STATUSES = ['paid', 'authorized', 'pending', 'partially_paid', 'refunded', 'voided'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const ORDER_SOURCES = ['api', 'shopify', 'woocommerce'] as const;
export type OrderSource = (typeof ORDER_SOURCES)[number];

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
  /** The Idempotency-Key of the API request that created the order (API orders only). Internal, never returned. */
  readonly idempotencyKey?: string | undefined;
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
  /** Why the shipping address cannot be used as it is (INCORRECT_ADDRESS hold): field + code, never the value. */
  readonly addressIssues?: readonly AddressIssue[] | undefined;
  /** The platform's `updated_at` / `date_modified` of the newest order change applied: older deliveries change nothing. */
  readonly platformUpdatedAt?: string | undefined;
  /** Refunds recorded from the platform (refund ids): each is recorded once. */
  readonly platformRefunds?: readonly PlatformRefund[] | undefined;
  /** How many times the shipping address was changed after dispatch (the PURCHASE_ORDER_AMENDED revision). */
  readonly addressRevision?: number | undefined;
  /** The last `POST /orders/{orderId}/address` request (replay of the same key + body answers the same; another body is a 409). */
  readonly lastAddressChange?: { readonly idempotencyKey: string; readonly requestHash: string } | undefined;
}

/** One correctable problem of the shipping address (no PII: the field and a code). */
export interface AddressIssue {
  /** e.g. `shippingAddress.postcode`. */
  readonly field: string;
  /** e.g. POSTCODE_MISSING, POSTCODE_INVALID, REGION_MISSING, COUNTRY_INVALID, REQUIRED, TOO_LONG. */
  readonly code: string;
  readonly message: string;
}

export interface PlatformRefund {
  readonly refundId: string;
  readonly at: string;
  readonly amountMinor?: number | undefined;
  readonly lines: readonly { readonly lineNo: number; readonly quantity: number }[];
}

/** An order as the workflow stores it. */
export type WorkflowOrder = Order & OrderWorkflowFields;

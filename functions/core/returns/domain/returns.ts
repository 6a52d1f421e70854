/**
 * The return aggregate (issue 15): one per customer return request, under its order (several per order).
 * Pure types and names shared by the API, the supplier handshake, the store and the order view.
 */
import type { ReturnStatus } from '../../orders/domain/returns-lifecycle';
import type { Actor } from '../../events/domain/events';

/** Why the customer returns (the request's `reason`). */
export const RETURN_REASONS = ['damaged', 'defective', 'not_as_described', 'wrong_item', 'changed_mind', 'other'] as const;
export type ReturnReason = (typeof RETURN_REASONS)[number];

/** The condition a supplier (or the retailer) finds a returned line in. `missing`: not in the parcel (no refund for it). */
export const RETURN_CONDITIONS = ['as_new', 'opened', 'used', 'damaged', 'missing'] as const;
export type ReturnCondition = (typeof RETURN_CONDITIONS)[number];

/** What the customer gets: money back, or a replacement (an exchange). `keep_it`: refund without sending the goods back. */
export const RETURN_RESOLUTIONS = ['refund', 'keep_it', 'replacement'] as const;
export type ReturnResolution = (typeof RETURN_RESOLUTIONS)[number];

/** Where the goods go: the supplier that shipped them, or the retailer's own address. */
export const RETURN_DESTINATIONS = ['supplier', 'retailer'] as const;
export type ReturnDestination = (typeof RETURN_DESTINATIONS)[number];

/** Why a supplier refuses a return. */
export const RETURN_REJECT_REASONS = ['OUTSIDE_SUPPLIER_POLICY', 'NOT_OUR_ITEM', 'FINAL_SALE', 'OTHER'] as const;

/** One returned line: the order line, its retailer / supplier SKU and the prices it was sold and bought at. */
export interface ReturnLine {
  readonly lineNo: number;
  readonly sku: string;
  readonly supplierSku: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  readonly unitCostMinor: number;
}

export interface ReturnAuthorization {
  readonly rma: string;
  readonly returnAddress?: Readonly<Record<string, string>> | undefined;
  readonly instructions?: string | undefined;
  readonly labelRef?: string | undefined;
  readonly by: Actor;
  readonly at: string;
}

export interface ReturnRefund {
  readonly amountMinor: number;
  readonly currency: string;
  /** Goods value of the lines refunded (after the order's discounts and taxes, pro rata). */
  readonly goodsMinor: number;
  readonly restockingFeeMinor: number;
  /** + original shipping refunded (the retailer pays for the reason) or − the return label (the customer pays). */
  readonly shippingAdjustmentMinor: number;
  readonly lines: readonly { readonly lineNo: number; readonly quantity: number }[];
  /** True when the cap (what is left of what was paid) cut the amount. */
  readonly capped: boolean;
}

/** How a return ended: the replacement shipped, the storefront confirmed the refund, or an operator closed it. */
export const RETURN_CLOSURES = ['replacement', 'platform_refund', 'storefront', 'operator'] as const;
export interface ReturnClosure {
  readonly by: (typeof RETURN_CLOSURES)[number];
  /** The storefront's refund id (Shopify / WooCommerce refund, or the id the storefront API call gave). */
  readonly refundId?: string | undefined;
  /** The operator's note (never logged, not in events). */
  readonly note?: string | undefined;
  readonly at: string;
}

/** A return as stored (pk ORDER#{orderId}, sk RETURN#{returnId}). */
export interface ReturnRecord {
  readonly returnId: string;
  readonly orderId: string;
  readonly channelId: string;
  readonly fulfillmentId: string;
  readonly supplierId: string;
  readonly status: ReturnStatus;
  readonly reason: ReturnReason;
  readonly note?: string | undefined;
  readonly resolution: ReturnResolution;
  readonly destination: ReturnDestination;
  readonly lines: readonly ReturnLine[];
  /** Canonical hash of the request (lines, reason, note): the same Idempotency-Key with another body is a conflict. */
  readonly requestHash: string;
  /** The supplier must answer RETURN_REQUESTED by then (RETURN_UNANSWERED for operators afterwards). */
  readonly respondBy?: string | undefined;
  readonly authorization?: ReturnAuthorization | undefined;
  readonly rejection?: { readonly reason: string; readonly message?: string | undefined; readonly at: string } | undefined;
  readonly tracking?: { readonly carrier: string; readonly trackingNumber: string; readonly unverified?: true | undefined; readonly at: string } | undefined;
  readonly received?: { readonly lines: readonly { readonly lineNo: number; readonly condition: ReturnCondition }[]; readonly at: string } | undefined;
  readonly refund?: ReturnRefund | undefined;
  /** Wholesale cost to claim back from the supplier for the units it took back. */
  readonly supplierCredit?: { readonly amountMinor: number; readonly currency: string } | undefined;
  /** Exchanges: the replacement fulfillment(s) created for it, or why none could be (then the refund is requested). */
  readonly replacement?: { readonly fulfillmentIds: readonly string[]; readonly at: string } | { readonly unservable: true; readonly at: string } | undefined;
  /** REFUND_REQUESTED: the storefront confirms the refund by then (else RETURN_REFUND_UNCONFIRMED for operators). */
  readonly refundConfirmBy?: string | undefined;
  /** CLOSED: who closed it and how (an exchange's replacement, the storefront's refund, an operator's note). */
  readonly closure?: ReturnClosure | undefined;
  /** Supplier message ids applied (bounded): a redelivered message is a duplicate. */
  readonly appliedMessageIds: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** The next version of a return. */
export function nextReturn(record: ReturnRecord, changes: Partial<ReturnRecord>, at: string): ReturnRecord {
  return { ...record, ...changes, updatedAt: at, version: record.version + 1 };
}

/** `ret_` + the order id's 26 characters + `_` + 10 hex of the request: the order is found from the id alone. */
export const RETURN_ID_PATTERN = /^ret_([0-9a-hjkmnp-tv-z]{26})_([0-9a-f]{10})$/;

export function parseReturnId(returnId: string): { readonly orderId: string } | undefined {
  const match = RETURN_ID_PATTERN.exec(returnId);
  return match === null ? undefined : { orderId: `ord_${match[1] ?? ''}` };
}

/** The domain events the returns' bus rule sends to the return steps (services/return-events.ts): its event pattern. */
export const RETURN_STEP_EVENT_TYPES = ['ReturnAuthorized', 'ReturnReceived'] as const;

/** The catalog: retailer products, supplier offers with live stock, and the reservations held against them. Pure types. */
/** The platform-owned counter beside an offer (`SKU#{sku}` / `RESERVED#{supplierId}`). */
export interface OfferReservations {
  readonly sku: string;
  readonly supplierId: string;
  /** Units HELD by reservations of this offer (Σ quantity of HELD Reservation records). */
  readonly reserved: number;
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
  /** The allocation shard the units were taken from (a sharded hot offer, docs/hot-sku.md); absent = the counter. */
  readonly shard?: number | undefined;
}

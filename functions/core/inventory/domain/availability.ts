/**
 * Sellable quantity and delivery estimate per retailer SKU, for the storefront before checkout.
 *
 * Counted suppliers: offer not discontinued, supplier ACTIVE with a fresh feed, ships to the
 * destination, MAP respected (when a retail price is given), same currency (when given) - the routing
 * eligibility rules minus stock.
 *
 *   gross     = Σ counted max(0, stock − reserved)
 *   shortfall = Σ counted max(0, reserved − stock)   (reservations a stock drop left uncovered)
 *   sellable  = max(0, gross − shortfall)            (deductShortfall, default)
 *             = gross                                (deductShortfall: false)
 *
 * Deducting the shortfall keeps the promise honest: orders already reserved at a supplier whose
 * stock dropped below its reservations will be rerouted to the others, so those units are not for
 * sale again. With it, sellable = max(0, Σ counted (stock − reserved)): never negative and never
 * above the counted suppliers' stock minus their reservations.
 *
 * Product gate (optional, when the caller passes the catalog product): an unknown SKU (`product:
 * null`) or an inactive product sells nothing (UNKNOWN_SKU / INACTIVE_SKU), exactly as an order for it
 * would be rejected; and without an explicit unit price the product's retail price (same currency) is
 * the price MAP is checked against.
 */
import type { Product, SupplierOffer } from './catalog';
import type { Supplier } from '../../suppliers/domain/supplier';
import { DEFAULT_ROUTING_CONFIG } from '../../workflow/domain/routing-rules';
import { checkEligibility } from '../../workflow/domain/eligibility';
import { routeOrder } from '../../workflow/domain/routing';
import type { Destination, IneligibilityCode, IneligibilityReason, PlannedFulfillment, RoutingConfig, RoutingLine } from '../../workflow/domain/routing-rules';
import type { DeliveryWindow } from '../../workflow/domain/delivery';

/** Reasons availability adds to the routing ones: the SKU is not for sale at all. */
export const PRODUCT_REASON_CODES = ['UNKNOWN_SKU', 'INACTIVE_SKU'] as const;
export type AvailabilityReasonCode = IneligibilityCode | (typeof PRODUCT_REASON_CODES)[number];

export interface AvailabilityReason {
  readonly code: AvailabilityReasonCode;
  readonly detail: string;
}

/** What availability needs of a catalog product. */
export type ProductInfo = Pick<Product, 'active' | 'retailPriceMinor' | 'currency'>;

export interface AvailabilityConfig {
  /** Deduct the counted suppliers' shortfall (reserved above stock) from the sellable quantity. */
  readonly deductShortfall: boolean;
  readonly routing: RoutingConfig;
}

export const DEFAULT_AVAILABILITY_CONFIG: AvailabilityConfig = {
  deductShortfall: true,
  routing: DEFAULT_ROUTING_CONFIG,
};

export interface AvailabilityQuery {
  readonly sku: string;
  readonly destination: Destination;
  /** Offers for this SKU (offers for other SKUs are ignored). */
  readonly offers: readonly SupplierOffer[];
  readonly suppliers: readonly Supplier[];
  /** Current time (ISO): feed freshness and the delivery estimate start from it. */
  readonly now: string;
  /** Quantity the shopper wants (for the supplier choice and delivery window); default 1. */
  readonly quantity?: number | undefined;
  /** Retail unit price; when given, suppliers whose MAP is above it are not counted. */
  readonly unitPriceMinor?: number | undefined;
  readonly currency?: string | undefined;
  /**
   * The catalog product: `null` = the SKU is not in the catalog (nothing sellable), undefined = not
   * checked. Without `unitPriceMinor`, its retail price (when in `currency`) is the MAP check price.
   */
  readonly product?: ProductInfo | null | undefined;
}

export interface SupplierAvailability {
  readonly supplierId: string;
  readonly counted: boolean;
  readonly stock: number;
  readonly reserved: number;
  /** max(0, stock − reserved). */
  readonly available: number;
  /** max(0, reserved − stock). */
  readonly shortfall: number;
  /** Why the supplier is not counted (empty when counted). */
  readonly reasons: readonly IneligibilityReason[];
}

export interface ShipmentEstimate {
  readonly supplierId: string;
  readonly quantity: number;
  readonly shippingMethod: { readonly code: string; readonly name: string; readonly transitDaysMin: number; readonly transitDaysMax: number };
  readonly shipBy: string;
  readonly earliestDelivery: string;
  readonly deliverBy: string;
}

export interface RouteEstimate {
  /** Quantity the estimate is for: min(requested, sellable). */
  readonly quantity: number;
  /** The supplier that would be chosen (the first shipment's, by supplier id, if split). */
  readonly supplierId: string;
  readonly shipments: readonly ShipmentEstimate[];
  readonly deliveryWindow: DeliveryWindow;
}

export interface SkuAvailability {
  readonly sku: string;
  readonly requestedQuantity: number;
  readonly sellableQuantity: number;
  /** Σ counted max(0, stock − reserved). */
  readonly grossAvailable: number;
  /** Σ counted max(0, reserved − stock). */
  readonly shortfall: number;
  /** Σ over every supplier, counted or not, of max(0, reserved − stock): for operators. */
  readonly totalShortfall: number;
  readonly suppliers: readonly SupplierAvailability[];
  /** Absent when nothing can be sold. */
  readonly route?: RouteEstimate | undefined;
  /** Why nothing (or less than requested) can be sold: codes from the routing rules (or the product gate). */
  readonly reasons: readonly AvailabilityReason[];
}

function requestedQuantity(q: number | undefined): number {
  if (q === undefined) return 1;
  if (!Number.isInteger(q) || q <= 0) throw new RangeError(`quantity must be a positive integer, got ${q}`);
  return q;
}

function toShipmentEstimates(fulfillments: readonly PlannedFulfillment[]): ShipmentEstimate[] {
  return fulfillments.map((f) => ({
    supplierId: f.supplierId,
    quantity: f.lines.reduce((s, l) => s + l.quantity, 0),
    shippingMethod: {
      code: f.shippingMethod.code,
      name: f.shippingMethod.name,
      transitDaysMin: f.shippingMethod.transitDaysMin,
      transitDaysMax: f.shippingMethod.transitDaysMax,
    },
    shipBy: f.promise.shipBy,
    earliestDelivery: f.promise.earliestDelivery,
    deliverBy: f.promise.deliverBy,
  }));
}

function estimate(
  query: AvailabilityQuery,
  quantity: number,
  config: AvailabilityConfig,
): RouteEstimate | undefined {
  if (quantity <= 0) return undefined;
  const allocation = routeOrder(
    {
      lines: [{ lineNo: 1, sku: query.sku, quantity, unitPriceMinor: query.unitPriceMinor ?? Number.MAX_SAFE_INTEGER }],
      destination: query.destination,
      offers: query.offers.filter((o) => o.sku === query.sku),
      suppliers: query.suppliers,
      now: query.now,
      currency: query.currency,
    },
    config.routing,
  );
  const first = allocation.fulfillments[0];
  if (first === undefined || allocation.deliveryWindow === undefined || allocation.unservable.length > 0) return undefined;
  return {
    quantity,
    supplierId: first.supplierId,
    deliveryWindow: allocation.deliveryWindow,
    shipments: toShipmentEstimates(allocation.fulfillments),
  };
}

/** The unit price MAP is checked against: the given one, else the product's retail price in the same currency. */
export function effectiveUnitPrice(query: Pick<AvailabilityQuery, 'unitPriceMinor' | 'product' | 'currency'>): number | undefined {
  if (query.unitPriceMinor !== undefined) return query.unitPriceMinor;
  const product = query.product;
  if (product === undefined || product === null) return undefined;
  return query.currency === undefined || product.currency === query.currency ? product.retailPriceMinor : undefined;
}

/** UNKNOWN_SKU / INACTIVE_SKU when the product is known not to be for sale. */
export function productReason(sku: string, product: ProductInfo | null | undefined): AvailabilityReason | undefined {
  if (product === null) return { code: 'UNKNOWN_SKU', detail: `SKU ${sku} is not in the catalog` };
  if (product !== undefined && !product.active) return { code: 'INACTIVE_SKU', detail: `SKU ${sku} is not for sale (inactive)` };
  return undefined;
}

/** Sellable quantity, shortfall, chosen supplier and delivery window for one SKU and destination. */
export function skuAvailability(query: AvailabilityQuery, config: AvailabilityConfig = DEFAULT_AVAILABILITY_CONFIG): SkuAvailability {
  const blocked = productReason(query.sku, query.product);
  const priced = { ...query, unitPriceMinor: effectiveUnitPrice(query) };
  const result = stockAvailability(priced, config);
  if (blocked === undefined) return result;
  return { ...result, sellableQuantity: 0, route: undefined, reasons: [blocked] };
}

function stockAvailability(query: AvailabilityQuery, config: AvailabilityConfig): SkuAvailability {
  const wanted = requestedQuantity(query.quantity);
  const offers = query.offers.filter((o) => o.sku === query.sku);
  const [line] = checkEligibility(
    {
      lines: [{ lineNo: 1, sku: query.sku, quantity: wanted, unitPriceMinor: query.unitPriceMinor ?? Number.MAX_SAFE_INTEGER }],
      destination: query.destination,
      offers,
      suppliers: query.suppliers,
      now: query.now,
      currency: query.currency,
    },
    config.routing,
  );
  const offerBySupplier = new Map<string, SupplierOffer>();
  for (const o of [...offers].sort((a, b) => (a.supplierId < b.supplierId ? -1 : a.supplierId > b.supplierId ? 1 : 0))) {
    if (!offerBySupplier.has(o.supplierId)) offerBySupplier.set(o.supplierId, o);
  }
  const suppliers: SupplierAvailability[] = (line?.options ?? []).map((opt) => {
    const offer = offerBySupplier.get(opt.supplierId) as SupplierOffer;
    const reasons = opt.reasons.filter((r) => r.code !== 'INSUFFICIENT_STOCK');
    return {
      supplierId: opt.supplierId,
      counted: reasons.length === 0,
      stock: offer.stock,
      reserved: offer.reserved,
      available: Math.max(0, offer.stock - offer.reserved),
      shortfall: Math.max(0, offer.reserved - offer.stock),
      reasons,
    };
  });
  const counted = suppliers.filter((s) => s.counted);
  const grossAvailable = counted.reduce((sum, s) => sum + s.available, 0);
  const shortfall = counted.reduce((sum, s) => sum + s.shortfall, 0);
  const totalShortfall = suppliers.reduce((sum, s) => sum + s.shortfall, 0);
  const sellableQuantity = config.deductShortfall ? Math.max(0, grossAvailable - shortfall) : grossAvailable;

  const route = estimate(query, Math.min(wanted, sellableQuantity), config);
  let reasons: readonly AvailabilityReason[] = [];
  if (sellableQuantity < wanted) {
    reasons =
      counted.length === 0
        ? (line?.reasons ?? [])
        : [{ code: 'INSUFFICIENT_STOCK', detail: `${sellableQuantity} sellable, ${wanted} requested` }];
  }
  return {
    sku: query.sku,
    requestedQuantity: wanted,
    sellableQuantity,
    grossAvailable,
    shortfall,
    totalShortfall,
    suppliers,
    route,
    reasons,
  };
}

export interface CartQuery {
  readonly lines: readonly { readonly sku: string; readonly quantity: number; readonly unitPriceMinor?: number | undefined }[];
  readonly destination: Destination;
  readonly offers: readonly SupplierOffer[];
  readonly suppliers: readonly Supplier[];
  readonly now: string;
  readonly currency?: string | undefined;
  /** Catalog products by SKU: when given, a SKU missing from it is UNKNOWN_SKU (see AvailabilityQuery.product). */
  readonly products?: ReadonlyMap<string, ProductInfo> | undefined;
}

export interface CartAvailability {
  /** One entry per distinct SKU, with the cart's total quantity of it as the requested quantity. */
  readonly items: readonly SkuAvailability[];
  /** Whether every SKU is sellable in the requested quantity. */
  readonly allAvailable: boolean;
  /** The whole cart routed together (single shipment preferred), when everything is available. */
  readonly route?:
    | { readonly shipments: readonly ShipmentEstimate[]; readonly deliveryWindow: DeliveryWindow }
    | undefined;
}

/** Batch form: availability per SKU plus the whole cart's routing and delivery window. */
export function cartAvailability(query: CartQuery, config: AvailabilityConfig = DEFAULT_AVAILABILITY_CONFIG): CartAvailability {
  const bySku = new Map<string, { quantity: number; unitPriceMinor?: number | undefined }>();
  for (const l of query.lines) {
    requestedQuantity(l.quantity);
    const acc = bySku.get(l.sku);
    bySku.set(l.sku, {
      quantity: (acc?.quantity ?? 0) + l.quantity,
      unitPriceMinor:
        acc?.unitPriceMinor === undefined ? l.unitPriceMinor : l.unitPriceMinor === undefined ? acc.unitPriceMinor : Math.min(acc.unitPriceMinor, l.unitPriceMinor),
    });
  }
  const productOf = (sku: string): ProductInfo | null | undefined => (query.products === undefined ? undefined : (query.products.get(sku) ?? null));
  const items = [...bySku.entries()].map(([sku, v]) =>
    skuAvailability(
      {
        sku,
        destination: query.destination,
        offers: query.offers,
        suppliers: query.suppliers,
        now: query.now,
        quantity: v.quantity,
        unitPriceMinor: v.unitPriceMinor,
        currency: query.currency,
        product: productOf(sku),
      },
      config,
    ),
  );
  const allAvailable = items.every((i) => i.sellableQuantity >= i.requestedQuantity);
  if (!allAvailable || query.lines.length === 0) return { items, allAvailable };

  const lines: RoutingLine[] = query.lines.map((l, i) => ({
    lineNo: i + 1,
    sku: l.sku,
    quantity: l.quantity,
    unitPriceMinor: effectiveUnitPrice({ unitPriceMinor: l.unitPriceMinor, product: productOf(l.sku), currency: query.currency }) ?? Number.MAX_SAFE_INTEGER,
  }));
  const allocation = routeOrder(
    { lines, destination: query.destination, offers: query.offers, suppliers: query.suppliers, now: query.now, currency: query.currency },
    config.routing,
  );
  if (allocation.unservable.length > 0 || allocation.deliveryWindow === undefined) return { items, allAvailable };
  return {
    items,
    allAvailable,
    route: {
      deliveryWindow: allocation.deliveryWindow,
      shipments: toShipmentEstimates(allocation.fulfillments),
    },
  };
}

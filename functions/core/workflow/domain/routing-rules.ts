/** Routing vocabulary: the rule order and its configuration, what routing reads and what it answers (routing.ts). Pure. */
import type { ShippingMethod, Supplier } from '../../suppliers/domain/supplier';
import type { SupplierOffer } from '../../inventory/domain/catalog';
import { DEFAULT_DELIVERY_CALENDAR } from './delivery';
import type { DeliveryCalendar, DeliveryPromise, DeliveryWindow } from './delivery';

export const ROUTING_RULES = ['SINGLE_SHIPMENT', 'LOWEST_LANDED_COST', 'SUPPLIER_PRIORITY'] as const;
export type RoutingRule = (typeof ROUTING_RULES)[number];

export interface RoutingConfig {
  /** Criteria in order of importance. Unlisted criteria are not used; supplier id breaks final ties. */
  readonly ruleOrder: readonly RoutingRule[];
  /** Which method of the destination zone a supplier ships with. */
  readonly shippingMethod: 'CHEAPEST' | 'FASTEST';
  /** Allow one line's quantity to be split across suppliers when no single supplier has enough. */
  readonly splitLines: boolean;
  /** Up to this many candidate suppliers every subset is evaluated (exact); above it, heuristics. */
  readonly exactSearchMaxSuppliers: number;
  /** Business-day calendar for ship-by / deliver-by. */
  readonly calendar: DeliveryCalendar;
}

export const DEFAULT_ROUTING_CONFIG: RoutingConfig = {
  ruleOrder: ['SINGLE_SHIPMENT', 'LOWEST_LANDED_COST', 'SUPPLIER_PRIORITY'],
  shippingMethod: 'CHEAPEST',
  splitLines: true,
  exactSearchMaxSuppliers: 8,
  calendar: DEFAULT_DELIVERY_CALENDAR,
};

export function routingConfig(overrides: Partial<RoutingConfig> = {}): RoutingConfig {
  const config = { ...DEFAULT_ROUTING_CONFIG, ...overrides };
  const seen = new Set<RoutingRule>();
  for (const rule of config.ruleOrder) {
    if (!ROUTING_RULES.includes(rule)) throw new RangeError(`Unknown routing rule ${String(rule)}`);
    if (seen.has(rule)) throw new RangeError(`Routing rule ${rule} listed twice`);
    seen.add(rule);
  }
  return config;
}

/** Parse a rule order like "SINGLE_SHIPMENT,LOWEST_LANDED_COST,SUPPLIER_PRIORITY" (stage config). */
export function parseRuleOrder(value: string): readonly RoutingRule[] {
  const rules = value
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  return routingConfig({ ruleOrder: rules as RoutingRule[] }).ruleOrder;
}

export interface RoutingLine {
  readonly lineNo: number;
  /** Retailer SKU. */
  readonly sku: string;
  readonly quantity: number;
  /** Retail unit price charged to the customer (minor units), checked against MAP. */
  readonly unitPriceMinor: number;
}

export interface Destination {
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  /** Carried for future zone rules; zones are country based today. */
  readonly postcode?: string | undefined;
}

/** A supplier must not get these lines again (it rejected them or let the acceptance SLA lapse). */
export interface Exclusion {
  readonly supplierId: string;
  readonly lineNo: number;
}

/** Stock this order already holds at a supplier (added back to availability when routing it). */
export interface HeldReservation {
  readonly supplierId: string;
  readonly sku: string;
  readonly quantity: number;
}

export interface RoutingInput {
  readonly lines: readonly RoutingLine[];
  readonly destination: Destination;
  /** Offers for the order's SKUs (any others are ignored). */
  readonly offers: readonly SupplierOffer[];
  readonly suppliers: readonly Supplier[];
  /** Current time (ISO), for feed freshness. */
  readonly now: string;
  /** Order time (ISO) for the delivery promise; defaults to `now`. */
  readonly orderedAt?: string | undefined;
  /** Order currency; offers in another currency are ineligible (MAP and cost not comparable). */
  readonly currency?: string | undefined;
  readonly exclusions?: readonly Exclusion[] | undefined;
  readonly heldReservations?: readonly HeldReservation[] | undefined;
}

export const INELIGIBILITY_CODES = [
  'INVALID_QUANTITY',
  'NO_OFFER',
  'SUPPLIER_UNKNOWN',
  'SUPPLIER_NOT_ACTIVE',
  'SUPPLIER_PAUSED',
  'FEED_STALE',
  'DISCONTINUED',
  'NO_SHIPPING_ZONE',
  'NO_SHIPPING_METHOD',
  'MAP_VIOLATION',
  'CURRENCY_MISMATCH',
  'EXCLUDED',
  'INSUFFICIENT_STOCK',
] as const;
export type IneligibilityCode = (typeof INELIGIBILITY_CODES)[number];

export interface IneligibilityReason {
  readonly code: IneligibilityCode;
  readonly detail: string;
}

export interface SupplierOption {
  readonly supplierId: string;
  readonly supplierSku: string;
  /** Every rule passed, including stock for the whole line quantity. */
  readonly eligible: boolean;
  /** Every rule but stock passed: the supplier can take part of a split line. */
  readonly qualified: boolean;
  readonly reasons: readonly IneligibilityReason[];
  /** max(0, stock − reserved) + what this order already holds there. */
  readonly available: number;
  readonly unitCostMinor: number;
  readonly priority: number;
  /** The method this supplier would ship with to the destination, when it ships there. */
  readonly shippingMethod?: ShippingMethod | undefined;
  readonly zoneId?: string | undefined;
}

export interface LineEligibility {
  readonly lineNo: number;
  readonly sku: string;
  readonly quantity: number;
  readonly options: readonly SupplierOption[];
  /** Suppliers that can take the whole line. */
  readonly eligibleSupplierIds: readonly string[];
  /** Line-level reasons (NO_OFFER, INVALID_QUANTITY) or, when nobody is eligible, the union of the suppliers' codes. */
  readonly reasons: readonly IneligibilityReason[];
}

export interface PlannedLine {
  readonly lineNo: number;
  readonly sku: string;
  readonly supplierSku: string;
  readonly quantity: number;
  readonly unitCostMinor: number;
  readonly unitPriceMinor: number;
}

export interface PlannedFulfillment {
  readonly supplierId: string;
  readonly lines: readonly PlannedLine[];
  readonly zoneId: string;
  readonly shippingMethod: ShippingMethod;
  readonly wholesaleCostMinor: number;
  readonly shippingCostMinor: number;
  readonly landedCostMinor: number;
  readonly promise: DeliveryPromise;
}

export interface UnservableLine {
  readonly lineNo: number;
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  /** unitPriceMinor × quantity: what to refund if it was charged. */
  readonly amountMinor: number;
  readonly reasons: readonly IneligibilityReason[];
}

export interface Allocation {
  /** One per supplier, sorted by supplier id. */
  readonly fulfillments: readonly PlannedFulfillment[];
  readonly unservable: readonly UnservableLine[];
  readonly eligibility: readonly LineEligibility[];
  readonly wholesaleCostMinor: number;
  readonly shippingCostMinor: number;
  readonly landedCostMinor: number;
  /** Delivery window of the whole allocation (all shipments arrived). */
  readonly deliveryWindow?: DeliveryWindow | undefined;
  readonly ruleOrder: readonly RoutingRule[];
  readonly search: 'exact' | 'heuristic' | 'none';
}

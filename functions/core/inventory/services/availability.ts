/**
 * Availability and delivery estimate for storefronts (GET / POST /availability): the catalog slice of
 * the SKUs (loadCatalog: offers with their reserved counters merged), their suppliers, then the pure
 * rules of inventory/domain/availability.ts with the channel's currency and the workflow's routing config, so
 * the storefront sees the supplier, method and dates an order placed now would get.
 */
import type { Clock } from '../../kernel/clock';
import { cartAvailability, skuAvailability, type SkuAvailability, type ShipmentEstimate } from '../domain/availability';
import { businessDaysBetween, type DeliveryCalendar, type DeliveryWindow } from '../../workflow/domain/delivery';
import { decimalToMinor } from '../../kernel/money';
import type { RoutingConfig } from '../../workflow/domain/routing-rules';
import type { Supplier } from '../../suppliers/domain/supplier';
import { ValidationError } from '../../kernel/errors';
import type { AvailabilityDestination, AvailabilityResponse, CartAvailabilityResponse, SkuAvailabilityResponse } from '../schemas/availability';
import { loadCatalog, loadSuppliers } from '../store/catalog';
import type { StoreContext } from '../../runtime/table/context';

export interface AvailabilityDeps {
  readonly store: StoreContext;
  readonly now: Clock;
  readonly routing: RoutingConfig;
}

export interface AvailabilityItem {
  readonly sku: string;
  readonly quantity?: number | undefined;
  readonly unitPrice?: string | undefined;
  readonly unitPriceMinor?: number | undefined;
}

export interface AvailabilityInput {
  /** The channel's currency (prices in, offers counted). */
  readonly currency: string;
  readonly destination: AvailabilityDestination;
  readonly items: readonly AvailabilityItem[];
  /**
   * The channel's dispatch delay (minutes after checkout before the supplier sees the order): the promise is
   * computed for the moment the supplier gets it (a cut-off passed meanwhile moves the dates). @default 0
   */
  readonly dispatchDelayMinutes?: number | undefined;
}

/** When an order placed now reaches its supplier: now + the channel's dispatch delay. */
export function dispatchMoment(now: Date, dispatchDelayMinutes: number | undefined): string {
  return new Date(now.getTime() + Math.max(0, dispatchDelayMinutes ?? 0) * 60_000).toISOString();
}

/** Decimal prices → minor units of the channel currency; a price with too many decimals is a 422 at its path. */
export function toMinorPrices(items: readonly AvailabilityItem[], currency: string, pathOf: (index: number) => string): { sku: string; quantity: number; unitPriceMinor?: number | undefined }[] {
  const issues: { path: string; message: string }[] = [];
  const out = items.map((item, index) => {
    let unitPriceMinor = item.unitPriceMinor;
    if (item.unitPrice !== undefined) {
      const parsed = decimalToMinor(item.unitPrice, currency);
      if (parsed.ok) unitPriceMinor = parsed.minor;
      else issues.push({ path: pathOf(index), message: parsed.message });
    }
    return { sku: item.sku, quantity: item.quantity ?? 1, unitPriceMinor };
  });
  if (issues.length > 0) throw new ValidationError('Request is invalid', { issues });
  return out;
}

function windowResponse(window: DeliveryWindow, today: string, calendar: DeliveryCalendar) {
  return {
    earliest: window.earliest,
    latest: window.latest,
    businessDaysMin: businessDaysBetween(today, window.earliest, calendar.holidays),
    businessDaysMax: businessDaysBetween(today, window.latest, calendar.holidays),
  };
}

function shipmentResponse(s: ShipmentEstimate, suppliers: ReadonlyMap<string, Supplier>) {
  return {
    supplierId: s.supplierId,
    quantity: s.quantity,
    shippingMethod: { code: s.shippingMethod.code, name: s.shippingMethod.name },
    processingDays: suppliers.get(s.supplierId)?.processingDays ?? 0,
    transitDaysMin: s.shippingMethod.transitDaysMin,
    transitDaysMax: s.shippingMethod.transitDaysMax,
    shipBy: s.shipBy,
    earliestDelivery: s.earliestDelivery,
    deliverBy: s.deliverBy,
  };
}

/** The storefront view of one SKU's availability: no per-supplier stock, no shortfall figures. */
export function toSkuResponse(a: SkuAvailability, suppliers: ReadonlyMap<string, Supplier>, today: string, calendar: DeliveryCalendar): SkuAvailabilityResponse {
  const route = a.route;
  const first = route?.shipments[0];
  return {
    sku: a.sku,
    requestedQuantity: a.requestedQuantity,
    sellableQuantity: a.sellableQuantity,
    available: a.sellableQuantity >= a.requestedQuantity,
    ...(route === undefined || first === undefined
      ? {}
      : {
          supplierId: route.supplierId,
          shippingMethod: { code: first.shippingMethod.code, name: first.shippingMethod.name },
          deliveryWindow: windowResponse(route.deliveryWindow, today, calendar),
          estimateQuantity: route.quantity,
          shipments: route.shipments.map((s) => shipmentResponse(s, suppliers)),
        }),
    reasons: a.reasons.map((r) => ({ code: r.code, detail: r.detail })),
  };
}

async function loadWorld(deps: AvailabilityDeps, skus: readonly string[]) {
  const catalog = await loadCatalog(deps.store, skus);
  const suppliers = await loadSuppliers(deps.store, [...new Set(catalog.offers.map((o) => o.supplierId))]);
  return { catalog, suppliers };
}

function destinationOf(d: AvailabilityDestination) {
  return { country: d.country, ...(d.postcode === undefined ? {} : { postcode: d.postcode.toUpperCase() }) };
}

/** GET: one SKU. */
export async function checkSkuAvailability(deps: AvailabilityDeps, input: AvailabilityInput & { readonly pricePath?: string }): Promise<AvailabilityResponse> {
  const [item] = toMinorPrices(input.items.slice(0, 1), input.currency, () => input.pricePath ?? 'unitPrice');
  if (item === undefined) throw new RangeError('checkSkuAvailability needs one item');
  const clock = deps.now();
  const now = clock.toISOString();
  const { catalog, suppliers } = await loadWorld(deps, [item.sku]);
  const result = skuAvailability(
    {
      sku: item.sku,
      destination: input.destination,
      offers: catalog.offers,
      suppliers: [...suppliers.values()],
      now: dispatchMoment(clock, input.dispatchDelayMinutes),
      quantity: item.quantity,
      unitPriceMinor: item.unitPriceMinor,
      currency: input.currency,
      product: catalog.products.get(item.sku) ?? null,
    },
    { deductShortfall: true, routing: deps.routing },
  );
  const calendar = deps.routing.calendar;
  return { ...toSkuResponse(result, suppliers, now, calendar), destination: destinationOf(input.destination), asOf: now };
}

/** POST: a cart. */
export async function checkCartAvailability(deps: AvailabilityDeps, input: AvailabilityInput): Promise<CartAvailabilityResponse> {
  const lines = toMinorPrices(input.items, input.currency, (i) => `items.${i}.unitPrice`);
  const clock = deps.now();
  const now = clock.toISOString();
  const { catalog, suppliers } = await loadWorld(deps, lines.map((l) => l.sku));
  const result = cartAvailability(
    {
      lines,
      destination: input.destination,
      offers: catalog.offers,
      suppliers: [...suppliers.values()],
      now: dispatchMoment(clock, input.dispatchDelayMinutes),
      currency: input.currency,
      products: catalog.products,
    },
    { deductShortfall: true, routing: deps.routing },
  );
  const calendar = deps.routing.calendar;
  return {
    destination: destinationOf(input.destination),
    asOf: now,
    allAvailable: result.allAvailable,
    items: result.items.map((i) => toSkuResponse(i, suppliers, now, calendar)),
    ...(result.route === undefined
      ? {}
      : { cart: { shipments: result.route.shipments.map((s) => shipmentResponse(s, suppliers)), deliveryWindow: windowResponse(result.route.deliveryWindow, now, calendar) } }),
  };
}

/**
 * Storefront API: availability and delivery estimate before checkout.
 *   GET  /availability?sku=&country=&postcode=&quantity=&unitPrice=
 *   POST /availability  { destination: { country, postcode? }, items: [{ sku, quantity?, unitPrice? | unitPriceMinor? }] }
 * Money in is a decimal string in the channel's currency (`unitPrice`, like POST /orders) or integer
 * minor units (`unitPriceMinor`); it is only used for the MAP check (default: the catalog retail price).
 */
import * as z from 'zod';
import { expectedPostcodeFormat, isCountryCode, isValidPostcode, normalizeCountryCode, normalizePostcode, postcodeRule } from '../../kernel/address';
import { INELIGIBILITY_CODES } from '../../workflow/domain/routing-rules';
import { PRODUCT_REASON_CODES } from '../domain/availability';
import { DecimalString } from '../../kernel/schemas';
import { MAX_QUANTITY } from '../../orders/schemas/order';

export const MAX_AVAILABILITY_ITEMS = 50;

const Sku = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces')
  .meta({ description: 'Retailer SKU', examples: ['TSHIRT-BLK-M'] });

const Country = z
  .string()
  .trim()
  .transform(normalizeCountryCode)
  .pipe(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code'))
  .refine(isCountryCode, 'is not an assigned ISO 3166-1 alpha-2 country code')
  .meta({ description: 'Destination country, ISO 3166-1 alpha-2 (case-insensitive; UK is read as GB, EL as GR)', examples: ['DE'] });

const Postcode = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(16, 'must be at most 16 characters')
  .meta({ description: 'Optional; validated against the country when given', examples: ['10115'] });

const Quantity = z
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`);

function checkPostcode(value: { country: string; postcode?: string | undefined }, ctx: z.RefinementCtx): void {
  if (value.postcode === undefined || !isCountryCode(value.country)) return;
  if (!isValidPostcode(value.postcode, value.country)) {
    const rule = postcodeRule(value.country);
    const expected = rule === undefined ? '' : expectedPostcodeFormat(rule);
    ctx.addIssue({ code: 'custom', path: ['postcode'], message: `is not a valid postcode for ${value.country}${expected === '' ? '' : ` (expected ${expected})`}` });
  }
}

/** The destination with its postcode in the country's canonical form (`SW1A1AA` → `SW1A 1AA`). */
function canonical<T extends { country: string; postcode?: string | undefined }>(value: T): T {
  return value.postcode === undefined ? value : { ...value, postcode: normalizePostcode(value.postcode, value.country) };
}

export const AvailabilityDestination = z
  .strictObject({ country: Country, postcode: Postcode.optional() })
  .superRefine(checkPostcode)
  .transform(canonical)
  .meta({ description: 'Where the parcel would go. Zones are per country; the postcode is checked when given.' });
export type AvailabilityDestination = z.output<typeof AvailabilityDestination>;

/** GET query string (every value a string; unknown parameters refused). */
export const AvailabilityQuery = z
  .strictObject({
    sku: Sku,
    country: Country,
    postcode: Postcode.optional(),
    quantity: z
      .string()
      .regex(/^\d{1,4}$/, 'must be an integer from 1 to 999')
      .transform(Number)
      .pipe(Quantity)
      .optional()
      .meta({ description: `Units wanted (1-${MAX_QUANTITY}, default 1): the supplier choice and delivery window are for this quantity` }),
    unitPrice: DecimalString.optional().meta({
      description: "Retail unit price in the channel's currency, for the MAP check (default: the catalog retail price)",
      examples: ['19.99'],
    }),
  })
  .superRefine(checkPostcode);
export type AvailabilityQuery = z.output<typeof AvailabilityQuery>;

export const AvailabilityItemInput = z
  .strictObject({
    sku: Sku,
    quantity: Quantity.optional().meta({ description: `Units wanted (1-${MAX_QUANTITY}, default 1)` }),
    unitPrice: DecimalString.optional().meta({ description: "Retail unit price in the channel's currency (MAP check; default: catalog retail price)" }),
    unitPriceMinor: z.int('must be an integer').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER).optional().meta({
      description: 'The same price as integer minor units (cents); give unitPrice or unitPriceMinor, not both',
    }),
  })
  .superRefine((item, ctx) => {
    if (item.unitPrice !== undefined && item.unitPriceMinor !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['unitPriceMinor'], message: 'give unitPrice or unitPriceMinor, not both' });
    }
  });

export const AvailabilityRequest = z
  .strictObject({
    destination: AvailabilityDestination,
    items: z
      .array(AvailabilityItemInput)
      .min(1, 'must have at least 1 item')
      .max(MAX_AVAILABILITY_ITEMS, `must have at most ${MAX_AVAILABILITY_ITEMS} items`)
      .meta({ description: 'The cart: lines of the same SKU are added up' }),
  })
  .meta({ description: 'A cart to check before checkout' });
export type AvailabilityRequest = z.output<typeof AvailabilityRequest>;

// ------------------------------------------------------------------------------------ responses

const IsoDate = z.string().meta({ description: 'ISO date (YYYY-MM-DD)', examples: ['2026-12-01'] });

export const AvailabilityReason = z.object({
  code: z.enum([...INELIGIBILITY_CODES, ...PRODUCT_REASON_CODES]).meta({
    description:
      'Why (part of) the quantity cannot be sold: UNKNOWN_SKU, INACTIVE_SKU, NO_OFFER, INSUFFICIENT_STOCK, FEED_STALE (supplier feed older than its freshness SLA), SUPPLIER_NOT_ACTIVE (e.g. STALE), DISCONTINUED, NO_SHIPPING_ZONE, MAP_VIOLATION, CURRENCY_MISMATCH, ...',
  }),
  detail: z.string(),
});

export const DeliveryWindowResponse = z
  .object({
    earliest: IsoDate,
    latest: IsoDate,
    businessDaysMin: z.int().meta({ description: 'Business days from today to `earliest` (processing + transit)' }),
    businessDaysMax: z.int().meta({ description: 'Business days from today to `latest`' }),
  })
  .meta({ description: 'When everything would arrive (business days; cut-off and holidays as for orders)' });

export const ShipmentEstimateResponse = z.object({
  supplierId: z.string(),
  quantity: z.int(),
  shippingMethod: z.object({ code: z.string(), name: z.string() }),
  processingDays: z.int().meta({ description: "The supplier's processing time (business days)" }),
  transitDaysMin: z.int(),
  transitDaysMax: z.int(),
  shipBy: IsoDate,
  earliestDelivery: IsoDate,
  deliverBy: IsoDate,
});

export const SkuAvailabilityResponse = z.object({
  sku: z.string(),
  requestedQuantity: z.int(),
  sellableQuantity: z.int().meta({ description: 'Units that can be sold now across suppliers with a fresh feed, minus what orders hold (never negative)' }),
  available: z.boolean().meta({ description: 'sellableQuantity ≥ requestedQuantity' }),
  supplierId: z.string().optional().meta({ description: 'The supplier routing would choose (the first shipment if split); absent when nothing is sellable' }),
  shippingMethod: z.object({ code: z.string(), name: z.string() }).optional(),
  deliveryWindow: DeliveryWindowResponse.optional(),
  estimateQuantity: z.int().optional().meta({ description: 'The quantity the estimate is for: min(requested, sellable)' }),
  shipments: z.array(ShipmentEstimateResponse).optional().meta({ description: 'One per supplier when the quantity is split' }),
  reasons: z.array(AvailabilityReason).meta({ description: 'Empty when the requested quantity is available' }),
});
export type SkuAvailabilityResponse = z.output<typeof SkuAvailabilityResponse>;

const DestinationResponse = z.object({ country: z.string(), postcode: z.string().optional() });

export const AvailabilityResponse = SkuAvailabilityResponse.extend({
  destination: DestinationResponse,
  asOf: z.string().meta({ description: 'When this was computed (ISO timestamp): availability changes with every feed and order' }),
}).meta({ description: 'Availability and delivery estimate of one SKU' });
export type AvailabilityResponse = z.output<typeof AvailabilityResponse>;

export const CartAvailabilityResponse = z
  .object({
    destination: DestinationResponse,
    asOf: z.string(),
    allAvailable: z.boolean().meta({ description: 'Every SKU is available in the requested quantity' }),
    items: z.array(SkuAvailabilityResponse).meta({ description: 'One per distinct SKU, in first-seen order, with the cart total as requestedQuantity' }),
    cart: z
      .object({ shipments: z.array(ShipmentEstimateResponse), deliveryWindow: DeliveryWindowResponse })
      .optional()
      .meta({ description: 'The whole cart routed together (fewest shipments first), when everything is available' }),
  })
  .meta({ description: 'Availability of a cart' });
export type CartAvailabilityResponse = z.output<typeof CartAvailabilityResponse>;

/**
 * Storefront API: POST /orders request, the order response and the order view (GET /orders/{orderId}).
 */
import * as z from 'zod';
import { countryRuleIssues } from '../../kernel/address';
import { DECIMAL_PATTERN, decimalToMinor, expectedTotalMinor, isCurrencyCode, lineTotalMinor, minorToDecimal } from '../../kernel/money';
import { ACTORS } from '../../events/domain/events';
import { FULFILLMENT_STATUSES } from '../../workflow/domain/fulfillment-status';
import { HOLD_REASONS, ORDER_SOURCES, ORDER_STATUSES, PAYMENT_STATUSES } from '../domain/order';
import { CurrencyCode, DecimalString, OrderFlag, PhoneNumber, text } from '../../kernel/schemas';

export const MAX_LINES = 100;
export const MAX_QUANTITY = 999;

/** Printable, no control characters. */
const NO_CONTROL = /^[^\p{Cc}]*$/u;

export const AddressInput = z
  .strictObject({
    name: text(128).meta({ description: 'Recipient name' }),
    company: text(128).optional(),
    line1: text(128),
    line2: z.string().trim().max(128, 'must be at most 128 characters').optional(),
    city: text(64),
    region: z
      .string()
      .trim()
      .max(64, 'must be at most 64 characters')
      .optional()
      .meta({ description: 'State / province / territory code (e.g. CA, NSW). Required for US, CA, AU, BR, MX, IN.' }),
    postcode: z
      .string()
      .trim()
      .max(16, 'must be at most 16 characters')
      .optional()
      .meta({ description: 'Validated per country; required where the country has postcodes.' }),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code')
      .meta({ description: 'ISO 3166-1 alpha-2 (case-insensitive on input, returned upper case)', examples: ['DE'] }),
    phone: PhoneNumber.optional(),
  })
  .superRefine((address, ctx) => {
    if (!/^[A-Z]{2}$/.test(address.country)) return; // already reported by the field schema
    for (const issue of countryRuleIssues({ country: address.country, postcode: address.postcode ?? '', region: address.region })) {
      ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
    }
  });
export type AddressInput = z.output<typeof AddressInput>;

export const CustomerInput = z.strictObject({
  email: z.email('must be a valid email address').max(254, 'must be at most 254 characters'),
  phone: PhoneNumber.optional(),
  firstName: text(64).optional(),
  lastName: text(64).optional(),
});

export const OrderLineInput = z.strictObject({
  sku: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces')
    .meta({ description: 'Retailer SKU', examples: ['TSHIRT-BLK-M'] }),
  quantity: z
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
  unitPrice: DecimalString,
  title: text(256).optional(),
});

export const TotalsInput = z.strictObject({
  subtotal: DecimalString.meta({ description: 'Sum of quantity x unitPrice over lines' }),
  shipping: DecimalString,
  tax: DecimalString,
  discount: DecimalString.optional().meta({ description: 'Order-level discount, subtracted; default "0"' }),
  total: DecimalString.meta({ description: 'subtotal + shipping + tax - discount (tax not added when taxIncluded)' }),
  taxIncluded: z.boolean().optional().meta({ description: 'Prices already include tax (EU style); default false' }),
});

export const PaymentInput = z.strictObject({
  reference: text(128).meta({ description: 'Payment gateway reference (charge / transaction id)' }),
  status: z.enum(PAYMENT_STATUSES),
  gateway: text(64).optional(),
});

/** Each money field and its path, for per-currency checks. */
function moneyFields(request: {
  lines: readonly { unitPrice: string }[];
  totals: { subtotal: string; shipping: string; tax: string; discount?: string | undefined; total: string };
}): { path: (string | number)[]; value: string }[] {
  const fields: { path: (string | number)[]; value: string }[] = request.lines.map((line, index) => ({
    path: ['lines', index, 'unitPrice'],
    value: line.unitPrice,
  }));
  for (const key of ['subtotal', 'shipping', 'tax', 'discount', 'total'] as const) {
    const value = request.totals[key];
    if (value !== undefined) fields.push({ path: ['totals', key], value });
  }
  return fields;
}

export const CreateOrderRequest = z
  .strictObject({
    channel: z
      .string()
      .optional()
      .meta({ description: 'Optional. The channel comes from the API key; a different value here is a 403.' }),
    externalOrderId: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters')
      .regex(NO_CONTROL, 'must not contain control characters')
      .meta({ description: "The storefront's own order id; one order per externalOrderId per channel", examples: ['1001'] }),
    customer: CustomerInput,
    shippingAddress: AddressInput,
    billingAddress: AddressInput.optional(),
    lines: z
      .array(OrderLineInput)
      .min(1, 'must have at least 1 line')
      .max(MAX_LINES, `must have at most ${MAX_LINES} lines`),
    currency: CurrencyCode,
    totals: TotalsInput,
    payment: PaymentInput,
  })
  .superRefine((request, ctx) => {
    // Only check arithmetic when every input it needs is individually valid (those issues are reported already).
    if (!isCurrencyCode(request.currency)) return;
    if (request.lines.length === 0 || request.lines.length > MAX_LINES) return;
    const fields = moneyFields(request);
    if (fields.some((field) => typeof field.value !== 'string' || !DECIMAL_PATTERN.test(field.value))) return;
    let exact = true;
    for (const field of fields) {
      const parsed = decimalToMinor(field.value, request.currency);
      if (!parsed.ok) {
        exact = false;
        ctx.addIssue({ code: 'custom', path: field.path, message: parsed.message });
      }
    }
    if (!exact) return;
    if (request.lines.some((line) => line.quantity < 1 || line.quantity > MAX_QUANTITY)) return;
    const minor = (value: string): number => {
      const parsed = decimalToMinor(value, request.currency);
      return parsed.ok ? parsed.minor : 0;
    };
    const lineSum = lineTotalMinor(request.lines.map((line) => ({ quantity: line.quantity, unitPriceMinor: minor(line.unitPrice) })));
    const subtotalMinor = minor(request.totals.subtotal);
    if (lineSum !== BigInt(subtotalMinor)) {
      const expected = lineSum <= BigInt(Number.MAX_SAFE_INTEGER) ? minorToDecimal(Number(lineSum), request.currency) : String(lineSum);
      ctx.addIssue({ code: 'custom', path: ['totals', 'subtotal'], message: `must equal the sum of quantity x unitPrice over lines (${expected})` });
      return;
    }
    const expectedTotal = expectedTotalMinor({
      subtotalMinor,
      shippingMinor: minor(request.totals.shipping),
      taxMinor: minor(request.totals.tax),
      discountMinor: minor(request.totals.discount ?? '0'),
      taxIncluded: request.totals.taxIncluded,
    });
    if (expectedTotal < 0) {
      ctx.addIssue({ code: 'custom', path: ['totals', 'discount'], message: 'must not exceed subtotal + shipping' });
    } else if (expectedTotal !== minor(request.totals.total)) {
      const formula = request.totals.taxIncluded === true ? 'subtotal + shipping - discount' : 'subtotal + shipping + tax - discount';
      ctx.addIssue({
        code: 'custom',
        path: ['totals', 'total'],
        message: `must equal ${formula} (${minorToDecimal(expectedTotal, request.currency)})`,
      });
    }
  })
  .meta({ description: 'A storefront order. Money is decimal strings; totals must add up.' });
export type CreateOrderRequest = z.output<typeof CreateOrderRequest>;

// ---------------------------------------------------------------- responses

export const Address = z.object({
  name: z.string(),
  company: z.string().optional(),
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  region: z.string().optional(),
  postcode: z.string(),
  country: z.string(),
  phone: z.string().optional(),
});

export const OrderLine = z.object({
  lineNo: z.int().meta({ description: '1-based, stable for the life of the order' }),
  sku: z.string(),
  title: z.string().optional(),
  quantity: z.int(),
  unitPrice: DecimalString,
  externalLineId: z.string().optional().meta({ description: 'Storefront line id (Shopify line item id, exact decimal string)' }),
});

export const OrderTotals = z.object({
  subtotal: DecimalString,
  shipping: DecimalString,
  tax: DecimalString,
  discount: DecimalString,
  total: DecimalString,
  taxIncluded: z.boolean(),
});

export const Order = z
  .object({
    orderId: z.string().meta({ examples: ['ord_3q9x0c1m2k4v6b8n0p2r4t6w8y'] }),
    status: z.enum(ORDER_STATUSES),
    holdReason: z.enum(HOLD_REASONS).optional(),
    addressIssues: z
      .array(z.object({ field: z.string(), code: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Held INCORRECT_ADDRESS: what to correct (POST /orders/{orderId}/address), field and code, never the value' }),
    channelId: z.string(),
    externalOrderId: z.string(),
    externalOrderName: z.string().optional(),
    source: z.enum(ORDER_SOURCES),
    currency: z.string(),
    customer: z.object({
      email: z.string(),
      phone: z.string().optional(),
      firstName: z.string().optional(),
      lastName: z.string().optional(),
    }),
    shippingAddress: Address,
    billingAddress: Address.optional(),
    lines: z.array(OrderLine),
    totals: OrderTotals,
    payment: z.object({ reference: z.string(), status: z.enum(PAYMENT_STATUSES), gateway: z.string().optional() }),
    flags: z.array(OrderFlag).meta({ description: 'Problems recorded on the order instead of a 4xx (mostly from webhooks)' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ description: 'An order as returned by the API (money as decimal strings).' });
export type OrderResponse = z.infer<typeof Order>;

export const TimelineEntry = z.object({
  at: z.iso.datetime(),
  actor: z.enum(ACTORS),
  actorId: z.string().optional().meta({ description: 'Who exactly (ops actions: the operator\'s IAM identity, e.g. arn:aws:sts::123456789012:assumed-role/Operator/jane)' }),
  type: z.string().meta({ examples: ['OrderValidated'] }),
  message: z.string(),
});

export const FulfillmentDocumentsView = z
  .object({
    packingSlipKey: z.string().optional().meta({ description: 'The packing slip PDF (every supplier)', examples: ['suppliers/nordic-home/outbox/packing-slips/ful_3q9x0c1m2k4v6b8n0p2r4t6w8y_01.pdf'] }),
    purchaseOrderKey: z.string().optional().meta({ description: 'The purchase-order file (suppliers that work with files)' }),
    cancellationKey: z.string().optional().meta({ description: 'The cancellation file (suppliers that work with files)' }),
  })
  .meta({ description: 'Documents published to the supplier: object keys in the supplier files bucket (docs/supplier-files.md)' });

export const FulfillmentView = z
  .object({
    fulfillmentId: z.string().meta({ examples: ['ful_3q9x0c1m2k4v6b8n0p2r4t6w8y_01'] }),
    supplierId: z.string(),
    status: z.enum(FULFILLMENT_STATUSES),
    lines: z.array(z.object({ lineNo: z.int(), quantity: z.int() })).meta({ description: 'Order lines (and quantities) this fulfillment ships' }),
    documents: FulfillmentDocumentsView,
  })
  .meta({ description: 'One supplier purchase order of the order (a reroute adds another).' });

export const OrderView = Order.extend({
  timeline: z.array(TimelineEntry).meta({ description: 'Who did what and when, oldest first' }),
  fulfillments: z.array(FulfillmentView).meta({ description: 'Purchase orders sent to suppliers, oldest first (empty until the order is routed)' }),
  cancelledLines: z
    .array(z.object({ lineNo: z.int(), quantity: z.int() }))
    .meta({ description: 'Units cancelled so far per line (customer or platform cancellation, no supplier could serve them, never shipped); empty when none' }),
  refundRequested: z.string().optional().meta({ description: 'Total refund requested so far for cancelled units, as a decimal string in the order currency' }),
}).meta({ description: 'An order with its timeline and fulfillments (GET /orders/{orderId}).' });
export type OrderViewResponse = z.infer<typeof OrderView>;
export type FulfillmentViewResponse = z.infer<typeof FulfillmentView>;

/** Answer of POST /orders/{orderId}/address. */
export const ChangeAddressResponse = z
  .object({
    orderId: z.string(),
    status: z.enum(ORDER_STATUSES),
    changed: z.boolean().meta({ description: 'false: the order already had this address (a repeat changes nothing)' }),
    stage: z.enum(['BEFORE_DISPATCH', 'DISPATCHED']).meta({ description: 'DISPATCHED: the supplier had the order; its purchase order was amended (PURCHASE_ORDER_AMENDED)' }),
    releasedHold: z.boolean().meta({ description: 'The order was held INCORRECT_ADDRESS and is validated again' }),
    amendedFulfillments: z.array(z.string()).meta({ description: 'Fulfillments whose purchase order was amended' }),
    resumed: z.boolean().meta({ description: 'Whether the waiting workflow was resumed now (otherwise it resumes itself)' }),
  })
  .meta({ description: 'The shipping address change (POST /orders/{orderId}/address).' });

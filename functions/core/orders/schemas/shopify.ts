/**
 * Shopify `orders/create` webhook payload, as Shopify publishes it (REST Admin API Order resource).
 * Only the fields the pipeline reads are declared; every object is loose (Shopify adds fields often).
 *
 * Shopify ids are 64-bit integers: the raw body is parsed with lossless-json (parseShopifyJson), which
 * keeps any number that would lose precision as its exact decimal text. ShopifyId accepts both and
 * always yields the exact decimal string.
 */
import { isInteger, isSafeNumber, parse } from 'lossless-json';
import * as z from 'zod';
import { Issue, OrderFlag } from '../../kernel/schemas';

/**
 * Parse JSON without losing digits: integers that fit in a double stay numbers, any other number
 * (64-bit ids, long decimals) becomes its exact decimal text. Throws SyntaxError on malformed JSON.
 */
export function parseShopifyJson(text: string): unknown {
  return parse(text, null, (value: string) => (isInteger(value) && isSafeNumber(value) ? Number(value) : value));
}

export const ShopifyId = z
  .union([z.string().regex(/^\d{1,20}$/, 'must be a positive integer id'), z.int().nonnegative()])
  .transform((value) => String(value))
  .meta({ description: 'Shopify 64-bit integer id (JSON number); handled as an exact decimal string', examples: [450789469] });

/** Shopify sends money as decimal strings ("19.99"); a bare JSON number is accepted too. */
const ShopifyMoney = z.union([z.string().max(32, 'must be at most 32 characters'), z.number()]).transform((value) => String(value));

/**
 * Caps on every string the pipeline keeps, as POST /orders has them: an authentic webhook with an
 * oversized value is recorded for operators with the field named (202), never a 500 from a DynamoDB
 * key or item limit. Free text that only labels (titles) is cut instead of refused.
 */
const capped = (max: number) => z.string().max(max, `must be at most ${max} characters`).nullish();
const label = (max: number) =>
  z
    .string()
    .nullish()
    .transform((value) => (typeof value === 'string' ? value.slice(0, max) : value));
const nullableString = capped(255);
/** Same caps as POST /orders (MAX_LINES lines, MAX_QUANTITY units per line, SKU ≤ 64). */
export const SHOPIFY_MAX_LINES = 100;
export const SHOPIFY_MAX_QUANTITY = 999;

export const ShopifyAddress = z.looseObject({
  first_name: capped(64),
  last_name: capped(64),
  name: capped(128),
  company: capped(128),
  address1: capped(128),
  address2: capped(128),
  city: capped(64),
  province: capped(64),
  province_code: capped(16),
  zip: capped(16),
  country: capped(64),
  country_code: capped(8),
  phone: capped(32),
});
export type ShopifyAddress = z.output<typeof ShopifyAddress>;

export const ShopifyLineItem = z.looseObject({
  id: ShopifyId,
  variant_id: ShopifyId.nullish(),
  product_id: ShopifyId.nullish(),
  sku: capped(64),
  title: label(256),
  name: label(256),
  quantity: z.int().min(1, 'must be at least 1').max(SHOPIFY_MAX_QUANTITY, `must be at most ${SHOPIFY_MAX_QUANTITY}`),
  price: ShopifyMoney,
});

const ShopifyMoneySet = z.looseObject({
  shop_money: z.looseObject({ amount: ShopifyMoney, currency_code: z.string().max(8) }),
});

export const ShopifyCustomer = z.looseObject({
  id: ShopifyId.nullish(),
  email: capped(254),
  phone: capped(32),
  first_name: capped(64),
  last_name: capped(64),
});

export const ShopifyOrderWebhook = z
  .looseObject({
    id: ShopifyId,
    name: capped(64).meta({ examples: ['#1001'] }),
    order_number: z.int().nullish(),
    email: capped(254),
    contact_email: capped(254),
    phone: capped(32),
    currency: z.string().max(8, 'must be at most 8 characters').meta({ description: 'Shop currency (ISO 4217)' }),
    financial_status: capped(32).meta({
      description: 'pending | authorized | partially_paid | paid | partially_refunded | refunded | voided | expired',
    }),
    cancelled_at: capped(40),
    cancel_reason: capped(64),
    test: z.boolean().nullish(),
    taxes_included: z.boolean().nullish(),
    confirmation_number: capped(128),
    token: capped(128),
    gateway: capped(64),
    payment_gateway_names: z.array(z.string().max(64, 'must be at most 64 characters')).max(20).nullish(),
    line_items: z.array(ShopifyLineItem).max(SHOPIFY_MAX_LINES, `must have at most ${SHOPIFY_MAX_LINES} lines`),
    shipping_address: ShopifyAddress.nullish(),
    billing_address: ShopifyAddress.nullish(),
    customer: ShopifyCustomer.nullish(),
    total_price: ShopifyMoney,
    subtotal_price: ShopifyMoney.nullish(),
    total_line_items_price: ShopifyMoney.nullish(),
    total_tax: ShopifyMoney.nullish(),
    total_discounts: ShopifyMoney.nullish(),
    total_shipping_price_set: ShopifyMoneySet.nullish(),
    created_at: capped(40),
    updated_at: capped(40),
  })
  .meta({ description: 'Shopify orders/create webhook body (Order resource); unknown fields are ignored.' });
export type ShopifyOrderWebhook = z.output<typeof ShopifyOrderWebhook>;

/**
 * The part of an Order resource that orders/updated, orders/paid and orders/cancelled change here:
 * lenient (nothing else is required), capped like the create payload.
 */
export const ShopifyOrderChange = z.looseObject({
  id: ShopifyId,
  updated_at: capped(40),
  financial_status: capped(32),
  cancelled_at: capped(40),
  cancel_reason: capped(64),
  shipping_address: ShopifyAddress.nullish(),
});
export type ShopifyOrderChange = z.output<typeof ShopifyOrderChange>;

/** refunds/create (Refund resource): the lines refunded and the money moved. */
export const ShopifyRefundWebhook = z.looseObject({
  id: ShopifyId,
  order_id: ShopifyId,
  created_at: capped(40),
  refund_line_items: z
    .array(
      z.looseObject({
        line_item_id: ShopifyId,
        quantity: z.int().min(0).max(SHOPIFY_MAX_QUANTITY, `must be at most ${SHOPIFY_MAX_QUANTITY}`),
        restock_type: capped(32),
      }),
    )
    .max(500, 'must have at most 500 lines'),
  transactions: z
    .array(z.looseObject({ kind: capped(32), status: capped(32), amount: ShopifyMoney.nullish(), currency: capped(8) }))
    .max(100)
    .nullish(),
});
export type ShopifyRefundWebhook = z.output<typeof ShopifyRefundWebhook>;

export const WEBHOOK_RESULTS = ['created', 'duplicate', 'rejected', 'updated', 'unchanged', 'cancellation', 'refund', 'ignored'] as const;

export const WebhookAck = z
  .object({
    result: z.enum(WEBHOOK_RESULTS).meta({
      description:
        'created (201): a new order; duplicate (200): this delivery or this order was already received; rejected (202): authentic but unmappable, kept for operators; ' +
        'updated (200): an order change was applied (payment, shipping address); unchanged (200): nothing to change, or older than what the order reflects; ' +
        'cancellation (200): the cancellation flow ran (see cancellation); refund (200): the refund was recorded; ignored (200): a topic or an order the pipeline does not handle, recorded for operators, never an order',
    }),
    changes: z.array(z.string()).optional().meta({ description: 'What an update changed (payment, shippingAddress)' }),
    cancellation: z
      .object({ status: z.string(), reason: z.string().optional() })
      .optional()
      .meta({ description: 'Outcome of the cancellation flow (CANCELLED, CANCELLATION_REQUESTED, NOT_CANCELLABLE)' }),
    orderId: z.string().optional(),
    flags: z.array(OrderFlag).optional().meta({ description: 'Business problems recorded on the order (created only)' }),
    issues: z.array(Issue).optional().meta({ description: 'Why the webhook could not be mapped (rejected only)' }),
  })
  .meta({ description: 'Acknowledgement of a webhook delivery (always 2xx for an authentic, parseable body).' });
export type WebhookAck = z.infer<typeof WebhookAck>;

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
const ShopifyMoney = z.union([z.string(), z.number()]).transform((value) => String(value));

const nullableString = z.string().nullish();

export const ShopifyAddress = z.looseObject({
  first_name: nullableString,
  last_name: nullableString,
  name: nullableString,
  company: nullableString,
  address1: nullableString,
  address2: nullableString,
  city: nullableString,
  province: nullableString,
  province_code: nullableString,
  zip: nullableString,
  country: nullableString,
  country_code: nullableString,
  phone: nullableString,
});
export type ShopifyAddress = z.output<typeof ShopifyAddress>;

export const ShopifyLineItem = z.looseObject({
  id: ShopifyId,
  variant_id: ShopifyId.nullish(),
  product_id: ShopifyId.nullish(),
  sku: nullableString,
  title: nullableString,
  name: nullableString,
  quantity: z.int().min(1, 'must be at least 1'),
  price: ShopifyMoney,
});

const ShopifyMoneySet = z.looseObject({
  shop_money: z.looseObject({ amount: ShopifyMoney, currency_code: z.string() }),
});

export const ShopifyCustomer = z.looseObject({
  id: ShopifyId.nullish(),
  email: nullableString,
  phone: nullableString,
  first_name: nullableString,
  last_name: nullableString,
});

export const ShopifyOrderWebhook = z
  .looseObject({
    id: ShopifyId,
    name: nullableString.meta({ examples: ['#1001'] }),
    order_number: z.int().nullish(),
    email: nullableString,
    contact_email: nullableString,
    phone: nullableString,
    currency: z.string().meta({ description: 'Shop currency (ISO 4217)' }),
    financial_status: nullableString.meta({
      description: 'pending | authorized | partially_paid | paid | partially_refunded | refunded | voided | expired',
    }),
    cancelled_at: nullableString,
    cancel_reason: nullableString,
    test: z.boolean().nullish(),
    taxes_included: z.boolean().nullish(),
    confirmation_number: nullableString,
    token: nullableString,
    gateway: nullableString,
    payment_gateway_names: z.array(z.string()).nullish(),
    line_items: z.array(ShopifyLineItem),
    shipping_address: ShopifyAddress.nullish(),
    billing_address: ShopifyAddress.nullish(),
    customer: ShopifyCustomer.nullish(),
    total_price: ShopifyMoney,
    subtotal_price: ShopifyMoney.nullish(),
    total_line_items_price: ShopifyMoney.nullish(),
    total_tax: ShopifyMoney.nullish(),
    total_discounts: ShopifyMoney.nullish(),
    total_shipping_price_set: ShopifyMoneySet.nullish(),
    created_at: nullableString,
  })
  .meta({ description: 'Shopify orders/create webhook body (Order resource); unknown fields are ignored.' });
export type ShopifyOrderWebhook = z.output<typeof ShopifyOrderWebhook>;

export const WebhookAck = z
  .object({
    result: z.enum(['created', 'duplicate', 'rejected']).meta({
      description:
        'created (201): a new order; duplicate (200): this delivery or this Shopify order was already received; rejected (202): authentic but unmappable, kept for operators',
    }),
    orderId: z.string().optional(),
    flags: z.array(OrderFlag).optional().meta({ description: 'Business problems recorded on the order (created only)' }),
    issues: z.array(Issue).optional().meta({ description: 'Why the webhook could not be mapped (rejected only)' }),
  })
  .meta({ description: 'Acknowledgement of a webhook delivery (always 2xx for an authentic, parseable body).' });
export type WebhookAck = z.infer<typeof WebhookAck>;

/**
 * WooCommerce webhooks (topics order.created / order.updated): the body is the REST API v3 Order
 * resource (`GET /wp-json/wc/v3/orders/{id}`). Only the fields the pipeline reads are declared; objects
 * are loose (plugins add fields). Strings are capped like POST /orders: an oversized value is recorded
 * for operators with the field named (202), never a 500.
 */
import * as z from 'zod';

const capped = (max: number) => z.string().max(max, `must be at most ${max} characters`).nullish();
const label = (max: number) =>
  z
    .string()
    .nullish()
    .transform((value) => (typeof value === 'string' ? value.slice(0, max) : value));
/** WooCommerce money: decimal strings ("29.35"); numbers accepted too. */
const WooMoney = z.union([z.string().max(32, 'must be at most 32 characters'), z.number()]).transform((value) => String(value));
const WooId = z.int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const WOO_MAX_LINES = 100;
export const WOO_MAX_QUANTITY = 999;

/** Order statuses WooCommerce core defines (plugins may add more: kept as strings). */
export const WOO_ORDER_STATUSES = ['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'trash', 'checkout-draft'] as const;

export const WooAddress = z.looseObject({
  first_name: capped(64),
  last_name: capped(64),
  company: capped(128),
  address_1: capped(128),
  address_2: capped(128),
  city: capped(64),
  state: capped(64),
  postcode: capped(16),
  country: capped(8),
  email: capped(254),
  phone: capped(32),
});
export type WooAddress = z.output<typeof WooAddress>;

export const WooLineItem = z.looseObject({
  id: WooId,
  name: label(256),
  product_id: WooId.nullish(),
  variation_id: WooId.nullish(),
  quantity: z.int().min(1, 'must be at least 1').max(WOO_MAX_QUANTITY, `must be at most ${WOO_MAX_QUANTITY}`),
  subtotal: WooMoney.meta({ description: 'Line price before discounts (quantity × unit price), excluding tax' }),
  total: WooMoney.nullish(),
  sku: capped(64),
});

export const WooOrderWebhook = z
  .looseObject({
    id: WooId,
    number: z.union([z.string().max(64, 'must be at most 64 characters'), z.number()]).nullish(),
    order_key: capped(64),
    status: z.string().max(32, 'must be at most 32 characters'),
    currency: z.string().max(8, 'must be at most 8 characters'),
    date_created_gmt: capped(40),
    date_modified_gmt: capped(40),
    date_paid_gmt: capped(40),
    discount_total: WooMoney.nullish(),
    shipping_total: WooMoney.nullish(),
    total: WooMoney,
    total_tax: WooMoney.nullish(),
    prices_include_tax: z.boolean().nullish(),
    billing: WooAddress.nullish(),
    shipping: WooAddress.nullish(),
    payment_method: capped(64),
    transaction_id: capped(128),
    line_items: z.array(WooLineItem).max(WOO_MAX_LINES, `must have at most ${WOO_MAX_LINES} lines`),
    refunds: z
      .array(z.looseObject({ id: WooId, reason: label(256), total: WooMoney.nullish() }))
      .max(100)
      .nullish(),
  })
  .meta({ description: 'WooCommerce order.created / order.updated webhook body (REST API v3 Order); unknown fields are ignored.' });
export type WooOrderWebhook = z.output<typeof WooOrderWebhook>;

/** The form-encoded ping WooCommerce sends when a webhook is saved: `webhook_id=<id>`. */
export const WOO_PING_PATTERN = /^webhook_id=\d{1,20}$/;

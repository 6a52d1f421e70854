/**
 * WooCommerce REST v3 order (webhook body) → the pipeline's order model, like shopify-mapping.ts. Pure.
 * Unmappable (no shipping address / country, no lines, unknown currency, bad money) → `{ ok: false }`;
 * business problems (unpaid, cancelled, line without SKU, totals) → flags on the order.
 *
 * Money: WooCommerce line `subtotal` is quantity × unit price before discounts, excluding tax; the order
 * `total` = Σ subtotal − discount_total + shipping_total + total_tax, so totals map with taxIncluded false.
 */
import { countryRuleIssues, isCountryCode, normalizeAddress, normalizeCountryCode } from '../../kernel/address';
import { expectedTotalMinor, lineTotalMinor } from '../../kernel/money';
import type { Address } from '../../kernel/values';
import type { FieldIssue } from '../../kernel/errors';
import { platformMoney, present } from './platform-fields';
import type { Order, OrderFlag, OrderLine, PaymentStatus } from '../domain/order';
import type { WooAddress, WooOrderWebhook } from '../schemas/woocommerce';
import type { ShopifyMappingContext, ShopifyMappingResult } from './shopify-mapping';

export type WooMappingResult = ShopifyMappingResult;
export type WooMappingContext = ShopifyMappingContext;

/** WooCommerce order status → payment status; `unpaid` statuses are flagged UNPAID (the workflow holds them). */
export const WOO_STATUS_PAYMENT: Readonly<Record<string, { readonly status: PaymentStatus; readonly unpaid: boolean }>> = {
  processing: { status: 'paid', unpaid: false },
  completed: { status: 'paid', unpaid: false },
  'on-hold': { status: 'pending', unpaid: true },
  pending: { status: 'pending', unpaid: true },
  'checkout-draft': { status: 'pending', unpaid: true },
  failed: { status: 'pending', unpaid: true },
  cancelled: { status: 'voided', unpaid: true },
  refunded: { status: 'refunded', unpaid: true },
  trash: { status: 'voided', unpaid: true },
};

/** WooCommerce `*_gmt` timestamps have no zone designator: they are UTC. */
export function wooInstant(value: string | null | undefined): string | undefined {
  const text = present(value);
  if (text === undefined) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function mapWooAddress(source: WooAddress, path: string, issues: FieldIssue[]): Address | undefined {
  const cc = present(source.country);
  const country = cc === undefined ? undefined : normalizeCountryCode(cc);
  const line1 = present(source.address_1);
  const city = present(source.city);
  if (country === undefined || !isCountryCode(country)) issues.push({ path: `${path}.country`, message: 'must be an ISO 3166-1 alpha-2 country code' });
  if (line1 === undefined) issues.push({ path: `${path}.address_1`, message: 'is required' });
  if (city === undefined) issues.push({ path: `${path}.city`, message: 'is required' });
  if (country === undefined || !isCountryCode(country) || line1 === undefined || city === undefined) return undefined;
  return normalizeAddress({
    name: [present(source.first_name), present(source.last_name)].filter((part) => part !== undefined).join(' '),
    company: present(source.company),
    line1,
    line2: present(source.address_2),
    city,
    region: present(source.state),
    postcode: present(source.postcode) ?? '',
    country,
    phone: present(source.phone),
  });
}

// Long: a field-by-field mapping of the WooCommerce order; each block is one field group.
export function mapWooOrder(payload: WooOrderWebhook, ctx: WooMappingContext): WooMappingResult {
  const issues: FieldIssue[] = [];
  const flags: OrderFlag[] = [];
  const { currency, money } = platformMoney(payload.currency, issues);

  // WooCommerce fills `shipping` with empty strings when the order ships nowhere (virtual products).
  const shippingSource = payload.shipping ?? undefined;
  let shippingAddress: Address | undefined;
  if (shippingSource === undefined || (present(shippingSource.address_1) === undefined && present(shippingSource.country) === undefined)) {
    issues.push({ path: 'shipping', message: 'is required: the order has nothing to ship to' });
  } else {
    shippingAddress = mapWooAddress(shippingSource, 'shipping', issues);
  }
  const billingIssues: FieldIssue[] = [];
  const billingAddress = payload.billing === null || payload.billing === undefined ? undefined : mapWooAddress(payload.billing, 'billing', billingIssues);

  if (payload.line_items.length === 0) issues.push({ path: 'line_items', message: 'must have at least 1 line' });
  const lines: OrderLine[] = payload.line_items.map((item, index) => {
    const lineNo = index + 1;
    const sku = present(item.sku) ?? '';
    if (sku === '') flags.push({ code: 'LINE_WITHOUT_SKU', message: 'Line item has no SKU: it cannot be routed to a supplier', lineNo });
    const subtotal = money(item.subtotal, `line_items.${index}.subtotal`);
    // A subtotal that does not split evenly (tax-inclusive prices rounded ex tax) is rounded per unit;
    // the totals check flags the order when that no longer adds up.
    return { lineNo, sku, title: present(item.name), quantity: item.quantity, unitPriceMinor: Math.round(subtotal / item.quantity), externalLineId: String(item.id) };
  });
  const totals = {
    subtotalMinor: Number(lineTotalMinor(lines)),
    shippingMinor: money(payload.shipping_total ?? '0', 'shipping_total'),
    taxMinor: money(payload.total_tax ?? '0', 'total_tax'),
    discountMinor: money(payload.discount_total ?? '0', 'discount_total'),
    totalMinor: money(payload.total, 'total'),
    taxIncluded: false,
  };
  if (issues.length > 0 || shippingAddress === undefined) return { ok: false, issues };

  if (expectedTotalMinor(totals) !== totals.totalMinor) {
    flags.push({ code: 'TOTALS_MISMATCH', message: 'Line subtotals, shipping, tax and discounts do not add up to the order total' });
  }
  for (const issue of countryRuleIssues(shippingAddress)) flags.push({ code: 'ADDRESS_INVALID', message: `Shipping address ${issue.path} ${issue.message}` });
  if (shippingAddress.name === '') flags.push({ code: 'ADDRESS_INVALID', message: 'Shipping address name is missing' });
  if (billingIssues.length > 0 && present(payload.billing?.address_1) !== undefined) flags.push({ code: 'ADDRESS_INVALID', message: 'Billing address is incomplete; ignored' });

  const status = payload.status.trim().toLowerCase();
  const payment = WOO_STATUS_PAYMENT[status];
  if (payment === undefined || payment.unpaid) flags.push({ code: 'UNPAID', message: `WooCommerce status is ${status.slice(0, 32)}` });
  if (status === 'cancelled' || status === 'trash') flags.push({ code: 'CANCELLED_AT_SOURCE', message: 'Cancelled in WooCommerce' });
  if (currency !== ctx.channelCurrency) flags.push({ code: 'CURRENCY_MISMATCH', message: `Order currency ${currency} differs from channel currency ${ctx.channelCurrency}` });
  const email = present(payload.billing?.email);
  if (email === undefined) flags.push({ code: 'MISSING_EMAIL', message: 'No customer email: notifications cannot be sent' });

  const at = ctx.now.toISOString();
  const number = payload.number === null || payload.number === undefined ? undefined : String(payload.number);
  const order: Order = {
    orderId: ctx.orderId,
    channelId: ctx.channelId,
    externalOrderId: String(payload.id),
    externalOrderName: number === undefined ? undefined : `#${number}`,
    source: 'woocommerce',
    status: 'RECEIVED',
    currency,
    customer: {
      email: email?.toLowerCase() ?? '',
      phone: present(payload.billing?.phone) ?? present(payload.shipping?.phone),
      firstName: present(payload.billing?.first_name),
      lastName: present(payload.billing?.last_name),
    },
    shippingAddress,
    billingAddress,
    lines,
    totals,
    payment: {
      reference: present(payload.transaction_id) ?? present(payload.order_key) ?? String(payload.id),
      status: payment?.status ?? 'pending',
      gateway: present(payload.payment_method),
    },
    flags,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  return { ok: true, order };
}

/**
 * Shopify order (webhook payload) → the pipeline's order model. Pure.
 *
 * Two kinds of problems:
 * - the payload cannot become an order at all (no shipping address or country, no lines, unknown
 *   currency, unparseable money): `{ ok: false, issues }` → the webhook is acknowledged with 202 and
 *   kept as a rejected-webhook record for operators;
 * - business problems (cancelled, unpaid, line without SKU, odd address, totals that do not add up):
 *   recorded as `flags` on the order, which is created anyway (Shopify must get a fast 2xx).
 */
import { countryRuleIssues, isCountryCode, normalizeAddress, normalizeCountryCode } from '../../kernel/address';
import { expectedTotalMinor, lineTotalMinor } from '../../kernel/money';
import type { Address } from '../../kernel/values';
import type { Order, OrderFlag, OrderLine, PaymentStatus } from '../domain/order';
import type { FieldIssue } from '../../kernel/errors';
import { platformMoney, present } from './platform-fields';
import type { ShopifyAddress, ShopifyOrderWebhook } from '../schemas/shopify';

export type ShopifyMappingResult = { readonly ok: true; readonly order: Order } | { readonly ok: false; readonly issues: readonly FieldIssue[] };

export interface ShopifyMappingContext {
  readonly channelId: string;
  readonly channelCurrency: string;
  readonly orderId: string;
  readonly now: Date;
}

/** Shopify financial_status → payment status; statuses meaning "money not (or no longer) taken" are flagged UNPAID. */
const FINANCIAL_STATUS: Record<string, { status: PaymentStatus; unpaid: boolean }> = {
  paid: { status: 'paid', unpaid: false },
  authorized: { status: 'authorized', unpaid: false },
  partially_refunded: { status: 'paid', unpaid: false },
  pending: { status: 'pending', unpaid: true },
  partially_paid: { status: 'partially_paid', unpaid: true },
  refunded: { status: 'refunded', unpaid: true },
  voided: { status: 'voided', unpaid: true },
  expired: { status: 'voided', unpaid: true },
};

export function mapAddress(source: ShopifyAddress, path: string, issues: FieldIssue[]): Address | undefined {
  // Customers' and platforms' spellings: `uk` is GB, `EL` is GR (normalizeCountryCode).
  const cc = present(source.country_code);
  const country = cc === undefined ? undefined : normalizeCountryCode(cc);
  const line1 = present(source.address1);
  const city = present(source.city);
  if (country === undefined || !isCountryCode(country)) issues.push({ path: `${path}.country_code`, message: 'must be an ISO 3166-1 alpha-2 country code' });
  if (line1 === undefined) issues.push({ path: `${path}.address1`, message: 'is required' });
  if (city === undefined) issues.push({ path: `${path}.city`, message: 'is required' });
  if (country === undefined || !isCountryCode(country) || line1 === undefined || city === undefined) return undefined;
  const name = present(source.name) ?? [present(source.first_name), present(source.last_name)].filter((part) => part !== undefined).join(' ');
  return normalizeAddress({
    name,
    company: present(source.company),
    line1,
    line2: present(source.address2),
    city,
    region: present(source.province_code) ?? present(source.province),
    postcode: present(source.zip) ?? '',
    country,
    phone: present(source.phone),
  });
}

/** The address as given, missing parts empty (validation names them; the order is held for a correction). */
function correctableAddress(source: ShopifyAddress): Address {
  const cc = present(source.country_code);
  return normalizeAddress({
    name: present(source.name) ?? [present(source.first_name), present(source.last_name)].filter((part) => part !== undefined).join(' '),
    company: present(source.company),
    line1: present(source.address1) ?? '',
    line2: present(source.address2),
    city: present(source.city) ?? '',
    region: present(source.province_code) ?? present(source.province),
    postcode: present(source.zip) ?? '',
    country: cc === undefined ? '' : normalizeCountryCode(cc),
    phone: present(source.phone),
  });
}

// Long: a field-by-field mapping of the Shopify payload; each block is one field group.
export function mapShopifyOrder(payload: ShopifyOrderWebhook, ctx: ShopifyMappingContext): ShopifyMappingResult {
  const issues: FieldIssue[] = [];
  const flags: OrderFlag[] = [];
  const { currency, money } = platformMoney(payload.currency, issues);

  // Shipping address: without one there is nothing to ship (digital goods, local pickup). With one, a
  // missing street, city or country is a problem a person can fix: the order is created (flag
  // ADDRESS_INVALID) and the workflow holds it INCORRECT_ADDRESS for a correction.
  let shippingAddress: Address | undefined;
  if (payload.shipping_address === null || payload.shipping_address === undefined) {
    issues.push({ path: 'shipping_address', message: 'is required: the order has nothing to ship to' });
  } else {
    const addressIssues: FieldIssue[] = [];
    shippingAddress = mapAddress(payload.shipping_address, 'shipping_address', addressIssues) ?? correctableAddress(payload.shipping_address);
    for (const issue of addressIssues) flags.push({ code: 'ADDRESS_INVALID', message: `Shipping address ${issue.path.slice('shipping_address.'.length)} ${issue.message}` });
  }
  const billingIssues: FieldIssue[] = [];
  const billingAddress =
    payload.billing_address === null || payload.billing_address === undefined ? undefined : mapAddress(payload.billing_address, 'billing_address', billingIssues);

  if (payload.line_items.length === 0) issues.push({ path: 'line_items', message: 'must have at least 1 line' });
  const lines: OrderLine[] = payload.line_items.map((item, index) => {
    const lineNo = index + 1;
    const sku = present(item.sku) ?? '';
    if (sku === '') flags.push({ code: 'LINE_WITHOUT_SKU', message: 'Line item has no SKU: it cannot be routed to a supplier', lineNo });
    return {
      lineNo,
      sku,
      title: present(item.title) ?? present(item.name),
      quantity: item.quantity,
      unitPriceMinor: money(item.price, `line_items.${index}.price`),
      externalLineId: item.id,
    };
  });

  const totals = {
    subtotalMinor: payload.total_line_items_price == null ? Number(lineTotalMinor(lines)) : money(payload.total_line_items_price, 'total_line_items_price'),
    shippingMinor: money(payload.total_shipping_price_set?.shop_money.amount ?? '0', 'total_shipping_price_set.shop_money.amount'),
    taxMinor: money(payload.total_tax ?? '0', 'total_tax'),
    discountMinor: money(payload.total_discounts ?? '0', 'total_discounts'),
    totalMinor: money(payload.total_price, 'total_price'),
    taxIncluded: payload.taxes_included === true,
  };

  if (issues.length > 0 || shippingAddress === undefined) return { ok: false, issues };

  // ---- business problems: recorded, not rejected
  if (lineTotalMinor(lines) !== BigInt(totals.subtotalMinor) || expectedTotalMinor(totals) !== totals.totalMinor) {
    flags.push({ code: 'TOTALS_MISMATCH', message: 'Line prices, shipping, tax and discounts do not add up to the order total' });
  }
  for (const issue of countryRuleIssues(shippingAddress)) {
    flags.push({ code: 'ADDRESS_INVALID', message: `Shipping address ${issue.path} ${issue.message}` });
  }
  if (shippingAddress.name === '') flags.push({ code: 'ADDRESS_INVALID', message: 'Shipping address name is missing' });
  if (billingIssues.length > 0) flags.push({ code: 'ADDRESS_INVALID', message: 'Billing address is incomplete; ignored' });

  const financialStatus = present(payload.financial_status)?.toLowerCase();
  const payment = financialStatus === undefined ? undefined : FINANCIAL_STATUS[financialStatus];
  if (payment === undefined || payment.unpaid) {
    flags.push({ code: 'UNPAID', message: `Shopify financial_status is ${financialStatus ?? 'missing'}` });
  }
  if (present(payload.cancelled_at) !== undefined) {
    flags.push({ code: 'CANCELLED_AT_SOURCE', message: `Cancelled in Shopify${present(payload.cancel_reason) ? ` (${present(payload.cancel_reason)})` : ''}` });
  }
  if (payload.test === true) flags.push({ code: 'TEST_ORDER', message: 'Shopify test order' });
  if (currency !== ctx.channelCurrency) flags.push({ code: 'CURRENCY_MISMATCH', message: `Order currency ${currency} differs from channel currency ${ctx.channelCurrency}` });

  const email = present(payload.email) ?? present(payload.contact_email) ?? present(payload.customer?.email);
  if (email === undefined) flags.push({ code: 'MISSING_EMAIL', message: 'No customer email: notifications cannot be sent' });

  const at = ctx.now.toISOString();
  return {
    ok: true,
    order: {
      orderId: ctx.orderId,
      channelId: ctx.channelId,
      externalOrderId: payload.id,
      externalOrderName: present(payload.name),
      source: 'shopify',
      status: 'RECEIVED',
      currency,
      customer: {
        email: email?.toLowerCase() ?? '',
        phone: present(payload.phone) ?? present(payload.customer?.phone),
        firstName: present(payload.customer?.first_name),
        lastName: present(payload.customer?.last_name),
      },
      shippingAddress,
      billingAddress,
      lines,
      totals,
      payment: {
        reference: present(payload.confirmation_number) ?? present(payload.token) ?? payload.id,
        status: payment?.status ?? 'pending',
        gateway: payload.payment_gateway_names?.[0] ?? present(payload.gateway),
      },
      flags,
      createdAt: at,
      updatedAt: at,
      version: 1,
    },
  };
}

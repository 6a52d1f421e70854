import { describe, expect, it } from 'vitest';
import { ShopifyOrderWebhook, parseShopifyJson } from '../../../functions/core/orders/schemas/shopify';
import { mapShopifyOrder } from '../../../functions/core/orders/services/shopify-mapping';
import { BIG_LINE_ID, BIG_ORDER_ID, shopifyOrderBody } from '../fixtures/shopify';

const ctx = { channelId: 'demo-shopify', channelCurrency: 'EUR', orderId: 'ord_test', now: new Date('2026-11-25T10:00:00.000Z') };

function map(overrides: Record<string, string> = {}) {
  return mapShopifyOrder(ShopifyOrderWebhook.parse(parseShopifyJson(shopifyOrderBody(overrides))), ctx);
}

function flagCodes(overrides: Record<string, string>): string[] {
  const result = map(overrides);
  if (!result.ok) throw new Error(`expected a mapped order, got ${JSON.stringify(result.issues)}`);
  return result.order.flags.map((flag) => flag.code);
}

describe('mapShopifyOrder: a clean paid order', () => {
  it('maps to the order model with exact ids and minor units, no flags', () => {
    const result = map();
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.order).toMatchObject({
      orderId: 'ord_test',
      channelId: 'demo-shopify',
      externalOrderId: BIG_ORDER_ID,
      externalOrderName: '#1001',
      source: 'shopify',
      status: 'RECEIVED',
      currency: 'EUR',
      customer: { email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' },
      shippingAddress: { name: 'Grace Hopper', line1: 'Kurfuerstendamm 21', city: 'Berlin', postcode: '10719', country: 'DE' },
      lines: [
        { lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 2, unitPriceMinor: 1999, externalLineId: BIG_LINE_ID, title: 'T-shirt' },
        { lineNo: 2, sku: 'MUG-WHT', quantity: 1, unitPriceMinor: 900, externalLineId: '866550311766439020' },
      ],
      totals: { subtotalMinor: 4898, shippingMinor: 490, taxMinor: 860, discountMinor: 0, totalMinor: 5388, taxIncluded: true },
      payment: { reference: 'ABC123XYZ', status: 'paid', gateway: 'shopify_payments' },
      flags: [],
      createdAt: '2026-11-25T10:00:00.000Z',
    });
  });
});

describe('mapShopifyOrder: business problems become flags (the order is still created)', () => {
  it.each<[string, Record<string, string>, string]>([
    ['cancelled', { cancelled_at: '"2026-11-25T11:00:00+01:00"', cancel_reason: '"customer"' }, 'CANCELLED_AT_SOURCE'],
    ['pending payment', { financial_status: '"pending"' }, 'UNPAID'],
    ['voided payment', { financial_status: '"voided"' }, 'UNPAID'],
    ['no financial status', { financial_status: 'null' }, 'UNPAID'],
    ['line without sku', { line_items: '[{"id":1,"sku":null,"title":"Gift","quantity":1,"price":"48.98"}]' }, 'LINE_WITHOUT_SKU'],
    ['line with blank sku', { line_items: '[{"id":1,"sku":"  ","quantity":1,"price":"48.98"}]' }, 'LINE_WITHOUT_SKU'],
    ['bad postcode', { shipping_address: '{"name":"G H","address1":"A 1","city":"Berlin","zip":"1","country_code":"DE"}' }, 'ADDRESS_INVALID'],
    ['US without state', { shipping_address: '{"name":"G H","address1":"A 1","city":"X","zip":"62701","country_code":"US"}' }, 'ADDRESS_INVALID'],
    // A person can fix these: the order is created and held INCORRECT_ADDRESS by the workflow.
    ['shipping address without country', { shipping_address: '{"address1":"A","city":"B","zip":"10115"}' }, 'ADDRESS_INVALID'],
    ['shipping address without street', { shipping_address: '{"city":"B","zip":"10115","country_code":"DE"}' }, 'ADDRESS_INVALID'],
    ['no email anywhere', { email: 'null', customer: 'null' }, 'MISSING_EMAIL'],
    ['totals do not add up', { total_price: '"99.99"' }, 'TOTALS_MISMATCH'],
    ['test order', { test: 'true' }, 'TEST_ORDER'],
    ['other currency', { currency: '"USD"' }, 'CURRENCY_MISMATCH'],
  ])('%s → %s', (_label, overrides, code) => {
    expect(flagCodes(overrides)).toContain(code);
  });

  it('the flag for a line without SKU carries its line number', () => {
    const result = map({ line_items: '[{"id":1,"sku":"A","quantity":1,"price":"1.00"},{"id":2,"sku":null,"quantity":1,"price":"47.98"}]' });
    expect(result.ok && result.order.flags).toContainEqual(expect.objectContaining({ code: 'LINE_WITHOUT_SKU', lineNo: 2 }));
  });

  it('authorized and partially refunded orders are not unpaid', () => {
    expect(flagCodes({ financial_status: '"authorized"' })).not.toContain('UNPAID');
    expect(flagCodes({ financial_status: '"partially_refunded"' })).not.toContain('UNPAID');
  });

  it('tax is added to the total when prices exclude it', () => {
    expect(flagCodes({ taxes_included: 'false', total_price: '"62.48"' })).not.toContain('TOTALS_MISMATCH');
    expect(flagCodes({ taxes_included: 'false' })).toContain('TOTALS_MISMATCH');
  });

  it('reads the spellings customers and platforms use: country uk, a UK postcode without its space', () => {
    const result = map({ shipping_address: '{"name":"G H","address1":"1 Piccadilly","city":"Manchester","zip":"m11ae","country_code":"uk"}' });
    expect(result.ok && result.order.shippingAddress).toMatchObject({ country: 'GB', postcode: 'M1 1AE' });
    expect(result.ok && result.order.flags.map((f) => f.code)).not.toContain('ADDRESS_INVALID');
  });

  it('falls back to contact_email and customer email', () => {
    const result = map({ email: 'null', contact_email: '"Other@Example.com"' });
    expect(result.ok && result.order.customer.email).toBe('other@example.com');
  });
});

describe('mapShopifyOrder: unmappable payloads → issues (202 rejected)', () => {
  it.each<[string, Record<string, string>, string]>([
    ['no shipping address', { shipping_address: 'null' }, 'shipping_address'],
    ['no lines', { line_items: '[]' }, 'line_items'],
    ['unknown currency', { currency: '"ABC"' }, 'currency'],
    ['unparseable price', { line_items: '[{"id":1,"sku":"A","quantity":1,"price":"abc"}]' }, 'line_items.0.price'],
    ['sub-cent price', { line_items: '[{"id":1,"sku":"A","quantity":1,"price":"1.001"}]' }, 'line_items.0.price'],
  ])('%s', (_label, overrides, path) => {
    const result = map(overrides);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((issue) => issue.path)).toContain(path);
  });
});

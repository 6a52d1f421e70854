import { describe, expect, it } from 'vitest';
import { CreateOrderRequest } from '../../../functions/core/orders/schemas/order';
import { toFieldIssues } from '../../../functions/core/kernel/schemas';
import { set, setAll, unset } from '../fixtures/patch';
import { validOrderRequest } from '../fixtures/requests';

const valid = validOrderRequest();
const withSet = (path: string, value: unknown) => set(valid, path, value);
const without = (path: string) => unset(valid, path);
const withAll = (changes: Record<string, unknown>) => setAll(valid, changes);

function issuesOf(value: unknown) {
  const result = CreateOrderRequest.safeParse(value);
  return result.success ? [] : toFieldIssues(result.error);
}

describe('CreateOrderRequest: valid bodies', () => {
  it.each<[string, unknown]>([
    ['the fixture', validOrderRequest()],
    ['with a matching optional channel', withSet('channel', 'demo-web')],
    ['tax added on top (US style)', withAll({
      shippingAddress: { name: 'A', line1: '1 Main St', city: 'Springfield', region: 'IL', postcode: '62701', country: 'us' },
      currency: 'USD',
      lines: [{ sku: 'A', quantity: 3, unitPrice: '10' }],
      totals: { subtotal: '30.00', shipping: '5.00', tax: '2.80', total: '37.80' },
    })],
    ['JPY without decimals', withAll({
      currency: 'JPY',
      lines: [{ sku: 'A', quantity: 2, unitPrice: '1500' }],
      totals: { subtotal: '3000', shipping: '500', tax: '0', total: '3500' },
    })],
    ['a country without postcodes and no postcode', withSet('shippingAddress', { name: 'A', line1: '1 Queen Rd', city: 'Hong Kong', country: 'HK' })],
    ['with billing address and 100 lines', withAll({
      billingAddress: { name: 'B', line1: '2 High St', city: 'London', postcode: 'sw1a 1aa', country: 'GB' },
      lines: Array.from({ length: 100 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1, unitPrice: '1.00' })),
      totals: { subtotal: '100.00', shipping: '0', tax: '0', total: '100.00' },
    })],
  ])('accepts %s', (_label, value) => {
    expect(issuesOf(value)).toEqual([]);
  });

  it.each([
    [{ 'shippingAddress.country': 'uk', 'shippingAddress.postcode': 'sw1a1aa', 'shippingAddress.city': 'London' }],
    [{ 'shippingAddress.country': 'JP', 'shippingAddress.postcode': '1000001', 'shippingAddress.city': 'Tokyo' }],
    [{ 'shippingAddress.country': 'IE', 'shippingAddress.postcode': undefined, 'shippingAddress.city': 'Dublin' }],
    [{ 'shippingAddress.country': 'LT', 'shippingAddress.postcode': 'LT-01103', 'shippingAddress.city': 'Vilnius' }],
  ])('accepts the address spellings customers use (%o)', (changes) => {
    expect(issuesOf(withAll(changes))).toEqual([]);
  });

  it('normalizes country to upper case and trims text', () => {
    const parsed = CreateOrderRequest.parse(withAll({ 'shippingAddress.country': ' de ', externalOrderId: '  WEB-1001 ' }));
    expect(parsed.shippingAddress.country).toBe('DE');
    expect(parsed.externalOrderId).toBe('WEB-1001');
  });
});

describe('CreateOrderRequest: every kind of bad body → issues with paths', () => {
  it.each<[string, unknown, string, string?]>([
    ['not an object', [], 'body'],
    ['null', null, 'body'],
    ['unknown top-level key', withSet('zipcode', '1'), 'body', 'zipcode'],
    ['missing externalOrderId', without('externalOrderId'), 'externalOrderId'],
    ['blank externalOrderId', withSet('externalOrderId', '   '), 'externalOrderId'],
    ['control characters in externalOrderId', withSet('externalOrderId', 'A\u0000B'), 'externalOrderId'],
    ['missing customer', without('customer'), 'customer'],
    ['bad email', withSet('customer.email', 'not-an-email'), 'customer.email'],
    ['bad phone', withSet('customer.phone', 'call me maybe'), 'customer.phone'],
    ['unknown customer key', withSet('customer.age', 3), 'customer', 'age'],
    ['missing shipping address', without('shippingAddress'), 'shippingAddress'],
    ['blank street', withSet('shippingAddress.line1', ' '), 'shippingAddress.line1'],
    ['missing city', without('shippingAddress.city'), 'shippingAddress.city'],
    ['alpha-3 country', withSet('shippingAddress.country', 'DEU'), 'shippingAddress.country'],
    ['unassigned country', withSet('shippingAddress.country', 'XX'), 'shippingAddress.country'],
    ['postcode invalid for country', withSet('shippingAddress.postcode', '1011'), 'shippingAddress.postcode', 'DE'],
    ['postcode missing where required', without('shippingAddress.postcode'), 'shippingAddress.postcode', 'required'],
    ['US address without state', withSet('shippingAddress', { name: 'A', line1: '1 Main', city: 'X', postcode: '62701', country: 'US' }), 'shippingAddress.region'],
    ['bad billing postcode', withSet('billingAddress', { name: 'A', line1: '1', city: 'X', postcode: 'ABC', country: 'FR' }), 'billingAddress.postcode'],
    ['no lines', withSet('lines', []), 'lines'],
    ['101 lines', withSet('lines', Array.from({ length: 101 }, () => ({ sku: 'A', quantity: 1, unitPrice: '1' }))), 'lines'],
    ['quantity 0', withSet('lines.0.quantity', 0), 'lines.0.quantity'],
    ['quantity 1000', withSet('lines.0.quantity', 1000), 'lines.0.quantity'],
    ['fractional quantity', withSet('lines.0.quantity', 1.5), 'lines.0.quantity'],
    ['quantity as string', withSet('lines.0.quantity', '2'), 'lines.0.quantity'],
    ['price as number', withSet('lines.1.unitPrice', 9.5), 'lines.1.unitPrice'],
    ['negative price', withSet('lines.1.unitPrice', '-9.50'), 'lines.1.unitPrice'],
    ['price with too many decimals', withSet('lines.1.unitPrice', '9.505'), 'lines.1.unitPrice', 'decimal places'],
    ['sku with spaces', withSet('lines.0.sku', 'T SHIRT'), 'lines.0.sku'],
    ['missing sku', without('lines.0.sku'), 'lines.0.sku'],
    ['lower-case currency', withSet('currency', 'eur'), 'currency'],
    ['unknown currency', withSet('currency', 'XYZ'), 'currency'],
    ['missing totals', without('totals'), 'totals'],
    ['subtotal does not match lines', withSet('totals.subtotal', '49.49'), 'totals.subtotal', '49.48'],
    ['total does not add up', withSet('totals.total', '50.00'), 'totals.total', '49.38'],
    ['total ignores tax when tax is not included', withAll({ 'totals.taxIncluded': false, 'totals.tax': '1.00' }), 'totals.total', '50.38'],
    ['discount larger than the order', withAll({ 'totals.discount': '100.00', 'totals.total': '0' }), 'totals.discount'],
    ['missing payment', without('payment'), 'payment'],
    ['unknown payment status', withSet('payment.status', 'captured'), 'payment.status'],
    ['blank payment reference', withSet('payment.reference', ''), 'payment.reference'],
  ])('%s → %s', (_label, value, path, fragment) => {
    const issues = issuesOf(value);
    expect(issues.map((issue) => issue.path)).toContain(path);
    if (fragment !== undefined) {
      expect(issues.find((issue) => issue.path === path)?.message).toContain(fragment);
    }
  });

  it('reports several problems at once', () => {
    const issues = issuesOf(withAll({ 'customer.email': 'x', 'lines.0.quantity': 0, 'shippingAddress.postcode': '1' }));
    expect(issues.map((issue) => issue.path).sort()).toEqual(['customer.email', 'lines.0.quantity', 'shippingAddress.postcode']);
  });

  it('never echoes submitted values in messages', () => {
    const issues = issuesOf(withAll({ 'customer.email': 'secret-person-at-example', 'shippingAddress.postcode': 'ZZ-SECRET' }));
    expect(issues.length).toBeGreaterThan(0);
    expect(JSON.stringify(issues)).not.toMatch(/secret/i);
  });
});

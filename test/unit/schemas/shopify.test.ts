import { describe, expect, it } from 'vitest';
import { ShopifyOrderWebhook, parseShopifyJson } from '../../../functions/core/orders/schemas/shopify';
import { BIG_LINE_ID, BIG_ORDER_ID, shopifyOrderBody } from '../fixtures/shopify';

describe('parseShopifyJson', () => {
  it('keeps 64-bit integers exact where JSON.parse would corrupt them', () => {
    const text = `{"id":${BIG_ORDER_ID},"small":42,"price":19.99}`;
    expect(String((JSON.parse(text) as { id: number }).id)).not.toBe(BIG_ORDER_ID);
    expect(parseShopifyJson(text)).toEqual({ id: BIG_ORDER_ID, small: 42, price: '19.99' });
  });

  it.each(['', '{', '{"id":}', "{'id':1}", '{"id":1,}'])('throws SyntaxError on %j', (text) => {
    expect(() => parseShopifyJson(text)).toThrow(SyntaxError);
  });
});

describe('ShopifyOrderWebhook', () => {
  it('parses a Shopify order with exact ids', () => {
    const parsed = ShopifyOrderWebhook.parse(parseShopifyJson(shopifyOrderBody()));
    expect(parsed.id).toBe(BIG_ORDER_ID);
    expect(parsed.line_items[0]?.id).toBe(BIG_LINE_ID);
    expect(parsed.line_items[1]?.id).toBe('866550311766439020');
    expect(parsed.customer?.id).toBe('115310627314723954');
    expect(parsed.line_items[0]?.variant_id).toBe('39072856');
    expect(parsed.total_shipping_price_set?.shop_money.amount).toBe('4.90');
  });

  it('accepts ids given as strings or small numbers and ignores unknown fields', () => {
    const parsed = ShopifyOrderWebhook.parse({
      id: 450789469,
      currency: 'EUR',
      total_price: 10,
      line_items: [{ id: '466157049', quantity: 1, price: '10.00', extra: { nested: true } }],
      brand_new_field: [1, 2, 3],
    });
    expect(parsed.id).toBe('450789469');
    expect(parsed.total_price).toBe('10');
  });

  it.each([
    ['missing id', { currency: 'EUR', total_price: '1', line_items: [] }, 'id'],
    ['negative id', { id: -1, currency: 'EUR', total_price: '1', line_items: [] }, 'id'],
    ['no line_items', { id: 1, currency: 'EUR', total_price: '1' }, 'line_items'],
    ['quantity 0', { id: 1, currency: 'EUR', total_price: '1', line_items: [{ id: 1, quantity: 0, price: '1' }] }, 'line_items'],
    ['no currency', { id: 1, total_price: '1', line_items: [] }, 'currency'],
  ])('rejects %s', (_label, value, path) => {
    const result = ShopifyOrderWebhook.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => String(issue.path[0]))).toContain(path);
  });
});

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderSource } from '../../../functions/core/orders/domain/order';
import { base32, deriveOrderId, isOrderId, ORDER_ID_PATTERN } from '../../../functions/core/kernel/order-id';

describe('deriveOrderId', () => {
  it('is stable across calls (a known value pins the algorithm)', () => {
    const id = deriveOrderId('demo-web', 'api', 'key-0001');
    expect(id).toBe(deriveOrderId('demo-web', 'api', 'key-0001'));
    expect(id).toMatch(ORDER_ID_PATTERN);
    const digest = createHash('sha256').update(JSON.stringify(['demo-web', 'api', 'key-0001'])).digest();
    expect(id).toBe(`ord_${base32(digest).slice(0, 26)}`);
  });

  type Tuple = [string, OrderSource, string];
  it.each<[Tuple, Tuple]>([
    [['demo-web', 'api', 'k1'], ['demo-shopify', 'api', 'k1']],
    [['demo-web', 'api', 'k1'], ['demo-web', 'shopify', 'k1']],
    [['demo-web', 'api', 'k1'], ['demo-web', 'api', 'k2']],
    [['a#b', 'api', 'c'], ['a', 'api', 'b#c']],
  ])('different tuples give different ids: %j vs %j', (a, b) => {
    expect(deriveOrderId(...a)).not.toBe(deriveOrderId(...b));
  });

  it('always yields a valid, deterministic id', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('api' as const, 'shopify' as const), fc.string(), (channel, source, key) => {
        const id = deriveOrderId(channel, source, key);
        expect(isOrderId(id)).toBe(true);
        expect(deriveOrderId(channel, source, key)).toBe(id);
      }),
    );
  });

  it('does not collide over many distinct keys', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 50, maxLength: 200 }), (keysList) => {
        const ids = new Set(keysList.map((key) => deriveOrderId('demo-web', 'api', key)));
        expect(ids.size).toBe(keysList.length);
      }),
      { numRuns: 20 },
    );
  });
});

describe('base32 (Crockford, lower case)', () => {
  it.each([
    [[], ''],
    [[0], '00'],
    [[0xff], 'zw'],
    [[0x66, 0x6f, 0x6f], 'csqpy'],
  ])('%j -> %s', (bytes, text) => {
    expect(base32(Uint8Array.from(bytes))).toBe(text);
  });

  it('encodes n bytes into ceil(8n/5) characters of the alphabet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = base32(bytes);
        expect(text.length).toBe(Math.ceil((bytes.length * 8) / 5));
        expect(text).toMatch(/^[0-9a-hjkmnp-tv-z]*$/);
      }),
    );
  });
});

describe('isOrderId', () => {
  it.each(['ord_', 'ord_ABCDEFGHJKMNPQRSTVWXYZ0123', 'order_0123456789abcdefghjkmnpq', 'ord_0123456789abcdefghjkmnpqi', 'ord_0123456789abcdefghjkmnp'])(
    '%j is not an order id',
    (value) => expect(isOrderId(value)).toBe(false),
  );
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, requestHash } from '../../../functions/core/kernel/request-hash';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ a: { d: [3, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":2,"z":1}]}}'],
    [{ a: undefined, b: 'x' }, '{"b":"x"}'],
    ['s', '"s"'],
    [[], '[]'],
  ])('%j -> %s', (value, text) => expect(canonicalJson(value)).toBe(text));
});

describe('requestHash', () => {
  /** Rebuild every object with its keys in reverse insertion order. */
  function reorder(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reorder);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorder(v)]));
    }
    return value;
  }

  it('ignores key order and is a sha256', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(requestHash(reorder(value))).toBe(requestHash(value));
        expect(requestHash(value)).toMatch(/^sha256:[0-9a-f]{64}$/);
      }),
    );
  });

  it('changes when any value changes', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string(), { minKeys: 1 }), fc.string(), (record, extra) => {
        const [firstKey] = Object.keys(record);
        if (firstKey === undefined) return;
        const changed = { ...record, [firstKey]: `${record[firstKey]}${extra}!` };
        expect(requestHash(changed)).not.toBe(requestHash(record));
      }),
    );
  });
});

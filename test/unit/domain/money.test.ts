import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyExponent, decimalToMinor, expectedTotalMinor, isCurrencyCode, lineTotalMinor, minorToDecimal } from '../../../functions/core/kernel/money';

describe('currencies', () => {
  it.each([
    ['EUR', 2],
    ['USD', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['BHD', 3],
  ])('%s has %i minor digits', (currency, exponent) => {
    expect(currencyExponent(currency)).toBe(exponent);
  });

  it.each(['EUR', 'GBP', 'JPY', 'CHF'])('%s is a currency', (code) => expect(isCurrencyCode(code)).toBe(true));
  it.each(['eur', 'EURO', 'XYZ', '', 'E1R'])('%j is not a currency', (code) => expect(isCurrencyCode(code)).toBe(false));

  it('rejects an unknown currency when asked for its exponent', () => {
    expect(() => currencyExponent('XYZ')).toThrow(RangeError);
  });
});

describe('decimalToMinor', () => {
  it.each([
    ['12.50', 'EUR', 1250],
    ['12.5', 'EUR', 1250],
    ['12', 'EUR', 1200],
    ['0', 'EUR', 0],
    ['0.01', 'EUR', 1],
    ['12.500', 'EUR', 1250],
    ['1000', 'JPY', 1000],
    ['1000.00', 'JPY', 1000],
    ['1.234', 'KWD', 1234],
    ['99999999999.99', 'EUR', 9999999999999],
  ])('%s %s = %i minor', (value, currency, minor) => {
    expect(decimalToMinor(value, currency)).toEqual({ ok: true, minor });
  });

  it.each([
    ['12.345', 'EUR', 'decimal places'],
    ['1000.5', 'JPY', 'decimal places'],
    ['-1.00', 'EUR', 'non-negative'],
    ['1e3', 'EUR', 'non-negative'],
    ['01.00', 'EUR', 'non-negative'],
    ['12.', 'EUR', 'non-negative'],
    ['.5', 'EUR', 'non-negative'],
    [' 1.00', 'EUR', 'non-negative'],
    ['100000000000', 'EUR', 'non-negative'],
    ['', 'EUR', 'non-negative'],
  ])('%j %s is rejected (%s)', (value, currency, fragment) => {
    const result = decimalToMinor(value, currency);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(fragment);
  });
});

describe('minorToDecimal', () => {
  it.each([
    [1250, 'EUR', '12.50'],
    [1, 'EUR', '0.01'],
    [0, 'EUR', '0.00'],
    [-505, 'EUR', '-5.05'],
    [1000, 'JPY', '1000'],
    [1234, 'KWD', '1.234'],
  ])('%i %s = %s', (minor, currency, text) => {
    expect(minorToDecimal(minor, currency)).toBe(text);
  });

  it('refuses non-integers', () => {
    expect(() => minorToDecimal(1.5, 'EUR')).toThrow(RangeError);
  });
});

describe('money properties', () => {
  const currencies = fc.constantFrom('EUR', 'USD', 'JPY', 'KWD', 'GBP');

  it('minor -> decimal -> minor is the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), currencies, (minor, currency) => {
        expect(decimalToMinor(minorToDecimal(minor, currency), currency)).toEqual({ ok: true, minor });
      }),
    );
  });

  it('formatted amounts always carry exactly the currency exponent digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), currencies, (minor, currency) => {
        const text = minorToDecimal(minor, currency);
        const fraction = text.split('.')[1] ?? '';
        expect(fraction.length).toBe(currencyExponent(currency));
      }),
    );
  });

  it('line totals are exact even beyond 2^53', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 999 }), unitPriceMinor: fc.integer({ min: 0, max: 1e13 }) }), { maxLength: 100 }),
        (lines) => {
          const expected = lines.reduce((sum, line) => sum + BigInt(line.quantity) * BigInt(line.unitPriceMinor), 0n);
          expect(lineTotalMinor(lines)).toBe(expected);
        },
      ),
    );
  });

  it('tax is added to the total only when prices exclude it', () => {
    const parts = { subtotalMinor: 1000, shippingMinor: 200, taxMinor: 190, discountMinor: 100 };
    expect(expectedTotalMinor(parts)).toBe(1290);
    expect(expectedTotalMinor({ ...parts, taxIncluded: true })).toBe(1100);
  });
});

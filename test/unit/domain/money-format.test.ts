import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimalMoney, formatMoney, minorToDecimal, moneyText } from '../../../functions/core/kernel/money';
import { showMinor, showMoney } from '../../../local/tools/money-format';

/** Intl separates symbol and amount with a no-break space in some locales: compare with plain spaces. */
const plain = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMoney', () => {
  it.each([
    [24900, 'EUR', '€249.00'],
    [1, 'EUR', '€0.01'],
    [0, 'EUR', '€0.00'],
    [-50, 'EUR', '-€0.50'],
    [123456789, 'USD', '$1,234,567.89'],
    [2490, 'JPY', '¥2,490'],
    [1234, 'KWD', 'KWD 1.234'],
    [1980, 'GBP', '£19.80'],
    [Number.MAX_SAFE_INTEGER, 'EUR', '€90,071,992,547,409.91'],
  ])('%i minor units of %s read %s', (minor, currency, expected) => {
    expect(plain(formatMoney(minor, currency))).toBe(expected);
  });

  it.each([
    [24900, 'EUR', 'de-DE', '249,00 €'],
    [123456, 'EUR', 'fr-FR', '1 234,56 €'],
    [2490, 'JPY', 'ja-JP', '￥2,490'],
  ])('%i %s in %s reads %s', (minor, currency, locale, expected) => {
    expect(plain(formatMoney(minor, currency, locale))).toBe(expected);
  });

  it('never shows minor units', () => {
    expect(formatMoney(24900, 'EUR')).not.toMatch(/24900|minor/);
  });

  it.each([
    [1.5, 'EUR'],
    [Number.MAX_SAFE_INTEGER + 1, 'EUR'],
    [100, 'XYZ'],
  ])('refuses %s %s', (minor, currency) => {
    expect(() => formatMoney(minor, currency)).toThrow(RangeError);
  });

  it('shows exactly the digits of minorToDecimal (no float rounding)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom('EUR', 'JPY', 'KWD'), (minor, currency) => {
        const digits = formatMoney(minor, currency).replace(/[^0-9.]/g, '');
        expect(digits).toBe(minorToDecimal(minor, currency));
      }),
    );
  });
});

describe('formatDecimalMoney', () => {
  it.each([
    ['249.00', 'EUR', '€249.00'],
    ['19.8', 'EUR', '€19.80'],
    ['2490', 'JPY', '¥2,490'],
    ['-4.90', 'EUR', '-€4.90'],
    ['abc', 'EUR', 'abc EUR'],
    ['12.50', 'XYZ', '12.50 XYZ'],
    ['12.345', 'EUR', '12.345 EUR'],
  ])('%s %s reads %s', (decimal, currency, expected) => {
    expect(plain(formatDecimalMoney(decimal, currency))).toBe(expected);
  });
});

describe('moneyText (timeline messages: never throws)', () => {
  it.each([
    [24900, 'EUR', '€249.00'],
    [24900, 'XYZ', '24900 minor units of XYZ'],
    [0.5, 'EUR', '0.5 minor units of EUR'],
  ])('%s %s reads %s', (minor, currency, expected) => {
    expect(moneyText(minor, currency)).toBe(expected);
  });
});

describe('CLI money (local/tools/money-format.ts)', () => {
  it.each([
    ['249.00', 'EUR', '€249.00'],
    ['2490', 'JPY', '¥2,490'],
    [undefined, 'EUR', 'undefined EUR'],
    ['19.80', undefined, '19.80 undefined'],
  ])('showMoney(%j, %j) reads %s', (amount, currency, expected) => {
    expect(showMoney(amount, currency)).toBe(expected);
  });

  it.each([
    [24900, 'EUR', '€249.00'],
    [2490, 'JPY', '¥2,490'],
    ['24900', 'EUR', '24900 EUR'],
  ])('showMinor(%j, %j) reads %s', (minor, currency, expected) => {
    expect(showMinor(minor, currency)).toBe(expected);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyAddressIssues,
  countryRuleIssues,
  isCorrectableAddressIssue,
  isCountryCode,
  isValidPostcode,
  normalizeAddress,
  normalizeCountryCode,
  normalizeRegion,
  validateAddress,
} from '../../../functions/core/kernel/address';
import type { Address } from '../../../functions/core/kernel/values';

const base: Address = { name: 'Ada Lovelace', line1: 'Invalidenstrasse 117', city: 'Berlin', postcode: '10115', country: 'DE' };

describe('country codes', () => {
  it.each(['DE', 'US', 'GB', 'FR', 'JP', 'HK', 'AE'])('%s is ISO 3166-1 alpha-2', (code) => expect(isCountryCode(code)).toBe(true));
  it.each(['de', 'UK', 'EL', 'XX', 'DEU', '276', '', 'D'])('%j is not', (code) => expect(isCountryCode(code)).toBe(false));
  it.each([
    ['UK', 'GB'],
    [' uk ', 'GB'],
    ['EL', 'GR'],
    ['de', 'DE'],
    ['xx', 'XX'],
  ])('%j normalizes to %s', (written, code) => expect(normalizeCountryCode(written)).toBe(code));
});

describe('postcodes per country', () => {
  it.each([
    ['10115', 'DE'],
    ['SW1A 1AA', 'GB'],
    ['SW1A1AA', 'GB'],
    ['90210', 'US'],
    ['90210-1234', 'US'],
    ['K1A 0B1', 'CA'],
    ['2000', 'AU'],
    ['75008', 'FR'],
    ['1012 AB', 'NL'],
    ['100-0001', 'JP'],
    // Real-world spellings that normalize to the canonical form (was refused: issue "Real-world inputs").
    ['1000001', 'JP'],
    ['D-10115', 'DE'],
    ['', 'IE'],
    ['', 'HK'],
    ['anything', 'HK'],
  ])('%j is valid in %s', (postcode, country) => expect(isValidPostcode(postcode, country)).toBe(true));

  it.each([
    ['1011', 'DE'],
    ['101155', 'DE'],
    ['ABCDE', 'US'],
    ['9021', 'US'],
    ['12345', 'GB'],
    ['20000', 'AU'],
    ['100001', 'JP'],
    ['', 'DE'],
  ])('%j is invalid in %s', (postcode, country) => expect(isValidPostcode(postcode, country)).toBe(false));
});

describe('validateAddress', () => {
  it('accepts a complete German address', () => {
    expect(validateAddress(base)).toEqual([]);
  });

  it.each<[string, Partial<Address>, string, string]>([
    ['unknown country', { country: 'XX' }, 'country', 'ISO 3166-1'],
    ['bad postcode', { postcode: '1011' }, 'postcode', 'not a valid postcode for DE (expected NNNNN)'],
    ['missing postcode where required', { postcode: '' }, 'postcode', 'required for DE'],
    ['US without state', { country: 'US', postcode: '90210', region: undefined }, 'region', 'required for US'],
    ['CA without province', { country: 'CA', postcode: 'K1A 0B1' }, 'region', 'required for CA'],
    ['AU without state', { country: 'AU', postcode: '2000' }, 'region', 'required for AU'],
    ['blank name', { name: '  ' }, 'name', 'required'],
    ['blank street', { line1: '' }, 'line1', 'required'],
    ['blank city', { city: ' ' }, 'city', 'required'],
  ])('%s', (_label, patch, path, fragment) => {
    const issues = validateAddress({ ...base, ...patch });
    expect(issues).toContainEqual({ path, message: expect.stringContaining(fragment) });
  });

  it('accepts a US address with a state and a country without postcodes with none', () => {
    expect(validateAddress({ ...base, country: 'US', postcode: '90210', region: 'CA' })).toEqual([]);
    expect(validateAddress({ ...base, country: 'HK', postcode: '' })).toEqual([]);
  });

  it('never echoes the postcode value in messages (no PII)', () => {
    const issues = countryRuleIssues({ country: 'DE', postcode: 'SECRET1', region: undefined });
    expect(JSON.stringify(issues)).not.toContain('SECRET1');
  });
});

describe('normalizeAddress', () => {
  it('trims, collapses whitespace and upper-cases codes', () => {
    expect(
      normalizeAddress({ name: '  Ada   Lovelace ', line1: ' Main  St 1 ', line2: '  ', city: ' london ', postcode: ' sw1a   1aa ', country: ' gb ', region: ' ca ' }),
    ).toEqual({
      name: 'Ada Lovelace',
      company: undefined,
      line1: 'Main St 1',
      line2: undefined,
      city: 'london',
      region: 'CA',
      postcode: 'SW1A 1AA',
      country: 'GB',
      phone: undefined,
    });
  });

  const text = fc.string({ maxLength: 20 });
  const address = fc.record({
    name: text,
    line1: text,
    city: text,
    postcode: text,
    country: fc.constantFrom('de', 'DE', ' gb', 'us ', 'xx', 'uk', 'JP', 'nl', 'ca', 'IE', 'HK', 'LV', 'au'),
    region: fc.option(text, { nil: undefined }),
    line2: fc.option(text, { nil: undefined }),
    company: fc.option(text, { nil: undefined }),
    phone: fc.option(text, { nil: undefined }),
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(address, (a) => {
        const once = normalizeAddress(a);
        expect(normalizeAddress(once)).toEqual(once);
      }),
    );
  });

  it('never leaves leading/trailing whitespace or empty optionals, and validation does not depend on formatting', () => {
    fc.assert(
      fc.property(address, (a) => {
        const n = normalizeAddress(a);
        for (const value of Object.values(n)) {
          if (typeof value === 'string') expect(value).toBe(value.trim());
        }
        for (const key of ['line2', 'company', 'phone', 'region'] as const) expect(n[key]).not.toBe('');
        expect(validateAddress(n)).toEqual(validateAddress(normalizeAddress(n)));
      }),
    );
  });
});

describe('regions', () => {
  it.each([
    ['California', 'US', 'CA'],
    ['new  york', 'US', 'NY'],
    ['ca', 'US', 'CA'],
    ['Ontario', 'CA', 'ON'],
    ['Québec', 'CA', 'QC'],
    ['New South Wales', 'AU', 'NSW'],
    ['vic', 'AU', 'VIC'],
    ['Bavaria', 'DE', 'Bavaria'],
    ['California', 'MX', 'California'],
  ])('%j in %s → %j', (written, country, region) => {
    expect(normalizeAddress({ ...base, country, region: written }).region).toBe(region);
  });

  it('normalizes the region with the aliased country and is idempotent', () => {
    expect(normalizeRegion('CA', 'US')).toBe('CA');
    expect(normalizeAddress({ ...base, country: 'us', postcode: '90210', region: ' california ' })).toMatchObject({ country: 'US', region: 'CA' });
  });
});

describe('classifyAddressIssues', () => {
  it('separates what a person can correct in the address from the rest', () => {
    const addressIssues = validateAddress({ ...base, line1: ' ', postcode: '1011', country: 'DE' });
    expect(classifyAddressIssues(addressIssues)).toEqual({ correctable: addressIssues, other: [] });
    const issues = [
      { path: 'shippingAddress.postcode', message: 'is not a valid postcode for DE (expected NNNNN)' },
      { path: 'shippingAddress.region', message: 'is required for US' },
      { path: 'email', message: 'is required' },
      { path: 'items.0.quantity', message: 'must be positive' },
    ];
    const classes = classifyAddressIssues(issues, 'shippingAddress');
    expect(classes.correctable.map((i) => i.path)).toEqual(['shippingAddress.postcode', 'shippingAddress.region']);
    expect(classes.other.map((i) => i.path)).toEqual(['email', 'items.0.quantity']);
  });

  it.each([
    [{ path: 'postcode', message: '' }, undefined, true],
    [{ path: 'line1', message: '' }, undefined, true],
    [{ path: 'country', message: '' }, undefined, true],
    [{ path: 'billingAddress.city', message: '' }, 'shippingAddress', false],
    [{ path: 'shippingAddress.line1', message: '' }, 'shippingAddress', true],
    [{ path: 'shippingAddress.extra.postcode', message: '' }, 'shippingAddress', false],
    [{ path: 'currency', message: '' }, undefined, false],
  ])('%j under %s → %s', (issue, under, correctable) => expect(isCorrectableAddressIssue(issue, under)).toBe(correctable));
});

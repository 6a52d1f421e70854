/**
 * Postal addresses: normalization and validation (ISO 3166-1 alpha-2 country, postcode per country,
 * region where carriers need it, required fields). Pure: no AWS imports.
 */
// The library core only (codes), without the 600 KB of country-name locales its Node entry registers.
import countries from 'i18n-iso-countries/index.js';
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';
import type { FieldIssue } from './errors';
import type { Address } from './values';

/** Countries whose carriers need a state / province / territory on the label. */
export const REGION_REQUIRED_COUNTRIES: ReadonlySet<string> = new Set(['US', 'CA', 'AU', 'BR', 'MX', 'IN']);

let alpha2Codes: ReadonlySet<string> | undefined;

/** Whether `code` is an assigned ISO 3166-1 alpha-2 code (upper case). */
export function isCountryCode(code: string): boolean {
  alpha2Codes ??= new Set(Object.keys(countries.getAlpha2Codes()));
  return /^[A-Z]{2}$/.test(code) && alpha2Codes.has(code);
}

/** Whether the country has a postcode system this validator knows (so a postcode is required). */
export function postcodeRequired(country: string): boolean {
  return postcodeValidatorExistsForCountry(country);
}

/** Whether `postcode` is valid for `country` (countries without a postcode system accept anything, including ''). */
export function isValidPostcode(postcode: string, country: string): boolean {
  if (!postcodeValidatorExistsForCountry(country)) return true;
  return postcodeValidator(postcode, country);
}

function clean(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

function cleanOptional(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const cleaned = clean(value);
  return cleaned === '' ? undefined : cleaned;
}

/** Trim and collapse whitespace, upper-case country, region code and postcode; drop empty optionals. */
export function normalizeAddress(address: Address): Address {
  const region = cleanOptional(address.region);
  return {
    name: clean(address.name),
    company: cleanOptional(address.company),
    line1: clean(address.line1),
    line2: cleanOptional(address.line2),
    city: clean(address.city),
    region: region !== undefined && /^[a-z]{2,3}$/i.test(region) ? region.toUpperCase() : region,
    postcode: clean(address.postcode).toUpperCase(),
    country: clean(address.country).toUpperCase(),
    phone: cleanOptional(address.phone),
  };
}

/**
 * Rules that depend on the country (valid ISO code, postcode format, region presence). Paths are
 * relative to the address. Messages never echo the values (no PII in logs or errors).
 */
export function countryRuleIssues(address: Pick<Address, 'country' | 'postcode' | 'region'>): FieldIssue[] {
  const country = clean(address.country).toUpperCase();
  if (!isCountryCode(country)) return [{ path: 'country', message: 'must be an ISO 3166-1 alpha-2 country code' }];
  const issues: FieldIssue[] = [];
  const postcode = clean(address.postcode).toUpperCase();
  if (postcode === '') {
    if (postcodeRequired(country)) issues.push({ path: 'postcode', message: `is required for ${country}` });
  } else if (!isValidPostcode(postcode, country)) {
    issues.push({ path: 'postcode', message: `is not a valid postcode for ${country}` });
  }
  if (REGION_REQUIRED_COUNTRIES.has(country) && cleanOptional(address.region) === undefined) {
    issues.push({ path: 'region', message: `is required for ${country}` });
  }
  return issues;
}

/** Full validation: required fields plus the country rules. Empty array = valid. */
export function validateAddress(address: Address): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const field of ['name', 'line1', 'city'] as const) {
    if (clean(address[field]) === '') issues.push({ path: field, message: 'is required' });
  }
  return [...issues, ...countryRuleIssues(address)];
}

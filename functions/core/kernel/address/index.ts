/**
 * Postal addresses: normalization and validation (ISO 3166-1 alpha-2 country, postcode per country,
 * region where carriers need it, required fields). Pure: no AWS imports. Postcode rules per country:
 * `postcode-rules.ts`; how the rules read: `postcode.ts`; rules in words: docs/domain-rules.md#addresses.
 */
// The library core only (codes), without the 600 KB of country-name locales its Node entry registers.
import countries from 'i18n-iso-countries/index.js';
import type { FieldIssue } from '../errors';
import type { Address } from '../values';
import { canonicalPostcode, expectedPostcodeFormat, normalizePostcode, postcodeRule } from './postcode';
export { addressIssueCode, classifyAddressIssues, isCorrectableAddressIssue } from './issues';
export type { AddressIssueClasses } from './issues';
import { normalizeRegion } from './regions';

export type { PostcodeKind, PostcodeRule } from './postcode';
export { canonicalPostcode, expectedPostcodeFormat, normalizePostcode, postcodeRule, postcodeRuleCountries } from './postcode';
export { normalizeRegion } from './regions';

/** Countries whose carriers need a state / province / territory on the label. */
export const REGION_REQUIRED_COUNTRIES: ReadonlySet<string> = new Set(['US', 'CA', 'AU', 'BR', 'MX', 'IN']);

/** Codes customers and platforms use that are not ISO 3166-1 alpha-2: `UK` (GB), `EL` (GR, EU usage). */
export const COUNTRY_ALIASES: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };

let alpha2Codes: ReadonlySet<string> | undefined;

/** Whether `code` is an assigned ISO 3166-1 alpha-2 code (upper case, aliases such as `UK` are not). */
export function isCountryCode(code: string): boolean {
  alpha2Codes ??= new Set(Object.keys(countries.getAlpha2Codes()));
  return /^[A-Z]{2}$/.test(code) && alpha2Codes.has(code);
}

/** Trimmed, upper case, aliases resolved (`uk` → `GB`, `EL` → `GR`). Not checked: see `isCountryCode`. */
export function normalizeCountryCode(country: string): string {
  const code = clean(country).toUpperCase();
  return Object.hasOwn(COUNTRY_ALIASES, code) ? (COUNTRY_ALIASES[code] ?? code) : code;
}

/** Whether the country requires a postcode (kind `required` in the rules table). */
export function postcodeRequired(country: string): boolean {
  return postcodeRule(normalizeCountryCode(country))?.kind === 'required';
}

/**
 * Whether `postcode` is acceptable for `country`: any spelling that normalizes to the canonical form
 * (`1000001` in JP); '' where the postcode is not required; anything where the country has no
 * postcode system, no known format, or the country is unknown (the country check reports that).
 */
export function isValidPostcode(postcode: string, country: string): boolean {
  const code = normalizeCountryCode(country);
  return postcodeIssue(normalizePostcode(postcode, code), code) === undefined;
}

function clean(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

function cleanOptional(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const cleaned = clean(value);
  return cleaned === '' ? undefined : cleaned;
}

/**
 * Trim and collapse whitespace; country upper case with aliases resolved; postcode in the country's
 * canonical form when it fits (otherwise cleaned, upper case); region names to codes for US, CA and AU;
 * drop empty optionals. Idempotent.
 */
export function normalizeAddress(address: Address): Address {
  const country = normalizeCountryCode(address.country);
  const region = cleanOptional(address.region);
  return {
    name: clean(address.name),
    company: cleanOptional(address.company),
    line1: clean(address.line1),
    line2: cleanOptional(address.line2),
    city: clean(address.city),
    region: region === undefined ? undefined : normalizeRegion(region, country),
    postcode: normalizePostcode(address.postcode, country),
    country,
    phone: cleanOptional(address.phone),
  };
}

/** The issue with a postcode (judged after normalization), or undefined. Messages say what is expected, never the value. */
function postcodeIssue(postcode: string, country: string): FieldIssue | undefined {
  const rule = postcodeRule(country);
  if (rule === undefined || rule.kind === 'none' || rule.masks.length === 0) return undefined;
  const expected = `(expected ${expectedPostcodeFormat(rule)})`;
  if (postcode === '') {
    return rule.kind === 'required' ? { path: 'postcode', message: `is required for ${country} ${expected}` } : undefined;
  }
  if (canonicalPostcode(postcode, country) !== undefined) return undefined;
  return { path: 'postcode', message: `is not a valid postcode for ${country} ${expected}` };
}

/**
 * Rules that depend on the country (valid ISO code, postcode format, region presence), judged on the
 * normalized values (so `1000001` is a valid JP postcode and `UK` means GB). Paths are relative to the
 * address. Messages never echo the values (no PII in logs or errors).
 */
export function countryRuleIssues(address: Pick<Address, 'country' | 'postcode' | 'region'>): FieldIssue[] {
  const country = normalizeCountryCode(address.country);
  if (!isCountryCode(country)) return [{ path: 'country', message: 'must be an ISO 3166-1 alpha-2 country code' }];
  const issues: FieldIssue[] = [];
  const postcode = postcodeIssue(normalizePostcode(address.postcode, country), country);
  if (postcode !== undefined) issues.push(postcode);
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

/**
 * Telling address problems a person can fix from the rest. The workflow HOLDs an order whose only
 * problems are correctable address issues (exception `INCORRECT_ADDRESS`: someone corrects the address
 * and releases it) instead of rejecting it; any other issue keeps its current handling.
 */
import type { FieldIssue } from '../errors';

/** Address fields whose issues a person (customer or operator) can correct. */
const CORRECTABLE_FIELDS: ReadonlySet<string> = new Set(['name', 'company', 'line1', 'line2', 'city', 'region', 'postcode', 'country']);

export interface AddressIssueClasses {
  /** Missing / malformed postcode, missing region, street, city or name, unknown country code. */
  readonly correctable: FieldIssue[];
  /** Everything else (not an address field, or outside `under`). */
  readonly other: FieldIssue[];
}

/**
 * Whether the issue is about an address field a person can correct. `under` is the address's path
 * prefix in the caller's issues (e.g. `shippingAddress`); without it, paths relative to the address
 * (as `validateAddress` returns them) and any dotted path ending in an address field count; with it,
 * only `<under>.<field>`.
 */
export function isCorrectableAddressIssue(issue: FieldIssue, under?: string): boolean {
  const { path } = issue;
  if (under !== undefined && under !== '') return path.startsWith(`${under}.`) && CORRECTABLE_FIELDS.has(path.slice(under.length + 1));
  return CORRECTABLE_FIELDS.has(path.slice(path.lastIndexOf('.') + 1));
}

/** Splits issues into correctable address issues and the others (order kept). */
export function classifyAddressIssues(issues: readonly FieldIssue[], under?: string): AddressIssueClasses {
  const correctable: FieldIssue[] = [];
  const other: FieldIssue[] = [];
  for (const issue of issues) (isCorrectableAddressIssue(issue, under) ? correctable : other).push(issue);
  return { correctable, other };
}

/** A machine-readable code for an address issue (from validateAddress / countryRuleIssues / the input caps). */
export function addressIssueCode(issue: FieldIssue): string {
  const field = issue.path.slice(issue.path.lastIndexOf('.') + 1);
  const { message } = issue;
  if (message.startsWith('must be at most')) return 'TOO_LONG';
  if (field === 'country') return 'COUNTRY_INVALID';
  if (field === 'postcode') return message.startsWith('is required') ? 'POSTCODE_MISSING' : 'POSTCODE_INVALID';
  if (field === 'region') return 'REGION_MISSING';
  return message.startsWith('is required') ? 'REQUIRED' : 'INVALID';
}

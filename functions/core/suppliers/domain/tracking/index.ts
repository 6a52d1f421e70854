/**
 * Tracking numbers: carrier detection, check-digit validation and normalisation of the free-text carrier
 * names suppliers send. Formats: ./formats.ts (jkeen/tracking_number_data, UPU S10 and carrier sources);
 * check digits: ./check-digits.ts; carriers, aliases and tracking URLs: ./carriers.ts.
 *
 * A plausible number that no rule knows is accepted with `verifiedBy: 'unverified'` and
 * `flag: 'UNVERIFIED_TRACKING'`: a parcel is never lost because this data is out of date.
 *
 * Pure: no I/O.
 */
import { CARRIER_NAMES, normalizeCarrier, trackingUrl, type Carrier } from './carriers';
import { checkDigitMatches } from './check-digits';
import { FORMATS, S10_BY_COUNTRY, S10_COUNTRIES, type FormatRule } from './formats';

export { CARRIERS, CARRIER_NAMES, normalizeCarrier, type Carrier } from './carriers';
export { FORMATS, type FormatRule } from './formats';
export { expectedCheckDigit, type CheckSpec } from './check-digits';

/** Tracking number as stored: upper case, spaces and separators removed. */
export function normalizeTrackingNumber(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export type TrackingInvalidReason =
  | 'EMPTY'
  /** No longer returned: an unknown carrier name is accepted as OTHER (kept for callers' switches). */
  | 'UNKNOWN_CARRIER'
  | 'UNRECOGNIZED_FORMAT'
  | 'CHECK_DIGIT_MISMATCH'
  | 'CARRIER_MISMATCH';

export type TrackingFlag = 'UNVERIFIED_TRACKING';

export interface ValidTracking {
  readonly valid: true;
  readonly trackingNumber: string;
  readonly carrier: Carrier;
  /** Display name; for OTHER, the carrier text the supplier sent. */
  readonly carrierName: string;
  /** Format name, e.g. "UPS", "USPS IMpb C", "FedEx Express (12)", "S10"; "Unverified" when none matched. */
  readonly format: string;
  /**
   * `check-digit`: the format's check digit was verified; `format`: the format has none; `unverified`: no
   * known format matched (or the carrier is unknown) but the number is plausible.
   */
  readonly verifiedBy: 'check-digit' | 'format' | 'unverified';
  /** Set when `verifiedBy` is `unverified`: surface it to operators. */
  readonly flag?: TrackingFlag | undefined;
  /** For an unverified number: the carrier whose checked format the number passes, if any (a hint). */
  readonly detectedCarrier?: Carrier | undefined;
  /** Public tracking page, when the carrier has one. */
  readonly trackingUrl?: string | undefined;
}

export interface InvalidTracking {
  readonly valid: false;
  readonly trackingNumber: string;
  readonly reason: TrackingInvalidReason;
  readonly message: string;
  /** Carrier the number actually matches, for CARRIER_MISMATCH. */
  readonly detectedCarrier?: Carrier | undefined;
  /** The format whose pattern matched but whose check failed, for CHECK_DIGIT_MISMATCH. */
  readonly format?: string | undefined;
}

export type TrackingValidation = ValidTracking | InvalidTracking;

interface Hit {
  readonly rule: FormatRule;
  readonly passed: boolean;
  readonly country?: string | undefined;
}

function evaluate(rule: FormatRule, trackingNumber: string): Hit | undefined {
  const match = rule.pattern.exec(trackingNumber);
  if (match === null) return undefined;
  const country = match.groups?.['cc'];
  if (rule.check === undefined) return { rule, passed: true, country };
  let serial = match.groups?.['s'] ?? '';
  if (rule.prepend !== undefined && !serial.startsWith(rule.prepend)) serial = `${rule.prepend}${serial}`;
  const countryOk = country === undefined || S10_COUNTRIES.has(country);
  return { rule, passed: countryOk && checkDigitMatches(rule.check, serial, match.groups?.['c'] ?? ''), country };
}

interface Scan {
  /** The rule that accepts the number. */
  readonly accepted?: Hit | undefined;
  /** The first rule whose pattern matched but whose check failed, and that blocks format-only rules. */
  readonly failed?: Hit | undefined;
}

/**
 * Rules in order: the first one that passes wins, except that a format-only rule cannot win after a
 * blocking check failure (`strict`: any failure; otherwise a failure of a distinctive format). A checked
 * rule still can (a later, more general format with its own check digit).
 */
function scan(rules: readonly FormatRule[], trackingNumber: string, strict: boolean): Scan {
  let failed: Hit | undefined;
  for (const rule of rules) {
    const hit = evaluate(rule, trackingNumber);
    if (hit === undefined) continue;
    if (hit.passed && (failed === undefined || rule.check !== undefined)) return { accepted: hit, failed };
    if (!hit.passed && failed === undefined && (strict || rule.distinctive === true)) failed = hit;
  }
  return { failed };
}

const DETECTABLE = FORMATS.filter((f) => f.detect !== false);

function rulesOf(carrier: Carrier): readonly FormatRule[] {
  return FORMATS.filter((f) => f.carrier === carrier || f.alsoFor?.includes(carrier) === true);
}

function detectedCarrierOf(hit: Hit): Carrier {
  if (hit.rule.name === 'S10' && hit.country !== undefined) return S10_BY_COUNTRY[hit.country] ?? 'POSTAL';
  return hit.rule.carrier;
}

function accepted(trackingNumber: string, hit: Hit, carrier: Carrier): ValidTracking {
  return {
    valid: true,
    trackingNumber,
    carrier,
    carrierName: CARRIER_NAMES[carrier],
    format: hit.rule.name,
    verifiedBy: hit.rule.check === undefined ? 'format' : 'check-digit',
    trackingUrl: trackingUrl(carrier, trackingNumber),
  };
}

/**
 * Plausible as a tracking number of some carrier: 8–40 letters/digits, at least 4 digits, at least 4
 * different characters (not `00000000`, `12121212`...).
 */
export function isPlausibleTrackingNumber(trackingNumber: string): boolean {
  if (!/^[A-Z0-9]{8,40}$/.test(trackingNumber)) return false;
  if ((trackingNumber.match(/[0-9]/g) ?? []).length < 4) return false;
  return new Set(trackingNumber).size >= 4;
}

function invalid(trackingNumber: string, reason: TrackingInvalidReason, message: string, extra: Partial<InvalidTracking> = {}): InvalidTracking {
  return { valid: false, trackingNumber, reason, message, ...extra };
}

function checkFailure(trackingNumber: string, hit: Hit): InvalidTracking {
  return invalid(
    trackingNumber,
    'CHECK_DIGIT_MISMATCH',
    `Tracking number has the ${hit.rule.name} format but its check digit (or embedded country code) is wrong.`,
    { format: hit.rule.name },
  );
}

/** Accepted unverified, or UNRECOGNIZED_FORMAT when not even plausible. */
function unverified(trackingNumber: string, carrier: Carrier, carrierName: string, hint?: Hit): TrackingValidation {
  if (!isPlausibleTrackingNumber(trackingNumber)) {
    return invalid(
      trackingNumber,
      'UNRECOGNIZED_FORMAT',
      carrier === 'OTHER' ? 'Tracking number matches no known format and does not look like a tracking number.' : `Tracking number matches no ${carrierName} format and does not look like a tracking number.`,
    );
  }
  return {
    valid: true,
    trackingNumber,
    carrier,
    carrierName,
    format: 'Unverified',
    verifiedBy: 'unverified',
    flag: 'UNVERIFIED_TRACKING',
    detectedCarrier: hint === undefined ? undefined : detectedCarrierOf(hint),
    trackingUrl: trackingUrl(carrier, trackingNumber),
  };
}

function withoutCarrier(trackingNumber: string): TrackingValidation {
  const { accepted: hit, failed } = scan(DETECTABLE, trackingNumber, false);
  if (hit !== undefined) return accepted(trackingNumber, hit, detectedCarrierOf(hit));
  if (failed !== undefined) return checkFailure(trackingNumber, failed);
  return unverified(trackingNumber, 'OTHER', CARRIER_NAMES.OTHER);
}

/** A number claimed by a carrier this pipeline does not know: S10 (universal) is still checked. */
function unknownCarrier(trackingNumber: string, carrierName: string): TrackingValidation {
  const s10 = scan(FORMATS.filter((f) => f.name === 'S10'), trackingNumber, true);
  if (s10.failed !== undefined) return checkFailure(trackingNumber, s10.failed);
  const hint = scan(DETECTABLE, trackingNumber, false).accepted;
  return unverified(trackingNumber, 'OTHER', carrierName.trim(), hint?.rule.check === undefined ? undefined : hint);
}

function namedCarrier(trackingNumber: string, carrier: Carrier): TrackingValidation {
  const own = rulesOf(carrier);
  const { accepted: hit, failed } = scan(own, trackingNumber, true);
  if (hit !== undefined) return accepted(trackingNumber, hit, carrier);
  if (failed !== undefined) return checkFailure(trackingNumber, failed);
  // Only a distinctive format (1Z…, 92–95 IMpb, S10, 96… FedEx Ground…) proves another carrier: a bare
  // digit string passes some other carrier's mod-7/mod-10 by chance (1 in 7 to 1 in 10), and rejecting it
  // would turn a real parcel into a poison message.
  const other = scan(DETECTABLE.filter((f) => f.check !== undefined && f.distinctive === true && !own.includes(f)), trackingNumber, false).accepted;
  if (other !== undefined && !own.some((f) => f.pattern.test(trackingNumber))) {
    const detected = detectedCarrierOf(other);
    return invalid(
      trackingNumber,
      'CARRIER_MISMATCH',
      `Tracking number is a valid ${CARRIER_NAMES[detected]} number (${other.rule.name}), not a ${CARRIER_NAMES[carrier]} number.`,
      { detectedCarrier: detected },
    );
  }
  // Not a distinctive other carrier's number: accepted unverified, with the carrier whose check digit it
  // passes as a hint for the operator.
  const hint = scan(DETECTABLE.filter((f) => f.check !== undefined && !own.includes(f)), trackingNumber, false).accepted;
  return unverified(trackingNumber, carrier, CARRIER_NAMES[carrier], hint);
}

/**
 * Validate a tracking number, optionally against the carrier the supplier named (free text).
 *
 * - Without a carrier: the carrier is detected from the number, most specific format first (USPS IMpb
 *   92–95 before anything else; a 22-digit 96… is FedEx Ground).
 * - With a known carrier: the number must fit one of that carrier's formats (a post's S10 numbers keep
 *   the named post); a number that fits none of them but passes another carrier's check digit is
 *   CARRIER_MISMATCH (`detectedCarrier`); one that fits nothing known is accepted unverified.
 * - With an unknown carrier name: accepted unverified as carrier OTHER (the name kept as `carrierName`);
 *   S10 numbers are still checked.
 * - A known format whose check digit (or S10 country) fails is CHECK_DIGIT_MISMATCH; an empty number is
 *   EMPTY; an implausible one (see isPlausibleTrackingNumber) is UNRECOGNIZED_FORMAT.
 */
export function validateTrackingNumber(rawTrackingNumber: string, carrierName?: string): TrackingValidation {
  const trackingNumber = normalizeTrackingNumber(rawTrackingNumber);
  if (trackingNumber === '') return invalid(trackingNumber, 'EMPTY', 'Tracking number is empty.');
  if (new Set(trackingNumber).size < 2) return invalid(trackingNumber, 'UNRECOGNIZED_FORMAT', 'Tracking number is one repeated character.');
  if (carrierName === undefined || carrierName.trim() === '') return withoutCarrier(trackingNumber);
  const carrier = normalizeCarrier(carrierName);
  return carrier === undefined ? unknownCarrier(trackingNumber, carrierName) : namedCarrier(trackingNumber, carrier);
}

/**
 * Tracking numbers: carrier detection and check-digit validation with `ts-tracking-number` (the
 * jkeen/tracking_number_data formats: UPS, USPS, FedEx, DHL, OnTrac, Amazon Logistics and UPU S10
 * postal numbers), plus normalisation of the free-text carrier names suppliers send.
 *
 * Pure: no I/O. The library's data is bundled JSON.
 */
import { allCouriers, getTracking } from 'ts-tracking-number';
import type { TrackingCourier } from 'ts-tracking-number';

export const CARRIERS = ['UPS', 'USPS', 'FEDEX', 'DHL', 'AMAZON', 'ONTRAC', 'POSTAL'] as const;
/** Normalised carrier code. POSTAL = a national post using UPU S10 numbers (Royal Mail, Canada Post...). */
export type Carrier = (typeof CARRIERS)[number];

export const CARRIER_NAMES: Readonly<Record<Carrier, string>> = {
  UPS: 'UPS',
  USPS: 'USPS',
  FEDEX: 'FedEx',
  DHL: 'DHL',
  AMAZON: 'Amazon Logistics',
  ONTRAC: 'OnTrac',
  POSTAL: 'Postal service (UPU S10)',
};

/** Library courier code → our carrier. */
const COURIER_TO_CARRIER: Readonly<Record<string, Carrier>> = {
  ups: 'UPS',
  usps: 'USPS',
  fedex: 'FEDEX',
  dhl: 'DHL',
  amazon: 'AMAZON',
  ontrac: 'ONTRAC',
  s10: 'POSTAL',
};

/**
 * Which library formats a claimed carrier may use. National posts (USPS included) also issue UPU S10
 * numbers for international items (e.g. `RB123456785US`).
 */
const CARRIER_COURIERS: Readonly<Record<Carrier, readonly string[]>> = {
  UPS: ['ups'],
  USPS: ['usps', 's10'],
  FEDEX: ['fedex'],
  DHL: ['dhl'],
  AMAZON: ['amazon'],
  ONTRAC: ['ontrac'],
  POSTAL: ['s10'],
};

/** Aliases, compared after lower-casing and removing everything but letters and digits. */
const CARRIER_ALIASES: ReadonlyArray<readonly [Carrier, readonly string[]]> = [
  ['UPS', ['ups', 'unitedparcelservice', 'upsground', 'upsexpress', 'upsairexpress', 'upsworldwide', 'upsstandard']],
  [
    'USPS',
    ['usps', 'uspostalservice', 'unitedstatespostalservice', 'uspostal', 'usmail', 'uspsfirstclass', 'uspspriority', 'uspsprioritymail', 'uspsgroundadvantage'],
  ],
  [
    'FEDEX',
    ['fedex', 'federalexpress', 'fedexground', 'fedexexpress', 'fedexsmartpost', 'fedexgroundeconomy', 'fedexhomedelivery', 'fdx'],
  ],
  ['DHL', ['dhl', 'dhlexpress', 'dhlecommerce', 'dhlparcel', 'dhlglobalmail', 'dhlworldwide']],
  ['AMAZON', ['amazon', 'amazonlogistics', 'amzl', 'amazonshipping']],
  ['ONTRAC', ['ontrac', 'ontraclogistics']],
  [
    'POSTAL',
    [
      'postal', 's10', 'upu', 'royalmail', 'parcelforce', 'canadapost', 'postescanada', 'australiapost', 'nzpost',
      'laposte', 'colissimo', 'deutschepost', 'postnl', 'bpost', 'correos', 'ctt', 'posteitaliane', 'chinapost',
      'japanpost', 'postnord', 'swisspost', 'anpost', 'poczta', 'pocztapolska', 'indiapost', 'koreapost',
    ],
  ],
];

const ALIAS_INDEX: ReadonlyMap<string, Carrier> = new Map(
  CARRIER_ALIASES.flatMap(([carrier, aliases]) => aliases.map((a) => [a, carrier] as const)),
);

function aliasKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Normalise a free-text carrier name (`"Fed Ex Ground"`, `"U.S.P.S."`, `"Royal Mail"`) to a Carrier. */
export function normalizeCarrier(name: string): Carrier | undefined {
  const key = aliasKey(name);
  if (key === '') return undefined;
  return ALIAS_INDEX.get(key);
}

/** Tracking number as stored: upper case, spaces and separators removed. */
export function normalizeTrackingNumber(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export type TrackingInvalidReason =
  | 'EMPTY'
  | 'UNKNOWN_CARRIER'
  | 'UNRECOGNIZED_FORMAT'
  | 'CHECK_DIGIT_MISMATCH'
  | 'CARRIER_MISMATCH';

export interface ValidTracking {
  readonly valid: true;
  readonly trackingNumber: string;
  readonly carrier: Carrier;
  readonly carrierName: string;
  /** The library's format name, e.g. "UPS", "USPS 91", "FedEx Express (12)", "S10". */
  readonly format: string;
  /** `check-digit` when the format has a check digit that was verified, `format` when it has none. */
  readonly verifiedBy: 'check-digit' | 'format';
  /** Public tracking page, when the format has one. */
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

interface FormatPattern {
  readonly carrier: Carrier;
  readonly courierCode: string;
  readonly name: string;
  readonly pattern: RegExp;
  readonly hasCheckDigit: boolean;
}

const FORMATS: readonly FormatPattern[] = allCouriers.flatMap((courier) =>
  courier.tracking_numbers.map((t) => {
    const source = typeof t.regex === 'string' ? t.regex : t.regex.join('');
    return {
      carrier: COURIER_TO_CARRIER[courier.courier_code] ?? 'POSTAL',
      courierCode: courier.courier_code,
      name: t.name,
      pattern: new RegExp(`^(?:${source})$`),
      hasCheckDigit: t.validation.checksum !== undefined,
    };
  }),
);

function couriersFor(carrier: Carrier): readonly TrackingCourier[] {
  const codes = CARRIER_COURIERS[carrier];
  return allCouriers.filter((c) => codes.includes(c.courier_code));
}

function formatsFor(carrier: Carrier | undefined): readonly FormatPattern[] {
  if (carrier === undefined) return FORMATS;
  const codes = CARRIER_COURIERS[carrier];
  return FORMATS.filter((f) => codes.includes(f.courierCode));
}

function detect(trackingNumber: string, couriers: readonly TrackingCourier[]): ValidTracking | undefined {
  const found = getTracking(trackingNumber, couriers);
  if (found === undefined) return undefined;
  const carrier = COURIER_TO_CARRIER[found.courier.code] ?? 'POSTAL';
  const format = FORMATS.find((f) => f.courierCode === found.courier.code && f.name === found.name);
  return {
    valid: true,
    trackingNumber,
    carrier,
    carrierName: CARRIER_NAMES[carrier],
    format: found.name,
    verifiedBy: format?.hasCheckDigit === false ? 'format' : 'check-digit',
    trackingUrl: found.trackingUrl === null ? undefined : found.trackingUrl.replace('%s', trackingNumber),
  };
}

/**
 * Validate a tracking number, optionally against the carrier the supplier named.
 *
 * - With a carrier: the number must be a valid number of that carrier (format + check digit);
 *   a number valid only for another carrier is CARRIER_MISMATCH (with `detectedCarrier`).
 * - Without a carrier: the carrier is detected from the number.
 * - A number that matches a format's pattern but fails its check digit (or its embedded service /
 *   country code lookup) is CHECK_DIGIT_MISMATCH; one that matches no pattern is UNRECOGNIZED_FORMAT.
 */
export function validateTrackingNumber(rawTrackingNumber: string, carrierName?: string): TrackingValidation {
  const trackingNumber = normalizeTrackingNumber(rawTrackingNumber);
  if (trackingNumber === '') {
    return { valid: false, trackingNumber, reason: 'EMPTY', message: 'Tracking number is empty.' };
  }
  let carrier: Carrier | undefined;
  if (carrierName !== undefined && carrierName.trim() !== '') {
    carrier = normalizeCarrier(carrierName);
    if (carrier === undefined) {
      return {
        valid: false,
        trackingNumber,
        reason: 'UNKNOWN_CARRIER',
        message: `Carrier "${carrierName}" is not one this pipeline can verify (supported: ${CARRIERS.map((c) => CARRIER_NAMES[c]).join(', ')}).`,
      };
    }
  }

  const match = detect(trackingNumber, carrier === undefined ? allCouriers : couriersFor(carrier));
  if (match !== undefined) {
    // A national post's S10 number (e.g. USPS `...US`) keeps the carrier the supplier named.
    return carrier === undefined ? match : { ...match, carrier, carrierName: CARRIER_NAMES[carrier] };
  }

  if (carrier !== undefined) {
    const other = detect(trackingNumber, allCouriers);
    if (other !== undefined) {
      return {
        valid: false,
        trackingNumber,
        reason: 'CARRIER_MISMATCH',
        detectedCarrier: other.carrier,
        message: `Tracking number is a valid ${other.carrierName} number (${other.format}), not a ${CARRIER_NAMES[carrier]} number.`,
      };
    }
  }

  const patternHit = formatsFor(carrier).find((f) => f.pattern.test(trackingNumber));
  if (patternHit !== undefined) {
    return {
      valid: false,
      trackingNumber,
      reason: 'CHECK_DIGIT_MISMATCH',
      format: patternHit.name,
      message: `Tracking number has the ${patternHit.name} format but its check digit (or embedded service/country code) is wrong.`,
    };
  }
  return {
    valid: false,
    trackingNumber,
    reason: 'UNRECOGNIZED_FORMAT',
    message:
      carrier === undefined
        ? 'Tracking number matches no known carrier format.'
        : `Tracking number matches no ${CARRIER_NAMES[carrier]} format.`,
  };
}

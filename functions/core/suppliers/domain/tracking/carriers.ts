/**
 * Carriers: codes, display names, public tracking URL templates and the free-text names suppliers send.
 * URL templates: jkeen/tracking_number_data (UPS, USPS, FedEx, DHL, DPD, Canada Post, YunExpress) and
 * the carriers' own tracking pages (the others). `%s` is replaced by the normalised tracking number.
 */

export const CARRIERS = [
  'UPS', 'USPS', 'FEDEX', 'DHL', 'AMAZON', 'ONTRAC', 'POSTAL',
  'DPD', 'GLS', 'EVRI', 'POSTNL', 'ROYAL_MAIL', 'CANADA_POST', 'AUSTRALIA_POST',
  'CHINA_POST', 'CAINIAO', 'YUNEXPRESS', 'FOURPX', 'YANWEN', 'OTHER',
] as const;
/**
 * Normalised carrier code. POSTAL = a national post using UPU S10 numbers that has no code of its own;
 * OTHER = a carrier this pipeline does not know (the supplier's text is kept as `carrierName`).
 */
export type Carrier = (typeof CARRIERS)[number];

export const CARRIER_NAMES: Readonly<Record<Carrier, string>> = {
  UPS: 'UPS',
  USPS: 'USPS',
  FEDEX: 'FedEx',
  DHL: 'DHL',
  AMAZON: 'Amazon Logistics',
  ONTRAC: 'OnTrac',
  POSTAL: 'Postal service (UPU S10)',
  DPD: 'DPD',
  GLS: 'GLS',
  EVRI: 'Evri',
  POSTNL: 'PostNL',
  ROYAL_MAIL: 'Royal Mail',
  CANADA_POST: 'Canada Post',
  AUSTRALIA_POST: 'Australia Post',
  CHINA_POST: 'China Post',
  CAINIAO: 'Cainiao',
  YUNEXPRESS: 'YunExpress',
  FOURPX: '4PX',
  YANWEN: 'Yanwen',
  OTHER: 'Other carrier',
};

export const TRACKING_URLS: Readonly<Partial<Record<Carrier, string>>> = {
  UPS: 'https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=%s',
  USPS: 'https://tools.usps.com/go/TrackConfirmAction?tLabels=%s',
  FEDEX: 'https://www.fedex.com/apps/fedextrack/?tracknumbers=%s',
  DHL: 'https://www.dhl.com/en/express/tracking.html?brand=DHL&AWB=%s',
  AMAZON: 'https://track.amazon.com/tracking/%s',
  ONTRAC: 'https://www.ontrac.com/tracking/?number=%s',
  DPD: 'https://www.dpdgroup.com/nl/mydpd/my-parcels/track?lang=en&parcelNumber=%s',
  GLS: 'https://gls-group.com/GROUP/en/parcel-tracking?match=%s',
  EVRI: 'https://www.evri.com/track/parcel/%s',
  POSTNL: 'https://jouw.postnl.nl/track-and-trace/%s',
  ROYAL_MAIL: 'https://www.royalmail.com/track-your-item#/tracking-results/%s',
  CANADA_POST: 'https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=%s',
  AUSTRALIA_POST: 'https://auspost.com.au/mypost/track/details/%s',
  CAINIAO: 'https://global.cainiao.com/detail.htm?mailNoList=%s',
  YUNEXPRESS: 'https://www.yuntrack.com/parcelTracking?id=%s',
  FOURPX: 'https://track.4px.com/#/result/0/%s',
  YANWEN: 'https://track.yw56.com.cn/en/querydel?nums=%s',
};

/** Aliases, compared after lower-casing and removing everything but letters and digits. */
const CARRIER_ALIASES: ReadonlyArray<readonly [Carrier, readonly string[]]> = [
  ['UPS', ['ups', 'unitedparcelservice', 'upsground', 'upsexpress', 'upsairexpress', 'upsworldwide', 'upsstandard', 'upsmailinnovations', 'upssurepost']],
  ['USPS', ['usps', 'uspostalservice', 'unitedstatespostalservice', 'uspostal', 'usmail', 'uspsfirstclass', 'uspspriority', 'uspsprioritymail', 'uspsgroundadvantage']],
  ['FEDEX', ['fedex', 'federalexpress', 'fedexground', 'fedexexpress', 'fedexsmartpost', 'fedexgroundeconomy', 'fedexhomedelivery', 'fdx']],
  ['DHL', ['dhl', 'dhlexpress', 'dhlecommerce', 'dhlecom', 'dhlparcel', 'dhlglobalmail', 'dhlworldwide', 'dhlpaket']],
  ['AMAZON', ['amazon', 'amazonlogistics', 'amzl', 'amazonshipping', 'amzlus', 'amzn']],
  ['ONTRAC', ['ontrac', 'ontraclogistics']],
  ['DPD', ['dpd', 'dpduk', 'dpdlocal', 'dpdgroup', 'dynamicparceldistribution']],
  ['GLS', ['gls', 'generallogisticssystems', 'glsgroup']],
  ['EVRI', ['evri', 'hermes', 'hermesuk', 'myhermes', 'hermesparcelnet']],
  ['POSTNL', ['postnl', 'tntpost']],
  ['ROYAL_MAIL', ['royalmail', 'parcelforce', 'parcelforceworldwide', 'royalmailgroup']],
  ['CANADA_POST', ['canadapost', 'postescanada', 'canadapostpostescanada']],
  ['AUSTRALIA_POST', ['australiapost', 'auspost', 'startrack']],
  ['CHINA_POST', ['chinapost', 'chinaems', 'ems', 'epacket', 'chinapostregisteredairmail', 'chinapostairmail']],
  ['CAINIAO', ['cainiao', 'aliexpressstandardshipping', 'aliexpressstandard', 'aliexpressshipping', 'aliexpress', 'cainiaosuperecono', 'cainiaoexpress']],
  ['YUNEXPRESS', ['yunexpress', 'yuntrack']],
  ['FOURPX', ['4px', 'fourpx', '4pxexpress', '4pxworldwide']],
  ['YANWEN', ['yanwen', 'yanwenexpress', 'ypost']],
  [
    'POSTAL',
    [
      'postal', 's10', 'upu', 'nzpost', 'laposte', 'colissimo', 'deutschepost', 'bpost', 'correos', 'ctt',
      'posteitaliane', 'japanpost', 'postnord', 'swisspost', 'anpost', 'poczta', 'pocztapolska', 'indiapost',
      'koreapost', 'hongkongpost', 'singpost', 'austrianpost', 'postat',
    ],
  ],
];

const ALIASES: ReadonlyArray<readonly [string, Carrier]> = CARRIER_ALIASES.flatMap(([carrier, aliases]) =>
  aliases.map((a) => [a, carrier] as const),
).sort((a, b) => b[0].length - a[0].length);

function aliasKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Normalise a free-text carrier name (`"Fed Ex Ground"`, `"U.S.P.S."`, `"Royal Mail Tracked 48"`) to a
 * Carrier: an exact alias, else the longest alias the name starts with. Undefined when unknown (never OTHER).
 */
export function normalizeCarrier(name: string): Carrier | undefined {
  const key = aliasKey(name);
  if (key === '') return undefined;
  const exact = ALIASES.find(([alias]) => alias === key);
  if (exact !== undefined) return exact[1];
  return ALIASES.find(([alias]) => alias.length >= 3 && key.startsWith(alias))?.[1];
}

export function trackingUrl(carrier: Carrier, trackingNumber: string): string | undefined {
  return TRACKING_URLS[carrier]?.replace('%s', encodeURIComponent(trackingNumber));
}

/**
 * Region (state / province / territory) names to their postal codes for the countries whose carriers
 * want the code on the label: US (USPS), CA (Canada Post), AU (Australia Post). Codes are written
 * upper case, names matched case- and space-insensitively; anything else is kept as written.
 */
const REGION_NAMES: Readonly<Record<string, string>> = {
  US:
    'AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|DE Delaware|' +
    'DC District of Columbia|FL Florida|GA Georgia|HI Hawaii|ID Idaho|IL Illinois|IN Indiana|IA Iowa|' +
    'KS Kansas|KY Kentucky|LA Louisiana|ME Maine|MD Maryland|MA Massachusetts|MI Michigan|MN Minnesota|' +
    'MS Mississippi|MO Missouri|MT Montana|NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey|' +
    'NM New Mexico|NY New York|NC North Carolina|ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon|' +
    'PA Pennsylvania|RI Rhode Island|SC South Carolina|SD South Dakota|TN Tennessee|TX Texas|UT Utah|' +
    'VT Vermont|VA Virginia|WA Washington|WV West Virginia|WI Wisconsin|WY Wyoming|AS American Samoa|' +
    'GU Guam|MP Northern Mariana Islands|PR Puerto Rico|VI U.S. Virgin Islands|VI Virgin Islands|' +
    'AA Armed Forces Americas|AE Armed Forces Europe|AP Armed Forces Pacific',
  CA:
    'AB Alberta|BC British Columbia|MB Manitoba|NB New Brunswick|NL Newfoundland and Labrador|' +
    'NL Newfoundland|NS Nova Scotia|NT Northwest Territories|NU Nunavut|ON Ontario|PE Prince Edward Island|' +
    'QC Quebec|QC Québec|SK Saskatchewan|YT Yukon',
  AU:
    'ACT Australian Capital Territory|NSW New South Wales|NT Northern Territory|QLD Queensland|' +
    'SA South Australia|TAS Tasmania|VIC Victoria|WA Western Australia',
};

const lookups = new Map<string, ReadonlyMap<string, string>>();

function lookup(country: string): ReadonlyMap<string, string> | undefined {
  const cached = lookups.get(country);
  if (cached !== undefined) return cached;
  const table = Object.hasOwn(REGION_NAMES, country) ? REGION_NAMES[country] : undefined;
  if (table === undefined) return undefined;
  const map = new Map<string, string>();
  for (const entry of table.split('|')) {
    const space = entry.indexOf(' ');
    map.set(entry.slice(space + 1).toUpperCase(), entry.slice(0, space));
  }
  lookups.set(country, map);
  return map;
}

/** `California` → `CA` (US), `ontario` → `ON` (CA), `new south wales` → `NSW` (AU); 2-3 letter codes upper-cased. */
export function normalizeRegion(region: string, country: string): string {
  if (/^[a-z]{2,3}$/i.test(region)) return region.toUpperCase();
  return lookup(country)?.get(region.toUpperCase()) ?? region;
}

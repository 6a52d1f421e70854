import fc from 'fast-check';
import countries from 'i18n-iso-countries/index.js';
import { describe, expect, it } from 'vitest';
import {
  canonicalPostcode,
  countryRuleIssues,
  isValidPostcode,
  normalizeAddress,
  normalizePostcode,
  postcodeRequired,
  postcodeRule,
  postcodeRuleCountries,
  validateAddress,
} from '../../../functions/core/kernel/address';
import type { Address } from '../../../functions/core/kernel/values';

const base: Address = { name: 'Ada Lovelace', line1: 'Invalidenstrasse 117', city: 'Berlin', postcode: '10115', country: 'DE' };
const isoCodes = Object.keys(countries.getAlpha2Codes()).sort();

describe('a postcode rule for every ISO 3166-1 alpha-2 country', () => {
  it('every alpha-2 code of i18n-iso-countries has a rule, and the table has no other code', () => {
    expect(isoCodes.filter((code) => postcodeRule(code) === undefined)).toEqual([]);
    expect(postcodeRuleCountries().filter((code) => !isoCodes.includes(code))).toEqual([]);
  });

  it('a required postcode always has a canonical format; countries without a postcode system have none', () => {
    for (const code of isoCodes) {
      const rule = postcodeRule(code);
      if (rule?.kind === 'required') expect(rule.formats.length, code).toBeGreaterThan(0);
      if (rule?.kind === 'none') expect(rule.formats, code).toEqual([]);
    }
  });

  it.each([
    ['IE', 'optional'],
    ['HK', 'none'],
    ['AE', 'none'],
    ['DE', 'required'],
    ['JP', 'required'],
    ['GB', 'required'],
    ['TR', 'optional'],
  ])('%s: %s', (country, kind) => expect(postcodeRule(country)?.kind).toBe(kind));
});

// Examples from the data sets (Shopify/worldwide zip_example, google/libaddressinput zipex): every one
// normalizes to a canonical form that passes validation and normalizes to itself.
const DATASET_EXAMPLES =
  'AD:AD100,AD501,AD700|AF:1001,2601,3801|AI:AI-2640,2640|AL:1001,1017,3501|AM:0001,0002,0010|' +
  'AR:C1070AAM,C1000WAM,B1000TBU,X5187XAB|AS:96799|AT:1010,3741|AU:2060,3171,6430,4000|AX:22150,22550,22240,22710|' +
  'AZ:1000|BA:71000|BB:BB15028,BB23026,BB22025|BD:1340,1000|BE:4000,1000|BF:10010|BG:1000,1700|BH:317|' +
  'BL:97091,97100|BM:FL 07,HM GX,HM 12|BN:BT2328,KA1131,BA1511|BR:22290175,40301-110,70002-900|' +
  'BT:11001,31101,35003|BY:223016,225860,220050|CA:K1P 1J1,H3Z 2Y7,V8X 3X4,T0L 1K0|CC:6799|CH:2544,1211,1556,3030|' +
  'CL:8340457,8720019,1230000,8329100|CN:266033,317204,100096,100808|CO:111221,130001,760011|CR:10108|CU:80100|' +
  'CV:7600|CX:6798|CY:2008,3304,1900|CZ:100 00,251 66,530 87,110 00|DE:56068,26133,53225|DK:8660,1566|' +
  'DO:11903,10101|DZ:40304,16027|EC:090105,EC090112|EE:69501,11212|EG:12411,11599|EH:70000,72000|' +
  'ES:28039,28300,28070|ET:1000|FI:00550,00011|FK:FIQQ 1ZZ|FM:96941,96944|FO:100|FR:34000,33380,34092,33506|' +
  'GB:SE22 8DL,EC1Y 8SY,M2 5BQ,M34 4AB|GE:0101|GF:97300|GG:GY1 1AA,GY2 2BT|GH:GA-120-9182|GI:GX11 1AA|' +
  'GL:3911,3900,3950|GN:011,001,200,100|GP:97100|GR:151 24,151 10,101 88|GS:SIQQ 1ZZ|GT:09001,01501|' +
  'GU:96910,96931|GW:1000,1011|HN:31301|HR:10000,21001,10002|HT:HT6120,6120,5310,6110|HU:1037,2380,1540|ID:40115|' +
  'IE:D02 AF30|IL:9614303|IM:IM2 1AA,IM99 1PS|IN:110034,110001|IO:BBND 1ZZ|IQ:31001|IR:11936-12345|' +
  'IS:320,121,220,110|IT:00144,47037,39049|JE:JE1 1AA,JE2 2BT|JO:11937,11190|' +
  'JP:154-0023,350-1106,951-8073,112-0001|KE:20100,00100|KG:720001|KH:120203,12203,14206,12000|KN:KN0101|KR:01600|' +
  'KW:54541,54551,54404,13009|KY:KY1-1100,KY1-1702,KY2-2101|KZ:040900,050012|LA:01160,01000|' +
  'LB:2038 3054,1107 2810,1000|LC:LC05  201|LI:9496,9491,9490,9485|LK:20000,00100|LR:1000|LS:100|LT:04340,03500|' +
  'LU:4750,2998|LV:LV-1073,LV-1000|MA:53000,10000,20050,16052|MC:98000,98020,98011,98001|MD:2012,2019|' +
  'ME:81257,81258,81217,84314|MF:97150|MG:501,101|MH:96960,96970|MK:1314,1321,1443,1062|MM:1508203,11181|' +
  'MN:65030,65270|MP:96950,96951,96952|MQ:97220|MS:MSR1210|MT:VLT 1933,BZN 1130,SPB 6031,VCT 1753|MU:11106|' +
  'MV:20026|MW:207201|MX:02860,77520,06082|MY:43000,50754,88990,50670|MZ:1102,1119,3212|NA:10005|' +
  'NC:98814,98800,98810|NE:8001|NF:2899|NG:930283,300001,931104|NI:52000|NL:1065 AM,1234 AB,2490 AA|' +
  'NO:0025,0107,6631|NP:44601|NR:NRU68|NU:9974|NZ:6001,6015,6332,8252|OM:133,112,111|PA:0801|' +
  'PE:LIMA 23,LIMA 42,CALLAO 2,02001|PF:98709|PG:111|PH:1008,1050,1135,1207|PK:44000|' +
  'PL:00-950,05-470,48-300,32-015|PM:97500|PN:PCRN 1ZZ|PR:00930|PT:2725-079,1250-096,1201-950,2860-571|PW:96940|' +
  'PY:001015,1536,1538,1209|RE:97400|RO:060274,061357,200716|RS:106314|RU:125076,125075,247112,103375|' +
  'SA:11564,11187,11142|SD:13311|SE:11455,12345,10500|SG:546080,308125,408600|SH:STHL 1ZZ|SI:4000,1001,2500|' +
  'SJ:9170|SK:010 01,023 14,972 48,921 01|SM:47890,47891,47895,47899|SN:12500,46024,16556,10000|' +
  'SO:JH  09010,09010,11010|SS:81111|SV:CP 1101|SZ:H100|TC:TKCA 1ZZ|TH:10150,10210|TJ:735450,734025|TM:744000|' +
  'TN:1002,8129,3100,1030|TR:01960,06101|TT:120110|TW:104,106,10603,40867|TZ:6090|UA:15432,01055,01001|UM:96898|' +
  'US:90210,95014,22162-1010|UY:11600|UZ:140100,702100,700000|VA:00120|VC:VC0100,VC0110,VC0400|' +
  'VE:1010,3001,8011,1020|VG:VG1110,VG1150,VG1160|VI:00802-1222,00850-9802|VN:119415,136065,720344|WF:98600|' +
  'WS:WS1434|XK:10000|YT:97600|ZA:0083,1451,0001|ZM:50100,50101|' +
  '';

const examples = DATASET_EXAMPLES.split('|')
  .filter((entry) => entry !== '')
  .flatMap((entry) => {
    const [country = '', list = ''] = entry.split(':');
    return list.split(',').map((postcode) => [country, postcode] as const);
  });

describe('data set examples', () => {
  it('covers every country with a postcode format', () => {
    const covered = new Set(examples.map(([country]) => country));
    const withFormat = isoCodes.filter((code) => (postcodeRule(code)?.formats.length ?? 0) > 0 && code !== 'TF');
    expect(withFormat.filter((code) => !covered.has(code))).toEqual([]);
  });

  it.each(examples)('%s %j is canonical after normalization and valid', (country, postcode) => {
    const canonical = canonicalPostcode(postcode, country);
    expect(canonical).toBeDefined();
    expect(normalizePostcode(canonical ?? '', country)).toBe(canonical);
    expect(countryRuleIssues({ country, postcode: canonical ?? '', region: 'XX' })).toEqual([]);
  });
});

describe('real-world spellings are normalized to the canonical form', () => {
  it.each([
    ['JP', '1000001', '100-0001'],
    ['JP', '１００－０００１', '100-0001'],
    ['JP', '〒100-0001', '100-0001'],
    ['US', '10001 1234', '10001-1234'],
    ['US', '100011234', '10001-1234'],
    ['US', ' 90210 ', '90210'],
    ['PL', '00950', '00-950'],
    ['PL', '00 950', '00-950'],
    ['LT', 'LT-01103', '01103'],
    ['LU', 'L-1234', '1234'],
    ['LU', 'LU-1234', '1234'],
    ['MD', 'MD-2001', '2001'],
    ['DE', 'D-10115', '10115'],
    ['DE', 'DE 10115', '10115'],
    ['FR', 'F-75001', '75001'],
    ['CH', 'CH-8001', '8001'],
    ['AT', 'A-1010', '1010'],
    ['NL', 'NL-1011 AB', '1011 AB'],
    ['NL', '1011ab', '1011 AB'],
    ['NL', '1011  ab', '1011 AB'],
    ['SE', 'S-114 55', '114 55'],
    ['SE', '11455', '114 55'],
    ['FI', 'FIN-00550', '00550'],
    ['SI', 'SLO-1000', '1000'],
    ['JE', 'JE23AB', 'JE2 3AB'],
    ['GG', 'GY11AA', 'GY1 1AA'],
    ['IM', 'im11aa', 'IM1 1AA'],
    ['GI', 'GX111AA', 'GX11 1AA'],
    ['FK', 'FIQQ1ZZ', 'FIQQ 1ZZ'],
    ['SH', 'sthl1zz', 'STHL 1ZZ'],
    ['GB', 'SW1A1AA', 'SW1A 1AA'],
    ['GB', 'sw1a   1aa', 'SW1A 1AA'],
    ['GB', 'M11AE', 'M1 1AE'],
    ['CA', 'k1a0b1', 'K1A 0B1'],
    ['CA', 'K1A-0B1', 'K1A 0B1'],
    ['BR', '01310100', '01310-100'],
    ['PT', '1000001', '1000-001'],
    ['PT', 'P-1000-001', '1000-001'],
    ['CZ', '11000', '110 00'],
    ['SK', '81101', '811 01'],
    ['GR', '10431', '104 31'],
    ['GR', 'EL-104 31', '104 31'],
    ['IE', 'd02af30', 'D02 AF30'],
    ['IE', 'D6WXY12', 'D6W XY12'],
    ['LV', '1073', 'LV-1073'],
    ['LV', 'lv 1073', 'LV-1073'],
    ['AD', '500', 'AD500'],
    ['KY', 'KY1 1100', 'KY1-1100'],
    ['PR', '00930', '00930'],
    ['IN', '110 034', '110034'],
  ])('%s %j → %j', (country, written, canonical) => {
    expect(normalizePostcode(written, country)).toBe(canonical);
    expect(isValidPostcode(written, country)).toBe(true);
    expect(countryRuleIssues({ country, postcode: written, region: 'XX' })).toEqual([]);
  });
});

describe('wrong postcodes are refused with the expected format, never the value', () => {
  it.each([
    ['JP', '100001', 'is not a valid postcode for JP (expected NNN-NNNN)'],
    ['US', '9021', 'is not a valid postcode for US (expected NNNNN or NNNNN-NNNN)'],
    ['US', 'ABCDE', 'is not a valid postcode for US (expected NNNNN or NNNNN-NNNN)'],
    ['DE', '1011', 'is not a valid postcode for DE (expected NNNNN)'],
    ['DE', '101155', 'is not a valid postcode for DE (expected NNNNN)'],
    ['PL', '0095', 'is not a valid postcode for PL (expected NN-NNN)'],
    ['BR', '01310', 'is not a valid postcode for BR (expected NNNNN-NNN)'],
    ['GB', '12345', 'is not a valid postcode for GB'],
    ['JE', 'GY1 1AA', 'is not a valid postcode for JE'],
    ['NL', '0123 AB', 'is not a valid postcode for NL (expected NNNN AA)'],
    ['CA', '123 456', 'is not a valid postcode for CA (expected ANA NAN)'],
    ['IE', 'B02 AF30', 'is not a valid postcode for IE (expected AXX XXXX)'],
    ['TR', '1234', 'is not a valid postcode for TR (expected NNNNN)'],
    ['AU', '20000', 'is not a valid postcode for AU (expected NNNN)'],
    ['LT', 'LV-01103', 'is not a valid postcode for LT (expected NNNNN)'],
    ['KR', '110-110', 'is not a valid postcode for KR (expected NNNNN)'],
  ])('%s %j', (country, written, message) => {
    expect(isValidPostcode(written, country)).toBe(false);
    const issues = countryRuleIssues({ country, postcode: written, region: 'XX' });
    expect(issues).toEqual([{ path: 'postcode', message: expect.stringContaining(message) }]);
    expect(JSON.stringify(issues)).not.toContain(written);
  });

  it.each([
    ['DE', 'is required for DE (expected NNNNN)'],
    ['JP', 'is required for JP (expected NNN-NNNN)'],
    ['US', 'is required for US (expected NNNNN or NNNNN-NNNN)'],
  ])('a missing postcode in %s says what is expected', (country, message) => {
    expect(countryRuleIssues({ country, postcode: ' ', region: 'XX' })).toEqual([{ path: 'postcode', message }]);
  });
});

describe('optional and absent postcode systems', () => {
  it.each(['IE', 'TR', 'CL', 'VN', 'HK', 'AE', 'AO', 'QA'])('%s accepts an address without a postcode', (country) => {
    expect(postcodeRequired(country)).toBe(false);
    expect(countryRuleIssues({ country, postcode: '', region: 'XX' })).toEqual([]);
  });

  it.each(['HK', 'AE', 'JM'])('%s (no postcode system) keeps whatever was written, cleaned, and never judges it', (country) => {
    expect(normalizePostcode(' 999077 ', country)).toBe('999077');
    expect(normalizePostcode('anything at all', country)).toBe('ANYTHING AT ALL');
    expect(countryRuleIssues({ country, postcode: 'anything', region: 'XX' })).toEqual([]);
  });

  it.each(['DE', 'JP', 'GB', 'US', 'JE', 'PR'])('%s requires a postcode', (country) => expect(postcodeRequired(country)).toBe(true));
});

describe('country aliases', () => {
  it.each([
    ['UK', 'GB', 'SW1A1AA', 'SW1A 1AA'],
    ['uk', 'GB', 'sw1a 1aa', 'SW1A 1AA'],
    ['EL', 'GR', '10431', '104 31'],
    [' gr ', 'GR', '104 31', '104 31'],
  ])('%j is %s', (written, country, postcode, canonical) => {
    const address = normalizeAddress({ ...base, country: written, postcode });
    expect(address).toMatchObject({ country, postcode: canonical });
    expect(validateAddress({ ...base, country: written, postcode })).toEqual([]);
  });
});

describe('normalizePostcode properties', () => {
  const country = fc.constantFrom(...isoCodes, 'XX', 'UK');
  const postcodeLike = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ maxLength: 8, unit: 'binary' }),
    fc.string({ maxLength: 8, unit: fc.constantFrom('1', '０', 'ー', '－', '〒', ' ', '\u00a0', '-', 'a', 'Ａ', '㎏', 'ß', 'ǰ') }),
    fc.stringMatching(/^[A-Za-z]{0,3}[- ]?[0-9A-Za-z]{1,5}[- ]{0,2}[0-9A-Za-z]{0,4}$/),
  );

  it('is idempotent for every country', () => {
    fc.assert(
      fc.property(postcodeLike, country, (postcode, code) => {
        const once = normalizePostcode(postcode, code);
        expect(normalizePostcode(once, code)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('validity does not depend on how the value was written (normalized value judged)', () => {
    fc.assert(
      fc.property(postcodeLike, country, (postcode, code) => {
        expect(isValidPostcode(normalizePostcode(postcode, code), code)).toBe(isValidPostcode(postcode, code));
      }),
      { numRuns: 2000 },
    );
  });
});

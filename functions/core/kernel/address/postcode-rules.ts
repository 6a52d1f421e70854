/**
 * Postcode rule per ISO 3166-1 alpha-2 country (all 250 codes of `i18n-iso-countries`; a unit test
 * fails when one is missing). Compact table: `kind;masks;prefixes;refine`.
 *
 * - kind: `n` none (no postcode system: never required, any value kept as written, never judged),
 *   `o` optional (never required; judged when given and the country has masks), `r` required.
 * - masks (`|`-separated) are the canonical forms: `N` digit, `A` letter, `X` letter or digit,
 *   `~` makes the next character literal (`~N`), every other character is literal; ` ` and `-` are
 *   separators the normalizer inserts. Leading literal letters (`LV-`, `BB`, `CP `) are added when a
 *   customer leaves them out. `@UK` = the British outward + inward masks, `@ZIP` = US ZIP / ZIP+4.
 * - prefixes (`,`-separated): country prefixes stripped in front of the code besides the alpha-2
 *   code itself (always tried): CEPT / vehicle letters such as `D-`, `F-`, `L-`, `SLO-`.
 * - refine: extra regex (anchored at the start) the canonical form must match too.
 *
 * Sources (read 2026-12-06): Shopify/worldwide `data/regions/*.yml` (MIT; commit 2371679, 2026-08-05:
 * `zip_regex`, `zip_example`, `zip_requirement`; its rule: a regex and no requirement = required,
 * `optional`/`recommended` = optional, no regex = optional, nothing = none) and, where Shopify has no
 * rule (US territories, ~45 countries with an example only), google/libaddressinput
 * `testdata/countryinfo.txt` (Apache-2.0; commit e20690c, `zip`, `zipex`, `require`). Deliberate deviations:
 * IE optional (Eircode often omitted); BR 8 digits only; KR 5 digits only (6-digit codes retired
 * 2015); AG, CK, HM, KI none (no postcode in use).
 */
export const POSTCODE_RULES: Readonly<Record<string, string>> = {
  AD: 'r;~ADNNN;AND;AD[1-7]0', AE: 'n', AF: 'o;NNNN', AG: 'n', AI: 'r;~AI-2640',
  AL: 'o;NNNN', AM: 'o;NNNN', AO: 'n', AQ: 'n', AR: 'r;NNNN|ANNNNAAA', AS: 'r;@ZIP;;96799',
  AT: 'r;NNNN;A', AU: 'r;NNNN', AW: 'n', AX: 'r;22NNN;FI', AZ: 'o;NNNN', BA: 'r;NNNNN;BIH',
  BB: 'o;BBNNNNN', BD: 'o;NNNN', BE: 'r;NNNN;B', BF: 'o;NNNNN', BG: 'r;NNNN', BH: 'o;NNN|NNNN',
  BI: 'n', BJ: 'n', BL: 'r;97NNN', BM: 'r;AA NN|AA AA', BN: 'r;AANNNN', BO: 'n', BQ: 'n', BR: 'r;NNNNN-NNN',
  BS: 'n', BT: 'o;NNNNN', BV: 'n', BW: 'n', BY: 'o;NNNNNN', BZ: 'n', CA: 'r;ANA NAN', CC: 'r;6799',
  CD: 'n', CF: 'n', CG: 'n', CH: 'r;NNNN', CI: 'n', CK: 'n', CL: 'o;NNNNNNN', CM: 'n', CN: 'r;NNNNNN',
  CO: 'o;NNNNNN', CR: 'o;NNNNN', CU: 'o;NNNNN', CV: 'o;NNNN', CW: 'n', CX: 'r;6798', CY: 'r;NNNN',
  CZ: 'r;NNN NN', DE: 'r;NNNNN;D', DJ: 'n', DK: 'r;NNNN', DM: 'n', DO: 'o;NNNNN', DZ: 'o;NNNNN',
  EC: 'o;NNNNNN', EE: 'r;NNNNN;EST', EG: 'o;NNNNN', EH: 'o;NNNNN', ER: 'n', ES: 'r;NNNNN;E',
  ET: 'o;NNNN', FI: 'r;NNNNN;FIN,SF', FJ: 'n', FK: 'r;FIQQ 1ZZ', FM: 'r;@ZIP;;9694[1-4]', FO: 'r;NNN',
  FR: 'r;NNNNN;F', GA: 'n', GB: 'r;@UK;UK', GD: 'n', GE: 'r;NNNN|NNNNNN', GF: 'r;973NN', GG: 'r;@UK;;GY',
  GH: 'o;AA-NNN-NNNN|AA-NNNN-NNNN', GI: 'r;G~X11 1~A~A', GL: 'r;39NN', GM: 'n', GN: 'o;NNN',
  GP: 'r;971NN', GQ: 'n', GR: 'r;NNN NN;EL', GS: 'r;SIQQ 1ZZ', GT: 'o;NNNNN', GU: 'r;@ZIP;;969([12]\\d|3[12])',
  GW: 'o;NNNN', GY: 'n', HK: 'n', HM: 'n', HN: 'o;NNNNN', HR: 'r;NNNNN', HT: 'o;HTNNNN', HU: 'r;NNNN;H',
  ID: 'r;NNNNN', IE: 'o;AXX XXXX;IRL;(D6W|[AC-FHKNPRT-Z]\\d\\d) [\\dAC-FHKNPRT-Z]{4}$', IL: 'o;NNNNNNN',
  IM: 'r;@UK;;IM', IN: 'r;NNNNNN', IO: 'r;BB~N~D 1ZZ', IQ: 'o;NNNNN', IR: 'o;NNNNN-NNNNN', IS: 'r;NNN',
  IT: 'r;NNNNN;I', JE: 'r;@UK;;JE', JM: 'n', JO: 'o;NNNNN', JP: 'r;NNN-NNNN', KE: 'o;NNNNN',
  KG: 'o;NNNNNN', KH: 'o;NNNNN|NNNNNN', KI: 'n', KM: 'n', KN: 'o;K~NNNNN', KP: 'n', KR: 'r;NNNNN',
  KW: 'o;NNNNN', KY: 'o;KYN-NNNN', KZ: 'o;ANNANAN|NNNNNN', LA: 'o;NNNNN', LB: 'o;NNNN NNNN|NNNN',
  LC: 'o;LCNN NNN', LI: 'r;NNNN;FL', LK: 'o;NNNNN', LR: 'o;NNNN', LS: 'o;NNN', LT: 'r;NNNNN',
  LU: 'r;NNNN;L', LV: 'r;LV-NNNN', LY: 'n', MA: 'o;NNNNN', MC: 'r;980NN', MD: 'o;NNNN', ME: 'r;NNNNN;MNE',
  MF: 'r;97150', MG: 'r;NNN', MH: 'r;@ZIP;;969[67]', MK: 'r;NNNN;NMK', ML: 'n', MM: 'o;NNNNN|NNNNNNN',
  MN: 'o;NNNNN', MO: 'n', MP: 'r;@ZIP;;9695[012]', MQ: 'r;972NN', MR: 'n', MS: 'r;MSR NNNN', MT: 'r;AAA NNNN',
  MU: 'o;XNNNN', MV: 'o;NNNNN', MW: 'o;NNNNNN', MX: 'r;NNNNN', MY: 'r;NNNNN', MZ: 'o;NNNN', NA: 'o;NNNNN',
  NC: 'r;988NN', NE: 'o;NNNN', NF: 'r;2899', NG: 'o;NNNNNN', NI: 'o;NNNNN', NL: 'r;NNNN AA;;[1-9]',
  NO: 'r;NNNN;N', NP: 'o;NNNNN', NR: 'r;~NRU68', NU: 'r;9974', NZ: 'r;NNNN', OM: 'o;NNN;PC', PA: 'o;NNNN',
  PE: 'o;NNNNN|LIMA NN|LIMA N|CALLAO NN|CALLAO N', PF: 'r;987NN', PG: 'o;NNN', PH: 'r;NNNN', PK: 'o;NNNNN', PL: 'r;NN-NNN', PM: 'r;97500',
  PN: 'r;PCR~N 1ZZ', PR: 'r;@ZIP;;00[679]', PS: 'n', PT: 'r;NNNN-NNN;P', PW: 'r;@ZIP;;969(39|40)', PY: 'o;NNNN|NNNNNN',
  QA: 'n', RE: 'r;97NNN', RO: 'o;NNNNNN', RS: 'r;NNNNN|NNNNNN;SRB', RU: 'r;NNNNNN', RW: 'n', SA: 'o;NNNNN|NNNNN-NNNN',
  SB: 'n', SC: 'n', SD: 'o;NNNNN', SE: 'r;NNN NN;S', SG: 'r;NNNNNN', SH: 'r;STHL 1ZZ', SI: 'r;NNNN;SLO',
  SJ: 'r;NNNN', SK: 'r;NNN NN', SL: 'n', SM: 'r;4789N;RSM', SN: 'o;NNNNN', SO: 'o;AA NNNNN|NNNNN', SR: 'n',
  SS: 'o;NNNNN', ST: 'n', SV: 'o;CP NNNN', SX: 'n', SY: 'n', SZ: 'o;ANNN', TC: 'r;TKC~A 1ZZ',
  TD: 'n', TF: 'o;984NN', TG: 'n', TH: 'r;NNNNN', TJ: 'o;NNNNNN', TK: 'n', TL: 'n', TM: 'o;NNNNNN',
  TN: 'o;NNNN', TO: 'n', TR: 'o;NNNNN', TT: 'o;NNNNNN', TV: 'n', TW: 'o;NNN|NNNNN|NNNNNN', TZ: 'o;NNNNN|NNNN',
  UA: 'r;NNNNN', UG: 'n', UM: 'r;@ZIP;;96898', US: 'r;@ZIP', UY: 'o;NNNNN', UZ: 'o;NNNNNN', VA: 'r;00120',
  VC: 'o;VCNNNN', VE: 'o;NNNN', VG: 'r;VGNNNN', VI: 'r;@ZIP;;008', VN: 'o;NNNNNN', VU: 'n', WF: 'r;986NN',
  WS: 'o;WSNNNN', XK: 'o;NNNNN;RKS', YE: 'n', YT: 'r;976NN|985NN', ZA: 'r;NNNN', ZM: 'o;NNNNN', ZW: 'n',
};

/** Named mask groups. */
export const MASK_GROUPS: Readonly<Record<string, string>> = {
  '@UK': 'AN NAA|ANN NAA|ANA NAA|AAN NAA|AANN NAA|AANA NAA',
  '@ZIP': 'NNNNN|NNNNN-NNNN',
};

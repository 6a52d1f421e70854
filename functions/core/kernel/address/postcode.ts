/**
 * Postcodes per country: one explicit rule for every ISO 3166-1 alpha-2 code (see `postcode-rules.ts`),
 * a normalizer that turns real-world spellings into the canonical form (`1000001` → `100-0001` in JP,
 * `D-10115` → `10115`, `sw1a1aa` → `SW1A 1AA`) and a judge of the canonical form. Pure.
 */
import { MASK_GROUPS, POSTCODE_RULES } from './postcode-rules';

/** `none`: no postcode system; `optional`: never required, judged when given; `required`. */
export type PostcodeKind = 'none' | 'optional' | 'required';

interface Slot {
  /** `N` digit, `A` letter, `X` letter or digit, undefined = the literal `char`. */
  readonly cls: 'N' | 'A' | 'X' | undefined;
  readonly char: string;
  /** Separator written before this slot in the canonical form ('' = none). */
  readonly before: string;
}

interface Mask {
  readonly slots: readonly Slot[];
  /** Leading literal letters a customer may leave out (`LV` of `LV-NNNN`). */
  readonly lead: string;
}

export interface PostcodeRule {
  readonly country: string;
  readonly kind: PostcodeKind;
  /** Canonical forms for messages and docs, e.g. `NNN-NNNN` (`N` digit, `A` letter, `X` either). */
  readonly formats: readonly string[];
  readonly masks: readonly Mask[];
  /** Prefixes stripped in front of a code, longest first (the alpha-2 code and e.g. `D`, `SLO`). */
  readonly prefixes: readonly string[];
  readonly refine: RegExp | undefined;
}

const KINDS: Readonly<Record<string, PostcodeKind>> = { n: 'none', o: 'optional', r: 'required' };
const SEPARATORS = new Set([' ', '-']);
const CLASS_TEST: Readonly<Record<'N' | 'A' | 'X', RegExp>> = { N: /^[0-9]$/, A: /^[A-Z]$/, X: /^[0-9A-Z]$/ };

function parseMask(source: string): { mask: Mask; format: string } {
  const slots: Slot[] = [];
  let before = '';
  let format = '';
  for (let i = 0; i < source.length; i += 1) {
    let char = source.charAt(i);
    const escaped = char === '~';
    if (escaped) char = source.charAt(++i);
    format += char;
    if (!escaped && SEPARATORS.has(char)) {
      before += char;
      continue;
    }
    const cls = !escaped && (char === 'N' || char === 'A' || char === 'X') ? char : undefined;
    slots.push({ cls, char, before });
    before = '';
  }
  let lead = '';
  for (const slot of slots) {
    if (slot.cls !== undefined || !/[A-Z]/.test(slot.char) || (lead !== '' && slot.before !== '')) break;
    lead += slot.char;
  }
  return { mask: { slots, lead }, format };
}

function compileRule(country: string, entry: string): PostcodeRule {
  const [kindCode = 'n', maskField = '', prefixField = '', refine = ''] = entry.split(';');
  const sources = (MASK_GROUPS[maskField] ?? maskField).split('|').filter((s) => s !== '');
  const parsed = sources.map(parseMask);
  const prefixes = [country, ...prefixField.split(',').filter((p) => p !== '')].sort((a, b) => b.length - a.length);
  return {
    country,
    kind: KINDS[kindCode] ?? 'none',
    formats: parsed.map((p) => p.format),
    masks: parsed.map((p) => p.mask),
    prefixes,
    refine: refine === '' ? undefined : new RegExp(`^(?:${refine})`),
  };
}

const compiled = new Map<string, PostcodeRule>();

/** The postcode rule of an ISO alpha-2 country (upper case), or undefined for an unknown code. */
export function postcodeRule(country: string): PostcodeRule | undefined {
  const cached = compiled.get(country);
  if (cached !== undefined) return cached;
  const entry = Object.hasOwn(POSTCODE_RULES, country) ? POSTCODE_RULES[country] : undefined;
  if (entry === undefined) return undefined;
  const rule = compileRule(country, entry);
  compiled.set(country, rule);
  return rule;
}

/** Every country code the table has a rule for. */
export function postcodeRuleCountries(): string[] {
  return Object.keys(POSTCODE_RULES);
}

/** Full-width digits and dashes to ASCII (NFKC), upper case, no postal mark, single spaces. */
export function cleanPostcode(value: string): string {
  let out = value;
  // Upper-casing can leave a non-NFKC string (and NFKC can produce lower case: ㎏): up to a fixed point.
  for (let i = 0; i < 4; i += 1) {
    const next = out.normalize('NFKC').toUpperCase().replace(/〒/g, '').replace(/\s+/g, ' ').trim();
    if (next === out) break;
    out = next;
  }
  return out;
}

function compact(value: string): string {
  return value.replace(/[\s\-‐‑–—ー]/g, '');
}

function fit(mask: Mask, input: string): string | undefined {
  const full = mask.lead !== '' && input.length === mask.slots.length - mask.lead.length ? mask.lead + input : input;
  if (full.length !== mask.slots.length) return undefined;
  let out = '';
  for (const [i, slot] of mask.slots.entries()) {
    const char = full.charAt(i);
    if (slot.cls === undefined ? char !== slot.char : !CLASS_TEST[slot.cls].test(char)) return undefined;
    out += slot.before + char;
  }
  return out;
}

function fitRule(rule: PostcodeRule, value: string): string | undefined {
  const input = compact(value);
  if (input === '') return undefined;
  for (const mask of rule.masks) {
    const fitted = fit(mask, input);
    if (fitted !== undefined && (rule.refine === undefined || rule.refine.test(fitted))) return fitted;
  }
  return undefined;
}

/** The value as written, then without each country prefix (`LT-01103`, `D 10115`, `F75001`). */
function candidates(rule: PostcodeRule, cleaned: string): string[] {
  const out = [cleaned];
  for (const prefix of rule.prefixes) {
    if (!cleaned.startsWith(prefix)) continue;
    const rest = cleaned.slice(prefix.length).replace(/^[\s\-‐‑–—.]+/, '');
    if (rest !== '') out.push(rest);
  }
  return out;
}

/**
 * The canonical postcode for `country` (alpha-2, upper case), or undefined when the value fits none of
 * the country's canonical forms (or the country has none).
 */
export function canonicalPostcode(postcode: string, country: string): string | undefined {
  const rule = postcodeRule(country);
  if (rule === undefined || rule.masks.length === 0) return undefined;
  for (const candidate of candidates(rule, cleanPostcode(postcode))) {
    const fitted = fitRule(rule, candidate);
    if (fitted !== undefined) return fitted;
  }
  return undefined;
}

/**
 * Normalized postcode: the canonical form when the value fits the country's rule, otherwise the value
 * cleaned (upper case, single spaces) so validation can say what is expected. Idempotent.
 */
export function normalizePostcode(postcode: string, country: string): string {
  return canonicalPostcode(postcode, country) ?? cleanPostcode(postcode);
}

/** `NNN-NNNN`, `NNNNN or NNNNN-NNNN`: the expected canonical forms, for messages (never the value). */
export function expectedPostcodeFormat(rule: PostcodeRule): string {
  const { formats } = rule;
  if (formats.length <= 1) return formats[0] ?? '';
  return `${formats.slice(0, -1).join(', ')} or ${formats[formats.length - 1] ?? ''}`;
}

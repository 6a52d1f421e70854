import { isRecord } from '../../functions/core/kernel/guards';
/**
 * EventBridge event patterns, as used by AWS::Events::Rule `EventPattern` and by Lambda event source
 * mapping `FilterCriteria` (same syntax, applied to the record). Pure, no I/O.
 *
 * Supported (the documented content-filter syntax):
 * - nested keys (`{"detail": {"status": [...]}}`), `$or: [pattern, ...]`;
 * - exact values (strings, numbers, booleans, null) in an array: any of them matches; a field holding
 *   an array matches when any element matches;
 * - `{"prefix": "x"}` / `{"prefix": {"equals-ignore-case": "x"}}`, `{"suffix": ...}` (same two forms),
 *   `{"equals-ignore-case": "x"}`, `{"wildcard": "a*b"}`;
 * - `{"exists": true|false}`;
 * - `{"anything-but": value | [values] | {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": ...}}`;
 * - `{"numeric": [">", 0, "<=", 5]}`;
 * - `{"cidr": "10.0.0.0/24"}` (IPv4).
 * Unknown matcher objects never match (and `validatePattern` reports them).
 */

export type Pattern = { readonly [key: string]: unknown };


/** Parse a pattern given as JSON text (FilterCriteria) or as an object (EventPattern). */
export function parsePattern(value: unknown, where: string): Pattern {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!isRecord(parsed)) throw new Error(`${where}: an event pattern must be a JSON object`);
  const problems = validatePattern(parsed);
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
  return parsed;
}

const MATCHER_KEYS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'exists', 'anything-but', 'numeric', 'cidr']);

/** Problems in a pattern (empty when every leaf is an array of supported matchers). */
export function validatePattern(pattern: Pattern, path = ''): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(pattern)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isRecord)) problems.push(`${here} must be an array of at least two patterns`);
      else for (const p of value) problems.push(...validatePattern(p, here));
    } else if (Array.isArray(value)) {
      for (const m of value) {
        if (isRecord(m)) {
          const keys = Object.keys(m);
          if (keys.length !== 1 || !MATCHER_KEYS.has(keys[0] as string)) problems.push(`${here}: unsupported matcher ${JSON.stringify(m)}`);
        }
      }
    } else if (isRecord(value)) {
      problems.push(...validatePattern(value, here));
    } else {
      problems.push(`${here} must be an array of values/matchers or a nested pattern`);
    }
  }
  return problems;
}

function stringTest(spec: unknown, value: string, kind: 'prefix' | 'suffix'): boolean {
  const test = (s: string, p: string): boolean => (kind === 'prefix' ? s.startsWith(p) : s.endsWith(p));
  if (typeof spec === 'string') return test(value, spec);
  if (isRecord(spec) && typeof spec['equals-ignore-case'] === 'string') return test(value.toLowerCase(), spec['equals-ignore-case'].toLowerCase());
  return false;
}

function wildcard(spec: string, value: string): boolean {
  const escaped = spec
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 's').test(value);
}

function numeric(spec: unknown, value: unknown): boolean {
  if (typeof value !== 'number' || !Array.isArray(spec)) return false;
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1];
    if (typeof bound !== 'number') return false;
    const ok =
      op === '=' ? value === bound : op === '>' ? value > bound : op === '>=' ? value >= bound : op === '<' ? value < bound : op === '<=' ? value <= bound : false;
    if (!ok) return false;
  }
  return true;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function cidr(spec: unknown, value: unknown): boolean {
  if (typeof spec !== 'string' || typeof value !== 'string') return false;
  const [base, bitsText] = spec.split('/');
  const bits = Number(bitsText ?? '32');
  const b = ipv4(base ?? '');
  const v = ipv4(value);
  if (b === undefined || v === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((b & mask) >>> 0) === ((v & mask) >>> 0);
}

/** One matcher (literal or matcher object) against one scalar value. `exists` is handled by the caller. */
function matchOne(matcher: unknown, value: unknown): boolean {
  if (!isRecord(matcher)) {
    // Literal: exact match (EventBridge compares numbers numerically, strings exactly).
    return matcher === value;
  }
  const [kind, spec] = Object.entries(matcher)[0] ?? [];
  switch (kind) {
    case 'prefix':
      return typeof value === 'string' && stringTest(spec, value, 'prefix');
    case 'suffix':
      return typeof value === 'string' && stringTest(spec, value, 'suffix');
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof spec === 'string' && value.toLowerCase() === spec.toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && typeof spec === 'string' && wildcard(spec, value);
    case 'numeric':
      return numeric(spec, value);
    case 'cidr':
      return cidr(spec, value);
    case 'anything-but': {
      if (value === undefined) return false;
      if (Array.isArray(spec)) return !spec.some((s) => matchOne(s, value));
      if (isRecord(spec)) return !matchOne(spec, value);
      return !matchOne(spec, value);
    }
    default:
      return false;
  }
}

/** Matchers of one leaf against the event's field (absent = undefined). */
function matchLeaf(matchers: readonly unknown[], field: unknown, present: boolean): boolean {
  return matchers.some((m) => {
    if (isRecord(m) && 'exists' in m) return m['exists'] === present;
    if (!present) return false;
    if (Array.isArray(field)) return field.some((element) => matchOne(m, element));
    return matchOne(m, field);
  });
}

/** Whether `event` (any JSON value, usually an object) matches `pattern`. */
export function matchesPattern(pattern: Pattern, event: unknown): boolean {
  for (const [key, spec] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(spec) || !spec.some((p) => isRecord(p) && matchesPattern(p, event))) return false;
      continue;
    }
    const present = isRecord(event) && Object.prototype.hasOwnProperty.call(event, key);
    const field = present ? event[key] : undefined;
    if (Array.isArray(spec)) {
      if (!matchLeaf(spec, field, present)) return false;
    } else if (isRecord(spec)) {
      // Nested pattern: the field must be an object (an array of objects matches when one element does).
      if (Array.isArray(field)) {
        if (!field.some((f) => matchesPattern(spec, f))) return false;
      } else if (!matchesPattern(spec, present ? field : {})) {
        return false;
      }
      if (!present && !onlyExistsFalse(spec)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/** A nested pattern an absent object can satisfy: every leaf is `{"exists": false}`. */
function onlyExistsFalse(pattern: Pattern): boolean {
  return Object.entries(pattern).every(([key, spec]) => {
    if (key === '$or') return Array.isArray(spec) && spec.some((p) => isRecord(p) && onlyExistsFalse(p));
    if (Array.isArray(spec)) return spec.some((m) => isRecord(m) && m['exists'] === false);
    return isRecord(spec) && onlyExistsFalse(spec);
  });
}

/** Lambda FilterCriteria: a record passes when it matches ANY of the filters (none = everything passes). */
export function passesFilters(filters: readonly Pattern[], record: unknown): boolean {
  return filters.length === 0 || filters.some((f) => matchesPattern(f, record));
}

/**
 * The corpus's generators (fast-check): hostile values (boundary lengths, unicode, emoji, RTL, zero-width,
 * null bytes, lone surrogates, wrong types, huge numbers, deep nesting) and mutations of a valid input
 * (a field dropped, replaced, an extra field, arrays blown up, several at once). Pure: no I/O, so the
 * same seed always gives the same cases.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** Strings that break naive code: boundary lengths (around 64/128/255/256/500/1024/2048 limits), scripts, invisibles. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '   \t  ',
  'a'.repeat(64),
  'a'.repeat(65),
  'a'.repeat(128),
  'a'.repeat(129),
  'a'.repeat(255),
  'a'.repeat(256),
  'A'.repeat(501),
  'x'.repeat(1025),
  'x'.repeat(2049),
  'y'.repeat(20_000),
  '😀'.repeat(300),
  '👩‍👩‍👧‍👦🏳️‍🌈',
  'مرحبا بالعالم',
  'שלום \u202Eevil\u202C',
  '\u200B\u200C\u200D\uFEFF',
  'a\u0000b',
  '\u0000',
  '\uD800',
  'e\u0301 é',
  '１２３４５',
  '١٢٣',
  '𝕿𝖊𝖘𝖙',
  '東京都千代田区千代田1-1',
  'Ελληνικά Кириллица',
  '\r\n\t',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '%00%ff',
  'ORDER#ord_x#',
  '#',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '0x1F',
  '9'.repeat(40),
  '12.345678901234567890',
  '-1',
  '2026-02-30',
  '2026-13-01T25:61:61Z',
  '__proto__',
];

/** Numbers on every boundary the schemas care about (quantities, prices, line numbers), and beyond. */
export const NASTY_NUMBERS: readonly number[] = [
  0, -0, -1, 1, 0.5, 1.000001, 99, 100, 101, 999, 1000, 9999, 10_000, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e21, 1e308, -1e308, 5e-324,
];

function deep(depth: number, leaf: Json, asArray: boolean): Json {
  let value: Json = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** A hostile JSON value of any type. */
export const nastyValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}, [null], { '': null }, ['a', 1]) },
  { weight: 1, arbitrary: fc.constantFrom<Json>(deep(40, 'x', false), deep(40, 1, true), deep(2_000, 0, true)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
);

/** Every path (to objects, arrays and leaves) of a JSON value, the root included. */
export function pathsOf(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

function clone(value: Json): Json {
  return structuredClone(value);
}

function parentOf(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[key as number] : node[key as string];
  }
  return node;
}

function at(root: Json, path: Path): Json | undefined {
  return path.length === 0 ? root : (() => {
    const parent = parentOf(root, path);
    if (parent === null || typeof parent !== 'object' || parent === undefined) return undefined;
    const key = path.at(-1) as string | number;
    return Array.isArray(parent) ? parent[key as number] : parent[key as string];
  })();
}

function setAt(root: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const parent = parentOf(root, path);
  if (parent === null || typeof parent !== 'object' || parent === undefined) return root;
  const key = path.at(-1) as string | number;
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(key as number, 1);
    else parent[key as number] = value;
  } else if (value === undefined) {
    delete parent[key as string];
  } else {
    // defineProperty: a key named __proto__ becomes a real own property, as JSON.parse would make it.
    Object.defineProperty(parent, key as string, { value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}

/** One mutation, described for the failure report. */
export interface Mutation {
  readonly kind: 'drop' | 'replace' | 'extra' | 'repeat' | 'stretch';
  readonly path: Path;
  readonly value?: Json;
  readonly times?: number;
}

const mutationArb = (paths: readonly Path[]): fc.Arbitrary<Mutation> =>
  fc.constantFrom(...paths).chain((path) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<Mutation>({ kind: 'drop', path }) },
      { weight: 6, arbitrary: nastyValue.map<Mutation>((value) => ({ kind: 'replace', path, value })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom('zipcode', '__proto__', 'constructor', 'extra', '', '😀', 'a'.repeat(300)), nastyValue)
          .map<Mutation>(([key, value]) => ({ kind: 'extra', path: [...path, key], value })),
      },
      { weight: 1, arbitrary: fc.constantFrom(2, 51, 101, 501, 2_000).map<Mutation>((times) => ({ kind: 'repeat', path, times })) },
      { weight: 2, arbitrary: fc.constantFrom(64, 65, 128, 255, 256, 501, 1025, 5_000).map<Mutation>((times) => ({ kind: 'stretch', path, times })) },
    ),
  );

function apply(root: Json, m: Mutation): Json {
  const current = at(root, m.path);
  switch (m.kind) {
    case 'drop':
      return setAt(root, m.path, undefined);
    case 'replace':
      return setAt(root, m.path, m.value ?? null);
    case 'extra': {
      const parent = at(root, m.path.slice(0, -1));
      return parent !== null && typeof parent === 'object' && !Array.isArray(parent) ? setAt(root, m.path, m.value ?? null) : root;
    }
    case 'repeat':
      // An array grown to `times` copies of its first element (max lines, max items, ...).
      return Array.isArray(current) && current.length > 0 ? setAt(root, m.path, Array.from({ length: m.times ?? 2 }, () => clone(current[0] as Json))) : root;
    case 'stretch':
      // A string grown to exactly `times` characters (length limits), numbers made huge.
      if (typeof current === 'string') return setAt(root, m.path, (current + 'Ω'.repeat(m.times ?? 1)).slice(0, m.times ?? 1));
      if (typeof current === 'number') return setAt(root, m.path, current * 10 ** Math.min(300, m.times ?? 1));
      return root;
  }
}

/**
 * Deterministic boundary cases of a valid value: every string leaf stretched past DynamoDB's key limits
 * (sort key 1,024 bytes, partition key 2,048) in 4-byte characters, every number made huge and
 * fractional, every array emptied. The random mutations reach these only by luck.
 */
export function boundariesOf(base: Json): Mutated[] {
  const out: Mutated[] = [];
  for (const path of pathsOf(base)) {
    const value = at(base, path);
    const edits: Mutation[] =
      typeof value === 'string'
        ? [{ kind: 'replace', path, value: `${value}${'😀'.repeat(520)}` }]
        : typeof value === 'number'
          ? [{ kind: 'replace', path, value: 1e21 }, { kind: 'replace', path, value: 2.5 }]
          : Array.isArray(value)
            ? [{ kind: 'replace', path, value: [] }]
            : [];
    for (const m of edits) out.push({ value: apply(clone(base), m), mutations: [m] });
  }
  return out;
}

export interface Mutated {
  readonly value: Json;
  readonly mutations: readonly Mutation[];
}

/** A valid value with 1-3 mutations applied (each on a path of the valid value). */
export function mutationsOf(base: Json): fc.Arbitrary<Mutated> {
  const paths = pathsOf(base);
  return fc.array(mutationArb(paths), { minLength: 1, maxLength: 3 }).map((mutations) => ({
    value: mutations.reduce((acc, m) => apply(acc, m), clone(base)),
    mutations,
  }));
}

/** Raw bodies that are not the JSON a route expects at all. */
export const RAW_BODIES: readonly (string | Buffer)[] = [
  '',
  ' ',
  '{',
  '{"a":',
  '[]',
  'null',
  '"just a string"',
  '12',
  '{"a":1}{"b":2}',
  "{'single':'quotes'}",
  '{"a":1,}',
  '\uFEFF{}',
  '[' .repeat(100_000),
  `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x00, 0x7d]),
  Buffer.from([0xc3, 0x28, 0x7b, 0x7d]),
  `{"pad":"${'z'.repeat(300 * 1024)}"}`,
  `{"n":${'9'.repeat(5_000)}}`,
];

/** Header values fetch can send (Latin-1, no CR/LF/NUL) that break naive parsing. */
export const NASTY_HEADER_VALUES: readonly string[] = [
  '',
  ' ',
  'a'.repeat(256),
  'a'.repeat(4_000),
  'ÿþ',
  '"quoted"',
  ';;;',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '\t',
  'null',
];

/** Path segments: encoded hostile strings plus raw ones a client could send. */
export function pathSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }
}

export const NASTY_SEGMENTS: readonly string[] = [
  ...NASTY_STRINGS.filter((s) => s !== '' && s.length < 3_000).map(pathSegment),
  'ord_',
  'ord_' + '0'.repeat(26),
  'ord_' + 'Z'.repeat(26),
  'ord_' + 'u'.repeat(27),
  'ORD_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  '%zz',
  '%',
  '%E2%82',
  '.',
  '..',
  '%2F',
  '%2e%2e',
];

/** Deterministic cases of an arbitrary: the same seed, the same list (no shrinking against a live stack). */
export function casesOf<T>(arb: fc.Arbitrary<T>, seed: number, numRuns: number): T[] {
  return fc.sample(arb, { seed, numRuns });
}

/** The corpus seed: CORPUS_SEED from the environment to replay a run, else a fixed one (CI is reproducible). */
export const CORPUS_SEED = Number.parseInt(process.env['CORPUS_SEED'] ?? '20261206', 10);

/** Short, printable description of a value for failure reports. */
export function preview(value: unknown, max = 300): string {
  const text = Buffer.isBuffer(value) ? `<${value.length} bytes>` : typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

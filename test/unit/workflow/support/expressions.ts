/**
 * A small evaluator for the DynamoDB expression subset the pipeline writes (conditions, key
 * conditions, SET/REMOVE updates), so the in-memory table in fake-table.ts applies them with
 * DynamoDB's semantics: a failed condition changes nothing, every item write is atomic.
 *
 * Supported: comparisons (= <> < <= > >=), BETWEEN, AND / OR / NOT, parentheses,
 * attribute_exists, attribute_not_exists, begins_with; SET a = operand | a + b | a - b |
 * if_not_exists(a, b); REMOVE a, b. Paths are top-level names or #placeholders (dotted paths too).
 */
export type Item = Record<string, unknown>;

interface Ctx {
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, unknown>>;
}

type Token = { kind: 'name' | 'value' | 'op' | 'punct' | 'word'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|(<>|<=|>=|=|<|>|\+|-)|([(),.])|([A-Za-z_][A-Za-z0-9_]*))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    re.lastIndex = index;
    const m = re.exec(expression);
    if (m === null) throw new Error(`Cannot parse expression at ${index}: ${expression}`);
    index = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'value', text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'op', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'punct', text: m[4] });
    else if (m[5] !== undefined) {
      const upper = m[5].toUpperCase();
      tokens.push(['AND', 'OR', 'NOT', 'BETWEEN', 'SET', 'REMOVE'].includes(upper) ? { kind: 'word', text: upper } : { kind: 'name', text: m[5] });
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly ctx: Ctx,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  next(): Token {
    const t = this.tokens[this.pos++];
    if (t === undefined) throw new Error('Unexpected end of expression');
    return t;
  }
  expect(text: string): void {
    const t = this.next();
    if (t.text !== text) throw new Error(`Expected ${text}, got ${t.text}`);
  }
  done(): boolean {
    return this.pos >= this.tokens.length;
  }

  /** A path as a list of attribute names. */
  path(): string[] {
    const parts = [this.name()];
    while (this.peek()?.text === '.') {
      this.next();
      parts.push(this.name());
    }
    return parts;
  }
  name(): string {
    const t = this.next();
    if (t.kind !== 'name') throw new Error(`Expected a name, got ${t.text}`);
    if (t.text.startsWith('#')) {
      const resolved = this.ctx.names[t.text];
      if (resolved === undefined) throw new Error(`Missing ExpressionAttributeNames ${t.text}`);
      return resolved;
    }
    return t.text;
  }
  value(text: string): unknown {
    if (!(text in this.ctx.values)) throw new Error(`Missing ExpressionAttributeValues ${text}`);
    return this.ctx.values[text];
  }

  /** operand → (item) => value */
  operand(): (item: Item) => unknown {
    const t = this.peek();
    if (t?.kind === 'value') {
      this.next();
      const v = this.value(t.text);
      return () => v;
    }
    if (t?.kind === 'name' && t.text === 'if_not_exists') {
      this.next();
      this.expect('(');
      const p = this.path();
      this.expect(',');
      const fallback = this.operand();
      this.expect(')');
      return (item) => {
        const current = getPath(item, p);
        return current === undefined ? fallback(item) : current;
      };
    }
    const p = this.path();
    return (item) => getPath(item, p);
  }

  // ---------------------------------------------------------------- conditions
  condition(): (item: Item) => boolean {
    return this.or();
  }
  or(): (item: Item) => boolean {
    let left = this.and();
    while (this.peek()?.text === 'OR') {
      this.next();
      const l = left;
      const r = this.and();
      left = (item) => l(item) || r(item);
    }
    return left;
  }
  and(): (item: Item) => boolean {
    let left = this.not();
    while (this.peek()?.text === 'AND') {
      this.next();
      const l = left;
      const r = this.not();
      left = (item) => l(item) && r(item);
    }
    return left;
  }
  not(): (item: Item) => boolean {
    if (this.peek()?.text === 'NOT') {
      this.next();
      const inner = this.not();
      return (item) => !inner(item);
    }
    return this.primary();
  }
  primary(): (item: Item) => boolean {
    const t = this.peek();
    if (t?.text === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    if (t?.kind === 'name' && (t.text === 'attribute_exists' || t.text === 'attribute_not_exists')) {
      this.next();
      this.expect('(');
      const p = this.path();
      this.expect(')');
      return t.text === 'attribute_exists' ? (item) => getPath(item, p) !== undefined : (item) => getPath(item, p) === undefined;
    }
    if (t?.kind === 'name' && t.text === 'begins_with') {
      this.next();
      this.expect('(');
      const a = this.operand();
      this.expect(',');
      const b = this.operand();
      this.expect(')');
      return (item) => {
        const x = a(item);
        const y = b(item);
        return typeof x === 'string' && typeof y === 'string' && x.startsWith(y);
      };
    }
    const left = this.operand();
    const op = this.next();
    if (op.text === 'BETWEEN') {
      const low = this.operand();
      this.expect('AND');
      const high = this.operand();
      return (item) => compare(left(item), low(item), '>=') && compare(left(item), high(item), '<=');
    }
    if (op.kind !== 'op') throw new Error(`Expected a comparator, got ${op.text}`);
    const right = this.operand();
    return (item) => compare(left(item), right(item), op.text);
  }

  // ---------------------------------------------------------------- updates
  update(): (item: Item) => Item {
    type Step = { kind: 'set'; target: string[]; compute: (item: Item) => unknown } | { kind: 'remove'; target: string[] };
    const steps: Step[] = [];
    const more = (): boolean => {
      if (this.peek()?.text !== ',') return false;
      this.next();
      return true;
    };
    while (!this.done()) {
      const section = this.next();
      if (section.text === 'SET') {
        do {
          const target = this.path();
          this.expect('=');
          const first = this.operand();
          let compute = first;
          const op = this.peek();
          if (op?.text === '+' || op?.text === '-') {
            this.next();
            const second = this.operand();
            compute = (item) => {
              const a = first(item);
              const b = second(item);
              if (typeof a !== 'number' || typeof b !== 'number') {
                throw Object.assign(new Error(`arithmetic on non-numbers (${String(a)} ${op.text} ${String(b)})`), { name: 'ValidationException' });
              }
              return op.text === '+' ? a + b : a - b;
            };
          }
          steps.push({ kind: 'set', target, compute });
        } while (more());
      } else if (section.text === 'REMOVE') {
        do steps.push({ kind: 'remove', target: this.path() });
        while (more());
      } else {
        throw new Error(`Unsupported update section ${section.text}`);
      }
    }
    return (item) => {
      // Every right-hand side is evaluated against the item as it was BEFORE the update.
      const copy = structuredClone(item);
      for (const step of steps) {
        if (step.kind === 'set') setPath(copy, step.target, step.compute(item));
        else removePath(copy, step.target);
      }
      return copy;
    };
  }
}

function getPath(item: Item, path: readonly string[]): unknown {
  let node: unknown = item;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function setPath(item: Item, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = item;
  for (const part of path.slice(0, -1)) {
    const child = node[part];
    if (typeof child !== 'object' || child === null) throw new Error(`ValidationException: document path ${path.join('.')} is invalid`);
    node = child as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function removePath(item: Item, path: readonly string[]): void {
  let node: unknown = item;
  for (const part of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node === 'object' && node !== null) delete (node as Record<string, unknown>)[path[path.length - 1] as string];
}

function compare(a: unknown, b: unknown, op: string): boolean {
  if (op === '=') return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
  if (op === '<>') return JSON.stringify(a) !== JSON.stringify(b);
  if (a === undefined || b === undefined || typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    default:
      throw new Error(`Unknown comparator ${op}`);
  }
}

export function parseCondition(expression: string, names: Record<string, string> = {}, values: Record<string, unknown> = {}): (item: Item) => boolean {
  const parser = new Parser(tokenize(expression), { names, values });
  const fn = parser.condition();
  if (!parser.done()) throw new Error(`Trailing tokens in ${expression}`);
  return fn;
}

export function parseUpdate(expression: string, names: Record<string, string> = {}, values: Record<string, unknown> = {}): (item: Item) => Item {
  return new Parser(tokenize(expression), { names, values }).update();
}

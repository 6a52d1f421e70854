/**
 * The corpus's own oracles can fail: a 4xx that names no field, and the generators' determinism
 * (the same seed gives the same cases, so a failing run can be replayed with CORPUS_SEED).
 */
import { describe, expect, it } from 'vitest';
import { unnamedRejection } from '../../../test/integration/corpus/runner';
import { boundariesOf, casesOf, mutationsOf, pathsOf, type Json } from '../../../test/integration/corpus/mutations';

describe('unnamedRejection (every 4xx names its field or a code)', () => {
  it.each<[string, number, unknown, boolean]>([
    ['issues with paths', 422, { error: 'Request body is invalid', issues: [{ path: 'lines.0.quantity', message: 'x' }] }, true],
    ['an explicit code', 409, { error: 'taken', code: 'DUPLICATE', issues: [] }, true],
    ["API Gateway's unknown route", 404, { error: 'Not found', issues: [] }, true],
    ['no issues and no code', 400, { error: 'Bad request', issues: [] }, false],
    ['an issue with an empty path', 422, { error: 'Query string is invalid', issues: [{ path: '', message: 'x' }] }, false],
    ['no error message', 400, { issues: [{ path: 'body', message: 'x' }] }, false],
    ['not JSON', 403, undefined, false],
    ["API Gateway's default 403", 403, { message: 'Forbidden' }, false],
    ['an error that is a machine code (cancel 409)', 409, { error: 'NOT_CANCELLABLE', reason: 'ALREADY_SHIPPED', status: 'NOT_CANCELLABLE' }, true],
    ['an error in capitals but one word is no code', 403, { error: 'FORBIDDEN', issues: [] }, false],
    ['an error in words is no code', 400, { error: 'Not Cancellable', issues: [] }, false],
  ])('%s → named: %s', (_label, status, body, named) => {
    expect(unnamedRejection(status, body) === undefined).toBe(named);
  });
});

describe('generators', () => {
  const base: Json = { a: 'x', n: 2, list: [{ sku: 'S', q: 1 }], nested: { deep: 'y' } };

  it('the same seed gives the same cases; another seed other cases', () => {
    const arb = mutationsOf(base);
    expect(casesOf(arb, 42, 30)).toEqual(casesOf(arb, 42, 30));
    expect(casesOf(arb, 43, 30)).not.toEqual(casesOf(arb, 42, 30));
  });

  it('a mutation never changes the valid base it starts from', () => {
    const before = structuredClone(base);
    casesOf(mutationsOf(base), 7, 200);
    expect(base).toEqual(before);
  });

  it('boundaries stretch every string past 2,048 bytes and cover every leaf', () => {
    const cases = boundariesOf(base);
    const strings = pathsOf(base).filter((p) => typeof p.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], base) === 'string');
    expect(cases.filter((c) => c.mutations[0]?.kind === 'replace' && typeof c.mutations[0].value === 'string')).toHaveLength(strings.length);
    for (const c of cases) {
      const value = c.mutations[0]?.value;
      if (typeof value === 'string') expect(Buffer.byteLength(value)).toBeGreaterThan(2_048);
    }
  });
});

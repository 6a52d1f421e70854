/** Stock never goes back in time (issue 13): the pure as-of rules (domain/as-of.ts). */
import { describe, expect, it } from 'vitest';
import { admit, advanceMarks, indexSettleWait, leaseFree, newest, normalizeAsOf, type AsOfMarks } from '../../../functions/core/inventory/domain/as-of';

const T1 = '2026-11-25T09:00:00.000Z';
const T2 = '2026-11-25T10:00:00.000Z';
const T3 = '2026-11-25T11:00:00.000Z';

describe('normalizeAsOf', () => {
  it.each([
    ['2026-11-25T11:00:00+01:00', T2],
    ['2026-11-25T10:00:00Z', T2],
    [new Date(T2), T2],
    ['yesterday', undefined],
    [undefined, undefined],
    ['+010000-01-01T00:00:00.000Z', undefined],
  ])('%s → %s (fixed width UTC, so stored values compare as text)', (input, want) => {
    expect(normalizeAsOf(input)).toBe(want);
  });
});

describe('admit', () => {
  const cases: [string, AsOfMarks, string, 'whole' | 'partial', ReturnType<typeof admit>][] = [
    ['nothing applied yet: a whole snapshot applies unconditionally', {}, T1, 'whole', { kind: 'apply', conditional: false }],
    ['a newer whole snapshot applies; unchanged rows need no write', { fullAsOf: T1 }, T2, 'whole', { kind: 'apply', conditional: false }],
    ['an older whole snapshot is stale whole', { fullAsOf: T2 }, T1, 'whole', { kind: 'stale', newerAsOf: T2 }],
    ['the same as-of again is stale (already applied, or a tie)', { fullAsOf: T2 }, T2, 'whole', { kind: 'stale', newerAsOf: T2 }],
    ['a whole snapshot older than an applied partial: per-row conditions', { fullAsOf: T1, partialAsOf: T3 }, T2, 'whole', { kind: 'apply', conditional: true }],
    ['a whole snapshot as new as an applied partial: per-row conditions (ties never overwrite)', { partialAsOf: T2 }, T2, 'whole', { kind: 'apply', conditional: true }],
    ['a whole snapshot newer than every partial: no per-row conditions', { fullAsOf: T1, partialAsOf: T2 }, T3, 'whole', { kind: 'apply', conditional: false }],
    ['a partial message older than the last whole snapshot is stale whole', { fullAsOf: T2 }, T1, 'partial', { kind: 'stale', newerAsOf: T2 }],
    ['a partial message newer than the last whole snapshot: ordered per row', { fullAsOf: T1, partialAsOf: T3 }, T2, 'partial', { kind: 'apply', conditional: true }],
  ];
  it.each(cases)('%s', (_name, marks, asOf, scope, want) => {
    expect(admit(marks, asOf, scope)).toEqual(want);
  });
});

describe('advanceMarks', () => {
  it('moves the mark of the scope forward, never back, and leaves the other alone', () => {
    expect(advanceMarks({}, T2, 'whole')).toEqual({ fullAsOf: T2, partialAsOf: undefined });
    expect(advanceMarks({ fullAsOf: T1, partialAsOf: T3 }, T2, 'whole')).toEqual({ fullAsOf: T2, partialAsOf: T3 });
    expect(advanceMarks({ fullAsOf: T1, partialAsOf: T3 }, T2, 'partial')).toEqual({ fullAsOf: T1, partialAsOf: T3 });
    expect(advanceMarks({ fullAsOf: T1 }, T2, 'partial')).toEqual({ fullAsOf: T1, partialAsOf: T2 });
    expect(newest(T3, T1)).toBe(T3);
    expect(newest(undefined, T1)).toBe(T1);
  });
});

describe('indexSettleWait and leaseFree', () => {
  const now = new Date(T2);
  it('waits until settleMs after the last write, never longer, never negative', () => {
    expect(indexSettleWait(undefined, now, 1000)).toBe(0);
    expect(indexSettleWait(new Date(now.getTime() - 300).toISOString(), now, 1000)).toBe(700);
    expect(indexSettleWait(new Date(now.getTime() - 5000).toISOString(), now, 1000)).toBe(0);
    expect(indexSettleWait(new Date(now.getTime() + 5000).toISOString(), now, 1000)).toBe(1000);
    expect(indexSettleWait(T2, now, 0)).toBe(0);
  });

  it('a lease is free when absent, expired or ours', () => {
    expect(leaseFree({}, 10, 'me')).toBe(true);
    expect(leaseFree({ owner: 'other', expiresAt: 9 }, 10, 'me')).toBe(true);
    expect(leaseFree({ owner: 'me', expiresAt: 99 }, 10, 'me')).toBe(true);
    expect(leaseFree({ owner: 'other', expiresAt: 99 }, 10, 'me')).toBe(false);
  });
});

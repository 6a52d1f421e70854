import { describe, expect, it } from 'vitest';
import { layoutAsl } from '../../../dashboard/src/asl-layout';
import { formatMoney, minorToDecimal } from '../../../dashboard/src/money';

describe('dashboard money', () => {
  it('formats decimal strings with the currency exponent', () => {
    expect(formatMoney('19.99', 'EUR')).toBe('€19.99');
    expect(formatMoney('249', 'EUR')).toBe('€249.00');
    expect(formatMoney('1200', 'JPY')).toBe('¥1,200');
    expect(formatMoney('1.234', 'KWD')).toMatch(/^KWD\s1\.234$/);
  });

  it('formats large amounts exactly (no float rounding)', () => {
    expect(formatMoney('90071992547409.93', 'EUR')).toBe('€90,071,992,547,409.93');
  });

  it('shows what it cannot format as is', () => {
    expect(formatMoney('abc', 'EUR')).toBe('abc EUR');
    expect(formatMoney('1.00', 'XYZ1')).toBe('1.00 XYZ1');
  });

  it('converts stored minor units per currency', () => {
    expect(minorToDecimal(1999, 'EUR')).toBe('19.99');
    expect(minorToDecimal(5, 'EUR')).toBe('0.05');
    expect(minorToDecimal(1200, 'JPY')).toBe('1200');
    expect(minorToDecimal(-1250, 'EUR')).toBe('-12.50');
  });
});

describe('dashboard workflow graph layout', () => {
  const asl = {
    StartAt: 'Validate',
    States: {
      Validate: { Type: 'Task', Next: 'Held?', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }] },
      'Held?': { Type: 'Choice', Choices: [{ Variable: '$.held', BooleanEquals: true, Next: 'Wait' }], Default: 'Fulfill' },
      Wait: { Type: 'Task', Next: 'Validate' },
      Fulfill: { Type: 'Task', End: true },
      Failed: { Type: 'Fail' },
      Orphan: { Type: 'Pass', End: true },
    },
  };

  it('puts states in rows by distance from StartAt, unreachable ones last', () => {
    const layout = layoutAsl(asl);
    const y = (id: string) => layout.nodes.find((n) => n.id === id)?.y;
    expect(y('Validate')).toBeLessThan(y('Held?') ?? 0);
    expect(y('Held?')).toBe(y('Failed'));
    expect(y('Wait')).toBe(y('Fulfill'));
    expect(y('Orphan')).toBeGreaterThan(y('Wait') ?? 0);
    expect(layout.nodes.map((n) => n.type)).toContain('Choice');
  });

  it('draws Next, Default, Choices and Catch edges once each, loops included', () => {
    const edges = layoutAsl(asl).edges.map((e) => `${e.from}>${e.to}:${e.kind}`);
    expect(edges.sort()).toEqual(['Held?>Fulfill:choice', 'Held?>Wait:choice', 'Validate>Failed:catch', 'Validate>Held?:next', 'Wait>Validate:next'].sort());
  });

  it('nodes of a row do not overlap and fit the drawing', () => {
    const layout = layoutAsl(asl);
    for (const a of layout.nodes) {
      expect(a.x + a.w).toBeLessThanOrEqual(layout.width);
      expect(a.y + a.h).toBeLessThanOrEqual(layout.height);
      for (const b of layout.nodes) if (a !== b && a.y === b.y) expect(Math.abs(a.x - b.x)).toBeGreaterThanOrEqual(a.w);
    }
  });

  it('accepts the definition as a JSON string and answers an empty layout for anything else', () => {
    expect(layoutAsl(JSON.stringify(asl)).nodes).toHaveLength(6);
    expect(layoutAsl('not json').nodes).toHaveLength(0);
    expect(layoutAsl({ States: {} }).nodes).toHaveLength(0);
  });
});

/**
 * Reserved concurrency (dev stack): every file-triggered and scheduled function is capped at its stage value
 * (cdk.json `reservedConcurrency`), so a supplier's burst of files cannot starve the API; nothing else is.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULED_ENTRIES } from '../../lib/constructs/inventory-sync';
import { SUPPLIER_FILE_ENTRIES } from '../../lib/constructs/supplier-files';
import { AFTER_DELIVERY_ENTRIES } from '../../lib/constructs/after-delivery/scorecards';
import { type Synthesized, functionIdByEntry, props, resourcesOfType, synthesize } from './support';

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
});

const reserved = (entry: string): unknown => props(s.json.Resources[functionIdByEntry(s.json, entry)] ?? { Type: '' }).ReservedConcurrentExecutions;

describe('reserved concurrency', () => {
  it.each(Object.values(SUPPLIER_FILE_ENTRIES))('file-triggered %s: dev reservedConcurrency.supplierFiles (3)', (entry) => {
    expect(reserved(entry)).toBe(3);
  });

  it.each(Object.values(SCHEDULED_ENTRIES))('scheduled %s: dev reservedConcurrency.scheduled (1)', (entry) => {
    expect(reserved(entry)).toBe(1);
  });

  it('the lost-parcel sweep (scheduled, issue 15): dev reservedConcurrency.scheduled (1)', () => {
    expect(reserved(AFTER_DELIVERY_ENTRIES.lostParcelSweep)).toBe(1);
  });

  it('no other function reserves concurrency (the API and workflow share the unreserved pool)', () => {
    const capped = new Set([...Object.values(SUPPLIER_FILE_ENTRIES), ...Object.values(SCHEDULED_ENTRIES), AFTER_DELIVERY_ENTRIES.lostParcelSweep].map((e) => functionIdByEntry(s.json, e)));
    const others = resourcesOfType(s.json, 'AWS::Lambda::Function').filter(([id, r]) => !capped.has(id) && props(r).ReservedConcurrentExecutions !== undefined);
    expect(others.map(([id]) => id)).toEqual([]);
  });
});

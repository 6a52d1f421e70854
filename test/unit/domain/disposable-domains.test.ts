/**
 * The fraud screen's compressed blocklist (functions/core/orders/domain/disposable-domains.data.ts) holds
 * exactly the installed disposable-email-domains-js list: after a dependency update, regenerate it with
 * `npx tsx scripts/generate-disposable-domains.ts`.
 */
import { createRequire } from 'node:module';
import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';
import { describe, expect, it } from 'vitest';
import { DISPOSABLE_DOMAINS_SOURCE } from '../../../functions/core/orders/domain/disposable-domains.data';
import { disposableDomainSet } from '../../../functions/core/orders/domain/disposable-domains';
import { isDisposableDomain } from '../../../functions/core/orders/domain/fraud';

describe('disposable domains', () => {
  it('are exactly the installed package list (regenerate with scripts/generate-disposable-domains.ts)', () => {
    const version = (createRequire(import.meta.url)('disposable-email-domains-js/package.json') as { version: string }).version;
    expect(DISPOSABLE_DOMAINS_SOURCE).toBe(`disposable-email-domains-js@${version}`);
    const expected = disposableEmailBlocklistSet();
    const actual = disposableDomainSet();
    expect(actual.size).toBe(expected.size);
    expect([...actual].filter((d) => !expected.has(d))).toEqual([]);
  });

  it('are inflated once and used by the fraud screen', () => {
    expect(disposableDomainSet()).toBe(disposableDomainSet());
    const sample = [...disposableEmailBlocklistSet()][0] ?? '';
    expect(isDisposableDomain(sample)).toBe(true);
    expect(isDisposableDomain(`mail.${sample}`)).toBe(true);
    expect(isDisposableDomain('example.com')).toBe(false);
  });
});

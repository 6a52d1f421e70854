import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOMAIN_EVENT_TYPES, SUPPLIER_EVENT_TYPES } from '../../../functions/core/events/domain/events';
import { DOMAIN_EVENTS_PATH, renderDomainEvents } from '../../../scripts/docs/domain-events';

describe('docs/domain-events.md', () => {
  it('is up to date with the zod schemas (run `npm run openapi` to regenerate)', () => {
    expect(readFileSync(DOMAIN_EVENTS_PATH, 'utf8')).toBe(renderDomainEvents());
  });

  it('documents every order and supplier event type', () => {
    const doc = renderDomainEvents();
    for (const type of [...DOMAIN_EVENT_TYPES, ...SUPPLIER_EVENT_TYPES]) expect(doc).toContain(`### ${type}\n`);
  });
});

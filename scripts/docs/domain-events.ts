/**
 * docs/domain-events.md: the domain event contract (what the stream router publishes on the domain
 * bus), from functions/core/events/schemas/domain-events.ts, the one payload schema per event type.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { DOMAIN_EVENT_TYPES, SUPPLIER_EVENT_TYPES, storedTimelineType } from '../../functions/core/events/domain/events';
import { ORDER_EVENT_PAYLOADS, SUPPLIER_EVENT_PAYLOADS } from '../../functions/core/events/schemas/domain-events';
import { EVENT_SOURCE } from '../../functions/core/events/services/stream-router';
import { fieldRows, jsonSchemaOf } from './markdown';

export const DOMAIN_EVENTS_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'domain-events.md');

function eventSection(type: string, schema: z.ZodType): string {
  const rows = fieldRows(jsonSchemaOf(schema, 'input'), 'data.');
  return [`### ${type}`, '', ...(rows.length === 0 ? ['No `data`.'] : ['| field | type | required | description |', '|---|---|---|---|', ...rows]), ''].join('\n');
}

export function renderDomainEvents(): string {
  return [
    '# Domain events',
    '',
    '<!-- Generated from functions/core/events/schemas/domain-events.ts by `npm run openapi`; do not edit by hand. -->',
    '',
    `Every change the pipeline makes to an order writes timeline events in the same DynamoDB transaction; the`,
    `table stream router publishes them on the domain EventBridge bus (transactional outbox): source`,
    `\`${EVENT_SOURCE}\`, detail-type = the event type. Delivery is at least once: deduplicate on \`detail.eventId\`.`,
    '',
    '## Order events',
    '',
    'Detail: `eventId`, `orderId`, `channelId` (when known), `at` (ISO instant), `actor` (retailer, platform,',
    'supplier, operator, customer), `type`, `message` (human-readable, no PII) and `data` (below). The same',
    `events are the order timeline of \`GET /orders/{orderId}\` (where OrderReceived keeps its stored type \`${storedTimelineType('OrderReceived')}\`).`,
    '',
    ...DOMAIN_EVENT_TYPES.map((type) => eventSection(type, ORDER_EVENT_PAYLOADS[type])),
    '## Supplier events',
    '',
    'Detail: `eventId`, `supplierId`, `at`, `type`, `message` and `data` (below).',
    '',
    ...SUPPLIER_EVENT_TYPES.map((type) => eventSection(type, SUPPLIER_EVENT_PAYLOADS[type])),
  ].join('\n');
}

/**
 * The ops API's pure parts: cursors (forged → 400 naming cursor), the operator identity (no IAM caller → 403),
 * the execution summary of a history, document ids, and routing's paused-supplier rule.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { BadRequestError, ForbiddenError } from '../../../functions/core/kernel/errors';
import { emailHash } from '../../../functions/core/kernel/email-hash';
import { decodeCursor, encodeCursor, filtersFingerprint } from '../../../functions/core/ops/cursor';
import { parseDocumentId } from '../../../functions/core/ops/services/documents';
import { summarizeHistory } from '../../../functions/core/ops/services/execution';
import { routeOrder } from '../../../functions/core/workflow/domain/routing';
import type { Supplier } from '../../../functions/core/suppliers/domain/supplier';
import type { SupplierOffer } from '../../../functions/core/inventory/domain/catalog';
import { requireOperator } from '../../../functions/ops/common';
import { apiEvent } from '../fixtures/requests';
import { OPERATOR_ARN, asOperator } from './support';

describe('cursors', () => {
  const f = filtersFingerprint({ status: 'ON_HOLD', limit: 25 });
  const good = encodeCursor({ v: 1, src: 'status', f, k: '2026-12-07T00:00:00.000Z#ord_0123456789abcdefghjkmnpqrs' });

  it('round-trips with the same listing and filters; limit is not part of the filters', () => {
    expect(filtersFingerprint({ status: 'ON_HOLD', limit: 100 })).toBe(f);
    expect(decodeCursor(good, { src: 'status', f }).k).toBe('2026-12-07T00:00:00.000Z#ord_0123456789abcdefghjkmnpqrs');
  });

  it.each([
    ['garbage', '!!!'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['an extra field', Buffer.from(JSON.stringify({ v: 1, src: 'status', f, k: '2026-12-07T00:00:00.000Z#ord_x', pk: 'SKU#X' })).toString('base64url')],
    ['a key that is not an index position', encodeCursor({ v: 1, src: 'status', f, k: 'ORDER#x' } as never)],
    ['another listing', encodeCursor({ v: 1, src: 'channel', f, k: '2026-12-07T00:00:00.000Z#ord_x' })],
    ['other filters', encodeCursor({ v: 1, src: 'status', f: filtersFingerprint({ status: 'SHIPPED' }), k: '2026-12-07T00:00:00.000Z#ord_x' })],
  ])('refuses %s with a 400 naming cursor', (_name, cursor) => {
    const attempt = () => decodeCursor(cursor, { src: 'status', f });
    expect(attempt).toThrow(BadRequestError);
    try {
      attempt();
    } catch (error) {
      expect((error as BadRequestError).issues[0]?.path).toBe('queryStringParameters.cursor');
    }
  });
});

describe('operator identity', () => {
  it('is the IAM caller ARN', () => {
    expect(requireOperator(asOperator(apiEvent({ method: 'GET', path: '/ops/orders' })))).toMatchObject({ actorId: OPERATOR_ARN, caller: 'AROAEXAMPLE:jane' });
  });

  it.each([null, '', 'jane', 'arn:aws:s3:::bucket'])('refuses %j with 403', (arn) => {
    expect(() => requireOperator(asOperator(apiEvent({ method: 'GET', path: '/ops/orders' }), arn))).toThrow(ForbiddenError);
  });
});

describe('email hash', () => {
  it('matches whatever the case and surrounding spaces, never contains the address', () => {
    expect(emailHash(' Ada@Example.COM ')).toBe(emailHash('ada@example.com'));
    expect(emailHash('ada@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('execution summary', () => {
  const at = new Date('2026-12-07T00:00:00Z');
  const events: HistoryEvent[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: at },
    { id: 2, type: 'TaskStateEntered', timestamp: at, stateEnteredEventDetails: { name: 'ValidateAndRoute' } },
    { id: 3, type: 'TaskStateExited', timestamp: at, stateExitedEventDetails: { name: 'ValidateAndRoute' } },
    { id: 4, type: 'TaskStateEntered', timestamp: at, stateEnteredEventDetails: { name: 'Dispatch' } },
    { id: 5, type: 'TaskFailed', previousEventId: 4, timestamp: at, taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'TransientError', cause: 'SQS down' } },
    { id: 6, type: 'ExecutionFailed', previousEventId: 5, timestamp: at, executionFailedEventDetails: { error: 'TransientError', cause: 'SQS down' } },
  ];

  it('lists visited states, the current one and the failures with their state', () => {
    expect(summarizeHistory(events)).toEqual({
      visitedStates: ['ValidateAndRoute', 'Dispatch'],
      currentState: 'Dispatch',
      failures: [
        { state: 'Dispatch', error: 'TransientError', cause: 'SQS down', at: at.toISOString() },
        { state: 'Dispatch', error: 'TransientError', cause: 'SQS down', at: at.toISOString() },
      ],
    });
  });
});

describe('document ids', () => {
  it('name a fulfillment and a kind', () => {
    expect(parseDocumentId('ful_3q9x0c1m2k4v6b8n0p2r4t6w8y_01.packing-slip')).toEqual({ fulfillmentId: 'ful_3q9x0c1m2k4v6b8n0p2r4t6w8y_01', kind: 'packing-slip' });
  });

  it.each(['ful_x.invoice', '../etc/passwd', 'ful_x', 'ord_x.packing-slip'])('refuses %s with 400', (id) => {
    expect(() => parseDocumentId(id)).toThrow(BadRequestError);
  });
});

describe('routing skips a paused supplier', () => {
  const NOW = '2026-11-25T10:00:00.000Z';
  const supplier = (id: string, patch: Partial<Supplier> = {}): Supplier => ({
    supplierId: id,
    name: id,
    channel: 'sqs',
    priority: id === 'a' ? 1 : 2,
    currency: 'USD',
    acceptanceSlaMinutes: 60,
    processingDays: 1,
    feedFreshnessSlaHours: 24,
    shippingZones: [{ zoneId: 'us', countries: ['US'], methods: [{ code: 'GROUND', name: 'Ground', transitDaysMin: 2, transitDaysMax: 5, costMinor: 500 }] }],
    status: 'ACTIVE',
    lastFeedAt: NOW,
    blindShipping: true,
    ...patch,
  });
  const offer = (supplierId: string): SupplierOffer => ({ sku: 'X', supplierId, supplierSku: `${supplierId}-X`, wholesaleCostMinor: 1_000, currency: 'USD', stock: 10, reserved: 0, discontinued: false, lastFeedAt: NOW });
  const route = (a: Supplier) =>
    routeOrder({ lines: [{ lineNo: 1, sku: 'X', quantity: 1, unitPriceMinor: 2_500 }], destination: { country: 'US', postcode: '94105' }, offers: [offer('a'), offer('b')], suppliers: [a, supplier('b')], now: NOW });

  it('goes to the other supplier while paused, back when resumed', () => {
    expect(route(supplier('a')).fulfillments.map((f) => f.supplierId)).toEqual(['a']);
    expect(route(supplier('a', { paused: { at: NOW, actorId: OPERATOR_ARN } })).fulfillments.map((f) => f.supplierId)).toEqual(['b']);
  });
});

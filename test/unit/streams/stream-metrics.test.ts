import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { minutesBetween, streamMetrics } from '../../../functions/core/events/services/stream-metrics';
import { routeStreamRecords, type StreamRouterDeps } from '../../../functions/core/events/services/stream-router';

function rec(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', next: Record<string, unknown> | undefined, prev?: Record<string, unknown>): DynamoDBRecord {
  return {
    eventID: 'ev',
    eventName,
    dynamodb: {
      SequenceNumber: '1',
      ...(next === undefined ? {} : { NewImage: marshall(next, { removeUndefinedValues: true }) as never }),
      ...(prev === undefined ? {} : { OldImage: marshall(prev, { removeUndefinedValues: true }) as never }),
    },
  };
}

const fulfillment = { entity: 'Fulfillment', supplierId: 'nordic-home', dispatchedAt: '2026-12-01T10:00:00.000Z', shipments: [] };

describe('streamMetrics', () => {
  it.each([
    ['a new order enters its first status', rec('INSERT', { entity: 'Order', status: 'RECEIVED' }), [['OrderStatusEntered', 1, 'status', 'RECEIVED']]],
    ['a status change counts the new status', rec('MODIFY', { entity: 'Order', status: 'SHIPPED' }, { entity: 'Order', status: 'IN_FULFILLMENT' }), [['OrderStatusEntered', 1, 'status', 'SHIPPED']]],
    ['an update without a status change counts nothing', rec('MODIFY', { entity: 'Order', status: 'SHIPPED', version: 3 }, { entity: 'Order', status: 'SHIPPED', version: 2 }), []],
    ['a delete counts nothing', rec('REMOVE', undefined, { entity: 'Order', status: 'SHIPPED' }), []],
    ['OrderStuck is an SLA breach of its stage', rec('INSERT', { entity: 'TimelineEvent', type: 'OrderStuck', data: { status: 'VALIDATED' } }), [['OrderSlaBreached', 1, 'status', 'VALIDATED']]],
    ['FulfillmentOverdue counts per supplier', rec('INSERT', { entity: 'TimelineEvent', type: 'FulfillmentOverdue', data: { supplierId: 'nordic-home' } }), [['FulfillmentOverdue', 1, 'supplierId', 'nordic-home']]],
    ['other timeline events count nothing', rec('INSERT', { entity: 'TimelineEvent', type: 'OrderShipped', data: {} }), []],
    [
      'acceptance: minutes from dispatch',
      rec('MODIFY', { ...fulfillment, acceptedAt: '2026-12-01T10:45:00.000Z' }, fulfillment),
      [['SupplierAcceptanceMinutes', 45, 'supplierId', 'nordic-home']],
    ],
    [
      'first carrier scan: ship minutes from dispatch',
      rec(
        'MODIFY',
        { ...fulfillment, acceptedAt: '2026-12-01T10:45:00.000Z', shipments: [{ trackingNumber: 'X', firstScanAt: '2026-12-02T10:00:00.000Z' }] },
        { ...fulfillment, acceptedAt: '2026-12-01T10:45:00.000Z' },
      ),
      [['SupplierShipMinutes', 1440, 'supplierId', 'nordic-home']],
    ],
    [
      'a later scan is not counted again',
      rec(
        'MODIFY',
        { ...fulfillment, acceptedAt: '2026-12-01T10:45:00.000Z', shipments: [{ trackingNumber: 'X', firstScanAt: '2026-12-02T10:00:00.000Z' }, { trackingNumber: 'Y', firstScanAt: '2026-12-03T10:00:00.000Z' }] },
        { ...fulfillment, acceptedAt: '2026-12-01T10:45:00.000Z', shipments: [{ trackingNumber: 'X', firstScanAt: '2026-12-02T10:00:00.000Z' }] },
      ),
      [],
    ],
  ])('%s', (_name, record, expected) => {
    expect(streamMetrics(record).map((m) => [m.name, m.value, m.dimension.name, m.dimension.value])).toEqual(expected);
  });

  it('never throws on an unreadable image (a dashboard figure never fails the batch)', () => {
    const broken: DynamoDBRecord = { eventName: 'INSERT', dynamodb: { NewImage: { entity: { BOGUS: 'x' } } as never } };
    expect(streamMetrics(broken)).toEqual([]);
  });

  it.each([
    ['2026-12-01T10:00:00Z', '2026-12-01T10:30:00Z', 30],
    ['2026-12-01T10:30:00Z', '2026-12-01T10:00:00Z', undefined],
    [undefined, '2026-12-01T10:00:00Z', undefined],
    ['garbage', '2026-12-01T10:00:00Z', undefined],
  ])('minutesBetween(%j, %j) = %j', (from, to, expected) => {
    expect(minutesBetween(from, to)).toBe(expected);
  });

  it('the router hands each metric to emitMetric, ids and statuses only', async () => {
    const emitMetric = vi.fn();
    const deps = { emitMetric, logger: { info: vi.fn(), error: vi.fn(), warn: vi.fn(), debug: vi.fn() }, metrics: { addMetric: vi.fn() } } as unknown as StreamRouterDeps;
    await routeStreamRecords(deps, [rec('MODIFY', { entity: 'Order', status: 'DELIVERED', email: 'ada@example.com' }, { entity: 'Order', status: 'SHIPPED' })]);
    expect(emitMetric).toHaveBeenCalledWith({ name: 'OrderStatusEntered', unit: 'Count', value: 1, dimension: { name: 'status', value: 'DELIVERED' } });
    expect(JSON.stringify(emitMetric.mock.calls)).not.toContain('ada@example.com');
  });
});

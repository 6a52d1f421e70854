import { describe, expect, it } from 'vitest';
import { loadWorkflowSettings, secondsUntil, waitSeconds } from '../../../functions/core/workflow/services/workflow-settings';
import { SupplierDirectory, loadSupplierDirectory } from '../../../functions/core/suppliers/services/supplier-outbound';

describe('workflow settings (environment, read at cold start)', () => {
  it('defaults', () => {
    const s = loadWorkflowSettings({});
    expect(s).toMatchObject({ timeoutScale: 1, shipGraceSeconds: 7 * 86400, deliveryGraceSeconds: 7 * 86400, holdTimeoutHours: undefined });
    expect(s.routing.ruleOrder).toEqual(['SINGLE_SHIPMENT', 'LOWEST_LANDED_COST', 'SUPPLIER_PRIORITY']);
    expect(s.fraud.reviewThreshold).toBe(50);
  });

  it('reads every variable', () => {
    const s = loadWorkflowSettings({
      TIMEOUT_SCALE: '0.001',
      HOLD_TIMEOUT_HOURS: '12',
      SHIP_GRACE_DAYS: '2',
      DELIVERY_GRACE_DAYS: '3',
      ROUTING_RULE_ORDER: 'LOWEST_LANDED_COST,SINGLE_SHIPMENT',
      ROUTING_SHIPPING_METHOD: 'FASTEST',
      FRAUD_CONFIG: JSON.stringify({ reviewThreshold: 70, weights: { DISPOSABLE_EMAIL: 80 } }),
    });
    expect(s).toMatchObject({ timeoutScale: 0.001, holdTimeoutHours: 12, shipGraceSeconds: 2 * 86400, deliveryGraceSeconds: 3 * 86400 });
    expect(s.routing).toMatchObject({ ruleOrder: ['LOWEST_LANDED_COST', 'SINGLE_SHIPMENT'], shippingMethod: 'FASTEST' });
    expect(s.fraud).toMatchObject({ reviewThreshold: 70, weights: { DISPOSABLE_EMAIL: 80, ADDRESS_VELOCITY: 50 } });
  });

  it.each([
    [{ TIMEOUT_SCALE: '0' }, /TIMEOUT_SCALE/],
    [{ SHIP_GRACE_DAYS: 'soon' }, /SHIP_GRACE_DAYS/],
    [{ ROUTING_SHIPPING_METHOD: 'SLOWEST' }, /ROUTING_SHIPPING_METHOD/],
    [{ ROUTING_RULE_ORDER: 'CHEAPEST_FIRST' }, /Unknown routing rule/],
    [{ FRAUD_CONFIG: '{"reviewTreshold": 1}' }, /FRAUD_CONFIG/],
  ])('refuses %j at cold start', (env, message) => {
    expect(() => loadWorkflowSettings(env)).toThrow(message);
  });

  it.each([
    [3600, 1, 3600],
    [3600, 0.001, 4],
    [0, 1, 1],
    [-50, 1, 1],
    [1e12, 1, 99_999_999],
  ])('waitSeconds(%d, scale %d) = %d (whole, ≥ 1, ≤ the service maximum)', (seconds, timeoutScale, expected) => {
    expect(waitSeconds(seconds, { timeoutScale })).toBe(expected);
  });

  it('HOT_SKUS: the hot offers and their shard counts, refused when malformed', () => {
    expect(loadWorkflowSettings({}).hotSkus).toEqual([]);
    expect(loadWorkflowSettings({ HOT_SKUS: '[{"sku":"A","supplierId":"s","shards":8}]' }).hotSkus).toEqual([{ sku: 'A', supplierId: 's', shards: 8 }]);
    expect(() => loadWorkflowSettings({ HOT_SKUS: '[{"sku":"A","supplierId":"s","shards":0}]' })).toThrow(/HOT_SKUS/);
    expect(() => loadWorkflowSettings({ HOT_SKUS: 'not json' })).toThrow(/HOT_SKUS/);
  });

  it('secondsUntil counts from now and is 1 once passed', () => {
    const now = new Date('2026-11-25T10:00:00.000Z');
    expect(secondsUntil('2026-11-25T11:00:00.000Z', now, { timeoutScale: 1 })).toBe(3600);
    expect(secondsUntil('2026-11-25T09:00:00.000Z', now, { timeoutScale: 1 })).toBe(1);
  });
});

describe('SUPPLIER_QUEUES', () => {
  const entry = { supplierId: 'a', inboundQueueArn: 'arn:a', inboundQueueUrl: 'https://a-in', outboundQueueUrl: 'https://a-out', inboundDlqUrl: 'https://a-dlq' };
  it('maps queue ARNs and supplier ids', () => {
    const dir = loadSupplierDirectory({ SUPPLIER_QUEUES: JSON.stringify([entry]) });
    expect(dir.byInboundQueueArn('arn:a')?.supplierId).toBe('a');
    expect(dir.bySupplierId('a')?.outboundQueueUrl).toBe('https://a-out');
    expect(dir.byInboundQueueArn('arn:b')).toBeUndefined();
  });
  it.each([[undefined], ['not json'], [JSON.stringify([{ supplierId: 'a' }])]])('refuses %j at cold start', (value) => {
    expect(() => loadSupplierDirectory(value === undefined ? {} : { SUPPLIER_QUEUES: value })).toThrow(/SUPPLIER_QUEUES/);
  });
  it('refuses duplicate suppliers', () => {
    expect(() => new SupplierDirectory([entry, entry])).toThrow(/Duplicate supplier a/);
  });
});

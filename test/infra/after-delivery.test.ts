/**
 * Delivery exceptions and scorecards (dev stack, lib/constructs/after-delivery/scorecards.ts): the scorecard rule's event
 * types, the lost-parcel schedule and its settings, least privilege per function, the shared DLQ.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SCORECARD_DETAIL_FILTER, SCORECARD_EVENT_TYPES } from '../../functions/core/scorecards/domain/facts';
import { matchesPattern, parsePattern } from '../../local/emulators/patterns';
import { DOMAIN_EVENT_SOURCE } from '../../lib/constructs/order-events';
import { AFTER_DELIVERY_ENTRIES } from '../../lib/constructs/after-delivery/scorecards';
import { type Synthesized, actionsOf, arr, functionEnv, functionIdByEntry, props, rec, referencedId, resourcesOfType, roleOfFunction, roleStatements, synthesize } from './support';

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
});

const idOf = (entry: string): string => functionIdByEntry(s.json, entry);
const actions = (entry: string): string[] => [...new Set(roleStatements(s.json, roleOfFunction(s.json, idOf(entry))).flatMap(actionsOf))].sort();
const rulesTargeting = (entry: string) => resourcesOfType(s.json, 'AWS::Events::Rule').filter(([, r]) => arr(props(r).Targets).some((t) => referencedId(rec(t).Arn) === idOf(entry)));

describe('after delivery', () => {
  it('the scorecard updater gets exactly the scorecard event types of the domain bus, failures to the DLQ', () => {
    const [rule] = rulesTargeting(AFTER_DELIVERY_ENTRIES.scorecardUpdater);
    const pattern = props(rule?.[1] ?? { Type: '' }).EventPattern;
    expect(pattern).toEqual({ source: [DOMAIN_EVENT_SOURCE], 'detail-type': [...SCORECARD_EVENT_TYPES], detail: SCORECARD_DETAIL_FILTER });
    // The synthesized pattern, matched as EventBridge does (the local runtime's matcher, documented syntax).
    const parsed = parsePattern(pattern, 'ScorecardRule');
    const event = (type: string, data: Record<string, unknown>) => ({ source: DOMAIN_EVENT_SOURCE, 'detail-type': type, detail: { type, at: '2026-12-07T00:00:00.000Z', data } });
    const ids = { fulfillmentId: 'ful_01kbx5y3m2n8c0d9e7f6g5h4j3_01', supplierId: 'nordic-home' };
    const passes = (type: string, data: Record<string, unknown>): boolean => matchesPattern(parsed, event(type, data));
    for (const type of SCORECARD_EVENT_TYPES.filter((t) => t !== 'ShipmentCreated' && t !== 'TrackingUpdated')) expect(passes(type, ids), type).toBe(true);
    expect(passes('ShipmentCreated', { ...ids, trackingNumber: '1Z', trackingUnverified: true })).toBe(true);
    expect(passes('ShipmentCreated', { ...ids, trackingNumber: '1Z' })).toBe(false);
    for (const code of ['CARRIER_PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED', 'EXCEPTION']) expect(passes('TrackingUpdated', { ...ids, trackingNumber: '1Z', event: code }), code).toBe(true);
    expect(passes('TrackingUpdated', { ...ids, trackingNumber: '1Z', event: 'LABEL_CREATED' })).toBe(false);
    expect(passes('TrackingUpdated', { ...ids, event: 'DELIVERED' })).toBe(false);
    expect(passes('OrderShipped', {})).toBe(false);
    const target = rec(arr(props(rule?.[1] ?? { Type: '' }).Targets)[0]);
    expect(rec(target.DeadLetterConfig).Arn).toBeDefined();
  });

  it('the lost-parcel sweep runs hourly with the stage settings (dev defaults: 7 days, claims within 30)', () => {
    const [rule] = rulesTargeting(AFTER_DELIVERY_ENTRIES.lostParcelSweep);
    expect(props(rule?.[1] ?? { Type: '' }).ScheduleExpression).toBe('rate(1 hour)');
    expect(functionEnv(s.json, idOf(AFTER_DELIVERY_ENTRIES.lostParcelSweep))).toMatchObject({ LOST_PARCEL_DAYS: '7', CARRIER_CLAIM_WINDOW_DAYS: '30' });
  });

  it('least privilege: the scorecard route only reads; only the decision route messages suppliers and writes outbox files', () => {
    expect(actions(AFTER_DELIVERY_ENTRIES.scorecard).filter((a) => a.startsWith('dynamodb:') && !['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem'].includes(a))).toEqual([]);
    expect(actions(AFTER_DELIVERY_ENTRIES.deliveryDecisions)).toEqual(expect.arrayContaining(['sqs:SendMessage', 's3:PutObject']));
    for (const entry of [AFTER_DELIVERY_ENTRIES.claims, AFTER_DELIVERY_ENTRIES.scorecard]) expect(actions(entry).filter((a) => a.startsWith('sqs:') || a.startsWith('s3:')), entry).toEqual([]);
    // The asynchronous ones send only to their failure queue (the construct's DLQ), never to suppliers or S3.
    for (const entry of [AFTER_DELIVERY_ENTRIES.scorecardUpdater, AFTER_DELIVERY_ENTRIES.lostParcelSweep]) expect(actions(entry).filter((a) => a.startsWith('s3:')), entry).toEqual([]);
    expect(functionEnv(s.json, idOf(AFTER_DELIVERY_ENTRIES.scorecard)).SCORECARD_DEMOTION).toBe(JSON.stringify({ enabled: true, metric: 'onTimeShipRate', windowDays: 30, threshold: 0.9, minSample: 10 }));
  });
});

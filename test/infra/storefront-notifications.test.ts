/**
 * Storefront notifications (dev stack): the bus rule, the FIFO queue and its DLQ, the two functions, the
 * outbound secrets, least privilege, alarms, and cdk-nag on the construct.
 */
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN_EVENT_SOURCE, ORDER_EVENTS_LOGICAL_IDS } from '../../lib/constructs/order-events';
import { NOTIFY_DELIVER_ENTRY, NOTIFY_ENQUEUE_ENTRY, notificationLogicalIds } from '../../lib/constructs/storefront-notifications';
import { NOTIFYING_EVENT_TYPES } from '../../functions/core/notifications/domain/notifications';
import { type Synthesized, actionsOf, arr, functionEnv, functionIdByEntry, props, rec, referencedId, renderIntrinsics, resourcesOfType, roleOfFunction, roleStatements, synthesize } from './support';

let s: Synthesized;
let enqueueId: string;
let deliverId: string;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
  enqueueId = functionIdByEntry(s.json, NOTIFY_ENQUEUE_ENTRY);
  deliverId = functionIdByEntry(s.json, NOTIFY_DELIVER_ENTRY);
});

const resource = (id: string) => props(s.json.Resources[id] ?? { Type: '' });
const statementsOf = (fnId: string) => roleStatements(s.json, roleOfFunction(s.json, fnId));
const resourcesFor = (fnId: string, action: string) =>
  statementsOf(fnId)
    .filter((st) => actionsOf(st).includes(action))
    .flatMap((st) => arr(st.Resource).map(renderIntrinsics));

describe('transport', () => {
  it('a rule on the domain bus sends exactly the customer-visible event types to the enqueue function', () => {
    const rules = resourcesOfType(s.json, 'AWS::Events::Rule').filter(([, r]) => arr(props(r).Targets).some((t) => referencedId(rec(t).Arn) === enqueueId));
    expect(rules).toHaveLength(1);
    const rule = props(rules[0]?.[1] ?? { Type: '' });
    expect(renderIntrinsics(rule.EventBusName)).toBe(`<Ref:${ORDER_EVENTS_LOGICAL_IDS.bus}>`);
    expect(rule.EventPattern).toEqual({ source: [DOMAIN_EVENT_SOURCE], 'detail-type': [...NOTIFYING_EVENT_TYPES] });
    const target = rec(arr(rule.Targets)[0]);
    expect(rec(target.RetryPolicy)).toMatchObject({ MaximumEventAgeInSeconds: 86_400 });
    expect(renderIntrinsics(rec(target.DeadLetterConfig).Arn)).toBe(`<${notificationLogicalIds.enqueueDlq}.Arn>`);
  });

  it('a FIFO queue, ordered and deduplicated per order, retried for at least a day before its FIFO DLQ', () => {
    const q = resource(notificationLogicalIds.queue);
    expect(q).toMatchObject({ FifoQueue: true, FifoThroughputLimit: 'perMessageGroupId', DeduplicationScope: 'messageGroup', SqsManagedSseEnabled: true });
    const redrive = rec(q.RedrivePolicy);
    expect(renderIntrinsics(redrive.deadLetterTargetArn)).toBe(`<${notificationLogicalIds.dlq}.Arn>`);
    // base 30 s doubling to 1 h: the receives the defaults allow add up to more than 24 h
    let total = 0;
    for (let n = 1; n < Number(redrive.maxReceiveCount); n++) total += Math.min(3600, 30 * 2 ** (n - 1));
    expect(total).toBeGreaterThanOrEqual(24 * 3600);
    expect(Number(q.MessageRetentionPeriod)).toBeGreaterThan(total);
    expect(resource(notificationLogicalIds.dlq)).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 1_209_600 });
  });

  it('the deliver function consumes the queue with partial batch failures', () => {
    const mappings = resourcesOfType(s.json, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => referencedId(props(m).FunctionName) === deliverId);
    expect(mappings).toHaveLength(1);
    const m = props(mappings[0]?.[1] ?? { Type: '' });
    expect(renderIntrinsics(m.EventSourceArn)).toBe(`<${notificationLogicalIds.queue}.Arn>`);
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(functionEnv(s.json, deliverId)).toMatchObject({ NOTIFY_RETRY_BASE_SECONDS: '30', NOTIFY_RETRY_MAX_SECONDS: '3600' });
  });
});

describe('channels and secrets', () => {
  it('one outbound secret per notified channel (demo-web and demo-woo have a URL, demo-shopify a shop domain)', () => {
    for (const channel of ['demo-web', 'demo-shopify', 'demo-woo']) {
      expect(s.json.Resources[notificationLogicalIds.secret(channel)]?.Type, channel).toBe('AWS::SecretsManager::Secret');
    }
    const channels = renderIntrinsics(functionEnv(s.json, deliverId).NOTIFY_CHANNELS);
    expect(channels).toContain('demo-web.example.com');
    expect(channels).toContain('dropship-demo.myshopify.com');
  });

  it('the deliver function reads only the outbound secrets; the enqueue function none', () => {
    const secrets = resourcesFor(deliverId, 'secretsmanager:GetSecretValue').sort();
    expect(secrets).toEqual(['demo-shopify', 'demo-web', 'demo-woo'].map((channel) => `<Ref:${notificationLogicalIds.secret(channel)}>`).sort());
    expect(resourcesFor(enqueueId, 'secretsmanager:GetSecretValue')).toEqual([]);
  });

  it('the enqueue function sends only to the queue (and its own async DLQ) and never writes the table', () => {
    expect(resourcesFor(enqueueId, 'sqs:SendMessage').sort()).toEqual([`<${notificationLogicalIds.enqueueDlq}.Arn>`, `<${notificationLogicalIds.queue}.Arn>`]);
    expect(resourcesFor(enqueueId, 'dynamodb:PutItem')).toEqual([]);
    expect(resourcesFor(deliverId, 'sqs:SendMessage')).toEqual([`<${notificationLogicalIds.dlq}.Arn>`]);
  });
});

describe('operations', () => {
  it('both DLQs are alarmed to the alarm topic', () => {
    const alarms = resourcesOfType(s.json, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    for (const dlq of [notificationLogicalIds.dlq, notificationLogicalIds.enqueueDlq]) {
      const alarm = alarms.find((a) => arr(a.Dimensions).some((d) => renderIntrinsics(rec(d).Value) === `<${dlq}.QueueName>`));
      expect(alarm, dlq).toBeDefined();
      expect(arr(alarm?.AlarmActions).length).toBeGreaterThan(0);
    }
  });

  it('cdk-nag: nothing unacknowledged in the construct', () => {
    const construct = s.stack.node.findChild('StorefrontNotifications');
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const report = pack.validateScope(construct);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    }
  });
});

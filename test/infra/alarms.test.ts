/**
 * The platform health alarms and the business dashboard (lib/constructs/dashboard-panels.ts): one targeted
 * assertion per alarm family, thresholds from the dev stage in cdk.json.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PipelineFunction } from '../../lib/constructs/pipeline-function';
import { type AlarmsConfig, StageConfigError, parseStageConfig } from '../../lib/stage-config';
import { type Synthesized, arr, errorAlarmsByFunction, props, rec, referencedId, renderIntrinsics, resourcesOfType, synthesize } from './support';

let s: Synthesized;
let thresholds: AlarmsConfig;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
  thresholds = s.stage.config.alarms;
});

type Alarm = Record<string, unknown>;
/** Alarms of the Observability construct whose logical id starts with `Observability<prefix>`. */
const alarmsNamed = (prefix: string): Array<[string, Alarm]> =>
  resourcesOfType(s.json, 'AWS::CloudWatch::Alarm')
    .filter(([id]) => id.startsWith(`Observability${prefix}`))
    .map(([id, a]) => [id, props(a)]);
const onlyAlarm = (prefix: string): Alarm => {
  const found = alarmsNamed(prefix);
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0]?.[1] ?? {};
};
/** The MetricStat entries of a metric-math alarm. */
const stats = (alarm: Alarm): Array<Record<string, unknown>> =>
  arr(alarm.Metrics)
    .map(rec)
    .filter((m) => m.MetricStat !== undefined)
    .map((m) => rec(rec(m.MetricStat).Metric));
const expression = (alarm: Alarm): string | undefined => arr(alarm.Metrics).map(rec).find((m) => typeof m.Expression === 'string')?.Expression as string | undefined;
const dims = (metric: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(arr(metric.Dimensions).map(rec).map((d) => [String(d.Name), referencedId(d.Value) ?? renderIntrinsics(d.Value)]));

describe('platform health alarms', () => {
  it('stage thresholds come from cdk.json (dev)', () => {
    expect(thresholds.lambdaThrottles).toBe(1);
    expect(thresholds.streamIteratorAgeSeconds).toBe(120);
  });

  it('Lambda throttles: every function of the stack is in exactly one throttle alarm (groups of at most 10)', () => {
    const alarms = alarmsNamed('LambdaThrottlesAlarm');
    expect(alarms.length).toBeGreaterThan(1);
    const functions = s.stack.node.findAll().filter((c) => c instanceof PipelineFunction);
    const covered = alarms.flatMap(([, a]) => {
      const metrics = stats(a);
      expect(metrics.length).toBeLessThanOrEqual(10);
      expect(metrics.every((m) => m.MetricName === 'Throttles' && m.Namespace === 'AWS/Lambda')).toBe(true);
      expect(expression(a)).toMatch(/^SUM\(\[FILL\(m0, 0\)/);
      expect(a.Threshold).toBe(thresholds.lambdaThrottles);
      return metrics.map((m) => dims(m).FunctionName);
    });
    expect(new Set(covered).size).toBe(covered.length);
    expect(covered).toHaveLength(functions.length);
  });

  it('Lambda errors: every function of the stack is in exactly one error alarm (groups of at most 10, each named in the description)', () => {
    const functions = s.stack.node.findAll().filter((c) => c instanceof PipelineFunction);
    const byFunction = errorAlarmsByFunction(s.json);
    expect(byFunction.size).toBe(functions.length);
    for (const [fn, ids] of byFunction) {
      expect(ids, fn).toHaveLength(1);
      const alarm = props(s.json.Resources[ids[0] ?? ''] ?? { Type: '' });
      expect(alarm.Threshold).toBe(1);
      expect(String(alarm.AlarmDescription)).toContain('Unhandled errors in');
    }
    const groups = new Set([...byFunction.values()].flat());
    for (const id of groups) expect(stats(props(s.json.Resources[id] ?? { Type: '' })).length).toBeLessThanOrEqual(10);
  });

  it('DynamoDB throttles: read and write throttle events of the table and of every index', () => {
    const alarm = onlyAlarm('DynamoDbThrottlesAlarm');
    const metrics = stats(alarm);
    expect(metrics.map((m) => `${String(m.MetricName)}:${dims(m).GlobalSecondaryIndexName ?? 'table'}`).sort()).toEqual(
      ['table', 'gsi1', 'gsi2', 'gsi3', 'gsi4'].flatMap((i) => [`ReadThrottleEvents:${i}`, `WriteThrottleEvents:${i}`]).sort(),
    );
    expect(alarm.Threshold).toBe(thresholds.dynamoDbThrottles);
  });

  it('DynamoDB system errors per operation', () => {
    const metrics = stats(onlyAlarm('DynamoDbSystemErrorsAlarm'));
    expect(metrics.every((m) => m.MetricName === 'SystemErrors' && m.Namespace === 'AWS/DynamoDB')).toBe(true);
    expect(metrics.map((m) => dims(m).Operation)).toEqual(expect.arrayContaining(['PutItem', 'UpdateItem', 'Query', 'TransactWriteItems']));
  });

  it('stream iterator age of the stream router, in ms', () => {
    const alarm = onlyAlarm('StreamIteratorAgeAlarm');
    expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Statistic: 'Maximum', Threshold: thresholds.streamIteratorAgeSeconds * 1000 });
    const router = referencedId(arr(alarm.Dimensions).map(rec)[0]?.Value);
    expect(router).toBe(referencedId(s.stack.resolve(s.stack.events.router.functionName)));
  });

  it('inbound queue age: every supplier inbound queue and the notification queue', () => {
    const alarms = alarmsNamed('QueueAge').map(([, a]) => a);
    const queues = alarms.map((a): [string | undefined, unknown] => [dims(a).QueueName, a.Threshold]);
    const id = (q: { queueName: string }): string | undefined => referencedId(s.stack.resolve(q.queueName));
    const inbound = s.stack.suppliers.suppliers.map((sup) => [id(sup.inboundQueue), thresholds.inboundQueueAgeSeconds]);
    const notify = [id(s.stack.notifications.queue), thresholds.notificationQueueAgeSeconds];
    expect(inbound).toHaveLength(3);
    expect(queues.map(([q, t]) => [q?.replace(/^<|\.QueueName>$/g, ''), t]).sort()).toEqual([...inbound, notify].sort());
    expect(alarms.every((a) => a.MetricName === 'ApproximateAgeOfOldestMessage' && a.Statistic === 'Maximum')).toBe(true);
  });

  it('aborted and timed-out executions of every state machine (one timed-out alarm each)', () => {
    const machines = resourcesOfType(s.json, 'AWS::StepFunctions::StateMachine').map(([id]) => id);
    expect(machines.length).toBeGreaterThan(0);
    const alarmsOn = (metricName: string): string[] =>
      resourcesOfType(s.json, 'AWS::CloudWatch::Alarm')
        .map(([, a]) => props(a))
        .filter((a) => a.MetricName === metricName && a.Namespace === 'AWS/States')
        .map((a) => referencedId(arr(a.Dimensions).map(rec)[0]?.Value) ?? '');
    expect(alarmsOn('ExecutionsAborted').sort()).toEqual([...machines].sort());
    expect(alarmsOn('ExecutionsTimedOut').sort()).toEqual([...machines].sort());
  });

  it.each([
    ['WebhookSignatureFailuresAlarm', 'WebhookSignatureFailed', 'storefront-api', 'webhookSignatureFailures'],
    ['NotificationFailuresAlarm', 'NotificationFailed', 'storefront-notifications', 'notificationFailures'],
  ] as const)('%s: Powertools metric %s of service %s', (id, metricName, service, key) => {
    const alarm = onlyAlarm(id);
    expect(alarm).toMatchObject({ Namespace: 'DropshipPipeline', MetricName: metricName, Statistic: 'Sum', Period: 300, Threshold: thresholds[key] });
    expect(dims(alarm)).toEqual({ service });
  });

  it('5xx rate per API (storefront and ops): 100 x 5XXError / Count', () => {
    const alarms = alarmsNamed('Api5xxRate').map(([, a]) => a);
    expect(alarms).toHaveLength(2);
    const apis = alarms.map((a) => {
      expect(expression(a)).toBe('IF(requests > 0, 100 * errors / requests, 0)');
      expect(a.Threshold).toBe(thresholds.api5xxPercent);
      const metrics = stats(a);
      expect(metrics.map((m) => m.MetricName).sort()).toEqual(['5XXError', 'Count']);
      return dims(metrics[0] ?? {}).ApiName;
    });
    expect(apis.sort()).toEqual(['dropship-dev-ops-api', 'dropship-dev-storefront-api']);
  });

  it('every alarm notifies the alarm topic', () => {
    const topic = resourcesOfType(s.json, 'AWS::SNS::Topic').find(([id]) => id.startsWith('ObservabilityAlarmTopic'))?.[0];
    for (const [id, a] of resourcesOfType(s.json, 'AWS::CloudWatch::Alarm')) {
      expect(arr(props(a).AlarmActions).map(referencedId), id).toEqual([topic]);
    }
  });
});

describe('business dashboard', () => {
  const body = (): string => {
    const dashboards = resourcesOfType(s.json, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    return renderIntrinsics(props(dashboards[0]?.[1] ?? { Type: '' }).DashboardBody);
  };

  it.each([
    ['order funnel by status', /"OrderStatusEntered","service","stream-router","status","DELIVERED"/],
    ['SLA breaches by stage', /"OrderSlaBreached","service","stream-router","status","VALIDATED"/],
    ['overdue fulfillments per supplier', /"FulfillmentOverdue","service","stream-router","supplierId","nordic-home"/],
    ['supplier acceptance times', /"SupplierAcceptanceMinutes","service","stream-router","supplierId","atlantic-outfitters"/],
    ['supplier ship times', /"SupplierShipMinutes","service","stream-router","supplierId","pacific-gadgets"/],
    ['feed freshness', /"FeedRowsApplied","service","supplier-files","supplierId","nordic-home"/],
    ['DLQ depths', /Dead-letter queues: messages waiting/],
    ['Lambda GB-seconds', /\/ 1024000/],
    ['DynamoDB consumed capacity', /ConsumedWriteCapacityUnits/],
    ['Step Functions state transitions', /"AWS\/States","ConsumedCapacity","ServiceMetric","StateTransition"/],
    ['SQS requests', /NumberOfEmptyReceives/],
  ])('shows %s', (_name, pattern) => {
    expect(body()).toMatch(pattern);
  });
});

describe('alarm thresholds (stage configuration)', () => {
  const stage = { logRetentionDays: 7, retainData: false, apiThrottle: { rateLimit: 1, burstLimit: 1 }, channels: [{ id: 'web', name: 'Web', platform: 'custom', currency: 'EUR' }] };

  it('defaults when a stage sets none', () => {
    expect(parseStageConfig('t', stage).alarms).toEqual({
      lambdaThrottles: 5,
      dynamoDbThrottles: 10,
      dynamoDbSystemErrors: 1,
      streamIteratorAgeSeconds: 300,
      inboundQueueAgeSeconds: 900,
      notificationQueueAgeSeconds: 7200,
      webhookSignatureFailures: 20,
      notificationFailures: 10,
      api5xxPercent: 5,
    });
  });

  it.each([
    [{ api5xxPercent: 0 }, /stages\.t\.alarms\.api5xxPercent/],
    [{ api5xxPercent: 101 }, /stages\.t\.alarms\.api5xxPercent/],
    [{ inboundQueueAgeSeconds: 30 }, /stages\.t\.alarms\.inboundQueueAgeSeconds/],
    [{ lambdaThrottles: 1.5 }, /stages\.t\.alarms\.lambdaThrottles/],
    [{ lambdaThrotles: 1 }, /stages\.t\.alarms/],
  ])('refuses %j, naming the field', (alarms, message) => {
    expect(() => parseStageConfig('t', { ...stage, alarms })).toThrow(StageConfigError);
    expect(() => parseStageConfig('t', { ...stage, alarms })).toThrow(message);
  });
});

/**
 * The scheduled jobs (sweeps and the feed refresh): one schedule rule per job from the stage config, each
 * function's environment and permissions, and the alarms and dashboard widgets for files and sweeps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readCdkJsonContext } from '../../lib/app-builder';
import { INVENTORY_SYNC_LOGICAL_IDS, SCHEDULED_ENTRIES, SWEEPS_SERVICE } from '../../lib/constructs/inventory-sync';
import { SUPPLIER_FILE_METRICS } from '../../lib/constructs/observability';
import { METRICS_NAMESPACE } from '../../lib/constructs/pipeline-function';
import { SUPPLIER_FILES_LOGICAL_IDS, SUPPLIER_FILES_SERVICE } from '../../lib/constructs/supplier-files';
import type { ScheduledJob, Stage } from '../../lib/stage-config';
import {
  type CfnTemplate,
  type Synthesized,
  actionsOf,
  arr,
  errorAlarmsByFunction,
  functionEnv,
  functionIdByEntry,
  props,
  rec,
  referencedId,
  renderIntrinsics,
  resourcesOfType,
  roleOfFunction,
  roleStatements,
  synthesize,
} from './support';

const JOBS = Object.keys(SCHEDULED_ENTRIES) as ScheduledJob[];
const DEV_BUCKET_NAME = 'dropship-dev-files-<AWS::AccountId>-<select(0,split(-,select(2,split(/,AWS::StackId))))>';
/** Variables every function gets (PipelineFunction), left out when comparing a job's own environment. */
const SHARED_ENV = ['STAGE', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS'];

let s: Synthesized;
let dev: Stage;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
  dev = s.stage;
});

const fnId = (json: CfnTemplate, job: ScheduledJob): string => functionIdByEntry(json, SCHEDULED_ENTRIES[job]);
const ruleOf = (json: CfnTemplate, job: ScheduledJob): Record<string, unknown> => {
  const rules = resourcesOfType(json, 'AWS::Events::Rule').filter(([, r]) => arr(props(r).Targets).some((t) => referencedId(rec(t).Arn) === fnId(json, job)));
  expect(rules, job).toHaveLength(1);
  return props(rules[0]?.[1] ?? { Type: '' });
};
const ownEnv = (json: CfnTemplate, job: ScheduledJob): Record<string, unknown> =>
  Object.fromEntries(Object.entries(functionEnv(json, fnId(json, job))).filter(([k]) => !SHARED_ENV.includes(k)));

/** The expression CDK writes for a rate in minutes: the largest whole unit, singular for 1. */
function rateExpression(minutes: number): string {
  const [value, unit] = minutes % 1440 === 0 ? [minutes / 1440, 'day'] : minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
  return `rate(${value} ${unit}${value === 1 ? '' : 's'})`;
}

function withDevConfig(patch: (dev: Record<string, unknown>) => Record<string, unknown>): Synthesized {
  const context = readCdkJsonContext();
  const stages = rec(context.stages);
  return synthesize({ stage: 'dev', context: { stages: { ...stages, dev: patch(rec(stages.dev)) } } });
}

describe('schedules (dev)', () => {
  it.each(JOBS)('%s runs on its own rule at the stage rate, on the default bus', (job) => {
    const rule = ruleOf(s.json, job);
    const minutes = dev.config.sweeps.scheduleMinutes[job];
    expect(rule.ScheduleExpression).toBe(rateExpression(minutes));
    expect(rule.State).toBe('ENABLED');
    expect(rule.EventBusName).toBeUndefined();
  });

  it.each(JOBS)('%s: the rule target retries twice within an hour, then parks the event in ScheduledJobsDlq', (job) => {
    const [target, ...others] = arr(ruleOf(s.json, job).Targets).map(rec);
    expect(others).toEqual([]);
    expect(referencedId(rec(target?.DeadLetterConfig).Arn)).toBe(INVENTORY_SYNC_LOGICAL_IDS.scheduledDlq);
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
  });

  it.each(JOBS)('%s: failed asynchronous runs also go to ScheduledJobsDlq', (job) => {
    const fn = props(s.json.Resources[fnId(s.json, job)] ?? { Type: '' });
    expect(referencedId(rec(fn.DeadLetterConfig).TargetArn)).toBe(INVENTORY_SYNC_LOGICAL_IDS.scheduledDlq);
  });

  it('the dev rates are the ones in cdk.json', () => {
    expect(dev.config.sweeps.scheduleMinutes).toEqual({ sweepReservations: 5, sweepDispatches: 10, sweepOrders: 10, sweepStaleFeeds: 15, refreshFeeds: 30 });
  });

  it('follow another stage configuration (singular units for 1, as EventBridge requires)', () => {
    const other = withDevConfig((d) => ({ ...d, sweeps: { ...rec(d.sweeps), scheduleMinutes: { sweepReservations: 1, sweepDispatches: 2, sweepOrders: 90, sweepStaleFeeds: 60, refreshFeeds: 1440 } } }));
    expect(JOBS.map((job) => ruleOf(other.json, job).ScheduleExpression)).toEqual([
      'rate(1 minute)',
      'rate(2 minutes)',
      'rate(90 minutes)',
      'rate(1 hour)',
      'rate(1 day)',
    ]);
  });
});

describe('environment (dev)', () => {
  it('sweep-reservations: TABLE_NAME, SWEEP_PAGE_LIMIT', () => {
    expect(ownEnv(s.json, 'sweepReservations')).toEqual({ TABLE_NAME: { Ref: 'PipelineTable' }, SWEEP_PAGE_LIMIT: '100' });
  });

  it('sweep-dispatches: + DISPATCH_GRACE_MINUTES', () => {
    expect(ownEnv(s.json, 'sweepDispatches')).toEqual({ TABLE_NAME: { Ref: 'PipelineTable' }, SWEEP_PAGE_LIMIT: '100', DISPATCH_GRACE_MINUTES: '30' });
  });

  it('sweep-orders: + STATE_MACHINE_ARN and STUCK_ORDER_MINUTES (per-status JSON from the stage)', () => {
    const env = ownEnv(s.json, 'sweepOrders');
    expect(Object.keys(env).sort()).toEqual(['STATE_MACHINE_ARN', 'STUCK_ORDER_MINUTES', 'SWEEP_PAGE_LIMIT', 'TABLE_NAME']);
    expect(env.STATE_MACHINE_ARN).toEqual({ Ref: 'OrderWorkflowStateMachine' });
    expect(JSON.parse(String(env.STUCK_ORDER_MINUTES))).toEqual({
      RECEIVED: 10,
      VALIDATED: 30,
      RESERVED: 30,
      ON_HOLD: 4500,
      IN_FULFILLMENT: 20160,
      PARTIALLY_SHIPPED: 43200,
      SHIPPED: 43200,
    });
  });

  it('sweep-stale-feeds: TABLE_NAME and SUPPLIER_FILES', () => {
    const env = ownEnv(s.json, 'sweepStaleFeeds');
    expect(Object.keys(env).sort()).toEqual(['SUPPLIER_FILES', 'TABLE_NAME']);
    expect(JSON.parse(renderIntrinsics(env.SUPPLIER_FILES)).map((x: { supplierId: string }) => x.supplierId)).toEqual(['nordic-home', 'atlantic-outfitters', 'pacific-gadgets']);
  });

  it('refresh-feeds: TABLE_NAME, FILES_BUCKET, SUPPLIER_FILES and INVENTORY_PULL (pacific-gadgets publishes into the files bucket)', () => {
    const env = ownEnv(s.json, 'refreshFeeds');
    expect(Object.keys(env).sort()).toEqual(['FILES_BUCKET', 'INVENTORY_PULL', 'SUPPLIER_FILES', 'TABLE_NAME']);
    expect(renderIntrinsics(env.FILES_BUCKET)).toBe(DEV_BUCKET_NAME);
    expect(JSON.parse(renderIntrinsics(env.INVENTORY_PULL))).toEqual([
      { supplierId: 'pacific-gadgets', bucket: DEV_BUCKET_NAME, key: 'suppliers/pacific-gadgets/published/inventory.csv' },
    ]);
  });

  it.each([
    ['sweepReservations', SWEEPS_SERVICE],
    ['sweepDispatches', SWEEPS_SERVICE],
    ['sweepOrders', SWEEPS_SERVICE],
    ['sweepStaleFeeds', SWEEPS_SERVICE],
    ['refreshFeeds', SUPPLIER_FILES_SERVICE],
  ] as const)('%s publishes its metrics as service %s (the alarms use that dimension)', (job, service) => {
    expect(functionEnv(s.json, fnId(s.json, job)).POWERTOOLS_SERVICE_NAME).toBe(service);
  });
});

describe('permissions (dev)', () => {
  const statementsOf = (json: CfnTemplate, job: ScheduledJob) => roleStatements(json, roleOfFunction(json, fnId(json, job)));
  const on = (json: CfnTemplate, job: ScheduledJob, prefix: string): Array<[string, string[]]> =>
    statementsOf(json, job)
      .filter((st) => actionsOf(st).some((a) => a.startsWith(prefix)))
      .map((st): [string, string[]] => [arr(st.Resource).map(renderIntrinsics).join(' '), actionsOf(st).sort()])
      .sort(([a], [b]) => a.localeCompare(b));

  it('sweep-orders may start executions of the workflow and describe its executions, nothing else of Step Functions', () => {
    expect(on(s.json, 'sweepOrders', 'states:')).toEqual([
      ['<Ref:OrderWorkflowStateMachine>', ['states:StartExecution']],
      ['arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<OrderWorkflowStateMachine.Name>:*', ['states:DescribeExecution']],
    ]);
  });

  it.each(['sweepReservations', 'sweepDispatches', 'sweepStaleFeeds', 'refreshFeeds'] as const)('%s cannot touch the workflow', (job) => {
    expect(on(s.json, job, 'states:')).toEqual([]);
  });

  it.each(['sweepReservations', 'sweepDispatches', 'sweepOrders', 'sweepStaleFeeds'] as const)('%s has no S3 access', (job) => {
    expect(on(s.json, job, 's3:')).toEqual([]);
  });

  it.each(JOBS)('%s reads and writes table items (no Scan)', (job) => {
    const actions = statementsOf(s.json, job).flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
    expect(actions).toContain('dynamodb:Query');
    expect(actions).toContain('dynamodb:UpdateItem');
    expect(actions).not.toContain('dynamodb:Scan');
  });

  it('refresh-feeds reads exactly the published feed, lists only at its key, and writes reports and quarantine copies', () => {
    const bucketArn = `arn:<AWS::Partition>:s3:::${DEV_BUCKET_NAME}`;
    expect(on(s.json, 'refreshFeeds', 's3:')).toEqual(
      [
        [`${bucketArn}/quarantine/* ${bucketArn}/suppliers/*/outbox/reports/*`, ['s3:PutObject']],
        [`${bucketArn}/suppliers/pacific-gadgets/published/inventory.csv`, ['s3:GetObject', 's3:GetObjectVersion']],
        [bucketArn, ['s3:ListBucket']],
      ].sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
    const list = statementsOf(s.json, 'refreshFeeds').find((st) => actionsOf(st).includes('s3:ListBucket'));
    expect(list?.Condition).toEqual({ StringEquals: { 's3:prefix': ['suppliers/pacific-gadgets/published/inventory.csv'] } });
  });

  it('a pull source in a supplier\'s own bucket is read there (no listing of it), and no pull source means no read grant', () => {
    const external = withDevConfig((d) => ({
      ...d,
      suppliers: arr(d.suppliers).map((x) =>
        rec(x).id === 'pacific-gadgets' ? { ...rec(x), inventoryPull: { bucket: 'pacific-gadgets-feeds', key: 'out/stock.json' } } : x,
      ),
    }));
    const reads = on(external.json, 'refreshFeeds', 's3:').filter(([, actions]) => actions.includes('s3:GetObject') || actions.includes('s3:ListBucket'));
    expect(reads).toEqual([['arn:<AWS::Partition>:s3:::pacific-gadgets-feeds/out/stock.json', ['s3:GetObject', 's3:GetObjectVersion']]]);
    expect(JSON.parse(renderIntrinsics(ownEnv(external.json, 'refreshFeeds').INVENTORY_PULL))).toEqual([
      { supplierId: 'pacific-gadgets', bucket: 'pacific-gadgets-feeds', key: 'out/stock.json' },
    ]);

    const none = withDevConfig((d) => ({ ...d, suppliers: arr(d.suppliers).map((x) => ({ ...rec(x), inventoryPull: undefined })) }));
    expect(on(none.json, 'refreshFeeds', 's3:').map(([, actions]) => actions)).toEqual([['s3:PutObject']]);
    expect(renderIntrinsics(ownEnv(none.json, 'refreshFeeds').INVENTORY_PULL)).toBe('[]');
  });
});

describe('alarms and dashboard (dev)', () => {
  const alarms = (): Array<[string, Record<string, unknown>]> => resourcesOfType(s.json, 'AWS::CloudWatch::Alarm').map(([id, a]) => [id, props(a)]);
  const metricAlarm = (metricName: string): Record<string, unknown> => {
    const found = alarms().filter(([, a]) => a.MetricName === metricName);
    expect(found, metricName).toHaveLength(1);
    return found[0]?.[1] ?? {};
  };

  it.each([
    [SUPPLIER_FILE_METRICS.filesQuarantined, SUPPLIER_FILES_SERVICE, 'Sum', 1],
    [SUPPLIER_FILE_METRICS.filesRefused, SUPPLIER_FILES_SERVICE, 'Sum', 1],
    [SUPPLIER_FILE_METRICS.rowsRejected, SUPPLIER_FILES_SERVICE, 'Sum', 50],
    [SUPPLIER_FILE_METRICS.suppliersStale, SWEEPS_SERVICE, 'Maximum', 1],
  ])('%s (service %s, %s) alarms at %i and notifies the alarm topic', (metric, service, statistic, threshold) => {
    const alarm = metricAlarm(metric);
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [{ Name: 'service', Value: service }],
      Statistic: statistic,
      Period: 300,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(arr(alarm.AlarmActions).map(referencedId)).toEqual([expect.stringMatching(/^ObservabilityAlarmTopic/)]);
  });

  it('the rejected-rows threshold follows the stage (files.rejectedRowsAlarmThreshold)', () => {
    expect(dev.config.files.rejectedRowsAlarmThreshold).toBe(50);
    const prod = synthesize({ stage: 'prod' });
    const alarm = resourcesOfType(prod.json, 'AWS::CloudWatch::Alarm').find(([, a]) => props(a).MetricName === SUPPLIER_FILE_METRICS.rowsRejected);
    expect(prod.stage.config.files.rejectedRowsAlarmThreshold).toBe(100);
    expect(props(alarm?.[1] ?? { Type: '' }).Threshold).toBe(100);
  });

  it.each([...JOBS.map((job) => SCHEDULED_ENTRIES[job]), 'functions/inventory/feed-file.ts', 'functions/suppliers/message-file.ts'])(
    '%s alarms on its errors',
    (entry) => {
      const id = functionIdByEntry(s.json, entry);
      expect(errorAlarmsByFunction(s.json).get(id)).toHaveLength(1);
    },
  );

  it.each([INVENTORY_SYNC_LOGICAL_IDS.scheduledDlq, SUPPLIER_FILES_LOGICAL_IDS.eventsDlq])('%s alarms as soon as it holds a message', (queue) => {
    const depth = alarms().filter(([, a]) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && referencedId(rec(arr(a.Dimensions)[0]).Value) === queue);
    expect(depth).toHaveLength(1);
    expect(depth[0]?.[1].Threshold).toBe(1);
  });

  it('the dashboard charts the supplier files, the scheduled jobs and the stale suppliers', () => {
    const [, dashboard] = resourcesOfType(s.json, 'AWS::CloudWatch::Dashboard')[0] ?? [];
    const body = renderIntrinsics(props(dashboard ?? { Type: '' }).DashboardBody);
    for (const title of [
      'Supplier files: processed per function',
      'Supplier files: rows rejected, files quarantined and refused',
      'Scheduled jobs: runs',
      'Suppliers with a stale feed (not sold)',
    ]) {
      expect(body, title).toContain(title);
    }
    for (const metric of Object.values(SUPPLIER_FILE_METRICS)) expect(body, metric).toContain(`"${metric}"`);
  });
});

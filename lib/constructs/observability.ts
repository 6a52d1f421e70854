import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Stage } from '../stage-config';
import type { OrderStore } from './order-store';
import { METRICS_NAMESPACE, type PipelineFunction } from './pipeline-function';

const PERIOD = Duration.minutes(5);
/** CloudWatch alarms accept metric math over at most 10 metrics. */
export const ALARM_MATH_LIMIT = 10;

/** "OrderWorkflow/StateMachine" → "OrderWorkflowStateMachine" (alarm logical ids). */
export function idPart(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((s) => s !== '')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('');
}

/** SUM over metrics (missing points count as 0), as one metric-math expression. */
export function sumOf(metrics: readonly cloudwatch.IMetric[], label: string): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  metrics.forEach((m, i) => {
    usingMetrics[`m${i}`] = m;
  });
  return new cloudwatch.MathExpression({
    expression: `SUM([${metrics.map((_, i) => `FILL(m${i}, 0)`).join(', ')}])`,
    usingMetrics,
    label,
    period: PERIOD,
  });
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}


/** Powertools metric names of the supplier files and sweeps (issue 5 contract), published with the `service` dimension only. */
export const SUPPLIER_FILE_METRICS = {
  rowsRejected: 'FeedRowsRejected',
  filesQuarantined: 'SupplierFilesQuarantined',
  filesRefused: 'SupplierFilesRefused',
  suppliersStale: 'SuppliersStale',
} as const;


export interface ObservabilityProps {
  readonly stage: Stage;
  /** The storefront REST API (4xx/5xx/latency widgets, 5xx alarm). */
  readonly api: apigw.RestApi;
  /** Functions to chart and alarm on; more can be added with monitorFunctionGroup(). */
  readonly functions: readonly PipelineFunction[];
  /** The order store (throttle widgets). */
  readonly store: OrderStore;
}

/**
 * One CloudWatch dashboard and the alarms that page an operator, publishing to an encrypted, SSL-only SNS
 * topic. Subscribe to the topic (email, chat, pager) after deployment; its ARN is a stack output.
 * Later constructs add their own widgets and alarms through monitorFunctionGroup(), addAlarm() and `dashboard`.
 */
export class Observability extends Construct {
  /** Alarm notifications. Encrypted with `topicKey`; publishing requires TLS. */
  public readonly alarmTopic: sns.Topic;
  /** Customer managed key of the alarm topic (CloudWatch may use it to publish). */
  public readonly topicKey: kms.Key;
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly alarmList: cloudwatch.Alarm[] = [];

  // Long: declarative CDK wiring of the dashboard and alarms.
  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const retain = props.stage.config.retainData;

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the dropship pipeline alarm topic (${props.stage.name})`,
      enableKeyRotation: true,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to an encrypted topic only if the key lets the service use it.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Dropship pipeline alarms (${props.stage.name})`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });

    const api = props.api;
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Dropship pipeline (${props.stage.name})\nStorefront API, functions and the order table. Alarms notify the alarm topic.`,
        width: 24,
        height: 2,
      }),
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [
          api.metricCount({ period: PERIOD, statistic: 'Sum' }),
          api.metricClientError({ period: PERIOD, statistic: 'Sum' }),
          api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (p50 / p99)',
        left: [api.metricLatency({ period: PERIOD, statistic: 'p50' }), api.metricLatency({ period: PERIOD, statistic: 'p99' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Order table throttled requests',
        left: [
          props.store.table.metric('ReadThrottleEvents', { period: PERIOD, statistic: 'Sum' }),
          props.store.table.metric('WriteThrottleEvents', { period: PERIOD, statistic: 'Sum' }),
        ],
        width: 12,
      }),
    );

    this.addAlarm(
      'Api5xxAlarm',
      api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      'The storefront API answered 5xx: orders may not have been accepted.',
    );

    this.monitorFunctionGroup('Storefront API', props.functions);
  }

  /** The alarms created so far. */
  public get alarms(): readonly cloudwatch.Alarm[] {
    return this.alarmList;
  }

  /**
   * Alarm on the functions' errors (groups of 10) and chart them all in one widget (a group of many small functions gets
   * one graph, not two per function).
   */
  public monitorFunctionGroup(title: string, fns: readonly PipelineFunction[]): void {
    if (fns.length === 0) return;
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${title}: errors per function`,
        left: fns.map((fn) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: fn.node.id })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: `${title}: duration p99`,
        left: fns.map((fn) => fn.metricDuration({ period: PERIOD, statistic: 'p99', label: fn.node.id })),
        width: 12,
      }),
    );
    this.alarmOnErrors(title, fns);
  }

  /**
   * Unhandled errors of functions, one alarm per group of at most 10 (metric math SUM; CloudFormation's
   * 500-resource limit does not leave room for one alarm per function). The description names every function
   * of the group; the "errors per function" graph of the dashboard shows which one threw.
   */
  private alarmOnErrors(title: string, fns: readonly PipelineFunction[]): void {
    const groups = chunks(fns, ALARM_MATH_LIMIT);
    groups.forEach((group, i) => {
      const id = `${idPart(title)}ErrorsAlarm${groups.length > 1 ? String(i + 1) : ''}`;
      const metric = group.length === 1 && group[0] !== undefined
        ? group[0].metricErrors({ period: PERIOD, statistic: 'Sum' })
        : sumOf(group.map((fn) => fn.metricErrors({ period: PERIOD, statistic: 'Sum' })), `errors (${group.length} functions)`);
      const names = group.map((fn) => `${fn.node.id} (${fn.entryPath})`).join(', ');
      this.addAlarm(id, metric, `Unhandled errors in ${names}. The "${title}: errors per function" graph shows which one threw; its log group, filtered by level = "ERROR", has the correlation_id (the order).`);
    });
  }

  /**
   * The order workflow: executions started/succeeded/failed/timed out, fulfillment exceptions (invocations
   * of the flag-exception task) and refused supplier messages (Powertools metrics of the inbound consumer)
   * on the dashboard; alarms on failed, timed-out and throttled executions.
   */
  public monitorWorkflow(stateMachine: sfn.StateMachine, exceptionFlagger?: PipelineFunction): void {
    const sum = { period: PERIOD, statistic: 'Sum' } as const;
    const supplierMetric = (metricName: string, label: string): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: 'supplier-gateway' }, ...sum, label });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Orders: workflow executions',
        left: [
          stateMachine.metricStarted({ ...sum, label: 'started' }),
          stateMachine.metricSucceeded({ ...sum, label: 'finished (delivered, cancelled, rejected)' }),
          stateMachine.metricFailed({ ...sum, label: 'failed' }),
          stateMachine.metricTimedOut({ ...sum, label: 'timed out' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Exceptions: fulfillments flagged (late, lost) and supplier messages refused',
        left: [
          ...(exceptionFlagger === undefined ? [] : [exceptionFlagger.metricInvocations({ ...sum, label: 'fulfillment exceptions flagged' })]),
          supplierMetric('SupplierMessagePoison', 'supplier messages moved to a DLQ'),
          supplierMetric('SupplierMismatch', 'supplier acting on another supplier\'s fulfillment'),
        ],
        width: 12,
      }),
    );
    this.addAlarm('WorkflowExecutionsFailedAlarm', stateMachine.metricFailed(sum), 'An order workflow execution failed: the order was compensated or needs an operator (see the execution history).');
    this.addAlarm('WorkflowExecutionsTimedOutAlarm', stateMachine.metricTimedOut(sum), 'An order workflow execution hit the state machine timeout: the order stopped where it was.');
    this.addAlarm('WorkflowExecutionsThrottledAlarm', stateMachine.metricThrottled(sum), 'Step Functions throttled the order workflow (StartExecution or state transitions): raise the quota.');
  }

  /**
   * Supplier files and feeds (Powertools metrics with `service=<filesService>`): rows rejected, files
   * quarantined and refused, and the files processed (invocations of the file functions) on the dashboard;
   * alarms when a file is quarantined, when a file is refused (a supplier wrote into another's inbox), and
   * when more than `rejectedRowsThreshold` feed rows are rejected within 5 minutes.
   */
  public monitorSupplierFiles(opts: {
    readonly filesService: string;
    readonly fileFunctions: readonly PipelineFunction[];
    readonly rejectedRowsThreshold: number;
  }): void {
    // Alarms take the plain metric (a labelled one would be rendered as a metric-math alarm).
    const metric = (metricName: string): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: opts.filesService }, period: PERIOD, statistic: 'Sum' });
    const rejected = metric(SUPPLIER_FILE_METRICS.rowsRejected);
    const quarantined = metric(SUPPLIER_FILE_METRICS.filesQuarantined);
    const refused = metric(SUPPLIER_FILE_METRICS.filesRefused);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Supplier files: processed per function',
        left: opts.fileFunctions.map((fn) => fn.metricInvocations({ period: PERIOD, statistic: 'Sum', label: fn.node.id })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Supplier files: rows rejected, files quarantined and refused',
        left: [rejected.with({ label: 'feed rows rejected' })],
        right: [quarantined.with({ label: 'files quarantined' }), refused.with({ label: 'files refused (written by another supplier)' })],
        leftAnnotations: [{ value: opts.rejectedRowsThreshold, label: 'rejected rows alarm' }],
        width: 12,
      }),
    );
    this.addAlarm('SupplierFilesQuarantinedAlarm', quarantined, 'A supplier file was quarantined (mostly garbage, no required header or unparsable): nothing was applied; see quarantine/ and the report in the supplier\'s outbox.');
    this.addAlarm('SupplierFilesRefusedAlarm', refused, 'A supplier file was refused: it was written by another supplier\'s access role into this supplier\'s inbox. Check that supplier\'s credentials and the bucket policy.');
    this.addAlarm(
      'FeedRowsRejectedAlarm',
      rejected,
      `More than ${opts.rejectedRowsThreshold} inventory feed rows were rejected within 5 minutes: a supplier's feed format may have changed (see the rejected-row reports in the outboxes).`,
      opts.rejectedRowsThreshold,
    );
  }

  /**
   * The scheduled sweeps: runs per job and the stale-supplier gauge (`SuppliersStale`, Maximum, published by
   * the stale-feed sweep with `service=<sweepsService>`) on the dashboard; an alarm while any supplier is STALE
   * (its SKUs are not sold until its next good feed). Errors of the functions: monitorFunctionGroup().
   */
  public monitorSweeps(opts: { readonly sweepsService: string; readonly jobs: readonly PipelineFunction[] }): void {
    const stale = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: SUPPLIER_FILE_METRICS.suppliersStale,
      dimensionsMap: { service: opts.sweepsService },
      period: PERIOD,
      statistic: 'Maximum',
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Scheduled jobs: runs',
        left: opts.jobs.map((fn) => fn.metricInvocations({ period: PERIOD, statistic: 'Sum', label: fn.node.id })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({ title: 'Suppliers with a stale feed (not sold)', left: [stale.with({ label: 'suppliers STALE' })], width: 12 }),
    );
    this.addAlarm('SuppliersStaleAlarm', stale, 'At least one supplier\'s last inventory feed is older than its freshness SLA: it is STALE and its SKUs are not sold until a good feed arrives.');
  }

  /** Chart the depth of dead-letter queues in one widget and alarm on each as soon as it holds a message. */
  public monitorDeadLetterQueues(queues: ReadonlyArray<{ readonly name: string; readonly queue: sqs.IQueue }>): void {
    if (queues.length === 0) return;
    const depth = (q: sqs.IQueue, label?: string): cloudwatch.IMetric =>
      q.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', ...(label === undefined ? {} : { label }) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Dead-letter queues: messages waiting', left: queues.map((q) => depth(q.queue, q.name)), width: 12 }),
    );
    for (const { name, queue } of queues) {
      const id = `Dlq${name.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()).replace(/^./, (c) => c.toUpperCase())}Alarm`;
      this.addAlarm(id, depth(queue), `Dead-letter queue "${name}" holds messages that could not be processed: inspect them and redrive (SQS DLQ redrive).`);
    }
  }

  /** Alarm when `metric` reaches `threshold` within one period; notifies the alarm topic. */
  /** Alarm (and chart) on the requests the storefront web ACL blocked (rate or body size on the webhook routes). */
  public monitorWebFirewall(blocked: cloudwatch.IMetric, threshold: number): void {
    this.dashboard.addWidgets(new cloudwatch.GraphWidget({ title: 'WAF blocked requests (webhook routes)', left: [blocked], width: 12 }));
    this.addAlarm(
      'WafBlockedRequestsAlarm',
      blocked,
      'The storefront web ACL blocked many requests (webhook rate or body-size rule): an attack, or a platform sending more or larger webhooks than the limits in cdk.json "firewall" allow (see the sampled requests of the web ACL).',
      threshold,
    );
  }

  public addAlarm(id: string, metric: cloudwatch.IMetric, description: string, threshold = 1): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      alarmDescription: description,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.alarmTopic));
    this.alarmList.push(alarm);
    return alarm;
  }
}

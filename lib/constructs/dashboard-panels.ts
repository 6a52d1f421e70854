import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { NON_TERMINAL_ORDER_STATUSES, ORDER_STATUSES } from '../../functions/core/orders/domain/order';
import { NOTIFICATION_METRICS, STREAM_METRICS, WEBHOOK_SIGNATURE_FAILED } from '../../functions/core/runtime/metric-names';
import type { AlarmsConfig } from '../stage-config';
import { ALARM_MATH_LIMIT, chunks, idPart, type Observability, sumOf } from './observability';
import type { OrderStore } from './order-store';
import { METRICS_NAMESPACE, type PipelineFunction } from './pipeline-function';

/**
 * The operator's panels beyond the per-function graphs of observability.ts: platform health alarms (Lambda and
 * DynamoDB throttles, stream iterator age, inbound queue age, aborted and timed-out executions, webhook signature
 * failures, storefront delivery failures, 5xx rate per API) and the business dashboard (order funnel, SLA
 * breaches by stage, supplier acceptance and ship times, feed freshness, cost drivers). Every alarm and its first
 * action: docs/operations.md.
 */

const PERIOD = Duration.minutes(5);
const SUM = { period: PERIOD, statistic: 'Sum' } as const;

/** Services whose Powertools metrics the panels read (POWERTOOLS_SERVICE_NAME of the emitting functions). */
export const PANEL_SERVICES = {
  storefront: 'storefront-api',
  notifications: 'storefront-notifications',
  streamRouter: 'stream-router',
  supplierFiles: 'supplier-files',
} as const;

export interface NamedQueue {
  readonly name: string;
  readonly queue: sqs.IQueue;
}

export interface PlatformHealthProps {
  readonly thresholds: AlarmsConfig;
  readonly store: OrderStore;
  /** Each API gets a 5xx-rate alarm (metric math 5XXError / Count). */
  readonly apis: ReadonlyArray<{ readonly name: string; readonly api: apigw.RestApi }>;
  /** The table stream's consumer (IteratorAge). */
  readonly streamRouter: lambda.IFunction;
  /** Supplier inbound queues (ApproximateAgeOfOldestMessage ≥ inboundQueueAgeSeconds). */
  readonly inboundQueues: readonly NamedQueue[];
  /** The storefront notification queue (≥ notificationQueueAgeSeconds). */
  readonly notificationQueues: readonly NamedQueue[];
  /** Every function of the stack (throttle alarms over groups of at most 10, sorted by construct path). */
  readonly functions: readonly lambda.IFunction[];
  /** Every state machine of the stack: aborted and timed-out executions (`skipTimedOut`: alarmed elsewhere). */
  readonly stateMachines: ReadonlyArray<{ readonly name: string; readonly machine: sfn.IStateMachine; readonly skipTimedOut?: boolean }>;
}

const powertools = (metricName: string, service: string, extra: Record<string, string> = {}, statistic = 'Sum'): cloudwatch.Metric =>
  new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service, ...extra }, period: PERIOD, statistic });

/** Alarms on the platform itself: what breaks before an order visibly does. */
// Long: one declarative block per alarm family, in the order of docs/operations.md.
export function addPlatformHealth(obs: Observability, props: PlatformHealthProps): void {
  const t = props.thresholds;
  const table = props.store.table;

  // Lambda throttles: one alarm per group of at most 10 functions (metric math limit of an alarm).
  const fns = [...props.functions].sort((a, b) => a.node.path.localeCompare(b.node.path));
  chunks(fns, ALARM_MATH_LIMIT).forEach((group, i) => {
    const names = group.map((fn) => fn.node.id).join(', ');
    obs.addAlarm(
      `LambdaThrottlesAlarm${i + 1}`,
      sumOf(group.map((fn) => fn.metricThrottles(SUM)), `throttles (${group.length} functions)`),
      `Lambda throttled invocations of ${names}: account or reserved concurrency exhausted. Synchronous callers got 429/5xx, queues and streams retry.`,
      t.lambdaThrottles,
    );
  });

  // DynamoDB: throttle events of the table and its indexes, and DynamoDB's own errors.
  const throttleMetrics = [
    table.metric('ReadThrottleEvents', SUM),
    table.metric('WriteThrottleEvents', SUM),
    ...props.store.indexNames.flatMap((index) => [
      table.metric('ReadThrottleEvents', { ...SUM, dimensionsMap: { TableName: table.tableName, GlobalSecondaryIndexName: index } }),
      table.metric('WriteThrottleEvents', { ...SUM, dimensionsMap: { TableName: table.tableName, GlobalSecondaryIndexName: index } }),
    ]),
  ];
  obs.addAlarm(
    'DynamoDbThrottlesAlarm',
    sumOf(throttleMetrics.slice(0, ALARM_MATH_LIMIT), 'read + write throttle events'),
    'DynamoDB throttled reads or writes of the order table or an index (hot partition or account table quota): requests were retried by the SDK; above the threshold some surfaced as 503 or workflow retries.',
    t.dynamoDbThrottles,
  );
  const operations = [
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.BATCH_GET_ITEM,
    dynamodb.Operation.BATCH_WRITE_ITEM,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
    dynamodb.Operation.TRANSACT_GET_ITEMS,
  ];
  obs.addAlarm(
    'DynamoDbSystemErrorsAlarm',
    table.metricSystemErrorsForOperations({ operations, period: PERIOD }),
    'DynamoDB answered 500 (SystemErrors) for the order table: an AWS-side problem; requests were retried. Check the AWS Health Dashboard.',
    t.dynamoDbSystemErrors,
  );

  // The transactional outbox: the stream router lagging delays workflow starts and domain events.
  obs.addAlarm(
    'StreamIteratorAgeAlarm',
    props.streamRouter.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' }),
    `The table stream router is more than ${t.streamIteratorAgeSeconds} s behind: new orders start their workflow and domain events reach the bus late (records expire after 24 h).`,
    t.streamIteratorAgeSeconds * 1000,
  );

  const queueAge = (q: NamedQueue): cloudwatch.Metric => q.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' });
  for (const q of props.inboundQueues) {
    obs.addAlarm(
      `QueueAge${idPart(q.name)}Alarm`,
      queueAge(q),
      `The oldest message on "${q.name}" waited more than ${t.inboundQueueAgeSeconds} s: the inbound consumer is failing, throttled or disabled (acceptances and shipments are not applied).`,
      t.inboundQueueAgeSeconds,
    );
  }
  for (const q of props.notificationQueues) {
    obs.addAlarm(
      `QueueAge${idPart(q.name)}Alarm`,
      queueAge(q),
      `The oldest storefront notification on "${q.name}" waited more than ${t.notificationQueueAgeSeconds} s: a storefront keeps refusing deliveries (retried with backoff) or the consumer is stopped.`,
      t.notificationQueueAgeSeconds,
    );
  }

  for (const { name, machine, skipTimedOut } of props.stateMachines) {
    const id = idPart(name);
    obs.addAlarm(
      `${id}ExecutionsAbortedAlarm`,
      machine.metric('ExecutionsAborted', SUM),
      `An execution of ${name} was aborted (StopExecution by a person or tool): its order stopped where it was; check who stopped it (CloudTrail) and redrive or resolve the order.`,
    );
    if (skipTimedOut !== true) {
      obs.addAlarm(`${id}ExecutionsTimedOutAlarm`, machine.metric('ExecutionsTimedOut', SUM), `An execution of ${name} hit its state machine timeout: its order stopped where it was.`);
    }
  }

  obs.addAlarm(
    'WebhookSignatureFailuresAlarm',
    powertools(WEBHOOK_SIGNATURE_FAILED, PANEL_SERVICES.storefront),
    `At least ${t.webhookSignatureFailures} webhook deliveries within 5 minutes had a missing or wrong signature: a rotated secret not updated in Secrets Manager, or someone forging webhooks.`,
    t.webhookSignatureFailures,
  );
  obs.addAlarm(
    'NotificationFailuresAlarm',
    powertools(NOTIFICATION_METRICS.failed, PANEL_SERVICES.notifications),
    `At least ${t.notificationFailures} storefront notification attempts failed within 5 minutes: a storefront is down, refuses our credentials or rate-limits us (retried with backoff, then the DLQ).`,
    t.notificationFailures,
  );

  for (const { name, api } of props.apis) {
    const rate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { errors: api.metricServerError(SUM), requests: api.metricCount(SUM) },
      label: `${name} 5xx %`,
      period: PERIOD,
    });
    obs.addAlarm(
      `Api5xxRate${idPart(name)}Alarm`,
      rate,
      `More than ${t.api5xxPercent}% of ${name} API requests answered 5xx within 5 minutes: callers are failing (orders may not be accepted).`,
      t.api5xxPercent,
    );
    obs.dashboard.addWidgets(new cloudwatch.GraphWidget({ title: `${name} API: 5xx rate (%)`, left: [rate], leftAnnotations: [{ value: t.api5xxPercent, label: 'alarm' }], width: 12 }));
  }

  obs.dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Queue age: oldest message waiting (s)',
      left: [...props.inboundQueues, ...props.notificationQueues].map((q) => queueAge(q).with({ label: q.name })),
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Stream router lag (IteratorAge ms) and webhook signature failures',
      left: [props.streamRouter.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum', label: 'iterator age (ms)' })],
      right: [powertools(WEBHOOK_SIGNATURE_FAILED, PANEL_SERVICES.storefront).with({ label: 'webhook signature failures' })],
      width: 12,
    }),
  );
}

export interface BusinessDashboardProps {
  readonly supplierIds: readonly string[];
  readonly store: OrderStore;
  /** Functions by group: Lambda GB-seconds per group (cost). */
  readonly functionGroups: ReadonlyArray<{ readonly title: string; readonly functions: readonly PipelineFunction[] }>;
  /** Queues whose requests drive the SQS bill. */
  readonly queues: readonly NamedQueue[];
}

/** Memory (MB) of a function as synthesized. */
function memoryOf(fn: PipelineFunction): number {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  return typeof cfn.memorySize === 'number' ? cfn.memorySize : 128;
}

/** GB-seconds of a group of functions: Σ Duration(ms) × memory(MB) / 1024 / 1000. */
function gbSeconds(title: string, fns: readonly PipelineFunction[], group: number): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  // Ids are unique per graph: g<group>d<i>.
  const terms = fns.map((fn, i) => {
    usingMetrics[`g${group}d${i}`] = fn.metricDuration(SUM);
    return `FILL(g${group}d${i}, 0) * ${memoryOf(fn)}`;
  });
  return new cloudwatch.MathExpression({ expression: `(${terms.join(' + ')}) / 1024000`, usingMetrics, label: `${title} (GB-s)`, period: PERIOD });
}

/** The business view: what an operator on call reads first. */
export function addBusinessDashboard(obs: Observability, props: BusinessDashboardProps): void {
  const router = PANEL_SERVICES.streamRouter;
  const entered = (status: string): cloudwatch.Metric => powertools(STREAM_METRICS.orderStatusEntered, router, { status }).with({ label: status });
  const perSupplier = (metricName: string, statistic: string): cloudwatch.Metric[] =>
    props.supplierIds.map((supplierId) => powertools(metricName, router, { supplierId }, statistic).with({ label: `${supplierId} ${statistic}` }));
  obs.dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: '## Orders and suppliers\nFunnel: orders entering each status. SLA breaches: orders past their stage deadline (order sweep) and overdue fulfillments (dispatch sweep). Runbook: docs/operations.md.',
      width: 24,
      height: 2,
    }),
    new cloudwatch.SingleValueWidget({
      title: 'Order funnel: orders that entered each status (dashboard time range)',
      metrics: ORDER_STATUSES.map(entered),
      setPeriodToTimeRange: true,
      width: 24,
      height: 4,
    }),
    new cloudwatch.GraphWidget({ title: 'Order funnel over time', left: ORDER_STATUSES.map(entered), stacked: false, width: 12 }),
    new cloudwatch.GraphWidget({
      title: 'SLA breaches by stage (orders stuck) and overdue fulfillments',
      left: NON_TERMINAL_ORDER_STATUSES.map((status) => powertools(STREAM_METRICS.orderSlaBreached, router, { status }).with({ label: `stuck ${status}` })),
      right: props.supplierIds.map((supplierId) => powertools(STREAM_METRICS.fulfillmentOverdue, router, { supplierId }).with({ label: `overdue ${supplierId}` })),
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Supplier acceptance time (minutes from dispatch)',
      left: [...perSupplier(STREAM_METRICS.supplierAcceptanceMinutes, 'Average'), ...perSupplier(STREAM_METRICS.supplierAcceptanceMinutes, 'Maximum')],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Supplier ship time (minutes from dispatch to first carrier scan)',
      left: [...perSupplier(STREAM_METRICS.supplierShipMinutes, 'Average'), ...perSupplier(STREAM_METRICS.supplierShipMinutes, 'Maximum')],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Feed freshness: inventory rows applied per supplier',
      left: props.supplierIds.map((supplierId) => powertools('FeedRowsApplied', PANEL_SERVICES.supplierFiles, { supplierId }).with({ label: supplierId })),
      width: 12,
    }),
  );

  const sqsRequests = props.queues.flatMap((q) => [
    q.queue.metricNumberOfMessagesSent(SUM),
    q.queue.metricNumberOfMessagesReceived(SUM),
    q.queue.metricNumberOfMessagesDeleted(SUM),
    q.queue.metricNumberOfEmptyReceives(SUM),
  ]);
  obs.dashboard.addWidgets(
    new cloudwatch.TextWidget({ markdown: '## Cost drivers\nLambda GB-seconds, DynamoDB capacity consumed, Step Functions state transitions, SQS requests.', width: 24, height: 2 }),
    new cloudwatch.GraphWidget({ title: 'Lambda GB-seconds per group', left: props.functionGroups.filter((g) => g.functions.length > 0).map((g, i) => gbSeconds(g.title, g.functions, i)), width: 12 }),
    new cloudwatch.GraphWidget({
      title: 'DynamoDB consumed capacity units',
      left: [props.store.table.metricConsumedReadCapacityUnits({ ...SUM, label: 'read' }), props.store.table.metricConsumedWriteCapacityUnits({ ...SUM, label: 'write' })],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Step Functions state transitions (account, billed per 1,000)',
      left: [new cloudwatch.Metric({ namespace: 'AWS/States', metricName: 'ConsumedCapacity', dimensionsMap: { ServiceMetric: 'StateTransition' }, ...SUM, label: 'state transitions' })],
      width: 12,
    }),
    new cloudwatch.GraphWidget({ title: 'SQS requests (sent + received + deleted + empty receives)', left: sqsRequests.length === 0 ? [] : [sumOf(sqsRequests, 'SQS requests')], width: 12 }),
  );
}

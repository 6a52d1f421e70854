import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag, wildcardResourceFinding } from '../nag';
import { type ScheduledJob, type Stage, logicalIdPart } from '../stage-config';
import type { OrderStore } from './order-store';
import { PipelineFunction } from './pipeline-function';
import { FILE_READ_ACTIONS, SUPPLIER_FILES_SERVICE, type SupplierFiles } from './supplier-files';

/** Entry file of each scheduled job. */
export const SCHEDULED_ENTRIES = {
  sweepReservations: 'functions/sweeps/sweep-reservations.ts',
  sweepDispatches: 'functions/sweeps/sweep-dispatches.ts',
  sweepOrders: 'functions/sweeps/sweep-orders.ts',
  sweepStaleFeeds: 'functions/sweeps/sweep-stale-feeds.ts',
  refreshFeeds: 'functions/inventory/refresh-feeds.ts',
} as const satisfies Record<ScheduledJob, string>;

/** Powertools service name of the sweeps (their metrics, e.g. SuppliersStale, carry `service=sweeps`). */
export const SWEEPS_SERVICE = 'sweeps';

export const INVENTORY_SYNC_LOGICAL_IDS = {
  scheduledDlq: 'ScheduledJobsDlq',
} as const;

/** What sweep-orders may do on the workflow: start a lost execution, and ask whether one exists. */
export const SWEEP_ORDERS_EXECUTION_ACTIONS = ['states:DescribeExecution'] as const;

/** One entry of INVENTORY_PULL. */
export interface InventoryPullEntry {
  readonly supplierId: string;
  readonly bucket: string;
  readonly key: string;
}

export interface InventorySyncProps {
  readonly stage: Stage;
  readonly store: OrderStore;
  /** The supplier files bucket: default pull bucket, reports and quarantine, SUPPLIER_FILES. */
  readonly files: SupplierFiles;
  /** The order workflow: sweep-orders restarts lost executions of RECEIVED orders. */
  readonly stateMachine: sfn.StateMachine;
  /** Override entry files (construct tests point them at a fixture). @default SCHEDULED_ENTRIES */
  readonly entries?: Partial<Record<ScheduledJob, string>>;
}

/**
 * The scheduled jobs: four sweeps and the inventory feed refresh, each a function behind its own EventBridge
 * schedule rule (`rate(<stage sweeps.scheduleMinutes.<job>> minutes)`, default bus), each bounded to
 * `sweeps.pageLimit` items per run and resumable (the handlers keep a cursor in `SWEEP#<name>`).
 *
 * | job | does | environment |
 * |---|---|---|
 * | sweep-reservations | releases HELD reservations past their hold | TABLE_NAME SWEEP_PAGE_LIMIT |
 * | sweep-dispatches | surfaces DISPATCHED fulfillments past acceptBy + grace | TABLE_NAME SWEEP_PAGE_LIMIT DISPATCH_GRACE_MINUTES |
 * | sweep-orders | restarts RECEIVED orders without an execution, surfaces stuck orders | TABLE_NAME STATE_MACHINE_ARN STUCK_ORDER_MINUTES SWEEP_PAGE_LIMIT |
 * | sweep-stale-feeds | marks suppliers STALE past their feed freshness SLA | TABLE_NAME SUPPLIER_FILES |
 * | refresh-feeds | pulls each supplier's published feed and applies it when its ETag is new | TABLE_NAME FILES_BUCKET SUPPLIER_FILES INVENTORY_PULL |
 *
 * Scheduled invocations are asynchronous: a run that still fails after Lambda's two retries, or an event
 * EventBridge could not deliver, goes to `ScheduledJobsDlq` (alarmed on). The next tick runs the job again
 * anyway: every job is idempotent.
 */
export class InventorySync extends Construct {
  public readonly functions: Readonly<Record<ScheduledJob, PipelineFunction>>;
  public readonly rules: Readonly<Record<ScheduledJob, events.Rule>>;
  public readonly scheduledDlq: sqs.Queue;
  /** INVENTORY_PULL: `[{ supplierId, bucket, key }]` (JSON). */
  public readonly inventoryPullJson: string;
  public readonly inventoryPull: readonly InventoryPullEntry[];

  // Long: declarative CDK wiring of the sweeps and the feed refresh (schedules, functions, grants).
  constructor(scope: Construct, id: string, props: InventorySyncProps) {
    super(scope, id);
    const { stage, store, files, stateMachine } = props;
    const sweeps = stage.config.sweeps;
    const retain = stage.config.retainData;

    this.scheduledDlq = new sqs.Queue(this, 'ScheduledDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    (this.scheduledDlq.node.defaultChild as sqs.CfnQueue).overrideLogicalId(INVENTORY_SYNC_LOGICAL_IDS.scheduledDlq);
    const dlqReason =
      'This queue is itself a dead-letter queue: the DeadLetterConfig of the scheduled functions and of their schedule rule targets, holding scheduled events that failed all retries for 14 days, alarmed on; a DLQ behind it would only move the problem.';
    acknowledgeNag(this.scheduledDlq.node.defaultChild ?? this.scheduledDlq, 'Serverless-SQSRedrivePolicy', dlqReason);

    this.inventoryPull = stage.config.suppliers.flatMap((s) =>
      s.inventoryPull === undefined ? [] : [{ supplierId: s.id, bucket: s.inventoryPull.bucket ?? files.bucketName, key: s.inventoryPull.key }],
    );
    this.inventoryPullJson = Stack.of(this).toJsonString(this.inventoryPull);

    const pageLimit = { SWEEP_PAGE_LIMIT: String(sweeps.pageLimit) };
    const job = (
      which: ScheduledJob,
      fnId: string,
      description: string,
      environment: Record<string, string>,
      options: { serviceName?: string; memorySize?: number; timeout?: Duration } = {},
    ): PipelineFunction => {
      const fn = new PipelineFunction(this, fnId, {
        entry: props.entries?.[which] ?? SCHEDULED_ENTRIES[which],
        description,
        stage,
        serviceName: options.serviceName ?? SWEEPS_SERVICE,
        memorySize: options.memorySize ?? 512,
        timeout: options.timeout ?? Duration.seconds(60),
        invocation: { asyncFailureQueue: this.scheduledDlq },
        // Caps each job (one run at a time is its normal load): never takes concurrency from the API.
        reservedConcurrentExecutions: stage.config.reservedConcurrency.scheduled,
        environment,
      });
      fn.useTable(store, 'readWrite');
      return fn;
    };

    this.functions = {
      sweepReservations: job('sweepReservations', 'SweepReservations', 'Schedule: release HELD reservations whose hold expired (bounded, resumable)', pageLimit),
      sweepDispatches: job(
        'sweepDispatches',
        'SweepDispatches',
        'Schedule: surface dispatched fulfillments the supplier did not acknowledge within acceptBy + grace',
        { ...pageLimit, DISPATCH_GRACE_MINUTES: String(sweeps.dispatchGraceMinutes) },
      ),
      sweepOrders: job('sweepOrders', 'SweepOrders', 'Schedule: restart RECEIVED orders whose execution was lost, surface orders stuck past their status deadline', {
        ...pageLimit,
        STUCK_ORDER_MINUTES: JSON.stringify(sweeps.stuckOrderMinutes),
      }),
      sweepStaleFeeds: job('sweepStaleFeeds', 'SweepStaleFeeds', 'Schedule: mark suppliers STALE whose last feed is older than their freshness SLA', {
        SUPPLIER_FILES: files.supplierFilesJson,
      }),
      refreshFeeds: job(
        'refreshFeeds',
        'RefreshFeeds',
        'Schedule: pull each supplier\'s published inventory feed and apply it when its ETag is new',
        { SUPPLIER_FILES: files.supplierFilesJson, INVENTORY_PULL: this.inventoryPullJson },
        { serviceName: SUPPLIER_FILES_SERVICE, memorySize: 1024, timeout: Duration.minutes(10) },
      ),
    };
    const f = this.functions;

    // sweep-orders: StartExecution (name = orderId) on the workflow, DescribeExecution on its executions.
    f.sweepOrders.allowStartExecution(stateMachine);
    const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${stateMachine.stateMachineName}:*`;
    iam.Grant.addToPrincipal({ grantee: f.sweepOrders, actions: [...SWEEP_ORDERS_EXECUTION_ACTIONS], resourceArns: [executions] });
    const sweepOrdersPolicy = f.sweepOrders.executionRole.node.tryFindChild('DefaultPolicy');
    if (sweepOrdersPolicy !== undefined) {
      acknowledgeNag(
        sweepOrdersPolicy,
        wildcardResourceFinding(sweepOrdersPolicy, executions),
        'states:DescribeExecution on the executions of the order workflow only (execution ARNs end with the order id, which the sweep only knows at run time): it checks whether a RECEIVED order\'s execution exists before starting it.',
      );
    }

    // refresh-feeds: read each pull source (HeadObject/GetObject), list the files bucket only at the pull keys
    // (so a missing feed is a 404, not a 403), write reports and quarantine copies like feed-file.
    files.grantReportsAndQuarantine(f.refreshFeeds);
    const pullObjects = this.inventoryPull.map((p) => `arn:${Aws.PARTITION}:s3:::${p.bucket}/${p.key}`);
    if (pullObjects.length > 0) {
      iam.Grant.addToPrincipal({ grantee: f.refreshFeeds, actions: [...FILE_READ_ACTIONS], resourceArns: pullObjects });
      const ownPullKeys = this.inventoryPull.filter((p) => p.bucket === files.bucketName).map((p) => p.key);
      if (ownPullKeys.length > 0) {
        iam.Grant.addToPrincipal({
          grantee: f.refreshFeeds,
          actions: ['s3:ListBucket'],
          resourceArns: [files.bucketArn],
          conditions: { StringEquals: { 's3:prefix': ownPullKeys } },
        });
      }
    }

    // One schedule rule per job.
    const rules: Partial<Record<ScheduledJob, events.Rule>> = {};
    for (const [which, fn] of Object.entries(f) as Array<[ScheduledJob, PipelineFunction]>) {
      const minutes = sweeps.scheduleMinutes[which];
      rules[which] = new events.Rule(this, `${logicalIdPart(which)}Schedule`, {
        description: `Run ${fn.entryPath} every ${minutes} minute${minutes === 1 ? '' : 's'}`,
        schedule: events.Schedule.rate(Duration.minutes(minutes)),
        targets: [
          new targets.LambdaFunction(fn, {
            deadLetterQueue: this.scheduledDlq,
            retryAttempts: 2,
            maxEventAge: Duration.hours(1),
          }),
        ],
      });
    }
    this.rules = rules as Record<ScheduledJob, events.Rule>;
  }

  /** The sweep functions (not the feed refresh). */
  public get sweepFunctions(): readonly PipelineFunction[] {
    const f = this.functions;
    return [f.sweepReservations, f.sweepDispatches, f.sweepOrders, f.sweepStaleFeeds];
  }

  public get allFunctions(): readonly PipelineFunction[] {
    return Object.values(this.functions);
  }

  /** Dead-letter queues of this construct, for alarms. */
  public get deadLetterQueues(): ReadonlyArray<{ readonly name: string; readonly queue: sqs.Queue }> {
    return [{ name: 'scheduled jobs', queue: this.scheduledDlq }];
  }
}

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../nag';
import type { Stage } from '../stage-config';
import type { OrderStore } from './order-store';
import { PipelineFunction } from './pipeline-function';

export const STREAM_ROUTER_ENTRY = 'functions/streams/stream-router.ts';

/** `source` of every domain event the pipeline publishes. */
export const DOMAIN_EVENT_SOURCE = 'dropship.pipeline';

/** Pinned: consumers subscribe to the bus (rules, cross-account targets) and the archive holds replayable history. */
export const ORDER_EVENTS_LOGICAL_IDS = {
  bus: 'DomainEventBus',
  archive: 'DomainEventArchive',
  streamDlq: 'StreamRouterDlq',
} as const;

/** Item types (`entity`) whose INSERTs the stream router receives: orders start executions, timeline and supplier events become domain events. */
export const STREAM_ROUTER_ENTITIES = ['Order', 'TimelineEvent', 'SupplierEvent'] as const;

/** The event source mapping filter: INSERTs of Order, TimelineEvent and SupplierEvent items only (everything else is never delivered, never billed). */
export function streamRouterFilter(): Record<string, unknown> {
  return lambda.FilterCriteria.filter({
    eventName: lambda.FilterRule.isEqual('INSERT'),
    dynamodb: { NewImage: { entity: { S: lambda.FilterRule.or(...STREAM_ROUTER_ENTITIES) } } },
  });
}

export interface OrderEventsProps {
  readonly stage: Stage;
  readonly store: OrderStore;
  /** The order workflow the router starts (one execution per order, name = orderId). */
  readonly stateMachine: sfn.IStateMachine;
}

/**
 * The table stream → workflow starts and domain events (a transactional outbox):
 *
 * - the domain event bus (custom EventBridge bus) with an archive for replay;
 * - the stream router (functions/streams/stream-router.ts) on the table's stream: an event source mapping
 *   filtered to INSERTs of Order and TimelineEvent items, partial batch failures, bisect on error,
 *   bounded retries and record age, and an SQS on-failure destination for what still fails.
 */
export class OrderEvents extends Construct {
  public readonly bus: events.EventBus;
  public readonly archive: events.Archive;
  public readonly router: PipelineFunction;
  /** On-failure destination of the stream mapping: metadata (shard, sequence numbers) of batches that kept failing. */
  public readonly streamDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: OrderEventsProps) {
    super(scope, id);
    const { stage, store } = props;
    const retain = stage.config.retainData;

    this.bus = new events.EventBus(this, 'Bus', {
      description: `Dropship pipeline domain events (${stage.name}): OrderValidated, FulfillmentDispatched, OrderDelivered, ...`,
    });
    (this.bus.node.defaultChild as events.CfnEventBus).overrideLogicalId(ORDER_EVENTS_LOGICAL_IDS.bus);
    this.archive = this.bus.archive('Archive', {
      description: 'Every pipeline domain event, for replay into new consumers or after an outage',
      eventPattern: { source: [DOMAIN_EVENT_SOURCE] },
      retention: Duration.days(stage.config.eventArchiveRetentionDays),
    });
    (this.archive.node.defaultChild as events.CfnArchive).overrideLogicalId(ORDER_EVENTS_LOGICAL_IDS.archive);

    this.streamDlq = new sqs.Queue(this, 'StreamDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    (this.streamDlq.node.defaultChild as sqs.CfnQueue).overrideLogicalId(ORDER_EVENTS_LOGICAL_IDS.streamDlq);
    const dlqReason =
      'This queue is itself a dead-letter destination: the on-failure destination of the table stream mapping, receiving the shard and sequence numbers of record batches that failed all retries (alarmed on; the sweep restarts orders whose start was lost).';
    acknowledgeNag(this.streamDlq.node.defaultChild ?? this.streamDlq, 'AwsSolutions-SQS3', dlqReason);
    acknowledgeNag(this.streamDlq.node.defaultChild ?? this.streamDlq, 'Serverless-SQSRedrivePolicy', dlqReason);

    this.router = new PipelineFunction(this, 'Router', {
      entry: STREAM_ROUTER_ENTRY,
      description: 'Table stream: start the order workflow for new orders, publish timeline events as domain events',
      stage,
      serviceName: 'stream-router',
      timeout: Duration.seconds(60),
      invocation: 'eventSourceMapping',
      wildcardResourceReason: 'dynamodb:ListStreams (needed by the stream event source mapping; the stream read actions are scoped to the table stream ARN)',
    });
    this.router.allowStartExecution(props.stateMachine);
    this.router.usePutEvents(this.bus);
    this.router.addEnvironment('TABLE_NAME', store.table.tableName);
    this.router.addEventSource(
      new DynamoEventSource(store.table, {
        // From the oldest record still in the stream: a mapping created after writes started misses nothing
        // (a start is idempotent: the execution name is the orderId).
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(6),
        parallelizationFactor: 2,
        onFailure: new SqsDlq(this.streamDlq),
        filters: [streamRouterFilter()],
      }),
    );
  }
}

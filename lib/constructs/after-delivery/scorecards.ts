import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SCORECARD_DETAIL_FILTER, SCORECARD_EVENT_TYPES } from '../../../functions/core/scorecards/domain/facts';
import { acknowledgeNag } from '../../nag';
import type { Stage } from '../../stage-config';
import { DOMAIN_EVENT_SOURCE } from '../order-events';
import type { OpsApi } from '../ops-api';
import type { OrderStore } from '../order-store';
import { PipelineFunction } from '../pipeline-function';
import type { SupplierFiles } from '../supplier-files';
import type { SupplierGateway } from '../supplier-gateway';

/** Entry files (issue 15): the scorecard updater, the lost-parcel sweep and the three ops handlers. */
export const AFTER_DELIVERY_ENTRIES = {
  scorecardUpdater: 'functions/scorecards/on-domain-event.ts',
  lostParcelSweep: 'functions/sweeps/sweep-lost-parcels.ts',
  deliveryDecisions: 'functions/ops/delivery-exceptions.ts',
  claims: 'functions/ops/claims.ts',
  scorecard: 'functions/ops/scorecard.ts',
} as const;

export interface AfterDeliveryProps {
  readonly stage: Stage;
  readonly store: OrderStore;
  /** The domain event bus (source `dropship.pipeline`). */
  readonly bus: events.IEventBus;
  readonly ops: OpsApi;
  readonly suppliers: SupplierGateway;
  readonly files: SupplierFiles;
}

/**
 * Delivery exceptions and supplier scorecards (docs/delivery-exceptions.md, docs/scorecards.md):
 *
 *   domain bus ──rule (scorecard event types)──▶ scorecard updater λ ──▶ daily aggregates (table)
 *   schedule (afterDelivery.lostParcelSweepMinutes) ──▶ lost-parcel sweep λ (lostAt, claim, DeliveryExceptionRaised)
 *   ops API: POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/reship | /refund, GET /ops/claims,
 *            POST /ops/claims/{claimId}/close, GET /ops/suppliers/{supplierId}/scorecard
 *
 * Both asynchronous functions send failed events to one DLQ (alarmed with the others).
 */
export class AfterDelivery extends Construct {
  public readonly dlq: sqs.Queue;
  public readonly scorecardUpdater: PipelineFunction;
  public readonly lostParcelSweep: PipelineFunction;
  public readonly deliveryDecisions: PipelineFunction;
  public readonly claims: PipelineFunction;
  public readonly scorecard: PipelineFunction;

  // Long: declarative CDK wiring (functions, rules, grants, routes).
  constructor(scope: Construct, id: string, props: AfterDeliveryProps) {
    super(scope, id);
    const { stage, store } = props;
    const settings = stage.config.afterDelivery;
    this.dlq = new sqs.Queue(this, 'Dlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: stage.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeNag(
      this.dlq.node.defaultChild ?? this.dlq,
      'Serverless-SQSRedrivePolicy',
      'This queue is itself a dead-letter queue (scorecard updates and lost-parcel sweep runs that failed all retries), alarmed on; a DLQ behind it would only move the problem.',
    );
    const deliveryEnv = { LOST_PARCEL_DAYS: String(settings.lostParcelDays), CARRIER_CLAIM_WINDOW_DAYS: String(settings.claimWindowDays) };
    const demotionEnv = { SCORECARD_DEMOTION: JSON.stringify(settings.demotion) };

    this.scorecardUpdater = new PipelineFunction(this, 'ScorecardUpdater', {
      entry: AFTER_DELIVERY_ENTRIES.scorecardUpdater,
      description: 'Domain event → supplier scorecard facts, each counted once into the daily aggregate',
      stage,
      serviceName: 'scorecards',
      memorySize: 256,
      timeout: Duration.seconds(15),
      invocation: { asyncFailureQueue: this.dlq },
      environment: {},
    });
    this.scorecardUpdater.useTable(store, 'readWrite');
    new events.Rule(this, 'ScorecardRule', {
      eventBus: props.bus,
      description: 'Supplier scorecards: acceptance, rejection, cancellation, shipment, delivery and return events',
      // The detail filter keeps out the ShipmentCreated / TrackingUpdated events that cannot yield a fact (facts.ts).
      eventPattern: { source: [DOMAIN_EVENT_SOURCE], detailType: [...SCORECARD_EVENT_TYPES], detail: SCORECARD_DETAIL_FILTER },
      targets: [new targets.LambdaFunction(this.scorecardUpdater, { deadLetterQueue: this.dlq, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    });

    this.lostParcelSweep = new PipelineFunction(this, 'LostParcelSweep', {
      entry: AFTER_DELIVERY_ENTRIES.lostParcelSweep,
      description: 'Schedule: declare parcels lost after days without a carrier scan, open carrier claims',
      stage,
      serviceName: 'sweeps',
      memorySize: 512,
      timeout: Duration.seconds(60),
      invocation: { asyncFailureQueue: this.dlq },
      reservedConcurrentExecutions: stage.config.reservedConcurrency.scheduled,
      environment: { SWEEP_PAGE_LIMIT: String(stage.config.sweeps.pageLimit), ...deliveryEnv },
    });
    this.lostParcelSweep.useTable(store, 'readWrite');
    new events.Rule(this, 'LostParcelSchedule', {
      description: `Run ${AFTER_DELIVERY_ENTRIES.lostParcelSweep} every ${settings.lostParcelSweepMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(settings.lostParcelSweepMinutes)),
      targets: [new targets.LambdaFunction(this.lostParcelSweep, { deadLetterQueue: this.dlq, retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });

    // Ops routes on the ops API (IAM-authorized like its other routes; the functions are the ops API's, so its alarms cover them).
    const ops = props.ops;
    const withEnvironment = (fn: PipelineFunction, environment: Record<string, string>): PipelineFunction => {
      for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
      return fn;
    };
    this.deliveryDecisions = withEnvironment(
      ops.opsFunction('DeliveryDecisions', AFTER_DELIVERY_ENTRIES.deliveryDecisions, 'POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/reship|refund: decide a delivery exception'),
      { ...deliveryEnv, SUPPLIER_QUEUES: props.suppliers.supplierQueuesJson },
    );
    this.deliveryDecisions.useTable(store, 'readWrite');
    // A reship sends a purchase order like Dispatch: the supplier's outbound queue or its outbox file + packing slip.
    this.deliveryDecisions.allowSendMessage(props.suppliers.outboundQueues);
    props.files.grantOutboxWrite(this.deliveryDecisions);
    this.claims = ops.opsFunction('Claims', AFTER_DELIVERY_ENTRIES.claims, 'GET /ops/claims, POST /ops/claims/{claimId}/close: carrier claims of lost parcels');
    this.claims.useTable(store, 'readWrite');
    this.scorecard = withEnvironment(
      ops.opsFunction('Scorecard', AFTER_DELIVERY_ENTRIES.scorecard, 'GET /ops/suppliers/{supplierId}/scorecard: rolling 30 / 90 day supplier figures'),
      demotionEnv,
    );
    this.scorecard.useTable(store, 'read');

    const opsRoot = ops.api.root.getResource('ops') ?? ops.api.root.addResource('ops');
    const orders = opsRoot.getResource('orders') ?? opsRoot.addResource('orders');
    const order = orders.getResource('{orderId}') ?? orders.addResource('{orderId}');
    const fulfillment = order.addResource('fulfillments').addResource('{fulfillmentId}');
    ops.addRoute(fulfillment.addResource('reship'), 'POST', this.deliveryDecisions);
    ops.addRoute(fulfillment.addResource('refund'), 'POST', this.deliveryDecisions);
    const claims = opsRoot.addResource('claims');
    ops.addRoute(claims, 'GET', this.claims);
    ops.addRoute(claims.addResource('{claimId}').addResource('close'), 'POST', this.claims);
    const suppliers = opsRoot.getResource('suppliers') ?? opsRoot.addResource('suppliers');
    const supplier = suppliers.getResource('{supplierId}') ?? suppliers.addResource('{supplierId}');
    ops.addRoute(supplier.addResource('scorecard'), 'GET', this.scorecard);
  }

  /** The event-driven functions (the ops route functions belong to the ops API's list). */
  public get functions(): readonly PipelineFunction[] {
    return [this.scorecardUpdater, this.lostParcelSweep];
  }

  public get deadLetterQueues(): ReadonlyArray<{ readonly name: string; readonly queue: sqs.Queue }> {
    return [{ name: 'scorecards and lost-parcel sweep', queue: this.dlq }];
  }
}

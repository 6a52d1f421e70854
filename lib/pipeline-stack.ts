import { Returns } from './constructs/after-delivery/returns';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { addBusinessDashboard, addPlatformHealth } from './constructs/dashboard-panels';
import { InventorySync, SWEEPS_SERVICE } from './constructs/inventory-sync';
import { Observability } from './constructs/observability';
import { OpsApi } from './constructs/ops-api';
import { OrderEvents } from './constructs/order-events';
import { OrderStore } from './constructs/order-store';
import { OrderWorkflow } from './constructs/order-workflow';
import { PipelineFunction } from './constructs/pipeline-function';
import { StorefrontApi } from './constructs/storefront-api';
import { StorefrontNotifications } from './constructs/storefront-notifications';
import { SUPPLIER_FILES_SERVICE, SupplierFiles } from './constructs/supplier-files';
import { SupplierGateway } from './constructs/supplier-gateway';
import { type Stage, logicalIdPart } from './stage-config';
import { AfterDelivery } from './constructs/after-delivery/scorecards';

export interface PipelineStackProps extends StackProps {
  /** The parsed stage configuration (see lib/stage-config.ts). */
  readonly stage: Stage;
}

/** `DropshipPipeline-dev`, `DropshipPipeline-prod`, ... */
export function stackNameFor(stageName: string): string {
  return `DropshipPipeline-${stageName}`;
}

/**
 * The whole pipeline in one stack. It only wires constructs together and publishes outputs;
 * behaviour lives in the constructs (lib/constructs/).
 */
export class PipelineStack extends Stack {
  public readonly store: OrderStore;
  public readonly storefront: StorefrontApi;
  public readonly suppliers: SupplierGateway;
  public readonly workflow: OrderWorkflow;
  public readonly events: OrderEvents;
  public readonly ops: OpsApi;
  public readonly observability: Observability;
  public readonly files: SupplierFiles;
  public readonly inventory: InventorySync;
  public readonly notifications: StorefrontNotifications;
  public readonly afterDelivery: AfterDelivery;

  // Long: declarative composition of the stack's constructs in dependency order.
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    const { stage, ...stackProps } = props;
    super(scope, id, {
      description: `Dropshipping order pipeline (${stage.name}): storefront and ops APIs, order store, order workflow, supplier queues, domain events, monitoring`,
      terminationProtection: stage.config.retainData,
      ...stackProps,
    });

    this.store = new OrderStore(this, 'OrderStore', { stage });
    this.suppliers = new SupplierGateway(this, 'Suppliers', { stage, store: this.store });
    this.workflow = new OrderWorkflow(this, 'OrderWorkflow', { stage, store: this.store, suppliers: this.suppliers });
    const stateMachine = this.workflow.stateMachine;
    this.storefront = new StorefrontApi(this, 'Storefront', { stage, store: this.store, stateMachine });
    this.ops = new OpsApi(this, 'Ops', {
      stage,
      store: this.store,
      stateMachine,
      ...(this.storefront.accountLoggingSetup === undefined ? {} : { accountLoggingSetup: this.storefront.accountLoggingSetup }),
    });
    this.events = new OrderEvents(this, 'Events', { stage, store: this.store, stateMachine });
    const inbound = this.suppliers.connectInbound(stateMachine);

    // Supplier files: the bucket, its notifications and the supplier roles' file access; the workflow's
    // dispatch and cancellation paths (and the inbound consumer, which re-sends a cancellation) write
    // purchase orders, cancellations and packing slips to the outboxes.
    this.files = new SupplierFiles(this, 'SupplierFiles', { stage, store: this.store, suppliers: this.suppliers });
    const wf = this.workflow.functions;
    for (const fn of [wf.dispatch, wf.cancelFulfillment, wf.cancelOrder, inbound]) this.files.grantOutboxWrite(fn);
    // An address change after dispatch amends the purchase order (PURCHASE_ORDER_AMENDED), and a platform
    // cancellation (Shopify orders/cancelled, refunds/create; WooCommerce cancelled) asks the supplier
    // (CANCELLATION_REQUESTED): both go by queue or outbox file.
    for (const fn of this.storefront.purchaseOrderAmendingFunctions) {
      this.files.grantOutboxWrite(fn);
      fn.allowSendMessage(this.suppliers.outboundQueues);
      fn.addEnvironment('SUPPLIER_QUEUES', this.suppliers.supplierQueuesJson);
    }
    // Customer cancellations ask dispatched fulfillments' suppliers (CANCELLATION_REQUESTED: queue or outbox file).
    this.suppliers.allowCancellationRequests(this.storefront.cancelOrderFunction);
    this.files.grantOutboxWrite(this.storefront.cancelOrderFunction);
    // Returns (issue 15): the return policy for the request, answer and ops functions; RETURN_REQUESTED by queue.
    const returns = new Returns(this, 'Returns', { stage, suppliers: this.suppliers, createReturn: this.storefront.createReturnFunction, inbound, opsReturns: this.ops.returnsFunction });
    // File suppliers get RETURN_REQUESTED as a file in outbox/return-requests/ (docs/supplier-files.md, Returns).
    this.files.grantOutboxWrite(this.storefront.createReturnFunction);
    this.inventory = new InventorySync(this, 'InventorySync', { stage, store: this.store, files: this.files, stateMachine });
    // Storefront notifications: customer-visible domain events → signed webhooks, Shopify GraphQL, WooCommerce REST.
    this.notifications = new StorefrontNotifications(this, 'StorefrontNotifications', { stage, store: this.store, bus: this.events.bus });
    // Ops: documents read the outboxes; an operator's cancel asks suppliers like the customer's; dead letters replay.
    this.ops.connectOperations({ files: this.files, suppliers: this.suppliers, notifications: this.notifications });
    // Delivery exceptions (reship / refund, lost parcels, carrier claims) and supplier scorecards (issue 15).
    this.afterDelivery = new AfterDelivery(this, 'AfterDelivery', { stage, store: this.store, bus: this.events.bus, ops: this.ops, suppliers: this.suppliers, files: this.files });
    // Exchanges ship (and storefront refunds close returns) in the delivery-decisions function, a PDF renderer.
    returns.runStepsIn(this.afterDelivery.deliveryDecisions, this.events.bus, this.afterDelivery.dlq);
    returns.addOpsClose(this.ops, this.ops.returnsFunction);
    // Routing demotion from the scorecards (ReserveAndRoute reads the suppliers' day items).
    this.workflow.functions.validateAndRoute.addEnvironment('SCORECARD_DEMOTION', JSON.stringify(stage.config.afterDelivery.demotion));

    this.observability = new Observability(this, 'Observability', {
      stage,
      api: this.storefront.api,
      functions: this.storefront.functions,
      store: this.store,
    });
    this.observability.monitorWorkflow(stateMachine, this.workflow.functions.flagException);
    this.observability.monitorWebFirewall(this.storefront.firewall.metricBlockedRequests(), stage.config.firewall.blockedRequestsAlarmThreshold);
    this.observability.monitorFunctionGroup('Order workflow', this.workflow.allFunctions);
    this.observability.monitorFunctionGroup('Stream, suppliers and ops', [this.events.router, inbound, ...this.ops.functions]);
    this.observability.monitorFunctionGroup('Supplier files and scheduled jobs', [...this.files.functions, ...this.inventory.allFunctions]);
    this.observability.monitorSupplierFiles({
      filesService: SUPPLIER_FILES_SERVICE,
      fileFunctions: [...this.files.functions, this.inventory.functions.refreshFeeds],
      rejectedRowsThreshold: stage.config.files.rejectedRowsAlarmThreshold,
    });
    this.observability.monitorSweeps({ sweepsService: SWEEPS_SERVICE, jobs: this.inventory.allFunctions });
    this.observability.monitorDeadLetterQueues([
      { name: 'table stream', queue: this.events.streamDlq },
      ...this.suppliers.deadLetterQueues,
      ...this.files.deadLetterQueues,
      ...this.inventory.deadLetterQueues,
      ...this.notifications.deadLetterQueues,
    ]);
    this.observability.monitorFunctionGroup('Storefront notifications', this.notifications.functions);
    this.observability.monitorFunctionGroup('Delivery exceptions and scorecards', this.afterDelivery.functions);
    this.observability.monitorDeadLetterQueues(this.afterDelivery.deadLetterQueues);

    new CfnOutput(this, 'ApiUrl', { value: this.storefront.url, description: 'Storefront API base URL' });
    new CfnOutput(this, 'TableName', { value: this.store.table.tableName, description: 'Pipeline table' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn, description: 'Subscribe operators here' });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'OpsApiUrl', { value: this.ops.url, description: 'Ops API base URL (IAM: sign requests with SigV4, service execute-api)' });
    new CfnOutput(this, 'OpsOperatorPolicyArn', {
      value: this.ops.operatorPolicy.managedPolicyArn,
      description: 'Attach to the operators\' role or IAM Identity Center permission set: execute-api:Invoke on the ops API',
    });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn, description: 'Order workflow (one execution per order, name = orderId)' });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName, description: 'Domain event bus (source dropship.pipeline)' });
    new CfnOutput(this, 'FilesBucketName', {
      value: this.files.bucket.bucketName,
      description: 'Supplier files bucket: suppliers/{id}/inbox/(inventory|tracking|acknowledgements)/ in, suppliers/{id}/outbox/ out',
    });
    for (const supplier of this.suppliers.suppliers) {
      const part = logicalIdPart(supplier.config.id);
      new CfnOutput(this, `SupplierInboundQueueUrl${part}`, {
        value: supplier.inboundQueue.queueUrl,
        description: `Supplier ${supplier.config.id} sends ACCEPTED/REJECTED/SHIPPED/TRACKING_EVENT/DELIVERED here`,
      });
      new CfnOutput(this, `SupplierOutboundQueueUrl${part}`, {
        value: supplier.outboundQueue.queueUrl,
        description: `Supplier ${supplier.config.id} receives PURCHASE_ORDER/CANCELLATION here`,
      });
      if (supplier.accessRole !== undefined) {
        new CfnOutput(this, `SupplierRoleArn${part}`, {
          value: supplier.accessRole.roleArn,
          description: `Role supplier ${supplier.config.id} assumes from account ${supplier.config.accountId ?? ''}`,
        });
      }
    }
    for (const channel of this.storefront.channels) {
      const part = logicalIdPart(channel.config.id);
      new CfnOutput(this, `ApiKeyId${part}`, {
        value: channel.apiKey.keyId,
        description: `API key id of channel ${channel.config.id} (aws apigateway get-api-key --include-value --api-key <id>)`,
      });
      new CfnOutput(this, `WebhookSecretArn${part}`, {
        value: channel.webhookSecret.secretArn,
        description: `Webhook signing secret of channel ${channel.config.id}: put the platform's secret here`,
      });
      new CfnOutput(this, `WebhookUrl${part}`, {
        value: channel.config.platform === 'woocommerce' ? (this.storefront.platformWebhookUrl(channel.config) ?? '') : this.storefront.shopifyWebhookUrl(channel.config.id),
        description:
          channel.config.platform === 'woocommerce'
            ? `WooCommerce webhook delivery URL of channel ${channel.config.id} (topics order.created and order.updated)`
            : `Shopify orders/create webhook URL of channel ${channel.config.id} (every topic: the same URL without /orders-create)`,
      });
    }

    // Platform health alarms and the business dashboard (lib/constructs/dashboard-panels.ts, docs/operations.md).
    // Keep this block last: it finds every function and state machine of the stack, whoever added them.
    const constructs = this.node.findAll();
    const allFunctions = constructs.filter((c): c is PipelineFunction => c instanceof PipelineFunction);
    addPlatformHealth(this.observability, {
      thresholds: stage.config.alarms,
      store: this.store,
      apis: [
        { name: 'Storefront', api: this.storefront.api },
        { name: 'Ops', api: this.ops.api },
      ],
      streamRouter: this.events.router,
      inboundQueues: this.suppliers.suppliers.map((s) => ({ name: `${s.config.id} inbound`, queue: s.inboundQueue })),
      notificationQueues: [{ name: 'storefront notifications', queue: this.notifications.queue }],
      functions: allFunctions,
      stateMachines: constructs
        .filter((c): c is sfn.StateMachine => c instanceof sfn.StateMachine)
        .map((machine) => ({ name: machine.node.path.split('/').slice(1).join('/'), machine, skipTimedOut: machine === stateMachine })),
    });
    const grouped = new Set([...this.storefront.functions, ...this.ops.functions, ...this.workflow.allFunctions, ...this.notifications.functions]);
    addBusinessDashboard(this.observability, {
      supplierIds: this.suppliers.suppliers.map((s) => s.config.id),
      store: this.store,
      functionGroups: [
        { title: 'storefront and ops APIs', functions: [...this.storefront.functions, ...this.ops.functions] },
        { title: 'order workflow', functions: this.workflow.allFunctions },
        { title: 'storefront notifications', functions: this.notifications.functions },
        { title: 'stream, suppliers, files, jobs', functions: allFunctions.filter((fn) => !grouped.has(fn)) },
      ],
      queues: [
        ...this.suppliers.suppliers.flatMap((s) => [
          { name: `${s.config.id} inbound`, queue: s.inboundQueue },
          { name: `${s.config.id} outbound`, queue: s.outboundQueue },
        ]),
        { name: 'storefront notifications', queue: this.notifications.queue },
      ],
    });
  }
}

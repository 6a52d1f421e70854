import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag, wildcardResourceFinding } from '../nag';
import { type Stage, type SupplierConfig, logicalIdPart } from '../stage-config';
import type { OrderStore } from './order-store';
import { workflowSettingsEnvironment } from './workflow-settings';
import { PipelineFunction } from './pipeline-function';

/** Entry file of the one consumer of every supplier inbound queue. */
export const SUPPLIER_INBOUND_ENTRY = 'functions/suppliers/inbound.ts';

/** Receives before SQS moves a message to the queue's DLQ. */
export const MAX_RECEIVE_COUNT = 5;
/** Timeout of the inbound consumer; the inbound queues' visibility timeout is six times this (AWS guidance for SQS event sources). */
export const INBOUND_CONSUMER_TIMEOUT = Duration.seconds(30);

/**
 * Pinned logical IDs: suppliers configure queue URLs and the role ARN on their side, and queues hold
 * messages in flight, so a construct refactoring must never replace them.
 */
export const supplierLogicalIds = {
  inboundQueue: (supplierId: string): string => `SupplierInboundQueue${logicalIdPart(supplierId)}`,
  inboundDlq: (supplierId: string): string => `SupplierInboundDlq${logicalIdPart(supplierId)}`,
  outboundQueue: (supplierId: string): string => `SupplierOutboundQueue${logicalIdPart(supplierId)}`,
  outboundDlq: (supplierId: string): string => `SupplierOutboundDlq${logicalIdPart(supplierId)}`,
  accessRole: (supplierId: string): string => `SupplierAccessRole${logicalIdPart(supplierId)}`,
} as const;

/** What a supplier may do on its own queues, and nothing else. */
export const SUPPLIER_INBOUND_ACTIONS = ['sqs:SendMessage'] as const;
export const SUPPLIER_OUTBOUND_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'] as const;
/** What a supplier may do in the supplier files bucket: write its own inbox, read and list its own outbox. */
export const SUPPLIER_FILE_WRITE_ACTIONS = ['s3:PutObject'] as const;
export const SUPPLIER_FILE_READ_ACTIONS = ['s3:GetObject'] as const;
export const SUPPLIER_FILE_LIST_ACTIONS = ['s3:ListBucket'] as const;

/** The part of the supplier files bucket a supplier's role needs to know (see SupplierFiles). */
export interface SupplierFileArea {
  /** ARN of the bucket (`arn:<partition>:s3:::<name>`). */
  readonly bucketArn: string;
  /** Key prefix the supplier writes, e.g. `suppliers/acme/inbox/` (ends with "/"). */
  inboxPrefix(supplierId: string): string;
  /** Key prefix the supplier reads, e.g. `suppliers/acme/outbox/` (ends with "/"). */
  outboxPrefix(supplierId: string): string;
}

/** What the inbound consumer's event source mappings need on the inbound queues. */
export const INBOUND_CONSUMER_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

const DLQ_REASON =
  'This queue is itself a dead-letter queue: it keeps failed messages 14 days for inspection (errorCode/errorMessage attributes) and redrive, with an alarm as soon as it holds one. A DLQ behind a DLQ would only move the problem.';

/** One supplier's channel: its queues and, when its AWS account is configured, the role it assumes. */
export interface SupplierChannel {
  readonly config: SupplierConfig;
  /** Supplier → platform (ACCEPTED, REJECTED, SHIPPED, TRACKING_EVENT, DELIVERED). */
  readonly inboundQueue: sqs.Queue;
  /** Where inbound messages go after 5 failed receives, and where the consumer moves poison messages (with a reason). */
  readonly inboundDlq: sqs.Queue;
  /** Platform → supplier (PURCHASE_ORDER, CANCELLATION). */
  readonly outboundQueue: sqs.Queue;
  /** Outbound messages the supplier received 5 times without deleting. */
  readonly outboundDlq: sqs.Queue;
  /** Assumable by the supplier's account (only when `accountId` is configured). */
  readonly accessRole?: iam.Role;
}

export interface SupplierGatewayProps {
  readonly stage: Stage;
  readonly store: OrderStore;
}

/**
 * The supplier channel over SQS. Per configured supplier: an inbound and an outbound queue, each with a
 * DLQ (maxReceiveCount 5, 14 days retention), SQS-managed encryption (so a cross-account role needs no KMS
 * grant) and an SSL-only queue policy; an IAM role the supplier's AWS account may assume, allowed only to
 * send to its inbound queue and to receive/delete/change visibility on its outbound queue.
 *
 * One consumer Lambda (functions/suppliers/inbound.ts, added with connectInbound() once the workflow
 * exists) reads every inbound queue through one event source mapping per queue and knows the supplier from
 * the record's eventSourceARN (SUPPLIER_QUEUES), so isolation does not depend on the message content.
 */
export class SupplierGateway extends Construct {
  public readonly suppliers: readonly SupplierChannel[];
  /** SUPPLIER_QUEUES: `[{ supplierId, inboundQueueArn, inboundQueueUrl, outboundQueueUrl, inboundDlqUrl }]` (JSON, tokens resolved by CloudFormation). */
  public readonly supplierQueuesJson: string;
  private inbound?: PipelineFunction;
  private readonly stage: Stage;
  private readonly store: OrderStore;

  constructor(scope: Construct, id: string, props: SupplierGatewayProps) {
    super(scope, id);
    this.stage = props.stage;
    this.store = props.store;
    this.suppliers = props.stage.config.suppliers.map((supplier) => this.addSupplier(supplier));
    this.supplierQueuesJson = Stack.of(this).toJsonString(
      this.suppliers.map((s) => ({
        supplierId: s.config.id,
        inboundQueueArn: s.inboundQueue.queueArn,
        inboundQueueUrl: s.inboundQueue.queueUrl,
        outboundQueueUrl: s.outboundQueue.queueUrl,
        inboundDlqUrl: s.inboundDlq.queueUrl,
      })),
    );
  }

  /** Every outbound (platform → supplier) queue. */
  public get outboundQueues(): readonly sqs.Queue[] {
    return this.suppliers.map((s) => s.outboundQueue);
  }

  /**
   * What a function that runs cancellation requests needs (workflow/services/cancel-requests.ts): SUPPLIER_QUEUES
   * and SendMessage on the outbound queues (CANCELLATION_REQUESTED). File suppliers get an outbox file instead:
   * grant the outbox write too (SupplierFiles.grantOutboxWrite).
   */
  public allowCancellationRequests(fn: PipelineFunction): void {
    fn.addEnvironment('SUPPLIER_QUEUES', this.supplierQueuesJson);
    fn.allowSendMessage(this.outboundQueues);
  }

  /** Every DLQ (inbound and outbound), for alarms. */
  public get deadLetterQueues(): ReadonlyArray<{ readonly name: string; readonly queue: sqs.Queue }> {
    return this.suppliers.flatMap((s) => [
      { name: `${s.config.id} inbound`, queue: s.inboundDlq },
      { name: `${s.config.id} outbound`, queue: s.outboundDlq },
    ]);
  }

  /**
   * Extend every supplier access role to the supplier files bucket: s3:PutObject on its own inbox prefix,
   * s3:GetObject on its own outbox prefix, and s3:ListBucket on the bucket only for keys under its own outbox
   * (`s3:prefix` condition). Nothing else in the bucket; the bucket policy also denies each role writes
   * outside its inbox and reads outside its outbox (SupplierFiles).
   */
  public grantSupplierFileAccess(area: SupplierFileArea): void {
    for (const s of this.suppliers) {
      const role = s.accessRole;
      if (role === undefined) continue;
      const inbox = area.inboxPrefix(s.config.id);
      const outbox = area.outboxPrefix(s.config.id);
      const inboxObjects = `${area.bucketArn}/${inbox}*`;
      const outboxObjects = `${area.bucketArn}/${outbox}*`;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'WriteOwnInboxFiles', actions: [...SUPPLIER_FILE_WRITE_ACTIONS], resources: [inboxObjects] }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'ReadOwnOutboxFiles', actions: [...SUPPLIER_FILE_READ_ACTIONS], resources: [outboxObjects] }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ListOwnOutboxFiles',
          actions: [...SUPPLIER_FILE_LIST_ACTIONS],
          resources: [area.bucketArn],
          conditions: { StringLike: { 's3:prefix': [outbox, `${outbox}*`] } },
        }),
      );
      const policy = role.node.tryFindChild('DefaultPolicy');
      if (policy !== undefined) {
        acknowledgeNag(
          policy,
          wildcardResourceFinding(policy, inboxObjects),
          `s3:PutObject only on the keys under suppliers/${s.config.id}/inbox/ (the supplier's own inbox, where it drops feeds, tracking and acknowledgement files under names it chooses); the bucket policy denies this role writes anywhere else.`,
        );
        acknowledgeNag(
          policy,
          wildcardResourceFinding(policy, outboxObjects),
          `s3:GetObject only on the keys under suppliers/${s.config.id}/outbox/ (purchase orders, cancellations, packing slips and reports written for this supplier, named per fulfillment); the bucket policy denies this role reads anywhere else.`,
        );
      }
    }
  }

  /** The inbound consumer (after connectInbound()). */
  public get inboundFunction(): PipelineFunction | undefined {
    return this.inbound;
  }

  /**
   * Create the inbound consumer: one event source mapping per inbound queue (batches of 10, 1 s window,
   * partial batch failures), SendMessage on the inbound DLQs (poison messages are moved there with a
   * reason) and on the outbound queues (a CANCELLATION is sent again to a supplier that accepts a cancelled
   * fulfillment), item read/write on the table, and task responses on the workflow.
   */
  public connectInbound(stateMachine: sfn.IStateMachine): PipelineFunction {
    if (this.inbound !== undefined) return this.inbound;
    const fn = new PipelineFunction(this, 'Inbound', {
      entry: SUPPLIER_INBOUND_ENTRY,
      description: 'Apply supplier messages (accept, reject, shipped, tracking, delivered) from the inbound queues',
      stage: this.stage,
      serviceName: 'supplier-gateway',
      timeout: INBOUND_CONSUMER_TIMEOUT,
      invocation: 'eventSourceMapping',
      environment: { SUPPLIER_QUEUES: this.supplierQueuesJson, ...workflowSettingsEnvironment(this.stage) },
    });
    fn.useTable(this.store, 'readWrite');
    fn.allowTaskResponses(stateMachine);
    fn.allowSendMessage(this.suppliers.map((s) => s.inboundDlq));
    // A supplier that accepts a fulfillment the platform already cancelled gets the CANCELLATION again.
    fn.allowSendMessage(this.outboundQueues);
    // What the Lambda poller needs to consume a queue (AWS's documented SQS execution-role actions).
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: [...INBOUND_CONSUMER_ACTIONS],
      resourceArns: this.suppliers.map((s) => s.inboundQueue.queueArn),
    });
    for (const s of this.suppliers) {
      const mapping = fn.addEventSourceMapping(`InboundMapping${logicalIdPart(s.config.id)}`, {
        eventSourceArn: s.inboundQueue.queueArn,
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: 5,
      });
      acknowledgeNag(
        mapping.node.defaultChild ?? mapping,
        'Serverless-LambdaEventSourceMappingDestination',
        'An SQS event source takes no on-failure destination: a message that keeps failing returns to the queue and moves to the queue\'s DLQ after 5 receives (redrive policy), and permanently bad messages are moved there by the consumer with an errorCode/errorMessage.',
      );
    }
    this.inbound = fn;
    return fn;
  }

  private addSupplier(config: SupplierConfig): SupplierChannel {
    const part = logicalIdPart(config.id);
    const removalPolicy = this.stage.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const queue = (qid: string, logicalId: string, extra: sqs.QueueProps): sqs.Queue => {
      const q = new sqs.Queue(this, qid, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
        ...extra,
      });
      (q.node.defaultChild as sqs.CfnQueue).overrideLogicalId(logicalId);
      if (extra.deadLetterQueue === undefined) acknowledgeNag(q.node.defaultChild ?? q, 'Serverless-SQSRedrivePolicy', DLQ_REASON);
      return q;
    };

    const inboundDlq = queue(`InboundDlq${part}`, supplierLogicalIds.inboundDlq(config.id), { retentionPeriod: Duration.days(14) });
    const inboundQueue = queue(`InboundQueue${part}`, supplierLogicalIds.inboundQueue(config.id), {
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(INBOUND_CONSUMER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: inboundDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    const outboundDlq = queue(`OutboundDlq${part}`, supplierLogicalIds.outboundDlq(config.id), { retentionPeriod: Duration.days(14) });
    // Purchase orders wait up to 14 days for a supplier that is offline; the acceptance SLA reroutes long before.
    const outboundQueue = queue(`OutboundQueue${part}`, supplierLogicalIds.outboundQueue(config.id), {
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.minutes(5),
      deadLetterQueue: { queue: outboundDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    let accessRole: iam.Role | undefined;
    if (config.accountId !== undefined) {
      accessRole = new iam.Role(this, `AccessRole${part}`, {
        assumedBy: new iam.AccountPrincipal(config.accountId),
        ...(config.externalId === undefined ? {} : { externalIds: [config.externalId] }),
        description: `Supplier ${config.id} (${config.name}): send to its inbound queue, read its outbound queue`,
        maxSessionDuration: Duration.hours(1),
      });
      (accessRole.node.defaultChild as iam.CfnRole).overrideLogicalId(supplierLogicalIds.accessRole(config.id));
      accessRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'SendToOwnInboundQueue', actions: [...SUPPLIER_INBOUND_ACTIONS], resources: [inboundQueue.queueArn] }),
      );
      accessRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'ReadOwnOutboundQueue', actions: [...SUPPLIER_OUTBOUND_ACTIONS], resources: [outboundQueue.queueArn] }),
      );
    }

    return { config, inboundQueue, inboundDlq, outboundQueue, outboundDlq, ...(accessRole === undefined ? {} : { accessRole }) };
  }
}

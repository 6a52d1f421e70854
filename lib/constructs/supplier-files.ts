import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag, wildcardResourceFinding } from '../nag';
import { type Stage, StageConfigError, logicalIdPart } from '../stage-config';
import type { OrderStore } from './order-store';
import { PipelineFunction } from './pipeline-function';
import type { SupplierFileArea, SupplierGateway } from './supplier-gateway';
import { RETURNS_CONFIG_ENV } from './after-delivery/returns';

/** Entry files of the two S3-triggered functions. */
export const SUPPLIER_FILE_ENTRIES = {
  feedFile: 'functions/inventory/feed-file.ts',
  messageFile: 'functions/suppliers/message-file.ts',
} as const;
export type SupplierFileFunction = keyof typeof SUPPLIER_FILE_ENTRIES;

/** Powertools service name of every function that reads supplier files (its metrics carry `service=supplier-files`). */
export const SUPPLIER_FILES_SERVICE = 'supplier-files';

/** Pinned: suppliers and operators know the bucket, and it holds every supplier document. */
export const SUPPLIER_FILES_LOGICAL_IDS = {
  bucket: 'SupplierFilesBucket',
  accessLogs: 'SupplierFilesAccessLogs',
  eventsDlq: 'SupplierFileEventsDlq',
} as const;

/** Inbox folders (`suppliers/{id}/inbox/<folder>/`) and the function each one notifies. */
export const INBOX_FOLDERS = {
  inventory: 'feedFile',
  tracking: 'messageFile',
  acknowledgements: 'messageFile',
  'cancellation-answers': 'messageFile',
  returns: 'messageFile',
} as const satisfies Record<string, SupplierFileFunction>;
export type InboxFolder = keyof typeof INBOX_FOLDERS;

/** The key layout of the bucket (docs/infrastructure.md, the issue 5 contract). */
export const supplierFileKeys = {
  supplierRoot: (supplierId: string): string => `suppliers/${supplierId}/`,
  inbox: (supplierId: string): string => `suppliers/${supplierId}/inbox/`,
  inboxFolder: (supplierId: string, folder: InboxFolder): string => `suppliers/${supplierId}/inbox/${folder}/`,
  outbox: (supplierId: string): string => `suppliers/${supplierId}/outbox/`,
  reports: (supplierId: string): string => `suppliers/${supplierId}/outbox/reports/`,
  quarantine: 'quarantine/',
} as const;

/** Outbox folders whose files hold customer PII, expired after `files.outboxPiiRetentionDays`. */
export const PII_OUTBOX_FOLDERS = ['purchase-orders', 'cancellations', 'packing-slips', 'return-requests'] as const;

/** Key patterns (IAM resource suffixes) the platform's functions use, for every supplier at once. */
export const FILE_KEY_PATTERNS = {
  inbox: (folder: InboxFolder): string => `suppliers/*/inbox/${folder}/*`,
  outbox: 'suppliers/*/outbox/*',
  reports: 'suppliers/*/outbox/reports/*',
  quarantine: 'quarantine/*',
} as const;

/** Actions the bucket policy denies a supplier role outside its own inbox (writes) and outbox (reads). */
export const SUPPLIER_DENIED_WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectTagging'] as const;
export const SUPPLIER_DENIED_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'] as const;
/** What the file functions may do with the files they are notified of (a versioned bucket: the event names the version). */
export const FILE_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'] as const;
export const FILE_WRITE_ACTIONS = ['s3:PutObject'] as const;

/** One entry of SUPPLIER_FILES. */
export interface SupplierFilesEntry {
  readonly supplierId: string;
  readonly channel: 'sqs' | 'file';
  /** RoleId (AROA...) of the supplier's access role: an S3 event whose principal is another supplier's role is refused. */
  readonly roleId?: string;
}

export interface SupplierFilesProps {
  readonly stage: Stage;
  readonly store: OrderStore;
  /** Supplier queues and access roles: roles get their bucket access here, message-file sends to the inbound queues. */
  readonly suppliers: SupplierGateway;
  /** Override entry files (construct tests point them at a fixture). @default SUPPLIER_FILE_ENTRIES */
  readonly entries?: Partial<Record<SupplierFileFunction, string>>;
}

/**
 * The supplier files bucket (one bucket, a prefix per supplier) and the functions its notifications drive.
 *
 *   suppliers/{id}/inbox/inventory/...          → feed-file     (S3 ObjectCreated notification)
 *   suppliers/{id}/inbox/tracking/...           → message-file
 *   suppliers/{id}/inbox/acknowledgements/...   → message-file
 *   suppliers/{id}/inbox/cancellation-answers/... and inbox/returns/... → message-file
 *   suppliers/{id}/outbox/...                   purchase orders, cancellations, packing slips, reports
 *   quarantine/{id}/...                         copies of quarantined files (operators only)
 *
 * - SSE-S3 encryption (not KMS): supplier roles write and read across the account boundary and the local S3
 *   emulator must serve the same objects, so a customer managed key would add key grants to every supplier
 *   role and a KMS request per object without protecting anything the bucket policy does not; SSL-only
 *   (TLS 1.2+), every public access blocked, bucket-owner-enforced object ownership (no ACLs), versioning.
 * - Lifecycle: inbox files expire after `files.inboxRetentionDays`, reports after `reportRetentionDays`,
 *   quarantine copies after `quarantineRetentionDays`, old versions after `noncurrentVersionRetentionDays`.
 *   Purchase orders, cancellations and packing slips stay (orders link them).
 * - Server access logs to a second bucket (the audit trail of who put or read what).
 * - Notifications are written on the bucket itself (NotificationConfiguration), not through CDK's
 *   notification custom resource (another Lambda, `s3:PutBucketNotification` on "*"). To avoid the cycle
 *   bucket → function → bucket, the bucket has a name computed from the stack (`bucketName`), which the
 *   functions' environment and policies use instead of a reference.
 * - Supplier roles (SupplierGateway): PutObject on their own inbox, GetObject/ListBucket on their own outbox;
 *   the bucket policy denies each role any write outside its inbox and any read outside its outbox.
 */
export class SupplierFiles extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;
  /** The bucket name (a CloudFormation expression, not a reference to the bucket). FILES_BUCKET everywhere. */
  public readonly bucketName: string;
  /** `arn:<partition>:s3:::<bucketName>`, built from the name (no reference to the bucket). */
  public readonly bucketArn: string;
  /** S3 events that still failed after Lambda's two asynchronous retries. */
  public readonly eventsDlq: sqs.Queue;
  public readonly feedFileFunction: PipelineFunction;
  public readonly messageFileFunction: PipelineFunction;
  /** SUPPLIER_FILES: `[{ supplierId, channel, roleId? }]` (JSON, tokens resolved by CloudFormation). */
  public readonly supplierFilesJson: string;

  // Long: declarative CDK wiring (bucket, notifications, handlers, grants) in the order CloudFormation needs it.
  constructor(scope: Construct, id: string, props: SupplierFilesProps) {
    super(scope, id);
    const { stage, store, suppliers } = props;
    const files = stage.config.files;
    const removalPolicy = stage.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.bucketName = files.bucketName ?? defaultBucketName(stage.name);
    this.bucketArn = `arn:${Aws.PARTITION}:s3:::${this.bucketName}`;

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(files.accessLogRetentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy,
    });
    (this.accessLogsBucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(SUPPLIER_FILES_LOGICAL_IDS.accessLogs);
    // cdk-nag recognises it as the log target of the files bucket (no AwsSolutions-S1 finding).

    const supplierIds = stage.config.suppliers.map((s) => s.id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: this.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'supplier-files/',
      lifecycleRules: [
        ...supplierIds.flatMap((supplierId): s3.LifecycleRule[] => [
          { id: `ExpireInbox${logicalIdPart(supplierId)}`, prefix: supplierFileKeys.inbox(supplierId), expiration: Duration.days(files.inboxRetentionDays) },
          { id: `ExpireReports${logicalIdPart(supplierId)}`, prefix: supplierFileKeys.reports(supplierId), expiration: Duration.days(files.reportRetentionDays) },
          // Purchase orders, cancellations and packing slips carry the customer's name, address and phone (PII).
          ...PII_OUTBOX_FOLDERS.map((folder): s3.LifecycleRule => ({
            id: `Expire${logicalIdPart(folder)}${logicalIdPart(supplierId)}`,
            prefix: `${supplierFileKeys.outbox(supplierId)}${folder}/`,
            expiration: Duration.days(files.outboxPiiRetentionDays),
          })),
        ]),
        { id: 'ExpireQuarantine', prefix: supplierFileKeys.quarantine, expiration: Duration.days(files.quarantineRetentionDays) },
        {
          id: 'ExpireOldVersions',
          noncurrentVersionExpiration: Duration.days(files.noncurrentVersionRetentionDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });
    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.overrideLogicalId(SUPPLIER_FILES_LOGICAL_IDS.bucket);

    this.eventsDlq = new sqs.Queue(this, 'EventsDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    (this.eventsDlq.node.defaultChild as sqs.CfnQueue).overrideLogicalId(SUPPLIER_FILES_LOGICAL_IDS.eventsDlq);
    const dlqReason =
      'This queue is itself a dead-letter queue: the DeadLetterConfig of the file functions, holding S3 events (bucket, key, ETag) that failed all asynchronous retries for 14 days, alarmed on; a DLQ behind it would only move the problem.';
    acknowledgeNag(this.eventsDlq.node.defaultChild ?? this.eventsDlq, 'Serverless-SQSRedrivePolicy', dlqReason);

    this.supplierFilesJson = Stack.of(this).toJsonString(
      suppliers.suppliers.map((s) => ({
        supplierId: s.config.id,
        channel: s.config.channel,
        ...(s.accessRole === undefined ? {} : { roleId: s.accessRole.roleId }),
      })),
    );

    const fileFunction = (fnId: string, which: SupplierFileFunction, description: string, memorySize: number, timeout: Duration): PipelineFunction => {
      const fn = new PipelineFunction(this, fnId, {
        entry: props.entries?.[which] ?? SUPPLIER_FILE_ENTRIES[which],
        description,
        stage,
        serviceName: SUPPLIER_FILES_SERVICE,
        memorySize,
        timeout,
        invocation: { asyncFailureQueue: this.eventsDlq },
        // A burst of files queues in Lambda's async queue (throttled events are retried up to 6 h) instead of starving the API.
        reservedConcurrentExecutions: stage.config.reservedConcurrency.supplierFiles,
        environment: { FILES_BUCKET: this.bucketName, SUPPLIER_FILES: this.supplierFilesJson },
      });
      fn.useTable(store, 'readWrite');
      return fn;
    };
    // A 100,000-row feed is streamed and written in batches: more memory (CPU) and minutes, not seconds.
    this.feedFileFunction = fileFunction(
      'FeedFile',
      'feedFile',
      'S3 inbox/inventory/: apply a supplier inventory feed (CSV or JSON), report rejected rows, quarantine garbage',
      1024,
      Duration.minutes(5),
    );
    this.messageFileFunction = fileFunction(
      'MessageFile',
      'messageFile',
      'S3 inbox/tracking/ and inbox/acknowledgements/: turn a supplier file into ACCEPTED/REJECTED/SHIPPED messages on its inbound queue',
      512,
      Duration.minutes(2),
    );
    this.messageFileFunction.addEnvironment('SUPPLIER_QUEUES', suppliers.supplierQueuesJson);
    // Returns files are applied by the returns service itself (the return policy computes the refund at RECEIVED).
    this.messageFileFunction.addEnvironment(RETURNS_CONFIG_ENV, Stack.of(this).toJsonString(stage.config.returns));
    this.messageFileFunction.allowSendMessage(suppliers.suppliers.map((s) => s.inboundQueue));

    // Read the notified files; write rejected-row reports and quarantine copies.
    this.grantObjects(this.feedFileFunction, FILE_READ_ACTIONS, [FILE_KEY_PATTERNS.inbox('inventory')], 'the inventory feeds it is notified of (every supplier\'s inbox/inventory/ folder)');
    this.grantObjects(
      this.messageFileFunction,
      FILE_READ_ACTIONS,
      [FILE_KEY_PATTERNS.inbox('tracking'), FILE_KEY_PATTERNS.inbox('acknowledgements'), FILE_KEY_PATTERNS.inbox('cancellation-answers'), FILE_KEY_PATTERNS.inbox('returns')],
      'the tracking, acknowledgement, cancellation-answer and returns files it is notified of (every supplier\'s inbox/tracking/, inbox/acknowledgements/, inbox/cancellation-answers/ and inbox/returns/ folders)',
    );
    for (const fn of this.functions) this.grantReportsAndQuarantine(fn);

    // Notifications: one per supplier and inbox folder, written on the bucket itself.
    for (const fn of this.functions) {
      fn.addPermission('InvokedBySupplierFilesBucket', {
        principal: new iam.ServicePrincipal('s3.amazonaws.com'),
        sourceArn: this.bucketArn,
        sourceAccount: Aws.ACCOUNT_ID,
      });
      // S3 checks that it may invoke the function when the notification is written.
      cfnBucket.node.addDependency(fn.node.findChild('InvokedBySupplierFilesBucket'));
    }
    cfnBucket.notificationConfiguration = {
      lambdaConfigurations: supplierIds.flatMap((supplierId) =>
        (Object.entries(INBOX_FOLDERS) as Array<[InboxFolder, SupplierFileFunction]>).map(([folder, which]) => ({
          event: 's3:ObjectCreated:*',
          filter: { s3Key: { rules: [{ name: 'prefix', value: supplierFileKeys.inboxFolder(supplierId, folder) }] } },
          function: (which === 'feedFile' ? this.feedFileFunction : this.messageFileFunction).functionArn,
        })),
      ),
    };

    // Supplier roles: own inbox write, own outbox read; the bucket policy denies everything else to them.
    const area: SupplierFileArea = {
      bucketArn: this.bucketArn,
      inboxPrefix: supplierFileKeys.inbox,
      outboxPrefix: supplierFileKeys.outbox,
    };
    suppliers.grantSupplierFileAccess(area);
    for (const s of suppliers.suppliers) {
      if (s.accessRole === undefined) continue;
      const part = logicalIdPart(s.config.id);
      const principal = new iam.ArnPrincipal(s.accessRole.roleArn);
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `DenySupplier${part}WritesOutsideOwnInbox`,
          effect: iam.Effect.DENY,
          principals: [principal],
          actions: [...SUPPLIER_DENIED_WRITE_ACTIONS],
          notResources: [`${this.bucketArn}/${supplierFileKeys.inbox(s.config.id)}*`],
        }),
      );
      // Allow-list of the inbox: only this supplier's role may put files there (any other principal of any
      // account, an operator or another supplier, is denied), so every inbox file is the supplier's own.
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `OnlySupplier${part}WritesItsInbox`,
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:PutObject'],
          resources: [`${this.bucketArn}/${supplierFileKeys.inbox(s.config.id)}*`],
          conditions: { StringNotLike: { 'aws:userid': [`${s.accessRole.roleId}:*`] } },
        }),
      );
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `DenySupplier${part}ReadsOutsideOwnOutbox`,
          effect: iam.Effect.DENY,
          principals: [principal],
          actions: [...SUPPLIER_DENIED_READ_ACTIONS],
          notResources: [`${this.bucketArn}/${supplierFileKeys.outbox(s.config.id)}*`],
        }),
      );
    }
  }

  /** The two S3-triggered functions. */
  public get functions(): readonly PipelineFunction[] {
    return [this.feedFileFunction, this.messageFileFunction];
  }

  /** Dead-letter queues of this construct, for alarms. */
  public get deadLetterQueues(): ReadonlyArray<{ readonly name: string; readonly queue: sqs.Queue }> {
    return [{ name: 'supplier file events', queue: this.eventsDlq }];
  }

  /** ARN of the objects matching `keyPattern` (relative to the bucket, e.g. `suppliers/*\/outbox/*`). */
  public objectArn(keyPattern: string): string {
    return `${this.bucketArn}/${keyPattern}`;
  }

  /** Pass FILES_BUCKET (the bucket name) to a function. */
  public useBucket(fn: PipelineFunction): this {
    fn.addEnvironment('FILES_BUCKET', this.bucketName);
    return this;
  }

  /**
   * FILES_BUCKET and s3:PutObject on `suppliers/*\/outbox/*` (purchase orders, cancellations, packing slips):
   * the workflow's Dispatch and cancellation tasks.
   */
  public grantOutboxWrite(fn: PipelineFunction): this {
    this.useBucket(fn);
    this.grantObjects(fn, FILE_WRITE_ACTIONS, [FILE_KEY_PATTERNS.outbox], 'documents it writes for suppliers (purchase orders, cancellations and packing slips, one object per fulfillment under suppliers/{id}/outbox/)');
    return this;
  }

  /**
   * What applying a feed needs besides reading it: FILES_BUCKET, s3:PutObject on the reports folders and on
   * quarantine/ (the quarantine copy is a CopyObject: read on the source, write on the copy).
   */
  public grantReportsAndQuarantine(fn: PipelineFunction): this {
    this.useBucket(fn);
    this.grantObjects(
      fn,
      FILE_WRITE_ACTIONS,
      [FILE_KEY_PATTERNS.reports, FILE_KEY_PATTERNS.quarantine],
      'rejected-row reports (suppliers/{id}/outbox/reports/) and quarantine copies (quarantine/{id}/) it writes, named after the file they report on',
    );
    return this;
  }

  /**
   * Grant `actions` on objects matching `patterns` (relative to the bucket) to `fn`, and acknowledge the
   * cdk-nag wildcard-resource finding each pattern causes, with `why`.
   */
  public grantObjects(fn: PipelineFunction, actions: readonly string[], patterns: readonly string[], why: string): this {
    const arns = patterns.map((p) => this.objectArn(p));
    iam.Grant.addToPrincipal({ grantee: fn, actions: [...actions], resourceArns: arns });
    const policy = fn.executionRole.node.tryFindChild('DefaultPolicy');
    if (policy !== undefined) {
      for (const arn of arns) {
        acknowledgeNag(
          policy,
          wildcardResourceFinding(policy, arn),
          `${actions.join(', ')} on ${arn.replace(/^.*:::[^/]*\//, '<bucket>/')} only: ${why}. Keys are chosen per file, so the grant is a prefix.`,
        );
      }
    }
    return this;
  }
}

/** Stage names become part of the default bucket name (3-63 lowercase letters, digits and "-"). */
const BUCKET_SAFE_STAGE = /^[a-z0-9][a-z0-9-]{0,23}$/;

/**
 * `dropship-<stage>-files-<account>-<first 8 characters of the stack id's UUID>`: globally unique, readable,
 * and new for every new stack instance, so a bucket retained by a deleted stack never blocks its re-creation.
 */
export function defaultBucketName(stageName: string): string {
  if (!BUCKET_SAFE_STAGE.test(stageName)) {
    throw new StageConfigError(
      `Stage name "${stageName}" cannot be part of an S3 bucket name (lowercase letters, digits and "-", at most 24 characters): set files.bucketName in its configuration`,
    );
  }
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return `dropship-${stageName}-files-${Aws.ACCOUNT_ID}-${Fn.select(0, Fn.split('-', stackUuid))}`;
}

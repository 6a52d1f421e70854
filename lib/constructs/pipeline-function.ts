import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { BundledCode } from '../bundling';
import { acknowledgeNag } from '../nag';
import { REPO_ROOT, repoFileExists } from '../paths';
import type { Stage } from '../stage-config';
import { type OrderStore, TABLE_EXTRA_ACTIONS, TABLE_LEADING_KEYS, type TableAccess } from './order-store';
import { RuntimeDepsLayer } from './runtime-deps-layer';

/** CloudWatch metrics namespace shared by every function (Powertools Metrics). */
export const METRICS_NAMESPACE = 'DropshipPipeline';

/** Template metadata keys the local runtime reads to import the same source the bundle was built from. */
export const ENTRY_METADATA_KEY = 'dropship:entry';
export const HANDLER_METADATA_KEY = 'dropship:handler';

/** The bundle options (ESM, node22, minify, keepNames, source maps, banner, externals) live in lib/bundling/options.ts. */
export { BUNDLE_OPTIONS, ESM_REQUIRE_BANNER } from '../bundling';

export interface PipelineFunctionProps {
  /** Entry file, relative to the repository root and written with "/", e.g. `functions/api/create-order.ts`. */
  readonly entry: string;
  /** Name of the exported handler in the entry file. @default 'handler' */
  readonly handler?: string;
  /** One line saying what the function does (shown in the console). */
  readonly description: string;
  /** The deployment stage: log retention, removal policies, log level and the STAGE variable come from it. */
  readonly stage: Stage;
  /** Powertools service name (logs, traces and metrics dimension), e.g. `storefront-api`. */
  readonly serviceName: string;
  /** Memory in MB (CPU scales with it). @default 512 */
  readonly memorySize?: number;
  /** Timeout. API functions must stay well under API Gateway's 29 s integration timeout. @default 10 seconds */
  readonly timeout?: Duration;
  /** Extra environment variables (added to the shared defaults). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Reserve concurrency for this function (caps it and guarantees it). @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How the function is invoked.
   * - `synchronous` (API Gateway, Step Functions tasks): the caller receives the error, so there is
   *   nothing for a dead-letter queue to catch.
   * - `eventSourceMapping` (SQS queue, DynamoDB stream): Lambda polls and invokes synchronously; failed
   *   records go to the queue's redrive DLQ or the mapping's on-failure destination, not to a function DLQ.
   * - `{ asyncFailureQueue }` (EventBridge, S3, SNS): events that still fail after two retries go to
   *   the queue (the function's dead-letter queue).
   */
  readonly invocation: 'synchronous' | 'eventSourceMapping' | { readonly asyncFailureQueue: sqs.IQueue };
  /**
   * Why the function will also need Resource "*" beyond X-Ray (e.g. dynamodb:ListStreams for a stream event
   * source), added to the one cdk-nag acknowledgement of its policy. @default - X-Ray only
   */
  readonly wildcardResourceReason?: string;
}

/**
 * The one Lambda function shape of this project: Node.js 22 on ARM64, active tracing, explicit memory and
 * timeout, its own log group with the stage's retention, JSON logs, source maps, and an ESM esbuild bundle
  * built locally (never in Docker), minified with class and function names kept, with the AWS SDK and Powertools
  * left to the project's runtime-deps layer (the versions of package-lock.json, runtime-deps-layer.ts). Every
  * function of the app comes from ONE esbuild build, cached by content (lib/bundling): the same `index.mjs` that
  * `cdk deploy` ships is what `npm start` runs.
 *
 * Bind resources with the helpers, which set the environment variable and grant least privilege in one call:
 *
 *   fn.useTable(store, 'read');
 *   fn.useSecret(secret, 'WEBHOOK_SECRET_ARN');
 */
export class PipelineFunction extends lambda.Function {
  /** The function's own log group (retention from the stage config). */
  public readonly functionLogGroup: logs.LogGroup;
  /** The execution role (no AWS managed policies; every permission is granted explicitly). */
  public readonly executionRole: iam.Role;
  /** Entry file relative to the repo root, as written in the template metadata. */
  public readonly entryPath: string;
  /** The scope the function, its log group and role were created in. */
  private readonly parentScope: Construct;

  // Long: declarative CDK wiring of one function (bundling, log group, alarms, nag acknowledgements).
  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    const entryPath = props.entry.split(path.sep).join('/');
    if (path.isAbsolute(entryPath) || entryPath.startsWith('..')) {
      throw new Error(`PipelineFunction ${id}: entry must be relative to the repository root, got "${props.entry}"`);
    }
    if (!repoFileExists(entryPath)) {
      throw new Error(`PipelineFunction ${id}: entry file ${entryPath} does not exist (looked in ${REPO_ROOT})`);
    }
    const { stage } = props;
    const retainData = stage.config.retainData;

    // Created before super() so the function's LoggingConfig points at it; the role likewise, so that
    // CDK does not attach the AWS managed AWSLambdaBasicExecutionRole policy (cdk-nag AwsSolutions-IAM4).
    // Both are children of the scope, named after the function.
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: toRetention(stage.config.logRetentionDays),
      removalPolicy: retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${entryPath}`,
    });

    const asyncFailureQueue = typeof props.invocation === 'string' ? undefined : props.invocation.asyncFailureQueue;

    super(scope, id, {
      // One esbuild build for every function of the app, cached by content (lib/bundling).
      code: BundledCode.forEntry(entryPath),
      handler: `index.${props.handler ?? 'handler'}`,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      // The pinned AWS SDK and Powertools (package-lock.json), left out of the bundle (externalModules below).
      layers: [RuntimeDepsLayer.of(scope).layer],
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[stage.config.logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(asyncFailureQueue === undefined
        ? {}
        : { deadLetterQueue: asyncFailureQueue, retryAttempts: 2 }),
      environment: {
        STAGE: stage.name,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: stage.config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });

    this.functionLogGroup = logGroup;
    this.executionRole = role;
    this.entryPath = entryPath;
    this.parentScope = scope;

    logGroup.grantWrite(role);

    const cfn = this.node.defaultChild as lambda.CfnFunction;
    cfn.addMetadata(ENTRY_METADATA_KEY, entryPath);
    cfn.addMetadata(HANDLER_METADATA_KEY, props.handler ?? 'handler');

    acknowledgeNag(
      cfn,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose: the bundle targets node22, the local runtime and the tests run the same code on Node 22, and the Node 24 move is a separate, tested upgrade.',
    );
    acknowledgeNag(
      cfn,
      'Serverless-LambdaLatestVersion',
      'Pinned to nodejs22.x on purpose: the bundle targets node22, the local runtime and the tests run the same code on Node 22, and the Node 24 move is a separate, tested upgrade.',
    );
    if (props.invocation === 'synchronous') {
      const reason =
        'Invoked synchronously only (API Gateway proxy integration or a Step Functions task): the caller receives every error, so a dead-letter queue would never receive anything.';
      acknowledgeNag(cfn, 'Serverless-LambdaDLQ', reason);
    } else if (asyncFailureQueue !== undefined) {
      // retryAttempts creates the function's EventInvokeConfig; failed events already go to the DLQ above.
      const invokeConfig = this.node.tryFindChild('EventInvokeConfig');
      if (invokeConfig !== undefined) {
        acknowledgeNag(
          invokeConfig.node.defaultChild ?? invokeConfig,
          'Serverless-LambdaAsyncFailureDestination',
          'Events that still fail after the two asynchronous retries go to the function\'s dead-letter queue (DeadLetterConfig), which is alarmed on; an on-failure destination on the same queue would deliver every failed event twice.',
        );
      }
    } else if (props.invocation === 'eventSourceMapping') {
      acknowledgeNag(
        cfn,
        'Serverless-LambdaDLQ',
        'Invoked only by an event source mapping (SQS queue or DynamoDB stream), which Lambda calls synchronously: failed records go to the source queue\'s redrive DLQ or the mapping\'s on-failure destination; a function DLQ would never receive anything.',
      );
    }
    // X-Ray PutTraceSegments/PutTelemetryRecords (added by `tracing: ACTIVE`) support no resource-level permissions.
    const defaultPolicy = role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy !== undefined) {
      acknowledgeNag(
        defaultPolicy,
        'AwsSolutions-IAM5[Resource::*]',
        props.wildcardResourceReason === undefined
          ? 'Only the X-Ray actions xray:PutTraceSegments and xray:PutTelemetryRecords use Resource "*": X-Ray supports no resource-level permissions for them (added by active tracing).'
          : `Resource "*" only for the X-Ray actions xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) and ${props.wildcardResourceReason}: none of them supports resource-level permissions.`,
      );
    }
  }

  /**
   * Let the function answer callback tasks of `stateMachine` (states:SendTaskSuccess and
   * states:SendTaskFailure, on that state machine only).
   *
   * The statement lives in its own IAM policy, not in the role's default policy: the function depends on
   * its default policy, and a task function of the same state machine would otherwise close a dependency
   * cycle (state machine -> function -> policy -> state machine).
   */
  public allowTaskResponses(stateMachine: sfn.IStateMachine): this {
    this.separatePolicy('TaskResponsePolicy').addStatements(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [stateMachine.stateMachineArn],
      }),
    );
    return this;
  }

  /** Pass the state machine ARN in `envVar` and grant states:StartExecution on it (only that action). */
  public allowStartExecution(stateMachine: sfn.IStateMachine, envVar = 'STATE_MACHINE_ARN'): this {
    this.addEnvironment(envVar, stateMachine.stateMachineArn);
    iam.Grant.addToPrincipal({ grantee: this, actions: ['states:StartExecution'], resourceArns: [stateMachine.stateMachineArn] });
    return this;
  }

  /** Grant sqs:SendMessage (only that action) on the queues. Queues use SQS-managed encryption: no KMS grant needed. */
  public allowSendMessage(queues: readonly sqs.IQueue[]): this {
    if (queues.length === 0) return this;
    iam.Grant.addToPrincipal({ grantee: this, actions: ['sqs:SendMessage'], resourceArns: queues.map((q) => q.queueArn) });
    for (const queue of queues) queue.encryptionMasterKey?.grantEncryptDecrypt(this);
    return this;
  }

  /** Pass the bus name in `envVar` and grant events:PutEvents on that bus only. */
  public usePutEvents(bus: events.IEventBus, envVar = 'EVENT_BUS_NAME'): this {
    this.addEnvironment(envVar, bus.eventBusName);
    iam.Grant.addToPrincipal({ grantee: this, actions: ['events:PutEvents'], resourceArns: [bus.eventBusArn] });
    return this;
  }

  private separatePolicy(name: string): iam.Policy {
    const id = `${this.node.id}${name}`;
    const existing = this.parentScope.node.tryFindChild(id);
    if (existing instanceof iam.Policy) return existing;
    return new iam.Policy(this.parentScope, id, { roles: [this.executionRole] });
  }

  /**
   * Set `envVar` to the store's table name and grant exactly the item actions of `access` (no Scan); a writer
   * also gets DeleteItem / BatchWriteItem only when its entry uses them (TABLE_EXTRA_ACTIONS).
   */
  public useTable(store: OrderStore, access: TableAccess, envVar = 'TABLE_NAME'): this {
    this.addEnvironment(envVar, store.table.tableName);
    store.grantItemAccess(this, access, TABLE_EXTRA_ACTIONS[this.entryPath] ?? [], TABLE_LEADING_KEYS[this.entryPath]);
    return this;
  }

  /**
   * Grant secretsmanager:GetSecretValue on one secret (only that action, only that secret) and, when
   * `envVar` is given, pass the secret ARN in it. Secrets named in a JSON variable (CHANNELS) pass no `envVar`.
   */
  public useSecret(secret: secretsmanager.ISecret, envVar?: string): this {
    if (envVar !== undefined) this.addEnvironment(envVar, secret.secretArn);
    iam.Grant.addToPrincipal({
      grantee: this,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [secret.secretArn],
    });
    secret.encryptionKey?.grantDecrypt(this);
    return this;
  }
}

/** Map a number of days to the nearest CloudWatch Logs retention value that is not shorter. */
export function toRetention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((v): v is logs.RetentionDays => typeof v === 'number' && v !== logs.RetentionDays.INFINITE)
    .sort((a, b) => a - b);
  const match = allowed.find((v) => v >= days);
  if (match === undefined) {
    throw new Error(`logRetentionDays ${days} is longer than CloudWatch Logs allows`);
  }
  return match;
}

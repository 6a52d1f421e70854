/** The local runtime's options, what `<dataDir>/endpoints.json` holds, and the running runtime's handle. */
import type { StorefrontReceiver } from '../storefront/receiver';
import type { EventSources } from '../emulators/event-sources/event-sources';
import type { LocalEventBridge } from '../emulators/eventbridge/eventbridge';
import type { InvokeResult, LambdaRuntime } from '../emulators/lambda/lambda';
import type { S3Notifications } from '../emulators/s3/notifications';
import type { LocalS3 } from '../emulators/s3/s3';
import type { LocalSqs } from '../emulators/sqs';
import type { LocalStepFunctions } from '../emulators/stepfunctions/service';
import type { CfnTemplate } from '../template/cfn';
import type { LocalModel } from '../template/reader';
import type { SupplierSimulator } from '../tools/supplier-sim';

export interface LocalRuntimeOptions {
  /** Where persisted data, state.json (local keys and secrets), logs and endpoints.json live. */
  readonly dataDir: string;
  /** Local API port. 0 = a random free port. @default 3000 */
  readonly port?: number;
  /** DynamoDB Local port. 0 or undefined = a random free port. */
  readonly ddbPort?: number;
  /** Keep DynamoDB Local in memory (tests, bench) instead of `<dataDir>/dynamodb`. @default false */
  readonly inMemory?: boolean;
  /** Stage to synthesize (cdk.json `stages.<name>`). @default cdk.json's `stage` ("dev") */
  readonly stage?: string;
  /** Seed the demo data set (idempotent). @default true */
  readonly seed?: boolean;
  /** No console output at all (function logs still go to `<dataDir>/logs`). @default false */
  readonly quiet?: boolean;
  /** Also echo every function log line to the console. @default false */
  readonly echoFunctionLogs?: boolean;
  /**
   * true: start every function's worker before resolving (no cold start on the first request).
   * 'background': start them during the boot, a first order's functions first, two at a time, without
   * waiting for them (`npm start`). @default false
   */
  readonly warm?: boolean | 'background';
  /** Use this template instead of synthesizing the app (fixtures, a cdk.out template). */
  readonly template?: {
    readonly stackName: string;
    readonly template: unknown;
    /** Cloud assembly directory of a cdk.out template (its `aws:asset:path`s are relative to it). @default the repo root */
    readonly assemblyDir?: string;
  };
  /** Use an already running DynamoDB (e.g. shared by a test run) instead of starting DynamoDB Local. */
  readonly dynamodbEndpoint?: string;
  /** JVM options for DynamoDB Local (default: fast start; `[]` = JVM defaults, better peak throughput). */
  readonly ddbJvmOptions?: readonly string[];
  /** Extra environment for every function, applied last (e.g. `{ POWERTOOLS_LOG_LEVEL: 'DEBUG' }`). */
  readonly functionEnv?: Readonly<Record<string, string>>;
  /**
   * Extra environment for one function (by logical id), applied after `functionEnv` (e.g. an endpoint per
   * function, so a benchmark can attribute each function's AWS calls).
   */
  readonly functionEnvironment?: (functionLogicalId: string) => Readonly<Record<string, string>>;
  /** Worker threads per function (default 1, serving concurrent invocations). */
  readonly workersPerFunction?: number;
  /** Where human-readable lines go (default console.log unless quiet). */
  readonly log?: (line: string) => void;
  /**
   * Local time: multiplier of workflow waits (callback task timeouts, Wait states, execution timeout),
   * SQS retry visibility and schedule intervals. 1 = real time; `npm start` uses 1/360 (an hour in 10 s).
   * @default 1
   */
  readonly timeScale?: number;
  /** Multiplier of Step Functions Retry intervals. @default max(timeScale, 0.05) */
  readonly retryScale?: number;
  /** Run the simulated demo suppliers (local/tools/supplier-sim.ts). @default false (npm start turns them on) */
  readonly suppliers?: boolean;
  /** Delay between two simulated supplier messages of one fulfillment (ms). @default 1000 */
  readonly supplierStepMs?: number;
  /** Keep Step Functions executions and stream checkpoints in the data directory. @default !inMemory */
  readonly persistWorkflow?: boolean;
  /** Log workflow executions ending, stream gave-ups and simulated supplier actions. @default true */
  readonly logWorkflow?: boolean;
  /**
   * Start the event source mappings (table stream -> workflow starts and domain events, supplier inbound
   * queues) when the runtime starts. `false`: they are set up but idle until `runtime.eventSources.start()`,
   * so orders are written and no workflow runs (intake-only benchmarks). Started later, the stream mapping
   * begins at its StartingPosition (TRIM_HORIZON): what was written meanwhile is processed then.
   * @default true
   */
  readonly startEventSources?: boolean;
  /**
   * Observer called after every local Lambda invocation (API routes, event source mappings, Step Functions
   * tasks, EventBridge targets, `runtime.invoke`) with its event and result: benchmarks count invocations
   * and durations with it. It must not throw (errors are ignored) and should return quickly.
   */
  readonly onInvoke?: (functionLogicalId: string, event: unknown, result: InvokeResult) => void;
  /**
   * Run the template's schedule rules (AWS::Events::Rule ScheduleExpression) on timers, their intervals
   * multiplied by `timeScale` (at least `minScheduleIntervalMs` apart). Off: they fire only on demand
   * (`runtime.eventBridge.fireSchedule(rule)`, `npm run schedules -- fire <rule>`).
   * @default false (npm start turns them on; tests and benchmarks stay quiet)
   */
  readonly schedules?: boolean;
  /** Fire every schedule rule at this fixed interval (ms) instead of its expression x timeScale (tests). */
  readonly scheduleIntervalMs?: number;
  /**
   * Shortest local interval of a scaled schedule. The handlers compare deadlines with the real clock, so
   * firing more often only adds load. @default 1000 (`npm start` uses 15 s)
   */
  readonly minScheduleIntervalMs?: number;
  /** Log one line per schedule firing (failures are always logged). @default false */
  readonly logSchedules?: boolean;
  /** Log one line per S3 event notification delivered (failures are always logged). @default false */
  readonly logNotifications?: boolean;
}

export interface ChannelEndpoint {
  readonly id: string;
  readonly platform: string;
  readonly currency: string;
  readonly shopDomain: string | null;
  /** Local API key value (send as `x-api-key`). */
  readonly apiKey: string | null;
  readonly apiKeyId: string | null;
  /** Local webhook signing secret (Shopify: HMAC-SHA256 key for X-Shopify-Hmac-Sha256). */
  readonly webhookSecret: string | null;
  /** The channel's Shopify webhook URL (channel in the path). */
  readonly shopifyWebhookUrl: string | null;
  /** The platform's topic-aware inbound webhook URL (`/webhooks/shopify/{id}`, `/webhooks/woocommerce/{id}`); null for custom channels. */
  readonly webhookUrl: string | null;
}

/** What `<dataDir>/endpoints.json` holds. Later parts add keys (queues, buckets, dashboard, ...). */
export interface LocalEndpoints {
  readonly apiUrl: string;
  /** API key of the first channel (the quickest way to call the API). */
  readonly apiKey: string;
  readonly stage: string;
  readonly stackName: string;
  readonly apiStage: string;
  readonly channels: readonly ChannelEndpoint[];
  readonly webhooks: { readonly shopifyByShopDomainUrl: string | null };
  readonly demo: {
    /** Retailer SKUs with stock at some supplier. */
    readonly skus: readonly string[];
    readonly outOfStockSkus: readonly string[];
    readonly lowStockSkus: readonly string[];
  };
  readonly suppliers: readonly {
    readonly id: string;
    readonly name: string;
    /** `sqs` or `file` (SUPPLIER_FILES, else the demo data). */
    readonly channel: string;
    /** Key prefixes in `s3.bucket`: where the supplier drops files (`<inbox>inventory/`, `tracking/`, `acknowledgements/`) and reads its documents. */
    readonly inbox: string;
    readonly outbox: string;
    /** Its supplier SKU <-> retailer SKU pairs (the demo catalog). */
    readonly skus: readonly { readonly supplierSku: string; readonly sku: string }[];
    /** Where it publishes its inventory for the scheduled refresh (INVENTORY_PULL), if it does. */
    readonly pullSource: { readonly bucket: string; readonly key: string } | null;
    readonly inboundQueueUrl: string | null;
    readonly outboundQueueUrl: string | null;
    readonly inboundDlqUrl: string | null;
    readonly outboundDlqUrl: string | null;
  }[];
  readonly dynamodb: { readonly endpoint: string; readonly tableName: string; readonly tables: readonly string[] };
  readonly secretsManager: { readonly endpoint: string };
  readonly sqs: {
    readonly endpoint: string;
    /** Every queue of the template: logical id -> URL / ARN / DLQ URL. */
    readonly queues: readonly { readonly logicalId: string; readonly name: string; readonly url: string; readonly arn: string; readonly dlqUrl: string | null }[];
  };
  readonly stepFunctions: { readonly endpoint: string; readonly stateMachineArn: string | null; readonly stateMachines: readonly { readonly name: string; readonly arn: string }[] };
  readonly eventBridge: { readonly endpoint: string; readonly busName: string | null; readonly buses: readonly string[] };
  /** Local S3: the supplier files bucket (`bucket`) and every bucket of the template. */
  readonly s3: { readonly endpoint: string; readonly bucket: string | null; readonly buckets: readonly string[] };
  /** Schedule rules: whether they run on timers, and each rule's expression and local interval. */
  readonly schedules: {
    readonly enabled: boolean;
    readonly rules: readonly { readonly name: string; readonly expression: string; readonly localIntervalMs: number | null; readonly targets: readonly string[] }[];
  };
  /** API key of the ops API (x-api-key for /ops/...), when the template has one. */
  readonly opsApiKey: string | null;
  readonly opsApiUrl: string | null;
  /**
   * The ops API (IAM-authorized): base URL with the stage, and the local operator's SigV4 credentials
   * (local/tools/ops-client.ts `opsFetch`); `identity` is the caller ARN the handlers record as `actorId`.
   */
  readonly ops: {
    readonly url: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    readonly identity: string;
  } | null;
  /** Local time scale (see LocalRuntimeOptions.timeScale) and whether the demo suppliers are simulated. */
  readonly timeScale: number;
  readonly simulatedSuppliers: boolean;
  readonly routes: readonly { readonly method: string; readonly path: string; readonly apiKeyRequired: boolean; readonly function: string | null }[];
  readonly dataDir: string;
  readonly logsDir: string;
  readonly pid: number;
  readonly startedAt: string;
  /** The local storefront receiver (local/storefront/receiver.ts): `GET {deliveriesUrl}?channel=<id>`, `POST {controlUrl}/fail?channel=<id>&count=N`. */
  readonly storefrontReceiver?: { readonly url: string; readonly deliveriesUrl: string; readonly controlUrl: string };
  readonly [later: string]: unknown;
}

export interface LocalRuntime {
  readonly endpoints: LocalEndpoints;
  readonly model: LocalModel;
  readonly template: CfnTemplate;
  readonly stackName: string;
  /** Milliseconds from the call to ready. */
  readonly startupMs: number;
  /** Where the start-up time went (synth and DynamoDB Local overlap). */
  readonly timings: { readonly synthMs: number; readonly dynamodbMs: number; readonly tablesAndSeedMs: number; readonly warmMs: number };
  /** Invoke a function directly (by logical id), as `aws lambda invoke` would. */
  invoke(functionLogicalId: string, event: unknown): Promise<InvokeResult>;
  readonly lambda: LambdaRuntime;
  readonly stepFunctions: LocalStepFunctions;
  readonly eventBridge: LocalEventBridge;
  readonly eventSources: EventSources;
  readonly sqs: LocalSqs;
  /** Local S3 (buckets of the template) and the bucket notifications the runtime delivers. */
  readonly s3: LocalS3;
  readonly s3Notifications: S3Notifications;
  readonly supplierSimulator: SupplierSimulator | undefined;
  /** Stands in for every channel's storefront; the notification deliveries land here. */
  readonly storefrontReceiver?: StorefrontReceiver | undefined;
  /** Stop everything (workers, servers, DynamoDB Local) and release the data directory. */
  stop(): Promise<void>;
}
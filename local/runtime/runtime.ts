/**
 * The local runtime: the synthesized CDK app running on one machine.
 *
 *   const runtime = await startLocalRuntime({ dataDir: '.local' });
 *   // runtime.endpoints.apiUrl, runtime.endpoints.apiKey, ... (also written to <dataDir>/endpoints.json)
 *   await runtime.stop();
 *
 * It synthesizes the stack in-process (lib/synth.ts, no bundling) while DynamoDB Local starts, reads
 * the template (local/template.ts), creates its tables, serves its REST API routes on localhost through
 * the same handler code (one worker thread per function), answers Secrets Manager calls, seeds the demo
 * data set and writes `<dataDir>/endpoints.json`. Used by `npm start` (local/cli.ts), the integration
 * tests (test/integration/global-setup.ts) and `npm run bench`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEMO_SUPPLIERS, IN_STOCK_SKUS, LOW_STOCK_SKUS, OUT_OF_STOCK_SKUS, seedDemoData, type TemplateChannel } from '../tools/demo-data';
import { DEFAULT_JVM_OPTIONS, ensureTables, localDynamoClient, startDynamoDbLocal, type DynamoDbLocal } from '../emulators/dynamodb/dynamodb-local';
import { listenGateway, type AccessLogEntry, type Gateway, type LocalApiKey } from '../emulators/gateway/gateway';
import { lambdaBaseEnvironment, LambdaRuntime, type InvokeResult } from '../emulators/lambda/lambda';
import { acquireLock, type Lock } from './lock';
import { freePort } from './ports';
import { LOCAL_REGION, localFunctionArn, Resolver } from '../template/resolve';
import { startSecretsServer, type SecretsServer } from '../emulators/secrets';
import { ensureApiKeys, ensureSecrets, loadState, saveState } from './state';
import { readApiKeys, type RouteSpec } from '../template/apis';
import { readTemplate, type LocalModel } from '../template/reader';
import { type FunctionSpec } from '../template/functions';
import { queueOverrides } from '../template/queues';
import { asTemplate, type CfnTemplate } from '../template/cfn';
import { EventSources } from '../emulators/event-sources/event-sources';
import { LocalEventBridge } from '../emulators/eventbridge/eventbridge';
import { startLocalSqs, type LocalSqs } from '../emulators/sqs';
import { LocalStepFunctions } from '../emulators/stepfunctions/service';
import { SupplierSimulator, type SimulatedFileSupplier, type SimulatedSupplier } from '../tools/supplier-sim';
import { startLocalS3, type LocalS3 } from '../emulators/s3/s3';
import { S3Notifications, supplierPrincipals } from '../emulators/s3/notifications';
import { DEMO_PULL_SUPPLIER, currentInventoryCsv, defaultPublishedKey, demoInventoryCsv, demoSkuPairs, filesBucketName, supplierFreshness, supplierPrefixes, templateInventoryPull, templateSupplierFiles, type PullSource } from '../tools/supplier-files';
import { notificationHandlers } from '../template/buckets';
import { isRecord } from '../../functions/core/kernel/guards';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

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
  /** Start every function's worker before resolving (no cold start on the first request). @default false */
  readonly warm?: boolean;
  /** Use this template instead of synthesizing the app (fixtures, a cdk.out template). */
  readonly template?: { readonly stackName: string; readonly template: unknown };
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
  /** Run the simulated demo suppliers (local/supplier-sim.ts). @default false (npm start turns them on) */
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
  /** Local time scale (see LocalRuntimeOptions.timeScale) and whether the demo suppliers are simulated. */
  readonly timeScale: number;
  readonly simulatedSuppliers: boolean;
  readonly routes: readonly { readonly method: string; readonly path: string; readonly apiKeyRequired: boolean; readonly function: string | null }[];
  readonly dataDir: string;
  readonly logsDir: string;
  readonly pid: number;
  readonly startedAt: string;
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
  /** Stop everything (workers, servers, DynamoDB Local) and release the data directory. */
  stop(): Promise<void>;
}

/** `StorefrontCreateOrder10ADECC5` -> `StorefrontCreateOrder` (CDK's hash suffix off, for humans). */
export function displayName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}

async function loadTemplate(opts: LocalRuntimeOptions): Promise<{ stackName: string; template: CfnTemplate }> {
  if (opts.template !== undefined) {
    return { stackName: opts.template.stackName, template: asTemplate(opts.template.template, 'given template') };
  }
  const { synthesizeTemplate } = await import('../../lib/synth');
  const out = await synthesizeTemplate({
    ...(opts.stage === undefined ? {} : { stage: opts.stage }),
  });
  return { stackName: out.stackName, template: asTemplate(out.template, `synthesized ${out.stackName}`) };
}


/** Channels as the template's CHANNELS variable describes them (the first function that has it). */
export function templateChannels(model: LocalModel): (TemplateChannel & { apiKeyId?: string; webhookSecretArn?: string })[] {
  const raw = model.functions.map((f) => f.environment['CHANNELS']).find((v) => v !== undefined);
  if (raw === undefined) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isRecord).flatMap((c) => {
    const platform = c['platform'];
    if (typeof c['channelId'] !== 'string' || (platform !== 'custom' && platform !== 'shopify')) return [];
    return [
      {
        channelId: c['channelId'],
        platform,
        currency: typeof c['currency'] === 'string' ? c['currency'] : 'EUR',
        shopDomain: typeof c['shopDomain'] === 'string' ? c['shopDomain'] : null,
        ...(typeof c['apiKeyId'] === 'string' ? { apiKeyId: c['apiKeyId'] } : {}),
        ...(typeof c['webhookSecretArn'] === 'string' ? { webhookSecretArn: c['webhookSecretArn'] } : {}),
      },
    ];
  });
}

/** The table the functions use (their TABLE_NAME), else the only table. */
function pipelineTableName(model: LocalModel): string | undefined {
  const names = new Set(model.tables.map((t) => t.tableName));
  const used = model.functions.map((f) => f.environment['TABLE_NAME']).find((n) => n !== undefined && names.has(n));
  return used ?? (model.tables.length === 1 ? model.tables[0]?.tableName : undefined);
}

/** The template's SUPPLIER_QUEUES (the first function that has it): supplier id -> inbound/outbound URLs. */
export function templateSupplierQueues(model: LocalModel): SimulatedSupplier[] {
  const raw = model.functions.map((f) => f.environment['SUPPLIER_QUEUES']).find((v) => v !== undefined);
  if (raw === undefined) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isRecord).flatMap((s) =>
    typeof s['supplierId'] === 'string' && typeof s['inboundQueueUrl'] === 'string' && typeof s['outboundQueueUrl'] === 'string'
      ? [{ supplierId: s['supplierId'], inboundQueueUrl: s['inboundQueueUrl'], outboundQueueUrl: s['outboundQueueUrl'] }]
      : [],
  );
}

function dlqUrlOf(model: LocalModel, queueUrl: string | undefined): string | null {
  const queue = model.queues.find((q) => q.url === queueUrl);
  const dlq = queue?.redrive === undefined ? undefined : model.queues.find((q) => q.arn === queue.redrive?.deadLetterTargetArn);
  return dlq?.url ?? null;
}

function supplierEndpoints(model: LocalModel, queues: readonly SimulatedSupplier[], pulls: readonly PullSource[]): LocalEndpoints['suppliers'] {
  const files = templateSupplierFiles(model);
  const ids = [...new Set([...DEMO_SUPPLIERS.map((s) => s.supplierId), ...queues.map((q) => q.supplierId), ...files.map((f) => f.supplierId)])];
  return ids.map((id) => {
    const demo = DEMO_SUPPLIERS.find((s) => s.supplierId === id);
    const q = queues.find((x) => x.supplierId === id);
    const pull = pulls.find((p) => p.supplierId === id);
    return {
      id,
      name: demo?.name ?? id,
      channel: files.find((f) => f.supplierId === id)?.channel ?? demo?.channel ?? 'sqs',
      ...supplierPrefixes(id),
      skus: demoSkuPairs(id),
      pullSource: pull === undefined ? null : { bucket: pull.bucket, key: pull.key },
      inboundQueueUrl: q?.inboundQueueUrl ?? null,
      outboundQueueUrl: q?.outboundQueueUrl ?? null,
      inboundDlqUrl: dlqUrlOf(model, q?.inboundQueueUrl),
      outboundDlqUrl: dlqUrlOf(model, q?.outboundQueueUrl),
    };
  });
}

/**
 * Pull sources: the template's INVENTORY_PULL; without one (older templates) the demo supplier that
 * publishes its inventory, in the supplier files bucket.
 */
function pullSources(model: LocalModel, filesBucket: string | undefined): PullSource[] {
  const fromTemplate = templateInventoryPull(model);
  if (fromTemplate.length > 0 || filesBucket === undefined) return fromTemplate;
  return [{ supplierId: DEMO_PULL_SUPPLIER, bucket: filesBucket, key: defaultPublishedKey(DEMO_PULL_SUPPLIER) }];
}

/** The ops API key: the key of a usage plan whose API serves /ops/ routes. */
function opsKey(model: LocalModel, keys: Readonly<Record<string, { id: string; value: string }>>): string | null {
  const opsApis = new Set(model.apis.filter((a) => a.routes.some((r) => r.path.startsWith('/ops/'))).map((a) => a.logicalId));
  for (const plan of model.usagePlans) {
    if (!plan.apiStages.some((s) => opsApis.has(s.apiLogicalId))) continue;
    for (const keyId of plan.apiKeyLogicalIds) {
      const key = keys[keyId];
      if (key !== undefined) return key.value;
    }
  }
  return null;
}

/**
 * A function's progress log line (Powertools JSON with a `message` mentioning progress, the object `key`
 * and a numeric `rowsSoFar`, optional `phase`) -> the local S3's progress board (npm run drop's bar).
 */
function reportFileProgress(s3: LocalS3, line: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return;
  }
  if (!isRecord(parsed) || typeof parsed['message'] !== 'string' || !/progress/i.test(parsed['message'])) return;
  const key = parsed['key'];
  const rows = parsed['rowsSoFar'];
  if (typeof key !== 'string' || typeof rows !== 'number') return;
  s3.reportProgress(key, { rowsSoFar: rows, ...(typeof parsed['phase'] === 'string' ? { phase: parsed['phase'] } : {}) });
}

function routeFunction(route: RouteSpec): string | null {
  return route.integration.type === 'LAMBDA_PROXY' ? route.integration.functionLogicalId : null;
}

export async function startLocalRuntime(opts: LocalRuntimeOptions): Promise<LocalRuntime> {
  const started = performance.now();
  const dataDir = path.resolve(opts.dataDir);
  const log = opts.quiet === true ? () => undefined : (opts.log ?? ((line: string) => console.log(line)));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((error: unknown) => log(`  (while stopping: ${error instanceof Error ? error.message : String(error)})`));
    }
  };

  try {
    const lock: Lock = await acquireLock(dataDir);
    cleanups.push(() => lock.release());

    // Bind the API port first: a port clash fails in milliseconds, before Java starts.
    const gateway: Gateway = await listenGateway({ port: opts.port ?? 3000 });
    cleanups.push(() => gateway.stop());

    // DynamoDB Local (spawned now) and the CDK synth run in parallel.
    let ddb: DynamoDbLocal | undefined;
    let ddbPromise: Promise<DynamoDbLocal | undefined>;
    if (opts.dynamodbEndpoint !== undefined) {
      ddbPromise = Promise.resolve(undefined);
    } else {
      const ddbPort = opts.ddbPort !== undefined && opts.ddbPort > 0 ? opts.ddbPort : await freePort();
      ddbPromise = startDynamoDbLocal({
        port: ddbPort,
        ...(opts.inMemory === true ? {} : { dbPath: path.join(dataDir, 'dynamodb') }),
        jvmOptions: opts.ddbJvmOptions ?? DEFAULT_JVM_OPTIONS,
      });
      // Whatever happens next, never leave the JVM behind.
      cleanups.push(async () => {
        const started = await ddbPromise.catch(() => undefined);
        await started?.stop();
      });
    }
    const since = (t: number): number => Math.round(performance.now() - t);
    let synthMs = 0;
    let dynamodbMs = 0;
    const t0 = performance.now();
    const sqsPromise = startLocalSqs();
    cleanups.push(async () => {
      const started = await sqsPromise.catch(() => undefined);
      await started?.stop();
    });
    const s3Promise = startLocalS3(opts.inMemory === true ? {} : { dataDir });
    cleanups.push(async () => {
      const started = await s3Promise.catch(() => undefined);
      await started?.stop();
    });
    const [loaded, sqs, s3] = await Promise.all([
      loadTemplate(opts).then((t) => ((synthMs = since(t0)), t)),
      sqsPromise,
      s3Promise,
      ddbPromise.then((d) => ((dynamodbMs = since(t0)), (ddb = d))),
    ]);
    const { stackName, template } = loaded;
    const ddbEndpoint = opts.dynamodbEndpoint ?? ddb?.endpoint;
    if (ddbEndpoint === undefined) throw new Error('DynamoDB Local did not start');

    // Local credentials (stable across restarts) and the model read from the template.
    const state = await loadState(dataDir);
    const keysChanged = ensureApiKeys(state, readApiKeys(template, new Resolver(template, { stackName })));
    const refs = new Map(Object.entries(state.apiKeys).map(([logicalId, key]) => [logicalId, key.id]));
    const queueRefs = queueOverrides(template, new Resolver(template, { refs, stackName }), sqs.endpoint);
    for (const [id, url] of queueRefs.refs) refs.set(id, url);
    const resolver = new Resolver(template, { refs, attrs: queueRefs.attrs, stackName });
    const model = readTemplate(template, resolver, REPO_ROOT);
    const secretsChanged = ensureSecrets(state, model.secrets);
    if (keysChanged || secretsChanged) await saveState(dataDir, state);

    const secrets: SecretsServer = await startSecretsServer({
      secrets: model.secrets.map((s) => ({
        logicalId: s.logicalId,
        name: s.name,
        arn: s.arn,
        value: state.secrets[s.logicalId] ?? '',
        ...(s.description === undefined ? {} : { description: s.description }),
      })),
    });
    cleanups.push(() => secrets.stop());

    // Tables and demo data.
    const t1 = performance.now();
    const client: DynamoDBClient = localDynamoClient(ddbEndpoint);
    cleanups.push(async () => client.destroy());
    const tableChanges = await ensureTables(client, model.tables);
    const tableName = pipelineTableName(model);
    const channels = templateChannels(model);
    let seeded = { written: 0, present: 0 };
    if (opts.seed !== false && tableName !== undefined) {
      seeded = await seedDemoData(DynamoDBDocumentClient.from(client), tableName, channels);
    }
    await sqs.createQueues(model.queues);
    // Buckets (and the pull sources' buckets), then the demo supplier's published inventory (kept if present).
    const filesBucket = filesBucketName(model);
    const pulls = pullSources(model, filesBucket);
    s3.createBuckets([...new Set([...model.buckets.map((b) => b.name), ...pulls.map((p) => p.bucket)])]);
    let published = 0;
    if (opts.seed !== false) {
      for (const pull of pulls) {
        if (!DEMO_SUPPLIERS.some((d) => d.supplierId === pull.supplierId)) continue;
        if (s3.putObject(pull.bucket, pull.key, demoInventoryCsv(pull.supplierId), { contentType: 'text/csv; charset=utf-8', ifAbsent: true }) !== undefined) published++;
      }
    }
    const tablesAndSeedMs = since(t1);

    // Step Functions and EventBridge stand-ins (their endpoints go into every function's environment).
    const timeScale = opts.timeScale ?? 1;
    const persist = opts.persistWorkflow ?? opts.inMemory !== true;
    const workflowLog = opts.logWorkflow === false ? undefined : log;
    const functionsByName = new Map(model.functions.map((f) => [f.functionName, f.logicalId]));
    let invokeLate: (fn: string, event: unknown) => Promise<InvokeResult> = () => Promise.reject(new Error('functions not ready'));
    const stepFunctions = new LocalStepFunctions({
      machines: model.stateMachines,
      functionsByName,
      invoke: (fn, event) => invokeLate(fn, event),
      ...(persist ? { dataDir } : {}),
      timeScale,
      ...(opts.retryScale === undefined ? {} : { retryScale: opts.retryScale }),
      ...(workflowLog === undefined ? {} : { log: workflowLog }),
    });
    await stepFunctions.start();
    const eventBridge = new LocalEventBridge({
      buses: model.eventBuses,
      rules: model.eventRules,
      invokeAsync: (fn, event) => invokeLate(fn, event),
      sqs: sqs.client,
      dataDir,
      scheduleScale: timeScale,
      schedules: opts.schedules === true,
      ...(opts.scheduleIntervalMs === undefined ? {} : { scheduleIntervalMs: opts.scheduleIntervalMs }),
      ...(opts.minScheduleIntervalMs === undefined ? {} : { minScheduleIntervalMs: opts.minScheduleIntervalMs }),
      logSchedules: opts.logSchedules === true,
      ...(workflowLog === undefined ? {} : { log: workflowLog }),
    });
    await eventBridge.start();
    // S3 event notifications of the template's buckets, delivered by the runtime from the store's change hook.
    const s3Notifications = new S3Notifications({
      buckets: model.buckets,
      invokeAsync: (fn, event) => invokeLate(fn, event),
      sqs: sqs.client,
      publish: (bus, event) => eventBridge.publish(bus, event),
      principalFor: supplierPrincipals(templateSupplierFiles(model)),
      verbose: opts.logNotifications === true,
      ...(workflowLog === undefined ? {} : { log: workflowLog }),
    });
    const unhook = s3.onChange((change) => s3Notifications.handle(change));

    // Functions: one worker per function, each with its own environment.
    const logsDir = path.join(dataDir, 'logs');
    await mkdir(logsDir, { recursive: true });
    const logFiles = new Map<string, WriteStream>();
    cleanups.push(async () => {
      await Promise.all([...logFiles.values()].map((s) => new Promise<void>((resolve) => s.end(() => resolve()))));
    });
    const echo = opts.echoFunctionLogs === true && opts.quiet !== true;
    const environmentFor = (fn: FunctionSpec): Record<string, string> => ({
      ...lambdaBaseEnvironment(fn, REPO_ROOT),
      ...fn.environment,
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      // The machine's Node 20 runs what AWS runs on Node 22: the SDK's reminder about that is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...opts.functionEnv,
      ...opts.functionEnvironment?.(fn.logicalId),
    });
    const lambda = new LambdaRuntime({
      functions: model.functions,
      environmentFor,
      ...(opts.workersPerFunction === undefined ? {} : { workersPerFunction: opts.workersPerFunction }),
      logSink: (fn, _stream, line) => {
        let file = logFiles.get(fn.logicalId);
        if (file === undefined) {
          file = createWriteStream(path.join(logsDir, `${displayName(fn.logicalId)}.log`), { flags: 'a' });
          logFiles.set(fn.logicalId, file);
        }
        file.write(`${line}\n`);
        if (echo) log(`  [${displayName(fn.logicalId)}] ${line}`);
        if (line.includes('rowsSoFar')) reportFileProgress(s3, line);
      },
    });
    cleanups.push(() => lambda.stop());
    const onInvoke = opts.onInvoke;
    const invokeFunction: (fn: string, event: unknown) => Promise<InvokeResult> =
      onInvoke === undefined
        ? (fn, event) => lambda.invoke(fn, event)
        : async (fn, event) => {
            const result = await lambda.invoke(fn, event);
            try {
              onInvoke(fn, event, result);
            } catch {
              // an observer never changes the invocation
            }
            return result;
          };
    invokeLate = invokeFunction;
    // Stopped before the workers (cleanups run in reverse): a RUNNING execution must stay RUNNING on a
    // clean stop (resumed next start), not fail because its Lambda worker went away.
    cleanups.push(async () => {
      unhook();
      await s3Notifications.stop();
    });
    cleanups.push(() => eventBridge.stop());
    cleanups.push(() => stepFunctions.stop());
    const eventSources = new EventSources({
      mappings: model.eventSourceMappings,
      invoke: invokeFunction,
      functionArn: (id) => localFunctionArn(model.functions.find((f) => f.logicalId === id)?.functionName ?? id),
      sqs: sqs.client,
      queues: model.queues,
      dynamodb: { client, endpoint: ddbEndpoint },
      tables: model.tables,
      ...(persist ? { dataDir } : {}),
      timeScale,
      ...(workflowLog === undefined ? {} : { log: workflowLog }),
    });
    cleanups.push(() => eventSources.stop());

    const apiKeys: LocalApiKey[] = model.apiKeys.flatMap((k) => {
      const local = state.apiKeys[k.logicalId];
      return local === undefined ? [] : [{ logicalId: k.logicalId, id: local.id, value: local.value, enabled: k.enabled }];
    });
    const onRequest = (e: AccessLogEntry): void => {
      const fn = e.route === undefined ? undefined : routeFunction(e.route);
      const target = fn === null || fn === undefined ? '' : ` -> ${displayName(fn)}`;
      const note = e.note === undefined ? '' : ` (${e.note})`;
      log(`  ${e.method} ${e.path} ${e.status} ${e.durationMs.toFixed(0)} ms${target}${note}`);
    };
    gateway.serve({
      apis: model.apis,
      apiKeys,
      usagePlans: model.usagePlans,
      invoke: invokeFunction,
      onRequest,
    });
    const t2 = performance.now();
    if (opts.warm === true) await lambda.warm();
    const warmMs = since(t2);

    // Asynchronous world: stream and queue pollers, executions interrupted by the last stop, suppliers.
    if (opts.startEventSources !== false) await eventSources.start();
    for (const skipped of eventSources.skipped) log(`  event source ${skipped.logicalId} not run locally: ${skipped.reason}`);
    for (const warning of [...stepFunctions.warnings, ...eventBridge.warnings, ...s3Notifications.warnings]) log(`  note: ${warning}`);
    const resumed = stepFunctions.resume();
    if (resumed > 0) log(`  workflow: ${resumed} execution(s) that were running at the last stop started again from the beginning`);
    const supplierQueues = templateSupplierQueues(model);
    const docClient = DynamoDBDocumentClient.from(client);
    const fileSuppliers: SimulatedFileSupplier[] =
      filesBucket === undefined
        ? []
        : templateSupplierFiles(model)
            .filter((f) => f.channel === 'file')
            .map((f) => {
              const inbound = supplierQueues.find((q) => q.supplierId === f.supplierId)?.inboundQueueUrl;
              return { supplierId: f.supplierId, bucket: filesBucket, ...(inbound === undefined ? {} : { inboundQueueUrl: inbound }) };
            });
    let supplierSimulator: SupplierSimulator | undefined;
    if (opts.suppliers === true && (supplierQueues.length > 0 || fileSuppliers.length > 0)) {
      const sim = new SupplierSimulator({
        suppliers: supplierQueues,
        sqs: sqs.client,
        ...(fileSuppliers.length === 0 ? {} : { files: { s3Endpoint: s3.endpoint, suppliers: fileSuppliers } }),
        ...(filesBucket === undefined || tableName === undefined
          ? {}
          : {
              feeds: {
                s3Endpoint: s3.endpoint,
                bucket: filesBucket,
                supplierIds: DEMO_SUPPLIERS.map((d) => d.supplierId).filter((id) => model.buckets.some((b) => b.notifications.some((n) => n.prefix !== undefined && `${supplierPrefixes(id).inbox}inventory/`.startsWith(n.prefix)))),
                freshness: (id: string) => supplierFreshness(docClient, tableName, id),
                snapshot: (id: string) => currentInventoryCsv(docClient, tableName, id),
              },
            }),
        ...(opts.supplierStepMs === undefined ? {} : { stepMs: opts.supplierStepMs }),
        ...(workflowLog === undefined ? {} : { log: workflowLog }),
      });
      sim.start();
      // New outbox files reach the file suppliers through the store's change hook (no listing).
      const unhookSim = s3.onChange((change) => {
        if (change.eventName.startsWith('ObjectCreated:')) sim.objectCreated(change.bucket, change.key, change.eTag);
      });
      cleanups.push(async () => {
        unhookSim();
        await sim.stop();
      });
      supplierSimulator = sim;
    }

    // endpoints.json
    const opsApi = model.apis.find((a) => a.routes.some((r) => r.path.startsWith('/ops/')));
    const api = model.apis.find((a) => a !== opsApi) ?? model.apis[0];
    const routes = model.apis.flatMap((a) => a.routes);
    const shopifyChannelRoute = routes.find((r) => r.path.startsWith('/webhooks/shopify/') && r.pathParams.includes('channelId'));
    const shopifyDomainRoute = routes.find((r) => r.path.startsWith('/webhooks/shopify/') && r.pathParams.length === 0);
    const channelEndpoints: ChannelEndpoint[] = channels.map((c) => {
      const key = Object.entries(state.apiKeys).find(([, k]) => k.id === c.apiKeyId)?.[1];
      const secret = model.secrets.find((s) => s.arn === c.webhookSecretArn);
      return {
        id: c.channelId,
        platform: c.platform,
        currency: c.currency,
        shopDomain: c.shopDomain ?? null,
        apiKey: key?.value ?? null,
        apiKeyId: key?.id ?? null,
        webhookSecret: secret === undefined ? null : (state.secrets[secret.logicalId] ?? null),
        shopifyWebhookUrl:
          shopifyChannelRoute === undefined
            ? null
            : `${gateway.url}${shopifyChannelRoute.path.replace('{channelId}', encodeURIComponent(c.channelId))}`,
      };
    });
    const firstKey = channelEndpoints.find((c) => c.apiKey !== null)?.apiKey ?? apiKeys[0]?.value ?? '';
    const endpoints: LocalEndpoints = {
      apiUrl: gateway.url,
      apiKey: firstKey,
      stage: opts.stage ?? stackName.replace(/^.*-/, ''),
      stackName,
      apiStage: api?.stageName ?? '',
      channels: channelEndpoints,
      webhooks: { shopifyByShopDomainUrl: shopifyDomainRoute === undefined ? null : `${gateway.url}${shopifyDomainRoute.path}` },
      demo: { skus: IN_STOCK_SKUS, outOfStockSkus: OUT_OF_STOCK_SKUS, lowStockSkus: LOW_STOCK_SKUS },
      suppliers: supplierEndpoints(model, supplierQueues, pulls),
      dynamodb: { endpoint: ddbEndpoint, tableName: tableName ?? '', tables: model.tables.map((t) => t.tableName) },
      secretsManager: { endpoint: secrets.endpoint },
      sqs: {
        endpoint: sqs.endpoint,
        queues: model.queues.map((q) => ({ logicalId: q.logicalId, name: q.queueName, url: q.url, arn: q.arn, dlqUrl: dlqUrlOf(model, q.url) })),
      },
      stepFunctions: {
        endpoint: stepFunctions.endpoint,
        stateMachineArn: model.stateMachines[0]?.arn ?? null,
        stateMachines: model.stateMachines.map((m) => ({ name: m.name, arn: m.arn })),
      },
      eventBridge: {
        endpoint: eventBridge.endpoint,
        busName: model.eventBuses.find((b) => b.logicalId !== undefined)?.name ?? null,
        buses: model.eventBuses.map((b) => b.name),
      },
      s3: { endpoint: s3.endpoint, bucket: filesBucket ?? null, buckets: s3.bucketNames() },
      schedules: {
        enabled: opts.schedules === true,
        rules: eventBridge.schedules().map((r) => ({ name: r.name, expression: r.expression, localIntervalMs: r.localIntervalMs ?? null, targets: r.targets })),
      },
      opsApiKey: opsKey(model, state.apiKeys),
      opsApiUrl: opsApi === undefined ? null : gateway.url,
      timeScale,
      simulatedSuppliers: supplierSimulator !== undefined,
      routes: routes.map((r) => ({ method: r.method, path: r.path, apiKeyRequired: r.apiKeyRequired, function: routeFunction(r) })),
      dataDir,
      logsDir,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    const endpointsFile = path.join(dataDir, 'endpoints.json');
    await writeFile(`${endpointsFile}.tmp`, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
    await rename(`${endpointsFile}.tmp`, endpointsFile);
    await lock.update({ apiUrl: gateway.url });

    const startupMs = performance.now() - started;
    if (tableChanges.length > 0) log(`  tables: ${tableChanges.join('; ')}`);
    if (seeded.written > 0) log(`  demo data: ${seeded.written} items seeded (${seeded.present} were there before)`);
    if (published > 0) log(`  demo data: ${published} published inventory file(s) for the scheduled refresh (${pulls.map((p) => p.key).join(', ')})`);
    const emulatedHandlers = notificationHandlers(template);
    for (const skipped of model.skippedFunctions) {
      if (emulatedHandlers.has(skipped.logicalId)) continue; // CDK's bucket-notifications handler: the runtime applies them itself
      log(`  not run locally: ${skipped.logicalId} (${skipped.reason})`);
    }

    let stopping: Promise<void> | undefined;
    return {
      endpoints,
      model,
      template,
      stackName,
      startupMs,
      timings: { synthMs, dynamodbMs, tablesAndSeedMs, warmMs },
      lambda,
      stepFunctions,
      eventBridge,
      eventSources,
      sqs,
      s3,
      s3Notifications,
      supplierSimulator,
      invoke: invokeFunction,
      stop: () => {
        stopping ??= (async () => {
          // Endpoints describe a running stack only.
          await rm(endpointsFile, { force: true });
          await cleanup();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Boot steps of the local runtime, part 2: the Step Functions, EventBridge and S3 notification stand-ins
 * (their endpoints go into every function's environment), then the functions (one worker per function,
 * each with its own environment, its log file and the feed progress subscription).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LocalEventBridge } from '../emulators/eventbridge/eventbridge';
import { withBundles } from '../emulators/lambda/bundles';
import { lambdaBaseEnvironment, LambdaRuntime, type InvokeResult } from '../emulators/lambda/lambda';
import { S3Notifications, supplierPrincipals } from '../emulators/s3/notifications';
import type { SecretsServer } from '../emulators/secrets';
import { LocalStepFunctions } from '../emulators/stepfunctions/service';
import type { FunctionSpec } from '../template/functions';
import type { LocalModel } from '../template/reader';
import { LOCAL_REGION } from '../template/local-ids';
import { templateSupplierFiles } from '../tools/supplier-files';
import type { Services } from './boot-services';
import type { Cleanups } from './cleanups';
import { feedProgressSubscription } from './feed-progress';
import { displayName } from './model-views';
import type { LocalRuntimeOptions } from './types';

export type InvokeFn = (fn: string, event: unknown) => Promise<InvokeResult>;

export interface Workflow {
  readonly stepFunctions: LocalStepFunctions;
  readonly eventBridge: LocalEventBridge;
  readonly s3Notifications: S3Notifications;
  /** Detach the notifications from the S3 store's change hook. */
  readonly unhook: () => void;
}

/** The stand-ins that invoke functions get `invoke`, which works once the functions are up. */
export async function startWorkflow(opts: LocalRuntimeOptions, services: Services, model: LocalModel, dataDir: string, invoke: InvokeFn, log: (line: string) => void): Promise<Workflow> {
  const persist = opts.persistWorkflow ?? opts.inMemory !== true;
  const timeScale = opts.timeScale ?? 1;
  const workflowLog = opts.logWorkflow === false ? {} : { log };
  const stepFunctions = new LocalStepFunctions({
    machines: model.stateMachines,
    functionsByName: new Map(model.functions.map((f) => [f.functionName, f.logicalId])),
    invoke,
    ...(persist ? { dataDir } : {}),
    timeScale,
    ...(opts.retryScale === undefined ? {} : { retryScale: opts.retryScale }),
    ...workflowLog,
  });
  await stepFunctions.start();
  const eventBridge = new LocalEventBridge({
    buses: model.eventBuses,
    rules: model.eventRules,
    invokeAsync: invoke,
    sqs: services.sqs.client,
    dataDir,
    scheduleScale: timeScale,
    schedules: opts.schedules === true,
    ...(opts.scheduleIntervalMs === undefined ? {} : { scheduleIntervalMs: opts.scheduleIntervalMs }),
    ...(opts.minScheduleIntervalMs === undefined ? {} : { minScheduleIntervalMs: opts.minScheduleIntervalMs }),
    logSchedules: opts.logSchedules === true,
    ...workflowLog,
  });
  await eventBridge.start();
  // S3 event notifications of the template's buckets, delivered by the runtime from the store's change hook.
  const s3Notifications = new S3Notifications({
    buckets: model.buckets,
    invokeAsync: invoke,
    sqs: services.sqs.client,
    publish: (bus, event) => eventBridge.publish(bus, event),
    principalFor: supplierPrincipals(templateSupplierFiles(model)),
    verbose: opts.logNotifications === true,
    ...workflowLog,
  });
  const unhook = services.s3.onChange((change) => s3Notifications.handle(change));
  return { stepFunctions, eventBridge, s3Notifications, unhook };
}

export interface Functions {
  readonly lambda: LambdaRuntime;
  /** Invoke a function by logical id (with the onInvoke observer, if any). */
  readonly invoke: InvokeFn;
  /** Called after every invocation ends (the stream pollers' wake-up: handlers write tables only while invoked). */
  readonly afterInvoke: Set<() => void>;
  readonly logsDir: string;
}

function environmentFor(opts: LocalRuntimeOptions, services: Services, secrets: SecretsServer, workflow: Workflow, repoRoot: string): (fn: FunctionSpec) => Record<string, string> {
  return (fn) => ({
    ...lambdaBaseEnvironment(fn, repoRoot),
    ...fn.environment,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: services.ddbEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ENDPOINT_URL_SQS: services.sqs.endpoint,
    AWS_ENDPOINT_URL_SFN: workflow.stepFunctions.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: workflow.eventBridge.endpoint,
    AWS_ENDPOINT_URL_S3: services.s3.endpoint,
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    ...opts.functionEnv,
    ...opts.functionEnvironment?.(fn.logicalId),
  });
}

/** One log file per function in `<dataDir>/logs` (and the console with echoFunctionLogs). */
function functionLogs(opts: LocalRuntimeOptions, logsDir: string, cleanups: Cleanups, log: (line: string) => void): (fn: FunctionSpec, line: string) => void {
  const logFiles = new Map<string, WriteStream>();
  cleanups.add(async () => {
    await Promise.all([...logFiles.values()].map((s) => new Promise<void>((resolve) => s.end(() => resolve()))));
  });
  const echo = opts.echoFunctionLogs === true && opts.quiet !== true;
  return (fn, line) => {
    let file = logFiles.get(fn.logicalId);
    if (file === undefined) {
      file = createWriteStream(path.join(logsDir, `${displayName(fn.logicalId)}.log`), { flags: 'a' });
      logFiles.set(fn.logicalId, file);
    }
    file.write(`${line}\n`);
    if (echo) log(`  [${displayName(fn.logicalId)}] ${line}`);
  };
}

export async function startFunctions(
  opts: LocalRuntimeOptions,
  ctx: { services: Services; secrets: SecretsServer; workflow: Workflow; model: LocalModel; dataDir: string; repoRoot: string },
  cleanups: Cleanups,
  log: (line: string) => void,
): Promise<Functions> {
  const logsDir = path.join(ctx.dataDir, 'logs');
  await mkdir(logsDir, { recursive: true });
  const toFile = functionLogs(opts, logsDir, cleanups, log);
  const progress = feedProgressSubscription(ctx.services.s3);
  const lambda = new LambdaRuntime({
    functions: withBundles(ctx.model.functions, ctx.repoRoot),
    environmentFor: environmentFor(opts, ctx.services, ctx.secrets, ctx.workflow, ctx.repoRoot),
    ...(opts.workersPerFunction === undefined ? {} : { workersPerFunction: opts.workersPerFunction }),
    // Compiled code of the bundles and their @aws-sdk imports, kept across workers and starts (git-ignored).
    cacheDir: path.join(ctx.repoRoot, '.cache'),
    logSink: (fn, _stream, line) => {
      toFile(fn, line);
      progress(line);
    },
  });
  cleanups.add(() => lambda.stop());
  const onInvoke = opts.onInvoke;
  const afterInvoke = new Set<() => void>();
  const invoke: InvokeFn = async (fn, event) => {
    const result = await lambda.invoke(fn, event);
    for (const listener of afterInvoke) listener();
    try {
      onInvoke?.(fn, event, result);
    } catch {
      // an observer never changes the invocation
    }
    return result;
  };
  return { lambda, invoke, afterInvoke, logsDir };
}

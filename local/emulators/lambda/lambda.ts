/**
 * Local Lambda: each function of the template runs its bundle (`index.mjs` of the code asset the template
 * names: the artifact `cdk deploy` ships, see bundles.ts) in its OWN worker thread,
 * with its own process.env (the template's resolved Environment.Variables plus the local endpoints),
 * exactly like a separate Lambda container. Workers start lazily on the first invoke (that is the cold
 * start) and are reused. A handler that throws, times out (the template's Timeout) or crashes its
 * worker gives the caller a Lambda error result, never an exception.
 *
 * Differences from AWS worth knowing: one worker serves concurrent invocations of its function
 * (AWS would start more containers), and memory size is not enforced.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { transformSync } from 'esbuild';
import { localFunctionArn } from '../../template/local-ids';
import type { FunctionSpec } from '../../template/functions';
import { bundleModule } from './bundles';
import type { InvokeMessage, LambdaErrorPayload, WorkerInit, WorkerMessage } from './worker';

export type { LambdaErrorPayload } from './worker';

export type InvokeResult =
  | { readonly ok: true; readonly value: unknown; readonly requestId: string; readonly durationMs: number; readonly coldStart: boolean }
  | {
      readonly ok: false;
      readonly error: LambdaErrorPayload;
      readonly requestId: string;
      readonly durationMs: number;
      readonly coldStart: boolean;
    };

/** One line of a function's output (console/Powertools logs), tagged with its function. */
export type LogSink = (fn: FunctionSpec, stream: 'stdout' | 'stderr', line: string) => void;

export interface LambdaRuntimeOptions {
  readonly functions: readonly FunctionSpec[];
  /** The complete process.env of a function's worker. */
  readonly environmentFor: (fn: FunctionSpec) => Record<string, string>;
  readonly logSink?: LogSink;
  /** Workers per function (default 1; invocations go to the least busy one). */
  readonly workersPerFunction?: number;
  /**
   * A cache directory (the repo's git-ignored `.cache`): the workers keep V8's compiled code of the bundles
   * and their `@aws-sdk/*` imports in `<cacheDir>/node-compile-cache`, and start from a JavaScript copy of
   * worker.ts (`<cacheDir>/lambda-worker/`), so no worker loads Node's TypeScript stripper. None: neither.
   */
  readonly cacheDir?: string;
}

interface Pending {
  readonly resolve: (r: InvokeResult) => void;
  readonly requestId: string;
  readonly started: number;
  readonly coldStart: boolean;
  readonly timer: NodeJS.Timeout;
}

interface WorkerHandle {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly inflight: Map<number, Pending>;
  state: 'starting' | 'ready' | 'dead';
  retired: boolean;
  initError?: LambdaErrorPayload;
}

/** The worker module, loaded by Node itself (type stripping; no tsx in the worker, the bundles are JavaScript). */
const WORKER_MODULE = new URL('./worker.ts', import.meta.url);

/**
 * worker.ts as JavaScript in `<cacheDir>/lambda-worker/<hash>.mjs` (esbuild, once per content): loading
 * the .ts itself costs every worker ~100 ms of CPU to load Node's type stripper. The worker imports node
 * builtins only, so the copy runs from anywhere.
 */
function workerModule(cacheDir: string | undefined): URL {
  if (cacheDir === undefined) return WORKER_MODULE;
  const source = readFileSync(WORKER_MODULE, 'utf8');
  const file = path.join(cacheDir, 'lambda-worker', `${createHash('sha256').update(source).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, transformSync(source, { loader: 'ts', format: 'esm', target: 'node22' }).code);
    renameSync(tmp, file);
  }
  return pathToFileURL(file);
}

export class LambdaRuntime {
  private readonly functions = new Map<string, FunctionSpec>();
  private readonly pools = new Map<string, WorkerHandle[]>();
  private nextId = 1;
  private stopped = false;
  private readonly workerUrl: URL;

  constructor(private readonly options: LambdaRuntimeOptions) {
    for (const fn of options.functions) this.functions.set(fn.logicalId, fn);
    this.workerUrl = workerModule(options.cacheDir);
  }

  get functionSpecs(): readonly FunctionSpec[] {
    return [...this.functions.values()];
  }

  /** Start the workers of these functions now (default all) instead of on their first invoke. */
  async warm(logicalIds: readonly string[] = [...this.functions.keys()]): Promise<void> {
    await Promise.all(
      logicalIds.map(async (id) => {
        if (this.stopped) return; // a background warm-up outliving stop() starts nothing
        const handle = this.pick(id);
        await handle.ready.catch(() => undefined);
      }),
    );
  }

  /** Invoke a function synchronously (RequestResponse). Never throws for handler failures. */
  async invoke(logicalId: string, event: unknown): Promise<InvokeResult> {
    const fn = this.functions.get(logicalId);
    if (fn === undefined) throw new Error(`No local function ${logicalId}`);
    if (this.stopped) throw new Error('The local Lambda runtime is stopped');
    const handle = this.pick(logicalId);
    const coldStart = handle.state === 'starting';
    const requestId = randomUUID();
    const started = performance.now();
    const failure = (error: LambdaErrorPayload): InvokeResult => ({
      ok: false,
      error,
      requestId,
      durationMs: performance.now() - started,
      coldStart,
    });
    try {
      await handle.ready;
    } catch {
      return failure(handle.initError ?? { errorType: 'Runtime.Unknown', errorMessage: 'worker failed to start', trace: [] });
    }
    if (handle.state === 'dead') {
      return failure({ errorType: 'Runtime.ExitError', errorMessage: 'RequestId: worker exited before the invoke', trace: [] });
    }
    const timeoutMs = fn.timeoutSeconds * 1000;
    const id = this.nextId++;
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        if (!handle.inflight.delete(id)) return;
        resolve(
          failure({
            errorType: 'Sandbox.Timedout',
            errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          }),
        );
        // Like Lambda, a timed-out container is not reused.
        this.retire(logicalId, handle);
      }, timeoutMs);
      handle.inflight.set(id, { resolve, requestId, started, coldStart, timer });
      const message: InvokeMessage = { type: 'invoke', id, requestId, deadline: Date.now() + timeoutMs, event };
      try {
        handle.worker.postMessage(message);
      } catch (error) {
        clearTimeout(timer);
        handle.inflight.delete(id);
        resolve(failure({ errorType: 'Runtime.MarshalError', errorMessage: `event could not be sent: ${String(error)}`, trace: [] }));
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.pools.values()].flat();
    this.pools.clear();
    await Promise.all(all.map((h) => this.kill(h, 'the local runtime stopped')));
  }

  private pick(logicalId: string): WorkerHandle {
    const pool = (this.pools.get(logicalId) ?? []).filter((h) => h.state !== 'dead' && !h.retired);
    this.pools.set(logicalId, pool);
    const max = Math.max(1, this.options.workersPerFunction ?? 1);
    const idle = pool.find((h) => h.inflight.size === 0);
    if (idle !== undefined) return idle;
    if (pool.length < max) {
      const handle = this.spawn(logicalId);
      pool.push(handle);
      return handle;
    }
    return pool.reduce((a, b) => (b.inflight.size < a.inflight.size ? b : a));
  }

  /** A worker thread for a function, its stdout/stderr lines going to the log sink. */
  private startWorker(fn: FunctionSpec): Worker {
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const init: WorkerInit = {
      modulePath: bundleModule(fn),
      handlerExport: fn.handlerExport,
      functionName: fn.functionName,
      functionArn: localFunctionArn(fn.functionName),
      memoryMb: fn.memoryMb,
      logGroupName: `/aws/lambda/${fn.functionName}`,
      logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
      ...(this.options.cacheDir === undefined ? {} : { compileCacheDir: path.join(this.options.cacheDir, 'node-compile-cache') }),
    };
    const env = this.options.environmentFor(fn);
    const worker = new Worker(this.workerUrl, {
      workerData: init,
      // Not the parent's execArgv (tsx's --import): the Lambda runtime's NODE_OPTIONS of the template do apply.
      execArgv: nodeOptionsOf(env),
      env,
      stdout: true,
      stderr: true,
      name: fn.functionName,
    });
    const sink = this.options.logSink;
    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = createInterface({ input: worker[stream], crlfDelay: Infinity });
      lines.on('line', (line) => sink?.(fn, stream, line));
    }
    return worker;
  }

  private spawn(logicalId: string): WorkerHandle {
    const fn = this.functions.get(logicalId);
    if (fn === undefined) throw new Error(`No local function ${logicalId}`);
    const worker = this.startWorker(fn);
    let markReady: () => void = () => undefined;
    let markFailed: (e: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    ready.catch(() => undefined);
    const handle: WorkerHandle = { worker, ready, inflight: new Map(), state: 'starting', retired: false };
    worker.on('message', (message: WorkerMessage) => this.onMessage(handle, message, markReady, markFailed));
    const onDeath = (reason: LambdaErrorPayload): void => this.onDeath(handle, reason, markFailed);
    worker.on('error', (error) => {
      const payload: LambdaErrorPayload = {
        errorType: 'Runtime.ExitError',
        errorMessage: `worker crashed: ${error.message}`,
        trace: (error.stack ?? '').split('\n'),
      };
      this.options.logSink?.(fn, 'stderr', `RUNTIME_ERROR\t${JSON.stringify(payload)}`);
      onDeath(payload);
    });
    worker.on('exit', (code) => {
      onDeath({ errorType: 'Runtime.ExitError', errorMessage: `worker exited with code ${code}`, trace: [] });
    });
    return handle;
  }

  private onMessage(handle: WorkerHandle, message: WorkerMessage, markReady: () => void, markFailed: (e: Error) => void): void {
    switch (message.type) {
      case 'ready':
        handle.state = 'ready';
        markReady();
        return;
      case 'init-error':
        handle.initError = message.error;
        handle.state = 'dead';
        markFailed(new Error(message.error.errorMessage));
        void handle.worker.terminate();
        return;
      case 'result': {
        const pending = handle.inflight.get(message.id);
        if (pending === undefined) return;
        handle.inflight.delete(message.id);
        clearTimeout(pending.timer);
        const base = { requestId: pending.requestId, durationMs: performance.now() - pending.started, coldStart: pending.coldStart };
        pending.resolve(message.ok ? { ok: true, value: JSON.parse(message.json) as unknown, ...base } : { ok: false, error: message.error, ...base });
        if (handle.retired && handle.inflight.size === 0) void this.kill(handle, 'retired');
        return;
      }
    }
  }

  /** The worker crashed or exited: every invocation in flight fails with the reason. */
  private onDeath(handle: WorkerHandle, reason: LambdaErrorPayload, markFailed: (e: Error) => void): void {
    if (handle.state === 'dead' && handle.inflight.size === 0) return;
    handle.state = 'dead';
    handle.initError ??= reason;
    markFailed(new Error(reason.errorMessage));
    for (const [id, pending] of handle.inflight) {
      clearTimeout(pending.timer);
      handle.inflight.delete(id);
      pending.resolve({ ok: false, error: reason, requestId: pending.requestId, durationMs: performance.now() - pending.started, coldStart: pending.coldStart });
    }
  }

  private retire(logicalId: string, handle: WorkerHandle): void {
    handle.retired = true;
    const pool = this.pools.get(logicalId);
    if (pool !== undefined) this.pools.set(logicalId, pool.filter((h) => h !== handle));
    if (handle.inflight.size === 0) void this.kill(handle, 'timed out');
  }

  private async kill(handle: WorkerHandle, why: string): Promise<void> {
    for (const [id, pending] of handle.inflight) {
      clearTimeout(pending.timer);
      handle.inflight.delete(id);
      pending.resolve({
        ok: false,
        error: { errorType: 'Runtime.ExitError', errorMessage: `worker stopped: ${why}`, trace: [] },
        requestId: pending.requestId,
        durationMs: performance.now() - pending.started,
        coldStart: pending.coldStart,
      });
    }
    handle.state = 'dead';
    await handle.worker.terminate().catch(() => undefined);
  }
}

/** The flags of NODE_OPTIONS a worker thread accepts (the template sets `--enable-source-maps`). */
function nodeOptionsOf(env: Record<string, string>): string[] {
  const flags = (env['NODE_OPTIONS'] ?? '').split(/\s+/).filter((flag) => flag === '--enable-source-maps');
  // Profiling (bench/profile-intake.ts): LOCAL_LAMBDA_CPU_PROF_DIR in the runtime's own environment makes every
  // worker write a V8 CPU profile there when it exits.
  const profileDir = process.env['LOCAL_LAMBDA_CPU_PROF_DIR'];
  const profiling = profileDir === undefined || profileDir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=200'];
  // The bundles are .mjs and @aws-sdk/* is CommonJS: no module-syntax detection (it compiles every file twice).
  return [...flags, ...profiling, '--no-experimental-detect-module'];
}

/** The Lambda-provided part of a function's environment (names as in the Node.js managed runtime). */
export function lambdaBaseEnvironment(fn: FunctionSpec, repoRoot: string): Record<string, string> {
  return {
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: fn.codeDir ?? repoRoot,
    _HANDLER: `index.${fn.handlerExport}`,
  };
}

/**
 * Inside one worker thread = one local "Lambda container": imports the function's bundle (`index.mjs`, the
 * deployed artifact) once (cold start), then runs invocations sent by local/emulators/lambda/lambda.ts with
 * a Lambda-shaped context. process.env of this thread is the function's own environment (template variables
 * + local endpoints).
 *
 * This file is loaded by Node itself (type stripping, no tsx): it may import only node builtins and types.
 */
import { enableCompileCache, flushCompileCache } from 'node:module';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

export interface WorkerInit {
  /** Absolute path of the function's bundle (`<asset dir>/index.mjs`). */
  readonly modulePath: string;
  readonly handlerExport: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /**
   * V8 code cache directory (node:module enableCompileCache): the bundle and the `@aws-sdk/*` modules it
   * imports are compiled once per machine instead of once per worker and start.
   */
  readonly compileCacheDir?: string;
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly requestId: string;
  readonly deadline: number;
  readonly event: unknown;
}

export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export type WorkerMessage =
  | { readonly type: 'ready'; readonly initMs: number }
  | { readonly type: 'init-error'; readonly error: LambdaErrorPayload }
  /** `json`: the handler's result as Lambda serializes it (the parent parses it: one copy of a string, no object clone). */
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly json: string }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: LambdaErrorPayload };

type Callback = (error?: unknown, result?: unknown) => void;
type Handler = (event: unknown, context: Context, callback: Callback) => unknown;

export function toLambdaError(error: unknown, fallbackType = 'Error'): LambdaErrorPayload {
  if (error instanceof Error) {
    return {
      errorType: error.name === '' ? fallbackType : error.name,
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: fallbackType, errorMessage: typeof error === 'string' ? error : JSON.stringify(error) ?? 'undefined', trace: [] };
}

function isHandler(value: unknown): value is Handler {
  return typeof value === 'function';
}

/** Import the handler module (cold start); undefined after reporting an init error. */
async function loadHandler(port: MessagePort, init: WorkerInit): Promise<Handler | undefined> {
  try {
    const mod = (await import(pathToFileURL(init.modulePath).href)) as Record<string, unknown>;
    const candidate = mod[init.handlerExport] ?? (mod['default'] as Record<string, unknown> | undefined)?.[init.handlerExport];
    if (!isHandler(candidate)) {
      throw Object.assign(new Error(`${init.modulePath} does not export a function named "${init.handlerExport}"`), {
        name: 'Runtime.HandlerNotFound',
      });
    }
    return candidate;
  } catch (error) {
    const payload = toLambdaError(error, 'Runtime.ImportModuleError');
    console.error(`INIT_ERROR\t${JSON.stringify(payload)}`);
    port.postMessage({ type: 'init-error', error: payload } satisfies WorkerMessage);
    return undefined;
  }
}

function contextFor(init: WorkerInit, message: InvokeMessage): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: init.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: init.functionArn,
    memoryLimitInMB: String(init.memoryMb),
    awsRequestId: message.requestId,
    logGroupName: init.logGroupName,
    logStreamName: init.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Callback-style handlers (3 parameters) and async handlers both work, as in the Node.js runtime. */
function callHandler(handler: Handler, event: unknown, context: Context): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const callback: Callback = (error, result) => (error === undefined || error === null ? resolve(result) : reject(error));
    try {
      const returned = handler(event, context, callback);
      if (handler.length < 3 || (returned !== undefined && typeof (returned as Promise<unknown>).then === 'function')) {
        Promise.resolve(returned).then(resolve, reject);
      }
    } catch (error) {
      reject(error);
    }
  });
}

function invoke(port: MessagePort, init: WorkerInit, handler: Handler, message: InvokeMessage): void {
  const reply = (msg: WorkerMessage): void => {
    try {
      port.postMessage(msg);
    } catch (error) {
      port.postMessage({ type: 'result', id: message.id, ok: false, error: toLambdaError(error, 'Runtime.MarshalError') } satisfies WorkerMessage);
    }
  };
  callHandler(handler, message.event, contextFor(init, message)).then(
    (value) => {
      // Lambda serializes the result to JSON: do the same so local behaviour matches (Dates, undefined, ...).
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (error) {
        reply({ type: 'result', id: message.id, ok: false, error: toLambdaError(error, 'Runtime.MarshalError') });
        return;
      }
      reply({ type: 'result', id: message.id, ok: true, json: json ?? 'null' });
    },
    (error: unknown) => {
      const payload = toLambdaError(error);
      console.error(`${new Date().toISOString()}\t${message.requestId}\tERROR\tInvoke Error \t${JSON.stringify(payload)}`);
      reply({ type: 'result', id: message.id, ok: false, error: payload });
    },
  );
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('the Lambda worker must run in a worker thread');
  const init = workerData as WorkerInit;
  const started = performance.now();
  if (init.compileCacheDir !== undefined) enableCompileCache(init.compileCacheDir);
  const handler = await loadHandler(port, init);
  if (handler === undefined) return;
  if (init.compileCacheDir !== undefined) flushCompileCache();
  port.postMessage({ type: 'ready', initMs: performance.now() - started } satisfies WorkerMessage);
  port.on('message', (message: InvokeMessage) => {
    if (message.type === 'invoke') invoke(port, init, handler, message);
  });
}

await main();

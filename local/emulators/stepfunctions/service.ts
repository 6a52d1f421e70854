/**
 * Local Step Functions: the template's state machines run by a real ASL interpreter
 * (aws-local-stepfunctions), behind a stand-in of the Step Functions API on 127.0.0.1 (AWS JSON 1.0,
 * `X-Amz-Target: AWSStepFunctions.<Operation>`). Handlers reach it through `AWS_ENDPOINT_URL_SFN`.
 *
 * Operations: StartExecution (name uniqueness as in AWS for Standard workflows: same name + same input
 * while RUNNING returns the running execution; otherwise ExecutionAlreadyExists), DescribeExecution,
 * ListExecutions, GetExecutionHistory (AWS history event types), StopExecution, RedriveExecution,
 * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat (InvalidToken, TaskDoesNotExist, TaskTimedOut,
 * InvalidOutput as AWS), DescribeStateMachine, ListStateMachines, DescribeStateMachineForExecution.
 *
 * Tasks: every Lambda task (direct function ARN, or `arn:aws:states:::lambda:invoke[.waitForTaskToken]`
 * with FunctionName) invokes the function's local worker. For `.waitForTaskToken` a token is minted per
 * task (the interpreter has one `$$.Task.Token` per execution), put where the definition has
 * `$$.Task.Token`, and the task waits for SendTaskSuccess (output = parsed JSON) / SendTaskFailure (error
 * name = error, cause) / its timeout (States.Timeout) / heartbeat timeout (States.HeartbeatTimeout).
 * Task timeouts are enforced here (see local/asl.ts).
 *
 * Local time: `timeScale` multiplies every callback wait (TimeoutSeconds / TimeoutSecondsPath /
 * HeartbeatSeconds of `.waitForTaskToken` tasks), Wait states with Seconds, and the execution timeout;
 * `retryScale` multiplies Retry intervals. A synchronous task's TimeoutSeconds is not scaled. Per
 * execution, `POST /_local/overrides {executionName|executionArn, timeScale?, stateTimeoutSeconds?}`
 * (local-only, for tests and demos) changes the scale or pins a state's timeout; waiting tasks are
 * re-timed at once.
 *
 * Persistence: with a data directory, executions (metadata + history) are appended to
 * `<dataDir>/stepfunctions.ndjson` (compacted at start). On restart, executions that were RUNNING are
 * run again from the beginning with the same input (history: ExecutionRedriven): the order workflow is
 * re-entrant from the order's stored state. Task tokens from before a restart answer TaskDoesNotExist.
 * RedriveExecution also re-runs from the beginning (AWS resumes at the failed state; for a re-entrant
 * workflow the outcome is the same).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import { functionNameOf, prepareDefinition, TASK_TOKEN_PLACEHOLDER, unwrapLocal, withTaskToken, type PreparedDefinition, type TaskInfo } from './asl';
import { AwsError, startJsonServer, type JsonServer } from '../aws-json-server';
import { longTimeout, type Cancellable } from '../clock';
import type { InvokeResult } from '../lambda/lambda';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION } from '../../template/resolve';
import type { StateMachineSpec } from '../../template/workflows';
import { isRecord } from '../../../functions/core/kernel/guards';

// Node 20 has no Promise.withResolvers (Node 22+); aws-local-stepfunctions 3 uses it for task timeouts.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: <T>() => {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JsonValue = Parameters<LocalHandlers[string]>[0];

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  /** Epoch seconds (what the AWS JSON protocol carries). */
  readonly timestamp: number;
  readonly type: string;
  readonly id: number;
  readonly previousEventId: number;
  readonly [details: string]: unknown;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** Epoch ms. */
  startDate: number;
  stopDate?: number | undefined;
  input: string;
  output?: string | undefined;
  error?: string | undefined;
  cause?: string | undefined;
  redriveCount: number;
  redriveDate?: number | undefined;
}

export interface ExecutionOverrides {
  timeScale?: number;
  stateTimeoutSeconds?: Record<string, number>;
}

interface Execution {
  readonly record: ExecutionRecord;
  readonly history: HistoryEvent[];
  runId: number;
  abort?: (() => void) | undefined;
  timeout?: Cancellable | undefined;
  overrides: ExecutionOverrides;
}

interface PendingTask {
  readonly token: string;
  readonly exec: Execution;
  readonly runId: number;
  readonly task: TaskInfo;
  readonly resourceType: string;
  readonly resource: string;
  readonly startedAt: number;
  readonly timeoutRaw?: number | undefined;
  readonly heartbeatRaw?: number | undefined;
  lastHeartbeat: number;
  status: 'pending' | 'closed';
  submitted: boolean;
  deferred?: (() => void) | undefined;
  timers: Cancellable[];
  resolve(value: JsonValue): void;
  reject(error: Error): void;
}

export type Invoke = (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;

export interface StepFunctionsOptions {
  readonly machines: readonly StateMachineSpec[];
  /** Local function name -> logical id (what task ARNs name). */
  readonly functionsByName: ReadonlyMap<string, string>;
  readonly invoke: Invoke;
  /** Persist executions here (undefined: in memory only). */
  readonly dataDir?: string;
  /** Multiplier of callback waits, Wait states and execution timeouts. @default 1 */
  readonly timeScale?: number;
  /** Multiplier of Retry intervals. @default max(timeScale, 0.05) */
  readonly retryScale?: number;
  readonly port?: number;
  readonly log?: (line: string) => void;
}

const TERMINAL: ReadonlySet<ExecutionStatus> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
const TOKEN_PREFIX = 'local1.';
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;


function str(input: Record<string, unknown>, key: string, required = true): string {
  const value = input[key];
  if (typeof value === 'string' && value !== '') return value;
  if (!required && value === undefined) return '';
  throw new AwsError('ValidationException', `1 validation error detected: Value at '${key}' failed to satisfy constraint: Member must not be null`);
}

/** Epoch seconds with ms precision (AWS JSON timestamps). */
function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** Number of states entered (= Standard-workflow state transitions billed) in a history. */
export function countTransitions(events: readonly { readonly type?: string | undefined }[]): number {
  return events.filter((e) => e.type?.endsWith('StateEntered') === true).length;
}

function lambdaError(result: Extract<InvokeResult, { ok: false }>): Error {
  const error = new Error(JSON.stringify({ errorType: result.error.errorType, errorMessage: result.error.errorMessage, trace: result.error.trace }));
  error.name = result.error.errorType;
  return error;
}

/**
 * Ends a task of a run that no longer counts (stopped, timed out, superseded by a restart): neither
 * retryable nor catchable for the interpreter, so the run unwinds at once and its timers are cleared.
 */
class RunAbandonedError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor() {
    super('The local execution run was stopped');
    this.name = 'LocalRunAbandoned';
  }
}

function namedError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

export class LocalStepFunctions {
  private readonly machines = new Map<string, { spec: StateMachineSpec; prepared: PreparedDefinition; interpreter: StateMachine }>();
  private readonly executions = new Map<string, Execution>();
  private readonly tasks = new Map<string, PendingTask>();
  private readonly pendingOverrides = new Map<string, ExecutionOverrides>();
  private server?: JsonServer;
  private journal?: WriteStream | undefined;
  private stopped = false;
  readonly warnings: string[] = [];
  private readonly timeScale: number;
  private readonly retryScale: number;

  constructor(private readonly opts: StepFunctionsOptions) {
    this.timeScale = opts.timeScale ?? 1;
    this.retryScale = opts.retryScale ?? Math.max(this.timeScale, 0.05);
    for (const spec of opts.machines) {
      const prepared = prepareDefinition(spec.definition, opts.functionsByName);
      this.warnings.push(...prepared.warnings.map((w) => `${spec.name}: ${w}`));
      const interpreter = new StateMachine(prepared.definition as unknown as ConstructorParameters<typeof StateMachine>[0], {
        validationOptions: { checkArn: false, checkPaths: false },
      });
      this.machines.set(spec.arn, { spec, prepared, interpreter });
    }
  }

  get endpoint(): string {
    if (this.server === undefined) throw new Error('Local Step Functions not started');
    return this.server.endpoint;
  }

  get stateMachineArns(): readonly string[] {
    return [...this.machines.keys()];
  }

  private get journalFile(): string | undefined {
    return this.opts.dataDir === undefined ? undefined : path.join(this.opts.dataDir, 'stepfunctions.ndjson');
  }

  /** Load persisted executions, start the API server. Call resume() once the functions can run. */
  async start(): Promise<string> {
    await this.load();
    this.server = await startJsonServer({
      targetPrefix: 'AWSStepFunctions',
      jsonVersion: '1.0',
      what: 'Step Functions',
      port: this.opts.port ?? 0,
      handle: async (op, input) => this.handle(op, input),
      local: (method, url, body) => this.localRoute(method, url, body),
    });
    return this.server.endpoint;
  }

  /** Run again every execution that was RUNNING when the previous runtime stopped. */
  resume(): number {
    let n = 0;
    for (const exec of this.executions.values()) {
      if (exec.record.status !== 'RUNNING' || exec.abort !== undefined) continue;
      exec.record.redriveCount++;
      exec.record.redriveDate = Date.now();
      this.persistRecord(exec);
      this.addEvent(exec, 'ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: exec.record.redriveCount } });
      this.run(exec);
      n++;
    }
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const exec of this.executions.values()) {
      exec.timeout?.cancel();
      // Abort the interpreter run but keep the status: a RUNNING execution is resumed by the next start.
      exec.runId++;
      exec.abort?.();
      exec.abort = undefined;
    }
    for (const task of this.tasks.values()) this.abandonTask(task);
    await this.server?.stop();
    const journal = this.journal;
    this.journal = undefined;
    if (journal !== undefined) await new Promise<void>((resolve) => journal.end(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------------
  // Programmatic access (runtime, tests, CLI in-process)

  describe(executionArn: string): ExecutionRecord | undefined {
    return this.executions.get(executionArn)?.record;
  }

  history(executionArn: string): readonly HistoryEvent[] {
    return this.executions.get(executionArn)?.history ?? [];
  }

  list(): readonly ExecutionRecord[] {
    return [...this.executions.values()].map((e) => e.record);
  }

  setOverrides(ref: { executionArn?: string; executionName?: string }, overrides: ExecutionOverrides): boolean {
    const exec =
      (ref.executionArn === undefined ? undefined : this.executions.get(ref.executionArn)) ??
      [...this.executions.values()].find((e) => e.record.name === ref.executionName);
    if (exec === undefined) {
      if (ref.executionName === undefined) return false;
      this.pendingOverrides.set(ref.executionName, { ...this.pendingOverrides.get(ref.executionName), ...overrides });
      return true;
    }
    exec.overrides = {
      ...exec.overrides,
      ...overrides,
      stateTimeoutSeconds: { ...exec.overrides.stateTimeoutSeconds, ...overrides.stateTimeoutSeconds },
    };
    for (const task of this.tasks.values()) if (task.exec === exec && task.status === 'pending') this.armTimers(task);
    return true;
  }

  // -------------------------------------------------------------------------------------------------
  // Persistence

  private async load(): Promise<void> {
    const file = this.journalFile;
    if (file === undefined) return;
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        continue; // a torn last line after a crash
      }
      if (!isRecord(entry)) continue;
      if (isRecord(entry['x'])) {
        const rec = entry['x'] as unknown as ExecutionRecord;
        const existing = this.executions.get(rec.executionArn);
        if (existing === undefined) this.executions.set(rec.executionArn, { record: { ...rec }, history: [], runId: 0, overrides: {} });
        else Object.assign(existing.record, rec);
      } else if (typeof entry['h'] === 'string' && isRecord(entry['e'])) {
        this.executions.get(entry['h'])?.history.push(entry['e'] as unknown as HistoryEvent);
      }
    }
    // Executions of state machines no longer in the template cannot run again: they stay as they were.
    const lines: string[] = [];
    for (const exec of this.executions.values()) {
      lines.push(JSON.stringify({ x: exec.record }));
      for (const e of exec.history) lines.push(JSON.stringify({ h: exec.record.executionArn, e }));
    }
    await writeFile(`${file}.tmp`, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    await rename(`${file}.tmp`, file);
    this.journal = createWriteStream(file, { flags: 'a' });
  }

  private persistRecord(exec: Execution): void {
    this.journal?.write(`${JSON.stringify({ x: exec.record })}\n`);
  }

  private addEvent(exec: Execution, type: string, details: Record<string, unknown> = {}): void {
    const id = exec.history.length + 1;
    const event: HistoryEvent = { timestamp: seconds(Date.now()), type, id, previousEventId: id - 1, ...details };
    exec.history.push(event);
    this.journal?.write(`${JSON.stringify({ h: exec.record.executionArn, e: event })}\n`);
  }

  // -------------------------------------------------------------------------------------------------
  // Runs

  private executionArn(machine: StateMachineSpec, name: string): string {
    return `arn:${LOCAL_PARTITION}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machine.name}:${name}`;
  }

  private scaleOf(exec: Execution): number {
    return exec.overrides.timeScale ?? this.timeScale;
  }

  private run(exec: Execution): void {
    const machine = this.machines.get(exec.record.stateMachineArn);
    if (machine === undefined) return;
    exec.runId++;
    const runId = exec.runId;
    const { prepared, interpreter, spec } = machine;
    const scale = this.scaleOf(exec);
    const handlers: LocalHandlers = {};
    for (const task of prepared.tasks.values()) handlers[task.stateName] = (input) => this.runTask(exec, runId, task, input);
    const waitTimeOverrides: Record<string, number> = {};
    for (const [name, secs] of prepared.waitSeconds) waitTimeOverrides[name] = Math.round(secs * 1000 * scale);
    const retryIntervalOverrides: Record<string, number[]> = {};
    for (const [name, intervals] of prepared.retryIntervals) retryIntervalOverrides[name] = intervals.map((s) => Math.round(s * 1000 * this.retryScale));
    const execution = interpreter.run(JSON.parse(exec.record.input) as JsonValue, {
      overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides, retryIntervalOverrides },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: exec.record.executionArn,
          Name: exec.record.name,
          RoleArn: spec.roleArn ?? '',
          RedriveCount: exec.record.redriveCount,
        },
        StateMachine: { Id: spec.arn, Name: spec.name },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    });
    exec.abort = execution.abort;
    void this.consume(exec, runId, execution.eventLogs as unknown as AsyncIterable<Record<string, unknown>>);
    if (prepared.timeoutSeconds !== undefined) {
      exec.timeout?.cancel();
      exec.timeout = longTimeout(() => {
        if (exec.runId !== runId || exec.record.status !== 'RUNNING') return;
        this.finish(exec, runId, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution timed out (state machine TimeoutSeconds).' });
        exec.abort?.();
      }, (prepared.timeoutSeconds ?? 0) * 1000 * scale);
    }
    // The final event comes from the interpreter's event log (after every state event); the result
    // promise is the fallback for failures that produce no event (e.g. an invalid definition).
    const fallback = (status: ExecutionStatus, result: { output?: string; error?: string; cause?: string }): void => {
      setTimeout(() => {
        if (exec.runId !== runId || exec.record.status !== 'RUNNING' || exec.abort === undefined) return;
        this.finish(exec, runId, status, result);
      }, 200).unref();
    };
    execution.result.then(
      (output) => fallback('SUCCEEDED', { output: JSON.stringify(output) }),
      (error: unknown) => {
        const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        fallback('FAILED', { error: inner instanceof Error ? inner.name : 'States.Runtime', cause: inner instanceof Error ? inner.message : String(inner) });
      },
    );
  }

  private finish(exec: Execution, runId: number, status: ExecutionStatus, result: { output?: string; error?: string; cause?: string }): void {
    if (exec.runId !== runId) return;
    exec.record.status = status;
    exec.record.stopDate = Date.now();
    exec.record.output = result.output;
    exec.record.error = result.error;
    exec.record.cause = result.cause;
    exec.timeout?.cancel();
    exec.abort = undefined;
    const event =
      status === 'SUCCEEDED'
        ? ['ExecutionSucceeded', { executionSucceededEventDetails: { output: result.output, outputDetails: { truncated: false } } }]
        : status === 'FAILED'
          ? ['ExecutionFailed', { executionFailedEventDetails: { error: result.error, cause: result.cause } }]
          : status === 'TIMED_OUT'
            ? ['ExecutionTimedOut', { executionTimedOutEventDetails: { error: result.error, cause: result.cause } }]
            : ['ExecutionAborted', { executionAbortedEventDetails: { error: result.error, cause: result.cause } }];
    this.addEvent(exec, event[0] as string, event[1] as Record<string, unknown>);
    this.persistRecord(exec);
    for (const [token, task] of this.tasks) {
      if (task.exec !== exec) continue;
      this.abandonTask(task);
      this.tasks.delete(token); // a late SendTask* answers TaskTimedOut (the execution is closed)
    }
    const took = ((exec.record.stopDate - exec.record.startDate) / 1000).toFixed(1);
    this.opts.log?.(
      `  [workflow] ${exec.record.name} ${status}${result.error === undefined ? '' : ` (${result.error})`} after ${took} s, ${countTransitions(exec.history)} transitions`,
    );
  }

  /** Interpreter events -> AWS history events. */
  private async consume(exec: Execution, runId: number, events: AsyncIterable<Record<string, unknown>>): Promise<void> {
    for await (const e of events) {
      if (exec.runId !== runId) continue;
      const state = isRecord(e['state']) ? e['state'] : undefined;
      const name = String(state?.['name'] ?? '');
      const stateType = String(state?.['type'] ?? '');
      switch (e['type']) {
        case 'ExecutionStarted':
          if (exec.record.redriveCount === 0 && exec.history.length === 0) {
            this.addEvent(exec, 'ExecutionStarted', {
              executionStartedEventDetails: {
                input: exec.record.input,
                inputDetails: { truncated: false },
                roleArn: this.machines.get(exec.record.stateMachineArn)?.spec.roleArn ?? '',
              },
            });
          }
          break;
        case 'StateEntered':
          this.addEvent(exec, `${stateType}StateEntered`, {
            stateEnteredEventDetails: { name, input: JSON.stringify(state?.['input'] ?? null), inputDetails: { truncated: false } },
          });
          if (stateType === 'Map') {
            const items = this.mapItems(exec, name, state?.['input']);
            this.addEvent(exec, 'MapStateStarted', { mapStateStartedEventDetails: { length: items } });
          }
          break;
        case 'StateExited':
          if (stateType === 'Map') this.addEvent(exec, 'MapStateSucceeded');
          this.addEvent(exec, `${stateType}StateExited`, {
            stateExitedEventDetails: { name, output: JSON.stringify(state?.['output'] ?? null), outputDetails: { truncated: false } },
          });
          break;
        case 'StateFailed':
          if (stateType === 'Map') this.addEvent(exec, 'MapStateFailed');
          break;
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed': {
          const parent = isRecord(e['parentState']) ? String(e['parentState']['name'] ?? '') : '';
          const key = `${String(e['type']).charAt(0).toLowerCase()}${String(e['type']).slice(1)}EventDetails`;
          this.addEvent(exec, String(e['type']), { [key]: { name: parent, index: e['index'] } });
          break;
        }
        case 'ExecutionSucceeded':
          if (exec.record.status === 'RUNNING' && exec.abort !== undefined) this.finish(exec, runId, 'SUCCEEDED', { output: JSON.stringify(e['output'] ?? null) });
          break;
        case 'ExecutionFailed':
          if (exec.record.status === 'RUNNING' && exec.abort !== undefined) {
            const cause = e['Cause'];
            this.finish(exec, runId, 'FAILED', { error: String(e['Error'] ?? 'States.Runtime'), cause: typeof cause === 'string' ? cause : JSON.stringify(cause ?? '') });
          }
          break;
        default:
          break; // aborts are recorded by StopExecution; retries and catches have no AWS event
      }
    }
  }

  private mapItems(exec: Execution, mapName: string, input: unknown): number {
    const machine = this.machines.get(exec.record.stateMachineArn);
    const find = (states: unknown): Record<string, unknown> | undefined => {
      if (!isRecord(states)) return undefined;
      for (const [n, s] of Object.entries(states)) {
        if (!isRecord(s)) continue;
        if (n === mapName) return s;
        const inner = isRecord(s['ItemProcessor']) ? s['ItemProcessor']['States'] : isRecord(s['Iterator']) ? s['Iterator']['States'] : undefined;
        const hit = find(inner);
        if (hit !== undefined) return hit;
      }
      return undefined;
    };
    const state = find(machine?.prepared.definition['States']);
    const itemsPath = typeof state?.['ItemsPath'] === 'string' ? state['ItemsPath'] : '$';
    let value: unknown = input;
    for (const part of itemsPath.replace(/^\$\.?/, '').split('.').filter((p) => p !== '')) value = isRecord(value) ? value[part] : undefined;
    return Array.isArray(value) ? value.length : 0;
  }

  // -------------------------------------------------------------------------------------------------
  // Tasks

  private functionFor(task: TaskInfo, effective: unknown): string {
    if (task.functionLogicalId !== undefined) return task.functionLogicalId;
    const fn = task.kind === 'lambda-invoke' && isRecord(effective) ? effective['FunctionName'] : task.staticFunction;
    const id = typeof fn === 'string' ? this.opts.functionsByName.get(functionNameOf(fn)) : undefined;
    if (id === undefined) {
      throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${String(fn)} (not one of the template's local functions)`);
    }
    return id;
  }

  private syncTimeoutMs(exec: Execution, task: TaskInfo, timeoutFromPath: number | undefined): number | undefined {
    const pinned = exec.overrides.stateTimeoutSeconds?.[task.stateName];
    if (pinned !== undefined) return pinned * 1000;
    const raw = timeoutFromPath ?? task.timeoutSeconds;
    return raw === undefined ? undefined : raw * 1000;
  }

  private async runTask(exec: Execution, runId: number, task: TaskInfo, raw: JsonValue): Promise<JsonValue> {
    const { input: effective, timeoutSeconds, heartbeatSeconds } = unwrapLocal(raw, task);
    // Let the history consumer record StateEntered first (the interpreter emits events asynchronously).
    await new Promise((resolve) => setImmediate(resolve));
    if (exec.runId !== runId || this.stopped) throw new RunAbandonedError();
    if (task.kind === 'unsupported') {
      const error = namedError('States.TaskFailed', `The local runtime does not emulate task resource ${task.resource}`);
      this.addEvent(exec, 'TaskFailed', { taskFailedEventDetails: { resourceType: 'unknown', resource: task.resource, error: error.name, cause: error.message } });
      throw error;
    }
    const direct = task.kind === 'lambda-arn';
    const resourceType = 'lambda';
    const resource = direct ? task.resource : task.callback ? 'invoke.waitForTaskToken' : 'invoke';
    const fnId = this.functionFor(task, effective);
    if (task.callback) return this.runCallbackTask(exec, runId, task, effective, fnId, resourceType, resource, timeoutSeconds, heartbeatSeconds);

    const payload = direct ? effective : isRecord(effective) ? (effective['Payload'] ?? {}) : {};
    const timeoutMs = this.syncTimeoutMs(exec, task, timeoutSeconds);
    if (direct) {
      this.addEvent(exec, 'LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: {
          resource: task.resource,
          input: JSON.stringify(payload),
          ...(timeoutMs === undefined ? {} : { timeoutInSeconds: Math.round(timeoutMs / 1000) }),
        },
      });
      this.addEvent(exec, 'LambdaFunctionStarted');
    } else {
      this.addEvent(exec, 'TaskScheduled', {
        taskScheduledEventDetails: {
          resourceType,
          resource,
          region: LOCAL_REGION,
          parameters: JSON.stringify(effective),
          ...(timeoutMs === undefined ? {} : { timeoutInSeconds: Math.round(timeoutMs / 1000) }),
        },
      });
      this.addEvent(exec, 'TaskStarted', { taskStartedEventDetails: { resourceType, resource } });
    }
    let timer: Cancellable | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (timeoutMs !== undefined) timer = longTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.opts.invoke(fnId, payload), timedOut]);
    timer?.cancel();
    if (exec.runId !== runId) throw new RunAbandonedError();
    if (result === 'timeout') {
      const cause = `The task did not finish within ${Math.round((timeoutMs ?? 0) / 1000)} s.`;
      if (direct) this.addEvent(exec, 'LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout', cause } });
      else this.addEvent(exec, 'TaskTimedOut', { taskTimedOutEventDetails: { resourceType, resource, error: 'States.Timeout', cause } });
      throw namedError('States.Timeout', cause);
    }
    if (!result.ok) {
      const error = lambdaError(result);
      if (direct) this.addEvent(exec, 'LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error: error.name, cause: error.message } });
      else this.addEvent(exec, 'TaskFailed', { taskFailedEventDetails: { resourceType, resource, error: error.name, cause: error.message } });
      throw error;
    }
    const value = (result.value ?? null) as JsonValue;
    const output: JsonValue = direct
      ? value
      : { ExecutedVersion: '$LATEST', Payload: value, StatusCode: 200, SdkHttpMetadata: { HttpStatusCode: 200 }, SdkResponseMetadata: { RequestId: result.requestId } };
    if (direct) this.addEvent(exec, 'LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: JSON.stringify(output) } });
    else this.addEvent(exec, 'TaskSucceeded', { taskSucceededEventDetails: { resourceType, resource, output: JSON.stringify(output) } });
    return output;
  }

  private mintToken(exec: Execution, task: TaskInfo): string {
    const payload = { e: exec.record.executionArn, s: task.stateName, n: randomBytes(12).toString('base64url') };
    return `${TOKEN_PREFIX}${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  }

  private async runCallbackTask(
    exec: Execution,
    runId: number,
    task: TaskInfo,
    effective: unknown,
    fnId: string,
    resourceType: string,
    resource: string,
    timeoutSeconds: number | undefined,
    heartbeatSeconds: number | undefined,
  ): Promise<JsonValue> {
    const token = this.mintToken(exec, task);
    const withToken = withTaskToken(effective, token);
    const payload = task.kind === 'lambda-arn' ? withToken : isRecord(withToken) ? (withToken['Payload'] ?? {}) : {};
    const timeoutRaw = timeoutSeconds ?? task.timeoutSeconds;
    const heartbeatRaw = heartbeatSeconds ?? task.heartbeatSeconds;
    this.addEvent(exec, 'TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType,
        resource,
        region: LOCAL_REGION,
        parameters: JSON.stringify(withTaskToken(effective, '(task token)')),
        ...(timeoutRaw === undefined ? {} : { timeoutInSeconds: timeoutRaw }),
        ...(heartbeatRaw === undefined ? {} : { heartbeatInSeconds: heartbeatRaw }),
      },
    });
    this.addEvent(exec, 'TaskStarted', { taskStartedEventDetails: { resourceType, resource } });
    const settled = new Promise<JsonValue>((resolve, reject) => {
      const pending: PendingTask = {
        token,
        exec,
        runId,
        task,
        resourceType,
        resource,
        startedAt: Date.now(),
        timeoutRaw,
        heartbeatRaw,
        lastHeartbeat: Date.now(),
        status: 'pending',
        submitted: false,
        timers: [],
        resolve,
        reject,
      };
      this.tasks.set(token, pending);
      this.armTimers(pending);
    });
    settled.catch(() => undefined);
    const result = await this.opts.invoke(fnId, payload);
    const pending = this.tasks.get(token);
    if (exec.runId !== runId || pending === undefined) throw new RunAbandonedError();
    if (!result.ok) {
      if (pending.status === 'pending') {
        this.closeTask(pending);
        const error = lambdaError(result);
        this.addEvent(exec, 'TaskFailed', { taskFailedEventDetails: { resourceType, resource, error: error.name, cause: error.message } });
        throw error;
      }
    } else {
      this.addEvent(exec, 'TaskSubmitted', {
        taskSubmittedEventDetails: { resourceType, resource, output: JSON.stringify({ Payload: result.value ?? null, StatusCode: 200 }) },
      });
    }
    pending.submitted = true;
    pending.deferred?.();
    pending.deferred = undefined;
    return settled;
  }

  private callbackTimeoutMs(task: PendingTask): number | undefined {
    const pinned = task.exec.overrides.stateTimeoutSeconds?.[task.task.stateName];
    if (pinned !== undefined) return pinned * 1000;
    return task.timeoutRaw === undefined ? undefined : task.timeoutRaw * 1000 * this.scaleOf(task.exec);
  }

  private armTimers(task: PendingTask): void {
    for (const t of task.timers) t.cancel();
    task.timers = [];
    const timeoutMs = this.callbackTimeoutMs(task);
    if (timeoutMs !== undefined) {
      task.timers.push(
        longTimeout(() => this.settle(task, { kind: 'timeout', error: 'States.Timeout', cause: 'The task did not receive a callback within its timeout.' }), Math.max(0, task.startedAt + timeoutMs - Date.now())),
      );
    }
    if (task.heartbeatRaw !== undefined) {
      const hbMs = task.heartbeatRaw * 1000 * this.scaleOf(task.exec);
      task.timers.push(
        longTimeout(
          () => this.settle(task, { kind: 'timeout', error: 'States.HeartbeatTimeout', cause: 'The task sent no heartbeat within HeartbeatSeconds.' }),
          Math.max(0, task.lastHeartbeat + hbMs - Date.now()),
        ),
      );
    }
  }

  /** Close a waiting task of a run that is over and let the interpreter unwind it. */
  private abandonTask(task: PendingTask): void {
    if (task.status !== 'pending') return;
    this.closeTask(task);
    task.reject(new RunAbandonedError());
  }

  private closeTask(task: PendingTask): void {
    task.status = 'closed';
    for (const t of task.timers) t.cancel();
    task.timers = [];
  }

  private settle(
    task: PendingTask,
    outcome: { kind: 'success'; output: JsonValue } | { kind: 'failure'; error: string; cause: string } | { kind: 'timeout'; error: string; cause: string },
  ): void {
    if (task.status !== 'pending') return;
    this.closeTask(task);
    const apply = (): void => {
      if (task.exec.runId !== task.runId) return;
      const { resourceType, resource } = task;
      if (outcome.kind === 'success') {
        this.addEvent(task.exec, 'TaskSucceeded', { taskSucceededEventDetails: { resourceType, resource, output: JSON.stringify(outcome.output) } });
        task.resolve(outcome.output);
      } else if (outcome.kind === 'failure') {
        this.addEvent(task.exec, 'TaskFailed', { taskFailedEventDetails: { resourceType, resource, error: outcome.error, cause: outcome.cause } });
        task.reject(namedError(outcome.error, outcome.cause));
      } else {
        this.addEvent(task.exec, 'TaskTimedOut', { taskTimedOutEventDetails: { resourceType, resource, error: outcome.error, cause: outcome.cause } });
        task.reject(namedError(outcome.error, outcome.cause));
      }
    };
    if (task.submitted) apply();
    else task.deferred = apply; // the Lambda that received the token has not returned yet
  }

  private taskFor(token: string): PendingTask {
    if (!token.startsWith(TOKEN_PREFIX)) throw new AwsError('InvalidToken', 'Invalid Token: not a task token of this local runtime');
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
    } catch {
      throw new AwsError('InvalidToken', 'Invalid Token: malformed');
    }
    if (!isRecord(decoded) || typeof decoded['e'] !== 'string') throw new AwsError('InvalidToken', 'Invalid Token: malformed');
    const task = this.tasks.get(token);
    if (task === undefined) {
      const exec = this.executions.get(decoded['e']);
      if (exec !== undefined && TERMINAL.has(exec.record.status)) throw new AwsError('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
      throw new AwsError('TaskDoesNotExist', 'Task does not exist (a task token from before a local runtime restart?)');
    }
    if (task.status !== 'pending') throw new AwsError('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
    return task;
  }

  // -------------------------------------------------------------------------------------------------
  // API

  private machineFor(arn: string): { spec: StateMachineSpec } {
    const machine = this.machines.get(arn);
    if (machine === undefined) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private executionFor(arn: string): Execution {
    if (!arn.includes(':execution:')) throw new AwsError('InvalidArn', `Invalid Arn: '${arn}'`);
    const exec = this.executions.get(arn);
    if (exec === undefined) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return exec;
  }

  private describeOut(exec: Execution): Record<string, unknown> {
    const r = exec.record;
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: r.status,
      startDate: seconds(r.startDate),
      ...(r.stopDate === undefined ? {} : { stopDate: seconds(r.stopDate) }),
      input: r.input,
      inputDetails: { included: true },
      ...(r.output === undefined ? {} : { output: r.output, outputDetails: { included: true } }),
      ...(r.error === undefined ? {} : { error: r.error }),
      ...(r.cause === undefined ? {} : { cause: r.cause }),
      redriveCount: r.redriveCount,
      ...(r.redriveDate === undefined ? {} : { redriveDate: seconds(r.redriveDate) }),
      redriveStatus: TERMINAL.has(r.status) && r.status !== 'SUCCEEDED' ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
    };
  }

  /** StartExecution (also used in-process). */
  startExecution(stateMachineArn: string, name: string | undefined, input: string | undefined): { executionArn: string; startDate: number } {
    if (this.stopped) throw new AwsError('ServiceUnavailable', 'The local runtime is stopping', 503);
    const { spec } = this.machineFor(stateMachineArn);
    const execName = name === undefined || name === '' ? randomUUID() : name;
    if (execName.length > 80 || INVALID_NAME.test(execName)) throw new AwsError('InvalidName', `Invalid Name: '${execName}'`);
    const inputText = input === undefined || input === '' ? '{}' : input;
    let parsed: unknown;
    try {
      parsed = JSON.parse(inputText);
    } catch {
      throw new AwsError('InvalidExecutionInput', 'Invalid State Machine Execution Input: input is not valid JSON');
    }
    if (Buffer.byteLength(inputText) > 262_144) throw new AwsError('InvalidExecutionInput', 'Input exceeds 256 KiB');
    const executionArn = this.executionArn(spec, execName);
    const existing = this.executions.get(executionArn);
    if (existing !== undefined) {
      const sameInput = JSON.stringify(JSON.parse(existing.record.input)) === JSON.stringify(parsed);
      if (existing.record.status === 'RUNNING' && sameInput) return { executionArn, startDate: seconds(existing.record.startDate) };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: spec.arn,
      name: execName,
      status: 'RUNNING',
      startDate: Date.now(),
      input: inputText,
      redriveCount: 0,
    };
    const exec: Execution = { record, history: [], runId: 0, overrides: this.pendingOverrides.get(execName) ?? {} };
    this.pendingOverrides.delete(execName);
    this.executions.set(executionArn, exec);
    this.persistRecord(exec);
    this.run(exec);
    return { executionArn, startDate: seconds(record.startDate) };
  }

  sendTaskSuccess(token: string, output: string): void {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(output) as JsonValue;
    } catch {
      throw new AwsError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    this.settle(this.taskFor(token), { kind: 'success', output: parsed });
  }

  sendTaskFailure(token: string, error: string, cause: string): void {
    this.settle(this.taskFor(token), { kind: 'failure', error, cause });
  }

  private async handle(op: string, input: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'StartExecution': {
        const out = this.startExecution(str(input, 'stateMachineArn'), typeof input['name'] === 'string' ? input['name'] : undefined, typeof input['input'] === 'string' ? input['input'] : undefined);
        return out;
      }
      case 'DescribeExecution':
        return this.describeOut(this.executionFor(str(input, 'executionArn')));
      case 'DescribeStateMachineForExecution': {
        const exec = this.executionFor(str(input, 'executionArn'));
        return this.describeMachine(exec.record.stateMachineArn);
      }
      case 'ListExecutions': {
        const machineArn = str(input, 'stateMachineArn');
        this.machineFor(machineArn);
        const filter = input['statusFilter'];
        const all = [...this.executions.values()]
          .filter((e) => e.record.stateMachineArn === machineArn && (filter === undefined || e.record.status === filter))
          .sort((a, b) => b.record.startDate - a.record.startDate);
        const max = typeof input['maxResults'] === 'number' && input['maxResults'] > 0 ? Math.min(1000, input['maxResults']) : 100;
        const offset = typeof input['nextToken'] === 'string' ? Number(input['nextToken']) || 0 : 0;
        const page = all.slice(offset, offset + max);
        return {
          executions: page.map((e) => ({
            executionArn: e.record.executionArn,
            stateMachineArn: e.record.stateMachineArn,
            name: e.record.name,
            status: e.record.status,
            startDate: seconds(e.record.startDate),
            ...(e.record.stopDate === undefined ? {} : { stopDate: seconds(e.record.stopDate) }),
            redriveCount: e.record.redriveCount,
          })),
          ...(offset + max < all.length ? { nextToken: String(offset + max) } : {}),
        };
      }
      case 'GetExecutionHistory': {
        const exec = this.executionFor(str(input, 'executionArn'));
        const events = input['reverseOrder'] === true ? [...exec.history].reverse() : exec.history;
        const max = typeof input['maxResults'] === 'number' && input['maxResults'] > 0 ? Math.min(1000, input['maxResults']) : 100;
        const offset = typeof input['nextToken'] === 'string' ? Number(input['nextToken']) || 0 : 0;
        const includeData = input['includeExecutionData'] !== false;
        const page = events.slice(offset, offset + max).map((e) => (includeData ? e : stripData(e)));
        return { events: page, ...(offset + max < events.length ? { nextToken: String(offset + max) } : {}) };
      }
      case 'StopExecution': {
        const exec = this.executionFor(str(input, 'executionArn'));
        if (exec.record.status === 'RUNNING') {
          const runId = exec.runId;
          const abort = exec.abort;
          this.finish(exec, runId, 'ABORTED', {
            ...(typeof input['error'] === 'string' ? { error: input['error'] } : {}),
            ...(typeof input['cause'] === 'string' ? { cause: input['cause'] } : {}),
          });
          exec.runId++;
          abort?.();
        }
        return { stopDate: seconds(exec.record.stopDate ?? Date.now()) };
      }
      case 'RedriveExecution': {
        const exec = this.executionFor(str(input, 'executionArn'));
        if (!TERMINAL.has(exec.record.status) || exec.record.status === 'SUCCEEDED') {
          throw new AwsError('ExecutionNotRedrivable', `Execution is ${exec.record.status}: only FAILED, TIMED_OUT or ABORTED executions can be redriven`);
        }
        exec.record.status = 'RUNNING';
        exec.record.stopDate = undefined;
        exec.record.output = undefined;
        exec.record.error = undefined;
        exec.record.cause = undefined;
        exec.record.redriveCount++;
        exec.record.redriveDate = Date.now();
        this.persistRecord(exec);
        this.addEvent(exec, 'ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: exec.record.redriveCount } });
        this.run(exec);
        return { redriveDate: seconds(exec.record.redriveDate) };
      }
      case 'SendTaskSuccess':
        this.sendTaskSuccess(str(input, 'taskToken'), str(input, 'output'));
        return {};
      case 'SendTaskFailure':
        this.sendTaskFailure(str(input, 'taskToken'), typeof input['error'] === 'string' ? input['error'] : '', typeof input['cause'] === 'string' ? input['cause'] : '');
        return {};
      case 'SendTaskHeartbeat': {
        const task = this.taskFor(str(input, 'taskToken'));
        task.lastHeartbeat = Date.now();
        this.armTimers(task);
        return {};
      }
      case 'DescribeStateMachine':
        return this.describeMachine(str(input, 'stateMachineArn'));
      case 'ListStateMachines':
        return {
          stateMachines: [...this.machines.values()].map(({ spec }) => ({
            stateMachineArn: spec.arn,
            name: spec.name,
            type: spec.type,
            creationDate: seconds(STARTED_AT),
          })),
        };
      default:
        throw new AwsError('UnknownOperationException', `Operation ${op} is not emulated by the local runtime`);
    }
  }

  private describeMachine(arn: string): Record<string, unknown> {
    const { spec } = this.machineFor(arn);
    return {
      stateMachineArn: spec.arn,
      name: spec.name,
      status: 'ACTIVE',
      definition: JSON.stringify(spec.definition),
      roleArn: spec.roleArn ?? `arn:${LOCAL_PARTITION}:iam::${LOCAL_ACCOUNT}:role/local`,
      type: spec.type,
      creationDate: seconds(STARTED_AT),
    };
  }

  private localRoute(method: string, url: URL, body: unknown): { status: number; body: unknown } | undefined {
    if (url.pathname === '/_local/overrides' && method === 'POST' && isRecord(body)) {
      const scale = body['timeScale'];
      const states = body['stateTimeoutSeconds'];
      const overrides: ExecutionOverrides = {
        ...(typeof scale === 'number' && scale > 0 ? { timeScale: scale } : {}),
        ...(isRecord(states)
          ? { stateTimeoutSeconds: Object.fromEntries(Object.entries(states).filter((e): e is [string, number] => typeof e[1] === 'number')) }
          : {}),
      };
      const ok = this.setOverrides(
        {
          ...(typeof body['executionArn'] === 'string' ? { executionArn: body['executionArn'] } : {}),
          ...(typeof body['executionName'] === 'string' ? { executionName: body['executionName'] } : {}),
        },
        overrides,
      );
      return ok ? { status: 200, body: { ok: true } } : { status: 404, body: { message: 'no such execution' } };
    }
    return undefined;
  }
}

const STARTED_AT = Date.now();

function stripData(e: HistoryEvent): HistoryEvent {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (isRecord(v)) {
      const { input: _i, output: _o, parameters: _p, ...rest } = v;
      out[k] = rest;
    } else out[k] = v;
  }
  return out as HistoryEvent;
}

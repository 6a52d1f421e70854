/**
 * Lambda tasks of the local Step Functions: every Lambda task (direct function ARN, or
 * `arn:aws:states:::lambda:invoke[.waitForTaskToken]` with FunctionName) invokes the function's local
 * worker and records the AWS history events of its task. Task timeouts are enforced here (see asl.ts);
 * callback tasks wait in the task-token broker.
 */
import { isRecord } from '../../../functions/core/kernel/guards';
import { longTimeout, type Cancellable } from '../clock';
import type { InvokeResult } from '../lambda/lambda';
import { LOCAL_REGION } from '../../template/local-ids';
import { functionNameOf, unwrapLocal, withTaskToken, type TaskInfo } from './asl';
import { namedError, RunAbandonedError, type Execution, type ExecutionState, type Invoke, type JsonValue } from './state';
import type { TaskTokenBroker } from './task-tokens';
import type { TimeScale } from './time';

export interface TaskRunnerDeps {
  readonly state: ExecutionState;
  readonly broker: TaskTokenBroker;
  readonly time: TimeScale;
  readonly invoke: Invoke;
  /** Local function name -> logical id (what task ARNs name). */
  readonly functionsByName: ReadonlyMap<string, string>;
  readonly stopped: () => boolean;
}

/** What a task of one run is about: its execution, state, resolved function and AWS resource naming. */
interface TaskCall {
  readonly exec: Execution;
  readonly runId: number;
  readonly task: TaskInfo;
  readonly effective: unknown;
  readonly fnId: string;
  readonly direct: boolean;
  readonly resourceType: string;
  readonly resource: string;
}

function lambdaError(result: Extract<InvokeResult, { ok: false }>): Error {
  const error = new Error(JSON.stringify({ errorType: result.error.errorType, errorMessage: result.error.errorMessage, trace: result.error.trace }));
  error.name = result.error.errorType;
  return error;
}

export class TaskRunner {
  constructor(private readonly deps: TaskRunnerDeps) {}

  /** The interpreter's local handler of a Task state. */
  async run(exec: Execution, runId: number, task: TaskInfo, raw: JsonValue): Promise<JsonValue> {
    const { input: effective, timeoutSeconds, heartbeatSeconds } = unwrapLocal(raw, task);
    // Let the history consumer record StateEntered first (the interpreter emits events asynchronously).
    await new Promise((resolve) => setImmediate(resolve));
    if (exec.runId !== runId || this.deps.stopped()) throw new RunAbandonedError();
    if (task.kind === 'unsupported') {
      const error = namedError('States.TaskFailed', `The local runtime does not emulate task resource ${task.resource}`);
      this.deps.state.addEvent(exec, 'TaskFailed', { taskFailedEventDetails: { resourceType: 'unknown', resource: task.resource, error: error.name, cause: error.message } });
      throw error;
    }
    const direct = task.kind === 'lambda-arn';
    const resource = direct ? task.resource : task.callback ? 'invoke.waitForTaskToken' : 'invoke';
    const call: TaskCall = { exec, runId, task, effective, fnId: this.functionFor(task, effective), direct, resourceType: 'lambda', resource };
    if (task.callback) return this.runCallback(call, timeoutSeconds, heartbeatSeconds);
    return this.runSync(call, timeoutSeconds);
  }

  private functionFor(task: TaskInfo, effective: unknown): string {
    if (task.functionLogicalId !== undefined) return task.functionLogicalId;
    const fn = task.kind === 'lambda-invoke' && isRecord(effective) ? effective['FunctionName'] : task.staticFunction;
    const id = typeof fn === 'string' ? this.deps.functionsByName.get(functionNameOf(fn)) : undefined;
    if (id === undefined) {
      throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${String(fn)} (not one of the template's local functions)`);
    }
    return id;
  }

  private async runSync(call: TaskCall, timeoutSeconds: number | undefined): Promise<JsonValue> {
    const { exec, runId, effective, direct } = call;
    const payload = direct ? effective : isRecord(effective) ? (effective['Payload'] ?? {}) : {};
    const timeoutMs = this.deps.time.syncTimeoutMs(exec, call.task, timeoutSeconds);
    this.recordScheduled(call, payload, timeoutMs);
    let timer: Cancellable | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (timeoutMs !== undefined) timer = longTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.deps.invoke(call.fnId, payload), timedOut]);
    timer?.cancel();
    if (exec.runId !== runId) throw new RunAbandonedError();
    if (result === 'timeout') {
      const cause = `The task did not finish within ${Math.round((timeoutMs ?? 0) / 1000)} s.`;
      this.recordEnd(call, 'TimedOut', { error: 'States.Timeout', cause });
      throw namedError('States.Timeout', cause);
    }
    if (!result.ok) {
      const error = lambdaError(result);
      this.recordEnd(call, 'Failed', { error: error.name, cause: error.message });
      throw error;
    }
    const value = (result.value ?? null) as JsonValue;
    const output: JsonValue = direct
      ? value
      : { ExecutedVersion: '$LATEST', Payload: value, StatusCode: 200, SdkHttpMetadata: { HttpStatusCode: 200 }, SdkResponseMetadata: { RequestId: result.requestId } };
    this.recordEnd(call, 'Succeeded', { output: JSON.stringify(output) });
    return output;
  }

  private recordScheduled(call: TaskCall, payload: unknown, timeoutMs: number | undefined): void {
    const { exec, resourceType, resource } = call;
    const timeout = timeoutMs === undefined ? {} : { timeoutInSeconds: Math.round(timeoutMs / 1000) };
    if (call.direct) {
      this.deps.state.addEvent(exec, 'LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: { resource: call.task.resource, input: JSON.stringify(payload), ...timeout } });
      this.deps.state.addEvent(exec, 'LambdaFunctionStarted');
    } else {
      this.deps.state.addEvent(exec, 'TaskScheduled', { taskScheduledEventDetails: { resourceType, resource, region: LOCAL_REGION, parameters: JSON.stringify(call.effective), ...timeout } });
      this.deps.state.addEvent(exec, 'TaskStarted', { taskStartedEventDetails: { resourceType, resource } });
    }
  }

  /** LambdaFunction<End> for a direct ARN, Task<End> for lambda:invoke. */
  private recordEnd(call: TaskCall, end: 'Succeeded' | 'Failed' | 'TimedOut', details: Record<string, unknown>): void {
    const { resourceType, resource } = call;
    if (call.direct) this.deps.state.addEvent(call.exec, `LambdaFunction${end}`, { [`lambdaFunction${end}EventDetails`]: details });
    else this.deps.state.addEvent(call.exec, `Task${end}`, { [`task${end}EventDetails`]: { resourceType, resource, ...details } });
  }

  private async runCallback(call: TaskCall, timeoutSeconds: number | undefined, heartbeatSeconds: number | undefined): Promise<JsonValue> {
    const { exec, runId, task, resourceType, resource } = call;
    const { state, broker } = this.deps;
    const token = broker.mint(exec, task);
    const withToken = withTaskToken(call.effective, token);
    const payload = call.direct ? withToken : isRecord(withToken) ? (withToken['Payload'] ?? {}) : {};
    const timeoutRaw = timeoutSeconds ?? task.timeoutSeconds;
    const heartbeatRaw = heartbeatSeconds ?? task.heartbeatSeconds;
    state.addEvent(exec, 'TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType,
        resource,
        region: LOCAL_REGION,
        parameters: JSON.stringify(withTaskToken(call.effective, '(task token)')),
        ...(timeoutRaw === undefined ? {} : { timeoutInSeconds: timeoutRaw }),
        ...(heartbeatRaw === undefined ? {} : { heartbeatInSeconds: heartbeatRaw }),
      },
    });
    state.addEvent(exec, 'TaskStarted', { taskStartedEventDetails: { resourceType, resource } });
    const settled = broker.open({ token, exec, runId, task, resourceType, resource, timeoutRaw, heartbeatRaw });
    const result = await this.deps.invoke(call.fnId, payload);
    const pending = broker.get(token);
    if (exec.runId !== runId || pending === undefined) throw new RunAbandonedError();
    if (!result.ok) {
      if (pending.status === 'pending') {
        broker.close(pending);
        const error = lambdaError(result);
        state.addEvent(exec, 'TaskFailed', { taskFailedEventDetails: { resourceType, resource, error: error.name, cause: error.message } });
        throw error;
      }
    } else {
      state.addEvent(exec, 'TaskSubmitted', { taskSubmittedEventDetails: { resourceType, resource, output: JSON.stringify({ Payload: result.value ?? null, StatusCode: 200 }) } });
    }
    broker.submitted(pending);
    return settled;
  }
}

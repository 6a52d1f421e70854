/**
 * Runs of the local Step Functions: an execution run by the ASL interpreter (aws-local-stepfunctions),
 * its events turned into AWS history events, its end (status, output, error) recorded.
 */
import type { StateMachine } from 'aws-local-stepfunctions';
import { isRecord } from '../../../functions/core/kernel/guards';
import { longTimeout } from '../clock';
import type { StateMachineSpec } from '../../template/workflows';
import { TASK_TOKEN_PLACEHOLDER, type PreparedDefinition } from './asl';
import { countTransitions, type Execution, type ExecutionState, type ExecutionStatus, type JsonValue, type LocalHandlers } from './state';
import type { TaskTokenBroker } from './task-tokens';
import type { TaskRunner } from './tasks';
import type { TimeScale } from './time';

export interface Machine {
  readonly spec: StateMachineSpec;
  readonly prepared: PreparedDefinition;
  readonly interpreter: StateMachine;
}

export interface RunResult {
  output?: string;
  error?: string;
  cause?: string;
}

export class ExecutionRunner {
  constructor(
    private readonly machines: ReadonlyMap<string, Machine>,
    private readonly state: ExecutionState,
    private readonly broker: TaskTokenBroker,
    private readonly time: TimeScale,
    private readonly tasks: TaskRunner,
    private readonly log: ((line: string) => void) | undefined,
  ) {}

  run(exec: Execution): void {
    const machine = this.machines.get(exec.record.stateMachineArn);
    if (machine === undefined) return;
    exec.runId++;
    const runId = exec.runId;
    const { prepared, interpreter, spec } = machine;
    const handlers: LocalHandlers = {};
    for (const task of prepared.tasks.values()) handlers[task.stateName] = (input) => this.tasks.run(exec, runId, task, input);
    const execution = interpreter.run(JSON.parse(exec.record.input) as JsonValue, {
      overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: this.time.waitOverrides(prepared, exec), retryIntervalOverrides: this.time.retryOverrides(prepared) },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: exec.record.executionArn, Name: exec.record.name, RoleArn: spec.roleArn ?? '', RedriveCount: exec.record.redriveCount },
        StateMachine: { Id: spec.arn, Name: spec.name },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    });
    exec.abort = execution.abort;
    void this.consume(exec, runId, execution.eventLogs as unknown as AsyncIterable<Record<string, unknown>>);
    const timeoutMs = this.time.executionTimeoutMs(prepared, exec);
    if (timeoutMs !== undefined) {
      exec.timeout?.cancel();
      exec.timeout = longTimeout(() => {
        if (exec.runId !== runId || exec.record.status !== 'RUNNING') return;
        this.finish(exec, runId, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution timed out (state machine TimeoutSeconds).' });
        exec.abort?.();
      }, timeoutMs);
    }
    this.fallbackOnResult(exec, runId, execution.result);
  }

  /**
   * The final event comes from the interpreter's event log (after every state event); the result
   * promise is the fallback for failures that produce no event (e.g. an invalid definition).
   */
  private fallbackOnResult(exec: Execution, runId: number, result: Promise<unknown>): void {
    const fallback = (status: ExecutionStatus, outcome: RunResult): void => {
      setTimeout(() => {
        if (exec.runId !== runId || exec.record.status !== 'RUNNING' || exec.abort === undefined) return;
        this.finish(exec, runId, status, outcome);
      }, 200).unref();
    };
    result.then(
      (output) => fallback('SUCCEEDED', { output: JSON.stringify(output) }),
      (error: unknown) => {
        const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        fallback('FAILED', { error: inner instanceof Error ? inner.name : 'States.Runtime', cause: inner instanceof Error ? inner.message : String(inner) });
      },
    );
  }

  finish(exec: Execution, runId: number, status: ExecutionStatus, result: RunResult): void {
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
    this.state.addEvent(exec, event[0] as string, event[1] as Record<string, unknown>);
    this.state.persistRecord(exec);
    this.broker.closeExecution(exec);
    const took = ((exec.record.stopDate - exec.record.startDate) / 1000).toFixed(1);
    this.log?.(`  [workflow] ${exec.record.name} ${status}${result.error === undefined ? '' : ` (${result.error})`} after ${took} s, ${countTransitions(exec.history)} transitions`);
  }

  /** Interpreter events -> AWS history events. */
  private async consume(exec: Execution, runId: number, events: AsyncIterable<Record<string, unknown>>): Promise<void> {
    for await (const e of events) {
      if (exec.runId !== runId) continue;
      const state = isRecord(e['state']) ? e['state'] : undefined;
      const name = String(state?.['name'] ?? '');
      const stateType = String(state?.['type'] ?? '');
      const add = (type: string, details?: Record<string, unknown>): void => this.state.addEvent(exec, type, details);
      switch (e['type']) {
        case 'ExecutionStarted':
          if (exec.record.redriveCount === 0 && exec.history.length === 0) {
            const roleArn = this.machines.get(exec.record.stateMachineArn)?.spec.roleArn ?? '';
            add('ExecutionStarted', { executionStartedEventDetails: { input: exec.record.input, inputDetails: { truncated: false }, roleArn } });
          }
          break;
        case 'StateEntered':
          add(`${stateType}StateEntered`, { stateEnteredEventDetails: { name, input: JSON.stringify(state?.['input'] ?? null), inputDetails: { truncated: false } } });
          if (stateType === 'Map') add('MapStateStarted', { mapStateStartedEventDetails: { length: this.mapItems(exec, name, state?.['input']) } });
          break;
        case 'StateExited':
          if (stateType === 'Map') add('MapStateSucceeded');
          add(`${stateType}StateExited`, { stateExitedEventDetails: { name, output: JSON.stringify(state?.['output'] ?? null), outputDetails: { truncated: false } } });
          break;
        case 'StateFailed':
          if (stateType === 'Map') add('MapStateFailed');
          break;
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed': {
          const parent = isRecord(e['parentState']) ? String(e['parentState']['name'] ?? '') : '';
          const key = `${String(e['type']).charAt(0).toLowerCase()}${String(e['type']).slice(1)}EventDetails`;
          add(String(e['type']), { [key]: { name: parent, index: e['index'] } });
          break;
        }
        case 'ExecutionSucceeded':
        case 'ExecutionFailed':
          this.finishFromEvent(exec, runId, e);
          break;
        default:
          break; // aborts are recorded by StopExecution; retries and catches have no AWS event
      }
    }
  }

  private finishFromEvent(exec: Execution, runId: number, e: Record<string, unknown>): void {
    if (exec.record.status !== 'RUNNING' || exec.abort === undefined) return;
    if (e['type'] === 'ExecutionSucceeded') {
      this.finish(exec, runId, 'SUCCEEDED', { output: JSON.stringify(e['output'] ?? null) });
      return;
    }
    const cause = e['Cause'];
    this.finish(exec, runId, 'FAILED', { error: String(e['Error'] ?? 'States.Runtime'), cause: typeof cause === 'string' ? cause : JSON.stringify(cause ?? '') });
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
}

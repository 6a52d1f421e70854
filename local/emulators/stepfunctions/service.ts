/**
 * Local Step Functions: the template's state machines run by a real ASL interpreter
 * (aws-local-stepfunctions), behind a stand-in of the Step Functions API on 127.0.0.1 (api.ts).
 * Handlers reach it through `AWS_ENDPOINT_URL_SFN`.
 *
 * Operations: StartExecution (name uniqueness as in AWS for Standard workflows: same name + same input
 * while RUNNING returns the running execution; otherwise ExecutionAlreadyExists), DescribeExecution,
 * ListExecutions, GetExecutionHistory (AWS history event types), StopExecution, RedriveExecution,
 * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat (task-tokens.ts), DescribeStateMachine,
 * ListStateMachines, DescribeStateMachineForExecution.
 *
 * The parts: state.ts (executions and history), persistence.ts (the journal), runs.ts (the interpreter
 * runs), tasks.ts (Lambda tasks), task-tokens.ts (callback tasks), time.ts (local time scaling).
 *
 * On restart, executions that were RUNNING are run again from the beginning with the same input
 * (history: ExecutionRedriven): the order workflow is re-entrant from the order's stored state. Task
 * tokens from before a restart answer TaskDoesNotExist. RedriveExecution also re-runs from the beginning
 * (AWS resumes at the failed state; for a re-entrant workflow the outcome is the same).
 */
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { AwsError, startJsonServer, type JsonServer } from '../aws-json-server';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION } from '../../template/local-ids';
import type { StateMachineSpec } from '../../template/workflows';
import { handleStepFunctions, localOverridesRoute } from './api';
import { prepareDefinition } from './asl';
import { ExecutionJournal } from './persistence';
import { ExecutionRunner, type Machine } from './runs';
import { ExecutionState, seconds, TERMINAL, type Execution, type ExecutionOverrides, type ExecutionRecord, type HistoryEvent, type Invoke, type JsonValue } from './state';
import { TaskTokenBroker } from './task-tokens';
import { TaskRunner } from './tasks';
import { TimeScale } from './time';

export { countTransitions, type ExecutionOverrides, type ExecutionRecord, type ExecutionStatus, type HistoryEvent, type Invoke } from './state';

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

const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export class LocalStepFunctions {
  private readonly machines = new Map<string, Machine>();
  private readonly journal: ExecutionJournal;
  private readonly state: ExecutionState;
  private readonly broker: TaskTokenBroker;
  private readonly runner: ExecutionRunner;
  private server?: JsonServer;
  private stopped = false;
  readonly warnings: string[] = [];

  constructor(private readonly opts: StepFunctionsOptions) {
    for (const spec of opts.machines) {
      const prepared = prepareDefinition(spec.definition, opts.functionsByName);
      this.warnings.push(...prepared.warnings.map((w) => `${spec.name}: ${w}`));
      const interpreter = new StateMachine(prepared.definition as unknown as ConstructorParameters<typeof StateMachine>[0], {
        validationOptions: { checkArn: false, checkPaths: false },
      });
      this.machines.set(spec.arn, { spec, prepared, interpreter });
    }
    const time = new TimeScale(opts);
    this.journal = new ExecutionJournal(opts.dataDir);
    this.state = new ExecutionState(this.journal);
    this.broker = new TaskTokenBroker(this.state, time);
    const tasks = new TaskRunner({ state: this.state, broker: this.broker, time, invoke: opts.invoke, functionsByName: opts.functionsByName, stopped: () => this.stopped });
    this.runner = new ExecutionRunner(this.machines, this.state, this.broker, time, tasks, opts.log);
  }

  get endpoint(): string {
    if (this.server === undefined) throw new Error('Local Step Functions not started');
    return this.server.endpoint;
  }

  get stateMachineArns(): readonly string[] {
    return [...this.machines.keys()];
  }

  /** Load persisted executions, start the API server. Call resume() once the functions can run. */
  async start(): Promise<string> {
    await this.journal.load(this.state.executions);
    this.server = await startJsonServer({
      targetPrefix: 'AWSStepFunctions',
      jsonVersion: '1.0',
      what: 'Step Functions',
      port: this.opts.port ?? 0,
      handle: async (op, input) => handleStepFunctions(this, op, input),
      local: (method, url, body) => localOverridesRoute(this, method, url, body),
    });
    return this.server.endpoint;
  }

  /** Run again every execution that was RUNNING when the previous runtime stopped. */
  resume(): number {
    let n = 0;
    for (const exec of this.state.executions.values()) {
      if (exec.record.status !== 'RUNNING' || exec.abort !== undefined) continue;
      this.redrive(exec);
      n++;
    }
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const exec of this.state.executions.values()) {
      exec.timeout?.cancel();
      // Abort the interpreter run but keep the status: a RUNNING execution is resumed by the next start.
      exec.runId++;
      exec.abort?.();
      exec.abort = undefined;
    }
    this.broker.abandonAll();
    await this.server?.stop();
    await this.journal.close();
  }

  // -------------------------------------------------------------------------------------------------
  // Programmatic access (runtime, tests, CLI in-process) and what the API serves

  describe(executionArn: string): ExecutionRecord | undefined {
    return this.state.executions.get(executionArn)?.record;
  }

  history(executionArn: string): readonly HistoryEvent[] {
    return this.state.executions.get(executionArn)?.history ?? [];
  }

  list(): readonly ExecutionRecord[] {
    return [...this.state.executions.values()].map((e) => e.record);
  }

  executionsOf(stateMachineArn: string): Execution[] {
    return [...this.state.executions.values()].filter((e) => e.record.stateMachineArn === stateMachineArn);
  }

  executionFor(arn: string): Execution {
    return this.state.executionFor(arn);
  }

  machineFor(arn: string): Machine {
    const machine = this.machines.get(arn);
    if (machine === undefined) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  machineSpecs(): StateMachineSpec[] {
    return [...this.machines.values()].map((m) => m.spec);
  }

  setOverrides(ref: { executionArn?: string; executionName?: string }, overrides: ExecutionOverrides): boolean {
    const executions = this.state.executions;
    const exec = (ref.executionArn === undefined ? undefined : executions.get(ref.executionArn)) ?? [...executions.values()].find((e) => e.record.name === ref.executionName);
    if (exec === undefined) {
      if (ref.executionName === undefined) return false;
      this.state.pendingOverrides.set(ref.executionName, { ...this.state.pendingOverrides.get(ref.executionName), ...overrides });
      return true;
    }
    exec.overrides = { ...exec.overrides, ...overrides, stateTimeoutSeconds: { ...exec.overrides.stateTimeoutSeconds, ...overrides.stateTimeoutSeconds } };
    this.broker.retime(exec);
    return true;
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
    const executionArn = `arn:${LOCAL_PARTITION}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${spec.name}:${execName}`;
    const existing = this.state.executions.get(executionArn);
    if (existing !== undefined) {
      const sameInput = JSON.stringify(JSON.parse(existing.record.input)) === JSON.stringify(parsed);
      if (existing.record.status === 'RUNNING' && sameInput) return { executionArn, startDate: seconds(existing.record.startDate) };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = { executionArn, stateMachineArn: spec.arn, name: execName, status: 'RUNNING', startDate: Date.now(), input: inputText, redriveCount: 0 };
    const exec: Execution = { record, history: [], runId: 0, overrides: this.state.pendingOverrides.get(execName) ?? {} };
    this.state.pendingOverrides.delete(execName);
    this.state.executions.set(executionArn, exec);
    this.state.persistRecord(exec);
    this.runner.run(exec);
    return { executionArn, startDate: seconds(record.startDate) };
  }

  /** StopExecution: a RUNNING execution ends ABORTED. Returns its stop date (epoch ms). */
  stopExecution(executionArn: string, error: string | undefined, cause: string | undefined): number {
    const exec = this.state.executionFor(executionArn);
    if (exec.record.status === 'RUNNING') {
      const abort = exec.abort;
      this.runner.finish(exec, exec.runId, 'ABORTED', { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) });
      exec.runId++;
      abort?.();
    }
    return exec.record.stopDate ?? Date.now();
  }

  /** RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution runs again. Returns its redrive date (epoch ms). */
  redriveExecution(executionArn: string): number {
    const exec = this.state.executionFor(executionArn);
    if (!TERMINAL.has(exec.record.status) || exec.record.status === 'SUCCEEDED') {
      throw new AwsError('ExecutionNotRedrivable', `Execution is ${exec.record.status}: only FAILED, TIMED_OUT or ABORTED executions can be redriven`);
    }
    exec.record.status = 'RUNNING';
    exec.record.stopDate = undefined;
    exec.record.output = undefined;
    exec.record.error = undefined;
    exec.record.cause = undefined;
    this.redrive(exec);
    return exec.record.redriveDate ?? Date.now();
  }

  private redrive(exec: Execution): void {
    exec.record.redriveCount++;
    exec.record.redriveDate = Date.now();
    this.state.persistRecord(exec);
    this.state.addEvent(exec, 'ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: exec.record.redriveCount } });
    this.runner.run(exec);
  }

  sendTaskSuccess(token: string, output: string): void {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(output) as JsonValue;
    } catch {
      throw new AwsError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    this.broker.settle(this.broker.taskFor(token), { kind: 'success', output: parsed });
  }

  sendTaskFailure(token: string, error: string, cause: string): void {
    this.broker.settle(this.broker.taskFor(token), { kind: 'failure', error, cause });
  }

  sendTaskHeartbeat(token: string): void {
    this.broker.heartbeat(token);
  }
}

/**
 * The task-token broker of the local Step Functions: for `.waitForTaskToken` tasks a token is minted per
 * task (the interpreter has one `$$.Task.Token` per execution) and the task waits for SendTaskSuccess
 * (output = parsed JSON) / SendTaskFailure (error name = error, cause) / its timeout (States.Timeout) /
 * heartbeat timeout (States.HeartbeatTimeout). Errors as AWS words them: InvalidToken, TaskDoesNotExist
 * (a token from before a restart), TaskTimedOut (the task or its execution is closed).
 */
import { randomBytes } from 'node:crypto';
import { isRecord } from '../../../functions/core/kernel/guards';
import { AwsError } from '../aws-json-server';
import { longTimeout, type Cancellable } from '../clock';
import type { TaskInfo } from './asl';
import { namedError, RunAbandonedError, TERMINAL, type Execution, type ExecutionState, type JsonValue } from './state';
import type { TimeScale } from './time';

const TOKEN_PREFIX = 'local1.';

export interface PendingTask {
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

export type TaskOutcome =
  | { kind: 'success'; output: JsonValue }
  | { kind: 'failure'; error: string; cause: string }
  | { kind: 'timeout'; error: string; cause: string };

export class TaskTokenBroker {
  private readonly tasks = new Map<string, PendingTask>();

  constructor(
    private readonly state: ExecutionState,
    private readonly time: TimeScale,
  ) {}

  mint(exec: Execution, task: TaskInfo): string {
    const payload = { e: exec.record.executionArn, s: task.stateName, n: randomBytes(12).toString('base64url') };
    return `${TOKEN_PREFIX}${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  }

  /** Register a waiting task; the promise settles on its callback, timeout or abandonment. */
  open(init: Omit<PendingTask, 'lastHeartbeat' | 'status' | 'submitted' | 'timers' | 'resolve' | 'reject' | 'startedAt'>): Promise<JsonValue> {
    const settled = new Promise<JsonValue>((resolve, reject) => {
      const now = Date.now();
      const pending: PendingTask = { ...init, startedAt: now, lastHeartbeat: now, status: 'pending', submitted: false, timers: [], resolve, reject };
      this.tasks.set(init.token, pending);
      this.armTimers(pending);
    });
    settled.catch(() => undefined);
    return settled;
  }

  get(token: string): PendingTask | undefined {
    return this.tasks.get(token);
  }

  /** The Lambda that received the token returned: outcomes that arrived meanwhile apply now. */
  submitted(task: PendingTask): void {
    task.submitted = true;
    task.deferred?.();
    task.deferred = undefined;
  }

  heartbeat(token: string): void {
    const task = this.taskFor(token);
    task.lastHeartbeat = Date.now();
    this.armTimers(task);
  }

  /** Re-time the waiting tasks of an execution (its overrides changed). */
  retime(exec: Execution): void {
    for (const task of this.tasks.values()) if (task.exec === exec && task.status === 'pending') this.armTimers(task);
  }

  /** The execution ended: its waiting tasks are abandoned; a late SendTask* answers TaskTimedOut. */
  closeExecution(exec: Execution): void {
    for (const [token, task] of this.tasks) {
      if (task.exec !== exec) continue;
      this.abandon(task);
      this.tasks.delete(token);
    }
  }

  abandonAll(): void {
    for (const task of this.tasks.values()) this.abandon(task);
  }

  /** Close a waiting task of a run that is over and let the interpreter unwind it. */
  abandon(task: PendingTask): void {
    if (task.status !== 'pending') return;
    this.close(task);
    task.reject(new RunAbandonedError());
  }

  close(task: PendingTask): void {
    task.status = 'closed';
    for (const t of task.timers) t.cancel();
    task.timers = [];
  }

  settle(task: PendingTask, outcome: TaskOutcome): void {
    if (task.status !== 'pending') return;
    this.close(task);
    const apply = (): void => {
      if (task.exec.runId !== task.runId) return;
      const { resourceType, resource } = task;
      if (outcome.kind === 'success') {
        this.state.addEvent(task.exec, 'TaskSucceeded', { taskSucceededEventDetails: { resourceType, resource, output: JSON.stringify(outcome.output) } });
        task.resolve(outcome.output);
      } else if (outcome.kind === 'failure') {
        this.state.addEvent(task.exec, 'TaskFailed', { taskFailedEventDetails: { resourceType, resource, error: outcome.error, cause: outcome.cause } });
        task.reject(namedError(outcome.error, outcome.cause));
      } else {
        this.state.addEvent(task.exec, 'TaskTimedOut', { taskTimedOutEventDetails: { resourceType, resource, error: outcome.error, cause: outcome.cause } });
        task.reject(namedError(outcome.error, outcome.cause));
      }
    };
    if (task.submitted) apply();
    else task.deferred = apply; // the Lambda that received the token has not returned yet
  }

  taskFor(token: string): PendingTask {
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
      const exec = this.state.executions.get(decoded['e']);
      if (exec !== undefined && TERMINAL.has(exec.record.status)) throw new AwsError('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
      throw new AwsError('TaskDoesNotExist', 'Task does not exist (a task token from before a local runtime restart?)');
    }
    if (task.status !== 'pending') throw new AwsError('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
    return task;
  }

  private armTimers(task: PendingTask): void {
    for (const t of task.timers) t.cancel();
    task.timers = [];
    const timeoutMs = this.time.callbackTimeoutMs(task.exec, task.task.stateName, task.timeoutRaw);
    if (timeoutMs !== undefined) {
      task.timers.push(
        longTimeout(() => this.settle(task, { kind: 'timeout', error: 'States.Timeout', cause: 'The task did not receive a callback within its timeout.' }), Math.max(0, task.startedAt + timeoutMs - Date.now())),
      );
    }
    if (task.heartbeatRaw !== undefined) {
      const hbMs = this.time.heartbeatMs(task.exec, task.heartbeatRaw);
      task.timers.push(
        longTimeout(
          () => this.settle(task, { kind: 'timeout', error: 'States.HeartbeatTimeout', cause: 'The task sent no heartbeat within HeartbeatSeconds.' }),
          Math.max(0, task.lastHeartbeat + hbMs - Date.now()),
        ),
      );
    }
  }
}

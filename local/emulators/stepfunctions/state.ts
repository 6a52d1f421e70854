/**
 * State of the local Step Functions: execution records and their AWS-shaped history, kept in memory and
 * mirrored to the journal (persistence.ts) as they change.
 */
import type { RunOptions } from 'aws-local-stepfunctions';
import { AwsError } from '../aws-json-server';
import type { Cancellable } from '../clock';
import type { InvokeResult } from '../lambda/lambda';
import type { ExecutionJournal } from './persistence';

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
export type { LocalHandlers };
export type JsonValue = Parameters<LocalHandlers[string]>[0];

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

export interface Execution {
  readonly record: ExecutionRecord;
  readonly history: HistoryEvent[];
  runId: number;
  abort?: (() => void) | undefined;
  timeout?: Cancellable | undefined;
  overrides: ExecutionOverrides;
}

export type Invoke = (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;

export const TERMINAL: ReadonlySet<ExecutionStatus> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/** Epoch seconds with ms precision (AWS JSON timestamps). */
export function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** Number of states entered (= Standard-workflow state transitions billed) in a history. */
export function countTransitions(events: readonly { readonly type?: string | undefined }[]): number {
  return events.filter((e) => e.type?.endsWith('StateEntered') === true).length;
}

export function namedError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

/**
 * Ends a task of a run that no longer counts (stopped, timed out, superseded by a restart): neither
 * retryable nor catchable for the interpreter, so the run unwinds at once and its timers are cleared.
 */
export class RunAbandonedError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor() {
    super('The local execution run was stopped');
    this.name = 'LocalRunAbandoned';
  }
}

/** Every execution by ARN, with the overrides set for executions not started yet (by name). */
export class ExecutionState {
  readonly executions = new Map<string, Execution>();
  readonly pendingOverrides = new Map<string, ExecutionOverrides>();

  constructor(private readonly journal: ExecutionJournal) {}

  executionFor(arn: string): Execution {
    if (!arn.includes(':execution:')) throw new AwsError('InvalidArn', `Invalid Arn: '${arn}'`);
    const exec = this.executions.get(arn);
    if (exec === undefined) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return exec;
  }

  persistRecord(exec: Execution): void {
    this.journal.appendRecord(exec.record);
  }

  addEvent(exec: Execution, type: string, details: Record<string, unknown> = {}): void {
    const id = exec.history.length + 1;
    const event: HistoryEvent = { timestamp: seconds(Date.now()), type, id, previousEventId: id - 1, ...details };
    exec.history.push(event);
    this.journal.appendEvent(exec.record.executionArn, event);
  }
}

/**
 * The order's workflow execution (name = orderId) as operators see it: status, the state it is in, the
 * states it went through and its failures, read from Step Functions (DescribeExecution +
 * GetExecutionHistory, at most 10 pages) and the state machine definition (cached per container).
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { executionArnFor } from '../../sweeps/domain/rules';
import type { ExecutionView } from '../schemas/look';

export interface ExecutionDeps {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExecutionDoesNotExist' || error.name === 'StateMachineDoesNotExist');
}

type Failure = ExecutionView['failures'][number];

function failureOf(event: HistoryEvent): { error?: string | undefined; cause?: string | undefined } | undefined {
  return (
    event.taskFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.executionFailedEventDetails ??
    event.executionTimedOutEventDetails ??
    event.executionAbortedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    undefined
  );
}

/** Pure: states entered (first-entered order), the current state and the failures of a history. */
export function summarizeHistory(events: readonly HistoryEvent[]): Pick<ExecutionView, 'visitedStates' | 'failures'> & { currentState?: string } {
  const visited: string[] = [];
  const failures: Failure[] = [];
  let current: string | undefined;
  const byId = new Map<number, string>();
  for (const event of events) {
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined) {
      if (!visited.includes(entered)) visited.push(entered);
      current = entered;
    }
    if (event.id !== undefined && current !== undefined) byId.set(event.id, current);
    const failure = failureOf(event);
    if (failure !== undefined && (event.type ?? '').match(/Failed|TimedOut|Aborted/)) {
      const state = (event.previousEventId === undefined ? undefined : byId.get(event.previousEventId)) ?? current ?? '(execution)';
      failures.push({ state, error: failure.error ?? event.type ?? 'Failed', cause: (failure.cause ?? '').slice(0, 2000), at: event.timestamp?.toISOString() ?? '' });
    }
  }
  return { visitedStates: visited, failures, ...(current === undefined ? {} : { currentState: current }) };
}

export async function describeOrderExecution(deps: ExecutionDeps, orderId: string): Promise<ExecutionView | null> {
  const executionArn = executionArnFor(deps.stateMachineArn, orderId);
  let status: string;
  let redriveCount: number | undefined;
  try {
    const described = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    status = described.status ?? 'UNKNOWN';
    redriveCount = described.redriveCount;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 10; page++) {
    const history = await deps.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: false }));
    events.push(...(history.events ?? []));
    nextToken = history.nextToken;
    if (nextToken === undefined) break;
  }
  return { executionArn, status, ...summarizeHistory(events), ...(redriveCount === undefined ? {} : { redriveCount }) };
}

let definition: Record<string, unknown> | null | undefined;

/** The workflow's ASL definition, parsed (null when the state machine cannot be described). */
export async function stateMachineDefinition(deps: ExecutionDeps): Promise<Record<string, unknown> | null> {
  if (definition !== undefined) return definition;
  try {
    const described = await deps.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: deps.stateMachineArn }));
    const parsed: unknown = JSON.parse(described.definition ?? 'null');
    definition = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    definition = null;
  }
  return definition;
}

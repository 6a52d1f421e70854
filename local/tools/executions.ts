/**
 * `npm run executions` (tsx local/tools/cli.ts executions [list|show <orderId>]): the order workflow's executions
 * on the running local stack, read through the local Step Functions API with the normal SDK.
 *
 *   npm run executions                   the latest executions: name (= orderId), status, duration
 *   npm run executions -- show <orderId> one execution: states entered in order, task outcomes, transitions
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { readLiveLock } from '../runtime/lock';
import type { LocalEndpoints } from '../runtime/runtime';
import { countTransitions } from '../emulators/stepfunctions/service';

export class NotRunningError extends Error {}

export async function liveEndpoints(dataDir: string): Promise<LocalEndpoints> {
  const file = path.join(dataDir, 'endpoints.json');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || (await readLiveLock(dataDir)) === undefined) {
    throw new NotRunningError(`The local stack is not running (no live ${path.relative(process.cwd(), file) || file}). Start it with npm start.`);
  }
  return JSON.parse(text) as LocalEndpoints;
}

export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

export async function fullHistory(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const out = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken === undefined ? {} : { nextToken }) }));
    events.push(...(out.events ?? []));
    nextToken = out.nextToken;
  } while (nextToken !== undefined);
  return events;
}

function ms(a: Date | undefined, b: Date | undefined): string {
  if (a === undefined || b === undefined) return '';
  return `${((b.getTime() - a.getTime()) / 1000).toFixed(1)} s`;
}

/** One line per state entered (indented inside Map iterations), with task outcomes. */
export function formatHistory(events: readonly HistoryEvent[]): string[] {
  const lines: string[] = [];
  const start = events[0]?.timestamp;
  let indent = '';
  const at = (e: HistoryEvent): string => `+${ms(start, e.timestamp).padStart(7)}`;
  for (const e of events) {
    const type = e.type ?? '';
    if (type === 'MapIterationStarted') {
      lines.push(`${at(e)}  ${indent}[iteration ${String(e.mapIterationStartedEventDetails?.index ?? '')}]`);
      indent = '    ';
    } else if (type === 'MapIterationSucceeded' || type === 'MapIterationFailed') {
      indent = '';
    } else if (type.endsWith('StateEntered')) {
      lines.push(`${at(e)}  ${indent}${e.stateEnteredEventDetails?.name ?? '?'} (${type.replace('StateEntered', '')})`);
    } else if (type === 'TaskFailed' || type === 'LambdaFunctionFailed') {
      const d = e.taskFailedEventDetails ?? e.lambdaFunctionFailedEventDetails;
      lines.push(`${at(e)}  ${indent}  ! failed: ${d?.error ?? ''} ${(d?.cause ?? '').slice(0, 120)}`);
    } else if (type === 'TaskTimedOut' || type === 'LambdaFunctionTimedOut') {
      lines.push(`${at(e)}  ${indent}  ! timed out (${e.taskTimedOutEventDetails?.error ?? e.lambdaFunctionTimedOutEventDetails?.error ?? 'States.Timeout'})`);
    } else if (type === 'ExecutionRedriven') {
      indent = '';
      lines.push(`${at(e)}  -- started again (redrive ${String(e.executionRedrivenEventDetails?.redriveCount ?? '')})`);
    } else if (type === 'ExecutionFailed' || type === 'ExecutionAborted' || type === 'ExecutionTimedOut' || type === 'ExecutionSucceeded') {
      const d = e.executionFailedEventDetails ?? e.executionAbortedEventDetails ?? e.executionTimedOutEventDetails;
      lines.push(`${at(e)}  ${type}${d?.error === undefined ? '' : `: ${d.error}`}`);
    }
  }
  return lines;
}

export async function executionsCommand(dataDir: string, args: readonly string[]): Promise<void> {
  const e = await liveEndpoints(dataDir);
  const machine = e.stepFunctions.stateMachineArn;
  if (machine === null) throw new Error('The template has no state machine.');
  const client = sfnClient(e.stepFunctions.endpoint);
  const [sub = 'list', id] = args;
  if (sub === 'list') {
    const out = await client.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 50 }));
    const list = out.executions ?? [];
    if (list.length === 0) {
      console.log('No executions yet (place an order: npm run demo).');
      return;
    }
    console.log(`Latest ${list.length} execution(s) of ${machine.split(':').pop() ?? machine} (name = orderId):`);
    for (const x of list) {
      const took = x.stopDate === undefined ? `running ${ms(x.startDate, new Date())}` : ms(x.startDate, x.stopDate);
      console.log(`  ${String(x.name).padEnd(32)} ${String(x.status).padEnd(10)} ${x.startDate?.toISOString() ?? ''}  ${took}`);
    }
    console.log('\nOne execution in detail: npm run executions -- show <orderId>');
    return;
  }
  if (sub !== 'show' || id === undefined) throw new Error('Usage: executions [list | show <orderId or execution ARN>]');
  const arn = id.startsWith('arn:') ? id : `${machine.replace(':stateMachine:', ':execution:')}:${id}`;
  let described: DescribeExecutionCommandOutput;
  try {
    described = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist') throw new Error(`No execution named ${id}.`);
    throw error;
  }
  const events = await fullHistory(client, arn);
  console.log(`${described.name} ${described.status}  started ${described.startDate?.toISOString() ?? ''}${described.stopDate === undefined ? '' : `, took ${ms(described.startDate, described.stopDate)}`}`);
  if (described.error !== undefined) console.log(`  error ${described.error}: ${(described.cause ?? '').slice(0, 300)}`);
  for (const line of formatHistory(events)) console.log(line);
  console.log(`\n${countTransitions(events)} state transitions, ${events.length} history events`);
}

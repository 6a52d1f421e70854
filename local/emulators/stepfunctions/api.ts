/**
 * The Step Functions API of the local stand-in (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`):
 * each operation's input read and its output shaped as AWS does, over the service (service.ts). Also the
 * local-only `POST /_local/overrides`.
 */
import { isRecord } from '../../../functions/core/kernel/guards';
import { AwsError } from '../aws-json-server';
import { LOCAL_ACCOUNT, LOCAL_PARTITION } from '../../template/local-ids';
import type { StateMachineSpec } from '../../template/workflows';
import { seconds, TERMINAL, type Execution, type ExecutionOverrides, type HistoryEvent } from './state';
import type { LocalStepFunctions } from './service';

const STARTED_AT = Date.now();

function str(input: Record<string, unknown>, key: string): string {
  const value = input[key];
  if (typeof value === 'string' && value !== '') return value;
  throw new AwsError('ValidationException', `1 validation error detected: Value at '${key}' failed to satisfy constraint: Member must not be null`);
}

function optional(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key];
  return typeof value === 'string' ? value : undefined;
}

/** maxResults (1..1000, default 100) and the offset in nextToken. */
function page<T>(items: readonly T[], input: Record<string, unknown>): { items: T[]; nextToken?: string } {
  const max = typeof input['maxResults'] === 'number' && input['maxResults'] > 0 ? Math.min(1000, input['maxResults']) : 100;
  const offset = typeof input['nextToken'] === 'string' ? Number(input['nextToken']) || 0 : 0;
  return { items: items.slice(offset, offset + max), ...(offset + max < items.length ? { nextToken: String(offset + max) } : {}) };
}

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

function describeExecution(exec: Execution): Record<string, unknown> {
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

function describeMachine(spec: StateMachineSpec): Record<string, unknown> {
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

function listExecutions(sfn: LocalStepFunctions, input: Record<string, unknown>): unknown {
  const machineArn = str(input, 'stateMachineArn');
  sfn.machineFor(machineArn);
  const filter = input['statusFilter'];
  const all = sfn.executionsOf(machineArn).filter((e) => filter === undefined || e.record.status === filter).sort((a, b) => b.record.startDate - a.record.startDate);
  const { items, nextToken } = page(all, input);
  return {
    executions: items.map((e) => ({
      executionArn: e.record.executionArn,
      stateMachineArn: e.record.stateMachineArn,
      name: e.record.name,
      status: e.record.status,
      startDate: seconds(e.record.startDate),
      ...(e.record.stopDate === undefined ? {} : { stopDate: seconds(e.record.stopDate) }),
      redriveCount: e.record.redriveCount,
    })),
    ...(nextToken === undefined ? {} : { nextToken }),
  };
}

function executionHistory(sfn: LocalStepFunctions, input: Record<string, unknown>): unknown {
  const exec = sfn.executionFor(str(input, 'executionArn'));
  const events = input['reverseOrder'] === true ? [...exec.history].reverse() : exec.history;
  const includeData = input['includeExecutionData'] !== false;
  const { items, nextToken } = page(events, input);
  return { events: items.map((e) => (includeData ? e : stripData(e))), ...(nextToken === undefined ? {} : { nextToken }) };
}

/** One API operation. */
export async function handleStepFunctions(sfn: LocalStepFunctions, op: string, input: Record<string, unknown>): Promise<unknown> {
  switch (op) {
    case 'StartExecution':
      return sfn.startExecution(str(input, 'stateMachineArn'), optional(input, 'name'), optional(input, 'input'));
    case 'DescribeExecution':
      return describeExecution(sfn.executionFor(str(input, 'executionArn')));
    case 'DescribeStateMachineForExecution':
      return describeMachine(sfn.machineFor(sfn.executionFor(str(input, 'executionArn')).record.stateMachineArn).spec);
    case 'ListExecutions':
      return listExecutions(sfn, input);
    case 'GetExecutionHistory':
      return executionHistory(sfn, input);
    case 'StopExecution':
      return { stopDate: seconds(sfn.stopExecution(str(input, 'executionArn'), optional(input, 'error'), optional(input, 'cause'))) };
    case 'RedriveExecution':
      return { redriveDate: seconds(sfn.redriveExecution(str(input, 'executionArn'))) };
    case 'SendTaskSuccess':
      sfn.sendTaskSuccess(str(input, 'taskToken'), str(input, 'output'));
      return {};
    case 'SendTaskFailure':
      sfn.sendTaskFailure(str(input, 'taskToken'), optional(input, 'error') ?? '', optional(input, 'cause') ?? '');
      return {};
    case 'SendTaskHeartbeat':
      sfn.sendTaskHeartbeat(str(input, 'taskToken'));
      return {};
    case 'DescribeStateMachine':
      return describeMachine(sfn.machineFor(str(input, 'stateMachineArn')).spec);
    case 'ListStateMachines':
      return { stateMachines: sfn.machineSpecs().map((spec) => ({ stateMachineArn: spec.arn, name: spec.name, type: spec.type, creationDate: seconds(STARTED_AT) })) };
    default:
      throw new AwsError('UnknownOperationException', `Operation ${op} is not emulated by the local runtime`);
  }
}

/** `POST /_local/overrides {executionName|executionArn, timeScale?, stateTimeoutSeconds?}`. */
export function localOverridesRoute(sfn: LocalStepFunctions, method: string, url: URL, body: unknown): { status: number; body: unknown } | undefined {
  if (url.pathname !== '/_local/overrides' || method !== 'POST' || !isRecord(body)) return undefined;
  const scale = body['timeScale'];
  const states = body['stateTimeoutSeconds'];
  const overrides: ExecutionOverrides = {
    ...(typeof scale === 'number' && scale > 0 ? { timeScale: scale } : {}),
    ...(isRecord(states) ? { stateTimeoutSeconds: Object.fromEntries(Object.entries(states).filter((e): e is [string, number] => typeof e[1] === 'number')) } : {}),
  };
  const ok = sfn.setOverrides(
    {
      ...(typeof body['executionArn'] === 'string' ? { executionArn: body['executionArn'] } : {}),
      ...(typeof body['executionName'] === 'string' ? { executionName: body['executionName'] } : {}),
    },
    overrides,
  );
  return ok ? { status: 200, body: { ok: true } } : { status: 404, body: { message: 'no such execution' } };
}

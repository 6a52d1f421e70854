/**
 * The EventBridge API of the local stand-in (AWS JSON 1.1, `X-Amz-Target: AWSEvents.<Operation>`):
 * PutEvents (entries validated like AWS: Source, DetailType, Detail as a JSON object, known bus by name
 * or ARN; at most 10 entries), ListEventBuses, DescribeEventBus, ListRules; and the local-only routes
 * `GET /_local/events`, `GET /_local/schedules`, `POST /_local/schedules/fire?rule=<name>`.
 */
import { randomUUID } from 'node:crypto';
import { isRecord } from '../../../functions/core/kernel/guards';
import { busNameOf } from '../../template/events';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../template/local-ids';
import { AwsError } from '../aws-json-server';
import type { BusEvent } from './bus';
import type { LocalEventBridge } from './eventbridge';

/** One PutEvents entry: its event published, or its error. */
function putEntry(eb: LocalEventBridge, raw: unknown): Record<string, string> {
  eb.stats.entries++;
  const e = isRecord(raw) ? raw : {};
  const fail = (code: string, message: string): Record<string, string> => {
    eb.stats.failedEntries++;
    return { ErrorCode: code, ErrorMessage: message };
  };
  if (typeof e['Source'] !== 'string' || e['Source'] === '') return fail('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
  if (typeof e['DetailType'] !== 'string' || e['DetailType'] === '') return fail('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
  if (typeof e['Detail'] !== 'string') return fail('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
  let detail: unknown;
  try {
    detail = JSON.parse(e['Detail']);
  } catch {
    return fail('MalformedDetail', 'Detail is malformed.');
  }
  if (!isRecord(detail)) return fail('MalformedDetail', 'Detail is malformed.');
  const busName = typeof e['EventBusName'] === 'string' && e['EventBusName'] !== '' ? busNameOf(e['EventBusName']) : 'default';
  if (!eb.hasBus(busName)) return fail('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
  const time = typeof e['Time'] === 'number' ? new Date(e['Time'] * 1000) : new Date();
  const event: BusEvent = {
    version: '0',
    id: randomUUID(),
    'detail-type': e['DetailType'],
    source: e['Source'],
    account: LOCAL_ACCOUNT,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: Array.isArray(e['Resources']) ? e['Resources'].filter((r): r is string => typeof r === 'string') : [],
    detail,
  };
  eb.publish(busName, event);
  return { EventId: event.id };
}

function listRules(eb: LocalEventBridge, input: Record<string, unknown>): unknown {
  const bus = busNameOf(typeof input['EventBusName'] === 'string' ? input['EventBusName'] : 'default');
  return {
    Rules: eb.rules
      .filter((r) => r.busName === bus)
      .map((r) => ({
        Name: r.name,
        Arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${r.name}`,
        State: r.enabled ? 'ENABLED' : 'DISABLED',
        EventBusName: r.busName,
        ...(r.eventPattern === undefined ? {} : { EventPattern: JSON.stringify(r.eventPattern) }),
        ...(r.scheduleExpression === undefined ? {} : { ScheduleExpression: r.scheduleExpression }),
      })),
  };
}

export function handleEventBridge(eb: LocalEventBridge, op: string, input: Record<string, unknown>): unknown {
  switch (op) {
    case 'PutEvents': {
      const entries = input['Entries'];
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
        throw new AwsError('ValidationException', "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10");
      }
      eb.stats.putEventsCalls++;
      const results = entries.map((raw: unknown) => putEntry(eb, raw));
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    }
    case 'ListEventBuses':
      return { EventBuses: eb.buses.map((b) => ({ Name: b.name, Arn: b.arn })) };
    case 'DescribeEventBus': {
      const name = busNameOf(typeof input['Name'] === 'string' ? input['Name'] : 'default');
      const bus = eb.buses.find((b) => b.name === name);
      if (bus === undefined) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
      return { Name: bus.name, Arn: bus.arn };
    }
    case 'ListRules':
      return listRules(eb, input);
    default:
      throw new AwsError('UnknownOperationException', `Operation ${op} is not emulated by the local runtime`);
  }
}

export async function eventBridgeLocalRoute(eb: LocalEventBridge, method: string, url: URL): Promise<{ status: number; body: unknown } | undefined> {
  if (method === 'GET' && url.pathname === '/_local/events') return { status: 200, body: { events: eb.query(url.searchParams) } };
  if (method === 'GET' && url.pathname === '/_local/schedules') return { status: 200, body: { schedules: eb.schedules() } };
  if (method === 'POST' && url.pathname === '/_local/schedules/fire') {
    const rule = url.searchParams.get('rule') ?? '';
    if (!eb.hasSchedule(rule)) return { status: 404, body: { message: `no schedule rule ${rule}` } };
    return { status: 200, body: await eb.fireSchedule(rule) };
  }
  return undefined;
}

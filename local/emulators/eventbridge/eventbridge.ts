/**
 * Local EventBridge: a stand-in of the EventBridge API on 127.0.0.1 (AWS JSON 1.1,
 * `X-Amz-Target: AWSEvents.<Operation>`) for the template's buses (plus `default`). Handlers reach it
 * through `AWS_ENDPOINT_URL_EVENTBRIDGE` (the SDK v3 service id is "EventBridge").
 *
 * - PutEvents: entries validated like AWS (Source, DetailType, Detail as a JSON object, known bus by
 *   name or ARN; at most 10 entries), each event kept in memory (the last `keep` per bus) and appended
 *   to `<dataDir>/events.ndjson`;
 * - AWS::Events::Rule with an EventPattern (matched with local/patterns.ts) delivers to its Lambda
 *   targets (async invoke, 2 retries) and SQS targets (SendMessage), with Input / InputPath /
 *   InputTransformer;
 * - AWS::Events::Rule with a ScheduleExpression (`rate(...)`, `cron(...)`) fires on a timer; local time
 *   runs `1 / scheduleScale` times faster (an hourly rule fires every 10 s at 1/360), never more often
 *   than every `minScheduleIntervalMs` (1 s), or at a fixed `scheduleIntervalMs` (tests); a tick is
 *   skipped while the rule's previous firing is still running; `schedules: false` = no timers (a rule
 *   still fires on demand: `fireSchedule`, `POST /_local/schedules/fire?rule=<name>`);
 * - ListEventBuses, DescribeEventBus, ListRules; local-only `GET /_local/events?bus=&detailType=&contains=&limit=`
 *   returns recent events (tests, the demo), `GET /_local/schedules` every schedule rule with its local
 *   interval, firings, last result and next firing (`npm run schedules`).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AwsError, startJsonServer, type JsonServer } from '../aws-json-server';
import { longTimeout, sleep, type Cancellable } from '../clock';
import type { InvokeResult } from '../lambda/lambda';
import { matchesPattern } from '../patterns';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../template/resolve';
import { busNameOf, type EventBusSpec, type EventRuleSpec, type RuleTarget } from '../../template/events';
import { isRecord } from '../../../functions/core/kernel/guards';

export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

export interface StoredEvent {
  readonly bus: string;
  readonly event: BusEvent;
}

export interface EventBridgeOptions {
  readonly buses: readonly EventBusSpec[];
  readonly rules: readonly EventRuleSpec[];
  readonly invokeAsync: (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;
  readonly sqs?: SQSClient;
  readonly dataDir?: string;
  /** Events kept in memory per bus. @default 2000 */
  readonly keep?: number;
  /** Multiplier of schedule intervals (local time runs 1/scale times faster). @default 1 */
  readonly scheduleScale?: number;
  /** Run schedule rules on timers. `false`: they fire only on demand (fireSchedule). @default true */
  readonly schedules?: boolean;
  /** Fire every schedule rule at this fixed interval (ms) instead of its expression x scale (tests). */
  readonly scheduleIntervalMs?: number;
  /** Shortest local interval of a schedule rule (ms); ignored with scheduleIntervalMs. @default 1000 */
  readonly minScheduleIntervalMs?: number;
  /** Log one line per schedule firing (target, result, duration); failures are always logged. @default false */
  readonly logSchedules?: boolean;
  readonly port?: number;
  readonly log?: (line: string) => void;
}


/** `$.a.b[0].c` on a JSON value (the JSONPath subset EventBridge input paths use). */
export function simplePath(value: unknown, jsonPath: string): unknown {
  if (jsonPath === '$') return value;
  const parts = jsonPath
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p !== '');
  let current: unknown = value;
  for (const p of parts) {
    if (Array.isArray(current)) current = current[Number(p)];
    else if (isRecord(current)) current = current[p];
    else return undefined;
  }
  return current;
}

/** What a rule target receives (Input, InputPath or InputTransformer applied). */
export function targetInput(target: RuleTarget, event: BusEvent): unknown {
  const t = target.transform;
  if (t.input !== undefined) return JSON.parse(t.input) as unknown;
  if (t.inputPath !== undefined) return simplePath(event, t.inputPath);
  if (t.inputTransformer !== undefined) {
    const values = Object.fromEntries(Object.entries(t.inputTransformer.pathsMap).map(([k, p]) => [k, simplePath(event, p)]));
    const text = t.inputTransformer.template.replace(/<([A-Za-z0-9_.-]+)>/g, (whole, key: string) => {
      if (key === 'aws.events.event') return JSON.stringify(event);
      if (key === 'aws.events.event.json') return JSON.stringify(event);
      if (!(key in values)) return whole;
      const v = values[key];
      return typeof v === 'string' ? v : JSON.stringify(v ?? null);
    });
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return event;
}

// ---------------------------------------------------------------------------------------------------
// Schedules

const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export function rateMs(expression: string): number | undefined {
  const m = /^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/.exec(expression.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = UNIT_MS[m[2] as string];
  return n > 0 && unit !== undefined ? n * unit : undefined;
}

function cronField(spec: string, min: number, max: number, names?: readonly string[], nameOffset = 0): Set<number> | undefined {
  const out = new Set<number>();
  if (spec === '*' || spec === '?') {
    for (let v = min; v <= max; v++) out.add(v);
    return out;
  }
  const value = (t: string): number | undefined => {
    const idx = names?.indexOf(t.toUpperCase()) ?? -1;
    if (idx >= 0) return idx + nameOffset;
    return /^\d+$/.test(t) ? Number(t) : undefined;
  };
  for (const part of spec.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number | undefined;
    let to: number | undefined;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      from = value(a ?? '');
      to = value(b ?? '');
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    if (from === undefined || to === undefined || !Number.isInteger(step) || step < 1 || from < min || to > max) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** AWS cron (minutes hours day-of-month month day-of-week year), UTC; L, W and # are not supported. */
export function parseCron(expression: string): ((after: Date) => Date | undefined) | undefined {
  const m = /^cron\((.+)\)$/.exec(expression.trim());
  const fields = m?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6) return undefined;
  const [mi, h, dom, mon, dow, yr] = fields as [string, string, string, string, string, string];
  const minutes = cronField(mi, 0, 59);
  const hours = cronField(h, 0, 23);
  const days = cronField(dom, 1, 31);
  const months = cronField(mon, 1, 12, MONTHS, 1);
  const weekdays = cronField(dow, 1, 7, DAYS, 1);
  const years = yr === '*' ? undefined : cronField(yr, 1970, 2199);
  if (minutes === undefined || hours === undefined || days === undefined || months === undefined || weekdays === undefined) return undefined;
  if (yr !== '*' && years === undefined) return undefined;
  const anyDom = dom === '?' || dom === '*';
  const anyDow = dow === '?' || dow === '*';
  return (after) => {
    const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
    for (let i = 0; i < 366 * 24 * 60 * 5; i++) {
      const ok =
        minutes.has(t.getUTCMinutes()) &&
        hours.has(t.getUTCHours()) &&
        months.has(t.getUTCMonth() + 1) &&
        (anyDom || days.has(t.getUTCDate())) &&
        (anyDow || weekdays.has(t.getUTCDay() + 1)) &&
        (years === undefined || years.has(t.getUTCFullYear()));
      if (ok) return t;
      t.setTime(t.getTime() + 60_000);
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------------

export interface TargetResult {
  readonly target: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly error?: string;
}

export interface ScheduleFiring {
  readonly rule: string;
  readonly at: string;
  readonly onDemand: boolean;
  readonly results: readonly TargetResult[];
}

/** What `GET /_local/schedules` (and `npm run schedules`) shows per schedule rule. */
export interface ScheduleInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly expression: string;
  readonly enabled: boolean;
  /** Local interval between firings (ms); for cron, the next gap. Undefined when not armed. */
  readonly localIntervalMs?: number;
  readonly targets: readonly string[];
  readonly firings: number;
  readonly failures: number;
  readonly skippedTicks: number;
  readonly lastFiredAt?: string;
  readonly lastResults?: readonly TargetResult[];
  readonly nextAt?: string;
  readonly running: boolean;
  readonly note?: string;
}

interface ScheduleState {
  readonly rule: EventRuleSpec;
  readonly expression: string;
  localIntervalMs?: number;
  firings: number;
  failures: number;
  skippedTicks: number;
  lastFiredAt?: string;
  lastResults?: readonly TargetResult[];
  nextAt?: number;
  running: boolean;
  note?: string;
}

function targetLabel(target: RuleTarget): string {
  if (target.kind === 'lambda') return target.functionLogicalId;
  if (target.kind === 'sqs') return target.queueUrl.split('/').pop() ?? target.queueUrl;
  return target.arn;
}

export class LocalEventBridge {
  private readonly recent = new Map<string, BusEvent[]>();
  private readonly busByName = new Map<string, EventBusSpec>();
  private server?: JsonServer;
  private journal?: WriteStream;
  private readonly timers: Cancellable[] = [];
  private readonly controller = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly scheduleStates: ScheduleState[] = [];
  readonly warnings: string[] = [];
  readonly stats = { putEventsCalls: 0, entries: 0, failedEntries: 0, deliveries: 0, failedDeliveries: 0, scheduledFirings: 0 };

  constructor(private readonly opts: EventBridgeOptions) {
    for (const bus of opts.buses) {
      this.busByName.set(bus.name, bus);
      this.recent.set(bus.name, []);
    }
    for (const rule of opts.rules) {
      for (const t of rule.targets) if (t.kind === 'unsupported') this.warnings.push(`rule ${rule.logicalId}: target ${t.arn} is not emulated locally`);
    }
  }

  get endpoint(): string {
    if (this.server === undefined) throw new Error('Local EventBridge not started');
    return this.server.endpoint;
  }

  async start(): Promise<string> {
    if (this.opts.dataDir !== undefined) this.journal = createWriteStream(path.join(this.opts.dataDir, 'events.ndjson'), { flags: 'a' });
    this.server = await startJsonServer({
      targetPrefix: 'AWSEvents',
      jsonVersion: '1.1',
      what: 'EventBridge',
      port: this.opts.port ?? 0,
      handle: async (op, input) => this.handle(op, input),
      local: async (method, url) => {
        if (method === 'GET' && url.pathname === '/_local/events') return { status: 200, body: { events: this.query(url.searchParams) } };
        if (method === 'GET' && url.pathname === '/_local/schedules') return { status: 200, body: { schedules: this.schedules() } };
        if (method === 'POST' && url.pathname === '/_local/schedules/fire') {
          const rule = url.searchParams.get('rule') ?? '';
          if (this.findSchedule(rule) === undefined) return { status: 404, body: { message: `no schedule rule ${rule}` } };
          return { status: 200, body: await this.fireSchedule(rule) };
        }
        return undefined;
      },
    });
    this.startSchedules();
    return this.server.endpoint;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    for (const t of this.timers) t.cancel();
    await Promise.allSettled([...this.inflight]);
    await this.server?.stop();
    const journal = this.journal;
    if (journal !== undefined) await new Promise<void>((resolve) => journal.end(() => resolve()));
  }

  /** Recent events of a bus (oldest first). */
  events(bus: string): readonly BusEvent[] {
    return this.recent.get(busNameOf(bus)) ?? [];
  }

  private query(params: URLSearchParams): StoredEvent[] {
    const bus = params.get('bus');
    const detailType = params.get('detailType');
    const source = params.get('source');
    const contains = params.get('contains');
    const limit = Number(params.get('limit') ?? '1000');
    const out: StoredEvent[] = [];
    for (const [name, events] of this.recent) {
      if (bus !== null && bus !== '' && name !== busNameOf(bus)) continue;
      for (const event of events) {
        if (detailType !== null && event['detail-type'] !== detailType) continue;
        if (source !== null && event.source !== source) continue;
        if (contains !== null && !JSON.stringify(event.detail).includes(contains)) continue;
        out.push({ bus: name, event });
      }
    }
    out.sort((a, b) => a.event.time.localeCompare(b.event.time));
    return out.slice(-Math.max(1, limit));
  }

  /** Publish one event (also used in-process). Returns the event id. */
  publish(busName: string, event: BusEvent): void {
    const list = this.recent.get(busName);
    if (list === undefined) return;
    list.push(event);
    const keep = this.opts.keep ?? 2000;
    if (list.length > keep) list.splice(0, list.length - keep);
    this.journal?.write(`${JSON.stringify({ bus: busName, event })}\n`);
    for (const rule of this.opts.rules) {
      if (!rule.enabled || rule.busName !== busName || rule.eventPattern === undefined) continue;
      if (!matchesPattern(rule.eventPattern, event)) continue;
      for (const target of rule.targets) void this.deliver(rule, target, event);
    }
  }

  private deliver(rule: EventRuleSpec, target: RuleTarget, event: BusEvent): Promise<TargetResult> {
    const started = performance.now();
    const label = targetLabel(target);
    const p = (async (): Promise<TargetResult> => {
      const input = targetInput(target, event);
      let lastError = 'not delivered';
      for (let attempt = 0; attempt < 3 && !this.controller.signal.aborted; attempt++) {
        try {
          if (target.kind === 'lambda') {
            const result = await this.opts.invokeAsync(target.functionLogicalId, input);
            if (!result.ok) throw new Error(`${result.error.errorType}: ${result.error.errorMessage}`);
          } else if (target.kind === 'sqs') {
            if (this.opts.sqs === undefined) throw new Error('no local SQS');
            await this.opts.sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: typeof input === 'string' ? input : JSON.stringify(input) }));
          } else {
            return { target: label, ok: false, durationMs: 0, error: 'target not emulated locally' };
          }
          this.stats.deliveries++;
          return { target: label, ok: true, durationMs: Math.round(performance.now() - started) };
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
          if (attempt === 2) {
            this.stats.failedDeliveries++;
            this.opts.log?.(`  [events] rule ${rule.logicalId} -> ${target.id} failed: ${lastError}`);
          } else {
            await sleep(200 * (attempt + 1), this.controller.signal);
          }
        }
      }
      return { target: label, ok: false, durationMs: Math.round(performance.now() - started), error: lastError };
    })();
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  /** Every schedule rule with its local timing and last results. */
  schedules(): ScheduleInfo[] {
    return this.scheduleStates.map((st) => ({
      logicalId: st.rule.logicalId,
      name: st.rule.name,
      expression: st.expression,
      enabled: st.rule.enabled,
      ...(st.localIntervalMs === undefined ? {} : { localIntervalMs: Math.round(st.localIntervalMs) }),
      targets: st.rule.targets.map(targetLabel),
      firings: st.firings,
      failures: st.failures,
      skippedTicks: st.skippedTicks,
      ...(st.lastFiredAt === undefined ? {} : { lastFiredAt: st.lastFiredAt }),
      ...(st.lastResults === undefined ? {} : { lastResults: st.lastResults }),
      ...(st.nextAt === undefined ? {} : { nextAt: new Date(st.nextAt).toISOString() }),
      running: st.running,
      ...(st.note === undefined ? {} : { note: st.note }),
    }));
  }

  private findSchedule(nameOrLogicalId: string): ScheduleState | undefined {
    return this.scheduleStates.find((st) => st.rule.logicalId === nameOrLogicalId || st.rule.name === nameOrLogicalId);
  }

  /** Fire a schedule rule now (by name or logical id), whatever its timer; resolves with the target results. */
  async fireSchedule(nameOrLogicalId: string): Promise<ScheduleFiring> {
    const st = this.findSchedule(nameOrLogicalId);
    if (st === undefined) throw new Error(`no schedule rule ${nameOrLogicalId}`);
    return this.fire(st, true);
  }

  private async fire(st: ScheduleState, onDemand: boolean): Promise<ScheduleFiring> {
    const rule = st.rule;
    this.stats.scheduledFirings++;
    st.firings++;
    st.running = true;
    const at = new Date().toISOString();
    st.lastFiredAt = at;
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: LOCAL_ACCOUNT,
      time: at.replace(/\.\d{3}Z$/, 'Z'),
      region: LOCAL_REGION,
      resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${rule.name}`],
      detail: {},
    };
    try {
      const results = await Promise.all(rule.targets.map((target) => this.deliver(rule, target, event)));
      st.lastResults = results;
      if (results.some((r) => !r.ok)) st.failures++;
      if (this.opts.logSchedules === true) {
        const outcome = results.map((r) => `${r.target} ${r.ok ? 'ok' : `FAILED (${r.error ?? ''})`} ${r.durationMs} ms`).join(', ');
        this.opts.log?.(`  [schedule] ${rule.logicalId} ${st.expression}${onDemand ? ' (on demand)' : ''} -> ${outcome || 'no targets'}`);
      }
      return { rule: rule.name, at, onDemand, results };
    } finally {
      st.running = false;
    }
  }

  private startSchedules(): void {
    const scale = this.opts.scheduleScale ?? 1;
    const fixed = this.opts.scheduleIntervalMs;
    const floor = this.opts.minScheduleIntervalMs ?? 1000;
    const timersOn = this.opts.schedules !== false;
    const t0 = Date.now();
    const virtualNow = (): number => t0 + (Date.now() - t0) / scale;
    for (const rule of this.opts.rules) {
      if (rule.scheduleExpression === undefined) continue;
      const expression = rule.scheduleExpression;
      const st: ScheduleState = { rule, expression, firings: 0, failures: 0, skippedTicks: 0, running: false };
      this.scheduleStates.push(st);
      const rate = rateMs(expression);
      const cron = rate === undefined ? parseCron(expression) : undefined;
      if (rate === undefined && cron === undefined) {
        st.note = 'expression not supported locally';
        this.warnings.push(`rule ${rule.logicalId}: schedule ${expression} is not supported locally`);
        continue;
      }
      if (!rule.enabled) {
        st.note = 'rule DISABLED in the template';
        continue;
      }
      if (!timersOn) {
        st.note = 'schedules off (fires on demand only)';
        continue;
      }
      const arm = (): void => {
        if (this.controller.signal.aborted) return;
        let delay: number;
        if (fixed !== undefined) delay = fixed;
        else if (rate !== undefined) delay = Math.max(floor, rate * scale);
        else {
          const next = cron?.(new Date(virtualNow()));
          if (next === undefined) return;
          delay = Math.max(floor, (next.getTime() - virtualNow()) * scale);
        }
        delay = Math.max(20, delay);
        st.localIntervalMs = delay;
        st.nextAt = Date.now() + delay;
        this.timers.push(
          longTimeout(() => {
            if (st.running) st.skippedTicks++;
            else void this.fire(st, false).catch(() => undefined);
            arm();
          }, delay),
        );
      };
      arm();
    }
  }

  private handle(op: string, input: Record<string, unknown>): unknown {
    switch (op) {
      case 'PutEvents': {
        const entries = input['Entries'];
        if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
          throw new AwsError('ValidationException', '1 validation error detected: Value at \'entries\' failed to satisfy constraint: Member must have length between 1 and 10');
        }
        this.stats.putEventsCalls++;
        const results = entries.map((raw: unknown) => {
          this.stats.entries++;
          const e = isRecord(raw) ? raw : {};
          const fail = (code: string, message: string): Record<string, string> => {
            this.stats.failedEntries++;
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
          if (!this.busByName.has(busName)) return fail('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
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
          this.publish(busName, event);
          return { EventId: event.id };
        });
        return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
      }
      case 'ListEventBuses':
        return { EventBuses: this.opts.buses.map((b) => ({ Name: b.name, Arn: b.arn })) };
      case 'DescribeEventBus': {
        const name = busNameOf(typeof input['Name'] === 'string' ? input['Name'] : 'default');
        const bus = this.busByName.get(name);
        if (bus === undefined) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
        return { Name: bus.name, Arn: bus.arn };
      }
      case 'ListRules': {
        const bus = busNameOf(typeof input['EventBusName'] === 'string' ? input['EventBusName'] : 'default');
        return {
          Rules: this.opts.rules
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
      default:
        throw new AwsError('UnknownOperationException', `Operation ${op} is not emulated by the local runtime`);
    }
  }
}

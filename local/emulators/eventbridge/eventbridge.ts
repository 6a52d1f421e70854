/**
 * Local EventBridge: a stand-in of the EventBridge API on 127.0.0.1 (api.ts) for the template's buses
 * (plus `default`). Handlers reach it through `AWS_ENDPOINT_URL_EVENTBRIDGE` (the SDK v3 service id is
 * "EventBridge").
 *
 * - published events are kept in memory (bus.ts: the last `keep` per bus) and appended to
 *   `<dataDir>/events.ndjson` (persistence.ts);
 * - AWS::Events::Rule with an EventPattern (matched with local/emulators/patterns.ts) delivers to its
 *   Lambda targets (async invoke, 2 retries) and SQS targets (SendMessage), with Input / InputPath /
 *   InputTransformer (targets.ts);
 * - AWS::Events::Rule with a ScheduleExpression fires on a timer in local time (schedules.ts), or on
 *   demand: `fireSchedule`, `POST /_local/schedules/fire?rule=<name>`, `npm run schedules`.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { EventBusSpec, EventRuleSpec, RuleTarget } from '../../template/events';
import { startJsonServer, type JsonServer } from '../aws-json-server';
import type { InvokeResult } from '../lambda/lambda';
import { matchesPattern } from '../patterns';
import { eventBridgeLocalRoute, handleEventBridge } from './api';
import { RecentEvents, type BusEvent, type StoredEvent } from './bus';
import { EventJournal } from './persistence';
import { Schedules, type ScheduleFiring, type ScheduleInfo } from './schedules';
import { deliverToTarget, type TargetResult } from './targets';

export type { BusEvent, StoredEvent } from './bus';
export type { ScheduleFiring, ScheduleInfo } from './schedules';
export type { TargetResult } from './targets';

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

export class LocalEventBridge {
  private readonly recent: RecentEvents;
  private readonly journal = new EventJournal();
  private readonly scheduler: Schedules;
  private server?: JsonServer;
  private readonly controller = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly notes: string[] = [];
  readonly stats = { putEventsCalls: 0, entries: 0, failedEntries: 0, deliveries: 0, failedDeliveries: 0, scheduledFirings: 0 };

  constructor(private readonly opts: EventBridgeOptions) {
    this.recent = new RecentEvents(
      opts.buses.map((b) => b.name),
      opts.keep ?? 2000,
    );
    for (const rule of opts.rules) {
      for (const t of rule.targets) if (t.kind === 'unsupported') this.notes.push(`rule ${rule.logicalId}: target ${t.arn} is not emulated locally`);
    }
    this.scheduler = new Schedules(opts, (rule, target, event) => this.deliver(rule, target, event), this.stats, this.controller.signal);
  }

  get endpoint(): string {
    if (this.server === undefined) throw new Error('Local EventBridge not started');
    return this.server.endpoint;
  }

  get warnings(): readonly string[] {
    return [...this.notes, ...this.scheduler.warnings];
  }

  get buses(): readonly EventBusSpec[] {
    return this.opts.buses;
  }

  get rules(): readonly EventRuleSpec[] {
    return this.opts.rules;
  }

  async start(): Promise<string> {
    this.journal.open(this.opts.dataDir);
    this.server = await startJsonServer({
      targetPrefix: 'AWSEvents',
      jsonVersion: '1.1',
      what: 'EventBridge',
      port: this.opts.port ?? 0,
      handle: async (op, input) => handleEventBridge(this, op, input),
      local: async (method, url) => eventBridgeLocalRoute(this, method, url),
    });
    this.scheduler.start(this.opts.rules);
    return this.server.endpoint;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.scheduler.stop();
    await Promise.allSettled([...this.inflight]);
    await this.server?.stop();
    await this.journal.close();
  }

  hasBus(busName: string): boolean {
    return this.recent.has(busName);
  }

  /** Recent events of a bus (oldest first). */
  events(bus: string): readonly BusEvent[] {
    return this.recent.of(bus);
  }

  query(params: URLSearchParams): StoredEvent[] {
    return this.recent.query(params);
  }

  /** Publish one event (also used in-process): kept, journaled, delivered to the rules it matches. */
  publish(busName: string, event: BusEvent): void {
    if (!this.recent.add(busName, event)) return;
    this.journal.append(busName, event);
    for (const rule of this.opts.rules) {
      if (!rule.enabled || rule.busName !== busName || rule.eventPattern === undefined) continue;
      if (!matchesPattern(rule.eventPattern, event)) continue;
      for (const target of rule.targets) void this.deliver(rule, target, event);
    }
  }

  private deliver(rule: EventRuleSpec, target: RuleTarget, event: BusEvent): Promise<TargetResult> {
    const deps = { invokeAsync: this.opts.invokeAsync, sqs: this.opts.sqs, signal: this.controller.signal, stats: this.stats, log: this.opts.log };
    const p = deliverToTarget(deps, rule, target, event);
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  /** Every schedule rule with its local timing and last results. */
  schedules(): ScheduleInfo[] {
    return this.scheduler.info();
  }

  hasSchedule(nameOrLogicalId: string): boolean {
    return this.scheduler.find(nameOrLogicalId) !== undefined;
  }

  /** Fire a schedule rule now (by name or logical id), whatever its timer; resolves with the target results. */
  async fireSchedule(nameOrLogicalId: string): Promise<ScheduleFiring> {
    const st = this.scheduler.find(nameOrLogicalId);
    if (st === undefined) throw new Error(`no schedule rule ${nameOrLogicalId}`);
    return this.scheduler.fire(st, true);
  }
}

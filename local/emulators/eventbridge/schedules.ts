/**
 * Schedule rules of the local EventBridge (AWS::Events::Rule with a ScheduleExpression, `rate(...)` or
 * `cron(...)`) on timers: local time runs `1 / scheduleScale` times faster (an hourly rule fires every
 * 10 s at 1/360), never more often than every `minScheduleIntervalMs` (1 s), or at a fixed
 * `scheduleIntervalMs` (tests); a tick is skipped while the rule's previous firing is still running;
 * `schedules: false` = no timers (a rule still fires on demand).
 */
import { randomUUID } from 'node:crypto';
import type { EventRuleSpec } from '../../template/events';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../template/local-ids';
import { longTimeout, type Cancellable } from '../clock';
import type { BusEvent } from './bus';
import { parseCron, rateMs } from './schedule-expressions';
import { targetLabel, type TargetResult } from './targets';

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

export interface ScheduleState {
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
export interface ScheduleOptions {
  /** Multiplier of schedule intervals (local time runs 1/scale times faster). @default 1 */
  readonly scheduleScale?: number | undefined;
  /** Run schedule rules on timers. `false`: they fire only on demand. @default true */
  readonly schedules?: boolean | undefined;
  readonly scheduleIntervalMs?: number | undefined;
  readonly minScheduleIntervalMs?: number | undefined;
  readonly logSchedules?: boolean | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

type Deliver = (rule: EventRuleSpec, target: EventRuleSpec['targets'][number], event: BusEvent) => Promise<TargetResult>;

export class Schedules {
  private readonly states: ScheduleState[] = [];
  private readonly timers: Cancellable[] = [];
  readonly warnings: string[] = [];

  constructor(
    private readonly opts: ScheduleOptions,
    private readonly deliver: Deliver,
    private readonly stats: { scheduledFirings: number },
    private readonly signal: AbortSignal,
  ) {}

  /** Every schedule rule with its local timing and last results. */
  info(): ScheduleInfo[] {
    return this.states.map((st) => ({
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

  find(nameOrLogicalId: string): ScheduleState | undefined {
    return this.states.find((st) => st.rule.logicalId === nameOrLogicalId || st.rule.name === nameOrLogicalId);
  }

  async fire(st: ScheduleState, onDemand: boolean): Promise<ScheduleFiring> {
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

  /** One state per schedule rule; a timer for each that runs (enabled, supported, timers on). */
  start(rules: readonly EventRuleSpec[]): void {
    const t0 = Date.now();
    for (const rule of rules) {
      if (rule.scheduleExpression === undefined) continue;
      const expression = rule.scheduleExpression;
      const st: ScheduleState = { rule, expression, firings: 0, failures: 0, skippedTicks: 0, running: false };
      this.states.push(st);
      const rate = rateMs(expression);
      const cron = rate === undefined ? parseCron(expression) : undefined;
      if (rate === undefined && cron === undefined) {
        st.note = 'expression not supported locally';
        this.warnings.push(`rule ${rule.logicalId}: schedule ${expression} is not supported locally`);
      } else if (!rule.enabled) st.note = 'rule DISABLED in the template';
      else if (this.opts.schedules === false) st.note = 'schedules off (fires on demand only)';
      else this.arm(st, rate, cron, t0);
    }
  }

  stop(): void {
    for (const t of this.timers) t.cancel();
  }

  /** The next firing: a fixed interval, the rate scaled, or the cron's next time in virtual time, scaled. */
  private arm(st: ScheduleState, rate: number | undefined, cron: ((after: Date) => Date | undefined) | undefined, t0: number): void {
    if (this.signal.aborted) return;
    const scale = this.opts.scheduleScale ?? 1;
    const floor = this.opts.minScheduleIntervalMs ?? 1000;
    const virtualNow = (): number => t0 + (Date.now() - t0) / scale;
    let delay: number;
    if (this.opts.scheduleIntervalMs !== undefined) delay = this.opts.scheduleIntervalMs;
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
        this.arm(st, rate, cron, t0);
      }, delay),
    );
  }
}

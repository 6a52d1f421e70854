/**
 * `npm run schedules` (tsx local/tools/cli.ts schedules [list|fire <rule>]): the template's schedule rules on
 * the running local stack (sweeps, feed refresh), read from the EventBridge stand-in's local route.
 *
 *   npm run schedules                  every rule: expression, local interval, firings, last result, next firing
 *   npm run schedules -- fire <rule>   fire one now (rule name, logical id, or the name without CDK's hash suffix)
 */
import type { ScheduleFiring, ScheduleInfo } from '../emulators/eventbridge/eventbridge';
import { liveEndpoints } from './executions';
import { displayName } from '../runtime/runtime';

function ago(iso: string | undefined, now: number): string {
  if (iso === undefined) return '-';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  return s >= 0 ? `${s} s ago` : `in ${-s} s`;
}

export function formatSchedules(rules: readonly ScheduleInfo[], now = Date.now()): string[] {
  if (rules.length === 0) return ['No schedule rules in this template.'];
  const width = Math.max(4, ...rules.map((r) => displayName(r.name).length));
  const lines = [`${'rule'.padEnd(width)} ${'expression'.padEnd(20)} ${'local every'.padStart(11)} ${'fired'.padStart(5)} ${'failed'.padStart(6)}  last                      next`];
  for (const r of rules) {
    const every = r.localIntervalMs === undefined ? '-' : `${(r.localIntervalMs / 1000).toFixed(1)} s`;
    const last =
      r.lastResults === undefined
        ? '-'
        : `${ago(r.lastFiredAt, now)} ${r.lastResults.every((x) => x.ok) ? 'ok' : 'FAILED'} ${Math.max(0, ...r.lastResults.map((x) => x.durationMs))} ms`;
    const next = r.nextAt === undefined ? (r.note ?? '-') : ago(r.nextAt, now);
    lines.push(`${displayName(r.name).padEnd(width)} ${r.expression.padEnd(20)} ${every.padStart(11)} ${String(r.firings).padStart(5)} ${String(r.failures).padStart(6)}  ${last.padEnd(25)} ${next}`);
    for (const x of r.lastResults ?? []) if (!x.ok) lines.push(`    ${x.target}: ${x.error ?? 'failed'}`);
  }
  return lines;
}

export async function schedulesCommand(dataDir: string, args: readonly string[]): Promise<void> {
  const endpoints = await liveEndpoints(dataDir);
  const base = endpoints.eventBridge.endpoint;
  if (args[0] === 'fire') {
    const rule = args[1];
    if (rule === undefined) throw new Error('usage: npm run schedules -- fire <rule name or logical id>');
    const listed = (await (await fetch(`${base}/_local/schedules`, { signal: AbortSignal.timeout(10_000) })).json()) as { schedules: ScheduleInfo[] };
    const match = listed.schedules.find((s) => s.name === rule || s.logicalId === rule) ?? listed.schedules.find((s) => displayName(s.name) === rule);
    if (match === undefined) throw new Error(`no schedule rule "${rule}"; rules: ${listed.schedules.map((s) => displayName(s.name)).join(', ')}`);
    const res = await fetch(`${base}/_local/schedules/fire?rule=${encodeURIComponent(match.name)}`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
    const body = (await res.json()) as ScheduleFiring | { message: string };
    if (!res.ok || !('results' in body)) throw new Error('message' in body ? body.message : `HTTP ${res.status}`);
    for (const r of body.results) console.log(`${body.rule} -> ${r.target}: ${r.ok ? 'ok' : `FAILED (${r.error ?? ''})`} in ${r.durationMs} ms`);
    if (body.results.length === 0) console.log(`${body.rule}: no targets`);
    return;
  }
  if (args.length > 0 && args[0] !== 'list') throw new Error(`unknown schedules command "${args[0] ?? ''}" (list or fire <rule>)`);
  const res = await fetch(`${base}/_local/schedules`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { schedules: ScheduleInfo[] };
  console.log(endpoints.schedules.enabled ? 'Schedule rules (on timers, local time):' : 'Schedule rules (timers off: npm start without --no-schedules runs them):');
  for (const line of formatSchedules(body.schedules)) console.log(line);
}

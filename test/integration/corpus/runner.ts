/**
 * Runs the HTTP corpus against the local runtime and judges each answer: never a 5xx; a 4xx names the
 * offending field (issues with paths) or carries an explicit code; a refused request leaves the
 * partitions its entry point names empty (no partial write). A few requests in flight at once, each
 * with a deadline; the failures come back with the seed and the case, so a run can be replayed.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { http, partition, type HttpResult } from '../helpers';
import { casesOf, preview } from './mutations';
import { UID, type HttpCase, type HttpEntryPoint, type SentCase } from './http-entry-points';

export interface CaseFailure {
  readonly entryPoint: string;
  readonly index: number;
  readonly label: string;
  readonly problem: string;
  readonly request: string;
  readonly answer: string;
}

export interface CorpusReport {
  readonly cases: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly failures: readonly CaseFailure[];
}

/** Digits only (usable as a JSON number below 2^53), unique per case and per run. */
function uidFor(runBase: number, index: number): string {
  return String(runBase * 100_000 + index);
}

function substitute(text: string, uid: string): string {
  return text.replaceAll(UID, uid);
}

function finalCase(ep: HttpEntryPoint, c: HttpCase, uid: string): SentCase {
  const body = typeof c.body === 'string' ? (ep.finalize ?? ((b: string) => b))(substitute(c.body, uid), uid) : c.body;
  const url = substitute(c.url, uid);
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers)) own[k] = substitute(v, uid);
  const signed = ep.sign === undefined || (body === undefined && c.method !== 'GET') ? {} : ep.sign(body ?? '', { method: c.method, url, headers: own });
  const headers: Record<string, string> = { ...signed, ...own };
  // A case that broke the signature header keeps its broken value (it overrides the computed one).
  for (const k of Object.keys(signed)) if (c.label.startsWith(`header ${k}=`) && !(k in c.headers)) delete headers[k];
  return { ...c, uid, url, headers, ...(body === undefined ? {} : { body }) };
}

/** Why a 4xx body does not name what was wrong (undefined when it does). */
export function unnamedRejection(status: number, json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return `${status} without a JSON object body`;
  const body = json as Record<string, unknown>;
  if (typeof body['error'] !== 'string' || body['error'] === '') return `${status} without an "error" message`;
  if (typeof body['code'] === 'string' && body['code'] !== '') return undefined;
  // An error that is itself a machine code (POST /orders/{orderId}/cancel: 409 `NOT_CANCELLABLE` with its `reason`).
  if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(body['error'])) return undefined;
  const issues = body['issues'];
  if (Array.isArray(issues) && issues.length > 0) {
    const unnamed = issues.filter((i) => typeof i !== 'object' || i === null || typeof (i as { path?: unknown }).path !== 'string' || (i as { path: string }).path === '');
    return unnamed.length === 0 ? undefined : `${status} with an issue that names no field: ${preview(unnamed[0])}`;
  }
  // API Gateway's own answer for a route that does not exist (addJsonGatewayResponses): the route is what was wrong.
  if (status === 404 && body['error'] === 'Not found') return undefined;
  return `${status} names no field and no code: ${preview(body)}`;
}

async function send(c: SentCase): Promise<HttpResult> {
  return http('', c.method, c.url, { headers: { ...c.headers }, ...(c.body === undefined ? {} : { body: c.body }), timeoutMs: 15_000 });
}

async function judge(ddb: DynamoDBDocumentClient, ep: HttpEntryPoint, c: SentCase, res: HttpResult): Promise<string[]> {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`answered ${res.status}`);
  else if (res.status >= 400) {
    const unnamed = unnamedRejection(res.status, res.json);
    if (unnamed !== undefined) problems.push(unnamed);
  }
  const refused = res.status >= 400 || (res.status < 300 && ep.refusedDespite2xx?.(res.json) === true);
  // 409 means "already there" (a duplicate of an earlier write), not a refusal that must leave nothing behind.
  if (refused && res.status !== 409 && ep.untouched !== undefined) {
    for (const pk of ep.untouched(c)) {
      const items = await partition(ddb, pk);
      if (items.length > 0) problems.push(`refused (${res.status}) but ${pk} holds ${items.length} item(s): ${items.map((i) => String(i['entity'] ?? i['sk'])).join(', ')}`);
    }
  }
  return problems;
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Generate (seeded) and run one entry point's cases. */
export async function runHttpEntryPoint(ddb: DynamoDBDocumentClient, ep: HttpEntryPoint, seed: number, runBase: number, concurrency = 6): Promise<CorpusReport> {
  const cases = [...(ep.boundaries?.() ?? []), ...casesOf(ep.cases(), seed, ep.runs)];
  const statuses: Record<string, number> = {};
  const failures: CaseFailure[] = [];
  await pool(cases, concurrency, async (c, index) => {
    const sent = finalCase(ep, c, uidFor(runBase, index));
    let res: HttpResult;
    try {
      res = await send(sent);
    } catch (error) {
      failures.push({ entryPoint: ep.name, index, label: c.label, problem: `no answer: ${error instanceof Error ? error.message : String(error)}`, request: preview(sent.body), answer: '' });
      return;
    }
    statuses[String(res.status)] = (statuses[String(res.status)] ?? 0) + 1;
    for (const problem of await judge(ddb, ep, sent, res)) {
      failures.push({ entryPoint: ep.name, index, label: c.label, problem, request: `${sent.method} ${preview(sent.url, 160)} ${preview(sent.body, 400)}`, answer: preview(res.text, 400) });
    }
  });
  return { cases: cases.length, statuses, failures };
}

/** A failure list as a readable block for the assertion message (with the seed to replay it). */
export function describeFailures(seed: number, failures: readonly CaseFailure[], max = 8): string {
  if (failures.length === 0) return 'none';
  const shown = failures.slice(0, max).map((f) => `- [${f.entryPoint} #${f.index}] ${f.problem}\n    case: ${f.label}\n    request: ${f.request}\n    answer: ${f.answer}`);
  return `${failures.length} failure(s); replay with CORPUS_SEED=${seed}\n${shown.join('\n')}${failures.length > max ? `\n... ${failures.length - max} more` : ''}`;
}

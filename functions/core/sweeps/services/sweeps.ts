/**
 * What every sweep shares: configuration from the environment, the bounded and resumable paging over
 * one or more DynamoDB queries (cursor item `SWEEP#{name}` / `#STATE`), and the deps type.
 *
 * Paging: a run reads at most `pageLimit` items in total. Each query keeps its own cursor
 * (LastEvaluatedKey); a query read to its end has its cursor removed (the next visit starts over). A run
 * starts with the query the previous run stopped in, so with several queries every one gets its turn.
 * Two overlapping runs only repeat work: every write a sweep does is conditional (idempotent).
 */
import type { Clock } from '../../kernel/clock';
import { isRecord } from '../../kernel/guards';
import { withPowertools } from '../../runtime/powertools';
import { GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { observability as defaultObservability, type Observability } from '../../runtime/observability';
import {
  DEFAULT_DISPATCH_GRACE_MINUTES,
  DEFAULT_SWEEP_PAGE_LIMIT,
  MAX_SWEEP_PAGE_LIMIT,
  NON_TERMINAL_ORDER_STATUSES,
  queryVisitOrder,
  stuckOrderMinutes,
  type StuckOrderMinutes,
  type SweepName,
} from '../domain/rules';
import type { StoreContext } from '../../runtime/table/context';
import { keys } from '../../runtime/table/keys';
import { backoffMs, sleep, transact, type TransactItem } from '../../runtime/table/transactions';
import type { TaskLogger, TaskMetrics } from '../../workflow/services/workflow-common';

export interface SweepDeps {
  readonly store: StoreContext;
  readonly now: Clock;
  readonly logger: TaskLogger;
  readonly metrics: TaskMetrics;
  /** Items one run reads at most. */
  readonly pageLimit: number;
}

export type Key = Record<string, unknown>;

export interface SweepState {
  /** LastEvaluatedKey per query name (absent = start from the beginning). */
  readonly cursors: Readonly<Record<string, Key>>;
  /** Index of the query the next run starts with. */
  readonly next: number;
}

export interface SweepQuery {
  /** Stable name: the cursor is stored under it. */
  readonly name: string;
  /** The Query without Limit / ExclusiveStartKey (the runner adds them). */
  readonly input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>;
}

export interface PagedRunResult {
  /** Items read (and handed to `handle`). */
  readonly examined: number;
  /** Queries read to their end in this run. */
  readonly exhausted: readonly string[];
  /** Item-level failures reported by `handle`. */
  readonly failed: number;
}

/** Parse SWEEP_PAGE_LIMIT (1..1000, default 200). */
export function pageLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SWEEP_PAGE_LIMIT?.trim();
  if (raw === undefined || raw === '') return DEFAULT_SWEEP_PAGE_LIMIT;
  const parsed = z.coerce.number().int().min(1).max(MAX_SWEEP_PAGE_LIMIT).safeParse(raw);
  if (!parsed.success) throw new Error(`Environment variable SWEEP_PAGE_LIMIT must be an integer from 1 to ${MAX_SWEEP_PAGE_LIMIT}`);
  return parsed.data;
}

/** Parse DISPATCH_GRACE_MINUTES (≥ 0, default 30). */
export function dispatchGraceFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DISPATCH_GRACE_MINUTES?.trim();
  if (raw === undefined || raw === '') return DEFAULT_DISPATCH_GRACE_MINUTES;
  const parsed = z.coerce.number().min(0).finite().safeParse(raw);
  if (!parsed.success) throw new Error('Environment variable DISPATCH_GRACE_MINUTES must be a number ≥ 0');
  return parsed.data;
}

/** STUCK_ORDER_MINUTES: JSON `{ "RECEIVED": 15, "SHIPPED": null, ... }` (null = never stuck); merged over the defaults. */
export function stuckOrderMinutesFromEnv(env: NodeJS.ProcessEnv = process.env): StuckOrderMinutes {
  const raw = env.STUCK_ORDER_MINUTES?.trim();
  if (raw === undefined || raw === '') return stuckOrderMinutes();
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    const unknown = Object.keys(value).filter((k) => !(NON_TERMINAL_ORDER_STATUSES as readonly string[]).includes(k));
    if (unknown.length > 0) throw new Error(`unknown status ${unknown.join(', ')}`);
    return stuckOrderMinutes(z.partialRecord(z.enum(NON_TERMINAL_ORDER_STATUSES), z.number().positive().finite().nullable()).parse(value));
  } catch (cause) {
    throw new Error(`Environment variable STUCK_ORDER_MINUTES is not valid: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export async function loadSweepState(store: StoreContext, name: SweepName): Promise<SweepState> {
  const result = await store.ddb.send(new GetCommand({ TableName: store.tableName, Key: keys.sweepState(name), ConsistentRead: true }));
  const item = result.Item;
  const cursors = item?.cursors;
  return {
    cursors: isRecord(cursors) ? (cursors as Record<string, Key>) : {},
    next: typeof item?.next === 'number' ? item.next : 0,
  };
}

export async function saveSweepState(store: StoreContext, name: SweepName, state: SweepState, at: string, run: Record<string, unknown>): Promise<void> {
  await store.ddb.send(
    new PutCommand({
      TableName: store.tableName,
      Item: { ...keys.sweepState(name), entity: 'SweepState', name, cursors: state.cursors, next: state.next, updatedAt: at, lastRun: run },
    }),
  );
}

function isStartKeyRejected(error: unknown): boolean {
  // DynamoDB refuses an ExclusiveStartKey outside the key condition (e.g. after a deadline was raised).
  return error instanceof Error && error.name === 'ValidationException';
}

/**
 * Read up to `deps.pageLimit` items over `queries` (resuming each from its cursor) and hand every page
 * to `handle`, which returns how many of its items failed (they are logged by `handle`; the next
 * cycle visits them again). The cursors are saved at the end. When every item failed, nothing is saved
 * and the run throws (a systemic problem: the function's Errors alarm fires).
 */
export async function runPagedSweep(
  deps: SweepDeps,
  name: SweepName,
  queries: readonly SweepQuery[],
  handle: (items: readonly Key[], query: SweepQuery) => Promise<number>,
): Promise<PagedRunResult> {
  const state = await loadSweepState(deps.store, name);
  const cursors: Record<string, Key> = { ...state.cursors };
  const exhausted: string[] = [];
  let budget = Math.max(1, deps.pageLimit);
  let examined = 0;
  let failed = 0;
  let next = state.next;
  const order = queryVisitOrder(queries.length, state.next);

  for (const [position, index] of order.entries()) {
    const query = queries[index];
    if (query === undefined) continue;
    if (budget <= 0) {
      next = index;
      break;
    }
    next = order[position + 1] ?? order[0] ?? 0;
    let finished = false;
    while (budget > 0) {
      const start = cursors[query.name];
      let page;
      try {
        page = await deps.store.ddb.send(new QueryCommand({ ...query.input, Limit: budget, ExclusiveStartKey: start }));
      } catch (error) {
        if (start === undefined || !isStartKeyRejected(error)) throw error;
        deps.logger.warn('Sweep cursor no longer fits its query: starting over', { sweep: name, query: query.name });
        delete cursors[query.name];
        continue;
      }
      const items = page.Items ?? [];
      examined += items.length;
      budget -= Math.max(items.length, page.ScannedCount ?? 0);
      if (items.length > 0) failed += await handle(items, query);
      if (page.LastEvaluatedKey === undefined) {
        delete cursors[query.name];
        exhausted.push(query.name);
        finished = true;
        break;
      }
      cursors[query.name] = page.LastEvaluatedKey;
    }
    if (!finished) {
      // Budget spent inside this query: the next run resumes it first.
      next = index;
      break;
    }
  }

  if (examined > 0 && failed >= examined) {
    throw new Error(`Sweep ${name}: all ${examined} items failed`);
  }
  await saveSweepState(deps.store, name, { cursors, next }, deps.now().toISOString(), { examined, failed, exhausted });
  return { examined, exhausted, failed };
}

/**
 * Run `fn` per item, counting (and logging) failures instead of stopping the sweep. Returns the number
 * of index items that failed (`weight`: how many index items one entry stands for, default 1).
 */
export async function eachItem<T>(
  deps: Pick<SweepDeps, 'logger'>,
  what: string,
  items: readonly T[],
  ids: (item: T) => Record<string, string>,
  fn: (item: T) => Promise<void>,
  weight: (item: T) => number = () => 1,
): Promise<number> {
  let failures = 0;
  for (const item of items) {
    try {
      await fn(item);
    } catch (error) {
      failures += weight(item);
      deps.logger.error(`${what} failed`, { ...ids(item), errorName: error instanceof Error ? error.name : 'unknown', errorMessage: error instanceof Error ? error.message : String(error) });
    }
  }
  return failures;
}

/**
 * The seam of a scheduled sweep Lambda: the EventBridge event's content is ignored; logger context,
 * metrics flush (the sweep's alarm metrics), tracing; the run's summary is logged and returned.
 */
export function scheduledSweepHandler<R extends object>(name: SweepName, run: () => Promise<R>, obs: Observability = defaultObservability) {
  const base = async (_event: unknown, _context: Context): Promise<R> => {
    obs.logger.appendKeys({ sweep: name });
    const result = await run();
    obs.logger.info('Sweep finished', { result: { ...result } as Record<string, unknown> });
    return result;
  };
  return withPowertools(base, obs);
}

/**
 * A sweep's surfacing transaction, up to 4 attempts (`build` runs per attempt: fresh event sequence
 * numbers after a key collision). true = written; false = the FIRST item's condition failed (the
 * record moved on, or another run surfaced it); contention is retried with backoff, then thrown.
 */
export async function transactSurfacing(store: StoreContext, build: () => readonly TransactItem[], what: string): Promise<boolean> {
  for (let attempt = 1; attempt <= 4; attempt++) {
    const outcome = await transact(store, build());
    if (outcome.ok) return true;
    if (outcome.codes[0] === 'ConditionalCheckFailed') return false;
    await sleep(backoffMs(attempt));
  }
  throw new Error(`Could not ${what}: transaction kept conflicting`);
}

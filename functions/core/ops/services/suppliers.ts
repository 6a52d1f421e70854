/**
 * GET /ops/suppliers and POST /ops/suppliers/{supplierId}/pause | resume. A paused supplier (the `paused`
 * attribute of its supplier item) is skipped by routing (eligibility SUPPLIER_PAUSED): new orders and reroutes
 * go to another supplier or are held by the workflow's out-of-stock path; what was dispatched continues.
 * Pause and resume are one transaction each: the supplier item and a SupplierPaused / SupplierResumed
 * supplier event (outbox: published on the bus with the operator's id). Repeats change nothing.
 */
import type { Clock } from '../../kernel/clock';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import { getSupplier, loadSuppliers } from '../../inventory/store/catalog';
import { isFeedFresh } from '../../workflow/domain/eligibility';
import type { StoreContext } from '../../runtime/table/context';
import { GSI3, keys } from '../../runtime/table/keys';
import { transact } from '../../runtime/table/transactions';
import { queryAll } from '../../runtime/table/query';

export interface SupplierDeps {
  readonly store: StoreContext;
  readonly now: Clock;
  readonly supplierIds: readonly string[];
}

/** One pause or resume, as recorded on the supplier item (`pauseLog`, newest last, the last PAUSE_LOG_SIZE kept). */
export interface PauseChange {
  readonly action: 'pause' | 'resume';
  readonly at: string;
  readonly actorId: string;
  readonly note?: string | undefined;
}
export const PAUSE_LOG_SIZE = 20;

function pauseLogOf(item: unknown): PauseChange[] {
  const log = typeof item === 'object' && item !== null ? (item as { pauseLog?: unknown }).pauseLog : undefined;
  return Array.isArray(log) ? (log as PauseChange[]) : [];
}

export interface SupplierSummary {
  readonly supplierId: string;
  readonly name: string;
  readonly status: string;
  readonly paused: boolean;
  readonly pausedSince?: string | undefined;
  /** Who paused it and why, while paused. */
  readonly pause?: { readonly at: string; readonly actorId?: string | undefined; readonly note?: string | undefined } | undefined;
  /** The latest pauses and resumes, newest first (at most 5). */
  readonly pauseLog: readonly PauseChange[];
  readonly feed: { readonly lastFeedAt: string | null; readonly stale: boolean };
  readonly stockAlerts: number;
}

/** Open stock shortfalls per supplier (the sparse EXCEPTION#STOCK_SHORTFALL partition of gsi3). */
async function stockAlerts(store: StoreContext): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const items = await queryAll(store, {
    IndexName: GSI3,
    KeyConditionExpression: 'gsi3pk = :k',
    ExpressionAttributeValues: { ':k': 'EXCEPTION#STOCK_SHORTFALL' },
    ProjectionExpression: 'supplierId',
  });
  for (const { supplierId } of items) if (typeof supplierId === 'string') counts.set(supplierId, (counts.get(supplierId) ?? 0) + 1);
  return counts;
}

export async function listSuppliers(deps: SupplierDeps): Promise<SupplierSummary[]> {
  const [suppliers, alerts] = await Promise.all([loadSuppliers(deps.store, deps.supplierIds), stockAlerts(deps.store)]);
  const now = deps.now().toISOString();
  return deps.supplierIds.flatMap((id) => {
    const s = suppliers.get(id);
    if (s === undefined) return [];
    return [
      {
        supplierId: s.supplierId,
        name: s.name,
        status: s.status,
        paused: s.paused !== undefined,
        ...(s.paused === undefined ? {} : { pausedSince: s.paused.at, pause: s.paused }),
        pauseLog: pauseLogOf(s).slice(-5).reverse(),
        feed: { lastFeedAt: s.lastFeedAt ?? null, stale: s.status === 'STALE' || !isFeedFresh(s, now) },
        stockAlerts: alerts.get(s.supplierId) ?? 0,
      },
    ];
  });
}

export interface PauseResult {
  readonly supplierId: string;
  readonly paused: boolean;
  /** false: it already was (nothing written). */
  readonly changed: boolean;
}

export async function setSupplierPaused(
  deps: SupplierDeps,
  input: { readonly supplierId: string; readonly paused: boolean; readonly actorId: string; readonly note?: string | undefined },
): Promise<PauseResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const supplier = await getSupplier(deps.store, input.supplierId);
    if (supplier === undefined) throw new NotFoundError('Supplier not found', { issues: [{ path: 'pathParameters.supplierId', message: `no supplier ${input.supplierId}` }] });
    if ((supplier.paused !== undefined) === input.paused) return { supplierId: input.supplierId, paused: input.paused, changed: false };
    const at = deps.now().toISOString();
    const note = input.note === undefined ? {} : { note: input.note };
    const event = input.paused
      ? { supplierId: input.supplierId, at, type: 'SupplierPaused' as const, message: `Paused by an operator${input.note === undefined ? '' : `: ${input.note}`}`, data: { actorId: input.actorId, ...note } }
      : { supplierId: input.supplierId, at, type: 'SupplierResumed' as const, message: `Resumed by an operator${input.note === undefined ? '' : `: ${input.note}`}`, data: { actorId: input.actorId, ...note, pausedSince: supplier.paused?.at ?? at } };
    const outcome = await transact(deps.store, [
      {
        Update: {
          TableName: deps.store.tableName,
          Key: keys.supplier(input.supplierId),
          // Who, when and why, on the supplier itself (the last PAUSE_LOG_SIZE changes): GET /ops/suppliers shows it.
          UpdateExpression: input.paused ? 'SET paused = :p, pauseLog = :log' : 'REMOVE paused SET pauseLog = :log',
          ConditionExpression: input.paused ? 'attribute_exists(pk) AND attribute_not_exists(paused)' : 'attribute_exists(paused)',
          ExpressionAttributeValues: {
            ':log': [...pauseLogOf(supplier), { action: input.paused ? 'pause' : 'resume', at, actorId: input.actorId, ...note }].slice(-PAUSE_LOG_SIZE),
            ...(input.paused ? { ':p': { at, actorId: input.actorId, ...note } } : {}),
          },
        },
      },
      // The supplier event outbox item (as inventory/store/inventory.ts supplierEventItem writes it).
      { Put: { TableName: deps.store.tableName, Item: { ...event, ...keys.supplierEvent(input.supplierId, at, 1000 + Math.floor(Math.random() * 8999)), entity: 'SupplierEvent' }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
    if (outcome.ok) return { supplierId: input.supplierId, paused: input.paused, changed: true };
  }
  throw new ConflictError('Supplier changed meanwhile', { issues: [{ path: 'pathParameters.supplierId', message: 'was changed by someone else: try again' }] });
}

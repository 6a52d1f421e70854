/**
 * Scorecard services: `applyScorecardEvent` (the bus rule's target: one domain event → its facts →
 * each counted once on its day; the facts that need the fulfillment's own times read it with one
 * GetItem) and `supplierScorecard` (GET /ops/suppliers/{supplierId}/scorecard: one Query of the last
 * 90 days → the 30 and 90 day figures, plus the routing demotion verdict).
 */
import * as z from 'zod';
import type { Clock } from '../../kernel/clock';
import { jsonEnv } from '../../runtime/config';
import { NotFoundError } from '../../kernel/errors';
import type { StoreContext } from '../../runtime/table/context';
import { getSupplier } from '../../inventory/store/catalog';
import { parseFulfillmentId } from '../../workflow/domain/fulfillment-record';
import { getFulfillment } from '../../workflow/store/fulfillments';
import type { TaskLogger } from '../../workflow/services/workflow-common';
import { factsOf, NEEDS_FULFILLMENT, shippedCountKey, type FulfillmentFacts } from '../domain/facts';
import { minusDays, scorecard, type Scorecard } from '../domain/scorecard';
import { DEFAULT_DEMOTION, DEMOTION_METRICS, demotionOf, type DemotionConfig, type Demotion } from '../domain/demotion';
import { countFact, isCounted, loadDays } from '../store/daily';

/** The EventBridge event (domain bus): only the fields used; `type` is any string (ReturnRequested comes from the returns feature). */
export const ScorecardBusEvent = z.object({
  detail: z.object({
    type: z.string().min(1).max(100),
    at: z.iso.datetime({ offset: true }),
    data: z.record(z.string(), z.unknown()).default({}),
  }),
});
export type ScorecardBusEvent = z.output<typeof ScorecardBusEvent>;

/** SCORECARD_DEMOTION (stage config afterDelivery.demotion, JSON); absent = DEFAULT_DEMOTION. */
export const DemotionConfigSchema = z.strictObject({
  enabled: z.boolean(),
  metric: z.enum(DEMOTION_METRICS),
  windowDays: z.union([z.literal(30), z.literal(90)]),
  threshold: z.number().min(0).max(1),
  minSample: z.int().min(1),
});

export function demotionFromEnv(env: NodeJS.ProcessEnv = process.env): DemotionConfig {
  const raw = env.SCORECARD_DEMOTION;
  if (raw === undefined || raw === '') return DEFAULT_DEMOTION;
  return jsonEnv('SCORECARD_DEMOTION', (v) => DemotionConfigSchema.parse(v), env);
}

export interface ScorecardDeps {
  readonly store: StoreContext;
  readonly now: Clock;
  readonly logger: TaskLogger;
  readonly demotion?: DemotionConfig | undefined;
}

/**
 * Count the facts of one domain event. A TrackingUpdated can only yield the fulfillment's SHIPPED fact (its
 * first carrier scan), and every scan after the first yields it again: its count marker is read first (½ read
 * unit) and a counted fact ends there, without the fulfillment read and the counting transaction (which would
 * fail on the marker and still bill its write units). Out of order or retried, each scan event either finds
 * the marker or runs the conditional transaction, so the fact is counted exactly once, by whichever scan
 * event comes first (each reads the fulfillment after its own scan was written).
 */
export async function applyScorecardEvent(deps: ScorecardDeps, event: ScorecardBusEvent): Promise<{ readonly counted: number; readonly facts: number }> {
  const { type, at, data } = event.detail;
  let record: FulfillmentFacts | undefined;
  if (NEEDS_FULFILLMENT.has(type)) {
    const fulfillmentId = typeof data['fulfillmentId'] === 'string' ? data['fulfillmentId'] : '';
    const parsed = parseFulfillmentId(fulfillmentId);
    if (type === 'TrackingUpdated' && parsed !== undefined && (await isCounted(deps.store, shippedCountKey(fulfillmentId)))) return { counted: 0, facts: 1 };
    if (parsed !== undefined) record = await getFulfillment(deps.store, parsed.orderId, fulfillmentId);
    if (record === undefined) {
      deps.logger.warn('Scorecard: fulfillment not found, event not counted', { type, fulfillmentId });
      return { counted: 0, facts: 0 };
    }
  }
  const facts = factsOf(type, new Date(at).toISOString(), data, record);
  let counted = 0;
  for (const fact of facts) if (await countFact(deps.store, fact, deps.now())) counted += 1;
  return { counted, facts: facts.length };
}

let stageDemotion: DemotionConfig | undefined;

/**
 * The demoted suppliers among `supplierIds` now (routing: scorecards/domain/demotion.ts), one Query of the
 * window's day items per supplier; none when demotion is disabled. `config` defaults to the stage's
 * SCORECARD_DEMOTION (read once per container).
 */
export async function loadDemotions(store: StoreContext, supplierIds: readonly string[], now: Date, config?: DemotionConfig): Promise<Demotion[]> {
  stageDemotion ??= demotionFromEnv();
  const settings = config ?? stageDemotion;
  if (!settings.enabled || supplierIds.length === 0) return [];
  const asOf = now.toISOString().slice(0, 10);
  const from = minusDays(asOf, settings.windowDays - 1);
  const found = await Promise.all(
    supplierIds.map(async (supplierId) => {
      const card = scorecard(supplierId, await loadDays(store, supplierId, from, asOf), asOf);
      return demotionOf(supplierId, settings.windowDays === 30 ? card.last30Days : card.last90Days, settings);
    }),
  );
  return found.filter((d): d is Demotion => d !== undefined);
}

export interface ScorecardView extends Scorecard {
  readonly demotion: Demotion | null;
}

export async function supplierScorecard(deps: ScorecardDeps, supplierId: string): Promise<ScorecardView> {
  const supplier = await getSupplier(deps.store, supplierId);
  if (supplier === undefined) throw new NotFoundError(`Supplier ${supplierId} does not exist`);
  const asOf = deps.now().toISOString().slice(0, 10);
  const days = await loadDays(deps.store, supplierId, minusDays(asOf, 89), asOf);
  const card = scorecard(supplierId, days, asOf);
  const config = deps.demotion ?? DEFAULT_DEMOTION;
  return { ...card, demotion: demotionOf(supplierId, config.windowDays === 30 ? card.last30Days : card.last90Days, config) ?? null };
}

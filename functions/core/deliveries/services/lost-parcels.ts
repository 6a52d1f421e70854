/**
 * Lost-parcel sweep (scheduled): orders with parcels on the way (gsi2 `STATUS#SHIPPED`,
 * `STATUS#PARTIALLY_SHIPPED`, `STATUS#IN_FULFILLMENT`) → their fulfillments → one whose parcels had no
 * carrier event for `lostAfterDays` after the last one (delivery-exceptions.ts `lostInTransit`), or whose
 * carrier reported LOST, is declared lost once: in ONE transaction the fulfillment gets `lostAt` (the
 * exceptions index shows LOST until a decision or a delivery), the order's version moves, the timeline gets
 * DeliveryExceptionRaised (LOST_IN_TRANSIT: the storefront tells the customer) and a carrier claim is
 * opened (CarrierClaimOpened). A later DELIVERED scan still completes the fulfillment. Metric ParcelsLost.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Order } from '../../orders/domain/order';
import { stripKeys } from '../../runtime/table/context';
import { GSI2 } from '../../runtime/table/keys';
import { transact } from '../../runtime/table/transactions';
import { TimelineBatch } from '../../events/store/timeline';
import { deliveryExceptionOf, lostInTransit } from '../../workflow/domain/delivery-exceptions';
import { nextFulfillment, type FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { putFulfillmentUpdate } from '../../workflow/store/fulfillments';
import { bumpOrderVersion, loadOrderAggregate } from '../../workflow/store/order-aggregate';
import { eachItem, runPagedSweep, type SweepDeps } from '../../sweeps/services/sweeps';
import { claimItemsIfLost, DEFAULT_DELIVERY_SETTINGS, type DeliverySettings } from './decisions';

export const LOST_SWEEP_ORDER_STATUSES = ['SHIPPED', 'PARTIALLY_SHIPPED', 'IN_FULFILLMENT'] as const;

export interface LostParcelSweepDeps extends SweepDeps {
  readonly delivery: DeliverySettings;
}

export interface LostParcelSweepResult {
  readonly examined: number;
  readonly lost: number;
  readonly failed: number;
}

/** When the fulfillment is lost now: the instant its parcels went quiet (or the carrier's LOST scan). */
export function lostSince(record: FulfillmentRecord, now: Date, settings: DeliverySettings): string | undefined {
  if (record.lostAt !== undefined) return undefined;
  const carrier = deliveryExceptionOf(record);
  if (carrier?.code === 'LOST_IN_TRANSIT') return carrier.since;
  return lostInTransit(record, now, settings.lostAfterDays)?.lastScanAt;
}

/** Declare one order's lost fulfillments (re-read consistently; a lost race is retried by the next run). */
export async function declareLost(deps: LostParcelSweepDeps, orderId: string): Promise<number> {
  const aggregate = await loadOrderAggregate(deps.store, orderId);
  if (aggregate === undefined) return 0;
  const now = deps.now();
  const at = now.toISOString();
  let lost = 0;
  let version = aggregate.order.version;
  for (const record of aggregate.fulfillments) {
    const since = lostSince(record, now, deps.delivery);
    if (since === undefined) continue;
    const { order } = aggregate;
    const days = Math.floor((now.getTime() - Date.parse(since)) / 86_400_000);
    const timeline = new TimelineBatch(order.orderId, order.channelId, at).add({
      type: 'DeliveryExceptionRaised',
      actor: 'platform',
      message: `No carrier scan for ${days} days since ${since.slice(0, 10)}: parcel presumed lost (${record.supplierId})`,
      data: { fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, code: 'LOST_IN_TRANSIT', lastScanAt: since, ...(record.shipments[0] === undefined ? {} : { trackingNumber: record.shipments[0].trackingNumber }) },
    });
    const claim = await claimItemsIfLost(deps, order, record, { code: 'LOST_IN_TRANSIT', since }, timeline, at);
    const outcome = await transact(deps.store, [
      putFulfillmentUpdate(deps.store, nextFulfillment(record, { lostAt: at }, at), record.version),
      bumpOrderVersion(deps.store, order.orderId, version),
      ...claim.items,
      ...timeline.items(deps.store),
    ]);
    if (!outcome.ok) {
      deps.logger.warn('Lost parcel: the order moved meanwhile, next run', { orderId, fulfillmentId: record.fulfillmentId });
      continue;
    }
    version += 1;
    lost += 1;
    deps.logger.warn('Parcel presumed lost: surfaced, claim opened', { orderId, fulfillmentId: record.fulfillmentId, supplierId: record.supplierId, lastScanAt: since });
  }
  return lost;
}

export async function sweepLostParcels(deps: LostParcelSweepDeps): Promise<LostParcelSweepResult> {
  let lost = 0;
  const run = await runPagedSweep(
    deps,
    'lost-parcels',
    LOST_SWEEP_ORDER_STATUSES.map((status) => ({
      name: status,
      input: { TableName: deps.store.tableName, IndexName: GSI2, KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': `STATUS#${status}` } },
    })),
    (items) =>
      eachItem(
        deps,
        'Lost-parcel sweep',
        items.map((item) => stripKeys(item) as unknown as Order),
        (order) => ({ orderId: order.orderId }),
        async (order) => {
          lost += await declareLost(deps, order.orderId);
        },
      ),
  );
  deps.metrics.addMetric('ParcelsLost', MetricUnit.Count, lost);
  return { examined: run.examined, lost, failed: run.failed };
}

/** LOST_PARCEL_DAYS / CARRIER_CLAIM_WINDOW_DAYS (stage config), defaults 7 and 30. */
export function deliverySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): DeliverySettings {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of days, got ${JSON.stringify(raw)}`);
    return value;
  };
  return { lostAfterDays: read('LOST_PARCEL_DAYS', DEFAULT_DELIVERY_SETTINGS.lostAfterDays), claimWindowDays: read('CARRIER_CLAIM_WINDOW_DAYS', DEFAULT_DELIVERY_SETTINGS.claimWindowDays) };
}

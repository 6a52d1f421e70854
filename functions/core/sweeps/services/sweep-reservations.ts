/**
 * Reservation sweep: HELD reservations past `holdExpiresAt` (gsi2 `RESERVATION#HELD#{0..7}` and the
 * legacy unsharded `RESERVATION#HELD`, `gsi2sk < now`, oldest first per shard) are released (settleReservations RELEASE, reason HOLD_EXPIRED) when nothing needs
 * them any more (sweeps/domain/rules.ts reservationExpiryDecision). Releasing is conditional on `status =
 * HELD`, so a reservation is given back exactly once whoever else settles it. Metric
 * `ReservationsReleased` (units of reservations released this run, by count of records).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { reservationExpiryDecision } from '../domain/rules';
import type { Reservation } from '../../inventory/domain/catalog';
import { GSI2, heldReservationPartitions } from '../../runtime/table/keys';
import { loadOrderAggregate } from '../../workflow/store/order-aggregate';
import { settleReservations, toReservation } from '../../inventory/store/reservations';
import { eachItem, runPagedSweep, type SweepDeps } from './sweeps';

export const HOLD_EXPIRED = 'HOLD_EXPIRED';

export interface ReservationSweepResult {
  readonly examined: number;
  readonly released: number;
  readonly kept: number;
  readonly failed: number;
}

export async function sweepReservations(deps: SweepDeps): Promise<ReservationSweepResult> {
  const now = deps.now().toISOString();
  let released = 0;
  let kept = 0;
  const run = await runPagedSweep(
    deps,
    'reservations',
    // One query per index shard, each resumed from its own cursor (the visit order rotates between runs).
    heldReservationPartitions().map((partition) => ({
      name: partition === 'RESERVATION#HELD' ? 'held' : `held${partition.slice(partition.lastIndexOf('#'))}`,
      input: {
        TableName: deps.store.tableName,
        IndexName: GSI2,
        KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :now',
        ExpressionAttributeValues: { ':pk': partition, ':now': now },
      },
    })),
    async (items) => {
      const byOrder = new Map<string, Reservation[]>();
      for (const item of items) {
        const r = toReservation(item);
        byOrder.set(r.orderId, [...(byOrder.get(r.orderId) ?? []), r]);
      }
      return eachItem(deps, 'Reservation sweep', [...byOrder.entries()], ([orderId]) => ({ orderId }), async ([orderId, found]) => {
        // Decide on fresh, strongly consistent state: the index is eventually consistent.
        const aggregate = await loadOrderAggregate(deps.store, orderId);
        const toRelease: Reservation[] = [];
        for (const stale of found) {
          const current =
            aggregate?.reservations.find((r) => r.fulfillmentId === stale.fulfillmentId && r.sku === stale.sku) ?? (aggregate === undefined ? stale : undefined);
          if (current === undefined) continue;
          const decision = reservationExpiryDecision({
            reservation: current,
            order: aggregate?.order,
            fulfillment: aggregate?.fulfillments.find((f) => f.fulfillmentId === current.fulfillmentId),
            now,
          });
          if (decision.action === 'RELEASE') toRelease.push(current);
          else if (decision.reason === 'STILL_NEEDED') {
            kept += 1;
            deps.logger.info('Expired reservation kept: its fulfillment is live and unshipped', { orderId, fulfillmentId: current.fulfillmentId, sku: current.sku });
          }
        }
        if (toRelease.length === 0) return;
        const settled = await settleReservations(deps.store, toRelease, 'RELEASE', HOLD_EXPIRED, now);
        released += settled.length;
        if (settled.length > 0) {
          deps.logger.info('Expired reservations released', { orderId, reservations: settled.length, units: settled.reduce((s, r) => s + r.quantity, 0) });
        }
      }, ([, found]) => found.length);
    },
  );
  deps.metrics.addMetric('ReservationsReleased', MetricUnit.Count, released);
  return { examined: run.examined, released, kept, failed: run.failed };
}

/**
 * Dispatch sweep: orders in fulfillment (gsi2 `STATUS#IN_FULFILLMENT`, `STATUS#PARTIALLY_SHIPPED`) →
 * their fulfillments → one still DISPATCHED past `acceptBy + DISPATCH_GRACE_MINUTES` (the supplier
 * neither accepted nor rejected, and the workflow's own acceptance timeout did not move it on) is
 * surfaced once: in ONE transaction the fulfillment gets `overdueAt`, `exception
 * {code: DISPATCH_UNACKNOWLEDGED}` and the gsi3 mark `EXCEPTION#DISPATCH_UNACKNOWLEDGED`
 * (conditional on still DISPATCHED, same version, never surfaced), and a `FulfillmentOverdue`
 * timeline event is written (published as a domain event). Metric `FulfillmentsOverdue`.
 *
 * `overdueAt` stays on the item for good (workflow writes carry the record forward), so the event fires
 * once per fulfillment; the gsi3 mark is dropped by the next workflow write (the exception marker is
 * recomputed from the fulfillment's facts), i.e. when the supplier answers or the lines are rerouted.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DISPATCH_SWEEP_ORDER_STATUSES, dispatchCheck } from '../domain/rules';
import type { Order } from '../../orders/domain/order';
import { stripKeys } from '../../runtime/table/context';
import { toFulfillmentRecord } from '../../workflow/store/fulfillments';
import { type FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { GSI2, gsiKeys, keys, prefixes } from '../../runtime/table/keys';
import { TimelineBatch } from '../../events/store/timeline';
import type { TransactItem } from '../../runtime/table/transactions';
import { eachItem, runPagedSweep, transactSurfacing, type SweepDeps } from './sweeps';

export const DISPATCH_UNACKNOWLEDGED = 'DISPATCH_UNACKNOWLEDGED';

export interface DispatchSweepDeps extends SweepDeps {
  readonly graceMinutes: number;
}

export interface DispatchSweepResult {
  readonly examined: number;
  readonly overdue: number;
  readonly failed: number;
}

async function fulfillmentsOf(deps: SweepDeps, orderId: string): Promise<FulfillmentRecord[]> {
  const out: FulfillmentRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.store.ddb.send(
      new QueryCommand({
        TableName: deps.store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':prefix': prefixes.fulfillment },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.entity === 'Fulfillment' && item.overdueAt === undefined && item.gsi3pk === undefined) out.push(toFulfillmentRecord(item));
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
}

export function markOverdueItems(deps: SweepDeps, f: FulfillmentRecord, acceptBy: string, graceMinutes: number, at: string): TransactItem[] {
  const ctx = deps.store;
  const mark = gsiKeys.exception(DISPATCH_UNACKNOWLEDGED, acceptBy, `${f.orderId}#${f.fulfillmentId}`);
  const update: TransactItem = {
    Update: {
      TableName: ctx.tableName,
      Key: keys.fulfillment(f.orderId, f.fulfillmentId),
      UpdateExpression: 'SET overdueAt = :at, #exception = :marker, gsi3pk = :g3pk, gsi3sk = :g3sk, version = version + :one',
      ConditionExpression: '#status = :dispatched AND version = :version AND attribute_not_exists(overdueAt) AND attribute_not_exists(gsi3pk)',
      ExpressionAttributeNames: { '#status': 'status', '#exception': 'exception' },
      ExpressionAttributeValues: {
        ':at': at,
        ':marker': { code: DISPATCH_UNACKNOWLEDGED, since: acceptBy },
        ':g3pk': mark.gsi3pk,
        ':g3sk': mark.gsi3sk,
        ':one': 1,
        ':dispatched': 'DISPATCHED',
        ':version': f.version,
      },
    },
  };
  const events = new TimelineBatch(f.orderId, f.channelId, at).add({
    type: 'FulfillmentOverdue',
    actor: 'platform',
    message: `Supplier ${f.supplierId} has not acknowledged purchase order ${f.fulfillmentId} (accept by ${acceptBy}, grace ${graceMinutes} min)`,
    data: { fulfillmentId: f.fulfillmentId, supplierId: f.supplierId, dispatchedAt: f.dispatchedAt, acceptBy, graceMinutes },
  });
  return [update, ...events.items(ctx)];
}

/** Surface one fulfillment; false when someone changed it first (it is then no longer this sweep's business or already surfaced). */
async function surface(deps: DispatchSweepDeps, f: FulfillmentRecord, acceptBy: string, at: string): Promise<boolean> {
  // false: the fulfillment's condition failed (it moved on, or another run surfaced it). Contention, or a
  // timeline key collision (the event put's condition): again, with new sequence numbers.
  return transactSurfacing(deps.store, () => markOverdueItems(deps, f, acceptBy, deps.graceMinutes, at), `surface fulfillment ${f.fulfillmentId}`);
}

export async function sweepDispatches(deps: DispatchSweepDeps): Promise<DispatchSweepResult> {
  const now = deps.now().toISOString();
  let overdue = 0;
  const run = await runPagedSweep(
    deps,
    'dispatches',
    DISPATCH_SWEEP_ORDER_STATUSES.map((status) => ({
      name: status,
      input: {
        TableName: deps.store.tableName,
        IndexName: GSI2,
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': `STATUS#${status}` },
      },
    })),
    (items) =>
      eachItem(
        deps,
        'Dispatch sweep',
        items.map((item) => stripKeys(item) as unknown as Order),
        (order) => ({ orderId: order.orderId }),
        async (order) => {
          for (const f of await fulfillmentsOf(deps, order.orderId)) {
            const check = dispatchCheck(f, now, deps.graceMinutes);
            if (!check.overdue || check.acceptBy === undefined) continue;
            if (await surface(deps, f, check.acceptBy, now)) {
              overdue += 1;
              deps.logger.warn('Purchase order not acknowledged: surfaced', { orderId: f.orderId, fulfillmentId: f.fulfillmentId, supplierId: f.supplierId, acceptBy: check.acceptBy });
            }
          }
        },
      ),
  );
  deps.metrics.addMetric('FulfillmentsOverdue', MetricUnit.Count, overdue);
  return { examined: run.examined, overdue, failed: run.failed };
}

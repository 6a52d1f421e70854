/**
 * Scorecard items. Daily aggregates: `SCORECARD#{supplierId}` / `DAY#{YYYY-MM-DD}`, flat numeric
 * counters incremented in place (`SET x = if_not_exists(x, 0) + n`; acceptance buckets `b0`..`b9`, returns `ret_{reason}`). Each fact is
 * counted once: its count marker `SCORECARD#COUNTED#{countKey}` / `#COUNTED` (TTL 120 days) is put in
 * the same transaction as the ADD, conditional on not existing (a cancelled transaction still bills its write
 * units, so facts that are often counted already are checked with `isCounted` first). Reads are one Query per supplier and
 * window (≤ 90 items), never a scan.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from '../../runtime/table/context';
import { transact } from '../../runtime/table/transactions';
import { ACCEPTANCE_BUCKETS_MINUTES, emptyDay, factIncrements, type DailyAggregate } from '../domain/scorecard';
import type { CountedFact } from '../domain/facts';
import { queryAll } from '../../runtime/table/query';

const COUNT_TTL_SECONDS = 120 * 86_400;
const COUNTERS = ['dispatched', 'accepted', 'rejected', 'cancelled', 'shipped', 'shippedOnTime', 'invalidTracking', 'delivered', 'deliveredLate'] as const;

export const dailyKey = (supplierId: string, day: string) => ({ pk: `SCORECARD#${supplierId}`, sk: `DAY#${day}` });
const countMarkerKey = (countKey: string) => ({ pk: `SCORECARD#COUNTED#${countKey}`, sk: '#COUNTED' });

/**
 * Whether the fact `countKey` was already counted (its marker exists): one eventually consistent GetItem of
 * the small marker (½ read unit). Only a shortcut: a marker written a moment ago may not be seen yet, and
 * then the counting transaction's condition still refuses the second count.
 */
export async function isCounted(ctx: StoreContext, countKey: string): Promise<boolean> {
  const out = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: countMarkerKey(countKey), ProjectionExpression: 'pk' }));
  return out.Item !== undefined;
}

/** A return reason as an attribute name part (the returns helper's reason codes are already snake_case). */
export function reasonAttribute(reason: string): string {
  return `ret_${reason.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40)}`;
}

/** Count one fact once: true when counted now, false when it was counted before. */
export async function countFact(ctx: StoreContext, counted: CountedFact, now: Date): Promise<boolean> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':supplierId': counted.supplierId, ':day': counted.day, ':entity': 'ScorecardDay', ':zero': 0 };
  const adds: string[] = [];
  factIncrements(counted.fact).forEach(([name, by], i) => {
    const attribute = name.startsWith('ret_') ? reasonAttribute(name.slice(4)) : name;
    names[`#a${i}`] = attribute;
    values[`:v${i}`] = by;
    adds.push(`#a${i} = if_not_exists(#a${i}, :zero) + :v${i}`);
  });
  const outcome = await transact(ctx, [
    {
      Put: {
        TableName: ctx.tableName,
        Item: { ...countMarkerKey(counted.countKey), entity: 'ScorecardCount', supplierId: counted.supplierId, day: counted.day, expiresAt: Math.floor(now.getTime() / 1000) + COUNT_TTL_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Update: {
        TableName: ctx.tableName,
        Key: dailyKey(counted.supplierId, counted.day),
        UpdateExpression: `SET supplierId = :supplierId, #day = :day, entity = :entity, ${adds.join(', ')}`,
        ExpressionAttributeNames: { ...names, '#day': 'day' },
        ExpressionAttributeValues: values,
      },
    },
  ]);
  return outcome.ok;
}

/** A stored day as the domain's DailyAggregate. */
export function toDailyAggregate(item: Record<string, unknown>): DailyAggregate {
  const supplierId = String(item.supplierId ?? '');
  // The day from the sort key (`DAY#{day}`): the attribute is a copy.
  const base = emptyDay(supplierId, String(item.sk ?? '').replace(/^DAY#/, '') || String(item.day ?? ''));
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  const returns: Record<string, number> = {};
  for (const [k, v] of Object.entries(item)) if (k.startsWith('ret_')) returns[k.slice(4)] = num(v);
  const counters = Object.fromEntries(COUNTERS.map((c) => [c, num(item[c])]));
  return { ...base, ...counters, acceptanceBuckets: base.acceptanceBuckets.map((_, i) => num(item[`b${i}`])), returns };
}

/** The days of a supplier from `from` to `to` (inclusive, YYYY-MM-DD). */
export async function loadDays(ctx: StoreContext, supplierId: string, from: string, to: string): Promise<DailyAggregate[]> {
  const items = await queryAll(ctx, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': `SCORECARD#${supplierId}`, ':from': `DAY#${from}`, ':to': `DAY#${to}` },
  });
  return items.map(toDailyAggregate);
}

/** Bucket count (for docs and tests). */
export const BUCKET_COUNT = ACCEPTANCE_BUCKETS_MINUTES.length + 1;

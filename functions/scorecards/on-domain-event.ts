/**
 * EventBridge rule target (domain bus, the scorecard event types): counts the event's facts into the
 * supplier's daily aggregate, each once (scorecards/services/scorecards.ts). Invalid input throws with the
 * fields named: after the asynchronous retries it lands in this function's DLQ (alarmed).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { systemClock } from '../core/kernel/clock';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { withPowertools } from '../core/runtime/powertools';
import { applyScorecardEvent, ScorecardBusEvent, type ScorecardDeps } from '../core/scorecards/services/scorecards';

const deps: ScorecardDeps = { store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') }, now: systemClock, logger };

export async function onDomainEvent(event: unknown, _context?: Context, scorecardDeps: ScorecardDeps = deps): Promise<{ counted: number; facts: number }> {
  const parsed = ScorecardBusEvent.safeParse(event);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    logger.error('Domain event rejected', { fields });
    throw new Error(`Invalid domain event: ${fields}`);
  }
  const result = await applyScorecardEvent(scorecardDeps, parsed.data);
  metrics.addMetric('ScorecardFactsCounted', MetricUnit.Count, result.counted);
  return result;
}

export const handler = withPowertools((event: unknown, context: Context) => onDomainEvent(event, context));

/**
 * Powertools singletons (one per container). Service name, namespace and log level come from
 * POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_LOG_LEVEL (set by CDK).
 *
 * No PII in logs: log ids (orderId, channelId, webhook id), counts, codes and field paths, never
 * emails, phones, names, streets or request bodies.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { UnauthorizedError } from '../kernel/errors';
import { WEBHOOK_SIGNATURE_FAILED } from './metric-names';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'dropship-pipeline';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DropshipPipeline' });

/**
 * X-Ray tracing is on unless POWERTOOLS_TRACE_ENABLED is `false` (Powertools' own switch; the local runtime sets
 * it, AWS does not). Where it is off the Tracer is not even loaded: the X-Ray SDK creates its cls-hooked
 * namespace on import, and those async hooks run on every promise of the invocation (about 1 ms of a local
 * intake request).
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.POWERTOOLS_TRACE_ENABLED?.trim().toLowerCase() !== 'false';
}

export const tracer: Tracer | undefined = tracingEnabled() ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName }) : undefined;

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Undefined where tracing is off (tracingEnabled). */
  readonly tracer: Tracer | undefined;
}

export const observability: Observability = { logger, metrics, tracer };

/**
 * `.catch()` of a webhook service call: counts a delivery refused for its signature (the UnauthorizedError the
 * services throw: the WebhookSignatureFailed alarm watches a surge) and rethrows, so the 401 is answered as before.
 */
export function countSignatureFailure(error: unknown, obs: Observability = observability): never {
  if (error instanceof UnauthorizedError) obs.metrics.addMetric(WEBHOOK_SIGNATURE_FAILED, MetricUnit.Count, 1);
  throw error;
}

/**
 * The order id is the correlation id: from the moment a handler knows the order, every log line of the invocation
 * carries `orderId` and `correlation_id` = the order id, across the API, workflow, SQS and EventBridge handlers
 * (docs/operations.md, "Following one order through the logs").
 */
export function correlateOrder(orderId: string | undefined, obs: Observability = observability): void {
  if (orderId === undefined || orderId === '') return;
  const previous = obs.logger.getCorrelationId();
  // The API Gateway request id (set by the HTTP edge) stays on the line as `requestId`.
  if (typeof previous === 'string' && previous !== orderId) obs.logger.appendKeys({ requestId: previous });
  obs.logger.appendKeys({ orderId });
  obs.logger.setCorrelationId(orderId);
}

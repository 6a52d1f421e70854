/**
 * Powertools singletons (one per container). Service name, namespace and log level come from
 * POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_LOG_LEVEL (set by CDK).
 *
 * No PII in logs: log ids (orderId, channelId, webhook id), counts, codes and field paths, never
 * emails, phones, names, streets or request bodies.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'dropship-pipeline';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DropshipPipeline' });
export const tracer = new Tracer({ serviceName });

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

export const observability: Observability = { logger, metrics, tracer };

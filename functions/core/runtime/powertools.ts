/**
 * The one Powertools chain every Lambda entry shares: logger context (keys reset per invocation),
 * metrics flushed after each invocation (with the cold-start metric), and, where tracing is on, a tracer segment around
 * the handler (responses are not captured: they may carry customer data). Entry files add their own
 * middlewares after it (the API's correlation id and JSON errors, the workflow tasks' error mapping).
 */
import middy, { type MiddyfiedHandler } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { observability as defaultObservability, type Observability } from './observability';

export function withPowertools<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  obs: Observability = defaultObservability,
): MiddyfiedHandler<TEvent, TResult, Error, Context> {
  const chain = middy<TEvent, TResult, Error, Context>(handler)
    .use(injectLambdaContext(obs.logger, { resetKeys: true }))
    .use(logMetrics(obs.metrics, { captureColdStartMetric: true }));
  return obs.tracer === undefined ? chain : chain.use(captureLambdaHandler(obs.tracer, { captureResponse: false }));
}

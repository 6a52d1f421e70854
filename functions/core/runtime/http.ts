/**
 * The HTTP edge for API Gateway (REST, Lambda proxy) handlers: a middy wrapper that carries the
 * cross-cutting concerns (logger context, metrics flush, tracer, JSON error responses) and small
 * helpers every handler uses to read the event (headers, raw body, JSON body, channel from API key).
 */
import type middy from '@middy/core';
import { withPowertools } from './powertools';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import type { ChannelConfig, ChannelDirectory } from './channels';
import {
  BadRequestError,
  ForbiddenError,
  PayloadTooLargeError,
  PipelineError,
  UnsupportedMediaTypeError,
  ValidationError,
  toError,
} from '../kernel/errors';
import { observability as defaultObservability, type Observability } from './observability';
import { toFieldIssues } from '../kernel/schemas';
import { RETRY_AFTER_SECONDS, unavailableCode } from './http-unavailable';

/** Largest accepted request body (bytes, after base64 decoding). */
export const MAX_BODY_BYTES = 256 * 1024;

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } as const;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/**
 * Map any error to the API's JSON error response. Only PipelineErrors with status < 500 expose their message.
 * Throttling / contention that outlasted the SDK's retries (and TransientError) → 503 with Retry-After and a
 * body code (http-unavailable.ts): the request was fine, a retry will do.
 */
export function errorResponse(error: unknown, obs: Observability = defaultObservability): APIGatewayProxyResult {
  const unavailable = unavailableCode(error);
  if (unavailable !== undefined) {
    obs.logger.warn('Request throttled or contended: 503', { code: unavailable, error: toError(error).name });
    obs.metrics.addMetric('Http503', MetricUnit.Count, 1);
    return json(
      503,
      { error: 'Service temporarily unavailable, retry later', code: unavailable, issues: [] },
      { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    );
  }
  if (error instanceof PipelineError && error.expose) {
    // Paths only: issue messages are safe, but keep the log line small and value-free.
    obs.logger.info('Request rejected', {
      error: error.name,
      statusCode: error.statusCode,
      issuePaths: error.issues.map((issue) => issue.path),
    });
    obs.metrics.addMetric(`Http${error.statusCode}`, MetricUnit.Count, 1);
    return json(error.statusCode, { error: error.message, issues: error.issues });
  }
  obs.logger.error('Unhandled error', toError(error));
  obs.metrics.addMetric('Http500', MetricUnit.Count, 1);
  return json(500, { error: 'Internal error' });
}

/** middy middleware: turn a thrown error into a JSON response (runs first in the onError chain). */
export function jsonErrorHandler(obs: Observability = defaultObservability): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request) => {
      request.response = errorResponse(request.error, obs);
    },
  };
}

/** middy middleware: API Gateway's request id as the log correlation id. */
export function correlationId(obs: Observability = defaultObservability): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: (request) => {
      const requestId = request.event.requestContext?.requestId;
      if (requestId) obs.logger.setCorrelationId(requestId);
    },
  };
}

/** Wrap an API handler with logger context, metrics flush, tracing and the JSON error handler. */
export function httpHandler(fn: ApiHandler, obs: Observability = defaultObservability) {
  return withPowertools(fn, obs)
    .use(correlationId(obs))
    .use(jsonErrorHandler(obs));
}

// ---------------------------------------------------------------- event helpers

/** Case-insensitive header lookup (API Gateway keeps the client's casing). */
export function getHeader(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  for (const [key, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted && values !== undefined && values.length > 0) return values[0];
  }
  return undefined;
}

/** A required header; missing or malformed → 400 with path `headers.<name>`. */
export function requireHeader(
  event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>,
  name: string,
  rule: { pattern?: RegExp; description?: string; maxLength?: number } = {},
): string {
  const path = `headers.${name.toLowerCase()}`;
  const value = getHeader(event, name)?.trim();
  if (value === undefined || value === '') {
    throw new BadRequestError(`Missing required header ${name}`, { issues: [{ path, message: 'is required' }] });
  }
  const maxLength = rule.maxLength ?? 255;
  if (value.length > maxLength || (rule.pattern !== undefined && !rule.pattern.test(value))) {
    const message = rule.description ?? `must be at most ${maxLength} characters`;
    throw new BadRequestError(`Invalid header ${name}`, { issues: [{ path, message }] });
  }
  return value;
}

/** The body exactly as received (API Gateway base64-encodes binary bodies). 413 over MAX_BODY_BYTES. */
export function rawBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>, maxBytes: number = MAX_BODY_BYTES): Buffer {
  const body = event.body ?? '';
  // Cheap pre-check before decoding: base64 is 4/3 larger, UTF-8 at least 1 byte per char.
  const upperBound = event.isBase64Encoded ? Math.ceil((body.length * 3) / 4) : Buffer.byteLength(body, 'utf8');
  if (upperBound > maxBytes + 3) throw tooLarge(maxBytes);
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  return bytes;
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError('Request body too large', {
    issues: [{ path: 'body', message: `must be at most ${maxBytes} bytes` }],
  });
}

/** Content-Type must be application/json (parameters such as charset=utf-8 allowed) → else 415. */
export function requireJsonContentType(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>): void {
  const contentType = getHeader(event, 'content-type');
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new UnsupportedMediaTypeError('Content-Type must be application/json', {
      issues: [{ path: 'headers.content-type', message: 'must be application/json' }],
    });
  }
}

/** Decode bytes as JSON; malformed → 400. `parse` may be swapped for a lossless parser. */
export function parseJson(bytes: Buffer, parse: (text: string) => unknown = JSON.parse): unknown {
  if (bytes.length === 0) {
    throw new BadRequestError('Request body is required', { issues: [{ path: 'body', message: 'is required' }] });
  }
  try {
    return parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new BadRequestError('Malformed JSON body', { cause, issues: [{ path: 'body', message: 'must be valid JSON' }] });
  }
}

/** Content-Type check (415), size check (413) and JSON parse (400) of a request body. */
export function parseJsonBody(event: APIGatewayProxyEvent): unknown {
  requireJsonContentType(event);
  return parseJson(rawBody(event));
}

/** Validate with a zod schema; failures → 422 with one issue per problem (dotted paths). */
export function validate<S extends z.ZodType>(schema: S, value: unknown, message = 'Request body is invalid'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(message, { issues: toFieldIssues(result.error) });
  return result.data;
}

/** The caller's channel, from the API key API Gateway authenticated. Unknown → 403. */
export function channelFromApiKey(event: Pick<APIGatewayProxyEvent, 'requestContext'>, channels: ChannelDirectory): ChannelConfig {
  const channel = channels.byApiKeyId(event.requestContext?.identity?.apiKeyId);
  if (channel === undefined) {
    throw new ForbiddenError('API key is not mapped to a storefront channel', {
      issues: [{ path: 'headers.x-api-key', message: 'is not mapped to a storefront channel' }],
    });
  }
  return channel;
}

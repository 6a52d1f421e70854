/**
 * GET /ops/dead-letters?source=supplier-inbound|notifications (IAM): each DLQ's count and a peek at its
 * messages (ids, times, receive counts, reasons; no bodies).
 * POST /ops/dead-letters/{source}/replay `{ messageIds? }`: move them back to their source queue after a fix.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { DEAD_LETTER_SOURCES, DeadLetterQueues, listDeadLetters, replayDeadLetters } from '../core/ops/services/dead-letters';
import { getSqsClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { httpHandler, json, validate } from '../core/runtime/http';
import { DeadLettersQuery, ReplayRequest } from '../core/ops/schemas/act';
import { logger, metrics } from '../core/runtime/observability';
import { optionalJsonBody, requireOperator } from './common';

const deps = { sqs: getSqsClient(), queues: DeadLetterQueues.parse(JSON.parse(requireEnv('OPS_DEAD_LETTERS'))) };


export async function opsDeadLettersHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const operator = requireOperator(event);
  if (event.httpMethod === 'GET') {
    const query = validate(DeadLettersQuery, event.queryStringParameters ?? {}, 'Query string is invalid');
    return json(200, await listDeadLetters(deps, query.source));
  }
  const { source } = validate(z.object({ source: z.enum(DEAD_LETTER_SOURCES) }), { source: event.pathParameters?.source }, 'Path is invalid');
  const request = validate(ReplayRequest, optionalJsonBody(event));
  const result = await replayDeadLetters(deps, source, request.messageIds);
  logger.info('Operator action done', { action: 'replay', source, actorId: operator.actorId, replayed: result.replayed });
  metrics.addMetric('DeadLettersReplayed', MetricUnit.Count, result.replayed);
  return json(200, result);
}

export const handler = httpHandler(opsDeadLettersHandler);

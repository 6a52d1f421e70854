/**
 * The seam every workflow task handler shares: parse the Step Functions payload with the task's zod
 * schema (a mismatch is a TaskInputError: a definition bug, never retried), add the order /
 * fulfillment ids to the log context, flush metrics, trace; the business function does the rest.
 * Errors reach Step Functions with their `name` (TransientError is retried, the rest caught).
 */
import { isRecord } from '../core/kernel/guards';
import { withPowertools } from '../core/runtime/powertools';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { PipelineError, TaskInputError, TransientError, WorkflowOutcome, toError } from '../core/kernel/errors';
import { isRetryableAwsError, isTransactionCanceled } from '../core/runtime/table/transactions';
import { correlateOrder, observability as defaultObservability, type Observability } from '../core/runtime/observability';
import { toFieldIssues } from '../core/kernel/schemas';

/** Ids worth having on every log line of a task (never customer data). */
function idsOf(value: unknown): Record<string, string> {
  const ids: Record<string, string> = {};
  if (!isRecord(value)) return ids;
  const nested = isRecord(value.fulfillment) ? value.fulfillment : {};
  for (const source of [value, nested]) {
    for (const key of ['orderId', 'fulfillmentId', 'supplierId']) {
      const v = source[key];
      if (typeof v === 'string') ids[key] = v;
    }
  }
  return ids;
}

/**
 * What Step Functions should see: pipeline errors keep their name; AWS SDK errors a retry can fix
 * (throttling, 5xx, conflicts, network) become TransientError (retried with backoff) instead of
 * failing the order; anything else (a bug) keeps its name and is caught by the compensations.
 */
export function toTaskError(value: unknown): Error {
  const error = toError(value);
  if (error instanceof PipelineError) return error;
  const fault = (error as { $fault?: unknown }).$fault;
  const retryable = (error as { $retryable?: unknown }).$retryable !== undefined;
  if (isRetryableAwsError(error) || isTransactionCanceled(error) || fault === 'server' || retryable) {
    return new TransientError(`${error.name}: ${error.message}`, { cause: error });
  }
  return error;
}

export function parseTaskInput<S extends z.ZodType>(task: string, schema: S, event: unknown): z.output<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error, 'input');
    throw new TaskInputError(`${task}: the task input does not match its contract (${issues.map((i) => i.path).join(', ')})`, { issues });
  }
  return parsed.data;
}

export function taskHandler<S extends z.ZodType, R>(
  task: string,
  schema: S,
  fn: (input: z.output<S>) => Promise<R>,
  obs: Observability = defaultObservability,
) {
  const base = async (event: unknown, _context: Context): Promise<R> => {
    obs.logger.appendKeys({ task, ...idsOf(event) });
    correlateOrder(idsOf(event).orderId, obs);
    return fn(parseTaskInput(task, schema, event));
  };
  return withPowertools(base, obs)
    .use({
      onError: (request) => {
        const error = toTaskError(request.error);
        request.error = error;
        if (error instanceof WorkflowOutcome) {
          obs.logger.info('Task outcome reported as a named error', { outcome: error.name });
          return;
        }
        // Name and message only: messages of pipeline errors carry ids and codes, never customer data.
        obs.logger.error('Task failed', { errorName: error.name, errorMessage: error.message });
      },
    });
}

export { outboundDeps, responderDeps, workflowDeps } from '../core/workflow/services/runtime-deps';

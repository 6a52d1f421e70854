/**
 * Resuming waiting workflow states. TaskTimedOut / InvalidToken / TaskDoesNotExist mean the state is
 * no longer waiting for this token (it timed out, was resumed already, or the execution ended): that
 * is "already handled", logged and never retried. Anything else is a TransientError (retry later).
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '@aws-lambda-powertools/logger';
import { TransientError, type WorkflowErrorName } from '../../kernel/errors';
import type { TaskTokenRecord } from '../store/task-tokens';

export const ALREADY_HANDLED_TASK_ERRORS: ReadonlySet<string> = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

export type TaskResponse = 'sent' | 'already-handled';

export interface Responder {
  readonly sfn: SFNClient;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

async function respond(deps: Responder, send: () => Promise<unknown>, what: Record<string, unknown>): Promise<TaskResponse> {
  try {
    await send();
    return 'sent';
  } catch (error) {
    if (error instanceof Error && ALREADY_HANDLED_TASK_ERRORS.has(error.name)) {
      deps.logger.info('Task token already handled', { ...what, reason: error.name });
      return 'already-handled';
    }
    throw new TransientError('Could not resume the workflow task', { cause: error });
  }
}

export function sendTaskSuccess(deps: Responder, taskToken: string, output: unknown, what: Record<string, unknown> = {}): Promise<TaskResponse> {
  return respond(deps, () => deps.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })), what);
}

export function sendTaskFailure(
  deps: Responder,
  taskToken: string,
  error: WorkflowErrorName,
  cause: string,
  what: Record<string, unknown> = {},
): Promise<TaskResponse> {
  return respond(deps, () => deps.sfn.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32_768) })), what);
}

/**
 * Send the answer to a stored token. The token item is NOT deleted: the next waiting state overwrites it (one
 * item per fulfillment, one per hold) and TTL removes the last one. A delete after the resume cost a write unit
 * every time and mostly failed its condition (the next state had already stored its token, which the delete had
 * to spare): 3 DeleteItems per order, 1.6 of them failed. A spent token read later is answered once more and
 * Step Functions says "already handled" (a task token is used once), which is what "no token" meant.
 */
export function resumeWithStoredToken(
  deps: Responder,
  token: TaskTokenRecord,
  result: { readonly kind: 'success'; readonly output: unknown } | { readonly kind: 'failure'; readonly error: WorkflowErrorName; readonly cause: string },
): Promise<TaskResponse> {
  const what = { orderId: token.orderId, fulfillmentId: token.fulfillmentId, stage: token.stage };
  return result.kind === 'success'
    ? sendTaskSuccess(deps, token.taskToken, result.output, what)
    : sendTaskFailure(deps, token.taskToken, result.error, result.cause, what);
}

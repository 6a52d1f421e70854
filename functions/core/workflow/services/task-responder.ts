/**
 * Resuming waiting workflow states. TaskTimedOut / InvalidToken / TaskDoesNotExist mean the state is
 * no longer waiting for this token (it timed out, was resumed already, or the execution ended): that
 * is "already handled", logged and never retried. Anything else is a TransientError (retry later).
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '@aws-lambda-powertools/logger';
import { TransientError, type WorkflowErrorName } from '../../kernel/errors';
import type { StoreContext } from '../../runtime/table/context';
import { deleteTaskToken, type TaskTokenRecord } from '../store/task-tokens';

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

/** Send, then forget the stored token (only if it is still the one we used). */
export async function resumeWithStoredToken(
  deps: Responder & { readonly store: StoreContext },
  token: TaskTokenRecord,
  result: { readonly kind: 'success'; readonly output: unknown } | { readonly kind: 'failure'; readonly error: WorkflowErrorName; readonly cause: string },
): Promise<TaskResponse> {
  const what = { orderId: token.orderId, fulfillmentId: token.fulfillmentId, stage: token.stage };
  const response =
    result.kind === 'success'
      ? await sendTaskSuccess(deps, token.taskToken, result.output, what)
      : await sendTaskFailure(deps, token.taskToken, result.error, result.cause, what);
  await deleteTaskToken(deps.store, token);
  return response;
}

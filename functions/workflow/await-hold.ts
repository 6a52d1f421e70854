/**
 * AwaitHoldDecision task (waitForTaskToken): `{ taskToken, orderId }`. Stores the token under
 * TASKTOKEN#HOLD#{orderId}; resumed with `{ decision: 'APPROVE' | 'REJECT' }` by the ops API or a
 * payment update, or at once by this task when the hold was already resolved.
 */
import { AwaitHoldInput } from '../core/workflow/schemas/workflow';
import { awaitHold } from '../core/workflow/services/callbacks';
import { responderDeps, taskHandler } from './task';

const deps = responderDeps();

export const handler = taskHandler('AwaitHoldDecision', AwaitHoldInput, (input) => awaitHold(deps, input));

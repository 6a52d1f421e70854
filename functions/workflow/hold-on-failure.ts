/**
 * HoldOnFailure: `{ orderId, error }` → `{ disposition, retryAfterSeconds }` (ResultPath $.failureHold). Reached
 * from every forward step's catch-all once its bounded retries are spent: holds the order for an operator
 * (TRANSIENT_FAILURE) or marks an order already with suppliers; never compensates (failure-policy.ts).
 */
import { HoldOnFailureInput } from '../core/workflow/schemas/workflow';
import { holdOnFailure } from '../core/workflow/failures/hold-on-failure';
import { taskHandler, workflowDeps } from './task';

const deps = workflowDeps();

export const handler = taskHandler('HoldOnFailure', HoldOnFailureInput, (input) => holdOnFailure(deps, input));

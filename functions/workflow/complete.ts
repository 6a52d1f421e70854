/**
 * Complete: `{ orderId }` → `{ outcome: 'DELIVERED' | 'CANCELLED' | 'EXCEPTION' | 'MORE', status, fulfillments }`
 * (ResultPath $.route: MORE goes around the Fulfill Map again with the PENDING fulfillments).
 */
import { OrderTaskInput } from '../core/workflow/schemas/workflow';
import { complete } from '../core/workflow/services/close-order';
import { taskHandler, workflowDeps } from './task';

const deps = workflowDeps();

export const handler = taskHandler('Complete', OrderTaskInput, (input) => complete(deps, input));

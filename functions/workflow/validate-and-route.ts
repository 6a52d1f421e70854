/**
 * ValidateAndRoute task: `{ orderId }` → `{ outcome: 'ROUTED' | 'OUT_OF_STOCK' | 'HOLD' | 'REJECTED' | 'DONE',
 * fulfillments: FulfillmentTask[], holdReason?, holdTimeoutSeconds? }` (ResultPath $.route). Validates and
 * screens the order, then (when it may continue) reserves its stock and routes it, in one invocation.
 */
import { OrderTaskInput } from '../core/workflow/schemas/workflow';
import { validateAndRoute } from '../core/workflow/services/reserve-and-route';
import { taskHandler, workflowDeps } from './task';

const deps = workflowDeps();

export const handler = taskHandler('ValidateAndRoute', OrderTaskInput, (input) => validateAndRoute(deps, input));

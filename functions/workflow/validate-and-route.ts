/**
 * ValidateAndRoute task: `{ orderId }` → `{ outcome: 'ROUTED', fulfillments: FulfillmentTask[], dispatchDelaySeconds }`
 * (ResultPath $.route); every other outcome is a named error the state machine catches (OrderOnHold,
 * OrderRejected, OrderOutOfStock, OrderClosed). Validates and screens the order, then (when it may continue)
 * reserves its stock and routes it, in one invocation. The HoldDeadline state calls it with `report: 'HOLD'`
 * for the hold's time left.
 */
import { ReportTaskInput } from '../core/workflow/schemas/workflow';
import { validateAndRouteState } from '../core/workflow/services/reserve-and-route';
import { taskHandler, workflowDeps } from './task';

const deps = workflowDeps();

export const handler = taskHandler('ValidateAndRoute', ReportTaskInput, (input) => validateAndRouteState(deps, input));

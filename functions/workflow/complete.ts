/**
 * Complete: `{ orderId }` → `{ outcome: 'DELIVERED' | 'CANCELLED' | 'EXCEPTION', status, fulfillments: [] }` (the
 * execution's last state); MORE (a reroute split lines onto further suppliers) is the named error
 * MoreFulfillments, and NextFulfillments (`report: 'PENDING'`) answers the PENDING fulfillments for the Map.
 */
import { ReportTaskInput } from '../core/workflow/schemas/workflow';
import { completeState } from '../core/workflow/services/close-order';
import { taskHandler, workflowDeps } from './task';

const deps = workflowDeps();

export const handler = taskHandler('Complete', ReportTaskInput, (input) => completeState(deps, input));

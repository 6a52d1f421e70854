/**
 * Reroute task: `{ fulfillment: FulfillmentTask, error?: { Error, Cause } }` →
 * `{ outcome: 'REROUTED', fulfillment, additionalFulfillments } | { outcome: 'LINES_CANCELLED', refundRequestedMinor }`.
 */
import { RerouteInput } from '../core/workflow/schemas/workflow';
import { reroute } from '../core/workflow/services/reroute';
import { taskHandler, workflowDeps } from './task';

const deps = workflowDeps();

export const handler = taskHandler('Reroute', RerouteInput, (input) => reroute(deps, input));

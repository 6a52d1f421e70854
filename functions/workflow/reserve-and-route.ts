/** ReserveAndRoute task: `{ orderId }` → `{ outcome: 'ROUTED' | 'OUT_OF_STOCK', fulfillments: FulfillmentTask[] }` (ResultPath $.route). */
import { OrderTaskInput } from '../core/schemas/workflow';
import { reserveAndRoute } from '../core/services/reserve-and-route';
import { taskHandler, workflowDeps } from './task';

const deps = workflowDeps();

export const handler = taskHandler('ReserveAndRoute', OrderTaskInput, (input) => reserveAndRoute(deps, input));

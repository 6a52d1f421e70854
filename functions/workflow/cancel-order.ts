/**
 * CancelOrder and CompensateOrder: `{ orderId, reason?, error? }` (reason OUT_OF_STOCK | HOLD_REJECTED |
 * HOLD_TIMEOUT | FAILURE; inferred from the state when absent) → `{ orderId, status, reason,
 * refundRequestedMinor, cancelledFulfillmentIds }`.
 */
import { CancelOrderInput } from '../core/workflow/schemas/workflow';
import { cancelOrder } from '../core/workflow/services/close-order';
import { outboundDeps, taskHandler, workflowDeps } from './task';

const deps = { ...workflowDeps(), outbound: outboundDeps() };

export const handler = taskHandler('CancelOrder', CancelOrderInput, (input) => cancelOrder(deps, input));

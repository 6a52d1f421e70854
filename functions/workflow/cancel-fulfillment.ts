/**
 * CancelFulfillment: `{ fulfillment, reason? }` → `{ outcome: 'CANCELLED' | 'NOT_CANCELLABLE' | 'ALREADY_CLOSED', fulfillmentId, refundRequestedMinor }`.
 * Cancels at the supplier (CANCELLATION message), releases the reservation, requests the refund of its lines.
 */
import { CancelFulfillmentInput } from '../core/workflow/schemas/workflow';
import { cancelFulfillment } from '../core/workflow/services/close-order';
import { outboundDeps, taskHandler, workflowDeps } from './task';

const deps = { ...workflowDeps(), outbound: outboundDeps() };

export const handler = taskHandler('CancelFulfillment', CancelFulfillmentInput, (input) => cancelFulfillment(deps, input));

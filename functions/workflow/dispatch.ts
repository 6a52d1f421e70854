/**
 * Dispatch task (waitForTaskToken): `{ taskToken, fulfillment: FulfillmentTask }`. Stores the token
 * (stage ACCEPTANCE), sends the PURCHASE_ORDER to the supplier's outbound queue, records DISPATCHED.
 * Resumed by the supplier inbound handler: success = MilestoneResult (the refreshed FulfillmentTask +
 * `accepted: true`), failure = `SupplierRejected`.
 */
import { DispatchInput } from '../core/workflow/schemas/workflow';
import { dispatch } from '../core/workflow/services/dispatch';
import { outboundDeps, responderDeps, taskHandler } from './task';

const deps = { ...responderDeps(), ...outboundDeps() };

export const handler = taskHandler('Dispatch', DispatchInput, (input) => dispatch(deps, input));

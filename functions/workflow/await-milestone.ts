/**
 * AwaitShipment / AwaitDelivery (and their after-deadline waits), waitForTaskToken:
 * `{ taskToken, fulfillment: FulfillmentTask, milestone: 'SHIPPED' | 'DELIVERED' }`. Stores the token
 * with that stage; resumed by the supplier inbound handler (or at once, when already reached) with the
 * refreshed FulfillmentTask (MilestoneResult).
 */
import { MilestoneInput } from '../core/workflow/schemas/workflow';
import { awaitMilestone } from '../core/workflow/services/callbacks';
import { responderDeps, taskHandler } from './task';

const deps = responderDeps();

export const handler = taskHandler('AwaitMilestone', MilestoneInput, (input) => awaitMilestone(deps, input));

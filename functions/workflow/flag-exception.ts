/**
 * ShipmentLate / DeliveryLate / DeliveryLost: `{ fulfillment, exception: 'SHIP_BY_PASSED' | 'DELIVER_BY_PASSED' | 'LOST' }`
 * → the refreshed FulfillmentTask + `{ flagged, code }`. The fulfillment goes on the exceptions index (gsi3).
 */
import { FlagExceptionInput } from '../core/workflow/schemas/workflow';
import { flagException } from '../core/workflow/services/close-order';
import { taskHandler, workflowDeps } from './task';

const deps = workflowDeps();

export const handler = taskHandler('FlagException', FlagExceptionInput, (input) => flagException(deps, input));

/** Bodies of the operator's order actions (POST /ops/orders/{orderId}/{action}). No customer data in notes. */
import * as z from 'zod';
import { text } from '../../kernel/schemas';
import { CANCEL_REASONS } from '../../orders/schemas/cancellation';

const note = text(500).optional().meta({ description: 'Shown on the timeline (no customer data)' });

export const HoldRequest = z.strictObject({ reason: text(500).meta({ description: 'Why the order is held (timeline)' }), note });
export const ReleaseRequest = z.strictObject({ note });
export const OpsCancelRequest = z.strictObject({ reason: z.enum(CANCEL_REASONS), note });
export const ResolveRequest = z.strictObject({ note: text(500).meta({ description: 'How the exception was handled' }) });
/** POST /ops/suppliers/{supplierId}/pause | resume. */
export const PauseRequest = z.strictObject({ note });
/** GET /ops/dead-letters and POST /ops/dead-letters/{source}/replay. */
export const DeadLettersQuery = z.strictObject({ source: z.enum(['supplier-inbound', 'notifications']).optional() });
export const ReplayRequest = z.strictObject({
  messageIds: z.array(z.string().min(1).max(128)).min(1).max(100).optional().meta({ description: 'Only these messages (default: all, at most 100 per call)' }),
});
/** redrive and retry take no body (an empty JSON object is accepted). */
export const EmptyRequest = z.strictObject({});

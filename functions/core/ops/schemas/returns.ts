/** GET /ops/returns: the query (every filter optional) and the page of return summaries. */
import * as z from 'zod';
import { RETURN_STATUSES } from '../../orders/domain/returns-lifecycle';
import { RETURN_CONDITIONS } from '../../returns/domain/returns';
import { Money } from './find';

/** A status, or `UNANSWERED`: REQUESTED returns whose supplier did not answer by `respondBy`. */
export const RETURN_LIST_STATUSES = [...RETURN_STATUSES, 'UNANSWERED'] as const;

export const ReturnsQuery = z.strictObject({
  status: z
    .enum(RETURN_LIST_STATUSES)
    .optional()
    .meta({ description: 'Returns in this status (index gsi2 RETURN#{status}), or UNANSWERED: requested and past the supplier deadline (gsi3 EXCEPTION#RETURN_UNANSWERED)' }),
  supplier: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a supplier id (lower-case letters, digits, -)').optional().meta({ description: 'Returns of this supplier' }),
  olderThanMinutes: z.coerce.number().int().min(1).max(525_600).optional().meta({ description: 'Only returns requested at least this many minutes ago' }),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional().meta({ description: 'nextCursor of the previous page (same filters)' }),
});
export type ReturnsQuery = z.output<typeof ReturnsQuery>;

export const ReturnSummary = z.object({
  returnId: z.string(),
  orderId: z.string(),
  channelId: z.string(),
  supplierId: z.string(),
  fulfillmentId: z.string(),
  status: z.enum(RETURN_STATUSES),
  reason: z.string(),
  resolution: z.string(),
  destination: z.string(),
  units: z.number().int().meta({ description: 'Units returned over all lines' }),
  goods: Money.meta({ description: 'What the returned lines were sold for' }),
  createdAt: z.string(),
  updatedAt: z.string(),
  respondBy: z.string().optional().meta({ description: 'The supplier must answer by then (while REQUESTED)' }),
  unanswered: z.boolean().meta({ description: 'REQUESTED and past respondBy: an operator may authorize it (POST /ops/returns/{returnId}/authorize)' }),
  rma: z.string().optional(),
  refund: Money.optional(),
  lines: z
    .array(
      z.object({
        lineNo: z.number().int(),
        sku: z.string(),
        quantity: z.number().int(),
        condition: z.enum(RETURN_CONDITIONS).optional().meta({ description: 'As received (once RECEIVED or later)' }),
      }),
    )
    .meta({ description: 'The returned lines (what POST /ops/returns/{returnId}/receive names, one condition per lineNo); no customer data' }),
});
export type ReturnSummary = z.output<typeof ReturnSummary>;

export const ReturnsPage = z.object({ items: z.array(ReturnSummary), nextCursor: z.string().optional() });
export type ReturnsPage = z.output<typeof ReturnsPage>;

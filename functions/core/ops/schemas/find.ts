/** GET /ops/orders: the query (every filter optional) and the page of order summaries. */
import * as z from 'zod';
import { ORDER_STATUSES } from '../../orders/domain/order';
import { text } from '../../kernel/schemas';

const id = (what: string) => z.string().min(1).max(128).regex(/^[A-Za-z0-9._:#-]+$/, `must be a ${what} (letters, digits, . _ : # -)`);

export const OrdersQuery = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional().meta({ description: 'Orders in this status (index gsi2)' }),
  channel: id('channel id').optional().meta({ description: 'Orders of this storefront channel (index gsi1)' }),
  supplier: id('supplier id').optional().meta({ description: 'Orders with a fulfillment at this supplier (index gsi1, fulfillments by supplier)' }),
  olderThanMinutes: z.coerce.number().int().min(1).max(525_600).optional().meta({ description: 'Only orders not updated for at least this many minutes (stuck candidates)' }),
  externalOrderId: text(128).optional().meta({ description: "The storefront's order id (exact; with or without channel)" }),
  email: z.email().max(254).optional().meta({ description: 'Customer email, exact match (compared as a SHA-256 of the normalized address; never logged)' }),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional().meta({ description: 'nextCursor of the previous page (same filters)' }),
});
export type OrdersQuery = z.output<typeof OrdersQuery>;

export const Money = z.object({ amount: z.string().meta({ examples: ['19.99'] }), currency: z.string().meta({ examples: ['EUR'] }) });

export const OrderSummary = z.object({
  orderId: z.string(),
  status: z.enum(ORDER_STATUSES),
  channelId: z.string(),
  externalOrderId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  total: Money,
  supplierIds: z.array(z.string()),
  holdReason: z.string().optional(),
  exception: z.string().optional().meta({ description: 'The open exception of the order or one of its fulfillments (kind), if any' }),
});
export type OrderSummary = z.output<typeof OrderSummary>;

export const OrdersPage = z.object({ items: z.array(OrderSummary), nextCursor: z.string().optional() });
export type OrdersPage = z.output<typeof OrdersPage>;

/**
 * The cancellation contract shared by every way an order is cancelled from outside: the customer's
 * `POST /orders/{orderId}/cancel`, Shopify `orders/cancelled` and `refunds/create`, WooCommerce
 * `cancelled` / `refunded`, and the operators. One service (workflow/services/cancel-requests.ts) runs it.
 */
import * as z from 'zod';

/** Why an order (or some of its lines) is cancelled, as storefronts and operators report it. */
export const CANCEL_REASONS = [
  'customer_request',
  'changed_mind',
  'duplicate',
  'fraud',
  'payment_declined',
  'address_problem',
  'inventory',
  'platform_cancelled',
  'platform_refunded',
  'other',
] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export const CancelLine = z.strictObject({
  lineNo: z.int().min(1).max(100),
  quantity: z.int().min(1).max(10_000).optional().meta({ description: 'Units to cancel; absent = the whole line' }),
});

/** Body of `POST /orders/{orderId}/cancel`. */
export const CancelOrderRequest = z.strictObject({
  reason: z.enum(CANCEL_REASONS),
  note: z.string().trim().max(500).optional(),
  lines: z.array(CancelLine).min(1).max(100).optional().meta({ description: 'Lines to cancel; absent = the whole order' }),
});
export type CancelOrderRequest = z.output<typeof CancelOrderRequest>;

/** Where the cancellation came from (the timeline's actor is derived from it). */
export type CancellationSource = 'api' | 'shopify' | 'woocommerce' | 'operator';

export interface CancellationInput {
  readonly channelId: string;
  readonly orderId: string;
  /** Idempotency: the Idempotency-Key header, or the platform's webhook/refund id. Same id again = same outcome. */
  readonly requestId: string;
  readonly source: CancellationSource;
  readonly reason: CancelReason;
  readonly note?: string | undefined;
  /** Absent = the whole order. */
  readonly lines?: readonly { readonly lineNo: number; readonly quantity?: number | undefined }[] | undefined;
}

/**
 * CANCELLED: done now (nothing was at a supplier yet: stock released, refund requested).
 * CANCELLATION_REQUESTED: some lines are at a supplier; it was asked and answers later (accept/reject).
 * NOT_CANCELLABLE: shipped or delivered (`reason` says which; returns are the way), or terminal.
 */
export type CancellationOutcomeStatus = 'CANCELLED' | 'CANCELLATION_REQUESTED' | 'NOT_CANCELLABLE';

export interface CancellationOutcome {
  readonly orderId: string;
  readonly requestId: string;
  readonly status: CancellationOutcomeStatus;
  /** Machine-readable code for NOT_CANCELLABLE (e.g. ALREADY_SHIPPED, ORDER_DELIVERED, ORDER_REJECTED). */
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
  readonly lines: readonly { readonly lineNo: number; readonly quantity: number; readonly state: 'CANCELLED' | 'REQUESTED' | 'NOT_CANCELLABLE' }[];
}

/** The response body of `POST /orders/{orderId}/cancel` (and what a replay answers): CancellationOutcome. */
export const CancellationOutcomeResponse = z
  .object({
    orderId: z.string(),
    requestId: z.string().meta({ description: 'The Idempotency-Key (or platform id) of the request' }),
    status: z.enum(['CANCELLED', 'CANCELLATION_REQUESTED', 'NOT_CANCELLABLE']).meta({
      description: 'CANCELLED: done now (200). CANCELLATION_REQUESTED: the supplier was asked and answers later (202; CancellationAccepted / CancellationRejected follow). NOT_CANCELLABLE: shipped or delivered (409)',
    }),
    reason: z.string().optional().meta({ description: 'NOT_CANCELLABLE (or already cancelled): ALREADY_SHIPPED, ALREADY_DELIVERED, ORDER_DELIVERED, ORDER_REJECTED, ALREADY_CANCELLED, CANCELLATION_PENDING' }),
    message: z.string().optional(),
    lines: z.array(z.object({ lineNo: z.int(), quantity: z.int(), state: z.enum(['CANCELLED', 'REQUESTED', 'NOT_CANCELLABLE']) })),
    error: z.literal('NOT_CANCELLABLE').optional().meta({ description: '409 only' }),
    returns: z.object({ method: z.literal('POST'), path: z.string() }).optional().meta({ description: '409 only: where shipped goods go instead' }),
  })
  .meta({ description: 'The outcome of a cancellation request' });

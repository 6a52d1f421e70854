/** Ops API (`/ops/...`, its own API key) and the storefront payment update. */
import * as z from 'zod';
import { ORDER_STATUSES, PAYMENT_STATUSES } from '../../orders/domain/order';
import { EXCEPTION_KINDS } from '../domain/exception-kinds';
import { text } from '../../kernel/schemas';

export const ApproveHoldRequest = z.strictObject({
  note: text(500).optional().meta({ description: 'Why the hold is released (shown on the timeline; no customer data)' }),
});
export type ApproveHoldRequest = z.output<typeof ApproveHoldRequest>;

export const RejectHoldRequest = z.strictObject({
  reason: text(500).meta({ description: 'Why the order is rejected (shown on the timeline; no customer data)' }),
});
export type RejectHoldRequest = z.output<typeof RejectHoldRequest>;

export const HoldDecisionResponse = z.object({
  orderId: z.string(),
  decision: z.enum(['APPROVE', 'REJECT']),
  status: z.enum(ORDER_STATUSES),
  /** Whether a waiting workflow was resumed now (false: it resumes itself when it reaches the hold). */
  resumed: z.boolean(),
});
export type HoldDecisionResponse = z.output<typeof HoldDecisionResponse>;

export const ExceptionsQuery = z.strictObject({
  kind: z.enum(EXCEPTION_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2048).optional().meta({ description: 'From the previous page (only with `kind`)' }),
});
export type ExceptionsQuery = z.output<typeof ExceptionsQuery>;

export const ExceptionEntry = z.object({
  kind: z.string(),
  since: z.string(),
  entity: z.string(),
  orderId: z.string().optional(),
  fulfillmentId: z.string().optional(),
  supplierId: z.string().optional(),
  status: z.string().optional(),
  channelId: z.string().optional(),
  webhookId: z.string().optional(),
  /** Retailer SKU (stock shortfalls: the offer is this SKU at `supplierId`). */
  sku: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ExceptionEntry = z.output<typeof ExceptionEntry>;

export const ExceptionsResponse = z.object({ items: z.array(ExceptionEntry), cursor: z.string().optional() });
export type ExceptionsResponse = z.output<typeof ExceptionsResponse>;

export const UpdatePaymentRequest = z.strictObject({
  status: z.enum(['paid', 'authorized']).meta({ description: 'The payment was captured or authorized' }),
  reference: text(128).optional().meta({ description: 'Payment gateway reference (charge / transaction id); default: unchanged' }),
});
export type UpdatePaymentRequest = z.output<typeof UpdatePaymentRequest>;

export const UpdatePaymentResponse = z.object({
  orderId: z.string(),
  status: z.enum(ORDER_STATUSES),
  payment: z.object({ status: z.enum(PAYMENT_STATUSES), reference: z.string() }),
  /** Whether an order waiting for payment was released now. */
  resumed: z.boolean(),
});
export type UpdatePaymentResponse = z.output<typeof UpdatePaymentResponse>;

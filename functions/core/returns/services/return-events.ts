/**
 * The returns' domain-bus rule target (lib/constructs/after-delivery/returns.ts; deployed in the delivery-decisions
 * function, which carries pdf-lib for packing slips):
 *
 * - ReturnAuthorized / ReturnReceived of an exchange → advanceExchange (the replacement ships, the return CLOSES or
 *   falls back to a refund), keyed by the return id;
 * - PlatformRefundRecorded (Shopify refunds/create, WooCommerce refunds) → the order's refund returns it confirms
 *   are CLOSED (confirmPlatformRefund).
 *
 * The event is parsed (zod); an invalid one throws naming the fields (asynchronous retries, then the rule's DLQ).
 * Delivery is at least once: every step is idempotent.
 */
import * as z from 'zod';
import { advanceExchange, type ExchangeStepDeps, type ExchangeStepResult } from './exchange';
export { RETURN_STEP_EVENT_TYPES } from '../domain/returns';
import { confirmPlatformRefund, type CloseReturnResult } from './close-return';

const LineQuantity = z.object({ lineNo: z.int().min(1), quantity: z.int().min(0) });

export const ReturnStepEvent = z.discriminatedUnion('detail-type', [
  z.object({
    'detail-type': z.enum(['ReturnAuthorized', 'ReturnReceived']),
    detail: z.looseObject({ eventId: z.string().min(1), orderId: z.string().min(1), data: z.looseObject({ returnId: z.string().min(1) }) }),
  }),
  z.object({
    'detail-type': z.literal('PlatformRefundRecorded'),
    detail: z.looseObject({
      eventId: z.string().min(1),
      orderId: z.string().min(1),
      data: z.looseObject({ refundId: z.string().min(1), amountMinor: z.int().min(0).optional(), lines: z.array(LineQuantity).max(500) }),
    }),
  }),
]);
export type ReturnStepEvent = z.output<typeof ReturnStepEvent>;

/** Whether an invocation's event came from EventBridge (not API Gateway): the entry dispatches on it. */
export function isBusEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'detail-type' in event && 'detail' in event;
}

export async function onReturnStepEvent(deps: ExchangeStepDeps, event: unknown): Promise<ExchangeStepResult | { readonly closed: readonly CloseReturnResult[] }> {
  const parsed = ReturnStepEvent.safeParse(event);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    deps.logger.error('Return step event rejected', { fields });
    throw new Error(`Invalid return step event: ${fields}`);
  }
  const e = parsed.data;
  if (e['detail-type'] === 'PlatformRefundRecorded') {
    const { refundId, amountMinor, lines } = e.detail.data;
    return { closed: await confirmPlatformRefund(deps, { orderId: e.detail.orderId, refund: { refundId, amountMinor, lines } }) };
  }
  return advanceExchange(deps, e.detail.data.returnId);
}

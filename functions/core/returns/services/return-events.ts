/**
 * The returns' domain-bus rule target (lib/constructs/after-delivery/returns.ts; deployed in the delivery-decisions
 * function, which carries pdf-lib for packing slips):
 *
 * ReturnAuthorized / ReturnReceived of an exchange → advanceExchange (the replacement ships, the return CLOSES or
 * falls back to a refund), keyed by the return id. (A storefront refund closes refund returns at the webhook
 * intake: orders/services/platform-changes.ts recordPlatformRefund → close-return.ts confirmPlatformRefund.)
 *
 * The event is parsed (zod); an invalid one throws naming the fields (asynchronous retries, then the rule's DLQ).
 * Delivery is at least once: every step is idempotent.
 */
import * as z from 'zod';
import { advanceExchange, type ExchangeStepDeps, type ExchangeStepResult } from './exchange';
export { RETURN_STEP_EVENT_TYPES } from '../domain/returns';

export const ReturnStepEvent = z.object({
  'detail-type': z.enum(['ReturnAuthorized', 'ReturnReceived']),
  detail: z.looseObject({ eventId: z.string().min(1), orderId: z.string().min(1), data: z.looseObject({ returnId: z.string().min(1) }) }),
});
export type ReturnStepEvent = z.output<typeof ReturnStepEvent>;

/** Whether an invocation's event came from EventBridge (not API Gateway): the entry dispatches on it. */
export function isBusEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'detail-type' in event && 'detail' in event;
}

export async function onReturnStepEvent(deps: ExchangeStepDeps, event: unknown): Promise<ExchangeStepResult> {
  const parsed = ReturnStepEvent.safeParse(event);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    deps.logger.error('Return step event rejected', { fields });
    throw new Error(`Invalid return step event: ${fields}`);
  }
  return advanceExchange(deps, parsed.data.detail.data.returnId);
}

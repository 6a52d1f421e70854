/**
 * Kinds written today: fulfillment exceptions (workflow / carrier), rejected storefront webhooks, and
 * what the sweeps and supplier files surface (stuck orders, unacknowledged dispatches, quarantined
 * files, stock shortfalls), and orders a workflow task kept failing on (TRANSIENT_FAILURE, failure-policy.ts).
 */
export const EXCEPTION_KINDS = [
  'SHIP_BY_PASSED',
  'DELIVER_BY_PASSED',
  'LOST',
  'EXCEPTION',
  'FAILURE',
  'RETURNED_TO_SENDER',
  'WEBHOOK_REJECTED',
  'ORDER_STUCK',
  'DISPATCH_UNACKNOWLEDGED',
  'FILE_QUARANTINED',
  'STOCK_SHORTFALL',
  'UNVERIFIED_TRACKING',
  'CANCELLATION_UNANSWERED',
  'TRANSIENT_FAILURE',
  // a return its supplier has not authorized or rejected by `respondBy` (functions/core/returns)
  'RETURN_UNANSWERED',
  // a refund return nobody confirmed (storefront refund or operator) by `refundConfirmBy`; an exchange received but not settled
  'RETURN_REFUND_UNCONFIRMED',
  'RETURN_EXCHANGE_PENDING',
  // issue 15: delivery exceptions awaiting an operator's decision, open carrier claims
  'ATTEMPTED_DELIVERY',
  'READY_FOR_PICKUP',
  'RETURNING_TO_SENDER',
  'CARRIER_CLAIM',
] as const;

/** Kinds whose mark carries a deadline in the future (`since` = when it becomes an exception): listed once passed. */
export const DEADLINE_EXCEPTION_KINDS: readonly ExceptionKind[] = ['CANCELLATION_UNANSWERED', 'RETURN_UNANSWERED', 'RETURN_REFUND_UNCONFIRMED', 'RETURN_EXCHANGE_PENDING'];
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

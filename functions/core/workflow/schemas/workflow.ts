/**
 * Payloads of the order workflow's Lambda tasks (docs/workflow.md). Step Functions input is outside
 * input too: every task parses its payload with these schemas (unknown keys are dropped, so a task
 * may be given the whole state). Outputs are typed here as well, so tests and the ASL agree.
 */
import * as z from 'zod';
import { ORDER_ID_PATTERN } from '../../kernel/order-id';
import { HOLD_REASONS, ORDER_STATUSES } from '../../orders/domain/order';
import { FULFILLMENT_ID_PATTERN } from '../domain/fulfillment-record';

export const OrderId = z.string().regex(ORDER_ID_PATTERN, 'must be an order id (ord_ + 26 characters)');
export const FulfillmentId = z.string().regex(FULFILLMENT_ID_PATTERN, 'must be a fulfillment id (ful_ + 26 characters + _nn)');
/** Step Functions timeouts: positive whole seconds (TimeoutSecondsPath). */
const Seconds = z.int().min(1).max(99_999_999);
const TaskToken = z.string().min(1).max(4096);

/** One Map item: a fulfillment and the timeouts of its waiting states (seconds from now). */
export const FulfillmentTask = z.object({
  orderId: OrderId,
  fulfillmentId: FulfillmentId,
  supplierId: z.string().min(1),
  acceptanceTimeoutSeconds: Seconds,
  shipTimeoutSeconds: Seconds,
  deliveryTimeoutSeconds: Seconds,
  shipGraceTimeoutSeconds: Seconds,
  deliveryGraceTimeoutSeconds: Seconds,
});
export type FulfillmentTask = z.output<typeof FulfillmentTask>;

/** `$.error` as a Catch writes it. */
export const CaughtError = z.object({ Error: z.string().optional(), Cause: z.string().optional() });
export type CaughtError = z.output<typeof CaughtError>;

export const OrderTaskInput = z.object({ orderId: OrderId });
export type OrderTaskInput = z.output<typeof OrderTaskInput>;

/**
 * ValidateAndRoute's payload. `report: 'HOLD'` (the HoldDeadline state, after OrderOnHold was caught) answers
 * the screen's outcome with the hold's time left instead of routing or raising, so AwaitHoldDecision has its
 * TimeoutSecondsPath; Complete's `report: 'PENDING'` (NextFulfillments, after MoreFulfillments) answers the
 * PENDING fulfillments for another pass of the Map.
 */
export const ReportTaskInput = OrderTaskInput.extend({ report: z.enum(['HOLD', 'PENDING']).optional() });
export type ReportTaskInput = z.output<typeof ReportTaskInput>;

export const ScreenOutcome = z.enum(['CONTINUE', 'REJECTED', 'HOLD', 'DONE']);
export const ScreenResult = z.object({
  outcome: ScreenOutcome,
  holdReason: z.enum(HOLD_REASONS).optional(),
  holdTimeoutSeconds: Seconds.optional(),
});
export type ScreenResult = z.output<typeof ScreenResult>;

export const AwaitHoldInput = z.object({ taskToken: TaskToken, orderId: OrderId });
export type AwaitHoldInput = z.output<typeof AwaitHoldInput>;
/** What AwaitHoldDecision resumes with (SendTaskSuccess output → `$.hold`). */
export const HoldDecision = z.object({ decision: z.enum(['APPROVE', 'REJECT']) });
export type HoldDecision = z.output<typeof HoldDecision>;

/** The reservation-and-routing half of ValidateAndRoute. */
export const RouteResult = z.object({
  outcome: z.enum(['ROUTED', 'OUT_OF_STOCK']),
  fulfillments: z.array(FulfillmentTask),
  /** ROUTED: seconds the DispatchDelay Wait state still waits (the channel's delay from checkout; 0 allowed; unread when no channel delays). */
  dispatchDelaySeconds: z.int().min(0).optional(),
});
export type RouteResult = z.output<typeof RouteResult>;

/**
 * ValidateAndRoute (ResultPath `$.route`): the screen's REJECTED / DONE / HOLD (with the hold's reason and
 * the seconds left: AwaitHoldDecision's TimeoutSecondsPath `$.route.holdTimeoutSeconds`), or, when the
 * screen let the order CONTINUE, the routing outcome with the fulfillments for the Fulfill Map.
 */
export const ValidateAndRouteOutcome = z.enum(['ROUTED', 'OUT_OF_STOCK', 'HOLD', 'REJECTED', 'DONE']);
export const ValidateAndRouteResult = z.object({
  outcome: ValidateAndRouteOutcome,
  fulfillments: z.array(FulfillmentTask),
  holdReason: z.enum(HOLD_REASONS).optional(),
  holdTimeoutSeconds: Seconds.optional(),
  dispatchDelaySeconds: z.int().min(0).optional(),
});
export type ValidateAndRouteResult = z.output<typeof ValidateAndRouteResult>;

export const DispatchInput = z.object({ taskToken: TaskToken, fulfillment: FulfillmentTask });
export type DispatchInput = z.output<typeof DispatchInput>;

export const Milestone = z.enum(['SHIPPED', 'DELIVERED']);
export type Milestone = z.output<typeof Milestone>;
export const MilestoneInput = z.object({ taskToken: TaskToken, fulfillment: FulfillmentTask, milestone: Milestone });
export type MilestoneInput = z.output<typeof MilestoneInput>;

/**
 * SendTaskSuccess output of Dispatch / AwaitShipment / AwaitDelivery: the SAME FulfillmentTask with its
 * timeouts recomputed from the stored deadlines at the moment the stage was reached (so the next wait
 * ends at the real ship-by / deliver-by, not "routing time + n seconds"), plus what was reached.
 */
export const MilestoneResult = FulfillmentTask.extend({
  stage: z.enum(['ACCEPTANCE', 'SHIPPED', 'DELIVERED']),
  reachedAt: z.string(),
  /** ACCEPTANCE: the supplier accepted (false only when the fulfillment was closed meanwhile). */
  accepted: z.boolean().optional(),
  estimatedShipDate: z.string().optional(),
  /** The fulfillment was cancelled meanwhile: nothing left to wait for. */
  closed: z.literal('CANCELLED').optional(),
});
export type MilestoneResult = z.output<typeof MilestoneResult>;

export const RerouteInput = z.object({ fulfillment: FulfillmentTask, error: CaughtError.optional() });
export type RerouteInput = z.output<typeof RerouteInput>;
export const RerouteResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('REROUTED'), fulfillment: FulfillmentTask, additionalFulfillments: z.int().min(0) }),
  z.object({ outcome: z.literal('LINES_CANCELLED'), refundRequestedMinor: z.int().min(0) }),
]);
export type RerouteResult = z.output<typeof RerouteResult>;

export const FlagExceptionInput = z.object({
  fulfillment: FulfillmentTask,
  exception: z.enum(['SHIP_BY_PASSED', 'DELIVER_BY_PASSED', 'LOST']),
});
export type FlagExceptionInput = z.output<typeof FlagExceptionInput>;

export const CancelFulfillmentInput = z.object({ fulfillment: FulfillmentTask, reason: z.string().max(64).optional() });
export type CancelFulfillmentInput = z.output<typeof CancelFulfillmentInput>;
export const CancelFulfillmentResult = z.object({
  outcome: z.enum(['CANCELLED', 'NOT_CANCELLABLE', 'ALREADY_CLOSED']),
  fulfillmentId: FulfillmentId,
  refundRequestedMinor: z.int().min(0),
});
export type CancelFulfillmentResult = z.output<typeof CancelFulfillmentResult>;

export const CANCEL_REASONS = ['OUT_OF_STOCK', 'HOLD_REJECTED', 'HOLD_TIMEOUT', 'FAILURE', 'CANCELLED'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/**
 * CancelOrder gets `{ orderId, reason }` from the definition, and can also be given the whole state
 * (`Payload.$: "$"`): it then infers the reason (`route.outcome` HOLD + a timeout, OUT_OF_STOCK, a REJECT
 * decision; `screen` is what executions started before ValidateAndRoute carried). CompensateOrder passes
 * `{ orderId, reason: 'FAILURE', error }`.
 */
export const CancelOrderInput = z.object({
  orderId: OrderId,
  reason: z.enum(CANCEL_REASONS).optional(),
  error: CaughtError.optional(),
  screen: z.object({ outcome: z.string().optional() }).optional(),
  hold: z.object({ decision: z.string().optional() }).optional(),
  route: z.object({ outcome: z.string().optional() }).optional(),
});
export type CancelOrderInput = z.output<typeof CancelOrderInput>;
export const CancelOrderResult = z.object({
  orderId: OrderId,
  status: z.enum(ORDER_STATUSES),
  reason: z.enum(CANCEL_REASONS),
  refundRequestedMinor: z.int().min(0),
  cancelledFulfillmentIds: z.array(FulfillmentId),
});
export type CancelOrderResult = z.output<typeof CancelOrderResult>;

/** Complete (ResultPath `$.route`): MORE loops back to the Fulfill Map with the PENDING fulfillments. */
export const CompleteResult = z.object({
  outcome: z.enum(['DELIVERED', 'CANCELLED', 'EXCEPTION', 'MORE']),
  status: z.enum(ORDER_STATUSES),
  fulfillments: z.array(FulfillmentTask),
});
export type CompleteResult = z.output<typeof CompleteResult>;

/** HoldOnFailure's payload: the order and the error its Catch wrote (`$.error`). */
export const HoldOnFailureInput = OrderTaskInput.extend({ error: CaughtError.optional() });
export type HoldOnFailureInput = z.output<typeof HoldOnFailureInput>;

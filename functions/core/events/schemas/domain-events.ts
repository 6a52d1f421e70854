/**
 * The published contract of every domain event: one zod schema per payload (`detail.data` on the bus,
 * `data` on the order timeline), keyed by the event type of events/domain/events.ts. The timeline
 * writers are typed by these schemas (events/store/timeline.ts), the stream router publishes them, and
 * docs/domain-events.md is generated from them (`npm run openapi`; a unit test fails when it is stale).
 */
import * as z from 'zod';
import { HOLD_REASONS, ORDER_STATUSES, PAYMENT_STATUSES } from '../../orders/domain/order';
import type { DomainEventType, SupplierEvent, SupplierEventType } from '../domain/events';

const FulfillmentId = z.string().meta({ description: 'The fulfillment (one purchase order to one supplier)' });
const SupplierId = z.string().meta({ description: 'The supplier' });
const Instant = z.string().meta({ description: 'ISO 8601 instant' });
const Count = z.int().min(0);
const Minor = z.int().meta({ description: 'Integer amount in minor units (cents)' });
const Summary = z.record(z.string(), z.unknown()).meta({ description: 'A fulfillment summary: fulfillmentId, supplierId, lines' });
const list = <T extends z.ZodType>(item: T) => z.array(item).readonly();
const Ids = { fulfillmentId: FulfillmentId, supplierId: SupplierId };
const LineQuantity = z.object({ lineNo: z.int(), quantity: z.int() });
const CancelledLine = z.object({
  lineNo: z.int(),
  quantity: z.int(),
  amountMinor: Minor.optional(),
  codes: list(z.string()).optional().meta({ description: 'Why no supplier could serve the line (routing codes)' }),
});
const Rejection = z.object({ reason: z.string(), lineNo: z.int().optional(), message: z.string().optional() });
const Reason = z.string().meta({ description: 'Machine-readable reason code (e.g. OUT_OF_STOCK, HOLD_TIMEOUT, ALL_LINES_CANCELLED)' });
const Empty = z.object({});
const ReturnIds = { returnId: z.string().meta({ description: 'The return (several per order)' }), ...Ids };

/** Payload schema per order (timeline) event type. */
export const ORDER_EVENT_PAYLOADS = {
  OrderReceived: z.object({
    source: z.enum(['api', 'shopify', 'woocommerce']),
    externalOrderId: z.string(),
    lines: Count.meta({ description: 'Number of order lines' }),
    flags: list(z.string()).meta({ description: 'Codes of the problems recorded on the order' }),
  }),
  OrderValidated: z.object({ lines: Count }),
  OrderRejected: z.object({ reasons: list(z.object({ lineNo: z.int().optional(), code: z.string(), detail: z.string() })) }),
  OrderOnHold: z.object({ holdReason: z.enum(HOLD_REASONS), score: z.number(), rules: list(z.object({ rule: z.string(), points: z.number(), explanation: z.string() })), holdExpiresAt: Instant.optional() }),
  OrderReleased: z.object({ holdReason: z.enum(HOLD_REASONS), decision: z.literal('APPROVE') }),
  PaymentUpdated: z.object({ status: z.enum(PAYMENT_STATUSES), previous: z.enum(PAYMENT_STATUSES) }),
  OrderReserved: z.object({ reservations: list(z.object({ sku: z.string(), supplierId: SupplierId, quantity: z.int() })) }),
  OrderRouted: z.object({ fulfillments: list(Summary), landedCostMinor: Minor, search: z.string() }),
  FulfillmentDispatched: z.object({ ...Ids, shipBy: Instant, deliverBy: Instant }),
  FulfillmentAccepted: z.object({ ...Ids, estimatedShipDate: z.string().optional() }),
  FulfillmentRejected: z.object({ ...Ids, reasons: list(Rejection) }),
  FulfillmentRerouted: z.object({ fromFulfillmentId: FulfillmentId, fromSupplierId: SupplierId, fulfillments: list(Summary) }),
  FulfillmentCancelled: z.object({ ...Ids, reason: Reason }),
  FulfillmentDelivered: z.object(Ids),
  FulfillmentException: z.object({
    ...Ids,
    code: z.string().optional(),
    trackingNumber: z.string().optional(),
    shipBy: Instant.optional(),
    deliverBy: Instant.optional(),
  }),
  ShipmentCreated: z.object({
    ...Ids,
    trackingNumber: z.string(),
    carrier: z.string().optional(),
    lines: list(LineQuantity).optional(),
    trackingUnverified: z.literal(true).optional().meta({ description: 'No known format of the carrier matched: accepted as plausible, exception UNVERIFIED_TRACKING for operators' }),
  }),
  TrackingUpdated: z.object({ ...Ids, trackingNumber: z.string().optional(), event: z.string(), location: z.string().optional() }),
  OrderPartiallyShipped: Empty,
  OrderShipped: Empty,
  OrderDelivered: z.object({ fulfillments: Count }),
  OrderCancelled: z.object({ reason: Reason, error: z.string().optional() }),
  OrderFailed: z.object({ error: z.string() }),
  LinesCancelled: z.object({
    reason: Reason.optional(),
    fromFulfillmentId: FulfillmentId.optional(),
    lines: list(CancelledLine),
    error: z.string().optional(),
  }),
  RefundRequested: z.object({
    action: z.enum(['REFUND', 'VOID_AUTHORIZATION']),
    amountMinor: Minor,
    currency: z.string(),
    reason: Reason,
    lines: list(CancelledLine),
    paymentReference: z.string(),
  }),
  FulfillmentOverdue: z.object({ ...Ids, dispatchedAt: Instant.optional(), acceptBy: Instant, graceMinutes: z.number() }),
  OrderStuck: z.object({
    status: z.enum(ORDER_STATUSES),
    since: Instant,
    deadlineMinutes: z.number(),
    lastChangedAt: Instant,
    execution: z.string(),
    reason: z.string(),
    holdReason: z.enum(HOLD_REASONS).optional(),
  }),
  CancellationRequested: z.object({
    requestId: z.string().meta({ description: 'Idempotency key of the request (Idempotency-Key header or platform webhook id)' }),
    reason: Reason,
    lines: list(LineQuantity).optional().meta({ description: 'Lines asked to cancel; absent = the whole order' }),
    fulfillments: list(z.object(Ids)).optional().meta({ description: 'Fulfillments asked at their supplier (already dispatched)' }),
  }),
  CancellationAccepted: z.object({ ...Ids, requestId: z.string().optional(), lines: list(LineQuantity) }),
  CancellationRejected: z.object({ ...Ids, requestId: z.string().optional(), reason: Reason, message: z.string().optional() }),
  AddressChanged: z.object({
    source: z.string().meta({ description: 'api, shopify, woocommerce or operator' }),
    country: z.string().meta({ description: 'ISO 3166-1 alpha-2 of the new address (the address itself is not in events)' }),
    stage: z.enum(['BEFORE_DISPATCH', 'DISPATCHED']).meta({ description: 'Whether the supplier already had the order (its purchase order is amended)' }),
    releasedHold: z.boolean().optional(),
  }),
  PlatformRefundRecorded: z.object({
    source: z.string(),
    refundId: z.string(),
    amountMinor: Minor.optional(),
    currency: z.string().optional(),
    lines: list(LineQuantity),
  }),
  PlatformOrderUpdated: z.object({ source: z.string(), topic: z.string(), updatedAt: Instant.optional(), changes: list(z.string()) }),
  ReturnRequested: z.object({
    ...ReturnIds,
    reason: z.string().meta({ description: 'damaged, defective, not_as_described, wrong_item, changed_mind or other' }),
    resolution: z.string().meta({ description: 'refund, keep_it (refund without return) or replacement (an exchange)' }),
    destination: z.string().meta({ description: 'supplier or retailer: where the goods go back' }),
    lines: list(LineQuantity),
    respondBy: Instant.optional().meta({ description: 'The supplier answers by then (else RETURN_UNANSWERED for operators)' }),
  }),
  ReturnAuthorized: z.object({
    ...ReturnIds,
    rma: z.string(),
    returnAddress: z.record(z.string(), z.string()).optional().meta({ description: "The supplier's or retailer's return address (never the customer's)" }),
    instructions: z.string().optional(),
    labelRef: z.string().optional(),
  }),
  ReturnRejected: z.object({ ...ReturnIds, reason: Reason, message: z.string().optional() }),
  ReturnInTransit: z.object({ ...ReturnIds, carrier: z.string(), trackingNumber: z.string(), unverified: z.boolean().optional() }),
  ReturnReceived: z.object({ ...ReturnIds, lines: list(z.object({ lineNo: z.int(), condition: z.string() })) }),
  ReturnRefundRequested: z.object({
    ...ReturnIds,
    amountMinor: Minor,
    currency: z.string(),
    restockingFeeMinor: Minor,
    shippingAdjustmentMinor: Minor,
    lines: list(LineQuantity),
    reason: z.string(),
    supplierCreditMinor: Minor.meta({ description: 'Wholesale cost to claim back from the supplier' }),
  }),
  ReturnClosed: z.object({
    ...ReturnIds,
    closedBy: z.enum(['replacement', 'platform_refund', 'storefront', 'operator']).optional().meta({ description: "replacement (an exchange's replacement shipped), platform_refund (the storefront's refund webhook), storefront (POST …/returns/{returnId}/refund), operator" }),
    resolution: z.enum(['refund', 'keep_it', 'replacement']).optional(),
    refundId: z.string().optional().meta({ description: "The storefront's refund id that confirmed it" }),
    amountMinor: Minor.optional().meta({ description: 'The refund requested for the return (refund returns)' }),
    currency: z.string().optional(),
  }),
  ReplacementCreated: z.object({
    ...Ids,
    reason: Reason,
    lines: list(LineQuantity),
    fromFulfillmentId: FulfillmentId.optional().meta({ description: 'The fulfillment it replaces (a reship)' }),
    actorId: z.string().optional().meta({ description: 'The operator (IAM identity) who asked, when an operator did' }),
  }),
  DeliveryExceptionRaised: z.object({
    ...Ids,
    code: z.string().meta({ description: 'ATTEMPTED_DELIVERY, READY_FOR_PICKUP, FAILURE, RETURNING_TO_SENDER or LOST_IN_TRANSIT' }),
    trackingNumber: z.string().optional(),
    lastScanAt: Instant.optional(),
  }),
  DeliveryExceptionResolved: z.object({
    ...Ids,
    code: z.string(),
    decision: z.enum(['RESHIP', 'REFUND']),
    replacementFulfillmentIds: list(FulfillmentId).optional(),
    refundRequestedMinor: Minor.optional(),
    actorId: z.string().optional(),
  }),
  CarrierClaimOpened: z.object({ ...Ids, claimId: z.string(), carrier: z.string(), trackingNumber: z.string(), valueMinor: Minor, currency: z.string(), fileBy: Instant }),
  CarrierClaimClosed: z.object({ ...Ids, claimId: z.string(), outcome: z.string(), actorId: z.string().optional() }),
  SupplierDemoted: z.object({
    supplierId: SupplierId,
    metric: z.string().meta({ description: 'The scorecard figure under its threshold, e.g. onTimeShipRate30d' }),
    value: z.number(),
    threshold: z.number(),
    sample: Count,
    chosenSupplierId: SupplierId.optional(),
  }),
} as const satisfies Record<DomainEventType, z.ZodType>;

const FeedSource = {
  source: z.string().meta({ description: 'file (inbox drop or pull source) or sqs' }),
  bucket: z.string().optional(),
  key: z.string().optional(),
  etag: z.string().optional(),
  messageId: z.string().optional(),
};

/** Where a feed came from: the common part of the inventory feed events. */
export type FeedSourceData = z.input<z.ZodObject<typeof FeedSource>>;

/** Payload schema per supplier event type. */
export const SUPPLIER_EVENT_PAYLOADS = {
  SupplierFeedApplied: z.object({
    ...FeedSource,
    rows: Count,
    written: Count,
    unchanged: Count,
    rejected: Count,
    unmapped: Count,
    duplicates: Count,
    reportKey: z.string().optional(),
  }),
  SupplierFeedQuarantined: z.object({
    ...FeedSource,
    reason: z.string(),
    rows: Count,
    rejected: Count,
    reportKey: z.string().optional(),
    quarantineKey: z.string().optional(),
  }),
  SupplierFileRefused: z.object({ bucket: z.string(), key: z.string(), etag: z.string(), code: z.string(), actorSupplierId: z.string().optional() }),
  SupplierStale: z.object({ lastFeedAt: Instant.nullable(), feedFreshnessSlaHours: z.number(), staleSince: Instant, lastFeedKey: z.string().optional() }),
  SupplierFresh: z.object({ ...FeedSource, staleSince: Instant.optional() }),
  SupplierPaused: z.object({ actorId: z.string(), note: z.string().optional() }),
  SupplierResumed: z.object({ actorId: z.string(), note: z.string().optional(), pausedSince: Instant }),
  StockShortfall: z.object({
    ...FeedSource,
    count: Count,
    offers: list(z.object({ sku: z.string(), supplierSku: z.string(), stock: z.number(), reserved: z.number(), shortfall: z.number() })),
  }),
} as const satisfies Record<SupplierEventType, z.ZodType>;

export type OrderEventData<T extends DomainEventType> = z.input<(typeof ORDER_EVENT_PAYLOADS)[T]>;
export type SupplierEventData<T extends SupplierEventType> = z.input<(typeof SUPPLIER_EVENT_PAYLOADS)[T]>;

/** A supplier event as built by its writers: the payload typed by the event's schema. */
export type TypedSupplierEvent = {
  readonly [T in SupplierEventType]: Omit<SupplierEvent, 'type' | 'data'> & { readonly type: T; readonly data?: SupplierEventData<T> | undefined };
}[SupplierEventType];

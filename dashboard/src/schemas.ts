/**
 * What the dashboard reads from the ops API (docs/ops-api.md), parsed with zod: a field the page shows is
 * declared here; anything else the API adds is ignored. Lenient where the API grows (optional parts),
 * strict where the page depends on a shape (ids, statuses, money as { amount, currency }).
 */
import * as z from 'zod';

export const DashboardConfig = z.object({
  /** The API the requests are signed for (API Gateway stage URL; locally the gateway emulator). */
  apiUrl: z.url(),
  /** Where the browser sends them: locally the dashboard server's same-origin proxy (`/api`); default apiUrl. */
  fetchBase: z.string().optional(),
  region: z.string().default('us-east-1'),
  /** SigV4 credentials (locally from endpoints.json; in AWS from the Cognito identity pool). */
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string().optional() }).optional(),
  identity: z.string().optional(),
  /** The ops API key of the key-based ops API (before SigV4). */
  opsApiKey: z.string().optional(),
  /** Refresh period of the live pages. */
  refreshMs: z.number().int().min(500).default(3000),
});
export type DashboardConfig = z.output<typeof DashboardConfig>;

export const Money = z.object({ amount: z.string(), currency: z.string() });

export const OrderSummary = z.object({
  orderId: z.string(),
  status: z.string(),
  channelId: z.string(),
  externalOrderId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  total: Money,
  supplierIds: z.array(z.string()).default([]),
  holdReason: z.string().optional(),
  exception: z.string().optional(),
});
export type OrderSummary = z.output<typeof OrderSummary>;

export const OrderList = z.object({ items: z.array(OrderSummary), nextCursor: z.string().optional() });
export type OrderList = z.output<typeof OrderList>;

const Line = z.object({ lineNo: z.number(), sku: z.string(), title: z.string().optional(), quantity: z.number(), unitPrice: z.string() });
const Totals = z.object({ subtotal: z.string(), shipping: z.string(), tax: z.string(), discount: z.string().default('0'), total: z.string() });

export const OrderDetail = z.object({
  orderId: z.string(),
  status: z.string(),
  holdReason: z.string().optional(),
  channelId: z.string(),
  externalOrderId: z.string(),
  currency: z.string(),
  customer: z.object({ email: z.string().optional(), phone: z.string().optional() }).optional(),
  shippingAddress: z.object({ city: z.string().optional(), postcode: z.string().optional(), country: z.string().optional() }).optional(),
  lines: z.array(Line).default([]),
  totals: Totals,
  payment: z.object({ status: z.string(), reference: z.string().optional() }).optional(),
  refundRequested: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderDetail = z.output<typeof OrderDetail>;

export const TimelineEntry = z.object({ at: z.string(), type: z.string(), actor: z.string(), actorId: z.string().optional(), message: z.string() });
export type TimelineEntry = z.output<typeof TimelineEntry>;

export const Execution = z.object({
  executionArn: z.string().optional(),
  status: z.string(),
  currentState: z.string().optional(),
  visitedStates: z.array(z.string()).default([]),
  failures: z.array(z.object({ state: z.string().optional(), error: z.string().optional(), cause: z.string().optional(), at: z.string().optional() })).default([]),
});
export type Execution = z.output<typeof Execution>;

export const Fulfillment = z.object({
  fulfillmentId: z.string(),
  supplierId: z.string(),
  status: z.string(),
  lines: z.array(z.object({ lineNo: z.number(), quantity: z.number() })).default([]),
});

export const DocumentLink = z.object({ kind: z.string(), supplierId: z.string().optional(), key: z.string().optional(), href: z.string() });
export type DocumentLink = z.output<typeof DocumentLink>;

export const DeliveryAttempt = z.object({
  n: z.number(),
  at: z.string(),
  result: z.string(),
  status: z.number().optional(),
  error: z.string().optional(),
  nextRetryAt: z.string().optional(),
});

export const Delivery = z.object({
  notificationId: z.string(),
  type: z.string(),
  status: z.string(),
  attempts: z.number().optional(),
  lastError: z.string().optional(),
  nextRetryAt: z.string().optional(),
  at: z.string().optional(),
  history: z.array(DeliveryAttempt).default([]),
});
export type Delivery = z.output<typeof Delivery>;

/** A return as GET /ops/returns lists it (and the order view shows it). */
export const ReturnEntry = z.object({
  returnId: z.string(),
  orderId: z.string(),
  supplierId: z.string(),
  status: z.string(),
  reason: z.string(),
  resolution: z.string().optional(),
  units: z.number().default(0),
  goods: Money.optional(),
  createdAt: z.string(),
  updatedAt: z.string().optional(),
  respondBy: z.string().optional(),
  unanswered: z.boolean().default(false),
  rma: z.string().optional(),
  refund: Money.optional(),
  /** The returned lines (what the receive form names); `condition` once received. */
  lines: z.array(z.object({ lineNo: z.number().int(), sku: z.string(), quantity: z.number().int(), condition: z.string().optional() })).default([]),
});
export type ReturnEntry = z.output<typeof ReturnEntry>;

export const OrderLook = z.object({
  order: OrderDetail,
  timeline: z.array(TimelineEntry).default([]),
  execution: Execution.nullable().default(null),
  stateMachineDefinition: z.unknown().optional(),
  fulfillments: z.array(Fulfillment).default([]),
  documents: z.array(DocumentLink).default([]),
  deliveries: z.array(Delivery).default([]),
  returns: z.array(ReturnEntry).default([]),
});
export type OrderLook = z.output<typeof OrderLook>;

export const ExceptionEntry = z.object({
  kind: z.string(),
  since: z.string(),
  entity: z.string(),
  orderId: z.string().optional(),
  fulfillmentId: z.string().optional(),
  supplierId: z.string().optional(),
  status: z.string().optional(),
  sku: z.string().optional(),
});
export type ExceptionEntry = z.output<typeof ExceptionEntry>;
export const ExceptionList = z.object({ items: z.array(ExceptionEntry), cursor: z.string().optional() });

export const Supplier = z.object({
  supplierId: z.string(),
  name: z.string().optional(),
  paused: z.boolean().default(false),
  pause: z.object({ at: z.string(), actorId: z.string().optional(), note: z.string().optional() }).optional(),
  pauseLog: z.array(z.object({ action: z.string(), at: z.string(), actorId: z.string(), note: z.string().optional() })).default([]),
  feed: z.object({ lastFeedAt: z.string().nullable().optional(), stale: z.boolean().optional() }).optional(),
  stockAlerts: z.number().default(0),
  scorecard: z.record(z.string(), z.unknown()).optional(),
});
export type Supplier = z.output<typeof Supplier>;
export const SupplierList = z.union([z.array(Supplier), z.object({ items: z.array(Supplier) }).transform((r) => r.items)]);

export const ReturnList = z.object({ items: z.array(ReturnEntry), nextCursor: z.string().optional() });
/** POST /ops/returns/{returnId}/receive: the status the receipt left (RECEIVED, REFUND_REQUESTED or CLOSED). */
export const ReceiveReturnResult = z.object({ returnId: z.string(), orderId: z.string(), status: z.string(), changed: z.boolean() });
/** POST /ops/returns/{returnId}/close. */
export const CloseReturnResult = z.object({ returnId: z.string(), orderId: z.string(), status: z.string(), closedBy: z.string().nullable().optional(), changed: z.boolean() });

export const DeadLetterMessage = z.object({
  messageId: z.string(),
  sentAt: z.string().optional(),
  receiveCount: z.number().optional(),
  reason: z.string().optional(),
  group: z.string().optional(),
  type: z.string().optional(),
});
export const DeadLetterQueue = z.object({ source: z.string(), name: z.string(), approximateCount: z.number(), messages: z.array(DeadLetterMessage).default([]) });
export type DeadLetterQueue = z.output<typeof DeadLetterQueue>;
export const DeadLetterList = z.array(DeadLetterQueue);
export const ReplayResult = z.object({ source: z.string(), replayed: z.number(), messageIds: z.array(z.string()).default([]), notFound: z.array(z.string()).default([]) });

export const ApiErrorBody = z.object({ code: z.string().optional(), message: z.string().optional(), error: z.string().optional() });

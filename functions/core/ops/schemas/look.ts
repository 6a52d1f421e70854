/** GET /ops/orders/{orderId}: everything an operator needs about one order. */
import * as z from 'zod';
import { FulfillmentView, OrderView, TimelineEntry } from '../../orders/schemas/order';
import { ReturnSummary } from './returns';

export const DOCUMENT_KINDS = ['packing-slip', 'purchase-order', 'cancellation'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const ExecutionView = z.object({
  executionArn: z.string(),
  status: z.string().meta({ examples: ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] }),
  currentState: z.string().optional().meta({ description: 'The state the execution is in (RUNNING), or where it stopped' }),
  visitedStates: z.array(z.string()).meta({ description: 'Every state entered, in first-entered order' }),
  failures: z.array(z.object({ state: z.string(), error: z.string(), cause: z.string(), at: z.string() })),
  redriveCount: z.number().int().optional(),
});
export type ExecutionView = z.output<typeof ExecutionView>;

export const DocumentRef = z.object({
  documentId: z.string().meta({ examples: ['ful_3q9x0c1m2k4v6b8n0p2r4t6w8y_01.packing-slip'] }),
  kind: z.enum(DOCUMENT_KINDS),
  supplierId: z.string(),
  fulfillmentId: z.string(),
  key: z.string().meta({ description: 'Object key in the supplier files bucket' }),
  href: z.string().meta({ description: 'GET this (signed, like every ops route) for the bytes' }),
});
export type DocumentRef = z.output<typeof DocumentRef>;

export const DeliveryAttemptView = z.object({
  n: z.number().int().meta({ description: 'Attempt number (the SQS receive of the message that carried it)' }),
  at: z.string(),
  result: z.enum(['DELIVERED', 'FAILED', 'DEAD_LETTERED']),
  status: z.number().int().optional().meta({ description: "The storefront's HTTP status, when it answered" }),
  error: z.string().optional().meta({ description: 'Error class and message (no body, no header)' }),
  nextRetryAt: z.string().optional().meta({ description: 'When a FAILED attempt is retried' }),
});

export const DeliveryView = z.object({
  notificationId: z.string().meta({ description: '{orderId}#{sequence}: the per-order notification number ({orderId}#- before it got one)' }),
  sequence: z.number().int().optional(),
  type: z.string().meta({ description: 'The domain event notified (OrderShipped, ...)' }),
  status: z.enum(['SEQUENCED', 'DELIVERED', 'FAILED', 'DEAD_LETTERED']).meta({
    description:
      'The last attempt: DELIVERED, FAILED (retried at nextRetryAt) or DEAD_LETTERED (in the notifications DLQ: GET /ops/dead-letters?source=notifications, replay after a fix); SEQUENCED: numbered, no attempt recorded (before attempts were recorded)',
  }),
  attempts: z.number().int().meta({ description: 'Attempts recorded' }),
  lastError: z.string().optional(),
  nextRetryAt: z.string().optional(),
  at: z.string().meta({ description: 'The last attempt (empty when none is recorded)' }),
  history: z.array(DeliveryAttemptView).meta({ description: 'Every attempt, oldest first' }),
});
export type DeliveryView = z.output<typeof DeliveryView>;

export const OrderLookResponse = z.object({
  order: OrderView,
  timeline: z.array(TimelineEntry),
  execution: ExecutionView.nullable(),
  stateMachineDefinition: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The workflow definition (Amazon States Language), for drawing the graph' }),
  fulfillments: z.array(FulfillmentView),
  documents: z.array(DocumentRef),
  deliveries: z.array(DeliveryView),
  returns: z.array(ReturnSummary).meta({ description: 'Returns of the order, oldest first (as GET /ops/returns lists them)' }),
});
export type OrderLookResponse = z.output<typeof OrderLookResponse>;

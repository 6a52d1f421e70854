/**
 * Returns: the configuration (cdk.json `returns`, RETURNS_CONFIG for the functions), the API bodies
 * (POST /orders/{orderId}/returns, POST /ops/returns/{returnId}/authorize) and the view in GET /orders/{orderId}.
 */
import * as z from 'zod';
import { RETURN_STATUSES } from '../../orders/domain/returns-lifecycle';
import { BadRequestError } from '../../kernel/errors';
import { RETURN_CONDITIONS, RETURN_ID_PATTERN, RETURN_RESOLUTIONS } from '../domain/returns';
import { Reason } from './config';

export * from './config';

// ---------------------------------------------------------------- API

export const CreateReturnRequest = z
  .strictObject({
    lines: z
      .array(z.strictObject({ lineNo: z.int().min(1).max(10_000), quantity: z.int().min(1).max(9999) }))
      .min(1)
      .max(100)
      .refine((l) => new Set(l.map((x) => x.lineNo)).size === l.length, 'each lineNo at most once'),
    reason: Reason,
    note: z.string().trim().max(1000).optional().meta({ description: 'Free text from the customer (passed to the supplier; never logged)' }),
    resolution: z
      .enum(['refund', 'replacement'])
      .optional()
      .meta({ description: '`replacement`: an exchange: the same units shipped again as a new fulfillment (reserved and routed like an order) instead of a refund; default `refund`' }),
  })
  .meta({ description: 'A return request (POST /orders/{orderId}/returns).' });
export type CreateReturnRequest = z.output<typeof CreateReturnRequest>;

export const CreateReturnResponse = z
  .object({
    returnId: z.string(),
    status: z.enum(RETURN_STATUSES),
    resolution: z.enum(RETURN_RESOLUTIONS),
  })
  .meta({ description: 'The return was recorded (201; the same Idempotency-Key and body again answers the same).' });
export type CreateReturnResponse = z.output<typeof CreateReturnResponse>;

/** The rules a request can break (422 RETURN_NOT_ALLOWED `rule`). */
export const RETURN_RULES = ['NOT_DELIVERED', 'WINDOW_CLOSED', 'FINAL_SALE', 'UNKNOWN_LINE', 'EXCEEDS_RETURNABLE', 'ONE_SUPPLIER_PER_RETURN'] as const;
export type ReturnRule = (typeof RETURN_RULES)[number];

export const ReturnNotAllowed = z
  .object({
    code: z.literal('RETURN_NOT_ALLOWED'),
    rule: z.enum(RETURN_RULES),
    message: z.string(),
    lineNo: z.int().optional(),
    returnable: z.int().optional().meta({ description: 'EXCEEDS_RETURNABLE: units of the line that can still be returned' }),
    windowEndsAt: z.string().optional(),
  })
  .meta({ description: 'The return policy refuses the request (422), naming the rule.' });
export type ReturnNotAllowed = z.output<typeof ReturnNotAllowed>;

export const ReturnView = z.object({
  returnId: z.string(),
  status: z.enum(RETURN_STATUSES),
  reason: Reason,
  resolution: z.enum(RETURN_RESOLUTIONS),
  lines: z.array(z.object({ lineNo: z.int(), quantity: z.int(), condition: z.enum(RETURN_CONDITIONS).optional() })),
  rma: z.string().optional(),
  returnAddress: z.record(z.string(), z.string()).optional(),
  instructions: z.string().optional(),
  trackingNumber: z.string().optional(),
  refund: z.object({ amount: z.string(), currency: z.string(), restockingFee: z.string(), shippingAdjustment: z.string() }).optional(),
  replacementFulfillmentIds: z.array(z.string()).optional().meta({ description: 'Exchanges: the fulfillment(s) shipping the replacement' }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ReturnView = z.output<typeof ReturnView>;

export const AuthorizeReturnRequest = z
  .strictObject({
    rma: z.string().trim().min(1).max(64).optional().meta({ description: 'The supplier\'s RMA number when it gave one by phone or mail; default OPS-{returnId}' }),
    instructions: z.string().trim().max(1000).optional(),
    note: z.string().trim().max(1000).optional(),
  })
  .meta({ description: 'An operator authorizes a return on the supplier\'s behalf (POST /ops/returns/{returnId}/authorize).' });
export type AuthorizeReturnRequest = z.output<typeof AuthorizeReturnRequest>;

export const CloseReturnRequest = z
  .strictObject({
    note: z.string().trim().min(1).max(1000).meta({ description: 'Why and how the refund was settled (e.g. "refunded by bank transfer"); kept on the return, never logged' }),
  })
  .meta({ description: 'An operator closes a refund return (POST /ops/returns/{returnId}/close).' });
export type CloseReturnRequest = z.output<typeof CloseReturnRequest>;

export const ReceiveReturnRequest = z
  .strictObject({
    lines: z
      .array(z.strictObject({ lineNo: z.int().min(1), condition: z.enum(RETURN_CONDITIONS) }))
      .min(1)
      .max(100)
      .meta({ description: 'The condition of every returned line (`missing`: not in the parcel, not refunded)' }),
  })
  .meta({ description: 'An operator confirms a return parcel arrived (POST /ops/returns/{returnId}/receive): a return sent to the retailer\'s own address, or a supplier that confirmed by phone or mail.' });
export type ReceiveReturnRequest = z.output<typeof ReceiveReturnRequest>;

export const ConfirmReturnRefundRequest = z
  .strictObject({
    refundId: z.string().trim().min(1).max(100).optional().meta({ description: "The storefront's own refund id (default: the Idempotency-Key)" }),
  })
  .meta({ description: 'The storefront confirms it refunded a return (POST /orders/{orderId}/returns/{returnId}/refund).' });
export type ConfirmReturnRefundRequest = z.output<typeof ConfirmReturnRefundRequest>;

export const CloseReturnResponse = z
  .object({
    returnId: z.string(),
    orderId: z.string(),
    status: z.enum(RETURN_STATUSES),
    closedBy: z.enum(['replacement', 'platform_refund', 'storefront', 'operator']).nullable(),
    changed: z.boolean().meta({ description: 'false: it was already CLOSED (the call changed nothing)' }),
  })
  .meta({ description: 'The return is CLOSED (or already was).' });
export type CloseReturnResponse = z.output<typeof CloseReturnResponse>;

/** The `{returnId}` path parameter of a returns route (400 naming it when it is not a return id). */
export function returnIdParameter(event: { readonly pathParameters?: Readonly<Record<string, string | undefined>> | null }): string {
  const returnId = event.pathParameters?.returnId ?? '';
  if (!RETURN_ID_PATTERN.test(returnId)) {
    throw new BadRequestError('Invalid return id', { issues: [{ path: 'pathParameters.returnId', message: 'must be a returnId (ret_...) from POST /orders/{orderId}/returns' }] });
  }
  return returnId;
}

/** Ops API bodies and answers of delivery exceptions, carrier claims and supplier scorecards. */
import * as z from 'zod';
import { text } from '../../kernel/schemas';
import { CLAIM_OUTCOMES } from '../store/claims';

const SupplierRef = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be a supplier id (lowercase letters, digits and "-")')
  .meta({ description: 'Ship the replacement from this supplier (routing rules still apply); default: routed like any order' });

export const ReshipRequest = z.strictObject({ supplierId: SupplierRef.optional() });
export type ReshipRequest = z.output<typeof ReshipRequest>;

export const RefundDecisionRequest = z.strictObject({
  note: text(500).optional().meta({ description: 'Why (shown in logs only; no customer data)' }),
});
export type RefundDecisionRequest = z.output<typeof RefundDecisionRequest>;

const Line = z.object({ lineNo: z.int(), quantity: z.int() });

export const DeliveryDecisionResponse = z.object({
  orderId: z.string(),
  fulfillmentId: z.string(),
  decision: z.enum(['RESHIP', 'REFUND']),
  code: z.string().meta({ description: 'The delivery exception decided: ATTEMPTED_DELIVERY, READY_FOR_PICKUP, FAILURE, RETURNING_TO_SENDER or LOST_IN_TRANSIT' }),
  replacements: z
    .array(z.object({ fulfillmentId: z.string(), supplierId: z.string(), status: z.string(), lines: z.array(Line), shipBy: z.string(), deliverBy: z.string() }))
    .optional(),
  refundRequestedMinor: z.int().optional(),
  claimId: z.string().optional().meta({ description: 'The carrier claim of a lost parcel' }),
});

export const CloseClaimRequest = z.strictObject({
  outcome: z.enum(CLAIM_OUTCOMES).meta({ description: 'PAID (the carrier paid), DENIED, or WITHDRAWN (the parcel turned up, or not worth filing)' }),
  note: text(500).optional().meta({ description: 'Operator note (no customer data)' }),
});
export type CloseClaimRequest = z.output<typeof CloseClaimRequest>;

export const ClaimsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50) });
export type ClaimsQuery = z.output<typeof ClaimsQuery>;

export const CarrierClaimView = z.object({
  claimId: z.string(),
  orderId: z.string(),
  fulfillmentId: z.string(),
  supplierId: z.string(),
  carrier: z.string(),
  trackingNumber: z.string(),
  valueMinor: z.int().meta({ description: 'Wholesale cost + shipping of the fulfillment' }),
  currency: z.string(),
  fileBy: z.string().meta({ description: 'File the claim with the carrier by then' }),
  status: z.enum(['OPEN', 'CLOSED']),
  openedAt: z.string(),
  closedAt: z.string().optional(),
  outcome: z.enum(CLAIM_OUTCOMES).optional(),
  note: z.string().optional(),
  closedBy: z.string().optional(),
});
export const ClaimsResponse = z.object({ items: z.array(CarrierClaimView) });

const Rate = z.object({ rate: z.number().nullable().meta({ description: 'null without a sample' }), numerator: z.int(), sample: z.int() });
const Window = z.object({
  days: z.int(),
  from: z.string(),
  to: z.string(),
  acceptanceMinutesP50: z.number().nullable().meta({ description: 'Upper bound of the histogram bucket (5, 15, 30, 60, 120, 240, 480, 1440, 2880 min); null: no acceptance, or beyond 2 days' }),
  acceptanceMinutesP90: z.number().nullable(),
  accepted: z.int(),
  onTimeShipRate: Rate,
  rejectionRate: Rate,
  cancellationRate: Rate,
  invalidTrackingRate: Rate,
  lateDeliveryRate: Rate,
  returnRateByReason: z.record(z.string(), Rate),
});
export const ScorecardResponse = z.object({
  supplierId: z.string(),
  asOf: z.string(),
  last30Days: Window,
  last90Days: Window,
  demotion: z.object({ supplierId: z.string(), metric: z.string(), value: z.number(), threshold: z.number(), sample: z.int() }).nullable().meta({ description: 'Set when routing moves this supplier down (its figure is past the stage threshold)' }),
});

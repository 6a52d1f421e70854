/**
 * Returns configuration (cdk.json `returns`, RETURNS_CONFIG for the functions): policies per channel, options per
 * supplier. Apart from the API bodies (schemas/returns.ts) so the functions that only need the policy (the
 * returns' bus steps in a PDF-rendering function) do not bundle the API schemas.
 */
import * as z from 'zod';
import { RETURN_DESTINATIONS, RETURN_REASONS } from '../domain/returns';

export const Reason = z.enum(RETURN_REASONS);
const ReasonList = z.array(Reason).refine((l) => new Set(l).size === l.length, 'each reason at most once');

/** A channel's return policy. */
export const ReturnPolicy = z.strictObject({
  /** Days from delivery the customer may ask (the last day included). */
  windowDays: z.int().min(0).max(365).default(30),
  /** Retailer SKUs sold as final sale: never returnable. */
  finalSaleSkus: z.array(z.string().min(1).max(64)).max(1000).default([]),
  /** Percent of the goods value kept for the reasons in `restockingFeeReasons`. */
  restockingFeePercent: z.number().min(0).max(100).default(0),
  restockingFeeReasons: ReasonList.default(['changed_mind']),
  /**
   * Who pays return shipping per reason. `retailer`: the original shipping of the returned units is refunded
   * too (pro rata); `customer`: `returnLabelMinor` is deducted from the refund.
   */
  returnShipping: z.partialRecord(Reason, z.enum(['customer', 'retailer'])).default({ changed_mind: 'customer', other: 'customer' }),
  /** The return label's price deducted when the customer pays return shipping (minor units of the order's currency). */
  returnLabelMinor: z.int().min(0).max(1_000_000).default(0),
  /** Exchanges: the replacement ships when the supplier authorizes the return, or when it has received it. */
  replacementShipsOn: z.enum(['authorization', 'receipt']).default('receipt'),
  /**
   * Hours the storefront has to confirm a requested refund (Shopify refunds/create, WooCommerce refund, or
   * POST /orders/{orderId}/returns/{returnId}/refund) before operators see RETURN_REFUND_UNCONFIRMED.
   */
  refundConfirmWithinHours: z.number().positive().max(24 * 60).default(72),
});
export type ReturnPolicy = z.output<typeof ReturnPolicy>;

/** Per supplier: where returns go and the "keep it" threshold. */
export const SupplierReturnOptions = z.strictObject({
  destination: z.enum(RETURN_DESTINATIONS).default('supplier'),
  /** A return whose goods value (minor units) is below this is refunded without sending anything back. 0 = never. */
  keepItBelowMinor: z.int().min(0).max(100_000_000).default(0),
});
export type SupplierReturnOptions = z.output<typeof SupplierReturnOptions>;

export const RetailerReturnAddress = z.strictObject({
  name: z.string().min(1).max(100),
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  postcode: z.string().min(1).max(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2'),
});

export const ReturnsConfig = z.strictObject({
  /** The policy of a channel not listed in `channels`. */
  defaultPolicy: ReturnPolicy.default(ReturnPolicy.parse({})),
  channels: z.record(z.string(), ReturnPolicy).default({}),
  suppliers: z.record(z.string(), SupplierReturnOptions).default({}),
  /** Where `retailer`-destination returns go (required when a supplier uses it). */
  retailerAddress: RetailerReturnAddress.optional(),
  /** Hours a supplier has to authorize or reject a return before operators see RETURN_UNANSWERED. */
  answerWithinHours: z.number().positive().max(24 * 30).default(48),
});
export type ReturnsConfig = z.output<typeof ReturnsConfig>;
export type ReturnsConfigInput = z.input<typeof ReturnsConfig>;

export function policyFor(config: ReturnsConfig, channelId: string): ReturnPolicy {
  return config.channels[channelId] ?? config.defaultPolicy;
}

export function supplierOptionsFor(config: ReturnsConfig, supplierId: string): SupplierReturnOptions {
  return config.suppliers[supplierId] ?? SupplierReturnOptions.parse({});
}

/** The functions' copy of the stage's returns config (RETURNS_CONFIG, written by CDK). Absent = defaults. */
export function loadReturnsConfig(env: NodeJS.ProcessEnv = process.env): ReturnsConfig {
  const raw = env.RETURNS_CONFIG;
  return ReturnsConfig.parse(raw === undefined || raw === '' ? {} : JSON.parse(raw));
}

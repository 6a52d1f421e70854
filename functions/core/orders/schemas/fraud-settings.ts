/**
 * Overrides of the fraud screen's configuration (orders/domain/fraud.ts): the one schema for the
 * workflow stage setting `fraud` in cdk.json (validated at synth by lib/stage-config.ts) and the
 * FRAUD_CONFIG variable the workflow tasks read at cold start (workflow-settings.ts). Strict: a
 * misspelt key fails synth instead of every workflow Lambda's cold start.
 */
import * as z from 'zod';
import { PAYMENT_STATUSES } from '../domain/order';

export const FraudOverrides = z
  .object({
    reviewThreshold: z.number().optional(),
    acceptedPaymentStatuses: z.array(z.enum(PAYMENT_STATUSES)).optional(),
    highValueMultiple: z.number().positive().optional(),
    addressVelocityWindowHours: z.number().positive().optional(),
    addressVelocityMaxOrders: z.int().min(1).optional(),
    weights: z.partialRecord(z.enum(['BILLING_SHIPPING_COUNTRY_MISMATCH', 'HIGH_ORDER_VALUE', 'ADDRESS_VELOCITY', 'DISPOSABLE_EMAIL']), z.number()).optional(),
    extraDisposableDomains: z.array(z.string()).optional(),
    allowedEmailDomains: z.array(z.string()).optional(),
    paymentHoldHours: z.number().positive().optional(),
    reviewHoldHours: z.number().positive().optional(),
  })
  .strict();

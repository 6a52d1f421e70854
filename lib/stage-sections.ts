/**
 * Sections of the stage configuration (cdk.json) that stand on their own: alarm thresholds and the
 * after-delivery settings. lib/stage-config.ts assembles them into StageConfigSchema.
 */
import * as z from 'zod';

/** Minutes between two runs of one schedule (EventBridge rate), 1 minute to 1 day. */
export const ScheduleMinutesSchema = z.int().min(1).max(1440);

/**
 * Alarm thresholds (lib/constructs/dashboard-panels.ts, docs/operations.md). Every alarm evaluates one 5-minute
 * period and notifies the alarm topic; counts are per 5 minutes.
 */
export const AlarmsSchema = z.strictObject({
  /** Throttled Lambda invocations (sum over a group of at most 10 functions) that page. */
  lambdaThrottles: z.int().min(1).default(5),
  /** DynamoDB read + write throttle events of the table and its indexes. */
  dynamoDbThrottles: z.int().min(1).default(10),
  /** DynamoDB system errors (500s from DynamoDB itself). */
  dynamoDbSystemErrors: z.int().min(1).default(1),
  /** Age of the newest record the stream router read, in seconds: above it the outbox lags (workflow starts, events). */
  streamIteratorAgeSeconds: z.int().min(1).default(300),
  /** Age of the oldest message on a supplier inbound queue, in seconds. */
  inboundQueueAgeSeconds: z.int().min(60).default(900),
  /** Age of the oldest storefront notification waiting, in seconds (failed deliveries wait with backoff up to retryMaxSeconds). */
  notificationQueueAgeSeconds: z.int().min(60).default(7200),
  /** Webhook deliveries refused for a bad or missing signature (Shopify + WooCommerce). */
  webhookSignatureFailures: z.int().min(1).default(20),
  /** Storefront notification attempts that failed (retried with backoff). */
  notificationFailures: z.int().min(1).default(10),
  /** Percentage of API requests answered 5xx (per API: storefront, ops). */
  api5xxPercent: z.number().positive().max(100).default(5),
});
export const DEFAULT_ALARMS = AlarmsSchema.parse({});

/** Delivery exceptions and supplier scorecards (issue 15). */
export const AfterDeliverySchema = z.strictObject({
  /** No carrier event for this many days after the last one: the parcel is presumed lost (sweep). */
  lostParcelDays: z.int().min(1).max(60).default(7),
  /** Days after the loss to file the carrier claim (the claim's deadline). */
  claimWindowDays: z.int().min(1).max(365).default(30),
  /** Minutes between two runs of the lost-parcel sweep. */
  lostParcelSweepMinutes: ScheduleMinutesSchema.default(60),
  /** Routing demotion from the scorecards: under the threshold with at least minSample counted, a supplier is routed last. */
  demotion: z
    .strictObject({
      enabled: z.boolean().default(true),
      metric: z.enum(['onTimeShipRate', 'rejectionRate', 'cancellationRate', 'lateDeliveryRate', 'invalidTrackingRate']).default('onTimeShipRate'),
      windowDays: z.union([z.literal(30), z.literal(90)]).default(30),
      threshold: z.number().min(0).max(1).default(0.9),
      minSample: z.int().min(1).default(10),
    })
    .default({ enabled: true, metric: 'onTimeShipRate', windowDays: 30, threshold: 0.9, minSample: 10 }),
});
export const DEFAULT_AFTER_DELIVERY = AfterDeliverySchema.parse({});

import { AfterDeliverySchema, AlarmsSchema, DEFAULT_AFTER_DELIVERY, DEFAULT_ALARMS, ScheduleMinutesSchema } from './stage-sections';
import * as z from 'zod';
import { ReturnsConfig } from '../functions/core/returns/schemas/returns';
import { FraudOverrides } from '../functions/core/orders/schemas/fraud-settings';
import { ROUTING_RULES } from '../functions/core/workflow/domain/routing-rules';
import { NON_TERMINAL_ORDER_STATUSES } from '../functions/core/orders/domain/order';

/**
 * Stage configuration, read from CDK context: `stage` (default "dev") selects `stages.<name>` in cdk.json.
 *
 *   npx cdk synth -c stage=prod
 *
 * Everything a retailer tunes per deployment lives here; constructs receive the parsed value, never
 * read context themselves.
 */

/** Channel ids become parts of CloudFormation logical IDs and of webhook URLs: keep them simple. */
const CHANNEL_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

const ThrottleSchema = z.strictObject({
  /** Steady-state requests per second. */
  rateLimit: z.number().positive(),
  /** Burst bucket size (requests). */
  burstLimit: z.int().positive(),
});

const QuotaSchema = z.strictObject({
  /** Maximum number of requests per period. */
  limit: z.int().positive(),
  period: z.enum(['DAY', 'WEEK', 'MONTH']),
});

const ChannelSchema = z
  .strictObject({
    id: z.string().regex(CHANNEL_ID, 'lowercase letters, digits and "-", starting with a letter or digit, at most 40 characters'),
    name: z.string().min(1),
    platform: z.enum(['custom', 'shopify', 'woocommerce']),
    currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 currency code, e.g. EUR'),
    /** Shopify shop domain, required for platform "shopify" (webhooks name the shop in X-Shopify-Shop-Domain). */
    shopDomain: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, 'a *.myshopify.com domain')
      .optional(),
    /** Usage plan throttle for this channel's API key (default: the stage's apiThrottle). */
    throttle: ThrottleSchema.optional(),
    /** Usage plan quota for this channel's API key (default: 100000 requests per day). */
    quota: QuotaSchema.optional(),
    /**
     * Storefront notifications (docs/notifications.md): `url` = the HTTPS endpoint signed webhooks are POSTed
     * to (platform custom) or the store's base URL for the REST API (platform woocommerce); shopify channels
     * use shopDomain. `enabled: false` turns the channel's notifications off. @default - custom and woocommerce
     * channels without a url are not notified
     */
    outbound: z
      .strictObject({
        url: z.url({ protocol: /^https$/, error: 'an https:// URL' }).optional(),
        enabled: z.boolean().default(true),
      })
      .optional(),
    /**
     * Minutes after checkout before the supplier sees an order (cancellations and address edits land first);
     * absent = 5, 0 = dispatch at once. The delivery promise includes it.
     */
    dispatchDelayMinutes: z.int().min(0).max(10_080).optional(),
  })
  .refine((c) => c.platform !== 'shopify' || c.shopDomain !== undefined, {
    message: 'shopDomain is required when platform is "shopify"',
    path: ['shopDomain'],
  });

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Supplier ids become parts of logical IDs, queue metadata and SUPPLIER_QUEUES: same shape as channel ids. */
const SupplierSchema = z.strictObject({
  id: z.string().regex(CHANNEL_ID, 'lowercase letters, digits and "-", starting with a letter or digit, at most 40 characters'),
  name: z.string().min(1),
  /**
   * How the supplier exchanges messages: `sqs` (it reads/writes its queues directly) or `file` (file drops,
   * translated to and from the same queue messages by the file adapter). Every supplier gets its queues.
   */
  channel: z.enum(['sqs', 'file']),
  /** The supplier's AWS account: when set, a role in this stack that this account may assume to use its queues. */
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'a 12-digit AWS account id')
    .optional(),
  /** sts:ExternalId the supplier must present when assuming its role (recommended for third parties). */
  externalId: z
    .string()
    .regex(/^[\w+=,.@:\/-]{2,1224}$/, '2-1224 characters of letters, digits and +=,.@:/-')
    .optional(),
  /**
   * Where the supplier publishes its full inventory feed for the scheduled refresh (refresh-feeds reads it,
   * skips it when its ETag was already applied). `bucket` defaults to the supplier files bucket; a bucket of
   * the supplier's must grant this stack's refresh function s3:GetObject on the key.
   */
  inventoryPull: z
    .strictObject({
      key: z
        .string()
        .min(1)
        .max(1024)
        .refine((k) => !k.startsWith('/') && !k.includes('*'), 'an object key without a leading "/" or "*"'),
      bucket: z
        .string()
        .regex(BUCKET_NAME, 'an S3 bucket name (3-63 lowercase letters, digits, "." and "-")')
        .optional(),
    })
    .optional(),
});

/** Workflow timings. The per-fulfillment SLAs (acceptance, ship-by, deliver-by) come from the supplier data. */
const WorkflowSchema = z.strictObject({
  /**
   * How long an order may stay ON_HOLD (awaiting payment or an operator's fraud decision) before it is
   * cancelled, for every hold reason. @default - per reason (the fraud config: payment 72 h, review 48 h)
   */
  holdTimeoutHours: z.number().positive().max(24 * 90).optional(),
  /** After the ship-by deadline passed (exception raised), how long to wait for the shipment before cancelling the fulfillment. */
  shipGraceDays: z.number().positive().max(60).default(7),
  /** After the deliver-by deadline passed (exception raised), how long to wait for delivery before flagging the parcel LOST. */
  deliveryGraceDays: z.number().positive().max(60).default(7),
  /** Hard limit of one order execution (Standard workflows allow up to a year). */
  stateMachineTimeoutDays: z.int().positive().max(365).default(60),
  /**
   * How long every forward task retries transient errors (throttling, contention, Lambda service errors) with
   * exponential backoff before the order is held for an operator (TRANSIENT_FAILURE), never cancelled.
   */
  transientRetryMinutes: z.int().min(1).max(120).default(10),
  /** A task that failed past its retries on an order already with suppliers: minutes before the workflow re-enters it. */
  failureRetryMinutes: z.int().min(1).max(24 * 60).default(60),
  /**
   * Routing rule order (docs/domain-rules.md), each rule at most once.
   * @default - SINGLE_SHIPMENT, LOWEST_LANDED_COST, SUPPLIER_PRIORITY
   */
  routingRuleOrder: z
    .array(z.enum(ROUTING_RULES))
    .min(1)
    .refine((rules) => new Set(rules).size === rules.length, 'each rule at most once')
    .optional(),
  /** Shipping method chosen per destination. @default - CHEAPEST */
  routingShippingMethod: z.enum(['CHEAPEST', 'FASTEST']).optional(),
  /** Overrides of the fraud screen's configuration (orders/domain/fraud.ts), validated here at synth and by the tasks at cold start. @default - none */
  fraud: FraudOverrides.optional(),
  /**
   * Hot offers (a drop, a flash sale): their stock is split over `shards` allocation shards (own partitions) on their
   * next reservation, so one offer takes ≥ 2,000 reservations/s (docs/hot-sku.md). Shards only grow. @default - none
   */
  hotSkus: z.array(z.strictObject({ sku: z.string().min(1), supplierId: z.string().min(1), shards: z.int().min(2).max(32) })).optional(),
});

const DEFAULT_WORKFLOW = WorkflowSchema.parse({});

const NonTerminalStatusSchema = z.enum(NON_TERMINAL_ORDER_STATUSES);


/** The scheduled jobs (one EventBridge rule each). */
export const SCHEDULED_JOBS = ['sweepReservations', 'sweepDispatches', 'sweepOrders', 'sweepStaleFeeds', 'refreshFeeds'] as const;
export type ScheduledJob = (typeof SCHEDULED_JOBS)[number];

const SweepsSchema = z.strictObject({
  /** Minutes between runs, per job. */
  scheduleMinutes: z
    .strictObject({
      sweepReservations: ScheduleMinutesSchema.default(5),
      sweepDispatches: ScheduleMinutesSchema.default(15),
      sweepOrders: ScheduleMinutesSchema.default(15),
      sweepStaleFeeds: ScheduleMinutesSchema.default(15),
      refreshFeeds: ScheduleMinutesSchema.default(60),
    })
    .default({ sweepReservations: 5, sweepDispatches: 15, sweepOrders: 15, sweepStaleFeeds: 15, refreshFeeds: 60 }),
  /** Items one sweep run handles at most (the next run resumes from the stored cursor). */
  pageLimit: z.int().min(1).max(5000).default(200),
  /** Minutes after a dispatched fulfillment's acceptBy before the sweep surfaces it as unacknowledged. */
  dispatchGraceMinutes: z.int().min(0).max(10_080).default(60),
  /**
   * Per non-terminal order status: minutes an order may stay in it (since its last update) before the sweep
   * surfaces it as stuck (a RECEIVED order without an execution is started instead). A status not listed is
   * never swept.
   */
  stuckOrderMinutes: z
    .partialRecord(NonTerminalStatusSchema, z.int().positive().max(525_600))
    .default({ RECEIVED: 15, VALIDATED: 60, RESERVED: 60, ON_HOLD: 4_500, IN_FULFILLMENT: 20_160, PARTIALLY_SHIPPED: 43_200, SHIPPED: 43_200 }),
});
const DEFAULT_SWEEPS = SweepsSchema.parse({});

const FilesSchema = z.strictObject({
  /**
   * Name of the supplier files bucket. @default - `dropship-<stage>-files-<account>-<8 characters of the stack id>`
   * (unique per stack instance: a retained bucket never blocks a re-created stack)
   */
  bucketName: z.string().regex(BUCKET_NAME, 'an S3 bucket name (3-63 lowercase letters, digits, "." and "-")').optional(),
  /** Days inbox files (feeds, tracking, acknowledgements) are kept after they land (they are applied within seconds). */
  inboxRetentionDays: z.int().min(1).max(3650).default(30),
  /** Days rejected-row reports are kept in the suppliers' outboxes. */
  reportRetentionDays: z.int().min(1).max(3650).default(90),
  /** Days quarantined file copies are kept for operators. */
  quarantineRetentionDays: z.int().min(1).max(3650).default(90),
  /** Days an overwritten or deleted object version is kept (versioning protects against accidental overwrites). */
  noncurrentVersionRetentionDays: z.int().min(1).max(3650).default(30),
  /** Days the server access logs of the bucket are kept. */
  accessLogRetentionDays: z.int().min(1).max(3650).default(90),
  /**
   * Days purchase orders (outbox/purchase-orders/, amendments included), cancellations (outbox/cancellations/)
   * and packing slips (outbox/packing-slips/) are kept: they hold the customer's name, address and phone.
   */
  outboxPiiRetentionDays: z.int().min(1).max(3650).default(90),
  /** Alarm when more feed rows than this are rejected within 5 minutes (all suppliers). */
  rejectedRowsAlarmThreshold: z.int().min(1).default(100),
});
const DEFAULT_FILES = FilesSchema.parse({});

/**
 * The storefront API's web ACL (lib/constructs/web-firewall.ts). Only the webhook routes (no API key) are
 * rate-limited and size-capped; storefront routes keep their per-channel usage plans.
 */
const FirewallSchema = z.strictObject({
  /** Requests per client IP within 5 minutes on /webhooks/ before WAF answers 429 (WAF minimum 10). */
  webhookRateLimitPer5Minutes: z.int().min(10).max(2_000_000_000).default(3000),
  /**
   * Largest webhook body (Content-Length, bytes) WAF lets through: above it, 413. Far above a legitimate
   * 100-line order (docs/infrastructure.md, "Web firewall"); API Gateway's own limit is 10 MB.
   */
  webhookMaxBodyBytes: z.int().min(65_536).max(10_485_760).default(1_048_576),
  /** Alarm when WAF blocks at least this many requests within 5 minutes. */
  blockedRequestsAlarmThreshold: z.int().min(1).default(100),
});
const DEFAULT_FIREWALL = FirewallSchema.parse({});

/**
 * Reserved concurrency (each function) of the file-triggered and scheduled functions: it caps them, so a
 * supplier's burst of files cannot take the account's concurrency from the API and workflow functions.
 */
const ReservedConcurrencySchema = z.strictObject({
  /** Per supplier-file function (inventory feed, tracking, acknowledgements). */
  supplierFiles: z.int().min(1).max(1000).default(5),
  /** Per scheduled function (sweeps, feed refresh): one run at a time is their normal load. */
  scheduled: z.int().min(1).max(100).default(2),
});
const DEFAULT_RESERVED_CONCURRENCY = ReservedConcurrencySchema.parse({});
/** Storefront notification retries (docs/notifications.md): backoff base x 2^(n-1) capped, maxReceiveCount receives, then the DLQ. */
const NotificationsSchema = z
  .strictObject({
    /** First retry delay, in seconds. */
    retryBaseSeconds: z.int().min(1).max(3600).default(30),
    /** Longest delay between two attempts, in seconds (SQS allows at most 12 h). */
    retryMaxSeconds: z.int().min(1).max(43_200).default(3600),
    /** Receives before a notification goes to the DLQ. The defaults retry for about 34 hours. */
    maxReceiveCount: z.int().min(1).max(1000).default(40),
  })
  .refine((n) => n.retryMaxSeconds >= n.retryBaseSeconds, { message: 'retryMaxSeconds must be at least retryBaseSeconds', path: ['retryMaxSeconds'] });
const DEFAULT_NOTIFICATIONS = NotificationsSchema.parse({});


export const StageConfigSchema = z
  .strictObject({
    /** Retention of every log group (Lambda, API access logs), in days. */
    logRetentionDays: z.int().positive(),
    /** Keep stateful resources (table, key, secrets, log groups) when the stack is deleted; protect the table and stack. */
    retainData: z.boolean(),
    /** Stage-wide API Gateway throttle (all methods). */
    apiThrottle: ThrottleSchema,
    /** Powertools log level of every function (default INFO). */
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /** Storefront channels: each gets an API key, a usage plan and a webhook secret. */
    channels: z.array(ChannelSchema).min(1),
    /** Suppliers: each gets an inbound and an outbound queue (each with a DLQ) and, with accountId, an access role. */
    suppliers: z.array(SupplierSchema).default([]),
    /** Workflow timings (defaults: hold per reason, ship grace 7 d, delivery grace 7 d, execution limit 60 d). */
    workflow: WorkflowSchema.default(DEFAULT_WORKFLOW),
    /** Ops API throttle (one key, one usage plan). @default { rateLimit: 10, burstLimit: 20 } */
    opsApiThrottle: ThrottleSchema.default({ rateLimit: 10, burstLimit: 20 }),
    /** Days the domain event archive keeps events for replay (0 = forever). @default 30 */
    eventArchiveRetentionDays: z.int().min(0).default(30),
    /** Sweeps and the feed refresh: schedules, page limit, dispatch grace, stuck-order deadlines. */
    sweeps: SweepsSchema.default(DEFAULT_SWEEPS),
    /** The supplier files bucket: retention of inbox files, reports, quarantine, old versions and access logs. */
    files: FilesSchema.default(DEFAULT_FILES),
    /** WAF limits on the webhook routes and the reserved concurrency of background functions. */
    firewall: FirewallSchema.default(DEFAULT_FIREWALL),
    /** Reserved concurrency of the file-triggered and scheduled functions (values per stage). */
    reservedConcurrency: ReservedConcurrencySchema.default(DEFAULT_RESERVED_CONCURRENCY),
    /** Storefront notification retries (defaults: 30 s doubling to 1 h, 40 receives ≈ 34 h, then the DLQ). */
    notifications: NotificationsSchema.default(DEFAULT_NOTIFICATIONS),
    /** Alarm thresholds (throttles, iterator and queue age, webhook signatures, deliveries, 5xx rate): docs/operations.md. */
    alarms: AlarmsSchema.default(DEFAULT_ALARMS),
    /**
     * Returns (docs/returns.md): the return policy per channel (window, final-sale SKUs, restocking fee, who pays
     * return shipping per reason), per supplier where returns go and the "keep it" threshold, the supplier's
     * answer deadline. @default - 30-day window, no fee, customer pays shipping for changed_mind / other
     */
    returns: ReturnsConfig.default(ReturnsConfig.parse({})),
    /** Delivery exceptions (lost-parcel days, claim window, sweep schedule) and scorecard routing demotion. */
    afterDelivery: AfterDeliverySchema.default(DEFAULT_AFTER_DELIVERY),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, string>();
    cfg.channels.forEach((c, i) => {
      const key = logicalIdPart(c.id);
      const other = seen.get(key);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'id'],
          message: `channel id "${c.id}" collides with "${other}" (ids must stay distinct without "-")`,
        });
      }
      seen.set(key, c.id);
    });
    const seenSuppliers = new Map<string, string>();
    cfg.suppliers.forEach((s, i) => {
      const key = logicalIdPart(s.id);
      const other = seenSuppliers.get(key);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['suppliers', i, 'id'],
          message: `supplier id "${s.id}" collides with "${other}" (ids must stay distinct without "-")`,
        });
      }
      seenSuppliers.set(key, s.id);
      if (s.externalId !== undefined && s.accountId === undefined) {
        ctx.addIssue({ code: 'custom', path: ['suppliers', i, 'externalId'], message: 'externalId needs accountId (it guards the access role)' });
      }
    });
    checkReturnsConfig(cfg, ctx);
  });

/** Returns config names known channels and suppliers; a `retailer` destination needs the retailer's address. */
function checkReturnsConfig(cfg: { channels: readonly { id: string }[]; suppliers: readonly { id: string }[]; returns: ReturnsConfig }, ctx: z.RefinementCtx): void {
  for (const id of Object.keys(cfg.returns.channels)) {
    if (!cfg.channels.some((c) => c.id === id)) ctx.addIssue({ code: 'custom', path: ['returns', 'channels', id], message: `no channel "${id}"` });
  }
  for (const [id, options] of Object.entries(cfg.returns.suppliers)) {
    if (!cfg.suppliers.some((s) => s.id === id)) ctx.addIssue({ code: 'custom', path: ['returns', 'suppliers', id], message: `no supplier "${id}"` });
    if (options.destination === 'retailer' && cfg.returns.retailerAddress === undefined) {
      ctx.addIssue({ code: 'custom', path: ['returns', 'retailerAddress'], message: `supplier "${id}" sends returns to the retailer: retailerAddress is required` });
    }
  }
}

export type StageConfig = z.infer<typeof StageConfigSchema>;
export type ChannelConfig = StageConfig['channels'][number];
export type SupplierConfig = StageConfig['suppliers'][number];
export type WorkflowConfig = StageConfig['workflow'];
export type SweepsConfig = StageConfig['sweeps'];
export type FilesConfig = StageConfig['files'];
export type FirewallConfig = StageConfig['firewall'];
export type NotificationsConfig = StageConfig['notifications'];
export type AlarmsConfig = StageConfig['alarms'];

/** A parsed stage: its name plus its configuration. */
export interface Stage {
  readonly name: string;
  readonly config: StageConfig;
}

export const DEFAULT_STAGE = 'dev';
export const DEFAULT_QUOTA: z.infer<typeof QuotaSchema> = { limit: 100_000, period: 'DAY' };

/** Anything that can answer a context lookup: a construct node (`app.node`) or a plain map. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

export class StageConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageConfigError';
  }
}

/**
 * Read and validate the selected stage from CDK context.
 * Throws StageConfigError naming the stage and the offending field.
 */
export function loadStage(context: ContextSource): Stage {
  const rawName = context.tryGetContext('stage') ?? DEFAULT_STAGE;
  if (typeof rawName !== 'string' || rawName === '') {
    throw new StageConfigError(`Context "stage" must be a non-empty string, got ${JSON.stringify(rawName)}`);
  }
  const stages = context.tryGetContext('stages');
  if (stages === null || typeof stages !== 'object' || Array.isArray(stages)) {
    throw new StageConfigError('Context "stages" is missing: cdk.json must define "context.stages.<name>"');
  }
  const known = Object.keys(stages);
  const raw: unknown = (stages as Record<string, unknown>)[rawName];
  if (raw === undefined) {
    throw new StageConfigError(`Unknown stage "${rawName}". Known stages: ${known.join(', ')} (select one with -c stage=<name>)`);
  }
  return { name: rawName, config: parseStageConfig(rawName, raw) };
}

/** Validate one stage's configuration object. */
export function parseStageConfig(name: string, raw: unknown): StageConfig {
  const result = StageConfigSchema.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues
      .map((issue) => `  stages.${name}${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`)
      .join('\n');
    throw new StageConfigError(`Invalid configuration for stage "${name}":\n${details}`);
  }
  if (name !== DEFAULT_STAGE) {
    const missing = result.data.suppliers.flatMap((supplier, i) =>
      (['accountId', 'externalId'] as const)
        .filter((field) => supplier[field] === undefined)
        .map((field) => `  stages.${name}.suppliers[${i}].${field}: required outside the ${DEFAULT_STAGE} stage (the supplier's access role must name its account and an sts:ExternalId)`),
    );
    if (missing.length > 0) throw new StageConfigError(`Invalid configuration for stage "${name}":\n${missing.join('\n')}`);
  }
  return result.data;
}

/** "demo-shopify" -> "DemoShopify": used to build readable, stable CloudFormation logical IDs. */
export function logicalIdPart(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((s) => s !== '')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('');
}

/**
 * Workflow settings, read once at cold start from optional environment variables (defaults in
 * parentheses). TIMEOUT_SCALE shrinks every computed wait for local demos (`0.001`: a 72 h hold lasts
 * about 4 minutes); deadlines stored on orders and fulfillments stay real.
 *
 *   TIMEOUT_SCALE        multiplier of every wait the tasks compute (1)
 *   HOLD_TIMEOUT_HOURS   hold timeout for every hold reason (payment 72 h / review 48 h / operator 48 h)
 *   SHIP_GRACE_DAYS      wait after ship-by before the fulfillment is cancelled (7)
 *   DELIVERY_GRACE_DAYS  wait after deliver-by before the parcel is flagged LOST (7)
 *   ROUTING_RULE_ORDER   e.g. "SINGLE_SHIPMENT,LOWEST_LANDED_COST,SUPPLIER_PRIORITY" (the default)
 *   ROUTING_SHIPPING_METHOD  CHEAPEST | FASTEST (CHEAPEST)
 *   FRAUD_CONFIG         JSON overrides of orders/domain/fraud.ts DEFAULT_FRAUD_CONFIG ({})
 *   DISPATCH_DELAY_MINUTES  JSON { channelId: minutes } from the stage config (absent channel: 5)
 *   FAILURE_RETRY_MINUTES  after a task failed past its retries on an order already with suppliers: wait
 *                        before the workflow re-enters from the stored order (60)
 *   HOT_SKUS             JSON [{ sku, supplierId, shards }] from the stage config `hotSkus`: offers whose stock is
 *                        split over allocation shards on their next reservation (docs/hot-sku.md) ([])
 */
import * as z from 'zod';
import { fraudConfig, type FraudConfig } from '../../orders/domain/fraud';
import { FraudOverrides } from '../../orders/schemas/fraud-settings';
import { parseRuleOrder, routingConfig, type RoutingConfig } from '../domain/routing-rules';
import { MAX_ALLOCATION_SHARDS, type HotSku } from '../../inventory/domain/allocation-shards';

export interface WorkflowSettings {
  readonly timeoutScale: number;
  /** Overrides the fraud config's per-reason hold durations when set. */
  readonly holdTimeoutHours?: number | undefined;
  readonly shipGraceSeconds: number;
  readonly deliveryGraceSeconds: number;
  /** A reservation still HELD this long after deliver-by + delivery grace may be released by a sweep. */
  readonly reservationSlackSeconds: number;
  /** How long supplier message dedupe records are kept. */
  readonly dedupeTtlSeconds: number;
  readonly routing: RoutingConfig;
  readonly fraud: FraudConfig;
  /** Minutes after checkout before the supplier sees an order, per channel (cdk.json `dispatchDelayMinutes`). */
  readonly dispatchDelayMinutes: Readonly<Record<string, number>>;
  /** HoldOnFailure on an order already with suppliers: seconds before the workflow re-enters (failure-policy.ts MARK). */
  readonly failureRetrySeconds: number;
  /** Offers reserved on allocation shards (docs/hot-sku.md); every other offer keeps one counter. */
  readonly hotSkus?: readonly HotSku[] | undefined;
}

/** Dispatch delay of a channel the stage config does not set (cancellations and address edits land first). */
export const DEFAULT_DISPATCH_DELAY_MINUTES = 5;

/** The delay of one channel, in minutes. */
export function channelDispatchDelayMinutes(settings: Pick<WorkflowSettings, 'dispatchDelayMinutes'>, channelId: string): number {
  return settings.dispatchDelayMinutes[channelId] ?? DEFAULT_DISPATCH_DELAY_MINUTES;
}

/**
 * Seconds the workflow still waits before dispatching (the DispatchDelay Wait state's SecondsPath): the
 * channel's delay counted from checkout (an order approved after a long hold waits no more), scaled, ≥ 0.
 */
export function dispatchDelaySeconds(
  order: { readonly channelId: string; readonly createdAt: string },
  now: Date,
  settings: Pick<WorkflowSettings, 'dispatchDelayMinutes' | 'timeoutScale'>,
): number {
  const until = Date.parse(order.createdAt) + channelDispatchDelayMinutes(settings, order.channelId) * 60_000;
  const left = Number.isNaN(until) ? 0 : Math.max(0, (until - now.getTime()) / 1000);
  return Math.min(MAX_TIMEOUT_SECONDS, Math.ceil(left * settings.timeoutScale));
}

const HotSkus = z.array(z.object({ sku: z.string().min(1), supplierId: z.string().min(1), shards: z.int().min(1).max(MAX_ALLOCATION_SHARDS) }));

const DispatchDelays = z.record(z.string().min(1), z.int().min(0).max(10_080));

const DAY = 86_400;

export const DEFAULT_WORKFLOW_SETTINGS: WorkflowSettings = {
  timeoutScale: 1,
  shipGraceSeconds: 7 * DAY,
  deliveryGraceSeconds: 7 * DAY,
  reservationSlackSeconds: 7 * DAY,
  dedupeTtlSeconds: 14 * DAY,
  routing: routingConfig(),
  fraud: fraudConfig(),
  dispatchDelayMinutes: {},
  failureRetrySeconds: 3600,
};

const PositiveNumber = z.coerce.number().positive().finite();

export function loadWorkflowSettings(env: NodeJS.ProcessEnv = process.env): WorkflowSettings {
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const num = (name: string): number | undefined => {
    const value = read(name);
    if (value === undefined) return undefined;
    const parsed = PositiveNumber.safeParse(value);
    if (!parsed.success) throw new Error(`Environment variable ${name} must be a positive number`);
    return parsed.data;
  };
  const ruleOrder = read('ROUTING_RULE_ORDER');
  const method = read('ROUTING_SHIPPING_METHOD');
  if (method !== undefined && method !== 'CHEAPEST' && method !== 'FASTEST') throw new Error('ROUTING_SHIPPING_METHOD must be CHEAPEST or FASTEST');
  const fraudRaw = read('FRAUD_CONFIG');
  let fraud = DEFAULT_WORKFLOW_SETTINGS.fraud;
  if (fraudRaw !== undefined) {
    try {
      const { weights, ...rest } = FraudOverrides.parse(JSON.parse(fraudRaw));
      fraud = fraudConfig({ ...rest, ...(weights === undefined ? {} : { weights }) });
    } catch (cause) {
      throw new Error('Environment variable FRAUD_CONFIG is not valid', { cause });
    }
  }
  const delaysRaw = read('DISPATCH_DELAY_MINUTES');
  let dispatchDelayMinutes: Readonly<Record<string, number>> = {};
  if (delaysRaw !== undefined) {
    try {
      dispatchDelayMinutes = DispatchDelays.parse(JSON.parse(delaysRaw));
    } catch (cause) {
      throw new Error('Environment variable DISPATCH_DELAY_MINUTES must be a JSON object of channel id → minutes (0-10080)', { cause });
    }
  }
  const hotRaw = read('HOT_SKUS');
  let hotSkus: readonly HotSku[] = [];
  if (hotRaw !== undefined) {
    try {
      hotSkus = HotSkus.parse(JSON.parse(hotRaw));
    } catch (cause) {
      throw new Error(`Environment variable HOT_SKUS must be a JSON array of { sku, supplierId, shards (1-${MAX_ALLOCATION_SHARDS}) }`, { cause });
    }
  }
  return {
    ...DEFAULT_WORKFLOW_SETTINGS,
    dispatchDelayMinutes,
    hotSkus,
    timeoutScale: num('TIMEOUT_SCALE') ?? 1,
    holdTimeoutHours: num('HOLD_TIMEOUT_HOURS'),
    shipGraceSeconds: (num('SHIP_GRACE_DAYS') ?? 7) * DAY,
    deliveryGraceSeconds: (num('DELIVERY_GRACE_DAYS') ?? 7) * DAY,
    failureRetrySeconds: (num('FAILURE_RETRY_MINUTES') ?? 60) * 60,
    routing: routingConfig({
      ...(ruleOrder === undefined ? {} : { ruleOrder: parseRuleOrder(ruleOrder) }),
      ...(method === undefined ? {} : { shippingMethod: method }),
    }),
    fraud,
  };
}

/** Largest TimeoutSeconds Step Functions accepts. */
export const MAX_TIMEOUT_SECONDS = 99_999_999;

/** A wait in whole seconds for TimeoutSecondsPath: scaled, at least 1, at most the service maximum. */
export function waitSeconds(seconds: number, settings: Pick<WorkflowSettings, 'timeoutScale'>): number {
  const scaled = Math.ceil(Math.max(0, seconds) * settings.timeoutScale);
  return Math.min(MAX_TIMEOUT_SECONDS, Math.max(1, scaled));
}

/** Seconds from `now` until `deadline` (ISO), scaled (1 when already passed). */
export function secondsUntil(deadline: string, now: Date, settings: Pick<WorkflowSettings, 'timeoutScale'>): number {
  return waitSeconds((Date.parse(deadline) - now.getTime()) / 1000, settings);
}

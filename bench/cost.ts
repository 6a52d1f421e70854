/**
 * Cost model (issue 4): AWS list price per 1,000 orders from the usage COUNTED during the end-to-end run
 * (bench/e2e.ts) and the prices in bench/prices.ts. Per-order usage = counted total / orders.
 *
 * What is counted and how:
 * - Lambda: every invocation (API, stream router, workflow tasks, supplier inbound), billed duration = the
 *   measured local duration rounded up to 1 ms, at the template's MemorySize, Arm price.
 * - Step Functions (Standard): states entered in the executions' histories (+ task retries).
 * - DynamoDB (on-demand): reads = the capacity units DynamoDB Local reports for each call the functions made
 *   (1 RRU per 4 KB strongly consistent, 0.5 eventually); writes = computed from the table stream's before /
 *   after images by DynamoDB's rules (1 WRU per KB, GSI writes included, x2 in transactions; DynamoDB Local
 *   under-reports transactions), see bench/write-units.ts. Failed conditional writes report no capacity:
 *   1 unit per call (2 per transaction item). Stream reads by Lambda are free.
 * - SQS: requests of the Lambda pollers that returned messages, their deletes and visibility changes, the
 *   functions' sends (purchase orders, cancellations, DLQ moves) and the supplier's receives / deletes /
 *   sends on the retailer's queues (the queue owner pays). Empty long-poll receives are a fixed cost per
 *   queue (about 5 pollers x 3 receives/min with 20 s long polling in AWS), not per order: reported apart.
 * - EventBridge: PutEvents entries. API Gateway: REST requests. Secrets Manager: API calls.
 * - Outside the list (reported apart, not in the goal figure): CloudWatch Logs ingestion (function
 *   log bytes measured + ~300 bytes of platform lines per invocation + Step Functions ALL-level log records)
 *   and X-Ray traces (default sampling).
 */
import type { Counts } from './aws-proxy';
import type { WriteUnitTotals } from './write-units';
import type { CountedUsage } from './e2e';
import { API_GATEWAY_REST_REQUEST, CLOUDWATCH_LOGS_INGESTED_GB, DYNAMODB_READ_REQUEST_UNIT, DYNAMODB_WRITE_REQUEST_UNIT, EVENTBRIDGE_CUSTOM_EVENT, LAMBDA_ARM_GB_SECOND, LAMBDA_REQUEST, PRICE_REGION, PRICES_AS_OF, SECRETS_MANAGER_API_CALL, SFN_EXPRESS_GB_SECOND, SFN_EXPRESS_REQUEST, SFN_STANDARD_TRANSITION, SQS_REQUEST, XRAY_DEFAULT_SAMPLING_RATE, XRAY_TRACE_RECORDED } from './prices';
import { round } from './stats';

const READ_OPS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const TRANSACTIONS = new Set(['TransactWriteItems', 'TransactGetItems']);
/** Bytes CloudWatch Logs ingests per Lambda invocation for the platform's START / END / REPORT lines (estimate). */
const PLATFORM_LOG_BYTES_PER_INVOCATION = 300;
/** Envelope of one Step Functions log record beyond the history event itself (execution ARN, ids; estimate). */
const SFN_LOG_RECORD_OVERHEAD_BYTES = 250;

export interface CostLine {
  readonly service: string;
  readonly perOrder: Readonly<Record<string, number>>;
  readonly usdPer1000Orders: number;
  readonly note?: string;
}

export interface CostModel {
  readonly region: string;
  readonly pricesAsOf: string;
  readonly orders: number;
  readonly lines: readonly CostLine[];
  /** The services the issue lists (Lambda, Step Functions, DynamoDB, SQS, EventBridge, API Gateway, Secrets Manager). */
  readonly usdPer1000Orders: number;
  /** Not in the goal figure: CloudWatch Logs ingestion and X-Ray, estimated. */
  readonly observability: readonly CostLine[];
  readonly usdPer1000OrdersWithObservability: number;
  readonly fixedMonthlyNotes: readonly string[];
  readonly goal: { readonly usdPer1000OrdersAtMost: number; readonly met: boolean };
  readonly transitionsGoal: { readonly atMost: number; readonly perHappyOrder: number; readonly met: boolean };
  /** DynamoDB request units per order by calling function and by operation (where the DynamoDB cost goes). */
  readonly dynamodbPerOrder: {
    /** `operations`: calls per order by operation (where the calls per order go). */
    readonly byFunction: Readonly<
      Record<string, { readonly calls: number; readonly writeUnits: number; readonly indexWriteUnits: number; readonly readUnits: number; readonly operations: Readonly<Record<string, number>> }>
    >;
    readonly byOperation: Readonly<Record<string, { readonly calls: number; readonly failed: number; readonly items: number }>>;
    readonly indexShareOfWrites: number;
    readonly writeUnitsFromStream: { readonly records: number; readonly writesWithoutRecord: number; readonly conditionChecks: number; readonly unattributedRecords: number };
    /** Write units per order by item kind (`entity`): as defined, and with every GSI ALL + an index write on every write (the previous model). */
    readonly byItemKind: Readonly<Record<string, { readonly records: number; readonly writeUnits: number; readonly indexWriteUnits: number; readonly writeUnitsIfAllAlways: number }>>;
  };
  readonly whatIf: readonly { readonly change: string; readonly transitionsPerOrder: number; readonly usdPer1000Orders: number; readonly note: string }[];
}

/**
 * Read units from DynamoDB Local's ConsumedCapacity (right for reads); write units from the stream-based
 * report (bench/write-units.ts) + failed conditional writes (no capacity reported: 1 unit per call, 2 per
 * transaction item, as DynamoDB charges a write whose condition fails).
 */
export function dynamodbUnits(counts: Counts, writes: WriteUnitTotals): { rru: number; wru: number; indexWru: number; failedWrites: number } {
  let rru = 0;
  let failed = 0;
  let failedUnits = 0;
  for (const [op, c] of Object.entries(counts)) {
    if (READ_OPS.has(op)) rru += c.capacityUnits;
    if (WRITE_OPS.has(op) && c.failed > 0) {
      failed += c.failed;
      failedUnits += c.failed * (TRANSACTIONS.has(op) ? 2 * Math.max(1, c.items / Math.max(1, c.calls)) : 1);
    }
  }
  return { rru, wru: writes.table + writes.index + failedUnits, indexWru: writes.index, failedWrites: failed };
}

/** Per-order figures of one run: `per(x)` divides by the orders, `usd(x)` is USD per 1,000 orders. */
interface PerOrder {
  readonly per: (x: number) => number;
  readonly usd: (x: number) => number;
}

/** The billed services of the goal figure, one line each, and their total (USD per order). */
function serviceLines(usage: CountedUsage, { per, usd }: PerOrder): { lines: CostLine[]; total: number; invocations: number; wru: number } {
  const invocations = usage.lambda.reduce((s, f) => s + f.invocations, 0);
  const gbSeconds = usage.lambda.reduce((s, f) => s + (f.billedMs / 1000) * (f.memoryMb / 1024), 0);
  const lambdaUsd = per(invocations) * LAMBDA_REQUEST.usd + per(gbSeconds) * LAMBDA_ARM_GB_SECOND.usd;
  const transitions = usage.stateTransitions + usage.taskRetries;
  const sfnUsd = per(transitions) * SFN_STANDARD_TRANSITION.usd;
  const ddb = dynamodbUnits(usage.dynamodb, usage.dynamodbWrites.total);
  const ddbUsd = per(ddb.wru) * DYNAMODB_WRITE_REQUEST_UNIT.usd + per(ddb.rru) * DYNAMODB_READ_REQUEST_UNIT.usd;
  // SQS (per-order requests; empty receives apart)
  const billable = (u: CountedUsage['sqs']['eventSourceMappings']): number =>
    Object.entries(u.byCommand).reduce((s, [cmd, k]) => s + (cmd === 'ReceiveMessageCommand' ? 0 : k), 0) + u.receivesWithMessages;
  const sqsRequests = billable(usage.sqs.eventSourceMappings) + billable(usage.sqs.supplier) + usage.sqs.functionSends;
  const emptyReceives = usage.sqs.eventSourceMappings.emptyReceives + usage.sqs.supplier.emptyReceives;
  const sqsUsd = per(sqsRequests) * SQS_REQUEST.usd;
  const ebUsd = per(usage.eventBridge.entries) * EVENTBRIDGE_CUSTOM_EVENT.usd;
  const apiUsd = per(usage.apiRequests) * API_GATEWAY_REST_REQUEST.usd;
  const secretsCalls = Object.values(usage.secretsManager).reduce((s, c) => s + c.calls, 0);
  const secretsUsd = per(secretsCalls) * SECRETS_MANAGER_API_CALL.usd;
  const lines: CostLine[] = [
    {
      service: 'Lambda (arm64)',
      perOrder: { invocations: round(per(invocations), 2), gbSeconds: round(per(gbSeconds), 5) },
      usdPer1000Orders: usd(lambdaUsd),
      note: 'measured local durations (loaded 2-core machine, DynamoDB Local) at the template MemorySize',
    },
    { service: 'Step Functions (Standard)', perOrder: { stateTransitions: round(per(transitions), 2) }, usdPer1000Orders: usd(sfnUsd) },
    {
      service: 'DynamoDB (on-demand)',
      perOrder: { writeRequestUnits: round(per(ddb.wru), 2), readRequestUnits: round(per(ddb.rru), 2), failedConditionalWrites: round(per(ddb.failedWrites), 3) },
      usdPer1000Orders: usd(ddbUsd),
    },
    {
      service: 'SQS (standard)',
      perOrder: { requests: round(per(sqsRequests), 2) },
      usdPer1000Orders: usd(sqsUsd),
      note: `empty long-poll receives (${emptyReceives} in the run) are a fixed per-queue cost, not counted per order`,
    },
    { service: 'EventBridge (custom events)', perOrder: { putEventsEntries: round(per(usage.eventBridge.entries), 2) }, usdPer1000Orders: usd(ebUsd) },
    { service: 'API Gateway (REST)', perOrder: { requests: round(per(usage.apiRequests), 2) }, usdPer1000Orders: usd(apiUsd) },
    { service: 'Secrets Manager', perOrder: { apiCalls: round(per(secretsCalls), 3) }, usdPer1000Orders: usd(secretsUsd) },
  ];
  return { lines, total: lambdaUsd + sfnUsd + ddbUsd + sqsUsd + ebUsd + apiUsd + secretsUsd, invocations, wru: ddb.wru };
}

/** Observability (estimates, outside the goal figure): log ingestion and X-Ray traces. */
function observabilityLines(usage: CountedUsage, invocations: number, { per, usd }: PerOrder): { lines: CostLine[]; total: number } {
  const logBytes = usage.functionLogBytes + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION + usage.historyEventBytes + usage.historyEvents * SFN_LOG_RECORD_OVERHEAD_BYTES;
  const logsUsd = per(logBytes / 1024 ** 3) * CLOUDWATCH_LOGS_INGESTED_GB.usd;
  const traces = usage.apiRequests + usage.executions + usage.eventSourceInvocations;
  const xrayUsd = per(traces) * XRAY_DEFAULT_SAMPLING_RATE * XRAY_TRACE_RECORDED.usd;
  const lines: CostLine[] = [
    {
      service: 'CloudWatch Logs ingestion',
      perOrder: { kilobytes: round(per(logBytes) / 1024, 2) },
      usdPer1000Orders: usd(logsUsd),
      note: 'function logs measured locally + platform lines and Step Functions ALL-level records estimated',
    },
    {
      service: 'X-Ray',
      perOrder: { traceEntryPoints: round(per(traces), 2) },
      usdPer1000Orders: usd(xrayUsd),
      note: `default sampling (${XRAY_DEFAULT_SAMPLING_RATE * 100} % at volume)`,
    },
  ];
  return { lines, total: logsUsd + xrayUsd };
}

/** Where the DynamoDB units go: per calling function, per operation, the index share, the stream's view. */
function dynamodbBreakdown(usage: CountedUsage, wru: number, { per }: PerOrder): CostModel['dynamodbPerOrder'] {
  const w = usage.dynamodbWrites.total;
  const byFunction: Record<string, { calls: number; writeUnits: number; indexWriteUnits: number; readUnits: number; operations: Record<string, number> }> = {};
  for (const [fn, counts] of Object.entries(usage.dynamodbByFunction)) {
    const writes = usage.dynamodbWrites.byCaller[fn] ?? { table: 0, index: 0, indexIfKeysOnly: 0, orderRewritesWithoutStatusChange: 0, records: 0, writesWithoutRecord: 0, conditionChecks: 0 };
    const u = dynamodbUnits(counts, writes);
    const calls = Object.values(counts).reduce((a, c) => a + c.calls, 0);
    const operations = Object.fromEntries(Object.entries(counts).map(([op, c]) => [op, round(per(c.calls), 2)]));
    byFunction[fn] = { calls: round(per(calls), 2), writeUnits: round(per(u.wru), 2), indexWriteUnits: round(per(u.indexWru), 2), readUnits: round(per(u.rru), 2), operations };
  }
  const byOperation: Record<string, { calls: number; failed: number; items: number }> = {};
  for (const [op, c] of Object.entries(usage.dynamodb)) byOperation[op] = { calls: round(per(c.calls), 2), failed: round(per(c.failed), 3), items: round(per(c.items), 2) };
  return {
    byFunction: Object.fromEntries(Object.entries(byFunction).sort((a, b) => b[1].writeUnits - a[1].writeUnits)),
    byOperation,
    indexShareOfWrites: round(w.index / Math.max(1, wru), 2),
    writeUnitsFromStream: {
      records: round(per(w.records), 2),
      writesWithoutRecord: round(per(w.writesWithoutRecord), 2),
      conditionChecks: round(per(w.conditionChecks), 2),
      unattributedRecords: usage.dynamodbWrites.unattributedRecords,
    },
    byItemKind: Object.fromEntries(
      Object.entries(usage.dynamodbWrites.byItemKind ?? {})
        .sort((a, b) => b[1].table + b[1].index - (a[1].table + a[1].index))
        .map(([kind, k]) => [kind, { records: round(per(k.records), 2), writeUnits: round(per(k.table + k.index), 2), indexWriteUnits: round(per(k.index), 2), writeUnitsIfAllAlways: round(per(k.unitsIfAllAlways), 2) }]),
    ),
  };
}

/** What the same run would cost with three changes of the design. */
function whatIfs(usage: CountedUsage, total: number, happyTransitions: number, sync: { states: number; lambdaMs: number }, { per, usd }: PerOrder): CostModel['whatIf'] {
  // 1: the synchronous prefix (validate/screen, reserve/route and their Choice states) as an Express
  // child execution started by one Standard task (StartExecution.sync:2) + one Choice on its outcome (hold,
  // rejected, out of stock: the hold's task token wait cannot run in Express, it stays in the parent).
  const expressTransitions = happyTransitions - sync.states + 2;
  const expressGb = 64 / 1024; // the smallest 64 MB chunk: a small definition and payload
  const expressSeconds = Math.ceil(Math.max(1, sync.lambdaMs + 50) / 100) / 10;
  const expressUsdPerOrder = SFN_EXPRESS_REQUEST.usd + expressSeconds * expressGb * SFN_EXPRESS_GB_SECOND.usd;
  const happyDelta = (happyTransitions - expressTransitions) * SFN_STANDARD_TRANSITION.usd;
  // 3: every GSI projecting KEYS_ONLY instead of as defined (the stream images give the exact index sizes).
  const w = usage.dynamodbWrites.total;
  const keysOnlySavingUsd = per(w.index - w.indexIfKeysOnly) * DYNAMODB_WRITE_REQUEST_UNIT.usd;
  return [
    {
      change: 'synchronous prefix (ValidateAndRoute) as an Express child workflow',
      transitionsPerOrder: expressTransitions,
      usdPer1000Orders: usd(total - happyDelta + expressUsdPerOrder),
      note: `Express: 1 request + ${expressSeconds} s x 64 MB per order; Lambda and DynamoDB unchanged`,
    },
    {
      change: 'no order version bump at all when a supplier message changes no order status',
      transitionsPerOrder: happyTransitions,
      usdPer1000Orders: usd(total - per(w.orderRewritesWithoutStatusChange) * DYNAMODB_WRITE_REQUEST_UNIT.usd),
      note: `${round(per(w.orderRewritesWithoutStatusChange), 1)} write units per order are order version bumps that keep the status (scans after SHIPPED and acceptances no longer bump; labels, exceptions and rejections still do, so a concurrent Complete or cancellation re-reads): dropping them needs another guard for concurrent fulfillments`,
    },
    {
      change: 'every GSI projecting KEYS_ONLY instead of as defined (gsi1, gsi2 INCLUDE; gsi3 ALL)',
      transitionsPerOrder: happyTransitions,
      usdPer1000Orders: usd(total - keysOnlySavingUsd),
      note: `index write units ${round(per(w.index), 1)} -> ${round(per(w.indexIfKeysOnly), 1)} per order (computed from the same stream images); reads that list orders would then fetch the items they show`,
    },
  ];
}

export function costModel(usage: CountedUsage, happyTransitions: number, syncPrefixStates: number, syncPrefixLambdaMs: number): CostModel {
  const n = usage.orders;
  const po: PerOrder = { per: (x) => x / n, usd: (x) => round(x * 1000, 4) };
  const services = serviceLines(usage, po);
  const observability = observabilityLines(usage, services.invocations, po);
  const total = services.total;
  const goalUsd = 0.3; // issue "Fast and current": <= $0.30 per 1,000 single-supplier orders
  const goalTransitions = 16;
  return {
    region: PRICE_REGION,
    pricesAsOf: PRICES_AS_OF,
    orders: n,
    lines: services.lines,
    usdPer1000Orders: po.usd(total),
    observability: observability.lines,
    usdPer1000OrdersWithObservability: po.usd(total + observability.total),
    fixedMonthlyNotes: [
      'Not per order: DynamoDB storage/PITR/backups, Secrets Manager $0.40 per secret-month, KMS keys, CloudWatch alarms/dashboards, idle SQS long polling of the Lambda pollers, log storage.',
      'Free tiers (4,000 transitions, 1M Lambda requests, 1M SQS requests ... per month) are not deducted.',
    ],
    goal: { usdPer1000OrdersAtMost: goalUsd, met: po.usd(total) <= goalUsd },
    transitionsGoal: { atMost: goalTransitions, perHappyOrder: happyTransitions, met: happyTransitions <= goalTransitions },
    dynamodbPerOrder: dynamodbBreakdown(usage, services.wru, po),
    whatIf: whatIfs(usage, total, happyTransitions, { states: syncPrefixStates, lambdaMs: syncPrefixLambdaMs }, po),
  };
}

/**
 * Cost model (issue 4): AWS list price per 1,000 orders from the usage COUNTED during the end-to-end run
 * (bench/e2e.ts) and the prices in bench/prices.ts. Per-order usage = counted total / orders.
 *
 * What is counted and how:
 * - Lambda: every invocation (API, stream router, workflow tasks, supplier inbound), billed duration = the
 *   measured local duration rounded up to 1 ms, at the template's MemorySize, Arm price.
 * - Step Functions (Standard): states entered in the executions' histories (+ task retries).
 * - DynamoDB (on-demand): the capacity units DynamoDB Local reports for each call the functions made
 *   (writes: 1 WRU per KB, x2 in transactions, GSI updates included; reads: 1 RRU per 4 KB strongly
 *   consistent, 0.5 eventually, x2 in transactions). Failed conditional writes report no capacity: counted
 *   at 1 unit per item (2 in a transaction). Stream reads by Lambda are free.
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
import type { CountedUsage } from './e2e';
import {
  API_GATEWAY_REST_REQUEST,
  CLOUDWATCH_LOGS_INGESTED_GB,
  DYNAMODB_READ_REQUEST_UNIT,
  DYNAMODB_WRITE_REQUEST_UNIT,
  EVENTBRIDGE_CUSTOM_EVENT,
  LAMBDA_ARM_GB_SECOND,
  LAMBDA_REQUEST,
  PRICE_REGION,
  PRICES_AS_OF,
  SECRETS_MANAGER_API_CALL,
  SFN_EXPRESS_GB_SECOND,
  SFN_EXPRESS_REQUEST,
  SFN_STANDARD_TRANSITION,
  SQS_REQUEST,
  XRAY_DEFAULT_SAMPLING_RATE,
  XRAY_TRACE_RECORDED,
} from './prices';
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
    readonly byFunction: Readonly<Record<string, { readonly calls: number; readonly writeUnits: number; readonly readUnits: number; readonly indexWriteUnits: number }>>;
    readonly byOperation: Readonly<Record<string, { readonly calls: number; readonly units: number; readonly indexUnits: number }>>;
    readonly indexShareOfWrites: number;
  };
  readonly whatIf: readonly { readonly change: string; readonly transitionsPerOrder: number; readonly usdPer1000Orders: number; readonly note: string }[];
}

export function dynamodbUnits(counts: Counts): { rru: number; wru: number; failedWriteItems: number; byOperation: Record<string, { calls: number; units: number; indexUnits: number }> } {
  let rru = 0;
  let wru = 0;
  let failedWriteItems = 0;
  const byOperation: Record<string, { calls: number; units: number; indexUnits: number }> = {};
  for (const [op, c] of Object.entries(counts)) {
    byOperation[op] = { calls: c.calls, units: round(c.capacityUnits, 1), indexUnits: round(c.indexUnits, 1) };
    if (READ_OPS.has(op)) rru += c.capacityUnits;
    if (WRITE_OPS.has(op)) {
      wru += c.capacityUnits;
      // A failed conditional write is still billed: 1 unit per item (2 in a transaction), items unknown -> per call.
      const perFailure = TRANSACTIONS.has(op) ? 2 * Math.max(1, c.items / Math.max(1, c.calls)) : 1;
      failedWriteItems += c.failed;
      wru += c.failed * perFailure;
    }
  }
  return { rru, wru, failedWriteItems, byOperation };
}

export function costModel(usage: CountedUsage, happyTransitions: number, syncPrefixStates: number, syncPrefixLambdaMs: number): CostModel {
  const n = usage.orders;
  const per = (x: number): number => x / n;
  const usd = (x: number): number => round(x * 1000, 4);

  // Lambda
  const invocations = usage.lambda.reduce((s, f) => s + f.invocations, 0);
  const gbSeconds = usage.lambda.reduce((s, f) => s + (f.billedMs / 1000) * (f.memoryMb / 1024), 0);
  const lambdaUsd = per(invocations) * LAMBDA_REQUEST.usd + per(gbSeconds) * LAMBDA_ARM_GB_SECOND.usd;

  // Step Functions
  const transitions = usage.stateTransitions + usage.taskRetries;
  const sfnUsd = per(transitions) * SFN_STANDARD_TRANSITION.usd;

  // DynamoDB
  const ddb = dynamodbUnits(usage.dynamodb);
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
      perOrder: { writeRequestUnits: round(per(ddb.wru), 2), readRequestUnits: round(per(ddb.rru), 2), failedWrites: round(per(ddb.failedWriteItems), 3) },
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
  const total = lambdaUsd + sfnUsd + ddbUsd + sqsUsd + ebUsd + apiUsd + secretsUsd;

  // Observability (estimates, outside the goal figure).
  const logBytes = usage.functionLogBytes + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION + usage.historyEventBytes + usage.historyEvents * SFN_LOG_RECORD_OVERHEAD_BYTES;
  const logsUsd = per(logBytes / 1024 ** 3) * CLOUDWATCH_LOGS_INGESTED_GB.usd;
  const traces = usage.apiRequests + usage.executions + usage.eventSourceInvocations;
  const xrayUsd = per(traces) * XRAY_DEFAULT_SAMPLING_RATE * XRAY_TRACE_RECORDED.usd;
  const observability: CostLine[] = [
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

  // What-if: the synchronous prefix (validate/screen, reserve/route and their Choice states) as an Express
  // child execution started by one Standard task state (StartExecution.sync).
  const expressTransitions = happyTransitions - syncPrefixStates + 1;
  const expressGb = 64 / 1024; // the smallest 64 MB chunk: a small definition and payload
  const expressSeconds = Math.ceil(Math.max(1, syncPrefixLambdaMs + 50) / 100) / 10;
  const expressUsdPerOrder = SFN_EXPRESS_REQUEST.usd + expressSeconds * expressGb * SFN_EXPRESS_GB_SECOND.usd;
  const happyDelta = (happyTransitions - expressTransitions) * SFN_STANDARD_TRANSITION.usd;
  const whatIfTotal = total - happyDelta + expressUsdPerOrder;
  // Where the DynamoDB units go.
  const byFunction: Record<string, { calls: number; writeUnits: number; readUnits: number; indexWriteUnits: number }> = {};
  for (const [fn, counts] of Object.entries(usage.dynamodbByFunction)) {
    const u = dynamodbUnits(counts);
    const calls = Object.values(counts).reduce((a, c) => a + c.calls, 0);
    const indexWrites = Object.entries(counts).reduce((a, [op, c]) => a + (WRITE_OPS.has(op) ? c.indexUnits : 0), 0);
    byFunction[fn] = { calls: round(per(calls), 2), writeUnits: round(per(u.wru), 2), readUnits: round(per(u.rru), 2), indexWriteUnits: round(per(indexWrites), 2) };
  }
  const byOperation: Record<string, { calls: number; units: number; indexUnits: number }> = {};
  for (const [op, c] of Object.entries(ddb.byOperation)) byOperation[op] = { calls: round(per(c.calls), 2), units: round(per(c.units), 2), indexUnits: round(per(c.indexUnits), 2) };
  const indexWriteUnits = Object.entries(usage.dynamodb).reduce((a, [op, c]) => a + (WRITE_OPS.has(op) ? c.indexUnits : 0), 0);
  const dynamodbPerOrder = {
    byFunction: Object.fromEntries(Object.entries(byFunction).sort((a, b) => b[1].writeUnits - a[1].writeUnits)),
    byOperation,
    indexShareOfWrites: round(indexWriteUnits / Math.max(1, ddb.wru), 2),
  };

  const goalUsd = 0.4;
  const goalTransitions = 16;
  return {
    region: PRICE_REGION,
    pricesAsOf: PRICES_AS_OF,
    orders: n,
    lines,
    usdPer1000Orders: usd(total),
    observability,
    usdPer1000OrdersWithObservability: usd(total + logsUsd + xrayUsd),
    fixedMonthlyNotes: [
      'Not per order: DynamoDB storage/PITR/backups, Secrets Manager $0.40 per secret-month, KMS keys, CloudWatch alarms/dashboards, idle SQS long polling of the Lambda pollers, log storage.',
      'Free tiers (4,000 transitions, 1M Lambda requests, 1M SQS requests ... per month) are not deducted.',
    ],
    goal: { usdPer1000OrdersAtMost: goalUsd, met: usd(total) <= goalUsd },
    transitionsGoal: { atMost: goalTransitions, perHappyOrder: happyTransitions, met: happyTransitions <= goalTransitions },
    dynamodbPerOrder,
    whatIf: [
      {
        change: 'synchronous prefix (ValidateAndScreen, Screened?, ReserveAndRoute, Routed?) as an Express child workflow',
        transitionsPerOrder: expressTransitions,
        usdPer1000Orders: usd(whatIfTotal),
        note: `Express: 1 request + ${expressSeconds} s x 64 MB per order; Lambda and DynamoDB unchanged`,
      },
    ],
  };
}

/**
 * End-to-end benchmark (issue 4): orders POSTed through the local API, started by the table stream, run by
 * the Step Functions stand-in, dispatched to a scripted supplier over the real SQS queues, followed to
 * DELIVERED. Closed loop: `concurrency` orders are in the pipeline at once; a worker posts its next order
 * when the previous one's execution ended. Meanwhile every billable call is counted (Lambda invocations
 * and durations, DynamoDB capacity units per operation, SQS requests, EventBridge entries, state
 * transitions, Secrets Manager calls, API requests, log bytes) for the cost model (bench/cost.ts).
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { displayName, type LocalRuntime } from '../local/runtime/runtime';
import { countTransitions, type HistoryEvent } from '../local/emulators/stepfunctions/service';
import type { Counts } from './aws-proxy';
import { directoryBytes, type FunctionUsage, type SqsUsage } from './counters';
import { type CpuPerOrder, startCpuCount } from './e2e-cpu';
import { Harness, type OrderRun } from './e2e-harness';
import type { ScriptedSupplier } from './scripted-supplier';
import { keys } from '../functions/core/runtime/table/keys';
import { round, runLoad, summarize, type Summary } from './stats';
import type { WriteUnitReport } from './write-units';

export interface EndToEndOptions {
  readonly orders: number;
  readonly concurrency: number;
  readonly warmupOrders: number;
  /** Deadline for one order from POST to the end of its execution. */
  readonly orderDeadlineMs: number;
  readonly template?: { readonly stackName: string; readonly template: unknown };
  readonly log: (line: string) => void;
  /** Told the template the runtime ran (synthesized when `template` was not given): a later pass reuses it and its bundles. */
  readonly onTemplate?: (template: { readonly stackName: string; readonly template: unknown }) => void;
}

export interface FunctionFigures {
  readonly function: string;
  readonly memoryMb: number;
  readonly invocations: number;
  readonly errors: number;
  readonly billedMs: number;
  readonly durationMs: Summary;
}

/** Everything counted during the measured window (the `orders` orders, nothing else). */
export interface CountedUsage {
  readonly orders: number;
  readonly lambda: readonly FunctionFigures[];
  /** Calls per operation; capacity units as DynamoDB Local reports them (right for reads, not for transactions). */
  readonly dynamodb: Counts;
  /** The same per calling function. */
  readonly dynamodbByFunction: Record<string, Counts>;
  /** Write units computed from the table stream by DynamoDB's rules (bench/write-units.ts). */
  readonly dynamodbWrites: WriteUnitReport;
  readonly secretsManager: Counts;
  readonly stepFunctionsApi: Counts;
  readonly stepFunctionsApiByFunction: Record<string, Counts>;
  readonly stateTransitions: number;
  readonly taskRetries: number;
  readonly historyEvents: number;
  readonly historyEventBytes: number;
  readonly executions: number;
  readonly sqs: {
    /** Lambda event source mapping pollers (ReceiveMessage, DeleteMessageBatch, ...). */
    readonly eventSourceMappings: SqsUsage;
    /** The supplier side (receive + delete purchase orders, send its messages). */
    readonly supplier: SqsUsage;
    /** Sent by the functions (purchase orders, cancellations, DLQ moves): derived from what the supplier received and the DLQ depths. */
    readonly functionSends: number;
    readonly dlqMessages: number;
  };
  readonly eventBridge: { readonly putEventsCalls: number; readonly entries: number; readonly failedEntries: number; readonly deliveries: number };
  readonly apiRequests: number;
  readonly functionLogBytes: number;
  readonly eventSourceInvocations: number;
}

export interface EndToEndResult {
  readonly orders: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly ordersPerSecond: number;
  readonly deliveredOrders: number;
  readonly missedDeadline: number;
  readonly postMs: Summary;
  readonly postToDeliveredMs: Summary;
  readonly postToExecutionEndMs: Summary;
  readonly transitionsPerOrder: Summary;
  readonly singleOrder: {
    readonly statesEntered: readonly string[];
    readonly transitions: number;
    readonly postToDeliveredMs: number;
    readonly postToExecutionEndMs: number;
    /** Milliseconds after the POST started: states entered (execution history) and supplier steps. */
    readonly timeline: readonly { readonly atMs: number; readonly what: string }[];
    readonly lambda: readonly FunctionFigures[];
  };
  readonly supplier: ScriptedSupplier['stats'] & { readonly failures: readonly string[] };
  readonly usage: CountedUsage;
  /** CPU ms per order during the measured run, by part (e2e-cpu.ts): where the machine's time goes. */
  readonly cpuMsPerOrder: CpuPerOrder;
  readonly startupMs: number;
}

function functionFigures(runtime: LocalRuntime, usage: ReadonlyMap<string, FunctionUsage>): FunctionFigures[] {
  return [...usage]
    .map(([id, u]) => ({
      function: displayName(id),
      memoryMb: runtime.model.functions.find((f) => f.logicalId === id)?.memoryMb ?? 128,
      invocations: u.invocations,
      errors: u.errors,
      billedMs: u.billedMs,
      durationMs: summarize(u.durationsMs),
    }))
    .sort((a, b) => b.invocations - a.invocations);
}

function retriesIn(history: readonly HistoryEvent[]): number {
  // Each attempt of a Lambda task is scheduled once; attempts beyond the first per state entered are retries.
  const scheduled = history.filter((e) => e.type === 'LambdaFunctionScheduled' || e.type === 'TaskScheduled').length;
  const taskEntries = history.filter((e) => e.type === 'TaskStateEntered').length;
  return Math.max(0, scheduled - taskEntries);
}

/** The name of the state a history event entered, if it is a StateEntered event. */
function enteredName(e: HistoryEvent): string | undefined {
  const details = e['stateEnteredEventDetails'];
  return typeof details === 'object' && details !== null && 'name' in details ? String(details.name) : undefined;
}

/** One order alone: its states, transitions, timeline and unloaded Lambda durations. */
async function singleOrderFigures(h: Harness, deadlineMs: number): Promise<EndToEndResult['singleOrder']> {
  h.resetCounters();
  const single: OrderRun = { t0: performance.now() };
  const epoch = Date.now();
  await h.placeAndFollow(single, deadlineMs);
  await h.settle();
  const history = single.orderId === undefined ? [] : h.runtime.stepFunctions.history(h.executionArn(single.orderId));
  const delivered = single.orderId === undefined ? undefined : h.supplier.deliveredAt.get(single.orderId);
  return {
    statesEntered: history.filter((e) => e.type.endsWith('StateEntered')).map((e) => enteredName(e) ?? '?'),
    transitions: countTransitions(history),
    timeline: [
      ...(single.postMs === undefined ? [] : [{ atMs: round(single.postMs), what: 'POST /orders answered 201' }]),
      ...history
        .filter((e) => e.type === 'ExecutionStarted' || e.type.endsWith('StateEntered') || e.type === 'ExecutionSucceeded')
        .map((e) => {
          const name = enteredName(e);
          return { atMs: round(e.timestamp * 1000 - epoch), what: `${e.type}${name === undefined ? '' : ` ${name}`}` };
        }),
      ...(single.orderId === undefined ? [] : (h.supplier.steps.get(single.orderId) ?? [])).map((s) => ({ atMs: round(s.at - epoch), what: `supplier: ${s.step}` })),
    ].sort((x, y) => x.atMs - y.atMs),
    postToDeliveredMs: delivered === undefined ? Number.NaN : round(delivered - single.t0),
    postToExecutionEndMs: single.endAt === undefined ? Number.NaN : round(single.endAt - single.t0),
    lambda: functionFigures(h.runtime, h.lambda.snapshot()),
  };
}

/** What the counters say before the measured window (their deltas are the window's figures). */
interface Baseline {
  readonly eventBridge: LocalRuntime['eventBridge']['stats'];
  readonly logBytes: number;
  readonly esmInvocations: number;
  readonly supplier: ScriptedSupplier['stats'];
}

async function baseline(h: Harness): Promise<Baseline> {
  return {
    eventBridge: { ...h.runtime.eventBridge.stats },
    logBytes: await directoryBytes(h.endpoints.logsDir),
    esmInvocations: h.runtime.eventSources.stats.reduce((n, s) => n + s.invocations, 0),
    supplier: { ...h.supplier.stats },
  };
}

async function dlqDepth(h: Harness): Promise<number> {
  let n = 0;
  for (const s of h.endpoints.suppliers) {
    if (s.inboundDlqUrl === null) continue;
    const attrs = await h.runtime.sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: s.inboundDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    n += Number(attrs.Attributes?.['ApproximateNumberOfMessages'] ?? 0);
  }
  return n;
}

/** Everything the counters saw in the measured window (read right after it). */
async function countedUsage(h: Harness, orders: number, before: Baseline, histories: readonly (readonly HistoryEvent[])[], apiRequests: number): Promise<CountedUsage> {
  const lambdaUsage = h.lambda.snapshot();
  const [dynamodb, dynamodbByFunction, secretsManager] = [h.ddbProxy.snapshot(), h.ddbProxy.snapshotByCaller(), h.secretsProxy.snapshot()];
  const [stepFunctionsApi, stepFunctionsApiByFunction] = [h.sfnProxy.snapshot(), h.sfnProxy.snapshotByCaller()];
  const writes = h.ledger.cost(await h.tap.since(), h.pipelineTable);
  const [esmUsage, supplierUsage] = [h.esmSqs.snapshot(), h.supplierSqs.snapshot()];
  const eb = h.runtime.eventBridge.stats;
  const functionLogBytes = (await directoryBytes(h.endpoints.logsDir)) - before.logBytes;
  const eventSourceInvocations = h.runtime.eventSources.stats.reduce((n, s) => n + s.invocations, 0) - before.esmInvocations;
  const purchaseOrders = h.supplier.stats.purchaseOrders - before.supplier.purchaseOrders;
  const cancellations = h.supplier.stats.cancellations - before.supplier.cancellations;
  const dlqMessages = await dlqDepth(h);
  return {
    orders,
    lambda: functionFigures(h.runtime, lambdaUsage),
    dynamodb,
    dynamodbByFunction,
    dynamodbWrites: writes,
    secretsManager,
    stepFunctionsApi,
    stepFunctionsApiByFunction,
    stateTransitions: histories.reduce((n, hist) => n + countTransitions(hist), 0),
    taskRetries: histories.reduce((n, hist) => n + retriesIn(hist), 0),
    historyEvents: histories.reduce((n, hist) => n + hist.length, 0),
    // Step Functions logging (level ALL, no execution data) writes about one record per history event.
    historyEventBytes: histories.reduce(
      (n, hist) => n + hist.reduce((m, e) => m + JSON.stringify(e, (k, v: unknown) => (k === 'input' || k === 'output' ? undefined : v)).length, 0),
      0,
    ),
    executions: histories.length,
    sqs: { eventSourceMappings: esmUsage, supplier: supplierUsage, functionSends: purchaseOrders + cancellations + dlqMessages, dlqMessages },
    eventBridge: {
      putEventsCalls: eb.putEventsCalls - before.eventBridge.putEventsCalls,
      entries: eb.entries - before.eventBridge.entries,
      failedEntries: eb.failedEntries - before.eventBridge.failedEntries,
      deliveries: eb.deliveries - before.eventBridge.deliveries,
    },
    apiRequests,
    functionLogBytes,
    eventSourceInvocations,
  };
}

/** The closed-loop throughput run without the counting proxies: what the pipeline does when nothing is attributed. */
export interface ThroughputResult {
  readonly orders: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly ordersPerSecond: number;
  readonly missedDeadline: number;
  readonly postToExecutionEndMs: Summary;
  readonly cpuMsPerOrder: CpuPerOrder;
}

/**
 * The same closed loop on a runtime whose functions call DynamoDB, Secrets Manager and Step Functions
 * directly: no counting proxy (one more HTTP hop and its parsing on the main thread for every call). Only
 * rates, latencies and CPU: the cost figures need the proxies (benchEndToEnd).
 */
export async function benchThroughput(opts: EndToEndOptions): Promise<ThroughputResult> {
  const h = await Harness.start(opts.template, false);
  try {
    opts.log(`  e2e without counting proxies: warm-up ${opts.warmupOrders} orders, then ${opts.orders} at concurrency ${opts.concurrency}`);
    await runLoad(opts.warmupOrders, opts.concurrency, () => h.placeAndFollow({ t0: performance.now() }, opts.orderDeadlineMs));
    await h.settle();
    const cpu = startCpuCount(h.endpoints.dynamodb.endpoint);
    const runs: OrderRun[] = [];
    const load = await runLoad(opts.orders, opts.concurrency, () => {
      const run: OrderRun = { t0: performance.now() };
      runs.push(run);
      return h.placeAndFollow(run, opts.orderDeadlineMs);
    });
    await h.settle();
    return {
      orders: opts.orders,
      concurrency: opts.concurrency,
      seconds: load.seconds,
      ordersPerSecond: load.perSecond,
      missedDeadline: runs.filter((r) => r.endAt === undefined).length,
      postToExecutionEndMs: summarize(runs.flatMap((r) => (r.endAt === undefined ? [] : [r.endAt - r.t0]))),
      cpuMsPerOrder: cpu(runs.length),
    };
  } finally {
    await h.stop();
  }
}

/** The orders' final statuses, read directly from the table (outside the counted window). */
async function orderStatuses(h: Harness, orderIds: readonly string[]): Promise<Map<string, string>> {
  const table = h.endpoints.dynamodb.tableName;
  const statuses = new Map<string, string>();
  for (let i = 0; i < orderIds.length; i += 100) {
    const chunk = orderIds.slice(i, i + 100);
    const out = await h.direct.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: chunk.map((id) => keys.order(id)), ProjectionExpression: 'orderId, #s', ExpressionAttributeNames: { '#s': 'status' } } } }));
    for (const item of out.Responses?.[table] ?? []) statuses.set(String(item['orderId']), String(item['status']));
  }
  return statuses;
}

export async function benchEndToEnd(opts: EndToEndOptions): Promise<EndToEndResult> {
  const h = await Harness.start(opts.template);
  opts.onTemplate?.({ stackName: h.runtime.stackName, template: h.runtime.template });
  try {
    // Warm-up (not counted): JIT of DynamoDB Local, the workers' code paths, connection pools.
    opts.log(`  e2e: warm-up, ${opts.warmupOrders} orders at concurrency ${opts.concurrency}`);
    await runLoad(opts.warmupOrders, opts.concurrency, () => h.placeAndFollow({ t0: performance.now() }, opts.orderDeadlineMs));
    await h.settle();
    const singleOrder = await singleOrderFigures(h, opts.orderDeadlineMs);

    // The measured window.
    opts.log(`  e2e: ${opts.orders} orders, ${opts.concurrency} in the pipeline at once`);
    await h.tap.mark();
    h.resetCounters();
    const before = await baseline(h);
    const cpu = startCpuCount(h.endpoints.dynamodb.endpoint);
    const runs: OrderRun[] = [];
    const load = await runLoad(opts.orders, opts.concurrency, () => {
      const run: OrderRun = { t0: performance.now() };
      runs.push(run);
      return h.placeAndFollow(run, opts.orderDeadlineMs);
    });
    await h.settle();
    const cpuMsPerOrder = cpu(runs.length);
    const orderIds = runs.flatMap((r) => (r.orderId === undefined ? [] : [r.orderId]));
    const histories = orderIds.map((id) => h.runtime.stepFunctions.history(h.executionArn(id)));
    const usage = await countedUsage(h, opts.orders, before, histories, runs.length);
    const statuses = await orderStatuses(h, orderIds);
    const deliveredMs = runs.flatMap((r) => {
      const at = r.orderId === undefined ? undefined : h.supplier.deliveredAt.get(r.orderId);
      return at === undefined ? [] : [at - r.t0];
    });
    return {
      orders: opts.orders,
      concurrency: opts.concurrency,
      seconds: load.seconds,
      ordersPerSecond: load.perSecond,
      deliveredOrders: orderIds.filter((id) => statuses.get(id) === 'DELIVERED').length,
      missedDeadline: runs.filter((r) => r.endAt === undefined).length,
      postMs: summarize(runs.flatMap((r) => (r.postMs === undefined ? [] : [r.postMs]))),
      postToDeliveredMs: summarize(deliveredMs),
      postToExecutionEndMs: summarize(runs.flatMap((r) => (r.endAt === undefined ? [] : [r.endAt - r.t0]))),
      transitionsPerOrder: summarize(histories.map((hist) => countTransitions(hist))),
      singleOrder,
      supplier: { ...h.supplier.stats, failures: h.supplier.failures.slice(0, 10) },
      usage,
      cpuMsPerOrder,
      startupMs: Math.round(h.runtime.startupMs),
    };
  } finally {
    await h.stop();
  }
}

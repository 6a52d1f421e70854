/**
 * End-to-end benchmark (issue 4): orders POSTed through the local API, started by the table stream, run by
 * the Step Functions stand-in, dispatched to a scripted supplier over the real SQS queues, followed to
 * DELIVERED. Closed loop: `concurrency` orders are in the pipeline at once; a worker posts its next order
 * when the previous one's execution ended. Meanwhile every billable call is counted (Lambda invocations
 * and durations, DynamoDB capacity units per operation, SQS requests, EventBridge entries, state
 * transitions, Secrets Manager calls, API requests, log bytes) for the cost model (bench/cost.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { keys } from '../functions/core/runtime/table/keys';
import { displayName, startLocalRuntime, type LocalRuntime } from '../local/runtime';
import { countTransitions, type HistoryEvent } from '../local/stepfunctions';
import { CountingProxy, type Counts } from './aws-proxy';
import { directoryBytes, LambdaCounter, SqsCounter, type FunctionUsage, type SqsUsage } from './counters';
import { orderBody } from './intake';
import { ScriptedSupplier, type SupplierQueues } from './scripted-supplier';
import { round, runLoad, summarize, type Summary } from './stats';
import { StreamTap, WriteLedger, type WriteUnitReport } from './write-units';
import type { TableSpec } from '../local/template';

export interface EndToEndOptions {
  readonly orders: number;
  readonly concurrency: number;
  readonly warmupOrders: number;
  /** Deadline for one order from POST to the end of its execution. */
  readonly orderDeadlineMs: number;
  readonly template?: { readonly stackName: string; readonly template: unknown };
  readonly log: (line: string) => void;
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
  readonly startupMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

export async function benchEndToEnd(opts: EndToEndOptions): Promise<EndToEndResult> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-bench-e2e-'));
  // Every successful write, by caller and item key (transactional or not), to cost it from the stream.
  const ledger = new WriteLedger();
  let table: TableSpec | undefined;
  const recordWrites = (caller: string, operation: string, body: Record<string, unknown>): void => {
    const t = table;
    if (t === undefined) return;
    const keyOf = (item: unknown): string => WriteLedger.keyOf(typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {}, t);
    if (operation === 'PutItem') ledger.write(caller, keyOf(body['Item']), false);
    else if (operation === 'UpdateItem' || operation === 'DeleteItem') ledger.write(caller, keyOf(body['Key']), false);
    else if (operation === 'BatchWriteItem') {
      const req = body['RequestItems'];
      for (const list of typeof req === 'object' && req !== null ? Object.values(req) : []) {
        for (const r of Array.isArray(list) ? (list as Record<string, Record<string, unknown> | undefined>[]) : []) {
          if (r['PutRequest'] !== undefined) ledger.write(caller, keyOf(r['PutRequest']['Item']), false);
          else if (r['DeleteRequest'] !== undefined) ledger.write(caller, keyOf(r['DeleteRequest']['Key']), false);
        }
      }
    } else if (operation === 'TransactWriteItems') {
      for (const x of Array.isArray(body['TransactItems']) ? (body['TransactItems'] as Record<string, Record<string, unknown> | undefined>[]) : []) {
        if (x['Put'] !== undefined) ledger.write(caller, keyOf(x['Put']['Item']), true);
        else if (x['Update'] !== undefined) ledger.write(caller, keyOf(x['Update']['Key']), true);
        else if (x['Delete'] !== undefined) ledger.write(caller, keyOf(x['Delete']['Key']), true);
        else if (x['ConditionCheck'] !== undefined) ledger.conditionCheck(caller);
      }
    }
  };
  const ddbProxy = new CountingProxy('dynamodb', recordWrites);
  const secretsProxy = new CountingProxy('other');
  const sfnProxy = new CountingProxy('other');
  const [ddbUrl, secretsUrl, sfnUrl] = await Promise.all([ddbProxy.listen(), secretsProxy.listen(), sfnProxy.listen()]);
  const lambda = new LambdaCounter();
  let supplier: ScriptedSupplier | undefined;
  const runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    ddbPort: 0,
    inMemory: true,
    seed: true,
    quiet: true,
    ddbJvmOptions: [],
    suppliers: false,
    ...(opts.template === undefined ? {} : { template: opts.template }),
    // The functions' DynamoDB, Secrets Manager and Step Functions calls go through counting proxies, one
    // endpoint path per function so each call is attributed to its caller.
    functionEnvironment: (id) => {
      const caller = displayName(id);
      return {
        AWS_ENDPOINT_URL_DYNAMODB: ddbProxy.endpointFor(ddbUrl, caller),
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsProxy.endpointFor(secretsUrl, caller),
        AWS_ENDPOINT_URL_SFN: sfnProxy.endpointFor(sfnUrl, caller),
      };
    },
    onInvoke: (fn, event, result) => {
      lambda.record(fn, result);
      supplier?.observe(fn, event, result);
    },
  });
  const ep = runtime.endpoints;
  table = runtime.model.tables.find((t) => t.tableName === ep.dynamodb.tableName);
  ddbProxy.setTarget(ep.dynamodb.endpoint);
  secretsProxy.setTarget(ep.secretsManager.endpoint);
  sfnProxy.setTarget(ep.stepFunctions.endpoint);
  const esmSqs = new SqsCounter();
  esmSqs.attach(runtime.sqs.client, 'esm');
  const supplierSqsClient = new SQSClient({ endpoint: ep.sqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const supplierSqs = new SqsCounter();
  supplierSqs.attach(supplierSqsClient, 'supplier');
  const direct = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: ep.dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));

  const streamArn = (await direct.send(new DescribeTableCommand({ TableName: ep.dynamodb.tableName }))).Table?.LatestStreamArn;
  if (streamArn === undefined || table === undefined) throw new Error('the pipeline table has no stream');
  const tap = new StreamTap(ep.dynamodb.endpoint, streamArn);
  const inboundFunction = runtime.model.eventSourceMappings.find((m) => m.source.kind === 'sqs')?.functionLogicalId;
  const machineArn = ep.stepFunctions.stateMachineArn;
  const queues: SupplierQueues[] = ep.suppliers.flatMap((s) =>
    s.inboundQueueUrl === null || s.outboundQueueUrl === null ? [] : [{ supplierId: s.id, inboundQueueUrl: s.inboundQueueUrl, outboundQueueUrl: s.outboundQueueUrl }],
  );
  const webKey = ep.channels.find((c) => c.id === 'demo-web')?.apiKey ?? ep.apiKey;
  if (inboundFunction === undefined || machineArn === null || queues.length === 0) throw new Error('the template has no supplier inbound mapping / state machine / supplier queues');
  const executionArn = (orderId: string): string => `${machineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
  const active = new ScriptedSupplier({ suppliers: queues, sqs: supplierSqsClient, inboundFunction });
  supplier = active;
  active.start();

  const tag = `e2e${Date.now().toString(36)}`;
  let seq = 0;
  interface OrderRun {
    orderId?: string;
    t0: number;
    postMs?: number;
    endAt?: number;
    status?: string;
  }
  const placeAndFollow = async (run: OrderRun): Promise<boolean> => {
    const i = seq++;
    const res = await fetch(`${ep.apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': webKey, 'idempotency-key': `${tag}-${i}` },
      body: orderBody(i, tag),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    run.postMs = performance.now() - run.t0;
    if (res.status !== 201) return false;
    const orderId = (JSON.parse(text) as { orderId?: string }).orderId;
    if (orderId === undefined) return false;
    run.orderId = orderId;
    const arn = executionArn(orderId);
    const until = run.t0 + opts.orderDeadlineMs;
    while (performance.now() < until) {
      const record = runtime.stepFunctions.describe(arn);
      if (record !== undefined && record.status !== 'RUNNING') {
        run.endAt = performance.now();
        run.status = record.status;
        return record.status === 'SUCCEEDED';
      }
      await sleep(10);
    }
    return false;
  };
  const streamRecords = (): number => runtime.eventSources.stats.filter((s) => s.kind === 'dynamodb').reduce((n, s) => n + s.records, 0);
  /** Wait until trailing asynchronous work (stream router publishing the last events) is done. */
  const settle = async (): Promise<void> => {
    const until = Date.now() + 10_000;
    let last = streamRecords();
    let stableSince = Date.now();
    while (Date.now() < until) {
      await sleep(100);
      const now = streamRecords();
      if (now !== last || active.inFlight > 0) {
        last = now;
        stableSince = Date.now();
      } else if (Date.now() - stableSince >= 1_200) return;
    }
  };
  const resetCounters = (): void => {
    lambda.reset();
    ddbProxy.reset();
    secretsProxy.reset();
    sfnProxy.reset();
    esmSqs.reset();
    supplierSqs.reset();
    ledger.reset();
  };

  try {
    // Warm-up (not counted): JIT of DynamoDB Local, the workers' code paths, connection pools.
    opts.log(`  e2e: warm-up, ${opts.warmupOrders} orders at concurrency ${opts.concurrency}`);
    await runLoad(opts.warmupOrders, opts.concurrency, () => placeAndFollow({ t0: performance.now() }));
    await settle();

    // One order alone: its states, transitions and unloaded Lambda durations.
    resetCounters();
    const single: OrderRun = { t0: performance.now() };
    const singleEpoch = Date.now();
    await placeAndFollow(single);
    await settle();
    const singleHistory = single.orderId === undefined ? [] : runtime.stepFunctions.history(executionArn(single.orderId));
    const singleDelivered = single.orderId === undefined ? undefined : active.deliveredAt.get(single.orderId);
    const singleOrder = {
      statesEntered: singleHistory.filter((e) => e.type.endsWith('StateEntered')).map((e) => {
        const details = e['stateEnteredEventDetails'];
        return typeof details === 'object' && details !== null && 'name' in details ? String(details.name) : '?';
      }),
      transitions: countTransitions(singleHistory),
      timeline: [
        ...(single.postMs === undefined ? [] : [{ atMs: round(single.postMs), what: 'POST /orders answered 201' }]),
        ...singleHistory
          .filter((e) => e.type === 'ExecutionStarted' || e.type.endsWith('StateEntered') || e.type === 'ExecutionSucceeded')
          .map((e) => {
            const details = e['stateEnteredEventDetails'];
            const name = typeof details === 'object' && details !== null && 'name' in details ? ` ${String(details.name)}` : '';
            return { atMs: round(e.timestamp * 1000 - singleEpoch), what: `${e.type}${name}` };
          }),
        ...(single.orderId === undefined ? [] : (active.steps.get(single.orderId) ?? [])).map((s) => ({ atMs: round(s.at - singleEpoch), what: `supplier: ${s.step}` })),
      ].sort((a, b) => a.atMs - b.atMs),
      postToDeliveredMs: singleDelivered === undefined ? Number.NaN : round(singleDelivered - single.t0),
      postToExecutionEndMs: single.endAt === undefined ? Number.NaN : round(single.endAt - single.t0),
      lambda: functionFigures(runtime, lambda.snapshot()),
    };

    // The measured window.
    opts.log(`  e2e: ${opts.orders} orders, ${opts.concurrency} in the pipeline at once`);
    await tap.mark();
    resetCounters();
    const ebBefore = { ...runtime.eventBridge.stats };
    const logBytesBefore = await directoryBytes(ep.logsDir);
    const esmBefore = runtime.eventSources.stats.reduce((n, s) => n + s.invocations, 0);
    const supplierBefore = { ...active.stats };
    const runs: OrderRun[] = [];
    const load = await runLoad(opts.orders, opts.concurrency, () => {
      const run: OrderRun = { t0: performance.now() };
      runs.push(run);
      return placeAndFollow(run);
    });
    await settle();
    const lambdaUsage = lambda.snapshot();
    const ddbCounts = ddbProxy.snapshot();
    const ddbByFunction = ddbProxy.snapshotByCaller();
    const secretsCounts = secretsProxy.snapshot();
    const sfnCounts = sfnProxy.snapshot();
    const sfnByFunction = sfnProxy.snapshotByCaller();
    const writes = ledger.cost(await tap.since(), table);
    const esmUsage = esmSqs.snapshot();
    const supplierUsage = supplierSqs.snapshot();
    const eb = runtime.eventBridge.stats;
    const logBytes = (await directoryBytes(ep.logsDir)) - logBytesBefore;
    const esmInvocations = runtime.eventSources.stats.reduce((n, s) => n + s.invocations, 0) - esmBefore;
    const purchaseOrders = active.stats.purchaseOrders - supplierBefore.purchaseOrders;
    const cancellations = active.stats.cancellations - supplierBefore.cancellations;
    let dlqMessages = 0;
    for (const s of ep.suppliers) {
      if (s.inboundDlqUrl === null) continue;
      const attrs = await runtime.sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: s.inboundDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      dlqMessages += Number(attrs.Attributes?.['ApproximateNumberOfMessages'] ?? 0);
    }

    // Histories and final order states (read directly, outside the counted window).
    const orderIds = runs.flatMap((r) => (r.orderId === undefined ? [] : [r.orderId]));
    const histories = orderIds.map((id) => runtime.stepFunctions.history(executionArn(id)));
    const transitions = histories.map((h) => countTransitions(h));
    const statuses = new Map<string, string>();
    for (let i = 0; i < orderIds.length; i += 100) {
      const chunk = orderIds.slice(i, i + 100);
      const out = await direct.send(new BatchGetCommand({ RequestItems: { [ep.dynamodb.tableName]: { Keys: chunk.map((id) => keys.order(id)), ProjectionExpression: 'orderId, #s', ExpressionAttributeNames: { '#s': 'status' } } } }));
      for (const item of out.Responses?.[ep.dynamodb.tableName] ?? []) statuses.set(String(item['orderId']), String(item['status']));
    }
    const delivered = orderIds.filter((id) => statuses.get(id) === 'DELIVERED').length;
    const deliveredMs = runs.flatMap((r) => {
      const at = r.orderId === undefined ? undefined : active.deliveredAt.get(r.orderId);
      return at === undefined ? [] : [at - r.t0];
    });
    const endMs = runs.flatMap((r) => (r.endAt === undefined ? [] : [r.endAt - r.t0]));
    const historyEvents = histories.reduce((n, h) => n + h.length, 0);
    // Step Functions logging (level ALL, no execution data) writes about one record per history event.
    const historyEventBytes = histories.reduce(
      (n, h) => n + h.reduce((m, e) => m + JSON.stringify(e, (k, v: unknown) => (k === 'input' || k === 'output' ? undefined : v)).length, 0),
      0,
    );

    const usage: CountedUsage = {
      orders: opts.orders,
      lambda: functionFigures(runtime, lambdaUsage),
      dynamodb: ddbCounts,
      dynamodbByFunction: ddbByFunction,
      dynamodbWrites: writes,
      secretsManager: secretsCounts,
      stepFunctionsApi: sfnCounts,
      stepFunctionsApiByFunction: sfnByFunction,
      stateTransitions: transitions.reduce((a, b) => a + b, 0),
      taskRetries: histories.reduce((n, h) => n + retriesIn(h), 0),
      historyEvents,
      historyEventBytes,
      executions: histories.length,
      sqs: { eventSourceMappings: esmUsage, supplier: supplierUsage, functionSends: purchaseOrders + cancellations + dlqMessages, dlqMessages },
      eventBridge: {
        putEventsCalls: eb.putEventsCalls - ebBefore.putEventsCalls,
        entries: eb.entries - ebBefore.entries,
        failedEntries: eb.failedEntries - ebBefore.failedEntries,
        deliveries: eb.deliveries - ebBefore.deliveries,
      },
      apiRequests: runs.length,
      functionLogBytes: logBytes,
      eventSourceInvocations: esmInvocations,
    };
    return {
      orders: opts.orders,
      concurrency: opts.concurrency,
      seconds: load.seconds,
      ordersPerSecond: load.perSecond,
      deliveredOrders: delivered,
      missedDeadline: runs.filter((r) => r.endAt === undefined).length,
      postMs: summarize(runs.flatMap((r) => (r.postMs === undefined ? [] : [r.postMs]))),
      postToDeliveredMs: summarize(deliveredMs),
      postToExecutionEndMs: summarize(endMs),
      transitionsPerOrder: summarize(transitions),
      singleOrder,
      supplier: { ...active.stats, failures: active.failures.slice(0, 10) },
      usage,
      startupMs: Math.round(runtime.startupMs),
    };
  } finally {
    await active.stop();
    await runtime.stop();
    await Promise.all([ddbProxy.stop(), secretsProxy.stop(), sfnProxy.stop()]);
    supplierSqsClient.destroy();
    direct.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
}

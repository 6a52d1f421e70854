/**
 * The end-to-end benchmark's harness (bench/e2e.ts): the local runtime started with counting proxies in
 * front of DynamoDB, Secrets Manager and Step Functions, SQS counters on the event source mappings' and
 * the supplier's clients, a write ledger fed by the DynamoDB proxy, the table stream tap, and the scripted
 * supplier; then one order placed and followed to the end of its execution.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { isRecord } from '../functions/core/kernel/guards';
import { displayName, startLocalRuntime, type LocalEndpoints, type LocalRuntime } from '../local/runtime/runtime';
import type { TableSpec } from '../local/template/tables';
import { CountingProxy } from './aws-proxy';
import { LambdaCounter, SqsCounter } from './counters';
import { orderBody } from './intake';
import { ScriptedSupplier, type SupplierQueues } from './scripted-supplier';

/**
 * What every bench runtime shares: random ports, in-memory DynamoDB Local with the JVM's default JIT
 * (`ddbJvmOptions: []`), demo data, no console output.
 */
export const BENCH_RUNTIME = { port: 0, ddbPort: 0, inMemory: true, seed: true, quiet: true, ddbJvmOptions: [] } as const;
import { StreamTap, WriteLedger } from './write-units';

export interface OrderRun {
  orderId?: string;
  t0: number;
  postMs?: number;
  endAt?: number;
  status?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Items = Record<string, Record<string, unknown> | undefined>[];

/** Every successful write, by caller and item key (transactional or not), to cost it from the stream. */
function recordWrites(ledger: WriteLedger, table: () => TableSpec | undefined): (caller: string, operation: string, body: Record<string, unknown>) => void {
  return (caller, operation, body) => {
    const t = table();
    if (t === undefined) return;
    const keyOf = (item: unknown): string => WriteLedger.keyOf(isRecord(item) ? item : {}, t);
    if (operation === 'PutItem') ledger.write(caller, keyOf(body['Item']), false);
    else if (operation === 'UpdateItem' || operation === 'DeleteItem') ledger.write(caller, keyOf(body['Key']), false);
    else if (operation === 'BatchWriteItem') {
      const req = body['RequestItems'];
      for (const list of typeof req === 'object' && req !== null ? Object.values(req) : []) {
        for (const r of Array.isArray(list) ? (list as Items) : []) {
          if (r['PutRequest'] !== undefined) ledger.write(caller, keyOf(r['PutRequest']['Item']), false);
          else if (r['DeleteRequest'] !== undefined) ledger.write(caller, keyOf(r['DeleteRequest']['Key']), false);
        }
      }
    } else if (operation === 'TransactWriteItems') {
      for (const x of Array.isArray(body['TransactItems']) ? (body['TransactItems'] as Items) : []) {
        if (x['Put'] !== undefined) ledger.write(caller, keyOf(x['Put']['Item']), true);
        else if (x['Update'] !== undefined) ledger.write(caller, keyOf(x['Update']['Key']), true);
        else if (x['Delete'] !== undefined) ledger.write(caller, keyOf(x['Delete']['Key']), true);
        else if (x['ConditionCheck'] !== undefined) ledger.conditionCheck(caller);
      }
    }
  };
}

const LOCAL_CREDENTIALS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export class Harness {
  readonly ledger = new WriteLedger();
  readonly lambda = new LambdaCounter();
  readonly esmSqs = new SqsCounter();
  readonly supplierSqs = new SqsCounter();
  readonly ddbProxy: CountingProxy;
  readonly secretsProxy = new CountingProxy('other');
  readonly sfnProxy = new CountingProxy('other');
  private table: TableSpec | undefined;
  private seq = 0;
  private readonly tag = `e2e${Date.now().toString(36)}`;
  runtime!: LocalRuntime;
  supplier!: ScriptedSupplier;
  supplierSqsClient!: SQSClient;
  direct!: DynamoDBDocumentClient;
  tap!: StreamTap;
  private machineArn = '';
  private webKey = '';

  private constructor(
    private readonly dataDir: string,
    /** false: the functions call DynamoDB, Secrets Manager and Step Functions directly (no counting proxy hop). */
    readonly counting = true,
  ) {
    this.ddbProxy = new CountingProxy('dynamodb', recordWrites(this.ledger, () => this.table));
  }

  get endpoints(): LocalEndpoints {
    return this.runtime.endpoints;
  }

  get pipelineTable(): TableSpec {
    if (this.table === undefined) throw new Error('the pipeline table is not known yet');
    return this.table;
  }

  static async start(template: { readonly stackName: string; readonly template: unknown } | undefined, counting = true): Promise<Harness> {
    const h = new Harness(await mkdtemp(path.join(os.tmpdir(), 'dropship-bench-e2e-')), counting);
    const [ddbUrl, secretsUrl, sfnUrl] = counting ? await Promise.all([h.ddbProxy.listen(), h.secretsProxy.listen(), h.sfnProxy.listen()]) : ['', '', ''];
    h.runtime = await startLocalRuntime({
      dataDir: h.dataDir,
      ...BENCH_RUNTIME,
      suppliers: false,
      ...(template === undefined ? {} : { template }),
      // The functions' DynamoDB, Secrets Manager and Step Functions calls go through counting proxies, one
      // endpoint path per function so each call is attributed to its caller.
      functionEnvironment: (id): Record<string, string> => {
        if (!counting) return {};
        const caller = displayName(id);
        return {
          AWS_ENDPOINT_URL_DYNAMODB: h.ddbProxy.endpointFor(ddbUrl, caller),
          AWS_ENDPOINT_URL_SECRETS_MANAGER: h.secretsProxy.endpointFor(secretsUrl, caller),
          AWS_ENDPOINT_URL_SFN: h.sfnProxy.endpointFor(sfnUrl, caller),
        };
      },
      onInvoke: (fn, event, result) => {
        h.lambda.record(fn, result);
        (h.supplier as ScriptedSupplier | undefined)?.observe(fn, event, result);
      },
    });
    await h.attach();
    return h;
  }

  /** Point the proxies at the runtime, attach the counters, start the stream tap and the scripted supplier. */
  private async attach(): Promise<void> {
    const ep = this.runtime.endpoints;
    this.table = this.runtime.model.tables.find((t) => t.tableName === ep.dynamodb.tableName);
    if (this.counting) {
      this.ddbProxy.setTarget(ep.dynamodb.endpoint);
      this.secretsProxy.setTarget(ep.secretsManager.endpoint);
      this.sfnProxy.setTarget(ep.stepFunctions.endpoint);
    }
    this.esmSqs.attach(this.runtime.sqs.client, 'esm');
    this.supplierSqsClient = new SQSClient({ endpoint: ep.sqs.endpoint, ...LOCAL_CREDENTIALS });
    this.supplierSqs.attach(this.supplierSqsClient, 'supplier');
    this.direct = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: ep.dynamodb.endpoint, ...LOCAL_CREDENTIALS }));
    const streamArn = (await this.direct.send(new DescribeTableCommand({ TableName: ep.dynamodb.tableName }))).Table?.LatestStreamArn;
    if (streamArn === undefined || this.table === undefined) throw new Error('the pipeline table has no stream');
    this.tap = new StreamTap(ep.dynamodb.endpoint, streamArn);
    const inboundFunction = this.runtime.model.eventSourceMappings.find((m) => m.source.kind === 'sqs')?.functionLogicalId;
    const queues: SupplierQueues[] = ep.suppliers.flatMap((s) =>
      s.inboundQueueUrl === null || s.outboundQueueUrl === null ? [] : [{ supplierId: s.id, inboundQueueUrl: s.inboundQueueUrl, outboundQueueUrl: s.outboundQueueUrl }],
    );
    this.webKey = ep.channels.find((c) => c.id === 'demo-web')?.apiKey ?? ep.apiKey;
    if (inboundFunction === undefined || ep.stepFunctions.stateMachineArn === null || queues.length === 0) throw new Error('the template has no supplier inbound mapping / state machine / supplier queues');
    this.machineArn = ep.stepFunctions.stateMachineArn;
    this.supplier = new ScriptedSupplier({ suppliers: queues, sqs: this.supplierSqsClient, inboundFunction });
    this.supplier.start();
  }

  executionArn(orderId: string): string {
    return `${this.machineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
  }

  /** POST an order, then wait for its execution to end (true: SUCCEEDED within the deadline). */
  async placeAndFollow(run: OrderRun, deadlineMs: number): Promise<boolean> {
    const i = this.seq++;
    const res = await fetch(`${this.endpoints.apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': this.webKey, 'idempotency-key': `${this.tag}-${i}` },
      body: orderBody(i, this.tag),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    run.postMs = performance.now() - run.t0;
    if (res.status !== 201) return false;
    const orderId = (JSON.parse(text) as { orderId?: string }).orderId;
    if (orderId === undefined) return false;
    run.orderId = orderId;
    const arn = this.executionArn(orderId);
    const until = run.t0 + deadlineMs;
    while (performance.now() < until) {
      const record = this.runtime.stepFunctions.describe(arn);
      if (record !== undefined && record.status !== 'RUNNING') {
        run.endAt = performance.now();
        run.status = record.status;
        return record.status === 'SUCCEEDED';
      }
      await sleep(10);
    }
    return false;
  }

  private streamRecords(): number {
    return this.runtime.eventSources.stats.filter((s) => s.kind === 'dynamodb').reduce((n, s) => n + s.records, 0);
  }

  /** Wait until trailing asynchronous work (stream router publishing the last events) is done. */
  async settle(): Promise<void> {
    const until = Date.now() + 10_000;
    let last = this.streamRecords();
    let stableSince = Date.now();
    while (Date.now() < until) {
      await sleep(100);
      const now = this.streamRecords();
      if (now !== last || this.supplier.inFlight > 0) {
        last = now;
        stableSince = Date.now();
      } else if (Date.now() - stableSince >= 1_200) return;
    }
  }

  resetCounters(): void {
    this.lambda.reset();
    this.ddbProxy.reset();
    this.secretsProxy.reset();
    this.sfnProxy.reset();
    this.esmSqs.reset();
    this.supplierSqs.reset();
    this.ledger.reset();
  }

  async stop(): Promise<void> {
    await this.supplier.stop();
    await this.runtime.stop();
    if (this.counting) await Promise.all([this.ddbProxy.stop(), this.secretsProxy.stop(), this.sfnProxy.stop()]);
    this.supplierSqsClient.destroy();
    this.direct.destroy();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

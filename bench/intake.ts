/**
 * Intake benchmark (issue 3). Against ONE DynamoDB Local (the runtime's), at the same concurrency:
 * - floor: a raw PutItem loop (one order-sized item per call, same table, an SDK client like the handlers');
 * - intake: POST /orders through the local API Gateway + the create-order Lambda (ONE conditional PutItem of
 *   the order item: the order id is derived from channel + externalOrderId, the item is its own guard and
 *   carries the ORDER_RECEIVED event);
 * - components, to say where the time goes:
 *   - `transactWrite3`: the previous intake's transaction (order, external-id guard, ORDER_RECEIVED event:
 *     copies of a real order item and the two items it used to be written with) in a loop, no HTTP, for comparison;
 *   - `putOrderItem`: one conditional PutItem of a copy of the real order item (with its GSI keys): the
 *     intake's own DynamoDB write;
 *   - `queryMissingOrder`: the get-order handler's one call (consistent Query of a missing order's partition);
 *   - `invokeMissingOrder`: the get-order Lambda invoked directly (no HTTP) with an API Gateway event the
 *     gateway built for a missing order = worker round trip + handler framework + that Query;
 *   - `getMissingOrder`: GET /orders/{id} for a well-formed id that does not exist = local API Gateway + Lambda
 *     worker + handler framework + that Query (404). Minus `queryMissingOrder`: the HTTP path's own cost.
 * Every order has its own street and postcode (many orders to one address trip the fraud screen's
 * address-velocity rule when the workflow runs behind intake).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand, QueryCommand, TransactWriteItemsCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Order } from '../functions/core/orders/domain/order';
import { receivedEvent, timelineEventItem } from '../functions/core/orders/store/orders';
import { deriveOrderId } from '../functions/core/kernel/order-id';
import { keys } from '../functions/core/runtime/table/keys';
import { BenchHttpClient } from './http-client';
import { loadResult, round, runLoad, runSamples, type LoadResult, type LoadSamples } from './stats';

export interface IntakeEndpoints {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly dynamodb: { readonly endpoint: string; readonly tableName: string };
}

/** SKUs with plenty of stock at a supplier that ships to DE (one supplier per order) and their retail prices. */
export const BENCH_SKUS: readonly { readonly sku: string; readonly price: string }[] = [
  { sku: 'TSHIRT-BLK-M', price: '24.90' },
  { sku: 'CABLE-USBC-2M', price: '12.90' },
  { sku: 'MUG-ENAMEL-WHT', price: '14.90' },
  { sku: 'BOTTLE-STEEL-750', price: '29.90' },
];

/** A valid POST /orders body; `tag` + `i` make the street, postcode and external id unique. */
export function orderBody(i: number, tag: string): string {
  const item = BENCH_SKUS[i % BENCH_SKUS.length] ?? { sku: 'TSHIRT-BLK-M', price: '24.90' };
  const subtotalMinor = Math.round(Number(item.price) * 100);
  const dec = (minor: number): string => (minor / 100).toFixed(2);
  return JSON.stringify({
    externalOrderId: `bench-${tag}-${i}`,
    customer: { email: 'bench@example.com', firstName: 'Bench', lastName: 'Mark' },
    shippingAddress: {
      name: 'Bench Mark',
      line1: `Hauptstrasse ${tag}-${i}`,
      city: 'Berlin',
      postcode: String(10_000 + (i % 89_999)).padStart(5, '0'),
      country: 'DE',
    },
    lines: [{ sku: item.sku, quantity: 1, unitPrice: item.price }],
    currency: 'EUR',
    totals: { subtotal: dec(subtotalMinor), shipping: '4.90', tax: '0.00', discount: '0.00', total: dec(subtotalMinor + 490) },
    payment: { reference: `pay_${tag}_${i}`, status: 'paid' },
  });
}

export interface IntakeRun {
  readonly rawPutItem: LoadResult;
  readonly intake: LoadResult;
  /** Component loops (only when measured with `components`). */
  readonly transactWrite3?: LoadResult;
  readonly putOrderItem?: LoadResult;
  readonly queryMissingOrder?: LoadResult;
  readonly invokeMissingOrder?: LoadResult;
  readonly getMissingOrder?: LoadResult;
  readonly intakeToRawRatio: number;
  readonly goals: { readonly ratioAtLeast: number; readonly p99AtMostMs: number; readonly ratioMet: boolean; readonly p99Met: boolean; readonly met: boolean };
}

export const INTAKE_GOALS = { ratioAtLeast: 0.5, p99AtMostMs: 25 } as const;

export interface MeasureOptions {
  readonly concurrency: number;
  /** Calls per path. */
  readonly requests: number;
  /** Time bound per path (no new call after it). */
  readonly maxMsPerPath: number;
  /** Also run the component loops (3-item transaction, GET of a missing order). */
  readonly components: boolean;
}

export interface IntakeBench {
  /** Measure the paths at one concurrency (after `warm`). */
  measure(opts: MeasureOptions): Promise<IntakeRun>;
  /** Warm every path (JIT of DynamoDB Local and the workers, connection pools), each bounded in time. */
  warm(requests: number, maxMsPerPath: number, components: boolean): Promise<void>;
  /** POST /orders sent so far (each a new order). */
  readonly ordersPosted: () => number;
  close(): void;
}

export interface IntakeBenchHooks {
  /** Invoke the get-order Lambda directly with a gateway-built event for a missing order (true = 404). */
  readonly invokeMissingOrder?: () => Promise<boolean>;
}

type Paths = 'rawPutItem' | 'intake' | 'transactWrite3' | 'putOrderItem' | 'queryMissingOrder' | 'invokeMissingOrder' | 'getMissingOrder';

/** The intake paths, each one call per `op(i)`: raw PutItem, POST /orders, and the component loops. */
class IntakePaths implements IntakeBench {
  private readonly ddb: DynamoDBClient;
  private readonly http = new BenchHttpClient();
  private readonly table: string;
  private readonly run: string;
  private posted = 0;
  private seq = 0;
  private offset = 0;
  private template: { order: Record<string, AttributeValue>; guard: Record<string, AttributeValue>; event: Record<string, AttributeValue> } | undefined;

  constructor(
    private readonly endpoints: IntakeEndpoints,
    phase: string,
    private readonly hooks: IntakeBenchHooks,
  ) {
    this.ddb = new DynamoDBClient({ endpoint: endpoints.dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    this.table = endpoints.dynamodb.tableName;
    this.run = `${phase}${randomUUID().slice(0, 6)}`;
  }

  readonly ordersPosted = (): number => this.posted;

  private readonly put = (i: number): Promise<boolean> =>
    this.ddb
      .send(
        new PutItemCommand({
          TableName: this.table,
          Item: { pk: { S: `BENCH#${this.run}#${i}` }, sk: { S: '#BENCH' }, entity: { S: 'Bench' }, payload: { S: orderBody(i, this.run) } },
        }),
        { abortSignal: AbortSignal.timeout(10_000) },
      )
      .then(() => true);

  private readonly post = async (): Promise<boolean> => {
    const i = this.seq++;
    this.posted++;
    const res = await this.http.request(
      `${this.endpoints.apiUrl}/orders`,
      'POST',
      { 'content-type': 'application/json', 'x-api-key': this.endpoints.apiKey, 'idempotency-key': `bench-${this.run}-${i}` },
      orderBody(i, this.run),
    );
    if (res.status === 201 && this.template === undefined) await this.captureTemplate(res.text);
    return res.status === 201;
  };

  /** A real order item, and the guard and event items the previous intake wrote with it, to replay both write paths without HTTP. */
  private async captureTemplate(responseText: string): Promise<void> {
    const orderId = (JSON.parse(responseText) as { orderId?: string }).orderId;
    if (orderId === undefined) return;
    const part = await this.ddb.send(
      new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `ORDER#${orderId}` } }, ConsistentRead: true }),
    );
    const item = part.Items?.find((x) => x['entity']?.S === 'Order');
    if (item === undefined) return;
    const order = unmarshall(item) as Order;
    const guard = marshall({
      ...keys.externalOrderGuard(order.channelId, order.externalOrderId),
      channelId: order.channelId,
      externalOrderId: order.externalOrderId,
      orderId: order.orderId,
      createdAt: order.createdAt,
      entity: 'ExternalOrderGuard',
    });
    const event = marshall(timelineEventItem(receivedEvent(order), 0), { removeUndefinedValues: true });
    this.template = { order: item, guard, event };
  }

  /** The intake's 3-item transaction (order, guard, timeline event) replayed on copies, without HTTP. */
  private readonly transact = (i: number): Promise<boolean> => {
    const t = this.template;
    if (t === undefined) return Promise.resolve(false);
    const id = `BENCHTX#${this.run}#${i}`;
    const withKey = (item: Record<string, AttributeValue>, pk: string, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> => ({
      ...item,
      ...extra,
      pk: { S: pk },
      entity: { S: 'Bench' }, // not an Order: the stream router (when running) ignores it
    });
    return this.ddb
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: withKey(t.order, id, { gsi1sk: { S: `bench#${id}` }, gsi2sk: { S: `bench#${id}` } }), ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: this.table, Item: withKey(t.guard, `${id}#GUARD`), ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: this.table, Item: withKey(t.event, id) } },
          ],
        }),
        { abortSignal: AbortSignal.timeout(10_000) },
      )
      .then(() => true);
  };

  /** One conditional PutItem of a copy of the real order item (with its gsi1/gsi2 keys): a single-write intake's floor. */
  private readonly putOrder = (i: number): Promise<boolean> => {
    const t = this.template;
    if (t === undefined) return Promise.resolve(false);
    const id = `BENCHPUT#${this.run}#${i}`;
    return this.ddb
      .send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...t.order, pk: { S: id }, entity: { S: 'Bench' }, gsi1sk: { S: `bench#${id}` }, gsi2sk: { S: `bench#${id}` } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
        { abortSignal: AbortSignal.timeout(10_000) },
      )
      .then(() => true);
  };

  /** The get-order handler's one DynamoDB call for a missing order (consistent Query of its partition), without HTTP. */
  private readonly queryMissing = (i: number): Promise<boolean> =>
    this.ddb
      .send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `ORDER#${deriveOrderId('bench-missing', 'api', `${this.run}-q-${i}`)}` } },
          ConsistentRead: true,
        }),
        { abortSignal: AbortSignal.timeout(10_000) },
      )
      .then((out) => (out.Items ?? []).length === 0);

  private readonly getMissing = async (i: number): Promise<boolean> => {
    // A well-formed order id that does not exist: the handler looks it up and answers 404.
    const res = await this.http.request(`${this.endpoints.apiUrl}/orders/${deriveOrderId('bench-missing', 'api', `${this.run}-${i}`)}`, 'GET', { 'x-api-key': this.endpoints.apiKey });
    return res.status === 404;
  };

  private readonly invokeMissing = (): Promise<boolean> => this.hooks.invokeMissingOrder?.() ?? Promise.resolve(false);

  /** A fresh range of `n` indexes (item keys never repeat across loops). */
  private next(n: number): number {
    const start = this.offset;
    this.offset += n;
    return start;
  }

  async warm(requests: number, maxMsPerPath: number, components: boolean): Promise<void> {
    for (const c of [4, 1]) {
      const n = c === 1 ? Math.ceil(requests / 4) : requests;
      const base = this.next(n);
      await runLoad(n, c, (i) => this.put(base + i), maxMsPerPath);
      await runLoad(n, c, () => this.post(), maxMsPerPath);
      if (!components) continue;
      await runLoad(n, c, (i) => this.transact(base + i), maxMsPerPath);
      await runLoad(Math.ceil(n / 2), c, (i) => this.putOrder(base + i), maxMsPerPath);
      await runLoad(Math.ceil(n / 2), c, (i) => this.queryMissing(base + i), maxMsPerPath);
      await runLoad(Math.ceil(n / 2), c, (i) => this.getMissing(base + i), maxMsPerPath);
      await runLoad(Math.ceil(n / 2), c, () => this.invokeMissing(), maxMsPerPath);
    }
  }

  /**
   * Paths are interleaved in rounds, so the JIT still warming in DynamoDB Local (and any background work)
   * spreads over all of them instead of favouring whichever runs last.
   */
  private async sample({ concurrency, requests, maxMsPerPath, components }: MeasureOptions): Promise<Record<Paths, LoadSamples[]>> {
    const paths: { name: Paths; op: (i: number) => Promise<boolean> }[] = [
      { name: 'rawPutItem', op: this.put },
      { name: 'intake', op: () => this.post() },
      ...(components
        ? ([
            { name: 'transactWrite3', op: this.transact },
            { name: 'putOrderItem', op: this.putOrder },
            { name: 'queryMissingOrder', op: this.queryMissing },
            { name: 'invokeMissingOrder', op: this.invokeMissing },
            { name: 'getMissingOrder', op: this.getMissing },
          ] as const)
        : []),
    ];
    const samples: Record<Paths, LoadSamples[]> = { rawPutItem: [], intake: [], transactWrite3: [], putOrderItem: [], queryMissingOrder: [], invokeMissingOrder: [], getMissingOrder: [] };
    const rounds = 3;
    for (let r = 0; r < rounds; r++) {
      for (const p of paths) {
        const base = this.next(requests);
        samples[p.name].push(await runSamples(Math.ceil(requests / rounds), concurrency, (i) => p.op(base + i), maxMsPerPath / rounds));
      }
    }
    return samples;
  }

  async measure(opts: MeasureOptions): Promise<IntakeRun> {
    const { concurrency, components } = opts;
    const samples = await this.sample(opts);
    const rawPutItem = loadResult(samples.rawPutItem, concurrency);
    const intake = loadResult(samples.intake, concurrency);
    const parts: Pick<IntakeRun, 'transactWrite3' | 'putOrderItem' | 'queryMissingOrder' | 'invokeMissingOrder' | 'getMissingOrder'> = components
      ? {
          transactWrite3: loadResult(samples.transactWrite3, concurrency),
          putOrderItem: loadResult(samples.putOrderItem, concurrency),
          queryMissingOrder: loadResult(samples.queryMissingOrder, concurrency),
          invokeMissingOrder: loadResult(samples.invokeMissingOrder, concurrency),
          getMissingOrder: loadResult(samples.getMissingOrder, concurrency),
        }
      : {};
    const intakeToRawRatio = round(intake.perSecond / rawPutItem.perSecond, 2);
    const ratioMet = intakeToRawRatio >= INTAKE_GOALS.ratioAtLeast && intake.errors === 0;
    const p99Met = intake.p99Ms <= INTAKE_GOALS.p99AtMostMs && intake.errors === 0;
    return { rawPutItem, intake, ...parts, intakeToRawRatio, goals: { ...INTAKE_GOALS, ratioMet, p99Met, met: ratioMet && p99Met } };
  }

  close(): void {
    this.ddb.destroy();
    this.http.close();
  }
}

export function intakeBench(endpoints: IntakeEndpoints, phase: string, hooks: IntakeBenchHooks = {}): IntakeBench {
  return new IntakePaths(endpoints, phase, hooks);
}

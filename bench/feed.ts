/**
 * Inventory feed benchmark (issue 5), on its own DynamoDB Local (in memory, JVM defaults = full JIT)
 * with the template's table:
 *
 *   seed    100,000 offers of one supplier (+ a few reservation counters) with a raw BatchWriteItem loop
 *           (also the JIT warm-up);
 *   (a) raw BatchWriteItem loop: the same 100,000 offer items overwritten whole, 25 per call, the same
 *       concurrency and DocumentClient as the feed: the floor for "write 100k offers";
 *   (b) applyFeedFile on a 100,000-row CSV (in-memory stream) in which EVERY row changes (half the rows
 *       raise stock, half drop it → consistent BatchGet of their reservation counters; 100 offers go
 *       below what is reserved → shortfall);
 *   (c) the same content again under a new ETag: nothing changed, so ~0 rows are written
 *       (changed-rows ratio = written / rows).
 * Each phase reports ms, rows/s and the peak RSS of this process sampled during the phase.
 *
 * Called by bench/run.ts (`runFeedBench`); also runnable alone: `npx tsx bench/feed.ts [--offers=N]`.
 */
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTables, localDynamoClient, startDynamoDbLocal, type DynamoDbLocal } from '../local/emulators/dynamodb/dynamodb-local';
import { Resolver } from '../local/template/resolve';
import { readTables } from '../local/template/tables';
import { type CfnTemplate } from '../local/template/cfn';
import type { FeedOffer } from '../functions/core/inventory/domain/feed-offers';
import type { Supplier } from '../functions/core/suppliers/domain/supplier';
import { applyFeedFile } from '../functions/core/inventory/services/inventory-feed';
import { type FeedDeps, type FeedFileResult } from '../functions/core/inventory/services/feed-types';
import type { StoreContext } from '../functions/core/runtime/table/context';
import { DEFAULT_WRITE_CONCURRENCY, inPool, offerItem } from '../functions/core/inventory/store/inventory';
import { keys } from '../functions/core/runtime/table/keys';
import { round } from './stats';
import { isRecord } from '../functions/core/kernel/guards';

export interface FeedBenchOptions {
  /** Offers of the bench supplier = rows of the feed (default 100,000). */
  readonly offers?: number;
  /** The synthesized template (bench/run.ts has one); synthesized here when absent. */
  readonly template?: { readonly stackName: string; readonly template: unknown };
  /** An already running DynamoDB Local (else one is started and stopped here). */
  readonly dynamodbEndpoint?: string;
  readonly writeConcurrency?: number;
  readonly chunkRows?: number;
  readonly log?: (line: string) => void;
}

export interface PhaseResult {
  readonly rows: number;
  readonly ms: number;
  readonly rowsPerSecond: number;
  /** Peak resident set size of this process during the phase (MB). */
  readonly peakRssMb: number;
}

export interface FeedBenchResult {
  readonly offers: number;
  readonly writeConcurrency: number;
  readonly chunkRows: number;
  readonly dynamodb: string;
  readonly seed: PhaseResult;
  readonly rawBatchWrite: PhaseResult;
  readonly feedApply: PhaseResult & {
    readonly written: number;
    readonly unchanged: number;
    readonly shortfalls: number;
    /** ms from the call to the end of pass 1 (claim, offer map, spool, validate) and of pass 2 (apply). */
    readonly validatedAtMs: number;
    readonly appliedAtMs: number;
    readonly feedToRawRatio: number;
  };
  readonly feedReplay: PhaseResult & { readonly written: number; readonly unchanged: number; readonly changedRowsRatio: number };
  readonly goals: { readonly applyAtMostMs: number; readonly met: boolean; readonly replayChangedRowsRatioAtMost: number; readonly replayMet: boolean };
}

export const FEED_GOALS = { applyAtMostMs: 15_000, replayChangedRowsRatioAtMost: 0.001 } as const;

const SUPPLIER_ID = 'bench-feed-supplier';
const SHORT_EVERY = 1000;


/** Peak RSS while `fn` runs (sampled every 25 ms, plus before and after). */
type Measured<T> = { value: T; phase: PhaseResult };

async function measured<T>(rows: (value: T) => number, fn: () => Promise<T>): Promise<Measured<T>> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 25);
  const t0 = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - t0;
    peak = Math.max(peak, process.memoryUsage.rss());
    const n = rows(value);
    return { value, phase: { rows: n, ms: Math.round(ms), rowsPerSecond: Math.round((n / ms) * 1000), peakRssMb: round(peak / 1_048_576, 0) } };
  } finally {
    clearInterval(timer);
  }
}

const benchOffer = (i: number, stock: number, cost: number): FeedOffer => ({
  sku: `BENCH-SKU-${String(i).padStart(6, '0')}`,
  supplierId: SUPPLIER_ID,
  supplierSku: `BF-${String(i).padStart(6, '0')}`,
  wholesaleCostMinor: cost,
  currency: 'EUR',
  stock,
  discontinued: false,
  lastFeedAt: '2026-01-01T00:00:00.000Z',
});

/** Stock of offer i: seed, after the raw loop, in the feed (even rows rise, odd rows drop). */
const seedStock = (i: number): number => 100 + (i % 50);
const rawStock = (i: number): number => seedStock(i) + 1;
const feedStock = (i: number): number => (i % 2 === 0 ? rawStock(i) + 5 : rawStock(i) - 3);

async function rawLoop(store: StoreContext, count: number, concurrency: number, offerAt: (i: number) => FeedOffer): Promise<number> {
  const batches: number[] = [];
  for (let start = 0; start < count; start += 25) batches.push(start);
  await inPool(batches, concurrency, async (start) => {
    let pending = Array.from({ length: Math.min(25, count - start) }, (_, k) => ({ PutRequest: { Item: offerItem(offerAt(start + k)) } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 10) throw new Error('BatchWriteItem kept items unprocessed');
      const result = await store.ddb.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: pending } }));
      pending = (result.UnprocessedItems?.[store.tableName] ?? []) as typeof pending;
    }
  });
  return count;
}

/** The feed as a stream of CSV chunks (1,000 rows each), never one big string. */
function feedCsv(count: number): Readable {
  return Readable.from(
    (function* () {
      yield 'sku,qty,cost\n';
      for (let start = 0; start < count; start += 1000) {
        const lines: string[] = [];
        for (let i = start; i < Math.min(count, start + 1000); i++) lines.push(`BF-${String(i).padStart(6, '0')},${feedStock(i)},${(12 + (i % 7)).toFixed(2)}\n`);
        yield lines.join('');
      }
    })(),
  );
}

async function templateOf(options: FeedBenchOptions): Promise<{ stackName: string; template: CfnTemplate }> {
  if (options.template !== undefined) return { stackName: options.template.stackName, template: options.template.template as CfnTemplate };
  const { synthesizeTemplate } = await import('../lib/synth');
  const out = await synthesizeTemplate();
  return { stackName: out.stackName, template: out.template as unknown as CfnTemplate };
}

/** The pipeline table (the one with gsi1) on DynamoDB Local (started here unless an endpoint is given). */
async function benchTable(options: FeedBenchOptions): Promise<{ raw: ReturnType<typeof localDynamoClient>; tableName: string; ddbLocal?: DynamoDbLocal }> {
  let ddbLocal: DynamoDbLocal | undefined;
  const [{ stackName, template }, endpoint] = await Promise.all([
    templateOf(options),
    options.dynamodbEndpoint !== undefined
      ? Promise.resolve(options.dynamodbEndpoint)
      : startDynamoDbLocal({ jvmOptions: [], readyTimeoutMs: 180_000 }).then((d) => ((ddbLocal = d), d.endpoint)),
  ]);
  const tables = readTables(template, new Resolver(template, { stackName }));
  const table = tables.find((t) => t.globalSecondaryIndexes.some((i) => i.indexName === 'gsi1')) ?? tables[0];
  if (table === undefined) throw new Error('The template has no DynamoDB table');
  const raw = localDynamoClient(endpoint);
  await ensureTables(raw, [table]);
  return { raw, tableName: table.tableName, ...(ddbLocal === undefined ? {} : { ddbLocal }) };
}

/** The bench supplier, its offers (raw BatchWriteItem, also the JIT warm-up) and the reservation counters. */
async function seedSupplier(store: StoreContext, count: number, concurrency: number, log: (line: string) => void): Promise<Measured<number>> {
  const supplier: Supplier = {
    supplierId: SUPPLIER_ID,
    name: 'Feed bench supplier',
    channel: 'file',
    priority: 9,
    currency: 'EUR',
    acceptanceSlaMinutes: 60,
    processingDays: 1,
    feedFreshnessSlaHours: 24,
    shippingZones: [],
    status: 'ACTIVE',
    blindShipping: true,
    lastFeedAt: '2026-01-01T00:00:00.000Z',
  };
  await store.ddb.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: [{ PutRequest: { Item: { ...supplier, ...keys.supplier(SUPPLIER_ID), entity: 'Supplier' } } }] } }));
  log(`  feed: seeding ${count} offers (raw BatchWriteItem, concurrency ${concurrency}; also the JIT warm-up)`);
  const seed = await measured((n: number) => n, () => rawLoop(store, count, concurrency, (i) => benchOffer(i, seedStock(i), 1000)));
  // Reservation counters: every SHORT_EVERY-th odd offer holds more than the feed will leave → shortfall.
  const counters = Array.from({ length: Math.floor(count / SHORT_EVERY) }, (_, k) => k * SHORT_EVERY + 1).filter((i) => i < count);
  for (let start = 0; start < counters.length; start += 25) {
    const items = counters.slice(start, start + 25).map((i) => {
      const o = benchOffer(i, 0, 0);
      return { PutRequest: { Item: { sku: o.sku, supplierId: SUPPLIER_ID, reserved: feedStock(i) + 2, ...keys.offerReservations(o.sku, SUPPLIER_ID), entity: 'OfferReservations' } } };
    });
    await store.ddb.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: items } }));
  }
  return seed;
}

function feedDeps(store: StoreContext, chunkRows: number, concurrency: number, log: (line: string) => void): FeedDeps {
  return {
    store,
    // Reports are not written (no rejected rows) and nothing is quarantined: S3 is never called.
    s3: new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    filesBucket: 'bench-files',
    now: () => new Date(),
    logger: { debug: () => undefined, info: () => undefined, warn: (m: string) => log(`  feed warn: ${m}`), error: (m: string) => log(`  feed error: ${m}`) },
    metrics: { count: () => undefined },
    // DynamoDB Local updates gsi1 with the item: no index settle time between applies (1 s in AWS).
    tuning: { chunkRows, writeConcurrency: concurrency, indexSettleMs: 0 },
  };
}

/** (b) applyFeedFile on a CSV where every row changes, with the times both passes reached the last row. */
async function applyOnce(deps: FeedDeps, count: number): Promise<{ apply: Measured<FeedFileResult>; validatedAt: number; appliedAt: number }> {
  let validatedAt = 0;
  let appliedAt = 0;
  let t0 = performance.now();
  const apply = await measured(
    (r: FeedFileResult) => r.rows,
    () => {
      t0 = performance.now();
      return applyFeedFile(deps, {
        bucket: 'bench-files',
        key: BENCH_KEY,
        etag: `bench-${Date.now()}-1`,
        supplierId: SUPPLIER_ID,
        body: () => feedCsv(count),
        onProgress: (rows, phase) => {
          if (rows !== count) return;
          if (phase === 'validate') validatedAt = performance.now() - t0;
          else appliedAt = performance.now() - t0;
        },
      });
    },
  );
  if (apply.value.status !== 'APPLIED') throw new Error(`feed apply ended ${apply.value.status}: ${apply.value.reason ?? ''}`);
  return { apply, validatedAt, appliedAt };
}

const BENCH_KEY = `suppliers/${SUPPLIER_ID}/inbox/inventory/bench.csv`;

export async function runFeedBench(options: FeedBenchOptions = {}): Promise<FeedBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const count = options.offers ?? 100_000;
  const concurrency = options.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY;
  const chunkRows = options.chunkRows ?? 1000;
  const client = await benchTable(options);
  const ddb = DynamoDBDocumentClient.from(client.raw, { marshallOptions: { removeUndefinedValues: true } });
  const store: StoreContext = { ddb, tableName: client.tableName };
  try {
    const seed = await seedSupplier(store, count, concurrency, log);
    log(`  feed: (a) raw BatchWriteItem loop over the same ${count} offer items`);
    const raw = await measured((n: number) => n, () => rawLoop(store, count, concurrency, (i) => benchOffer(i, rawStock(i), 1000)));
    const deps = feedDeps(store, chunkRows, concurrency, log);
    log(`  feed: (b) applyFeedFile on a ${count}-row CSV where every row changes`);
    const { apply, validatedAt, appliedAt } = await applyOnce(deps, count);
    log('  feed: (c) the same content again under a new ETag');
    const replay = await measured(
      (r: FeedFileResult) => r.rows,
      () => applyFeedFile(deps, { bucket: 'bench-files', key: BENCH_KEY, etag: `bench-${Date.now()}-2`, supplierId: SUPPLIER_ID, body: () => feedCsv(count) }),
    );
    const changedRowsRatio = round(replay.value.written / Math.max(1, replay.value.rows), 4);
    return {
      offers: count,
      writeConcurrency: concurrency,
      chunkRows,
      dynamodb: options.dynamodbEndpoint === undefined ? 'DynamoDB Local in memory, JVM defaults (full JIT), started by the bench' : `DynamoDB Local at ${options.dynamodbEndpoint}`,
      seed: seed.phase,
      rawBatchWrite: raw.phase,
      feedApply: {
        ...apply.phase,
        written: apply.value.written,
        unchanged: apply.value.unchanged,
        shortfalls: apply.value.shortfalls,
        validatedAtMs: Math.round(validatedAt),
        appliedAtMs: Math.round(appliedAt),
        feedToRawRatio: round(apply.phase.rowsPerSecond / Math.max(1, raw.phase.rowsPerSecond), 2),
      },
      feedReplay: { ...replay.phase, written: replay.value.written, unchanged: replay.value.unchanged, changedRowsRatio },
      goals: {
        applyAtMostMs: FEED_GOALS.applyAtMostMs,
        met: apply.phase.ms <= FEED_GOALS.applyAtMostMs,
        replayChangedRowsRatioAtMost: FEED_GOALS.replayChangedRowsRatioAtMost,
        replayMet: changedRowsRatio <= FEED_GOALS.replayChangedRowsRatioAtMost,
      },
    };
  } finally {
    client.raw.destroy();
    await client.ddbLocal?.stop();
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const arg = process.argv.find((a) => a.startsWith('--offers='));
  const offers = arg === undefined ? undefined : Number(arg.split('=')[1]);
  runFeedBench(offers !== undefined && Number.isFinite(offers) && offers > 0 ? { offers } : {})
    .then((result) => console.log(JSON.stringify(result, null, 2)))
    .catch((error: unknown) => {
      console.error(isRecord(error) || error instanceof Error ? error : String(error));
      process.exitCode = 1;
    });
}

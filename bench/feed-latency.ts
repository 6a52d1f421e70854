/**
 * Feed drop -> availability changed, locally: a supplier drops a one-row inventory feed into its inbox
 * (S3 PutObject signed as the supplier), the runtime delivers the bucket notification to the feed
 * Lambda, which applies the row; the bench polls `GET /availability` (the storefront's view) every few
 * milliseconds until the sellable quantity shows the new stock. Measured per drop, several drops.
 *
 * The SKU is one only the file supplier offers (TSHIRT-WHT-M at atlantic-outfitters in the demo
 * catalog), so the sellable quantity is exactly that supplier's stock minus what orders hold.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime/runtime';
import { localS3Client } from '../local/emulators/s3/s3';
import { supplierAccessKeyId } from '../local/emulators/s3/notifications';
import { BENCH_RUNTIME } from './e2e-harness';
import { round, summarize, type Summary } from './stats';

export interface FeedLatencyOptions {
  readonly drops?: number;
  readonly template?: { readonly stackName: string; readonly template: unknown };
  readonly log?: (line: string) => void;
  /** Deadline for one drop to show up in availability. */
  readonly dropDeadlineMs?: number;
}

export interface FeedLatencyResult {
  readonly drops: number;
  readonly sku: string;
  readonly supplierId: string;
  readonly pollIntervalMs: number;
  /** PutObject sent -> GET /availability shows the new quantity (ms). */
  readonly dropToAvailabilityMs: Summary;
  readonly timedOut: number;
}

const SKU = 'TSHIRT-WHT-M';
const SUPPLIER_ID = 'atlantic-outfitters';
const SUPPLIER_SKU = 'AO/TEE/WHT/M';
const POLL_MS = 5;

/** The SKU's sellable quantity as GET /availability answers it. */
function sellableReader(ep: LocalRuntime['endpoints']): () => Promise<number> {
  const apiKey = ep.channels.find((c) => c.id === 'demo-web')?.apiKey ?? ep.apiKey;
  const url = `${ep.apiUrl}/availability?sku=${SKU}&country=GB&postcode=M1%201AE&quantity=1`;
  return async () => {
    const res = await fetch(url, { headers: { 'x-api-key': apiKey }, signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { items?: { sellableQuantity?: number }[]; sellableQuantity?: number };
    const value = body.items?.[0]?.sellableQuantity ?? body.sellableQuantity;
    if (res.status !== 200 || typeof value !== 'number') throw new Error(`GET /availability answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    return value;
  };
}

/** `drops` + 1 feed drops (the first warms the feed Lambda up), each timed until availability shows its quantity. */
async function timeDrops(ep: LocalRuntime['endpoints'], drops: number, deadline: number): Promise<{ samples: number[]; timedOut: number }> {
  const bucket = ep.s3.bucket;
  const supplier = ep.suppliers.find((s) => s.id === SUPPLIER_ID);
  if (bucket === null || supplier === undefined) throw new Error(`the local runtime has no files bucket or no supplier ${SUPPLIER_ID}`);
  const s3 = localS3Client(ep.s3.endpoint, supplierAccessKeyId(SUPPLIER_ID));
  const sellable = sellableReader(ep);
  const before = await sellable();
  const samples: number[] = [];
  let timedOut = 0;
  for (let i = 0; i < drops + 1; i++) {
    // Alternate quantities well apart from the current one; the first drop warms the feed Lambda up.
    const quantity = 300 + i * 7 + (before % 5);
    const body = `sku,quantity\r\n${SUPPLIER_SKU},${quantity}\r\n`;
    const t0 = performance.now();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${supplier.inbox}inventory/latency-${Date.now()}-${i}.csv`, Body: body, ContentType: 'text/csv' }));
    let seen = false;
    while (performance.now() - t0 < deadline) {
      if ((await sellable()) === quantity) {
        seen = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const ms = performance.now() - t0;
    if (!seen) timedOut++;
    else if (i > 0) samples.push(ms);
  }
  s3.destroy();
  return { samples, timedOut };
}

export async function feedToAvailabilityLatency(options: FeedLatencyOptions = {}): Promise<FeedLatencyResult> {
  const drops = options.drops ?? 10;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-bench-feed-latency-'));
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await startLocalRuntime({
      dataDir,
      ...BENCH_RUNTIME,
      suppliers: false,
      startEventSources: false,
      ...(options.template === undefined ? {} : { template: options.template }),
    });
    const { samples, timedOut } = await timeDrops(runtime.endpoints, drops, options.dropDeadlineMs ?? 30_000);
    const result: FeedLatencyResult = {
      drops,
      sku: SKU,
      supplierId: SUPPLIER_ID,
      pollIntervalMs: POLL_MS,
      dropToAvailabilityMs: summarize(samples),
      timedOut,
    };
    options.log?.(
      `  feed drop -> availability: p50 ${round(result.dropToAvailabilityMs.p50, 0)} ms, p99 ${round(result.dropToAvailabilityMs.p99, 0)} ms over ${samples.length} drops (${timedOut} timed out)`,
    );
    return result;
  } finally {
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

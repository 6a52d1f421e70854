/**
 * Startup and first-order latency of `npm start`, as a newcomer sees them (issue 10):
 *
 *   npx tsx scripts/first-order.ts [--fresh] [--runs=3] [--step-ms=100]
 *
 * Each run spawns `npm start -- --port 0 --supplier-step-ms <step> --data-dir <tmp>` (its own process group,
 * a fresh data directory), times the `ready` line from the spawn, then posts one paid order and polls
 * `GET /orders/{id}` every 20 ms until DELIVERED (deadline 60 s), printing when each status was first seen.
 * `--fresh` also empties the bundle cache first (`.cache/bundles`: a fresh clone's first start).
 * It prints one JSON line per run. Not a test: nothing is asserted.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../local/runtime/runtime';

interface Endpoints {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly demo: { readonly skus: readonly string[] };
}

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const runs = Number(arg('runs') ?? '1');
const stepMs = Number(arg('step-ms') ?? '100');
const fresh = process.argv.includes('--fresh');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function orderBody(sku: string, tag: string): string {
  return JSON.stringify({
    externalOrderId: tag,
    customer: { email: 'a@example.com' },
    shippingAddress: { name: 'Ada Lovelace', line1: `Hauptstrasse ${tag}`, city: 'Berlin', postcode: '10115', country: 'DE' },
    lines: [{ sku, quantity: 1, unitPrice: '19.99' }],
    currency: 'EUR',
    totals: { subtotal: '19.99', shipping: '0.00', tax: '0.00', total: '19.99' },
    payment: { reference: `p-${tag}`, status: 'paid' },
  });
}

async function oneRun(i: number): Promise<Record<string, unknown>> {
  if (fresh) await rm(path.join(REPO_ROOT, '.cache', 'bundles'), { recursive: true, force: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'first-order-'));
  const load = loadavg()[0];
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--', '--port', '0', '--supplier-step-ms', String(stepMs), '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^ready:/m.test(out)) resolve(performance.now() - t0);
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`npm start exited ${code}: ${out.slice(-500)}`)));
    setTimeout(() => reject(new Error('not ready in 60 s')), 60_000).unref();
  });
  try {
    const readyMs = await ready;
    const e = JSON.parse(await readFile(path.join(dataDir, 'endpoints.json'), 'utf8')) as Endpoints;
    const tag = `fo-${Date.now() % 1e9}-${i}`;
    const headers = { 'x-api-key': e.apiKey, 'content-type': 'application/json', 'idempotency-key': tag };
    const t1 = performance.now();
    const res = await fetch(`${e.apiUrl}/orders`, { method: 'POST', headers, body: orderBody(e.demo.skus[0] ?? '', tag) });
    const { orderId } = (await res.json()) as { orderId: string };
    const seen: Record<string, number> = { [`POST ${res.status}`]: Math.round(performance.now() - t1) };
    let status = '';
    while (performance.now() - t1 < 60_000 && status !== 'DELIVERED') {
      const r = await fetch(`${e.apiUrl}/orders/${orderId}`, { headers: { 'x-api-key': e.apiKey } });
      status = ((await r.json()) as { status?: string }).status ?? '';
      seen[status] ??= Math.round(performance.now() - t1);
      if (status !== 'DELIVERED') await sleep(20);
    }
    const startedIn = /started in ([\d.]+) s: CDK synth ([\d.]+) s alongside DynamoDB Local ([\d.]+) s, tables \+ demo data ([\d.]+) s/.exec(out);
    return { run: i, fresh, load1: load, readyMs: Math.round(readyMs), internal: startedIn?.slice(1).map(Number), firstOrderMs: seen['DELIVERED'] ?? null, seen };
  } finally {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

for (let i = 0; i < runs; i++) console.log(JSON.stringify(await oneRun(i)));

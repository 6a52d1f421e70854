/**
 * CPU profile of the intake path's main thread (local API Gateway stand-in, Lambda runtime's message hop, the
 * benchmark's HTTP client): `npx tsx bench/profile-intake.ts [--requests=N] [--out=DIR]` starts a local
 * runtime (event sources idle, as the intake bench), warms up, then profiles N serial POST /orders with the
 * inspector and writes `intake-main.cpuprofile` (open in Chrome DevTools) and a top-25 self-time summary.
 * Not a test, not part of `npm run bench`.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalRuntime } from '../local/runtime/runtime';
import { BENCH_RUNTIME } from './e2e-harness';
import { BenchHttpClient } from './http-client';
import { orderBody } from './intake';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;

async function main(): Promise<void> {
  const requests = Number(arg('requests', '600'));
  const out = arg('out', os.tmpdir());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-profile-'));
  const rt = await startLocalRuntime({ dataDir, ...BENCH_RUNTIME, suppliers: false, startEventSources: false });
  try {
    const tag = `p${Date.now().toString(36)}`;
    const client = new BenchHttpClient();
    const post = async (i: number): Promise<void> => {
      const res = await client.request(
        `${rt.endpoints.apiUrl}/orders`,
        'POST',
        { 'content-type': 'application/json', 'x-api-key': rt.endpoints.apiKey, 'idempotency-key': `${tag}-${i}` },
        orderBody(i, tag),
      );
      if (res.status !== 201) throw new Error(`POST /orders answered ${res.status}`);
    };
    for (let i = 0; i < 300; i++) await post(i);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const started = performance.now();
    for (let i = 300; i < 300 + requests; i++) await post(i);
    const ms = performance.now() - started;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = path.join(out, 'intake-main.cpuprofile');
    await writeFile(file, JSON.stringify(profile));
    const nodes = profile.nodes as unknown as ProfileNode[];
    const total = nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const bySelf = new Map<string, number>();
    for (const n of nodes) {
      const where = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/.*wt-[^/]+\//, '')}:${n.callFrame.lineNumber + 1}`;
      bySelf.set(where, (bySelf.get(where) ?? 0) + (n.hitCount ?? 0));
    }
    console.log(`${requests} serial POST /orders in ${ms.toFixed(0)} ms (${(ms / requests).toFixed(2)} ms each); profile ${file}`);
    for (const [where, hits] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * hits) / total).toFixed(1).padStart(5)} %  ${where}`);
  } finally {
    await rt.stop();
  }
}

await main();

/**
 * `npm run bench`: starts the local runtime (in-memory DynamoDB Local, random ports), runs the
 * benchmark suites against it and writes bench/results.json (figures + machine + date).
 * Not a test: figures are reported, never asserted.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalRuntime } from '../local/runtime';
import { benchIntake } from './intake';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsFile = path.join(here, 'results.json');

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? Number.NaN : Number(arg.split('=')[1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function main(): Promise<void> {
  const requests = flag('requests', 2000);
  const concurrency = flag('concurrency', 4);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-bench-'));
  const runtime = await startLocalRuntime({ dataDir, port: 0, ddbPort: 0, inMemory: true, seed: true, quiet: true });
  try {
    console.log(`bench: intake, ${requests} requests at concurrency ${concurrency} (and at 1)`);
    const intake = await benchIntake(runtime.endpoints, { requests, concurrency, warmup: 200 });
    const intakeSerial = await benchIntake(runtime.endpoints, { requests: Math.ceil(requests / 2), concurrency: 1, warmup: 50 });

    const previous: Record<string, unknown> = await readFile(resultsFile, 'utf8')
      .then((text) => JSON.parse(text) as Record<string, unknown>)
      .catch(() => ({}));
    const results = {
      ...previous,
      measuredAt: new Date().toISOString(),
      machine: {
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      },
      intake: { [`concurrency${concurrency}`]: intake, concurrency1: intakeSerial },
    };
    await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    const line = (label: string, r: typeof intake): string =>
      `${label}: raw PutItem ${r.rawPutItem.perSecond}/s, intake ${r.intake.perSecond}/s (ratio ${r.intakeToRawRatio}), ` +
      `intake p50 ${r.intake.p50Ms} ms p99 ${r.intake.p99Ms} ms, errors ${r.intake.errors}, goals ${r.goals.met ? 'met' : 'NOT met'}`;
    console.log(line(`concurrency ${concurrency}`, intake));
    console.log(line('concurrency 1', intakeSerial));
    console.log(`written ${path.relative(process.cwd(), resultsFile)}`);
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Starts the local runtime ONCE for the browser project (temporary data directory, in-memory DynamoDB
 * Local, random ports) with the simulated suppliers on, so that an order released by an operator in the
 * dashboard goes on to DELIVERED by itself. Tests read the endpoints with `inject('endpoints')`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalRuntime } from '../../local/runtime/runtime';

const START_DEADLINE_MS = 300_000; // a loaded 2-core CI machine rebuilding every bundle
const STOP_DEADLINE_MS = 20_000;

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-browser-'));
  const runtime = await withDeadline(
    startLocalRuntime({ dataDir, port: 0, ddbPort: 0, inMemory: true, quiet: true, warm: true, suppliers: true, supplierStepMs: 300, timeScale: 1 / 360 }),
    START_DEADLINE_MS,
    'Starting the local runtime',
  ).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  project.provide('endpoints', runtime.endpoints);
  project.provide('startupSeconds', Math.round(runtime.startupMs / 100) / 10);
  return async () => {
    try {
      await withDeadline(runtime.stop(), STOP_DEADLINE_MS, 'Stopping the local runtime');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  };
}

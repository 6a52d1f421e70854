/**
 * Starts the local runtime ONCE for the integration project: in this process, with a temporary data
 * directory, in-memory DynamoDB Local and random ports; the synthesized app, the real handlers.
 * Tests read the endpoints with `inject('endpoints')` and stop nothing themselves.
 *
 * Workflow tests script the suppliers themselves: the simulated suppliers are off. Local time runs at
 * 1/360 (an hour of SLA lasts 10 s); a test that needs a shorter wait sets it per execution
 * (`POST <stepFunctions.endpoint>/_local/overrides`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalRuntime, type LocalEndpoints } from '../../local/runtime/runtime';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The runtime's endpoints.json content. */
    endpoints: LocalEndpoints;
    /** Seconds the runtime took to be ready (synth + DynamoDB Local + tables + seed + warm workers). */
    startupSeconds: number;
  }
}

const START_DEADLINE_MS = 120_000;
/** Local time of the integration runtime: one hour of workflow waits lasts 10 s. */
export const TIME_SCALE = 1 / 360;
const STOP_DEADLINE_MS = 20_000;

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-it-'));
  const runtime = await withDeadline(
    startLocalRuntime({ dataDir, port: 0, ddbPort: 0, inMemory: true, quiet: true, warm: true, suppliers: false, timeScale: TIME_SCALE }),
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

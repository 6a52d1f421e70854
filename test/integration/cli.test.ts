/**
 * `npm start` as a newcomer meets it: the CLI as a child process. One line with `ready` and the API URL,
 * data that persists across restarts, clear one-line errors for a second start or a taken port, a clean
 * Ctrl-C, and no orphan Java or Node process even when the CLI is SIGKILLed.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../local/runtime/runtime';
import { endpoints, http, obj, orderBody } from './helpers';

const TSX_LOADER = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');

interface Cli {
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  exited: Promise<number | null>;
}

function runCli(args: readonly string[]): Cli {
  const child = spawn(process.execPath, ['--import', `file://${TSX_LOADER}`, path.join(REPO_ROOT, 'local', 'tools', 'cli.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '', DDB_PORT: '' },
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every descendant process of `pid` (children, grandchildren, ...). */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const READY = /^ready: API (http:\/\/127\.0\.0\.1:\d+) /m;
const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe('npm start (local/tools/cli.ts)', () => {
  let dataDir: string;
  const started: Cli[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-cli-'));
  });

  afterAll(async () => {
    for (const cli of started) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a second start on a running data directory fails with one clear message, no stack trace', async () => {
    const cli = runCli(['start', '--data-dir', endpoints().dataDir, '--port', '0', '--ddb-port', '0']);
    const code = await within(cli.exited, 30_000, 'second start');
    expect(code).toBe(1);
    expect(cli.output()).toContain('The local runtime is already running');
    expect(cli.output()).not.toMatch(STACK_LINE);
  });

  it('a taken API port fails fast with a clear message, before Java starts', async () => {
    const port = new URL(endpoints().apiUrl).port;
    const otherDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-cli-port-'));
    try {
      const cli = runCli(['start', '--data-dir', otherDir, '--port', port, '--ddb-port', '0']);
      const code = await within(cli.exited, 30_000, 'start on a taken port');
      expect(code).toBe(1);
      expect(cli.output()).toContain(`Port ${port} (local API) is already in use`);
      expect(cli.output()).not.toMatch(STACK_LINE);
      expect(existsSync(path.join(otherDir, 'dynamodb'))).toBe(false);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('starts, prints one ready line, keeps data across a clean Ctrl-C restart, and leaves no orphans even on SIGKILL', async () => {
    // First run: create an order, then Ctrl-C.
    const first = runCli(['start', '--data-dir', dataDir, '--port', '0', '--ddb-port', '0']);
    started.push(first);
    const apiUrl = await waitFor('the ready line', 60_000, () => READY.exec(first.output())?.[1]);
    expect(first.output().match(/ready/g)).toHaveLength(1);
    const endpointsFile = JSON.parse(await readFile(path.join(dataDir, 'endpoints.json'), 'utf8')) as { apiKey: string };
    const created = await http(apiUrl, 'POST', '/orders', {
      body: JSON.stringify(orderBody()),
      headers: { 'content-type': 'application/json', 'x-api-key': endpointsFile.apiKey, 'Idempotency-Key': randomUUID() },
    });
    expect(created.status).toBe(201);
    const orderId = String(obj(created.json)['orderId']);
    const firstChildren = descendants(first.child.pid ?? 0);
    expect(firstChildren.length).toBeGreaterThan(0);
    first.child.kill('SIGINT');
    expect(await within(first.exited, 20_000, 'Ctrl-C')).toBe(0);
    expect(first.output()).toContain('Stopped.');
    await waitFor('the first run’s processes to end', 10_000, () => (firstChildren.every((p) => !alive(p)) ? true : undefined));

    // Second run: same key, the order is still there; then SIGKILL: DynamoDB Local must die with it.
    const second = runCli(['start', '--data-dir', dataDir, '--port', '0', '--ddb-port', '0']);
    started.push(second);
    const apiUrl2 = await waitFor('the second ready line', 60_000, () => READY.exec(second.output())?.[1]);
    const endpoints2 = JSON.parse(await readFile(path.join(dataDir, 'endpoints.json'), 'utf8')) as { apiKey: string };
    expect(endpoints2.apiKey).toBe(endpointsFile.apiKey);
    const again = await http(apiUrl2, 'GET', `/orders/${orderId}`, { headers: { 'x-api-key': endpoints2.apiKey } });
    expect(again.status).toBe(200);
    const secondChildren = descendants(second.child.pid ?? 0);
    expect(secondChildren.length).toBeGreaterThan(0);
    second.child.kill('SIGKILL');
    await within(second.exited, 10_000, 'SIGKILL');
    await waitFor('DynamoDB Local to die with its parent', 10_000, () => (secondChildren.every((p) => !alive(p)) ? true : undefined));
  }, 150_000);
});

/**
 * One local runtime per data directory: `<dataDir>/runtime.lock` holds the owner's pid, checked for
 * liveness, so a second `npm start` fails with a clear message and a crashed one does not block the next.
 */
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from './ports';

export interface LockInfo {
  readonly pid: number;
  readonly startedAt: string;
  readonly apiUrl?: string;
}

export class AlreadyRunningError extends Error {
  constructor(
    readonly info: LockInfo,
    dataDir: string,
  ) {
    super(
      `The local runtime is already running (pid ${info.pid}${info.apiUrl === undefined ? '' : `, API ${info.apiUrl}`}, data in ${dataDir}).\n` +
        `Use that one, or stop it first (Ctrl-C in its terminal, or \`kill ${info.pid}\`).\n` +
        `(If pid ${info.pid} is not a local runtime, delete ${lockPath(dataDir)}.)`,
    );
    this.name = 'AlreadyRunningError';
  }
}

export function lockPath(dataDir: string): string {
  return path.join(dataDir, 'runtime.lock');
}

/** Whether `pid` is a live process that could be a local runtime (a recycled pid of another program is not). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /node|tsx|vitest/.test(cmdline);
  } catch {
    return true;
  }
}

function parse(text: string): LockInfo | undefined {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== 'object' || raw === null) return undefined;
    const r = raw as Record<string, unknown>;
    if (typeof r['pid'] !== 'number') return undefined;
    return {
      pid: r['pid'],
      startedAt: typeof r['startedAt'] === 'string' ? r['startedAt'] : '',
      ...(typeof r['apiUrl'] === 'string' ? { apiUrl: r['apiUrl'] } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The live owner of the data directory, if any. */
export async function readLiveLock(dataDir: string): Promise<LockInfo | undefined> {
  const text = await readFile(lockPath(dataDir), 'utf8').catch(() => undefined);
  const info = text === undefined ? undefined : parse(text);
  return info !== undefined && isAlive(info.pid) ? info : undefined;
}

export interface Lock {
  update(info: Partial<LockInfo>): Promise<void>;
  release(): Promise<void>;
}

export async function acquireLock(dataDir: string): Promise<Lock> {
  await mkdir(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  let info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify(info));
      await handle.close();
      break;
    } catch (error) {
      if (!isErrno(error, 'EEXIST') || attempt > 2) throw error;
      const live = await readLiveLock(dataDir);
      if (live !== undefined) throw new AlreadyRunningError(live, dataDir);
      await rm(file, { force: true }); // stale: its owner is gone
    }
  }
  return {
    async update(more) {
      info = { ...info, ...more };
      await writeFile(file, JSON.stringify(info));
    },
    async release() {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined && parse(text)?.pid === process.pid) await rm(file, { force: true });
    },
  };
}

/**
 * CPU spent during the measured end-to-end run, per order: this Node process's main thread (the stand-ins:
 * gateway, Step Functions, SQS, S3, pollers, the bench's counting proxies), its other threads (the function
 * workers running the handlers, plus GC and libuv helpers), and the DynamoDB Local JVM (found by its port).
 * Threads that ended during the run (a replaced worker) are not counted.
 * Linux only (reads /proc); elsewhere the figures are empty. CPU time is far less sensitive to other work
 * on the machine than wall time, so this is the profile to compare runs with.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** utime + stime of a /proc stat file, in ms; 0 when unreadable. */
function statCpuMs(file: string): { comm: string; ms: number } {
  try {
    const text = readFileSync(file, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    return { comm, ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS };
  } catch {
    return { comm: '', ms: 0 };
  }
}

/** The main thread (the stand-ins), or any other thread: mostly the function workers (plus GC and libuv helpers). */
function threadKind(tid: string): string {
  return tid === String(process.pid) ? 'nodeMainThread' : 'nodeWorkerThreads';
}

function nodeThreads(): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    const { ms } = statCpuMs(`/proc/self/task/${tid}/stat`);
    const kind = threadKind(tid);
    out[kind] = (out[kind] ?? 0) + ms;
  }
  return out;
}

/** The pid of the java process listening on `port` (its command line names the port). */
function jvmPid(port: string): string | undefined {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmd = (() => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        } catch {
          return [];
        }
      })();
      if (cmd[0]?.endsWith('java') === true && cmd.includes(port)) return pid;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export type CpuPerOrder = Readonly<Record<string, number>>;

/** Start counting now; the returned function gives ms of CPU per order (by part) since the start. */
export function startCpuCount(ddbEndpoint: string): (orders: number) => CpuPerOrder {
  const pid = jvmPid(new URL(ddbEndpoint).port);
  const jvm = (): number => (pid === undefined ? 0 : statCpuMs(`/proc/${pid}/stat`).ms);
  const before = { threads: nodeThreads(), jvm: jvm() };
  return (orders) => {
    const after = nodeThreads();
    const out: Record<string, number> = {};
    for (const [kind, ms] of Object.entries(after)) out[kind] = ms - (before.threads[kind] ?? 0);
    out['dynamodbLocalJvm'] = jvm() - before.jvm;
    const per: Record<string, number> = {};
    let total = 0;
    for (const [kind, ms] of Object.entries(out)) {
      per[kind] = Math.round(ms / Math.max(1, orders));
      total += ms;
    }
    per['total'] = Math.round(total / Math.max(1, orders));
    return per;
  };
}

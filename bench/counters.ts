/**
 * Usage counters for the cost model: Lambda invocations and durations (from the runtime's `onInvoke`),
 * SQS requests (SDK middleware on a client), log bytes written by the functions.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { InvokeResult } from '../local/emulators/lambda/lambda';

export interface FunctionUsage {
  invocations: number;
  errors: number;
  /** Sum of per-invocation durations rounded up to 1 ms (Lambda's billing granularity). */
  billedMs: number;
  durationsMs: number[];
}

export class LambdaCounter {
  private usage = new Map<string, FunctionUsage>();

  record(functionLogicalId: string, result: InvokeResult): void {
    let u = this.usage.get(functionLogicalId);
    if (u === undefined) {
      u = { invocations: 0, errors: 0, billedMs: 0, durationsMs: [] };
      this.usage.set(functionLogicalId, u);
    }
    u.invocations++;
    if (!result.ok) u.errors++;
    u.billedMs += Math.max(1, Math.ceil(result.durationMs));
    u.durationsMs.push(result.durationMs);
  }

  reset(): void {
    this.usage = new Map();
  }

  snapshot(): ReadonlyMap<string, FunctionUsage> {
    return new Map([...this.usage].map(([k, v]) => [k, { ...v, durationsMs: [...v.durationsMs] }]));
  }
}

export interface SqsUsage {
  readonly byCommand: Record<string, number>;
  receivesWithMessages: number;
  emptyReceives: number;
  messagesReceived: number;
  errors: number;
}

/** Counts every request an SQS client sends (by command), telling empty receives apart. */
export class SqsCounter {
  private usage: SqsUsage = SqsCounter.empty();

  private static empty(): SqsUsage {
    return { byCommand: {}, receivesWithMessages: 0, emptyReceives: 0, messagesReceived: 0, errors: 0 };
  }

  attach(client: SQSClient, name: string): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const u = this.usage;
        u.byCommand[command] = (u.byCommand[command] ?? 0) + 1;
        try {
          const out = await next(args);
          if (command === 'ReceiveMessageCommand') {
            const output: unknown = out.output;
            const messages = typeof output === 'object' && output !== null && 'Messages' in output && Array.isArray(output.Messages) ? output.Messages.length : 0;
            if (messages > 0) {
              u.receivesWithMessages++;
              u.messagesReceived += messages;
            } else u.emptyReceives++;
          }
          return out;
        } catch (error) {
          u.errors++;
          throw error;
        }
      },
      { step: 'initialize', name: `benchSqsCounter-${name}` },
    );
  }

  reset(): void {
    this.usage = SqsCounter.empty();
  }

  snapshot(): SqsUsage {
    return structuredClone(this.usage);
  }
}

/** Total size of the files in a directory (the runtime's function logs). */
export async function directoryBytes(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const sizes = await Promise.all(names.map((n) => stat(path.join(dir, n)).then((s) => (s.isFile() ? s.size : 0), () => 0)));
  return sizes.reduce((a, b) => a + b, 0);
}

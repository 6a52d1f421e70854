/**
 * Rule targets of the local EventBridge: the input a target receives (Input, InputPath or
 * InputTransformer applied) and its delivery (Lambda: async invoke, 2 retries; SQS: SendMessage).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isRecord } from '../../../functions/core/kernel/guards';
import type { EventRuleSpec, RuleTarget } from '../../template/events';
import { sleep } from '../clock';
import type { InvokeResult } from '../lambda/lambda';
import type { BusEvent } from './bus';

export interface TargetResult {
  readonly target: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly error?: string;
}

export function targetLabel(target: RuleTarget): string {
  if (target.kind === 'lambda') return target.functionLogicalId;
  if (target.kind === 'sqs') return target.queueUrl.split('/').pop() ?? target.queueUrl;
  return target.arn;
}

/** `$.a.b[0].c` on a JSON value (the JSONPath subset EventBridge input paths use). */
export function simplePath(value: unknown, jsonPath: string): unknown {
  if (jsonPath === '$') return value;
  const parts = jsonPath
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p !== '');
  let current: unknown = value;
  for (const p of parts) {
    if (Array.isArray(current)) current = current[Number(p)];
    else if (isRecord(current)) current = current[p];
    else return undefined;
  }
  return current;
}

/** What a rule target receives (Input, InputPath or InputTransformer applied). */
export function targetInput(target: RuleTarget, event: BusEvent): unknown {
  const t = target.transform;
  if (t.input !== undefined) return JSON.parse(t.input) as unknown;
  if (t.inputPath !== undefined) return simplePath(event, t.inputPath);
  if (t.inputTransformer !== undefined) {
    const values = Object.fromEntries(Object.entries(t.inputTransformer.pathsMap).map(([k, p]) => [k, simplePath(event, p)]));
    const text = t.inputTransformer.template.replace(/<([A-Za-z0-9_.-]+)>/g, (whole, key: string) => {
      if (key === 'aws.events.event') return JSON.stringify(event);
      if (key === 'aws.events.event.json') return JSON.stringify(event);
      if (!(key in values)) return whole;
      const v = values[key];
      return typeof v === 'string' ? v : JSON.stringify(v ?? null);
    });
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return event;
}

export interface DeliveryDeps {
  readonly invokeAsync: (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;
  readonly sqs?: SQSClient | undefined;
  readonly signal: AbortSignal;
  readonly stats: { deliveries: number; failedDeliveries: number };
  readonly log?: ((line: string) => void) | undefined;
}

/** Send to one target; throws what the target answered. False: the target is not emulated. */
async function sendOnce(deps: DeliveryDeps, target: RuleTarget, input: unknown): Promise<boolean> {
  if (target.kind === 'lambda') {
    const result = await deps.invokeAsync(target.functionLogicalId, input);
    if (!result.ok) throw new Error(`${result.error.errorType}: ${result.error.errorMessage}`);
    return true;
  }
  if (target.kind === 'sqs') {
    if (deps.sqs === undefined) throw new Error('no local SQS');
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: typeof input === 'string' ? input : JSON.stringify(input) }));
    return true;
  }
  return false;
}

/** Deliver an event to a rule target: 3 attempts (200 ms, 400 ms apart), until the bus stops. */
export async function deliverToTarget(deps: DeliveryDeps, rule: EventRuleSpec, target: RuleTarget, event: BusEvent): Promise<TargetResult> {
  const started = performance.now();
  const label = targetLabel(target);
  const input = targetInput(target, event);
  let lastError = 'not delivered';
  for (let attempt = 0; attempt < 3 && !deps.signal.aborted; attempt++) {
    try {
      if (!(await sendOnce(deps, target, input))) return { target: label, ok: false, durationMs: 0, error: 'target not emulated locally' };
      deps.stats.deliveries++;
      return { target: label, ok: true, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      if (attempt === 2) {
        deps.stats.failedDeliveries++;
        deps.log?.(`  [events] rule ${rule.logicalId} -> ${target.id} failed: ${lastError}`);
      } else {
        await sleep(200 * (attempt + 1), deps.signal);
      }
    }
  }
  return { target: label, ok: false, durationMs: Math.round(performance.now() - started), error: lastError };
}

/** What the event source mappings share: their options, their counters, the ReportBatchItemFailures reading. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { isRecord } from '../../../functions/core/kernel/guards';
import type { EventSourceMappingSpec, QueueSpec } from '../../template/queues';
import type { TableSpec } from '../../template/tables';
import type { InvokeResult } from '../lambda/lambda';

export type Invoke = (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;

export interface EventSourcesOptions {
  readonly mappings: readonly EventSourceMappingSpec[];
  readonly invoke: Invoke;
  readonly functionArn: (functionLogicalId: string) => string;
  readonly sqs?: SQSClient;
  readonly queues: readonly QueueSpec[];
  readonly dynamodb?: { readonly client: DynamoDBClient; readonly endpoint: string };
  readonly tables: readonly TableSpec[];
  /** Where checkpoints are kept (undefined: in memory only). */
  readonly dataDir?: string;
  /** Multiplier for SQS visibility timeouts of failed messages (the runtime's time scale). @default 1 */
  readonly timeScale?: number;
  /** Stream polling interval. @default 100 */
  readonly pollIntervalMs?: number;
  /** Cap on MaximumBatchingWindowInSeconds. @default 100 */
  readonly maxBatchingWindowMs?: number;
  readonly log?: (line: string) => void;
}

export interface MappingStats {
  readonly logicalId: string;
  readonly kind: string;
  invocations: number;
  records: number;
  filteredOut: number;
  failedInvocations: number;
  sentToOnFailure: number;
}


/** Parse a ReportBatchItemFailures response: the failed identifiers, or 'invalid' (= whole batch failed). */
export function batchItemFailures(value: unknown, known: ReadonlySet<string>): Set<string> | 'invalid' {
  if (value === null || value === undefined) return new Set();
  if (!isRecord(value)) return new Set();
  const list = value['batchItemFailures'];
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return 'invalid';
  const out = new Set<string>();
  for (const item of list) {
    const id = isRecord(item) ? item['itemIdentifier'] : undefined;
    if (typeof id !== 'string' || id === '' || !known.has(id)) return 'invalid';
    out.add(id);
  }
  return out;
}

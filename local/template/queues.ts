/**
 * SQS queues of the template (names, local URLs and ARNs, attributes, redrive) and the Lambda event
 * source mappings that read them or the tables' streams.
 */
import { isRecord } from '../../functions/core/kernel/guards';
import { parsePattern, type Pattern } from '../emulators/patterns';
import { bool, num, props, resourcesOfType, targetOf, type CfnTemplate } from './cfn';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION } from './local-ids';
import { type Resolver } from './resolve';

export interface QueueSpec {
  readonly logicalId: string;
  /** Local queue name: QueueName when the template sets one, else the logical id (+ `.fifo` for FIFO). */
  readonly queueName: string;
  readonly fifo: boolean;
  /** CreateQueue attributes (strings, as the SQS API takes them), RedrivePolicy with the resolved DLQ ARN included. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly redrive?: { readonly deadLetterLogicalId?: string; readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
  /** Local URL (`Ref`) and ARN (`Fn::GetAtt Arn`). */
  readonly url: string;
  readonly arn: string;
}

const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

/** Local queue names, before any queue exists (the URLs need only the endpoint). */
export function queueNames(template: CfnTemplate, resolver: Resolver): Map<string, string> {
  const names = new Map<string, string>();
  for (const [logicalId, queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
    const p = props(queue);
    const fifo = bool(resolver.resolve(p['FifoQueue']), false);
    const explicit = resolver.resolve(p['QueueName']);
    names.set(logicalId, typeof explicit === 'string' && explicit !== '' ? explicit : fifo ? `${logicalId}.fifo` : logicalId);
  }
  return names;
}

export function localQueueUrl(endpoint: string, queueName: string): string {
  return `${endpoint.replace(/\/$/, '')}/${LOCAL_ACCOUNT}/${queueName}`;
}

export function localQueueArn(queueName: string): string {
  return `arn:${LOCAL_PARTITION}:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${queueName}`;
}

/** Resolver overrides for every queue (Ref = URL, Arn, QueueName, QueueUrl) on a local SQS endpoint. */
export function queueOverrides(
  template: CfnTemplate,
  resolver: Resolver,
  endpoint: string,
): { refs: Map<string, string>; attrs: Map<string, unknown> } {
  const refs = new Map<string, string>();
  const attrs = new Map<string, unknown>();
  for (const [logicalId, name] of queueNames(template, resolver)) {
    const url = localQueueUrl(endpoint, name);
    refs.set(logicalId, url);
    attrs.set(`${logicalId}.Arn`, localQueueArn(name));
    attrs.set(`${logicalId}.QueueName`, name);
    attrs.set(`${logicalId}.QueueUrl`, url);
  }
  return { refs, attrs };
}

export function readQueues(template: CfnTemplate, resolver: Resolver): QueueSpec[] {
  const names = queueNames(template, resolver);
  return resourcesOfType(template, 'AWS::SQS::Queue').map(([logicalId, queue]) => {
    const p = props(queue);
    const queueName = names.get(logicalId) ?? logicalId;
    const attributes: Record<string, string> = {};
    for (const key of QUEUE_ATTRIBUTES) {
      const value = resolver.resolve(p[key]);
      if (value !== undefined && value !== null) attributes[key] = String(value);
    }
    const fifo = attributes['FifoQueue'] === 'true';
    let redrive: QueueSpec['redrive'];
    const rawPolicy = p['RedrivePolicy'];
    if (rawPolicy !== undefined) {
      const resolved = resolver.resolve(rawPolicy);
      const policy: unknown = typeof resolved === 'string' ? JSON.parse(resolved) : resolved;
      if (isRecord(policy) && typeof policy['deadLetterTargetArn'] === 'string') {
        const dlqTarget = isRecord(rawPolicy) ? targetOf(rawPolicy['deadLetterTargetArn']) : undefined;
        redrive = {
          ...(dlqTarget === undefined ? {} : { deadLetterLogicalId: dlqTarget }),
          deadLetterTargetArn: policy['deadLetterTargetArn'],
          maxReceiveCount: num(policy['maxReceiveCount'], 10),
        };
        attributes['RedrivePolicy'] = JSON.stringify({ deadLetterTargetArn: redrive.deadLetterTargetArn, maxReceiveCount: redrive.maxReceiveCount });
      }
    }
    return {
      logicalId,
      queueName,
      fifo,
      attributes,
      ...(redrive === undefined ? {} : { redrive }),
      url: resolver.resolveString({ Ref: logicalId }, `queue ${logicalId}`),
      arn: resolver.resolveString({ 'Fn::GetAtt': [logicalId, 'Arn'] }, `queue ${logicalId}`),
    };
  });
}


// ---------------------------------------------------------------------------------------------------
// Event source mappings

export type EventSource =
  | { readonly kind: 'sqs'; readonly queueLogicalId: string; readonly queueArn: string }
  | { readonly kind: 'dynamodb'; readonly tableLogicalId: string; readonly streamArn: string }
  | { readonly kind: 'unsupported'; readonly arn: string };

export interface EventSourceMappingSpec {
  readonly logicalId: string;
  readonly functionLogicalId?: string;
  readonly functionName: string;
  readonly source: EventSource;
  readonly enabled: boolean;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly startingPosition?: string;
  readonly filters: readonly Pattern[];
  readonly reportBatchItemFailures: boolean;
  readonly bisectOnError: boolean;
  /** -1 = retry until the record expires (AWS default for streams). */
  readonly maxRetryAttempts: number;
  /** -1 = no limit. */
  readonly maxRecordAgeSeconds: number;
  readonly onFailureArn?: string;
  readonly maxConcurrency?: number;
  readonly parallelizationFactor: number;
}

export function readEventSourceMappings(
  template: CfnTemplate,
  resolver: Resolver,
  functionsByName: ReadonlyMap<string, string>,
): EventSourceMappingSpec[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([logicalId, mapping]) => {
    const p = props(mapping);
    const where = `event source mapping ${logicalId}`;
    const fnTarget = targetOf(p['FunctionName']);
    const functionName = resolver.resolveString(p['FunctionName'], where).split(':function:').pop()?.split(':')[0] ?? '';
    const functionLogicalId =
      fnTarget !== undefined && template.Resources[fnTarget]?.Type === 'AWS::Lambda::Function' ? fnTarget : functionsByName.get(functionName);
    const sourceTarget = targetOf(p['EventSourceArn']);
    const sourceType = sourceTarget === undefined ? undefined : template.Resources[sourceTarget]?.Type;
    const arn = p['EventSourceArn'] === undefined ? '' : resolver.resolveString(p['EventSourceArn'], where);
    let source: EventSource;
    if (sourceTarget !== undefined && sourceType === 'AWS::SQS::Queue') {
      source = { kind: 'sqs', queueLogicalId: sourceTarget, queueArn: arn };
    } else if (sourceTarget !== undefined && (sourceType === 'AWS::DynamoDB::Table' || sourceType === 'AWS::DynamoDB::GlobalTable')) {
      source = { kind: 'dynamodb', tableLogicalId: sourceTarget, streamArn: arn };
    } else {
      source = { kind: 'unsupported', arn };
    }
    const criteria = resolver.resolve(p['FilterCriteria']);
    const filters = isRecord(criteria) && Array.isArray(criteria['Filters'])
      ? criteria['Filters'].filter(isRecord).map((f, i) => parsePattern(f['Pattern'], `${where} filter ${i}`))
      : [];
    const responseTypes = resolver.resolve(p['FunctionResponseTypes']);
    const destination = resolver.resolve(p['DestinationConfig']);
    const onFailure = isRecord(destination) && isRecord(destination['OnFailure']) ? destination['OnFailure']['Destination'] : undefined;
    const scaling = resolver.resolve(p['ScalingConfig']);
    const maxConcurrency = isRecord(scaling) ? num(scaling['MaximumConcurrency'], Number.NaN) : Number.NaN;
    const isStream = source.kind === 'dynamodb';
    const startingPosition = resolver.resolve(p['StartingPosition']);
    return {
      logicalId,
      ...(functionLogicalId === undefined ? {} : { functionLogicalId }),
      functionName,
      source,
      enabled: bool(resolver.resolve(p['Enabled']), true),
      batchSize: num(resolver.resolve(p['BatchSize']), isStream ? 100 : 10),
      maxBatchingWindowSeconds: num(resolver.resolve(p['MaximumBatchingWindowInSeconds']), 0),
      ...(typeof startingPosition === 'string' ? { startingPosition } : {}),
      filters,
      reportBatchItemFailures: Array.isArray(responseTypes) && responseTypes.includes('ReportBatchItemFailures'),
      bisectOnError: bool(resolver.resolve(p['BisectBatchOnFunctionError']), false),
      maxRetryAttempts: num(resolver.resolve(p['MaximumRetryAttempts']), -1),
      maxRecordAgeSeconds: num(resolver.resolve(p['MaximumRecordAgeInSeconds']), -1),
      ...(typeof onFailure === 'string' ? { onFailureArn: onFailure } : {}),
      ...(Number.isFinite(maxConcurrency) ? { maxConcurrency } : {}),
      parallelizationFactor: num(resolver.resolve(p['ParallelizationFactor']), 1),
    };
  });
}

/**
 * The asynchronous half of the template, read for the local runtime: SQS queues, Lambda event source
 * mappings (SQS and DynamoDB streams), Step Functions state machines, EventBridge buses and rules.
 * Like local/template.ts, everything the runtime emulates comes from here, never from a second list.
 */
import { parsePattern, type Pattern } from './patterns';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION, type Resolver } from './resolve';
import { resourcesOfType, targetOf } from './template';
import type { CfnResource, CfnTemplate } from './template-types';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function props(resource: CfnResource): Readonly<Record<string, unknown>> {
  return resource.Properties ?? {};
}

function num(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

function bool(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fallback;
}

// ---------------------------------------------------------------------------------------------------
// SQS

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

// ---------------------------------------------------------------------------------------------------
// Step Functions

export interface StateMachineSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** The ASL definition with every intrinsic and DefinitionSubstitution resolved. */
  readonly definition: Readonly<Record<string, unknown>>;
  readonly roleArn?: string;
}

export function localStateMachineArn(name: string): string {
  return `arn:${LOCAL_PARTITION}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
}

export function readStateMachines(template: CfnTemplate, resolver: Resolver): StateMachineSpec[] {
  return resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([logicalId, machine]) => {
    const p = props(machine);
    const where = `state machine ${logicalId}`;
    const substitutions = resolver.resolve(p['DefinitionSubstitutions']);
    const substitute = (text: string): string =>
      isRecord(substitutions)
        ? text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => (key in substitutions ? String(substitutions[key]) : whole))
        : text;
    let definitionText: string;
    if (p['DefinitionString'] !== undefined) {
      definitionText = resolver.resolveString(p['DefinitionString'], `${where} DefinitionString`);
    } else if (p['Definition'] !== undefined) {
      definitionText = JSON.stringify(resolver.resolve(p['Definition']));
    } else {
      throw new Error(`${where}: only DefinitionString / Definition are supported locally (not DefinitionS3Location)`);
    }
    const definition: unknown = JSON.parse(substitute(definitionText));
    if (!isRecord(definition)) throw new Error(`${where}: the definition is not a JSON object`);
    const name = resolver.resolve(p['StateMachineName']);
    const type = resolver.resolve(p['StateMachineType']);
    const role = p['RoleArn'] === undefined ? undefined : resolver.resolve(p['RoleArn']);
    return {
      logicalId,
      name: typeof name === 'string' ? name : logicalId,
      arn: resolver.resolveString({ Ref: logicalId }, where),
      type: type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      definition,
      ...(typeof role === 'string' ? { roleArn: role } : {}),
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// EventBridge

export interface EventBusSpec {
  /** Undefined for the account's `default` bus. */
  readonly logicalId?: string;
  readonly name: string;
  readonly arn: string;
}

export type RuleTarget =
  | { readonly kind: 'lambda'; readonly id: string; readonly arn: string; readonly functionLogicalId: string; readonly transform: TargetTransform }
  | { readonly kind: 'sqs'; readonly id: string; readonly arn: string; readonly queueUrl: string; readonly transform: TargetTransform }
  | { readonly kind: 'unsupported'; readonly id: string; readonly arn: string; readonly transform: TargetTransform };

export interface TargetTransform {
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: { readonly pathsMap: Readonly<Record<string, string>>; readonly template: string };
}

export interface EventRuleSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly busName: string;
  readonly enabled: boolean;
  readonly eventPattern?: Pattern;
  readonly scheduleExpression?: string;
  readonly targets: readonly RuleTarget[];
}

export function localEventBusArn(name: string): string {
  return `arn:${LOCAL_PARTITION}:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${name}`;
}

/** A bus name from a name or an event-bus ARN. */
export function busNameOf(value: string): string {
  const m = /:event-bus\/(.+)$/.exec(value);
  return m?.[1] ?? value;
}

export function readEventBuses(template: CfnTemplate, resolver: Resolver): EventBusSpec[] {
  const buses: EventBusSpec[] = [{ name: 'default', arn: localEventBusArn('default') }];
  for (const [logicalId] of resourcesOfType(template, 'AWS::Events::EventBus')) {
    const name = resolver.resolveString({ Ref: logicalId }, `event bus ${logicalId}`);
    buses.push({ logicalId, name, arn: localEventBusArn(name) });
  }
  return buses;
}

export function readEventRules(template: CfnTemplate, resolver: Resolver, functionsByName: ReadonlyMap<string, string>): EventRuleSpec[] {
  return resourcesOfType(template, 'AWS::Events::Rule').map(([logicalId, rule]) => {
    const p = props(rule);
    const where = `event rule ${logicalId}`;
    const bus = p['EventBusName'] === undefined ? 'default' : busNameOf(resolver.resolveString(p['EventBusName'], where));
    const pattern = p['EventPattern'] === undefined ? undefined : parsePattern(resolver.resolve(p['EventPattern']), `${where} EventPattern`);
    const schedule = resolver.resolve(p['ScheduleExpression']);
    const name = resolver.resolve(p['Name']);
    const state = resolver.resolve(p['State']);
    const targets = (Array.isArray(p['Targets']) ? p['Targets'] : []).filter(isRecord).map((t): RuleTarget => {
      const id = String(resolver.resolve(t['Id']) ?? '');
      const arn = resolver.resolveString(t['Arn'], `${where} target ${id}`);
      const input = resolver.resolve(t['Input']);
      const inputPath = resolver.resolve(t['InputPath']);
      const transformer = resolver.resolve(t['InputTransformer']);
      const transform: TargetTransform = {
        ...(typeof input === 'string' ? { input } : {}),
        ...(typeof inputPath === 'string' ? { inputPath } : {}),
        ...(isRecord(transformer) && typeof transformer['InputTemplate'] === 'string'
          ? {
              inputTransformer: {
                pathsMap: isRecord(transformer['InputPathsMap'])
                  ? Object.fromEntries(Object.entries(transformer['InputPathsMap']).map(([k, v]) => [k, String(v)]))
                  : {},
                template: transformer['InputTemplate'],
              },
            }
          : {}),
      };
      const target = targetOf(t['Arn']);
      const targetType = target === undefined ? undefined : template.Resources[target]?.Type;
      const fnName = /:function:([^:]+)/.exec(arn)?.[1];
      const fnLogicalId = targetType === 'AWS::Lambda::Function' ? target : fnName === undefined ? undefined : functionsByName.get(fnName);
      if (fnLogicalId !== undefined) return { kind: 'lambda', id, arn, functionLogicalId: fnLogicalId, transform };
      if (target !== undefined && targetType === 'AWS::SQS::Queue') {
        return { kind: 'sqs', id, arn, queueUrl: resolver.resolveString({ Ref: target }, `${where} target ${id}`), transform };
      }
      return { kind: 'unsupported', id, arn, transform };
    });
    return {
      logicalId,
      name: typeof name === 'string' ? name : logicalId,
      busName: bus,
      enabled: state !== 'DISABLED',
      ...(pattern === undefined ? {} : { eventPattern: pattern }),
      ...(typeof schedule === 'string' ? { scheduleExpression: schedule } : {}),
      targets,
    };
  });
}

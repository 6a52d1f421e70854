/**
 * The one reader of the synthesized CloudFormation template: everything the local runtime builds comes
 * from here (tables, functions, API routes, API keys and usage plans, secrets, queues and event source
 * mappings, state machines, event buses and rules, buckets), never from a second hand-written list.
 * Each resource family has its own module in local/template/; this one assembles the model.
 */
import { readApiKeys, readApis, readUsagePlans, type ApiKeySpec, type RestApiSpec, type UsagePlanSpec } from './apis';
import { readBuckets, type BucketSpec } from './buckets';
import type { CfnTemplate } from './cfn';
import { readEventBuses, readEventRules, type EventBusSpec, type EventRuleSpec } from './events';
import { readFunctions, type FunctionSpec, type SkippedFunction } from './functions';
import { readEventSourceMappings, readQueues, type EventSourceMappingSpec, type QueueSpec } from './queues';
import type { Resolver } from './resolve';
import { readSecrets, type SecretSpec } from './secrets';
import { readTables, type TableSpec } from './tables';
import { readStateMachines, type StateMachineSpec } from './workflows';

export interface LocalModel {
  readonly tables: readonly TableSpec[];
  readonly functions: readonly FunctionSpec[];
  /** Functions in the template without `dropship:entry` (e.g. CDK's own custom resource providers). */
  readonly skippedFunctions: readonly SkippedFunction[];
  readonly apis: readonly RestApiSpec[];
  readonly apiKeys: readonly ApiKeySpec[];
  readonly usagePlans: readonly UsagePlanSpec[];
  readonly secrets: readonly SecretSpec[];
  readonly queues: readonly QueueSpec[];
  readonly eventSourceMappings: readonly EventSourceMappingSpec[];
  readonly stateMachines: readonly StateMachineSpec[];
  readonly eventBuses: readonly EventBusSpec[];
  readonly eventRules: readonly EventRuleSpec[];
  /** S3 buckets with their event notifications (local/template/buckets.ts). */
  readonly buckets: readonly BucketSpec[];
}

/** Read the whole local model from a template. */
export function readTemplate(template: CfnTemplate, resolver: Resolver, repoRoot: string, assemblyDir?: string): LocalModel {
  const { functions, skipped } = readFunctions(template, resolver, repoRoot, assemblyDir);
  const functionsByName = new Map(functions.map((f) => [f.functionName, f.logicalId]));
  const queues = readQueues(template, resolver);
  return {
    tables: readTables(template, resolver),
    functions,
    skippedFunctions: skipped,
    apis: readApis(template, resolver, functions),
    apiKeys: readApiKeys(template, resolver),
    usagePlans: readUsagePlans(template, resolver),
    secrets: readSecrets(template, resolver),
    queues,
    eventSourceMappings: readEventSourceMappings(template, resolver, functionsByName),
    stateMachines: readStateMachines(template, resolver),
    eventBuses: readEventBuses(template, resolver),
    eventRules: readEventRules(template, resolver, functionsByName),
    buckets: readBuckets(template, resolver, functionsByName, queues),
  };
}

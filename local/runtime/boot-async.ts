/**
 * Boot steps of the local runtime, part 3: the event source mappings, the API routes served, the
 * asynchronous world started (stream and queue pollers, executions interrupted by the last stop), and the
 * simulated demo suppliers.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventSources } from '../emulators/event-sources/event-sources';
import type { LocalApiKey } from '../emulators/gateway/gateway';
import type { LocalModel } from '../template/reader';
import { localFunctionArn } from '../template/local-ids';
import { DEMO_SUPPLIERS } from '../tools/demo-data';
import { currentInventoryCsv, supplierFreshness, supplierPrefixes, templateSupplierFiles } from '../tools/supplier-files';
import { SupplierSimulator, type SimulatedFileSupplier, type SimulatedSupplier } from '../tools/supplier-sim';
import type { Data, Services } from './boot-services';
import type { Functions, Workflow } from './boot-functions';
import type { Cleanups } from './cleanups';
import { displayName, routeFunction } from './model-views';
import type { LocalState } from './state';
import type { LocalRuntimeOptions } from './types';

export function createEventSources(opts: LocalRuntimeOptions, ctx: { services: Services; data: Data; model: LocalModel; functions: Functions; dataDir: string }, log: (line: string) => void): EventSources {
  const { model } = ctx;
  const persist = opts.persistWorkflow ?? opts.inMemory !== true;
  return new EventSources({
    mappings: model.eventSourceMappings,
    invoke: ctx.functions.invoke,
    functionArn: (id) => localFunctionArn(model.functions.find((f) => f.logicalId === id)?.functionName ?? id),
    sqs: ctx.services.sqs.client,
    queues: model.queues,
    dynamodb: { client: ctx.data.client, endpoint: ctx.services.ddbEndpoint },
    tables: model.tables,
    ...(persist ? { dataDir: ctx.dataDir } : {}),
    timeScale: opts.timeScale ?? 1,
    ...(opts.logWorkflow === false ? {} : { log }),
  });
}

/** The template's API routes on the bound port; returns the local API keys. */
export function serveApi(services: Services, model: LocalModel, state: LocalState, functions: Functions, log: (line: string) => void): LocalApiKey[] {
  const apiKeys: LocalApiKey[] = model.apiKeys.flatMap((k) => {
    const local = state.apiKeys[k.logicalId];
    return local === undefined ? [] : [{ logicalId: k.logicalId, id: local.id, value: local.value, enabled: k.enabled }];
  });
  services.gateway.serve({
    apis: model.apis,
    apiKeys,
    usagePlans: model.usagePlans,
    invoke: functions.invoke,
    onRequest: (e) => {
      const fn = e.route === undefined ? undefined : routeFunction(e.route);
      const target = fn === null || fn === undefined ? '' : ` -> ${displayName(fn)}`;
      const note = e.note === undefined ? '' : ` (${e.note})`;
      log(`  ${e.method} ${e.path} ${e.status} ${e.durationMs.toFixed(0)} ms${target}${note}`);
    },
  });
  return apiKeys;
}

/** Stream and queue pollers (unless deferred), notes, and the executions the last stop interrupted. */
export async function startAsync(opts: LocalRuntimeOptions, eventSources: EventSources, workflow: Workflow, log: (line: string) => void): Promise<void> {
  if (opts.startEventSources !== false) await eventSources.start();
  for (const skipped of eventSources.skipped) log(`  event source ${skipped.logicalId} not run locally: ${skipped.reason}`);
  for (const warning of [...workflow.stepFunctions.warnings, ...workflow.eventBridge.warnings, ...workflow.s3Notifications.warnings]) log(`  note: ${warning}`);
  const resumed = workflow.stepFunctions.resume();
  if (resumed > 0) log(`  workflow: ${resumed} execution(s) that were running at the last stop started again from the beginning`);
}

function fileSuppliersOf(model: LocalModel, filesBucket: string | undefined, supplierQueues: readonly SimulatedSupplier[]): SimulatedFileSupplier[] {
  if (filesBucket === undefined) return [];
  return templateSupplierFiles(model)
    .filter((f) => f.channel === 'file')
    .map((f) => {
      const inbound = supplierQueues.find((q) => q.supplierId === f.supplierId)?.inboundQueueUrl;
      return { supplierId: f.supplierId, bucket: filesBucket, ...(inbound === undefined ? {} : { inboundQueueUrl: inbound }) };
    });
}

/** The demo suppliers whose inventory inbox a bucket notification watches (they drop feeds). */
function feedSupplierIds(model: LocalModel): string[] {
  return DEMO_SUPPLIERS.map((d) => d.supplierId).filter((id) =>
    model.buckets.some((b) => b.notifications.some((n) => n.prefix !== undefined && `${supplierPrefixes(id).inbox}inventory/`.startsWith(n.prefix))),
  );
}

/** The simulated demo suppliers (opts.suppliers), when the template has supplier queues or file suppliers. */
export function startSuppliers(
  opts: LocalRuntimeOptions,
  ctx: { services: Services; data: Data; model: LocalModel; supplierQueues: readonly SimulatedSupplier[] },
  cleanups: Cleanups,
  log: (line: string) => void,
): SupplierSimulator | undefined {
  const { services, model, supplierQueues } = ctx;
  const { filesBucket, tableName } = ctx.data;
  const fileSuppliers = fileSuppliersOf(model, filesBucket, supplierQueues);
  if (opts.suppliers !== true || (supplierQueues.length === 0 && fileSuppliers.length === 0)) return undefined;
  const docClient = DynamoDBDocumentClient.from(ctx.data.client);
  const sim = new SupplierSimulator({
    suppliers: supplierQueues,
    sqs: services.sqs.client,
    ...(fileSuppliers.length === 0 ? {} : { files: { s3Endpoint: services.s3.endpoint, suppliers: fileSuppliers } }),
    ...(filesBucket === undefined || tableName === undefined
      ? {}
      : {
          feeds: {
            s3Endpoint: services.s3.endpoint,
            bucket: filesBucket,
            supplierIds: feedSupplierIds(model),
            freshness: (id: string) => supplierFreshness(docClient, tableName, id),
            snapshot: (id: string) => currentInventoryCsv(docClient, tableName, id),
          },
        }),
    ...(opts.supplierStepMs === undefined ? {} : { stepMs: opts.supplierStepMs }),
    ...(opts.logWorkflow === false ? {} : { log }),
  });
  sim.start();
  // New outbox files reach the file suppliers through the store's change hook (no listing).
  const unhookSim = services.s3.onChange((change) => {
    if (change.eventName.startsWith('ObjectCreated:')) sim.objectCreated(change.bucket, change.key, change.eTag);
  });
  cleanups.add(async () => {
    unhookSim();
    await sim.stop();
  });
  return sim;
}

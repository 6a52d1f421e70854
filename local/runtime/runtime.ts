/**
 * The local runtime: the synthesized CDK app running on one machine.
 *
 *   const runtime = await startLocalRuntime({ dataDir: '.local' });
 *   // runtime.endpoints.apiUrl, runtime.endpoints.apiKey, ... (also written to <dataDir>/endpoints.json)
 *   await runtime.stop();
 *
 * It synthesizes the stack in-process (lib/synth.ts, no bundling) while DynamoDB Local starts, reads
 * the template (local/template/reader.ts), creates its tables, serves its REST API routes on localhost
 * through the same handler code (one worker thread per function), runs the AWS stand-ins
 * (local/emulators/), seeds the demo data set and writes `<dataDir>/endpoints.json`. Used by `npm start`
 * (local/tools/cli.ts), the integration tests (test/integration/global-setup.ts) and `npm run bench`.
 *
 * The boot is a sequence of named steps (boot-services.ts, boot-functions.ts, boot-async.ts,
 * endpoints.ts); whatever a step set up is undone in reverse order on stop or when a later step fails.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { LambdaRuntime } from '../emulators/lambda/lambda';
import { notificationHandlers } from '../template/buckets';
import { createEventSources, serveApi, startAsync, startSuppliers } from './boot-async';
import { startFunctions, startWorkflow, type InvokeFn } from './boot-functions';
import { prepareData, readModel, since, startSecrets, startServices, type Data } from './boot-services';
import { Cleanups } from './cleanups';
import { buildEndpoints, writeEndpoints } from './endpoints';
import { acquireLock } from './lock';
import { startStorefrontReceiver } from '../storefront/receiver';
import { dashboardConfig } from '../dashboard/config';
import { startDashboardServer } from '../dashboard/server';
import { templateSupplierQueues, warmOrder } from './model-views';
import type { LocalModel } from '../template/reader';
import type { LocalRuntime, LocalRuntimeOptions } from './types';

export { displayName, templateChannels, templateSupplierQueues } from './model-views';
export type { ChannelEndpoint, LocalEndpoints, LocalRuntime, LocalRuntimeOptions } from './types';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What start-up did to the data, in a few lines (nothing when there was nothing to say). */
function logStartSummary(model: LocalModel, template: Parameters<typeof notificationHandlers>[0], data: Data, log: (line: string) => void): void {
  if (data.tableChanges.length > 0) log(`  tables: ${data.tableChanges.join('; ')}`);
  if (data.seeded.written > 0) log(`  demo data: ${data.seeded.written} items seeded (${data.seeded.present} were there before)`);
  if (data.published > 0) log(`  demo data: ${data.published} published inventory file(s) for the scheduled refresh (${data.pulls.map((p) => p.key).join(', ')})`);
  const emulatedHandlers = notificationHandlers(template);
  for (const skipped of model.skippedFunctions) {
    if (emulatedHandlers.has(skipped.logicalId)) continue; // CDK's bucket-notifications handler: the runtime applies them itself
    log(`  not run locally: ${skipped.logicalId} (${skipped.reason})`);
  }
}

/**
 * Workers started while the tables are created and seeded (they need no data to start): `warm: true`
 * starts all of them and ready waits for them; `warm: 'background'` starts a first order's functions
 * (warmOrder) two at a time, then the others one at a time, and ready does not wait for them.
 * Resolves with the time `warm: true` took (0 otherwise).
 */
function warmUp(opts: LocalRuntimeOptions, lambda: LambdaRuntime, model: LocalModel): Promise<number> {
  const t = performance.now();
  if (opts.warm === true) return lambda.warm().then(() => since(t));
  if (opts.warm === 'background') {
    const { firstOrder, rest } = warmOrder(model);
    void (async () => {
      for (let i = 0; i < firstOrder.length; i += 2) await lambda.warm(firstOrder.slice(i, i + 2));
      // The rest one at a time: a first order posted right after ready keeps a core for itself.
      for (const id of rest) await lambda.warm([id]);
    })().catch(() => undefined);
  }
  return Promise.resolve(0);
}

/** The handle: stop() (once) removes endpoints.json, which describes a running stack only, then undoes every step. */
function withStop(runtime: Omit<LocalRuntime, 'stop' | 'startupMs'>, startupMs: number, endpointsFile: string, cleanups: Cleanups): LocalRuntime {
  let stopping: Promise<void> | undefined;
  return {
    ...runtime,
    startupMs,
    stop: () => {
      stopping ??= (async () => {
        await rm(endpointsFile, { force: true });
        await cleanups.run();
      })();
      return stopping;
    },
  };
}

export async function startLocalRuntime(opts: LocalRuntimeOptions): Promise<LocalRuntime> {
  const started = performance.now();
  const dataDir = path.resolve(opts.dataDir);
  const log = opts.quiet === true ? () => undefined : (opts.log ?? ((line: string) => console.log(line)));
  const cleanups = new Cleanups(log);
  try {
    const lock = await acquireLock(dataDir);
    cleanups.add(() => lock.release());
    const services = await startServices(opts, dataDir, cleanups);
    const { state, model } = await readModel(services, dataDir, REPO_ROOT);
    const secrets = await startSecrets(model, state, cleanups);
    let invokeLate: InvokeFn = () => Promise.reject(new Error('functions not ready'));
    const workflow = await startWorkflow(opts, services, model, dataDir, (fn, event) => invokeLate(fn, event), log);
    // The storefront receiver stands in for every channel's storefront: the notification deliveries go there.
    const storefrontReceiver = await startStorefrontReceiver();
    cleanups.add(() => storefrontReceiver.stop());
    const functionOpts = { ...opts, functionEnv: { LOCAL_STOREFRONT_RECEIVER_URL: storefrontReceiver.url, ...opts.functionEnv } };
    const functions = await startFunctions(functionOpts, { services, secrets, workflow, model, dataDir, repoRoot: REPO_ROOT }, cleanups, log);
    invokeLate = functions.invoke;
    // The workers start (a cold start is CPU work of Node) while DynamoDB Local creates the tables and seeds.
    const warming = warmUp(opts, functions.lambda, model);
    warming.catch(() => undefined); // awaited below; a failing boot step before that must not leave it unhandled
    const data = await prepareData(opts, services, model, cleanups);
    // Stopped before the workers (cleanups run in reverse): a RUNNING execution must stay RUNNING on a
    // clean stop (resumed next start), not fail because its Lambda worker went away.
    cleanups.add(async () => {
      workflow.unhook();
      await workflow.s3Notifications.stop();
    });
    cleanups.add(() => workflow.eventBridge.stop());
    cleanups.add(() => workflow.stepFunctions.stop());
    const eventSources = createEventSources(opts, { services, data, model, functions, dataDir }, log);
    functions.afterInvoke.add(() => eventSources.wake());
    cleanups.add(() => eventSources.stop());
    const apiKeys = serveApi(services, model, state, functions, log);
    const warmMs = await warming;
    await startAsync(opts, eventSources, workflow, log);
    const supplierQueues = templateSupplierQueues(model);
    const supplierSimulator = startSuppliers(opts, { services, data, model, supplierQueues }, cleanups, log);
    const endpoints = {
      ...buildEndpoints(opts, {
        services, model, state, data, workflow,
        more: { secretsEndpoint: secrets.endpoint, apiKeys, supplierQueues, simulatedSuppliers: supplierSimulator !== undefined, dataDir, logsDir: functions.logsDir },
      }),
      storefrontReceiver: { url: storefrontReceiver.url, deliveriesUrl: storefrontReceiver.deliveriesUrl, controlUrl: storefrontReceiver.controlUrl },
      dashboardUrl: '',
    };
    // The operators' dashboard (local/dashboard): its config.json is read from these endpoints.
    const dashboard = await startDashboardServer({ config: () => dashboardConfig(endpoints), ...(opts.port === 0 ? { port: 0 } : {}) });
    cleanups.add(() => dashboard.stop());
    endpoints.dashboardUrl = dashboard.url;
    const endpointsFile = await writeEndpoints(dataDir, endpoints);
    await lock.update({ apiUrl: services.gateway.url });
    const startupMs = performance.now() - started;
    logStartSummary(model, services.template, data, log);
    const runtime: Omit<LocalRuntime, 'stop' | 'startupMs'> = {
      endpoints,
      model,
      template: services.template,
      stackName: services.stackName,
      timings: { synthMs: services.synthMs, dynamodbMs: services.dynamodbMs, tablesAndSeedMs: data.tablesAndSeedMs, warmMs },
      lambda: functions.lambda,
      stepFunctions: workflow.stepFunctions,
      eventBridge: workflow.eventBridge,
      eventSources,
      sqs: services.sqs,
      s3: services.s3,
      s3Notifications: workflow.s3Notifications,
      supplierSimulator,
      storefrontReceiver,
      invoke: functions.invoke,
    };
    return withStop(runtime, startupMs, endpointsFile, cleanups);
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}

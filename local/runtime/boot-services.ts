/**
 * Boot steps of the local runtime, part 1: the API port, DynamoDB Local, SQS, S3 and the template (in
 * parallel), then the local model and credentials, the Secrets Manager stand-in, tables and demo data.
 */
import path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_JVM_OPTIONS, ensureTables, localDynamoClient, startDynamoDbLocal, type DynamoDbLocal } from '../emulators/dynamodb/dynamodb-local';
import { listenGateway, type Gateway } from '../emulators/gateway/gateway';
import { startLocalS3, type LocalS3 } from '../emulators/s3/s3';
import { startSecretsServer, type SecretsServer } from '../emulators/secrets';
import { startLocalSqs, type LocalSqs } from '../emulators/sqs';
import { readApiKeys } from '../template/apis';
import { asTemplate, type CfnTemplate } from '../template/cfn';
import { queueOverrides } from '../template/queues';
import { readTemplate, type LocalModel } from '../template/reader';
import { Resolver } from '../template/resolve';
import { DEMO_SUPPLIERS, seedDemoData, type TemplateChannel } from '../tools/demo-data';
import { demoInventoryCsv, filesBucketName, type PullSource } from '../tools/supplier-files';
import type { Cleanups } from './cleanups';
import { pipelineTableName, pullSources, templateChannels } from './model-views';
import { freePort } from './ports';
import { ensureApiKeys, ensureSecrets, loadState, saveState, type LocalState } from './state';
import type { LocalRuntimeOptions } from './types';

export const since = (t: number): number => Math.round(performance.now() - t);

export interface Services {
  readonly gateway: Gateway;
  readonly ddbEndpoint: string;
  readonly sqs: LocalSqs;
  readonly s3: LocalS3;
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** The cloud assembly directory the template's relative `aws:asset:path`s are resolved against. */
  readonly assemblyDir: string | undefined;
  readonly synthMs: number;
  readonly dynamodbMs: number;
}

interface LoadedTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly assemblyDir: string | undefined;
}

async function loadTemplate(opts: LocalRuntimeOptions): Promise<LoadedTemplate> {
  if (opts.template !== undefined) {
    const { stackName, template, assemblyDir } = opts.template;
    return { stackName, template: asTemplate(template, 'given template'), assemblyDir };
  }
  const { synthesizeTemplate } = await import('../../lib/synth');
  const out = await synthesizeTemplate({
    ...(opts.stage === undefined ? {} : { stage: opts.stage }),
  });
  // Staging is off in this synth: the asset paths are absolute bundle directories (the assembly goes away).
  return { stackName: out.stackName, template: asTemplate(out.template, `synthesized ${out.stackName}`), assemblyDir: undefined };
}

/** DynamoDB Local spawned now (unless an endpoint is given): undefined when one is given. */
async function spawnDynamoDb(opts: LocalRuntimeOptions, dataDir: string, cleanups: Cleanups): Promise<{ starting: Promise<DynamoDbLocal | undefined> }> {
  if (opts.dynamodbEndpoint !== undefined) return { starting: Promise.resolve(undefined) };
  const ddbPort = opts.ddbPort !== undefined && opts.ddbPort > 0 ? opts.ddbPort : await freePort();
  const ddbPromise = startDynamoDbLocal({
    port: ddbPort,
    ...(opts.inMemory === true ? {} : { dbPath: path.join(dataDir, 'dynamodb') }),
    jvmOptions: opts.ddbJvmOptions ?? DEFAULT_JVM_OPTIONS,
  });
  cleanups.addStarting(ddbPromise);
  return { starting: ddbPromise };
}

/** The API port first (a port clash fails in milliseconds, before Java starts), then the rest in parallel with the synth. */
export async function startServices(opts: LocalRuntimeOptions, dataDir: string, cleanups: Cleanups): Promise<Services> {
  const gateway = await listenGateway({ port: opts.port ?? 3000 });
  cleanups.add(() => gateway.stop());
  const { starting: ddbPromise } = await spawnDynamoDb(opts, dataDir, cleanups);
  let synthMs = 0;
  let dynamodbMs = 0;
  const t0 = performance.now();
  const sqsPromise = startLocalSqs();
  cleanups.addStarting(sqsPromise);
  const s3Promise = startLocalS3(opts.inMemory === true ? {} : { dataDir });
  cleanups.addStarting(s3Promise);
  const [loaded, sqs, s3, ddb] = await Promise.all([
    loadTemplate(opts).then((t) => ((synthMs = since(t0)), t)),
    sqsPromise,
    s3Promise,
    ddbPromise.then((d) => ((dynamodbMs = since(t0)), d)),
  ]);
  const ddbEndpoint = opts.dynamodbEndpoint ?? ddb?.endpoint;
  if (ddbEndpoint === undefined) throw new Error('DynamoDB Local did not start');
  const { stackName, template, assemblyDir } = loaded;
  return { gateway, ddbEndpoint, sqs, s3, stackName, template, assemblyDir, synthMs, dynamodbMs };
}

/** Local credentials (stable across restarts) and the model read from the template. */
export async function readModel(services: Services, dataDir: string, repoRoot: string): Promise<{ state: LocalState; model: LocalModel }> {
  const { template, stackName } = services;
  const state = await loadState(dataDir);
  const keysChanged = ensureApiKeys(state, readApiKeys(template, new Resolver(template, { stackName })));
  const refs = new Map(Object.entries(state.apiKeys).map(([logicalId, key]) => [logicalId, key.id]));
  const queueRefs = queueOverrides(template, new Resolver(template, { refs, stackName }), services.sqs.endpoint);
  for (const [id, url] of queueRefs.refs) refs.set(id, url);
  const resolver = new Resolver(template, { refs, attrs: queueRefs.attrs, stackName });
  const model = readTemplate(template, resolver, repoRoot, services.assemblyDir);
  const secretsChanged = ensureSecrets(state, model.secrets);
  if (keysChanged || secretsChanged) await saveState(dataDir, state);
  return { state, model };
}

export async function startSecrets(model: LocalModel, state: LocalState, cleanups: Cleanups): Promise<SecretsServer> {
  const secrets = await startSecretsServer({
    secrets: model.secrets.map((s) => ({
      logicalId: s.logicalId,
      name: s.name,
      arn: s.arn,
      value: state.secrets[s.logicalId] ?? '',
      ...(s.description === undefined ? {} : { description: s.description }),
    })),
  });
  cleanups.add(() => secrets.stop());
  return secrets;
}

export interface Data {
  readonly client: DynamoDBClient;
  readonly tableChanges: readonly string[];
  readonly tableName: string | undefined;
  readonly channels: ReturnType<typeof templateChannels>;
  readonly seeded: { readonly written: number; readonly present: number };
  readonly filesBucket: string | undefined;
  readonly pulls: readonly PullSource[];
  /** Demo inventory files published for the scheduled refresh (kept if present). */
  readonly published: number;
  readonly tablesAndSeedMs: number;
}

/** Tables, demo data, queues, buckets (and the pull sources' buckets), the demo suppliers' published inventory. */
export async function prepareData(opts: LocalRuntimeOptions, services: Services, model: LocalModel, cleanups: Cleanups): Promise<Data> {
  const t1 = performance.now();
  const { sqs, s3 } = services;
  const client = localDynamoClient(services.ddbEndpoint);
  cleanups.add(async () => client.destroy());
  const tableChanges = await ensureTables(client, model.tables);
  const tableName = pipelineTableName(model);
  const channels: (TemplateChannel & { apiKeyId?: string; webhookSecretArn?: string })[] = templateChannels(model);
  let seeded = { written: 0, present: 0 };
  if (opts.seed !== false && tableName !== undefined) seeded = await seedDemoData(DynamoDBDocumentClient.from(client), tableName, channels);
  await sqs.createQueues(model.queues);
  const filesBucket = filesBucketName(model);
  const pulls = pullSources(model, filesBucket);
  s3.createBuckets([...new Set([...model.buckets.map((b) => b.name), ...pulls.map((p) => p.bucket)])]);
  let published = 0;
  if (opts.seed !== false) {
    for (const pull of pulls) {
      if (!DEMO_SUPPLIERS.some((d) => d.supplierId === pull.supplierId)) continue;
      if (s3.putObject(pull.bucket, pull.key, demoInventoryCsv(pull.supplierId), { contentType: 'text/csv; charset=utf-8', ifAbsent: true }) !== undefined) published++;
    }
  }
  return { client, tableChanges, tableName, channels, seeded, filesBucket, pulls, published, tablesAndSeedMs: since(t1) };
}

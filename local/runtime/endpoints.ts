/** `<dataDir>/endpoints.json`: where everything of the running local stack is (scripts, tests, people). */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocalApiKey } from '../emulators/gateway/gateway';
import { LOCAL_SIGNING_REGION } from '../emulators/gateway/iam';
import type { LocalModel } from '../template/reader';
import { IN_STOCK_SKUS, LOW_STOCK_SKUS, OUT_OF_STOCK_SKUS } from '../tools/demo-data';
import type { SimulatedSupplier } from '../tools/supplier-sim';
import type { Data, Services } from './boot-services';
import type { Workflow } from './boot-functions';
import { dlqUrlOf, opsKey, routeFunction, supplierEndpoints } from './model-views';
import type { LocalState } from './state';
import type { ChannelEndpoint, LocalEndpoints, LocalRuntimeOptions } from './types';

/** The booted runtime's parts (boot steps' results), and what else endpoints.json names. */
export interface EndpointsInput {
  readonly services: Services;
  readonly model: LocalModel;
  readonly state: LocalState;
  readonly data: Data;
  readonly workflow: Workflow;
  readonly more: { secretsEndpoint: string; apiKeys: readonly LocalApiKey[]; supplierQueues: readonly SimulatedSupplier[]; simulatedSuppliers: boolean; dataDir: string; logsDir: string };
}

function channelEndpoints(input: EndpointsInput): ChannelEndpoint[] {
  const { model, state, services } = input;
  const routes = model.apis.flatMap((a) => a.routes);
  const shopifyChannelRoute = routes.find((r) => r.path.startsWith('/webhooks/shopify/') && r.path.endsWith('/orders-create') && r.pathParams.includes('channelId'));
  // Each platform's topic-aware inbound webhook route (`/webhooks/{platform}/{channelId}`).
  const topicRoute = (platform: string) => routes.find((r) => r.path === `/webhooks/${platform}/{channelId}`);
  return input.data.channels.map((c) => {
    const key = Object.entries(state.apiKeys).find(([, k]) => k.id === c.apiKeyId)?.[1];
    const secret = model.secrets.find((s) => s.arn === c.webhookSecretArn);
    return {
      id: c.channelId,
      platform: c.platform,
      currency: c.currency,
      shopDomain: c.shopDomain ?? null,
      apiKey: key?.value ?? null,
      apiKeyId: key?.id ?? null,
      webhookSecret: secret === undefined ? null : (state.secrets[secret.logicalId] ?? null),
      shopifyWebhookUrl: shopifyChannelRoute === undefined ? null : `${services.gateway.url}${shopifyChannelRoute.path.replace('{channelId}', encodeURIComponent(c.channelId))}`,
      webhookUrl: ((route) => (route === undefined ? null : `${services.gateway.url}${route.path.replace('{channelId}', encodeURIComponent(c.channelId))}`))(
        c.platform === 'custom' ? undefined : topicRoute(c.platform),
      ),
    };
  });
}

/** The AWS stand-ins' part: DynamoDB, Secrets Manager, SQS, Step Functions, EventBridge, S3, schedules. */
function serviceEndpoints(opts: LocalRuntimeOptions, input: EndpointsInput): Pick<LocalEndpoints, 'dynamodb' | 'secretsManager' | 'sqs' | 'stepFunctions' | 'eventBridge' | 's3' | 'schedules'> {
  const { model, services, workflow } = input;
  const { stepFunctions, eventBridge } = workflow;
  return {
    dynamodb: { endpoint: services.ddbEndpoint, tableName: input.data.tableName ?? '', tables: model.tables.map((t) => t.tableName) },
    secretsManager: { endpoint: input.more.secretsEndpoint },
    sqs: {
      endpoint: services.sqs.endpoint,
      queues: model.queues.map((q) => ({ logicalId: q.logicalId, name: q.queueName, url: q.url, arn: q.arn, dlqUrl: dlqUrlOf(model, q.url) })),
    },
    stepFunctions: { endpoint: stepFunctions.endpoint, stateMachineArn: model.stateMachines[0]?.arn ?? null, stateMachines: model.stateMachines.map((m) => ({ name: m.name, arn: m.arn })) },
    eventBridge: { endpoint: eventBridge.endpoint, busName: model.eventBuses.find((b) => b.logicalId !== undefined)?.name ?? null, buses: model.eventBuses.map((b) => b.name) },
    s3: { endpoint: services.s3.endpoint, bucket: input.data.filesBucket ?? null, buckets: services.s3.bucketNames() },
    schedules: {
      enabled: opts.schedules === true,
      rules: eventBridge.schedules().map((r) => ({ name: r.name, expression: r.expression, localIntervalMs: r.localIntervalMs ?? null, targets: r.targets })),
    },
  };
}

/**
 * The ops API: its URL and the local operator's SigV4 credentials (local/tools/ops-client.ts signs with
 * them; the local gateway verifies them on the IAM-authorized routes and records `identity` as the caller).
 */
function opsEntry(services: Services, stageName: string): NonNullable<LocalEndpoints['ops']> {
  const operator = services.gateway.operator;
  return {
    url: `${services.gateway.url}/${stageName}`,
    region: LOCAL_SIGNING_REGION,
    credentials: { accessKeyId: operator.accessKeyId, secretAccessKey: operator.secretAccessKey },
    identity: operator.identity,
  };
}

export function buildEndpoints(opts: LocalRuntimeOptions, input: EndpointsInput): LocalEndpoints {
  const { model, services } = input;
  const url = services.gateway.url;
  const opsApi = model.apis.find((a) => a.routes.some((r) => r.path.startsWith('/ops/')));
  const api = model.apis.find((a) => a !== opsApi) ?? model.apis[0];
  const routes = model.apis.flatMap((a) => a.routes);
  const shopifyDomainRoute = routes.find((r) => r.path.startsWith('/webhooks/shopify/') && r.pathParams.length === 0);
  const channels = channelEndpoints(input);
  return {
    apiUrl: url,
    apiKey: channels.find((c) => c.apiKey !== null)?.apiKey ?? input.more.apiKeys[0]?.value ?? '',
    stage: opts.stage ?? services.stackName.replace(/^.*-/, ''),
    stackName: services.stackName,
    apiStage: api?.stageName ?? '',
    channels,
    webhooks: { shopifyByShopDomainUrl: shopifyDomainRoute === undefined ? null : `${url}${shopifyDomainRoute.path}` },
    demo: { skus: IN_STOCK_SKUS, outOfStockSkus: OUT_OF_STOCK_SKUS, lowStockSkus: LOW_STOCK_SKUS },
    suppliers: supplierEndpoints(model, input.more.supplierQueues, input.data.pulls),
    ...serviceEndpoints(opts, input),
    opsApiKey: opsKey(model, input.state.apiKeys),
    opsApiUrl: opsApi === undefined ? null : url,
    ops: opsApi === undefined ? null : opsEntry(services, opsApi.stageName),
    timeScale: opts.timeScale ?? 1,
    simulatedSuppliers: input.more.simulatedSuppliers,
    routes: routes.map((r) => ({ method: r.method, path: r.path, apiKeyRequired: r.apiKeyRequired, function: routeFunction(r) })),
    dataDir: input.more.dataDir,
    logsDir: input.more.logsDir,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
}

/** Written atomically, readable by the owner only (it holds keys and secrets). Returns its path. */
export async function writeEndpoints(dataDir: string, endpoints: LocalEndpoints): Promise<string> {
  const file = path.join(dataDir, 'endpoints.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return file;
}

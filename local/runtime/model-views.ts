/**
 * What the runtime reads off the local model besides the emulators' own specs: the channels, supplier
 * queues and pull sources the functions' environment describes, the pipeline table, the ops API key, and
 * the suppliers' entries of endpoints.json.
 */
import { isRecord } from '../../functions/core/kernel/guards';
import type { RouteSpec } from '../template/apis';
import type { LocalModel } from '../template/reader';
import { DEMO_SUPPLIERS, type TemplateChannel } from '../tools/demo-data';
import { DEMO_PULL_SUPPLIER, defaultPublishedKey, demoSkuPairs, supplierPrefixes, templateInventoryPull, templateSupplierFiles, type PullSource } from '../tools/supplier-files';
import type { SimulatedSupplier } from '../tools/supplier-sim';
import type { LocalEndpoints } from './types';

/** `StorefrontCreateOrder10ADECC5` -> `StorefrontCreateOrder` (CDK's hash suffix off, for humans). */
export function displayName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}


/** Channels as the template's CHANNELS variable describes them (the first function that has it). */
export function templateChannels(model: LocalModel): (TemplateChannel & { apiKeyId?: string; webhookSecretArn?: string })[] {
  const raw = model.functions.map((f) => f.environment['CHANNELS']).find((v) => v !== undefined);
  if (raw === undefined) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isRecord).flatMap((c) => {
    const platform = c['platform'];
    if (typeof c['channelId'] !== 'string' || (platform !== 'custom' && platform !== 'shopify' && platform !== 'woocommerce')) return [];
    return [
      {
        channelId: c['channelId'],
        platform,
        currency: typeof c['currency'] === 'string' ? c['currency'] : 'EUR',
        shopDomain: typeof c['shopDomain'] === 'string' ? c['shopDomain'] : null,
        ...(typeof c['apiKeyId'] === 'string' ? { apiKeyId: c['apiKeyId'] } : {}),
        ...(typeof c['webhookSecretArn'] === 'string' ? { webhookSecretArn: c['webhookSecretArn'] } : {}),
      },
    ];
  });
}

/** The table the functions use (their TABLE_NAME), else the only table. */
export function pipelineTableName(model: LocalModel): string | undefined {
  const names = new Set(model.tables.map((t) => t.tableName));
  const used = model.functions.map((f) => f.environment['TABLE_NAME']).find((n) => n !== undefined && names.has(n));
  return used ?? (model.tables.length === 1 ? model.tables[0]?.tableName : undefined);
}

/** The template's SUPPLIER_QUEUES (the first function that has it): supplier id -> inbound/outbound URLs. */
export function templateSupplierQueues(model: LocalModel): SimulatedSupplier[] {
  const raw = model.functions.map((f) => f.environment['SUPPLIER_QUEUES']).find((v) => v !== undefined);
  if (raw === undefined) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isRecord).flatMap((s) =>
    typeof s['supplierId'] === 'string' && typeof s['inboundQueueUrl'] === 'string' && typeof s['outboundQueueUrl'] === 'string'
      ? [{ supplierId: s['supplierId'], inboundQueueUrl: s['inboundQueueUrl'], outboundQueueUrl: s['outboundQueueUrl'] }]
      : [],
  );
}

export function dlqUrlOf(model: LocalModel, queueUrl: string | undefined): string | null {
  const queue = model.queues.find((q) => q.url === queueUrl);
  const dlq = queue?.redrive === undefined ? undefined : model.queues.find((q) => q.arn === queue.redrive?.deadLetterTargetArn);
  return dlq?.url ?? null;
}

export function supplierEndpoints(model: LocalModel, queues: readonly SimulatedSupplier[], pulls: readonly PullSource[]): LocalEndpoints['suppliers'] {
  const files = templateSupplierFiles(model);
  const ids = [...new Set([...DEMO_SUPPLIERS.map((s) => s.supplierId), ...queues.map((q) => q.supplierId), ...files.map((f) => f.supplierId)])];
  return ids.map((id) => {
    const demo = DEMO_SUPPLIERS.find((s) => s.supplierId === id);
    const q = queues.find((x) => x.supplierId === id);
    const pull = pulls.find((p) => p.supplierId === id);
    return {
      id,
      name: demo?.name ?? id,
      channel: files.find((f) => f.supplierId === id)?.channel ?? demo?.channel ?? 'sqs',
      ...supplierPrefixes(id),
      skus: demoSkuPairs(id),
      pullSource: pull === undefined ? null : { bucket: pull.bucket, key: pull.key },
      inboundQueueUrl: q?.inboundQueueUrl ?? null,
      outboundQueueUrl: q?.outboundQueueUrl ?? null,
      inboundDlqUrl: dlqUrlOf(model, q?.inboundQueueUrl),
      outboundDlqUrl: dlqUrlOf(model, q?.outboundQueueUrl),
    };
  });
}

/**
 * Pull sources: the template's INVENTORY_PULL; without one (older templates) the demo supplier that
 * publishes its inventory, in the supplier files bucket.
 */
export function pullSources(model: LocalModel, filesBucket: string | undefined): PullSource[] {
  const fromTemplate = templateInventoryPull(model);
  if (fromTemplate.length > 0 || filesBucket === undefined) return fromTemplate;
  return [{ supplierId: DEMO_PULL_SUPPLIER, bucket: filesBucket, key: defaultPublishedKey(DEMO_PULL_SUPPLIER) }];
}

/** The ops API key: the key of a usage plan whose API serves /ops/ routes. */
export function opsKey(model: LocalModel, keys: Readonly<Record<string, { id: string; value: string }>>): string | null {
  const opsApis = new Set(model.apis.filter((a) => a.routes.some((r) => r.path.startsWith('/ops/'))).map((a) => a.logicalId));
  for (const plan of model.usagePlans) {
    if (!plan.apiStages.some((s) => opsApis.has(s.apiLogicalId))) continue;
    for (const keyId of plan.apiKeyLogicalIds) {
      const key = keys[keyId];
      if (key !== undefined) return key.value;
    }
  }
  return null;
}

export function routeFunction(route: RouteSpec): string | null {
  return route.integration.type === 'LAMBDA_PROXY' ? route.integration.functionLogicalId : null;
}
/**
 * The functions in the order a first order needs them (`firstOrder`): the order API (POST /orders,
 * GET /orders/{orderId}), the table stream's functions (stream router), the state machines' tasks on the
 * happy path (happyPath) with the queues' functions (supplier inbound) after its first two, the domain
 * bus's Lambda targets (the order's events reach them), the other tasks; then the other API
 * functions and the rest (`rest`: schedules, files, ops).
 */
export function warmOrder(model: LocalModel): { readonly firstOrder: readonly string[]; readonly rest: readonly string[] } {
  const routes = model.apis.flatMap((a) => a.routes);
  const routeFn = (r: RouteSpec): string[] => (r.integration.type === 'LAMBDA_PROXY' ? [r.integration.functionLogicalId] : []);
  const orderApi = routes.filter((r) => r.path === '/orders' || r.path === '/orders/{orderId}').flatMap(routeFn);
  const mapped = (kind: string): string[] =>
    model.eventSourceMappings.flatMap((m) => (m.source.kind !== kind || m.functionLogicalId === undefined ? [] : [m.functionLogicalId]));
  const definitions = model.stateMachines.map((m) => JSON.stringify(m.definition)).join('');
  const happy = model.stateMachines.map((m) => happyPath(m.definition)).join('');
  const tasks = model.functions.filter((f) => definitions.includes(`:function:${f.functionName}"`));
  const position = (f: { functionName: string }): number => happy.indexOf(`:function:${f.functionName}"`);
  const happyTasks = tasks.filter((f) => position(f) >= 0).sort((a, b) => position(a) - position(b));
  const happyIds = happyTasks.map((f) => f.logicalId);
  // The domain bus's targets that an order's events reach (notifications, scorecards; not the returns-only
  // rules): they run while the order is under way, where a cold start would compete with the order's own steps.
  const ordersEvents = (r: (typeof model.eventRules)[number]): boolean => {
    const types = r.eventPattern?.['detail-type'];
    return r.enabled && r.eventPattern !== undefined && (!Array.isArray(types) || types.some((t) => typeof t === 'string' && !t.startsWith('Return')));
  };
  const busTargets = model.eventRules.filter(ordersEvents).flatMap((r) => r.targets.flatMap((t) => (t.kind === 'lambda' ? [t.functionLogicalId] : [])));
  // The queues' functions (supplier messages) come in once the second task (the dispatch) has sent.
  const firstOrder = [
    ...new Set([...orderApi, ...mapped('dynamodb'), ...happyIds.slice(0, 2), ...mapped('sqs'), ...happyIds, ...busTargets, ...tasks.map((f) => f.logicalId)]),
  ];
  const rest = [...new Set([...routes.flatMap(routeFn), ...model.functions.map((f) => f.logicalId)])].filter((f) => !firstOrder.includes(f));
  return { firstOrder, rest };
}

/**
 * The states an execution enters when everything goes well, as JSON text in order: from StartAt, each
 * state's Next, a Choice's first rule, a Map's or Parallel's own states before its Next.
 */
function happyPath(definition: unknown, seen = new Set<unknown>()): string {
  if (!isRecord(definition) || !isRecord(definition['States'])) return '';
  const states = definition['States'];
  const parts: string[] = [];
  let name: unknown = definition['StartAt'];
  while (typeof name === 'string' && !seen.has(states[name])) {
    const state = states[name];
    if (!isRecord(state)) break;
    seen.add(state);
    const { ItemProcessor: _p, Iterator: _i, Branches: _b, ...own } = state;
    parts.push(JSON.stringify(own));
    for (const inner of [state['ItemProcessor'], state['Iterator'], ...(Array.isArray(state['Branches']) ? state['Branches'] : [])]) parts.push(happyPath(inner, seen));
    const choices = state['Choices'];
    const firstRule: unknown = Array.isArray(choices) ? choices[0] : undefined;
    name = isRecord(firstRule) ? firstRule['Next'] : state['Next'];
  }
  return parts.join('');
}

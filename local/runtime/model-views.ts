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
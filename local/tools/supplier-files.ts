/**
 * Supplier files under the local runtime: what the template says about them (FILES_BUCKET,
 * SUPPLIER_FILES, INVENTORY_PULL: the variables the infra stack gives the file handlers), the bucket
 * layout of docs/supplier-files.md (inbox / outbox prefixes per supplier) and the demo inventory file a
 * supplier with a pull source publishes at seed time.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GSI1, gsiKeys, keys } from '../../functions/core/runtime/table/keys';
import { demoOffers } from './demo-data';
import type { LocalModel } from '../template/reader';
import { isRecord } from '../../functions/core/kernel/guards';
import type { SupplierFileKind } from '../../functions/core/suppliers/domain/supplier';


/** The first function variable `name`, parsed as JSON (undefined when absent or not JSON). */
function jsonVariable(model: LocalModel, name: string): unknown {
  const raw = model.functions.map((f) => f.environment[name]).find((v) => v !== undefined);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export interface SupplierFilesEntry {
  readonly supplierId: string;
  readonly channel: 'sqs' | 'file';
  readonly roleId?: string;
}

/** SUPPLIER_FILES: `[{ supplierId, channel: "sqs"|"file", roleId? }]`. */
export function templateSupplierFiles(model: LocalModel): SupplierFilesEntry[] {
  const parsed = jsonVariable(model, 'SUPPLIER_FILES');
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isRecord).flatMap((s) =>
    typeof s['supplierId'] === 'string'
      ? [
          {
            supplierId: s['supplierId'],
            channel: s['channel'] === 'file' ? ('file' as const) : ('sqs' as const),
            ...(typeof s['roleId'] === 'string' ? { roleId: s['roleId'] } : {}),
          },
        ]
      : [],
  );
}

export interface PullSource {
  readonly supplierId: string;
  readonly bucket: string;
  readonly key: string;
}

/** INVENTORY_PULL: `[{ supplierId, bucket, key }]`. */
export function templateInventoryPull(model: LocalModel): PullSource[] {
  const parsed = jsonVariable(model, 'INVENTORY_PULL');
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter(isRecord)
    .flatMap((s) =>
      typeof s['supplierId'] === 'string' && typeof s['bucket'] === 'string' && typeof s['key'] === 'string'
        ? [{ supplierId: s['supplierId'], bucket: s['bucket'], key: s['key'] }]
        : [],
    );
}

/** The supplier files bucket: the functions' FILES_BUCKET, else a bucket whose logical id says so, else the only bucket. */
export function filesBucketName(model: LocalModel): string | undefined {
  const names = new Set(model.buckets.map((b) => b.name));
  const fromEnv = model.functions.map((f) => f.environment['FILES_BUCKET']).find((v) => v !== undefined && names.has(v));
  if (fromEnv !== undefined) return fromEnv;
  const byId = model.buckets.find((b) => /supplierfiles/i.test(b.logicalId));
  if (byId !== undefined) return byId.name;
  return model.buckets.length === 1 ? model.buckets[0]?.name : undefined;
}

/** Inbox folder per file kind (`suppliers/{id}/inbox/<folder>/`). */
export const INBOX_KIND_FOLDERS = { inventory: 'inventory', tracking: 'tracking', acknowledgements: 'acknowledgements', returns: 'returns' } as const;
export type InboxKind = keyof typeof INBOX_KIND_FOLDERS;
/** The SupplierFileRecord kind of each inbox folder. */
export const RECORD_KIND: Readonly<Record<InboxKind, SupplierFileKind>> = {
  inventory: 'INVENTORY',
  tracking: 'TRACKING',
  acknowledgements: 'ACKNOWLEDGEMENT',
  returns: 'RETURNS',
};

export const supplierPrefixes = (supplierId: string): { inbox: string; outbox: string } => ({
  inbox: `suppliers/${supplierId}/inbox/`,
  outbox: `suppliers/${supplierId}/outbox/`,
});

/** The default pull-source key of a supplier that publishes its inventory (used when the template has no INVENTORY_PULL). */
export const defaultPublishedKey = (supplierId: string): string => `suppliers/${supplierId}/published/inventory.csv`;
/** The demo supplier that publishes a feed for the scheduled refresh when the template names none. */
export const DEMO_PULL_SUPPLIER = 'pacific-gadgets';

/** Supplier SKU <-> retailer SKU pairs of a demo supplier (endpoints.json `suppliers[].skus`). */
export function demoSkuPairs(supplierId: string): { supplierSku: string; sku: string }[] {
  return demoOffers(new Date(0).toISOString())
    .filter((o) => o.supplierId === supplierId)
    .map((o) => ({ supplierSku: o.supplierSku, sku: o.sku }));
}

/**
 * A supplier's demo inventory feed (CSV, `sku,quantity,cost,map,discontinued`, cost and MAP in major
 * units), with the seeded stock and costs: applying it changes nothing until someone edits it.
 */
export function demoInventoryCsv(supplierId: string): string {
  const rows = demoOffers(new Date(0).toISOString())
    .filter((o) => o.supplierId === supplierId)
    .map((o) => [o.supplierSku, String(o.stock), (o.wholesaleCostMinor / 100).toFixed(2), o.mapMinor === undefined ? '' : (o.mapMinor / 100).toFixed(2), 'false'].join(','));
  return `${['sku,quantity,cost,map,discontinued', ...rows].join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------
// Feed freshness of the simulated suppliers

/** A supplier's feed freshness as stored (the Supplier item). */
export async function supplierFreshness(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  supplierId: string,
): Promise<{ lastFeedAt?: string; slaHours?: number; status?: string } | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: tableName, Key: keys.supplier(supplierId), ConsistentRead: true }));
  const item = out.Item;
  if (item === undefined) return undefined;
  return {
    ...(typeof item['lastFeedAt'] === 'string' ? { lastFeedAt: item['lastFeedAt'] } : {}),
    ...(typeof item['feedFreshnessSlaHours'] === 'number' ? { slaHours: item['feedFreshnessSlaHours'] } : {}),
    ...(typeof item['status'] === 'string' ? { status: item['status'] } : {}),
  };
}

/**
 * A supplier's current offers as an inventory feed (the values the platform holds, so applying it
 * changes nothing but the feed time): `sku,quantity,cost,map,discontinued`, money in major units.
 */
export async function currentInventoryCsv(ddb: DynamoDBDocumentClient, tableName: string, supplierId: string): Promise<string | undefined> {
  const rows: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :sku)',
        ExpressionAttributeValues: { ':pk': gsiKeys.offerBySupplierSku(supplierId, '').gsi1pk, ':sku': 'SSKU#' },
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    for (const o of out.Items ?? []) {
      if (o['entity'] !== 'Offer' || typeof o['supplierSku'] !== 'string' || typeof o['stock'] !== 'number') continue;
      const money = (v: unknown): string => (typeof v === 'number' ? (v / 100).toFixed(2) : '');
      const sku = /[",\r\n]/.test(o['supplierSku']) ? `"${o['supplierSku'].replaceAll('"', '""')}"` : o['supplierSku'];
      rows.push([sku, String(Math.max(0, o['stock'])), money(o['wholesaleCostMinor']), money(o['mapMinor']), o['discontinued'] === true ? 'true' : 'false'].join(','));
    }
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return rows.length === 0 ? undefined : `${['sku,quantity,cost,map,discontinued', ...rows].join('\n')}\n`;
}

/**
 * INVENTORY_UPDATE over a supplier's inbound queue (suppliers with an API instead of files): rows applied
 * with the same rules and service as a feed file (inventory/services/inventory-rows.ts), ordered by `sentAt`.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { InventoryUpdateMessage } from '../../inventory/schemas/inventory';
import { applyInventoryRows } from '../../inventory/services/inventory-rows';
import { dedupeItem, isLiveDedupe } from '../../runtime/table/dedupe';
import { keys } from '../../runtime/table/keys';
import type { FileMetrics } from './file-reports';
import type { InboundDeps, InboundOutcome } from './supplier-inbound';

/** Dedupe scope of a supplier's INVENTORY_UPDATE message ids. */
export const supplierDedupeScope = (supplierId: string): string => `supplier:${supplierId}`;

const NO_FILE_METRICS: FileMetrics = { count: () => undefined };

/**
 * Inventory rows over SQS (already parsed by the inbound consumer): the same row schema and the same service as a feed file,
 * ordered by the message's `sentAt` (the supplier's as-of, issue 13): a message not newer than the newest whole snapshot
 * applied is acknowledged and skipped (stale), a partial one never overwrites a row holding a newer truth. The message
 * id's dedupe record is checked under the supplier's apply lock and written in the transaction that releases it, so a
 * redelivery racing the first delivery applies once. A bad row rejects the whole message (DLQ, reason).
 */
export async function applyInventoryUpdate(deps: InboundDeps, supplierId: string, message: InventoryUpdateMessage): Promise<InboundOutcome> {
  const now = deps.now();
  const dedupeKey = keys.dedupe(supplierDedupeScope(supplierId), message.messageId);
  const record = dedupeItem({
    scope: supplierDedupeScope(supplierId),
    id: message.messageId,
    kind: 'INVENTORY_UPDATE',
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + deps.settings.dedupeTtlSeconds,
  });
  const outcome = await applyInventoryRows(
    { store: deps.store, now: deps.now, logger: deps.logger, metrics: deps.fileMetrics ?? NO_FILE_METRICS },
    supplierId,
    message.rows,
    {
      complete: message.complete,
      asOf: message.sentAt,
      source: { kind: 'sqs', messageId: message.messageId },
      once: {
        applied: async () => {
          const seen = await deps.store.ddb.send(new GetCommand({ TableName: deps.store.tableName, Key: dedupeKey, ConsistentRead: true }));
          return isLiveDedupe(seen.Item, Math.floor(deps.now().getTime() / 1000));
        },
        record: { Put: { TableName: deps.store.tableName, Item: record } },
      },
    },
  );
  if (outcome.kind === 'unknown-supplier') return { kind: 'poison', code: 'SCHEMA_INVALID', message: `supplier ${supplierId} is not in the catalog` };
  if (outcome.kind === 'rejected') {
    return { kind: 'poison', code: 'SCHEMA_INVALID', message: outcome.issues.map((i) => `${i.path}: ${i.message}`).join('; ').slice(0, 900) };
  }
  if (outcome.kind === 'duplicate') {
    deps.logger.info('Inventory update already applied', { supplierId, messageId: message.messageId });
    return { kind: 'inventory', written: 0, unchanged: 0, unmapped: 0, duplicate: true };
  }
  if (outcome.kind === 'stale') {
    // Logged and counted (InventoryUpdatesStale) by the service: acknowledged, nothing written.
    return { kind: 'inventory', written: 0, unchanged: 0, unmapped: 0, duplicate: false };
  }
  deps.logger.info('Inventory update applied', { supplierId, messageId: message.messageId, written: outcome.written, unchanged: outcome.unchanged, stale: outcome.stale, unmapped: outcome.unmapped });
  return { kind: 'inventory', written: outcome.written, unchanged: outcome.unchanged, unmapped: outcome.unmapped, duplicate: false };
}

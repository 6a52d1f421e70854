import { describe, expect, it } from 'vitest';
import { InventoryUpdateMessage } from '../../../functions/core/inventory/schemas/inventory';
import { applyInventoryRows } from '../../../functions/core/inventory/services/inventory-rows';
import { keys } from '../../../functions/core/runtime/table/keys';
import { NOW, SUPPLIER_ID, counterItem, feedWorld, supplier, supplierEvents } from './support';

const message = (rows: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'INVENTORY_UPDATE', messageId: 'inv-1', sentAt: NOW.toISOString(), rows, ...extra });
const supplierItem = (world: ReturnType<typeof feedWorld>) => world.table.get(keys.supplier(SUPPLIER_ID).pk, keys.supplier(SUPPLIER_ID).sk);

describe('InventoryUpdateMessage (SQS)', () => {
  it('parses the same row schema as JSON feeds', () => {
    const parsed = InventoryUpdateMessage.parse(message([{ sku: 'A-1', quantity: '3', cost: 12.5, discontinued: 'yes' }], { complete: true }));
    expect(parsed.rows).toEqual([{ supplierSku: 'A-1', quantity: 3, cost: '12.5', discontinued: true }]);
    expect(parsed.complete).toBe(true);
  });

  it.each([
    ['no rows', message([]), 'rows'],
    ['501 rows', message(Array.from({ length: 501 }, (_, i) => ({ supplierSku: `S-${i}`, quantity: 1 }))), 'rows'],
    ['a bad row', message([{ supplierSku: 'A-1', quantity: 1 }, { supplierSku: 'B-2', quantity: -4 }]), 'rows.1.quantity'],
    ['a wrong type', { ...message([{ supplierSku: 'A-1', quantity: 1 }]), type: 'INVENTORY' }, 'type'],
    ['an unknown member', { ...message([{ supplierSku: 'A-1', quantity: 1 }]), extra: 1 }, ''],
    ['a bad sentAt', { ...message([{ supplierSku: 'A-1', quantity: 1 }]), sentAt: 'yesterday' }, 'sentAt'],
  ])('rejects a message with %s (path %s)', (_name, body, path) => {
    const result = InventoryUpdateMessage.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('applyInventoryRows', () => {
  it('writes changed offers only, last row wins, unknown SKUs are warnings; a partial update leaves the supplier alone', async () => {
    const world = feedWorld({ extra: [counterItem('SKU-B', 6)] });
    const rows = InventoryUpdateMessage.parse(
      message([
        { supplierSku: 'A-1', quantity: 10 },
        { supplierSku: 'B-2', quantity: 7 },
        { supplierSku: 'B-2', quantity: 4 },
        { supplierSku: 'NOPE', quantity: 1 },
      ]),
    ).rows;

    const outcome = await applyInventoryRows(world.deps, SUPPLIER_ID, rows, { asOf: NOW.toISOString(), source: { kind: 'sqs', messageId: 'inv-1' } });

    expect(outcome).toMatchObject({ kind: 'applied', rows: 4, written: 1, unchanged: 1, unmapped: 1, duplicates: 1, shortfalls: 1 });
    expect(world.storedOffer('SKU-B')).toMatchObject({ stock: 4, shortfall: 2 });
    expect(supplierItem(world)?.['lastFeedAt']).toBe('2026-11-24T10:00:00.000Z');
    expect(supplierEvents(world).map((e) => e.type)).toEqual(['StockShortfall']);
    // Only the rows' own offers are read (per supplier SKU), never the supplier's whole catalog.
    expect(world.table.log.filter((l) => l.command === 'Query').map((l) => (l.input as { ExpressionAttributeValues: Record<string, string> }).ExpressionAttributeValues[':sk']).sort()).toEqual([
      'SSKU#A-1',
      'SSKU#B-2',
      'SSKU#NOPE',
    ]);
  });

  it('a complete snapshot refreshes the supplier like a feed (STALE → ACTIVE)', async () => {
    const world = feedWorld({ supplier: supplier({ status: 'STALE', staleSince: '2026-11-25T00:00:00.000Z' }) });
    const outcome = await applyInventoryRows(world.deps, SUPPLIER_ID, [{ supplierSku: 'A-1', quantity: 10 }], { complete: true, asOf: NOW.toISOString(), source: { kind: 'sqs', messageId: 'inv-2' } });
    expect(outcome).toMatchObject({ kind: 'applied', written: 0, unchanged: 1 });
    expect(supplierItem(world)).toMatchObject({ status: 'ACTIVE', lastFeedAt: NOW.toISOString() });
    expect(supplierEvents(world).map((e) => e.type).sort()).toEqual(['SupplierFeedApplied', 'SupplierFresh']);
  });

  it('rejects the whole message, writing nothing, when a row cannot be converted', async () => {
    const world = feedWorld();
    const outcome = await applyInventoryRows(
      world.deps,
      SUPPLIER_ID,
      [
        { supplierSku: 'A-1', quantity: 1 },
        { supplierSku: 'B-2', quantity: 1, cost: '1.234' },
      ],
      { asOf: NOW.toISOString(), source: { kind: 'sqs' } },
    );
    expect(outcome).toEqual({ kind: 'rejected', issues: [{ path: 'rows.1.cost', message: 'has more than 2 decimal places for EUR' }] });
    expect(world.batchWrites()).toBe(0);
    expect(world.storedOffer('SKU-A')?.['stock']).toBe(10);
  });

  it('says so for an unknown supplier', async () => {
    const world = feedWorld();
    expect(await applyInventoryRows(world.deps, 'nobody', [{ supplierSku: 'A-1', quantity: 1 }], { asOf: NOW.toISOString(), source: { kind: 'sqs' } })).toEqual({ kind: 'unknown-supplier' });
  });
});

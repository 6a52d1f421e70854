/**
 * The GSI projections (lib/constructs/order-store.ts) carry what the readers of each index use: a reader
 * needing an attribute the index does not project would silently get items without it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ORDER_STORE_INDEX_PROJECTIONS } from '../../lib/constructs/order-store';

const source = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

describe('GSI projections cover their readers', () => {
  it('gsi1 projects every attribute the supplier-offer reader asks for (OFFER_ATTRIBUTES)', () => {
    const match = /const OFFER_ATTRIBUTES = \[([^\]]+)\]/.exec(source('functions/core/inventory/store/inventory.ts'));
    const attributes = [...(match?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
    expect(attributes.length).toBeGreaterThan(5);
    expect(ORDER_STORE_INDEX_PROJECTIONS.gsi1).toEqual(expect.arrayContaining(attributes));
  });

  it('gsi2 projects the whole Reservation (sweep-reservations may settle the indexed copy) and what the order sweeps read', () => {
    const reservation = /export interface Reservation \{([\s\S]*?)\n\}/.exec(source('functions/core/inventory/domain/catalog.ts'))?.[1] ?? '';
    const fields = [...reservation.matchAll(/readonly (\w+)\??:/g)].map((m) => m[1]);
    expect(fields.length).toBeGreaterThan(5);
    expect(ORDER_STORE_INDEX_PROJECTIONS.gsi2).toEqual(expect.arrayContaining([...fields, 'orderId', 'channelId', 'status', 'updatedAt', 'holdExpiresAt', 'holdReason', 'gsi3pk']));
  });

  it('gsi3 (operators list exceptions with everything) projects ALL', () => {
    expect(ORDER_STORE_INDEX_PROJECTIONS.gsi3).toBeUndefined();
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InventoryUpdateMessage } from '../../../functions/core/inventory/schemas/inventory';
import { INBOUND_ERROR_CODES, SupplierInboundMessage, SupplierOutboundMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';
import { SUPPLIER_MESSAGES_PATH, SUPPLIER_MESSAGE_EXAMPLES, renderSupplierMessages } from '../../../scripts/docs/supplier-messages';

describe('docs/supplier-messages.md', () => {
  it('is up to date with the zod schemas (run `npm run openapi` to regenerate)', () => {
    expect(readFileSync(SUPPLIER_MESSAGES_PATH, 'utf8')).toBe(renderSupplierMessages());
  });

  it.each(SUPPLIER_MESSAGE_EXAMPLES.map((e) => [e.title, e] as const))('the %s example is valid against its schema', (_title, { schema, example }) => {
    expect(schema.safeParse(example).success).toBe(true);
    // INVENTORY_UPDATE is recognized by its type before the fulfillment-message union (services/supplier-inbound.ts).
    const type = String(example.type);
    const union = ['PURCHASE_ORDER', 'CANCELLATION', 'CANCELLATION_REQUESTED', 'PURCHASE_ORDER_AMENDED', 'RETURN_REQUESTED'].includes(type) ? SupplierOutboundMessage : type === 'INVENTORY_UPDATE' ? InventoryUpdateMessage : SupplierInboundMessage;
    expect(union.safeParse(example).success).toBe(true);
  });

  it('documents every message type and every DLQ errorCode', () => {
    const doc = renderSupplierMessages();
    for (const type of ['ACCEPTED', 'REJECTED', 'SHIPPED', 'TRACKING_EVENT', 'DELIVERED', 'INVENTORY_UPDATE', 'PURCHASE_ORDER', 'CANCELLATION']) expect(doc).toContain(`### ${type}`);
    for (const code of INBOUND_ERROR_CODES) expect(doc).toContain(`| \`${code}\` |`);
  });

  it('never mentions task tokens to suppliers', () => {
    expect(renderSupplierMessages()).not.toMatch(/taskToken|task token/i);
  });
});

/**
 * docs/data-model.md documents every key of functions/core/runtime/table/keys.ts exactly: each key builder, called
 * with the placeholders the page uses, must produce values that appear together in one row of a table.
 * A key added to keys.ts without a row here (or a row whose pattern drifted) fails.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXCEPTION_KINDS } from '../../../functions/core/workflow/domain/exception-kinds';
import { type ItemKey, gsiKeys, keys, prefixes } from '../../../functions/core/runtime/table/keys';
import { WEBHOOK_REJECTED } from '../../../functions/core/orders/store/webhooks';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/data-model.md', import.meta.url)), 'utf8');
const rows = doc.split('\n').filter((line) => line.startsWith('|'));
const rowWithAll = (values: readonly string[]): string | undefined => rows.find((row) => values.every((v) => row.includes(`\`${v}\``)));

const KEY_CASES: Record<keyof typeof keys, ItemKey> = {
  channel: keys.channel('{channelId}'),
  supplier: keys.supplier('{supplierId}'),
  supplierMetrics: keys.supplierMetrics('{supplierId}', '{yyyy-mm-dd}'),
  product: keys.product('{sku}'),
  offer: keys.offer('{sku}', '{supplierId}'),
  order: keys.order('{orderId}'),
  // The sequence number is zero-padded to 4 digits (documented next to the pattern).
  timelineEvent: { ...keys.timelineEvent('{orderId}', '{at}', 0), sk: 'EVENT#{at}#{seq}' },
  fulfillment: keys.fulfillment('{orderId}', '{fulfillmentId}'),
  taskToken: keys.taskToken('{fulfillmentId}'),
  externalOrderGuard: keys.externalOrderGuard('{channelId}', '{externalOrderId}'),
  dedupe: keys.dedupe('{scope}', '{id}'),
  rejectedWebhook: keys.rejectedWebhook('{channelId}', '{webhookId}'),
  reservation: keys.reservation('{orderId}', '{fulfillmentId}', '{sku}'),
  holdTaskToken: keys.holdTaskToken('{orderId}'),
  addressUse: keys.addressUse('{fingerprint}', '{at}', '{orderId}'),
  offerReservations: keys.offerReservations('{sku}', '{supplierId}'),
  supplierEvent: { ...keys.supplierEvent('{supplierId}', '{at}', 0), sk: 'EVENT#{at}#{seq}' },
  supplierFile: keys.supplierFile('{supplierId}', '{kind}', '{key}', '{etag}'),
  sweepState: keys.sweepState('{name}'),
};

const GSI_CASES: Record<keyof typeof gsiKeys, ReadonlyArray<Record<string, string>>> = {
  offerBySupplierSku: [gsiKeys.offerBySupplierSku('{supplierId}', '{supplierSku}')],
  orderByChannel: [gsiKeys.orderByChannel('{channelId}', '{createdAt}', '{orderId}')],
  orderByStatus: [gsiKeys.orderByStatus('{status}', '{updatedAt}', '{orderId}')],
  fulfillmentBySupplier: [gsiKeys.fulfillmentBySupplier('{supplierId}', '{fulfillmentId}')],
  fulfillmentBySupplierRef: [gsiKeys.fulfillmentBySupplierRef('{supplierId}', '{reference}', '{fulfillmentId}')],
  // As written: fulfillments (store/fulfillments.ts) and rejected webhooks (store/webhooks.ts).
  exception: [gsiKeys.exception('{code}', '{since}', '{orderId}#{fulfillmentId}'), gsiKeys.exception(WEBHOOK_REJECTED, '{receivedAt}', '{channelId}#{webhookId}')],
  // The shard number is computed from the order id: the doc names it {shard}.
  heldReservation: [{ ...gsiKeys.heldReservation('{holdExpiresAt}', '{orderId}', '{fulfillmentId}', '{sku}'), gsi2pk: 'RESERVATION#HELD#{shard}' }],
  orderByEmailHash: [gsiKeys.orderByEmailHash('{sha256(email)}', '{createdAt}', '{orderId}')],
  returnByStatus: [gsiKeys.returnByStatus('{status}', '{updatedAt}', '{returnId}')],
};

describe('docs/data-model.md matches functions/core/runtime/table/keys.ts', () => {
  it.each(Object.entries(KEY_CASES))('%s: pk and sk in one table row', (_name, key) => {
    expect(rowWithAll([key.pk, key.sk]), JSON.stringify(key)).toBeDefined();
  });

  it.each(Object.entries(GSI_CASES).flatMap(([name, cases]) => cases.map((c) => [name, c] as const)))('%s: %j in one table row', (_name, gsi) => {
    expect(rowWithAll(Object.values(gsi)), JSON.stringify(gsi)).toBeDefined();
  });

  it('names every GSI partition on the row of the entity that carries it', () => {
    expect(rowWithAll(['RESERVATION#{fulfillmentId}#{sku}', 'RESERVATION#HELD'])).toBeDefined();
    expect(rowWithAll(['WEBHOOK#{channelId}#{webhookId}', 'EXCEPTION#WEBHOOK_REJECTED'])).toBeDefined();
    expect(rowWithAll(['FULFILLMENT#{fulfillmentId}', 'SUPPLIER#{supplierId}'])).toBeDefined();
  });

  it('lists every exception kind and every query prefix', () => {
    for (const kind of EXCEPTION_KINDS) expect(doc, kind).toContain(`\`${kind}\``);
    for (const prefix of Object.values(prefixes)) expect(doc, prefix).toContain(prefix);
  });
});

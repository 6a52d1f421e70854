import { describe, expect, it } from 'vitest';
import { SupplierInboundMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';

const base = { messageId: 'm-1', fulfillmentId: 'ful_0123456789abcdefghjkmnpqrs_01', occurredAt: '2026-11-25T10:00:00+01:00' };

describe('supplier inbound message schema', () => {
  it.each<[string, Record<string, unknown>]>([
    ['ACCEPTED with an estimated ship date', { type: 'ACCEPTED', ...base, estimatedShipDate: '2026-11-27' }],
    ['REJECTED by line number', { type: 'REJECTED', ...base, lines: [{ lineNo: 1, reason: 'INCORRECT_ADDRESS' }] }],
    ['SHIPPED, one parcel', { type: 'SHIPPED', ...base, carrier: 'DHL', trackingNumber: '3318810025', lines: [{ lineNo: 1, quantity: 1 }] }],
    ['SHIPPED, parcels', { type: 'SHIPPED', ...base, carrier: 'UPS', parcels: [{ trackingNumber: '1Z5R89390357567127', lines: [{ supplierSku: 'A', quantity: 1 }] }] }],
    ['TRACKING_EVENT', { type: 'TRACKING_EVENT', ...base, trackingNumber: '1Z5R89390357567127', event: 'ATTEMPTED_DELIVERY' }],
    ['DELIVERED without tracking number (whole fulfillment)', { type: 'DELIVERED', ...base }],
  ])('accepts %s', (_name, message) => {
    expect(SupplierInboundMessage.safeParse(message).success).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a rejection reason only the platform uses', { type: 'REJECTED', ...base, lines: [{ lineNo: 1, reason: 'TIMED_OUT' }] }, 'lines.0.reason'],
    ['a line without lineNo or supplierSku', { type: 'REJECTED', ...base, lines: [{ reason: 'OTHER' }] }, 'lines.0.lineNo'],
    ['no lines', { type: 'REJECTED', ...base, lines: [] }, 'lines'],
    ['a local time without zone', { type: 'ACCEPTED', ...base, occurredAt: '2026-11-25T10:00:00' }, 'occurredAt'],
    ['a tracking number without lines', { type: 'SHIPPED', ...base, carrier: 'UPS', trackingNumber: '1Z5R89390357567127' }, 'trackingNumber'],
    ['neither single parcel nor parcels', { type: 'SHIPPED', ...base, carrier: 'UPS' }, 'parcels'],
    ['a zero quantity', { type: 'SHIPPED', ...base, carrier: 'UPS', trackingNumber: '1Z5R89390357567127', lines: [{ lineNo: 1, quantity: 0 }] }, 'lines.0.quantity'],
    ['an unknown tracking event', { type: 'TRACKING_EVENT', ...base, trackingNumber: '1Z5R89390357567127', event: 'TELEPORTED' }, 'event'],
    ['an unknown field', { type: 'ACCEPTED', ...base, taskToken: 'x' }, ''],
    ['a message id with spaces', { type: 'ACCEPTED', ...base, messageId: 'a b' }, 'messageId'],
  ])('refuses %s (path %j)', (_name, message, path) => {
    const result = SupplierInboundMessage.safeParse(message);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

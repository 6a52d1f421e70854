import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOMAIN_EVENT_TYPES, type DomainEventType } from '../../../functions/core/events/domain/events';
import { NOTIFYING_EVENT_TYPES, parcelOf, toNotification, trackingStatusOf } from '../../../functions/core/notifications/domain/notifications';

const fact = (type: DomainEventType, data: Record<string, unknown> = {}, actor = 'supplier') => ({ type, actor, data });

describe('domain event → storefront notification', () => {
  it.each([
    ['OrderReserved', {}, 'order.accepted'],
    ['OrderOnHold', { holdReason: 'AWAITING_PAYMENT', score: 0, rules: [] }, 'order.on_hold'],
    ['OrderReleased', { holdReason: 'AWAITING_PAYMENT', decision: 'APPROVE' }, 'order.hold_released'],
    ['OrderRejected', { reasons: [{ code: 'UNKNOWN_SKU', lineNo: 1, detail: 'x' }] }, 'order.rejected'],
    ['FulfillmentAccepted', { fulfillmentId: 'F1', supplierId: 's', estimatedShipDate: '2026-01-02' }, 'fulfillment.accepted'],
    ['ShipmentCreated', { fulfillmentId: 'F1', supplierId: 's', trackingNumber: '1Z999AA10123456784', carrier: 'UPS' }, 'fulfillment.shipped'],
    ['TrackingUpdated', { fulfillmentId: 'F1', supplierId: 's', event: 'OUT_FOR_DELIVERY' }, 'fulfillment.tracking_updated'],
    ['FulfillmentException', { fulfillmentId: 'F1', supplierId: 's', code: 'DELIVER_BY_PASSED' }, 'fulfillment.tracking_updated'],
    ['FulfillmentDelivered', { fulfillmentId: 'F1', supplierId: 's' }, 'fulfillment.delivered'],
    ['OrderPartiallyShipped', {}, 'order.partially_shipped'],
    ['OrderShipped', {}, 'order.shipped'],
    ['OrderDelivered', { fulfillments: 1 }, 'order.delivered'],
    ['LinesCancelled', { reason: 'OUT_OF_STOCK', lines: [{ lineNo: 2, quantity: 1 }] }, 'order.lines_cancelled'],
    ['OrderCancelled', { reason: 'CUSTOMER_REQUEST' }, 'order.cancelled'],
    ['CancellationAccepted', { fulfillmentId: 'F1', supplierId: 's', lines: [] }, 'cancellation.accepted'],
    ['CancellationRejected', { fulfillmentId: 'F1', supplierId: 's', reason: 'ALREADY_SHIPPED' }, 'cancellation.rejected'],
    ['RefundRequested', { action: 'REFUND', amountMinor: 24900, currency: 'EUR', reason: 'X', lines: [], paymentReference: 'p' }, 'refund.requested'],
  ] as const)('%s → %s', (type, data, expected) => {
    expect(toNotification(fact(type, data))?.type).toBe(expected);
  });

  it.each(['OrderReceived', 'OrderValidated', 'OrderRouted', 'FulfillmentDispatched', 'FulfillmentOverdue', 'OrderStuck', 'PaymentUpdated', 'AddressChanged'] as const)(
    '%s is internal: no notification',
    (type) => {
      expect(toNotification(fact(type))).toBeUndefined();
    },
  );

  it('internal tracking steps and operator-only exceptions are not told', () => {
    expect(toNotification(fact('TrackingUpdated', { event: 'LABEL_CREATED' }))).toBeUndefined();
    expect(toNotification(fact('FulfillmentException', { code: 'UNVERIFIED_TRACKING' }))).toBeUndefined();
    expect(trackingStatusOf('LOST')).toBe('EXCEPTION');
    expect(trackingStatusOf('DELAYED')).toBe('DELAYED');
    expect(trackingStatusOf('CARRIER_PICKED_UP')).toBe('IN_TRANSIT');
  });

  it('a refund is a money string with its currency', () => {
    const n = toNotification(fact('RefundRequested', { amountMinor: 24900, currency: 'EUR', reason: 'OUT_OF_STOCK', lines: [{ lineNo: 1, quantity: 2 }] }));
    expect(n?.data).toMatchObject({ amount: '249.00', currency: 'EUR', lines: [{ lineNo: 1, quantity: 2 }] });
    expect(toNotification(fact('RefundRequested', { amountMinor: 1500, currency: 'JPY' }))?.data['amount']).toBe('1500');
  });

  it('a hold tells the reason, never the fraud score or rules', () => {
    const n = toNotification(fact('OrderOnHold', { holdReason: 'HIGH_RISK_OF_FRAUD', score: 80, rules: [{ rule: 'r', points: 80, explanation: 'e' }] }));
    expect(n?.data).toEqual({ reason: 'HIGH_RISK_OF_FRAUD', holdExpiresAt: null });
  });

  it('a parcel has carrier, tracking number, tracking URL and lines', () => {
    expect(parcelOf({ trackingNumber: '1Z999AA10123456784', carrier: 'ups', lines: [{ lineNo: 1, quantity: 1 }] })).toEqual({
      carrier: 'UPS',
      trackingNumber: '1Z999AA10123456784',
      trackingUrl: expect.stringContaining('1Z999AA10123456784') as unknown as string,
      lines: [{ lineNo: 1, quantity: 1 }],
    });
    expect(parcelOf({ trackingNumber: 'ABC', carrier: 'Some Local Courier' })).toEqual({ carrier: 'Some Local Courier', trackingNumber: 'ABC', trackingUrl: null, lines: [] });
  });

  it('the cancellation tells who asked (the platform is not told to cancel what it cancelled)', () => {
    expect(toNotification(fact('OrderCancelled', { reason: 'PLATFORM_CANCELLED' }, 'platform'))?.data['requestedBy']).toBe('platform');
  });

  it('the rule filter lists exactly the mapped types, and no event type throws whatever its data', () => {
    expect(new Set(NOTIFYING_EVENT_TYPES).size).toBe(NOTIFYING_EVENT_TYPES.length);
    fc.assert(
      fc.property(fc.constantFrom(...DOMAIN_EVENT_TYPES), fc.dictionary(fc.string(), fc.jsonValue()), (type, data) => {
        const n = toNotification(fact(type, data));
        expect(n === undefined || NOTIFYING_EVENT_TYPES.includes(type)).toBe(true);
      }),
    );
  });
});

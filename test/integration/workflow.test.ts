/**
 * The order workflow end to end on the local runtime (issue 4): real orders through the storefront API,
 * the table stream, the synthesized state machine on the local Step Functions stand-in, the real task
 * Lambdas, and the supplier queues, with a SCRIPTED supplier (messages sent here on the inbound queues).
 * Assertions on the execution history (local Step Functions API), the table and the domain event bus.
 * Scenarios run concurrently (separate orders, unique addresses); every wait has a deadline.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { countTransitions } from '../../local/emulators/stepfunctions/service';
import { opsFetch } from '../../local/tools/ops-client';
import { trackingFor } from '../../local/tools/supplier-plan';
import { endpoints, http, obj } from './helpers';
import { busEvents, dispatchedFulfillment, drainQueue, exceptionsOfKind, fulfilHappily, fulfillments, fulfillmentWhen, history, outboundMessages, overrideTimeouts, placeOrder, reservations, shipmentCount, statesEntered, supplierQueues, supplierSays, timelineTypes, waitFor, waitForExecutionEnd, waitForStatus, webKey } from './workflow-helpers';

const NORDIC = 'nordic-home';
const ATLANTIC = 'atlantic-outfitters';
const PACIFIC = 'pacific-gadgets';

function count(list: readonly string[], item: string): number {
  return list.filter((x) => x === item).length;
}

async function opsDecision(orderId: string, decision: 'approve' | 'reject'): Promise<number> {
  const res = await opsFetch(endpoints(), 'POST', `/ops/orders/${orderId}/${decision}`, decision === 'approve' ? { note: 'verified by phone' } : { reason: 'card reported stolen' });
  await res.arrayBuffer();
  return res.status;
}

describe.concurrent('order workflow on the local runtime (scripted suppliers)', () => {
  it('happy path, one supplier: RECEIVED -> DELIVERED, the 6 states of the happy path (no dispatch delay in dev), no task token leaves the platform', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2 }] });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const po = await outboundMessages(NORDIC, String(f['fulfillmentId']), 'PURCHASE_ORDER');
    expect(po).toMatchObject({ type: 'PURCHASE_ORDER', fulfillmentId: f['fulfillmentId'], lines: [{ lineNo: 1, supplierSku: 'NH-TS-0101-M', quantity: 2 }] });
    expect(JSON.stringify(po)).not.toMatch(/local1\.|taskToken/i);

    await fulfilHappily(NORDIC, f);
    const order = await waitForStatus(orderId, 'DELIVERED');
    const events = await waitForExecutionEnd(orderId);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(statesEntered(events)).toEqual(['ValidateAndRoute', 'Fulfill', 'Dispatch', 'AwaitShipment', 'AwaitDelivery', 'Complete']);
    const transitions = countTransitions(events);
    console.log(`happy single-supplier order: ${transitions} state transitions (6: every dev channel's dispatch delay is 0, so no DispatchDelay state), ${events.length} history events`);
    expect(transitions).toBe(6);

    const types = timelineTypes(order);
    for (const t of ['OrderValidated', 'FulfillmentDispatched', 'FulfillmentAccepted', 'ShipmentCreated', 'OrderDelivered']) expect(types).toContain(t);
    const published = await waitFor('OrderDelivered on the bus', async () => {
      const list = await busEvents(orderId);
      return list.some((e) => e['detail-type'] === 'OrderDelivered') ? list : undefined;
    });
    expect(published.every((e) => e.source === 'dropship.pipeline')).toBe(true);
    expect(JSON.stringify(published)).not.toContain('ada@example.com');
    const held = (await reservations(orderId)).filter((r) => r['status'] === 'HELD');
    expect(held).toHaveLength(0);
  });

  it('happy path, two suppliers: one fulfillment per supplier in parallel (Map), DELIVERED when both delivered', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-WHT-M', quantity: 1 }, { sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPrice: '14.90' }] });
    const [a, n] = await Promise.all([dispatchedFulfillment(orderId, ATLANTIC), dispatchedFulfillment(orderId, NORDIC)]);
    await Promise.all([fulfilHappily(ATLANTIC, a, 'Royal Mail Tracked 48'), fulfilHappily(NORDIC, n)]);
    await waitForStatus(orderId, 'DELIVERED');
    const events = await waitForExecutionEnd(orderId);
    expect(events.filter((e) => e.type === 'MapIterationStarted')).toHaveLength(2);
    expect(count(statesEntered(events), 'Dispatch')).toBe(2);
    expect(count(statesEntered(events), 'AwaitDelivery')).toBe(2);
    expect((await fulfillments(orderId)).map((f) => f['status'])).toEqual(['DELIVERED', 'DELIVERED']);
  });

  it('validation reject: an unknown SKU -> REJECTED with a reason per line, OrderRejected published, no reservation', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'NO-SUCH-SKU-1', quantity: 1 }] });
    const order = await waitForStatus(orderId, 'REJECTED');
    const events = await waitForExecutionEnd(orderId);
    expect(statesEntered(events)).toEqual(['ValidateAndRoute', 'Rejected']);
    expect(JSON.stringify(order)).toContain('UNKNOWN_SKU');
    await waitFor('OrderRejected on the bus', async () => ((await busEvents(orderId, 'OrderRejected')).length > 0 ? true : undefined));
    expect(await reservations(orderId)).toHaveLength(0);
  });

  it('payment pending: ON_HOLD (AWAITING_PAYMENT) until POST /orders/{id}/payment, then fulfilled', async () => {
    const orderId = await placeOrder({ payment: 'pending' });
    const held = await waitForStatus(orderId, 'ON_HOLD');
    expect(held['holdReason']).toBe('AWAITING_PAYMENT');
    await waitFor('AwaitHoldDecision entered', async () => (statesEntered(await history(orderId)).includes('AwaitHoldDecision') ? true : undefined));
    const paid = await http(endpoints().apiUrl, 'POST', `/orders/${orderId}/payment`, {
      headers: { 'content-type': 'application/json', 'x-api-key': webKey() },
      body: JSON.stringify({ status: 'paid', reference: `pay_${randomUUID().slice(0, 8)}` }),
    });
    expect(paid.status).toBe(200);
    const f = await dispatchedFulfillment(orderId, NORDIC);
    await fulfilHappily(NORDIC, f);
    await waitForStatus(orderId, 'DELIVERED');
    const states = statesEntered(await waitForExecutionEnd(orderId));
    expect(states.slice(0, 7)).toEqual(['ValidateAndRoute', 'HoldDeadline', 'AwaitHoldDecision', 'HoldDecided?', 'ValidateAndRoute', 'Fulfill', 'Dispatch']);
  });

  it('fraud hold approved by an operator: ON_HOLD (HIGH_RISK_OF_FRAUD) -> POST /ops/orders/{id}/approve -> continues', async () => {
    const orderId = await placeOrder({ email: 'buyer@mailinator.com', billingCountry: 'FR' });
    const held = await waitForStatus(orderId, 'ON_HOLD');
    expect(held['holdReason']).toBe('HIGH_RISK_OF_FRAUD');
    await waitFor('AwaitHoldDecision entered', async () => (statesEntered(await history(orderId)).includes('AwaitHoldDecision') ? true : undefined));
    expect(await opsDecision(orderId, 'approve')).toBe(200);
    const f = await dispatchedFulfillment(orderId, NORDIC);
    expect(timelineTypes(await waitForStatus(orderId, 'IN_FULFILLMENT'))).toContain('OrderReleased');
    await fulfilHappily(NORDIC, f);
    await waitForStatus(orderId, 'DELIVERED');
  });

  it('fraud hold rejected by an operator: CANCELLED, refund requested, nothing reserved', async () => {
    const orderId = await placeOrder({ email: 'buyer@mailinator.com', billingCountry: 'FR' });
    await waitForStatus(orderId, 'ON_HOLD');
    await waitFor('AwaitHoldDecision entered', async () => (statesEntered(await history(orderId)).includes('AwaitHoldDecision') ? true : undefined));
    expect(await opsDecision(orderId, 'reject')).toBe(200);
    await waitForStatus(orderId, 'CANCELLED');
    const states = statesEntered(await waitForExecutionEnd(orderId));
    expect(states.slice(-5)).toEqual(['HoldDecided?', 'HoldRejected', 'CancelOrder', 'CancelOrderApplied?', 'Cancelled']);
    await waitFor('RefundRequested on the bus', async () => ((await busEvents(orderId, 'RefundRequested')).length > 0 ? true : undefined));
    expect(await reservations(orderId)).toHaveLength(0);
  });

  it('fraud hold timed out: the hold timeout (States.Timeout) cancels the order and requests the refund', async () => {
    const orderId = await placeOrder({ email: 'buyer@mailinator.com', billingCountry: 'FR' });
    await overrideTimeouts(orderId, { stateTimeoutSeconds: { AwaitHoldDecision: 1 } });
    await waitForStatus(orderId, 'CANCELLED');
    const events = await waitForExecutionEnd(orderId);
    expect(events.some((e) => e.type === 'TaskTimedOut' && e.taskTimedOutEventDetails?.error === 'States.Timeout')).toBe(true);
    expect(statesEntered(events).slice(-5)).toEqual(['AwaitHoldDecision', 'HoldExpired', 'CancelOrder', 'CancelOrderApplied?', 'Cancelled']);
    await waitFor('RefundRequested on the bus', async () => ((await busEvents(orderId, 'RefundRequested')).length > 0 ? true : undefined));
  });

  it('supplier rejects -> reservation released, lines rerouted to the next supplier, which accepts and delivers', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    const first = await dispatchedFulfillment(orderId, NORDIC);
    await outboundMessages(NORDIC, String(first['fulfillmentId']), 'PURCHASE_ORDER');
    await supplierSays(NORDIC, { type: 'REJECTED', fulfillmentId: first['fulfillmentId'], lines: [{ lineNo: 1, reason: 'OUT_OF_STOCK', message: 'warehouse short' }] });
    const second = await dispatchedFulfillment(orderId, ATLANTIC);
    expect(second['parentFulfillmentId']).toBe(first['fulfillmentId']);
    const released = (await reservations(orderId)).filter((r) => r['fulfillmentId'] === first['fulfillmentId']);
    expect(released.map((r) => r['status'])).toEqual(['RELEASED']);
    await fulfilHappily(ATLANTIC, second, 'Royal Mail Tracked 48');
    const order = await waitForStatus(orderId, 'DELIVERED');
    expect(timelineTypes(order)).toEqual(expect.arrayContaining(['FulfillmentRejected', 'FulfillmentRerouted', 'OrderDelivered']));
    const states = statesEntered(await waitForExecutionEnd(orderId));
    expect(states.slice(0, 7)).toEqual(['ValidateAndRoute', 'Fulfill', 'Dispatch', 'Reroute', 'Rerouted?', 'DispatchRerouted', 'Dispatch']);
  });

  it('supplier silence past the acceptance SLA -> States.Timeout -> rerouted (SLA shortened by the local time scale)', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    // nordic-home's 60 min SLA lasts 2 s for this execution (atlantic-outfitters' 240 min: 8 s).
    await overrideTimeouts(orderId, { timeScale: 1 / 1800 });
    const first = await dispatchedFulfillment(orderId, NORDIC);
    const second = await dispatchedFulfillment(orderId, ATLANTIC, 30_000);
    const rejected = await fulfillmentWhen(orderId, String(first['fulfillmentId']), 'REJECTED', (f) => f['status'] === 'REJECTED');
    expect(JSON.stringify(rejected['rejections'])).toContain('TIMED_OUT');
    await fulfilHappily(ATLANTIC, second, 'Royal Mail Tracked 48');
    await waitForStatus(orderId, 'DELIVERED');
    const events = await waitForExecutionEnd(orderId);
    expect(events.some((e) => e.type === 'TaskTimedOut')).toBe(true);
  });

  it('every supplier rejects -> lines cancelled, RefundRequested published, order CANCELLED', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    const first = await dispatchedFulfillment(orderId, NORDIC);
    await supplierSays(NORDIC, { type: 'REJECTED', fulfillmentId: first['fulfillmentId'], lines: [{ supplierSku: 'NH-TS-0101-M', reason: 'OUT_OF_STOCK' }] });
    const second = await dispatchedFulfillment(orderId, ATLANTIC);
    await supplierSays(ATLANTIC, { type: 'REJECTED', fulfillmentId: second['fulfillmentId'], lines: [{ lineNo: 1, reason: 'UNDELIVERABLE_DESTINATION' }] });
    await waitForStatus(orderId, 'CANCELLED');
    const states = statesEntered(await waitForExecutionEnd(orderId));
    expect(states).toContain('LinesCancelled');
    // Complete ends the execution (outcome CANCELLED): no Choice after it.
    expect(states.at(-1)).toBe('Complete');
    const refunds = await waitFor('RefundRequested on the bus', async () => {
      const list = await busEvents(orderId, 'RefundRequested');
      return list.length > 0 ? list : undefined;
    });
    expect(refunds[0]?.detail).toMatchObject({ orderId });
    expect((await reservations(orderId)).every((r) => r['status'] === 'RELEASED')).toBe(true);
  });

  it('partial shipment: two parcels -> PARTIALLY_SHIPPED, then SHIPPED, then DELIVERED; both trackings kept', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }, { sku: 'MUG-ENAMEL-WHT', quantity: 2, unitPrice: '14.90' }] });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const id = String(f['fulfillmentId']);
    await outboundMessages(NORDIC, id, 'PURCHASE_ORDER');
    await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId: id });
    await fulfillmentWhen(orderId, id, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED');
    const one = trackingFor('DHL Paket');
    const two = trackingFor('DHL Paket');
    await supplierSays(NORDIC, { type: 'SHIPPED', fulfillmentId: id, carrier: one.carrier, trackingNumber: one.trackingNumber, lines: [{ lineNo: 1, quantity: 1 }] });
    await fulfillmentWhen(orderId, id, 'first parcel', (x) => shipmentCount(x) === 1);
    await supplierSays(NORDIC, { type: 'TRACKING_EVENT', fulfillmentId: id, trackingNumber: one.trackingNumber, event: 'CARRIER_PICKED_UP' });
    await waitForStatus(orderId, 'PARTIALLY_SHIPPED');
    await supplierSays(NORDIC, { type: 'SHIPPED', fulfillmentId: id, carrier: two.carrier, trackingNumber: two.trackingNumber, lines: [{ lineNo: 2, quantity: 2 }] });
    await fulfillmentWhen(orderId, id, 'second parcel', (x) => shipmentCount(x) === 2);
    await supplierSays(NORDIC, { type: 'TRACKING_EVENT', fulfillmentId: id, trackingNumber: two.trackingNumber, event: 'IN_TRANSIT' });
    await waitForStatus(orderId, 'SHIPPED');
    await supplierSays(NORDIC, { type: 'DELIVERED', fulfillmentId: id, trackingNumber: one.trackingNumber });
    await supplierSays(NORDIC, { type: 'DELIVERED', fulfillmentId: id, trackingNumber: two.trackingNumber });
    await waitForStatus(orderId, 'DELIVERED');
    const done = (await fulfillments(orderId))[0] ?? {};
    expect(shipmentCount(done)).toBe(2);
  });

  it('deliver-by passed: exception surfaced (gsi3 exceptions index, timeline, FulfillmentException event), then delivered late', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    await overrideTimeouts(orderId, { stateTimeoutSeconds: { AwaitDelivery: 1 } });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const id = String(f['fulfillmentId']);
    await outboundMessages(NORDIC, id, 'PURCHASE_ORDER');
    await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId: id });
    await fulfillmentWhen(orderId, id, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED');
    const parcel = trackingFor('DHL Paket');
    await supplierSays(NORDIC, { type: 'SHIPPED', fulfillmentId: id, carrier: parcel.carrier, trackingNumber: parcel.trackingNumber, lines: [{ lineNo: 1, quantity: 1 }] });
    await fulfillmentWhen(orderId, id, 'with a shipment', (x) => shipmentCount(x) === 1);
    await supplierSays(NORDIC, { type: 'TRACKING_EVENT', fulfillmentId: id, trackingNumber: parcel.trackingNumber, event: 'CARRIER_PICKED_UP' });

    const flagged = await waitFor('the DELIVER_BY_PASSED exception on gsi3', async () =>
      (await exceptionsOfKind('DELIVER_BY_PASSED')).find((x) => x['fulfillmentId'] === id),
    );
    expect(flagged['orderId']).toBe(orderId);
    await waitFor('FulfillmentException on the bus', async () => ((await busEvents(orderId, 'FulfillmentException')).length > 0 ? true : undefined));
    const states = statesEntered(await history(orderId));
    expect(states).toEqual(expect.arrayContaining(['AwaitDelivery', 'DeliveryLate', 'AwaitDeliveryAfterDeadline']));
    const order = await waitForStatus(orderId, ['SHIPPED', 'PARTIALLY_SHIPPED']);
    expect(timelineTypes(order)).toContain('FulfillmentException');

    await supplierSays(NORDIC, { type: 'DELIVERED', fulfillmentId: id, trackingNumber: parcel.trackingNumber });
    await waitForStatus(orderId, 'DELIVERED');
  });

  it('duplicate and out-of-order supplier messages change nothing twice and never move a fulfillment back', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const id = String(f['fulfillmentId']);
    await outboundMessages(NORDIC, id, 'PURCHASE_ORDER');
    const accepted = { type: 'ACCEPTED', fulfillmentId: id, messageId: `acc-${randomUUID()}` };
    await supplierSays(NORDIC, accepted);
    await supplierSays(NORDIC, accepted); // exact duplicate (SQS at-least-once)
    await fulfillmentWhen(orderId, id, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED');
    const parcel = trackingFor('DHL Paket');
    const shipped = { type: 'SHIPPED', fulfillmentId: id, carrier: parcel.carrier, trackingNumber: parcel.trackingNumber, lines: [{ lineNo: 1, quantity: 1 }], messageId: `shp-${randomUUID()}` };
    await supplierSays(NORDIC, shipped);
    await supplierSays(NORDIC, shipped);
    await fulfillmentWhen(orderId, id, 'with a shipment', (x) => shipmentCount(x) === 1);
    await supplierSays(NORDIC, { type: 'TRACKING_EVENT', fulfillmentId: id, trackingNumber: parcel.trackingNumber, event: 'IN_TRANSIT' });
    await fulfillmentWhen(orderId, id, 'shipped', (x) => x['status'] !== 'ACCEPTED');
    // Late: an acceptance after shipping (new message id) and a scan after delivery.
    await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId: id });
    await supplierSays(NORDIC, { type: 'DELIVERED', fulfillmentId: id, trackingNumber: parcel.trackingNumber });
    await waitForStatus(orderId, 'DELIVERED');
    await supplierSays(NORDIC, { type: 'TRACKING_EVENT', fulfillmentId: id, trackingNumber: parcel.trackingNumber, event: 'OUT_FOR_DELIVERY' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const [done] = await fulfillments(orderId);
    expect(done?.['status']).toBe('DELIVERED');
    expect(shipmentCount(done ?? {})).toBe(1);
    const types = timelineTypes(await waitForStatus(orderId, 'DELIVERED'));
    expect(count(types, 'FulfillmentAccepted')).toBe(1);
    expect(count(types, 'ShipmentCreated')).toBe(1);
    expect(count(types, 'OrderDelivered')).toBe(1);
  });

  it("supplier B acting on supplier A's fulfillment is refused: DLQ with SUPPLIER_MISMATCH, nothing changed", async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const id = String(f['fulfillmentId']);
    const messageId = await supplierSays(PACIFIC, { type: 'ACCEPTED', fulfillmentId: id });
    const poisoned = await waitFor('the message on pacific-gadgets inbound DLQ', async () => {
      const list = await drainQueue(supplierQueues(PACIFIC).inboundDlq);
      return list.find((m) => m.body.includes(messageId));
    });
    expect(poisoned.attributes['errorCode']).toBe('SUPPLIER_MISMATCH');
    const after = (await fulfillments(orderId)).find((x) => x['fulfillmentId'] === id);
    expect(after?.['status']).toBe('DISPATCHED');
    expect(timelineTypes(obj(await waitForStatus(orderId, 'IN_FULFILLMENT')))).not.toContain('FulfillmentAccepted');
    // The rightful supplier still can.
    await fulfilHappily(NORDIC, f);
    await waitForStatus(orderId, 'DELIVERED');
  });
});

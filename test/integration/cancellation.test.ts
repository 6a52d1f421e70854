/**
 * Customer cancellation end to end on the local runtime: POST /orders/{orderId}/cancel through the storefront
 * API, the real requestCancellation, the synthesized state machine, and a SCRIPTED supplier on the supplier
 * queues (CANCELLATION_REQUESTED read from its outbound queue, CANCELLATION_ACCEPTED / REJECTED sent on its
 * inbound queue). Before dispatch, after dispatch (accept, reject, partial), after shipment (409), and the
 * Idempotency-Key. Every wait has a deadline.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SQSClient } from '@aws-sdk/client-sqs';
import { trackingFor } from '../../local/tools/supplier-plan';
import { SupplierSimulator } from '../../local/tools/supplier-sim';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, endpoints, http, obj } from './helpers';
import {
  busEvents,
  dispatchedFulfillment,
  fulfilHappily,
  fulfillments,
  fulfillmentWhen,
  history,
  outboundMessages,
  placeOrder,
  reservations,
  shipmentCount,
  statesEntered,
  supplierSays,
  timelineTypes,
  waitFor,
  waitForExecutionEnd,
  waitForStatus,
  webKey,
} from './workflow-helpers';

const NORDIC = 'nordic-home';

/** The stored order item (the API view does not show the cancelled line quantities). */
async function storedOrder(orderId: string): Promise<Record<string, unknown>> {
  const out = await documentClient().send(new GetCommand({ TableName: endpoints().dynamodb.tableName, Key: { pk: `ORDER#${orderId}`, sk: '#ORDER' }, ConsistentRead: true }));
  return out.Item ?? {};
}

async function cancel(orderId: string, body: Record<string, unknown>, key: string = randomUUID()): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await http(endpoints().apiUrl, 'POST', `/orders/${orderId}/cancel`, {
    headers: { 'content-type': 'application/json', 'x-api-key': webKey(), 'Idempotency-Key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: obj(res.json) };
}

describe.concurrent('customer cancellation on the local runtime (scripted suppliers)', () => {
  it('before dispatch (an order on hold for payment): 200 CANCELLED at once, the hold ends, nothing reserved, no refund owed', async () => {
    const orderId = await placeOrder({ payment: 'pending' });
    await waitForStatus(orderId, 'ON_HOLD');
    await waitFor('AwaitHoldDecision entered', async () => (statesEntered(await history(orderId)).includes('AwaitHoldDecision') ? true : undefined));
    const res = await cancel(orderId, { reason: 'changed_mind' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ orderId, status: 'CANCELLED', lines: [{ lineNo: 1, quantity: 1, state: 'CANCELLED' }] });
    const order = await waitForStatus(orderId, 'CANCELLED');
    expect(timelineTypes(order)).toEqual(expect.arrayContaining(['CancellationRequested', 'CancellationAccepted', 'OrderCancelled']));
    const states = statesEntered(await waitForExecutionEnd(orderId));
    expect(states.slice(-5)).toEqual(['HoldDecided?', 'HoldRejected', 'CancelOrder', 'CancelOrderApplied?', 'Cancelled']);
    expect(await reservations(orderId)).toHaveLength(0);
  });

  it('partial before dispatch: one unit of a line cancelled while on hold, the rest is routed and the purchase order has the rest only', async () => {
    const orderId = await placeOrder({ payment: 'pending', lines: [{ sku: 'TSHIRT-BLK-M', quantity: 3 }] });
    await waitForStatus(orderId, 'ON_HOLD');
    const res = await cancel(orderId, { reason: 'customer_request', lines: [{ lineNo: 1, quantity: 1 }] });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'CANCELLED', lines: [{ lineNo: 1, quantity: 1, state: 'CANCELLED' }] });
    const paid = await http(endpoints().apiUrl, 'POST', `/orders/${orderId}/payment`, {
      headers: { 'content-type': 'application/json', 'x-api-key': webKey() },
      body: JSON.stringify({ status: 'paid', reference: `pay_${randomUUID().slice(0, 8)}` }),
    });
    expect(paid.status).toBe(200);
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const po = await outboundMessages(NORDIC, String(f['fulfillmentId']), 'PURCHASE_ORDER');
    expect(po['lines']).toEqual([expect.objectContaining({ lineNo: 1, quantity: 2 })]);
    await fulfilHappily(NORDIC, f);
    await waitForStatus(orderId, 'DELIVERED');
    expect((await storedOrder(orderId))['cancelledLines']).toEqual([{ lineNo: 1, quantity: 1 }]);
  });

  it('after dispatch, the supplier accepts: 202, CANCELLATION_REQUESTED, then the fulfillment and the order are cancelled and the stock released', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const fulfillmentId = String(f['fulfillmentId']);
    // The supplier acknowledges first (locally the 60 min acceptance SLA lasts 10 s: silence would reroute).
    await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId });
    await fulfillmentWhen(orderId, fulfillmentId, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED');
    const res = await cancel(orderId, { reason: 'customer_request' });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'CANCELLATION_REQUESTED', lines: [{ lineNo: 1, quantity: 1, state: 'REQUESTED' }] });
    const request = await outboundMessages(NORDIC, fulfillmentId, 'CANCELLATION_REQUESTED');
    expect(request).toMatchObject({ fulfillmentId, whole: true, lines: [{ lineNo: 1, supplierSku: 'NH-TS-0101-M', quantity: 1 }] });
    expect(String(request['requestId'])).toMatch(/^creq-[0-9a-f]{16}$/);
    await supplierSays(NORDIC, { type: 'CANCELLATION_ACCEPTED', fulfillmentId, requestId: request['requestId'] });
    const order = await waitForStatus(orderId, 'CANCELLED');
    expect(timelineTypes(order)).toEqual(expect.arrayContaining(['CancellationRequested', 'CancellationAccepted', 'FulfillmentCancelled', 'LinesCancelled', 'RefundRequested']));
    const states = statesEntered(await waitForExecutionEnd(orderId));
    expect(states).toEqual(expect.arrayContaining(['Dispatch', 'ReleaseCancelled', 'FulfillmentCancelled', 'Complete']));
    expect((await reservations(orderId)).map((r) => r['status'])).toEqual(['RELEASED']);
    await waitFor('CancellationAccepted on the bus', async () => ((await busEvents(orderId, 'CancellationAccepted')).length > 0 ? true : undefined));
  });

  it('after dispatch, the supplier rejects: CancellationRejected recorded, the order goes on and is delivered', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const fulfillmentId = String(f['fulfillmentId']);
    await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId });
    await fulfillmentWhen(orderId, fulfillmentId, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED');
    expect((await cancel(orderId, { reason: 'changed_mind' })).status).toBe(202);
    const request = await outboundMessages(NORDIC, fulfillmentId, 'CANCELLATION_REQUESTED');
    await supplierSays(NORDIC, { type: 'CANCELLATION_REJECTED', fulfillmentId, requestId: request['requestId'], reason: 'ALREADY_PACKED' });
    await fulfillmentWhen(orderId, fulfillmentId, 'answered', (x) => x['cancellationRequest'] === undefined);
    await fulfilHappily(NORDIC, f);
    const order = await waitForStatus(orderId, 'DELIVERED');
    expect(timelineTypes(order)).toEqual(expect.arrayContaining(['CancellationRequested', 'CancellationRejected', 'OrderDelivered']));
    expect((await storedOrder(orderId))['cancelledLines'] ?? []).toEqual([]);
  });

  it('partial after dispatch: 1 of 2 units asked, accepted: the fulfillment goes on with 1 unit and is delivered', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2 }] });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const fulfillmentId = String(f['fulfillmentId']);
    await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId });
    await fulfillmentWhen(orderId, fulfillmentId, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED');
    const res = await cancel(orderId, { reason: 'customer_request', lines: [{ lineNo: 1, quantity: 1 }] });
    expect(res.status).toBe(202);
    const request = await outboundMessages(NORDIC, fulfillmentId, 'CANCELLATION_REQUESTED');
    expect(request).toMatchObject({ whole: false, lines: [{ lineNo: 1, quantity: 1 }] });
    await supplierSays(NORDIC, { type: 'CANCELLATION_ACCEPTED', fulfillmentId, requestId: request['requestId'] });
    const reduced = await fulfillmentWhen(orderId, fulfillmentId, 'reduced to 1 unit', (x) => JSON.stringify(x['lines']) === JSON.stringify([{ lineNo: 1, quantity: 1 }]));
    expect(reduced['status']).toBe('ACCEPTED');
    expect((await reservations(orderId)).map((r) => r['quantity'])).toEqual([1]);
    const { carrier, trackingNumber } = trackingFor('DHL Paket');
    await supplierSays(NORDIC, { type: 'SHIPPED', fulfillmentId, carrier, trackingNumber, lines: [{ lineNo: 1, quantity: 1 }] });
    await fulfillmentWhen(orderId, fulfillmentId, 'with a shipment', (x) => shipmentCount(x) > 0);
    await supplierSays(NORDIC, { type: 'TRACKING_EVENT', fulfillmentId, trackingNumber, event: 'CARRIER_PICKED_UP' });
    await fulfillmentWhen(orderId, fulfillmentId, 'shipped', (x) => x['status'] !== 'ACCEPTED' && x['status'] !== 'DISPATCHED');
    await supplierSays(NORDIC, { type: 'DELIVERED', fulfillmentId, trackingNumber });
    const order = await waitForStatus(orderId, 'DELIVERED');
    expect((await storedOrder(orderId))['cancelledLines']).toEqual([{ lineNo: 1, quantity: 1 }]);
    expect(timelineTypes(order)).toEqual(expect.arrayContaining(['CancellationAccepted', 'LinesCancelled', 'RefundRequested']));
  });

  it('after shipment: 409 NOT_CANCELLABLE (ALREADY_SHIPPED) with a pointer to returns', async () => {
    const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    const fulfillmentId = String(f['fulfillmentId']);
    const { carrier, trackingNumber } = trackingFor('DHL Paket');
    await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId });
    await fulfillmentWhen(orderId, fulfillmentId, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED');
    await supplierSays(NORDIC, { type: 'SHIPPED', fulfillmentId, carrier, trackingNumber, lines: [{ lineNo: 1, quantity: 1 }] });
    await fulfillmentWhen(orderId, fulfillmentId, 'with a shipment', (x) => shipmentCount(x) > 0);
    const res = await cancel(orderId, { reason: 'changed_mind' });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      error: 'NOT_CANCELLABLE',
      status: 'NOT_CANCELLABLE',
      reason: 'ALREADY_SHIPPED',
      returns: { method: 'POST', path: `/orders/${orderId}/returns` },
      lines: [{ lineNo: 1, quantity: 1, state: 'NOT_CANCELLABLE' }],
    });
    expect((await fulfillments(orderId))[0]?.['cancellationRequest']).toBeUndefined();
  });

  it('the same Idempotency-Key twice: the same answer; with another body: 409; unknown order: 404; bad body: 4xx naming the field', async () => {
    const orderId = await placeOrder({ payment: 'pending', lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2 }] });
    await waitForStatus(orderId, 'ON_HOLD');
    const key = randomUUID();
    const first = await cancel(orderId, { reason: 'duplicate', lines: [{ lineNo: 1, quantity: 1 }] }, key);
    const again = await cancel(orderId, { reason: 'duplicate', lines: [{ lineNo: 1, quantity: 1 }] }, key);
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
    const other = await cancel(orderId, { reason: 'duplicate', lines: [{ lineNo: 1, quantity: 2 }] }, key);
    expect(other.status).toBe(409);
    await waitForStatus(orderId, 'ON_HOLD');
    expect((await storedOrder(orderId))['cancelledLines']).toEqual([{ lineNo: 1, quantity: 1 }]);
    expect((await cancel(`ord_${'0'.repeat(26)}`, { reason: 'duplicate' })).status).toBe(404);
    const badLine = await cancel(orderId, { reason: 'duplicate', lines: [{ lineNo: 7 }] });
    expect(badLine.status).toBe(400);
    expect(JSON.stringify(badLine.json)).toContain('lines.0.lineNo');
    const badReason = await cancel(orderId, { reason: 'bored' });
    expect([400, 422]).toContain(badReason.status);
    expect(JSON.stringify(badReason.json)).toContain('reason');
  });

  // Longer deadlines: in a clean-clone CI run this file runs while the unit and infra projects (esbuild, cdk synth) load both
  // cores, and the file round trip (outbox poll, inbox file, S3 event, message-file function cold start) then took over 30 s.
  // Alone it takes about 3 s. retry: 1 stays for the same reason.
  it('a file supplier (simulated): the request is an outbox file, its answer an inbox file, the order is cancelled', { timeout: 180_000, retry: 1 }, async () => {
    const inbound = endpoints().suppliers.find((x) => x.id === 'atlantic-outfitters')?.inboundQueueUrl ?? undefined;
    const sqsClient = new SQSClient({ endpoint: endpoints().sqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const logLines: string[] = [];
    // Slow steps: the supplier acknowledges at once but would ship only a minute later, so the request finds it unshipped.
    const sim = new SupplierSimulator({
      suppliers: [],
      sqs: sqsClient,
      stepMs: 60_000,
      log: (l) => logLines.push(l),
      files: { s3Endpoint: endpoints().s3.endpoint, suppliers: [{ supplierId: 'atlantic-outfitters', bucket: endpoints().s3.bucket ?? '', ...(inbound === undefined ? {} : { inboundQueueUrl: inbound }) }], listIntervalMs: 250 },
    });
    sim.start();
    try {
      // White T-shirts M are only at atlantic-outfitters.
      const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-WHT-M', quantity: 1 }] });
      await waitFor('the purchase order at atlantic-outfitters', async () => ((await fulfillments(orderId)).some((f) => f['status'] === 'DISPATCHED' || f['status'] === 'ACCEPTED') ? true : undefined));
      const res = await cancel(orderId, { reason: 'customer_request' });
      expect(res.status, logLines.join('\n')).toBe(202);
      const order = await waitForStatus(orderId, ['CANCELLED'], 120_000);
      expect(timelineTypes(order)).toEqual(expect.arrayContaining(['CancellationAccepted', 'FulfillmentCancelled']));
      expect(sim.stats.cancellationRequests).toBe(1);
    } finally {
      await sim.stop();
      sqsClient.destroy();
    }
  });
});

/**
 * How returns end, on the local runtime from the synthesized template (the deployed wiring): an exchange's
 * replacement ships from the returns' bus rule (ReturnReceived → the delivery-decisions function, which carries
 * pdf-lib), is delivered, and the return is CLOSED; a refund return is CLOSED when the storefront confirms the
 * refund (POST /orders/{orderId}/returns/{returnId}/refund), or by an operator with a note. Scripted suppliers;
 * every wait has a deadline.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { opsFetch } from '../../local/tools/ops-client';
import { trackingFor } from '../../local/tools/supplier-plan';
import { endpoints, http, obj } from './helpers';
import { busEvents, dispatchedFulfillment, fulfilHappily, fulfillments, fulfillmentWhen, getOrder, placeOrder, shipmentCount, supplierSays, timelineTypes, waitFor, waitForStatus, webKey } from './workflow-helpers';

/** Waits of this file: several cold functions on a shared 2-core machine. */
const WAIT_MS = 45_000;
const TEST_MS = 300_000;
const NORDIC = 'nordic-home';
const ADDRESS = { name: 'Nordic Home Returns', line1: 'Lagerstrasse 5', city: 'Hamburg', postcode: '20457', country: 'DE' };

async function post(path: string, body: Record<string, unknown>, key: string = randomUUID()): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await http(endpoints().apiUrl, 'POST', path, { headers: { 'content-type': 'application/json', 'x-api-key': webKey(), 'Idempotency-Key': key }, body: JSON.stringify(body) });
  return { status: res.status, json: obj(res.json) };
}

async function deliveredOrder(): Promise<{ orderId: string; fulfillmentId: string }> {
  const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
  const f = await dispatchedFulfillment(orderId, NORDIC, WAIT_MS);
  const fulfillmentId = String(f['fulfillmentId']);
  const { carrier, trackingNumber } = trackingFor('DHL Paket');
  await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId });
  await fulfillmentWhen(orderId, fulfillmentId, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED', WAIT_MS);
  await supplierSays(NORDIC, { type: 'SHIPPED', fulfillmentId, carrier, trackingNumber, lines: [{ lineNo: 1, quantity: 1 }] });
  await fulfillmentWhen(orderId, fulfillmentId, 'with a shipment', (x) => shipmentCount(x) > 0, WAIT_MS);
  await supplierSays(NORDIC, { type: 'TRACKING_EVENT', fulfillmentId, trackingNumber, event: 'CARRIER_PICKED_UP' });
  await fulfillmentWhen(orderId, fulfillmentId, 'shipped', (x) => x['status'] !== 'ACCEPTED', WAIT_MS);
  await supplierSays(NORDIC, { type: 'DELIVERED', fulfillmentId, trackingNumber });
  await waitForStatus(orderId, 'DELIVERED', WAIT_MS);
  return { orderId, fulfillmentId };
}

async function returnWhen(orderId: string, returnId: string, status: string): Promise<Record<string, unknown>> {
  return waitFor(`return ${returnId} ${status}`, async () => {
    const order = await getOrder(orderId);
    const r = (Array.isArray(order['returns']) ? (order['returns'] as Record<string, unknown>[]) : []).find((x) => x['returnId'] === returnId);
    return r?.['status'] === status ? r : undefined;
  }, WAIT_MS);
}

/** A return asked for, authorized, shipped back and received by nordic-home. */
async function receivedReturn(orderId: string, fulfillmentId: string, resolution: 'refund' | 'replacement'): Promise<string> {
  const res = await post(`/orders/${orderId}/returns`, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'damaged', resolution });
  expect(res.status).toBe(201);
  const returnId = String(res.json['returnId']);
  await supplierSays(NORDIC, { type: 'RETURN_AUTHORIZED', fulfillmentId, returnId, rma: 'RMA-X', returnAddress: ADDRESS });
  await returnWhen(orderId, returnId, 'AUTHORIZED');
  const { carrier, trackingNumber } = trackingFor('UPS');
  await supplierSays(NORDIC, { type: 'RETURN_SHIPPED', fulfillmentId, returnId, carrier, trackingNumber });
  await returnWhen(orderId, returnId, 'IN_TRANSIT');
  await supplierSays(NORDIC, { type: 'RETURN_RECEIVED', fulfillmentId, returnId, lines: [{ lineNo: 1, condition: 'damaged' }] });
  return returnId;
}

describe.concurrent('returns reach CLOSED on the local runtime', () => {
  it('an exchange: the bus step ships the replacement (a new fulfillment), it is delivered, the return CLOSED without a refund', async () => {
    const { orderId, fulfillmentId } = await deliveredOrder();
    const returnId = await receivedReturn(orderId, fulfillmentId, 'replacement');
    const closed = await returnWhen(orderId, returnId, 'CLOSED');
    expect(closed['refund']).toBeUndefined();
    const [replacementId] = closed['replacementFulfillmentIds'] as string[];
    expect(replacementId).toMatch(/^ful_/);
    expect(replacementId).not.toBe(fulfillmentId);
    const replacement = await waitFor('the replacement dispatched', async () => (await fulfillments(orderId)).find((f) => f['fulfillmentId'] === replacementId && f['status'] === 'DISPATCHED'), WAIT_MS);
    await fulfilHappily(String(replacement['supplierId']), replacement);
    await fulfillmentWhen(orderId, String(replacementId), 'DELIVERED', (f) => f['status'] === 'DELIVERED', WAIT_MS);
    const order = await getOrder(orderId);
    expect(timelineTypes(order)).toEqual(expect.arrayContaining(['ReturnReceived', 'ReplacementCreated', 'ReturnClosed']));
    expect(timelineTypes(order)).not.toContain('ReturnRefundRequested');
    const events = await waitFor('ReturnClosed on the bus', async () => {
      const found = await busEvents(returnId, 'ReturnClosed');
      return found.length > 0 ? found : undefined;
    }, WAIT_MS);
    expect(events[0]?.detail).toMatchObject({ data: expect.objectContaining({ returnId, closedBy: 'replacement' }) });
  }, TEST_MS);

  it('a refund return: the storefront confirms the refund (CLOSED, again unchanged); another is closed by an operator with a note', async () => {
    const { orderId, fulfillmentId } = await deliveredOrder();
    const returnId = await receivedReturn(orderId, fulfillmentId, 'refund');
    await returnWhen(orderId, returnId, 'REFUND_REQUESTED');
    const early = await post(`/orders/${orderId}/returns/ret_${orderId.slice(4)}_0000000000/refund`, {});
    expect(early.status).toBe(404);
    const key = randomUUID();
    const confirmed = await post(`/orders/${orderId}/returns/${returnId}/refund`, { refundId: 'shop-refund-1' }, key);
    expect(confirmed).toMatchObject({ status: 200, json: { returnId, orderId, status: 'CLOSED', closedBy: 'storefront', changed: true } });
    const again = await post(`/orders/${orderId}/returns/${returnId}/refund`, { refundId: 'shop-refund-1' }, key);
    expect(again).toMatchObject({ status: 200, json: { status: 'CLOSED', changed: false } });
    await returnWhen(orderId, returnId, 'CLOSED');
    const bad = await post(`/orders/${orderId}/returns/${returnId}/refund`, { refundId: 'x', amount: 3 });
    expect(bad.status).toBe(422);

    const second = await deliveredOrder();
    const other = await receivedReturn(second.orderId, second.fulfillmentId, 'refund');
    await returnWhen(second.orderId, other, 'REFUND_REQUESTED');
    const e = endpoints();
    if (e.ops === null || e.ops === undefined) throw new Error('no ops API in the template');
    const noNote = await opsFetch(e, 'POST', `/ops/returns/${other}/close`, {});
    expect(noNote.status).toBe(422);
    const ops = await opsFetch(e, 'POST', `/ops/returns/${other}/close`, { note: 'Refunded by bank transfer' });
    expect(ops.status).toBe(200);
    expect(obj(await ops.json())).toMatchObject({ returnId: other, status: 'CLOSED', closedBy: 'operator', changed: true });
    const order = await getOrder(second.orderId);
    expect(order['timeline']).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'ReturnClosed', actor: 'operator', actorId: e.ops.identity })]));
  }, TEST_MS);
});

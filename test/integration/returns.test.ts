/**
 * Returns end to end on the local runtime: POST /orders/{orderId}/returns through the storefront API, the real
 * requestReturn, RETURN_REQUESTED on the supplier's outbound queue, a SCRIPTED supplier answering on its inbound
 * queue (the real consumer applies RETURN_AUTHORIZED / REJECTED / SHIPPED / RECEIVED), `returns[]` in
 * GET /orders/{orderId}, the operators' authorize route. Every wait has a deadline.
 */
import { opsFetch } from '../../local/tools/ops-client';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { trackingFor } from '../../local/tools/supplier-plan';
import { endpoints, http, obj } from './helpers';
import { busEvents, dispatchedFulfillment, exceptionsOfKind, fulfillmentWhen, getOrder, outboundMessages, placeOrder, shipmentCount, supplierSays, timelineTypes, waitFor, waitForStatus, webKey } from './workflow-helpers';

/** Waits of this file: a return test first delivers an order (several cold functions on a shared 2-core machine). */
const WAIT_MS = 45_000;
/** Per test: an order delivered, then its return through every step. */
const TEST_MS = 240_000;

const NORDIC = 'nordic-home';

async function requestReturn(orderId: string, body: Record<string, unknown>, key: string = randomUUID()): Promise<{ status: number; json: Record<string, unknown>; replayed: string | undefined }> {
  const res = await http(endpoints().apiUrl, 'POST', `/orders/${orderId}/returns`, {
    headers: { 'content-type': 'application/json', 'x-api-key': webKey(), 'Idempotency-Key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: obj(res.json), replayed: res.headers.get('idempotent-replayed') ?? undefined };
}

/** A DELIVERED order of `quantity` T-shirts (24.90 each, shipping 4.90) at nordic-home, and its fulfillment id (scripted supplier, each step applied before the next). */
async function deliveredOrder(quantity: number): Promise<{ orderId: string; fulfillmentId: string }> {
  const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity }] });
  const f = await dispatchedFulfillment(orderId, NORDIC, WAIT_MS);
  const fulfillmentId = String(f['fulfillmentId']);
  const { carrier, trackingNumber } = trackingFor('DHL Paket');
  await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId });
  await fulfillmentWhen(orderId, fulfillmentId, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED', WAIT_MS);
  await supplierSays(NORDIC, { type: 'SHIPPED', fulfillmentId, carrier, trackingNumber, lines: [{ lineNo: 1, quantity }] });
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

const ADDRESS = { name: 'Nordic Home Returns', line1: 'Lagerstrasse 5', city: 'Hamburg', postcode: '20457', country: 'DE' };

describe.concurrent('returns on the local runtime (scripted suppliers)', () => {
  it('happy path: REQUESTED → AUTHORIZED → IN_TRANSIT → RECEIVED → REFUND_REQUESTED, refund with shipping share, timeline and bus', async () => {
    const { orderId, fulfillmentId } = await deliveredOrder(2);
    const res = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'defective', note: 'stopped working' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ status: 'REQUESTED', resolution: 'refund' });
    const returnId = String(res.json['returnId']);
    const asked = await outboundMessages(NORDIC, fulfillmentId, 'RETURN_REQUESTED', WAIT_MS);
    expect(asked).toMatchObject({ returnId, fulfillmentId, reason: 'defective', lines: [{ lineNo: 1, supplierSku: 'NH-TS-0101-M', quantity: 1 }] });
    expect(JSON.stringify(asked)).not.toMatch(/ada@example\.com|Lovelace|Teststrasse/);

    await supplierSays(NORDIC, { type: 'RETURN_AUTHORIZED', fulfillmentId, returnId, rma: 'RMA-1', returnAddress: ADDRESS, labelRef: 'label-1' });
    expect(await returnWhen(orderId, returnId, 'AUTHORIZED')).toMatchObject({ rma: 'RMA-1', returnAddress: ADDRESS });
    const { carrier, trackingNumber } = trackingFor('UPS');
    await supplierSays(NORDIC, { type: 'RETURN_SHIPPED', fulfillmentId, returnId, carrier, trackingNumber });
    await returnWhen(orderId, returnId, 'IN_TRANSIT');
    await supplierSays(NORDIC, { type: 'RETURN_RECEIVED', fulfillmentId, returnId, lines: [{ lineNo: 1, condition: 'opened' }] });
    const done = await returnWhen(orderId, returnId, 'REFUND_REQUESTED');
    // 24.90 of goods + 2.45 (half of the 4.90 shipping: the retailer pays for a defect), no restocking fee.
    expect(done).toMatchObject({ refund: { amount: '27.35', currency: 'EUR', restockingFee: '0.00', shippingAdjustment: '2.45' }, lines: [{ lineNo: 1, quantity: 1, condition: 'opened' }] });
    const types = timelineTypes(await getOrder(orderId));
    expect(types).toEqual(expect.arrayContaining(['ReturnRequested', 'ReturnAuthorized', 'ReturnInTransit', 'ReturnReceived', 'ReturnRefundRequested']));
    const events = await waitFor('ReturnRefundRequested on the bus', async () => {
      const found = await busEvents(returnId, 'ReturnRefundRequested');
      return found.length > 0 ? found : undefined;
    }, WAIT_MS);
    expect(JSON.stringify(events[0]?.detail)).toMatch(/"amountMinor":\s*2735/);
  }, TEST_MS);

  it('rejected by the supplier: REJECTED, and the units can be asked for again', async () => {
    const { orderId, fulfillmentId } = await deliveredOrder(1);
    const first = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'changed_mind' });
    expect(first.status).toBe(201);
    const returnId = String(first.json['returnId']);
    await supplierSays(NORDIC, { type: 'RETURN_REJECTED', fulfillmentId, returnId, reason: 'OUTSIDE_SUPPLIER_POLICY' });
    await returnWhen(orderId, returnId, 'REJECTED');
    const again = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'defective' });
    expect(again.status).toBe(201);
    expect(again.json['returnId']).not.toBe(returnId);
  }, TEST_MS);

  it('over-return 422 EXCEEDS_RETURNABLE (also when two requests race), not delivered 422, idempotent retry and key reuse', async () => {
    const { orderId } = await deliveredOrder(2);
    const over = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 5 }], reason: 'changed_mind' });
    expect(over.status).toBe(422);
    expect(over.json).toMatchObject({ code: 'RETURN_NOT_ALLOWED', rule: 'EXCEEDS_RETURNABLE', lineNo: 1, returnable: 2 });
    const unknown = await requestReturn(orderId, { lines: [{ lineNo: 7, quantity: 1 }], reason: 'other' });
    expect(unknown.json).toMatchObject({ rule: 'UNKNOWN_LINE' });

    // Two concurrent requests for both units: exactly one wins.
    const raced = await Promise.all([1, 2].map(() => requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 2 }], reason: 'damaged' })));
    expect(raced.map((r) => r.status).sort()).toEqual([201, 422]);
    const winner = raced.find((r) => r.status === 201);

    const key = randomUUID();
    const fresh = await deliveredOrder(1);
    const a = await requestReturn(fresh.orderId, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'wrong_item' }, key);
    const b = await requestReturn(fresh.orderId, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'wrong_item' }, key);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.json['returnId']).toBe(a.json['returnId']);
    expect(b.replayed).toBe('true');
    const conflict = await requestReturn(fresh.orderId, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'damaged' }, key);
    expect(conflict.status).toBe(409);
    const order = await getOrder(orderId);
    expect((order['returns'] as unknown[]).length).toBe(1);
    expect(winner?.json['returnId']).toBe((order['returns'] as Record<string, unknown>[])[0]?.['returnId']);

    const open = await placeOrder({ payment: 'pending' });
    await waitForStatus(open, 'ON_HOLD', WAIT_MS);
    const early = await requestReturn(open, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'defective' });
    expect(early.status).toBe(422);
    expect(early.json).toMatchObject({ rule: 'NOT_DELIVERED' });
  }, TEST_MS);

  it('a silent supplier: RETURN_UNANSWERED on the index, an operator authorizes on its behalf', async () => {
    const { orderId } = await deliveredOrder(1);
    const res = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'not_as_described' });
    const returnId = String(res.json['returnId']);
    const marked = await exceptionsOfKind('RETURN_UNANSWERED');
    expect(marked.some((m) => String(m['gsi3sk']).endsWith(`#${orderId}#${returnId}`))).toBe(true);
    const e = endpoints();
    if (e.ops === null || e.ops === undefined) throw new Error('no ops API in the template');
    const ops = await opsFetch(e, 'POST', `/ops/returns/${returnId}/authorize`, { rma: 'RMA-PHONE-7', instructions: 'Agreed by phone' });
    expect(ops.status).toBe(200);
    expect(obj(await ops.json())).toMatchObject({ returnId, status: 'AUTHORIZED', rma: 'RMA-PHONE-7', changed: true });
    await returnWhen(orderId, returnId, 'AUTHORIZED');
    expect((await exceptionsOfKind('RETURN_UNANSWERED')).some((m) => String(m['gsi3sk']).endsWith(`#${returnId}`))).toBe(false);
    const order = await getOrder(orderId);
    expect(order['timeline']).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'ReturnAuthorized', actor: 'operator', actorId: e.ops.identity })]));
  }, TEST_MS);
});

/**
 * GET /ops/returns through the local runtime (signed like every ops route): a return placed through the
 * storefront API is listed across orders by status and supplier (gsi2 RETURN#{status}), moves to its new
 * status when the supplier answers, shows in the order's look; a forged cursor is a 400 naming cursor.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { opsFetch } from '../../local/tools/ops-client';
import { trackingFor } from '../../local/tools/supplier-plan';
import { endpoints, http, obj } from './helpers';
import { dispatchedFulfillment, fulfillmentWhen, placeOrder, shipmentCount, supplierSays, waitFor, waitForStatus, webKey } from './workflow-helpers';

const WAIT_MS = 45_000;
const NORDIC = 'nordic-home';

async function ops(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const e = endpoints();
  if (e.ops === null || e.ops === undefined) throw new Error('no ops API in the template');
  const res = await opsFetch(e, 'GET', path);
  return { status: res.status, json: obj(await res.json()) };
}

const items = (page: Record<string, unknown>) => (page['items'] as Record<string, unknown>[] | undefined) ?? [];

/** A DELIVERED order at nordic-home (scripted supplier), and its fulfillment id. */
async function deliveredOrder(): Promise<{ orderId: string; fulfillmentId: string }> {
  const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
  const fulfillmentId = String((await dispatchedFulfillment(orderId, NORDIC, WAIT_MS))['fulfillmentId']);
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

describe('GET /ops/returns on the local runtime', () => {
  it('lists a return placed through the API by status and supplier, follows its status, and refuses a forged cursor', async () => {
    const { orderId, fulfillmentId } = await deliveredOrder();
    const res = await http(endpoints().apiUrl, 'POST', `/orders/${orderId}/returns`, {
      headers: { 'content-type': 'application/json', 'x-api-key': webKey(), 'Idempotency-Key': randomUUID() },
      body: JSON.stringify({ lines: [{ lineNo: 1, quantity: 1 }], reason: 'damaged' }),
    });
    expect(res.status).toBe(201);
    const returnId = String(obj(res.json)['returnId']);

    const requested = await ops('/ops/returns?status=REQUESTED&limit=100');
    expect(requested.status).toBe(200);
    expect(items(requested.json).find((r) => r['returnId'] === returnId)).toMatchObject({
      orderId,
      fulfillmentId,
      supplierId: NORDIC,
      status: 'REQUESTED',
      reason: 'damaged',
      units: 1,
      goods: { amount: '24.90', currency: 'EUR' },
    });
    expect(items((await ops(`/ops/returns?supplier=${NORDIC}&limit=100`)).json).map((r) => r['returnId'])).toContain(returnId);
    expect(items((await ops('/ops/returns?supplier=other-supplier&limit=100')).json).map((r) => r['returnId'])).not.toContain(returnId);

    await supplierSays(NORDIC, { type: 'RETURN_AUTHORIZED', fulfillmentId, returnId, rma: 'RMA-OPS-1', returnAddress: { name: 'Nordic Home Returns', line1: 'Lagerstrasse 5', city: 'Hamburg', postcode: '20457', country: 'DE' } });
    const authorized = await waitFor(
      `return ${returnId} listed AUTHORIZED`,
      async () => items((await ops('/ops/returns?status=AUTHORIZED&limit=100')).json).find((r) => r['returnId'] === returnId),
      WAIT_MS,
      300,
    );
    expect(authorized).toMatchObject({ status: 'AUTHORIZED', rma: 'RMA-OPS-1', unanswered: false });
    expect(items((await ops('/ops/returns?status=REQUESTED&limit=100')).json).map((r) => r['returnId'])).not.toContain(returnId);

    const look = await ops(`/ops/orders/${orderId}`);
    expect(look.json['returns']).toEqual([expect.objectContaining({ returnId, status: 'AUTHORIZED' })]);

    const forged = await ops(`/ops/returns?status=AUTHORIZED&cursor=${Buffer.from('{"v":1,"src":"returns","f":"0000000000000000","k":"2026-01-01T00:00:00.000Z#x"}').toString('base64url')}`);
    expect(forged.status).toBe(400);
    expect(JSON.stringify(forged.json)).toContain('queryStringParameters.cursor');
  }, 240_000);
});

/**
 * How returns end, on the local runtime from the synthesized template (the deployed wiring): an exchange's
 * replacement ships from the returns' bus rule (ReturnReceived → the delivery-decisions function, which carries
 * pdf-lib), is delivered, and the return is CLOSED; a refund return is CLOSED when the storefront confirms the
 * refund (POST /orders/{orderId}/returns/{returnId}/refund, or a Shopify refunds/create covering its lines), or by an
 * operator with a note. Scripted suppliers;
 * every wait has a deadline.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { opsFetch } from '../../local/tools/ops-client';
import { trackingFor } from '../../local/tools/supplier-plan';
import { computeHmacBase64 } from '../../functions/core/kernel/webhook-signature';
import { documentClient, endpoints, http, obj, partition } from './helpers';
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

  it('a Shopify order: refunds/create covering the returned line CLOSES the refund return (platform_refund)', async () => {
    const c = endpoints().channels.find((ch) => ch.platform === 'shopify');
    if (c === undefined || c.webhookSecret === null || c.apiKey === null || c.webhookUrl === null) throw new Error('endpoints.json has no complete shopify channel');
    const shop = { secret: c.webhookSecret, apiKey: c.apiKey, webhookUrl: c.webhookUrl };
    const external = String(7_100_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));
    const shopifyPost = (topic: string, body: string) =>
      http('', 'POST', shop.webhookUrl, {
        body,
        headers: { 'content-type': 'application/json', 'X-Shopify-Topic': topic, 'X-Shopify-Hmac-Sha256': computeHmacBase64(shop.secret, body), 'X-Shopify-Webhook-Id': randomUUID(), 'X-Shopify-Triggered-At': new Date().toISOString() },
      });
    const order = JSON.stringify({
      id: Number.MAX_SAFE_INTEGER,
      name: `#${external.slice(-4)}`,
      email: 'grace@example.com',
      currency: 'EUR',
      financial_status: 'paid',
      taxes_included: true,
      line_items: [{ id: 1, sku: 'MUG-ENAMEL-WHT', title: 'Enamel camping mug', quantity: 1, price: '14.90' }],
      shipping_address: { first_name: 'Grace', last_name: 'Hopper', address1: `Keizersgracht ${randomUUID().slice(0, 6)}`, city: 'Amsterdam', zip: '1015 CJ', country_code: 'NL' },
      total_line_items_price: '14.90',
      total_tax: '0.00',
      total_discounts: '0.00',
      total_shipping_price_set: { shop_money: { amount: '4.90', currency_code: 'EUR' } },
      total_price: '19.80',
    }).replace(String(Number.MAX_SAFE_INTEGER), external);
    const created = await shopifyPost('orders/create', order);
    expect(created.status).toBe(201);
    const orderId = String(obj(created.json)['orderId']);
    const f = await waitFor('a dispatched fulfillment', async () => (await fulfillments(orderId)).find((x) => x['status'] === 'DISPATCHED'), WAIT_MS);
    const supplierId = String(f['supplierId']);
    await fulfilHappily(supplierId, f);
    await fulfillmentWhen(orderId, String(f['fulfillmentId']), 'DELIVERED', (x) => x['status'] === 'DELIVERED', WAIT_MS);

    const asked = await http(endpoints().apiUrl, 'POST', `/orders/${orderId}/returns`, {
      headers: { 'content-type': 'application/json', 'x-api-key': shop.apiKey, 'Idempotency-Key': randomUUID() },
      body: JSON.stringify({ lines: [{ lineNo: 1, quantity: 1 }], reason: 'defective' }),
    });
    expect(asked.status).toBe(201);
    const returnId = String(obj(asked.json)['returnId']);
    const stored = (status: string) =>
      waitFor(`return ${returnId} ${status}`, async () => (await partition(documentClient(), `ORDER#${orderId}`)).find((i) => i['entity'] === 'Return' && i['returnId'] === returnId && i['status'] === status), WAIT_MS);
    await supplierSays(supplierId, { type: 'RETURN_AUTHORIZED', fulfillmentId: f['fulfillmentId'], returnId, rma: 'RMA-S', returnAddress: ADDRESS });
    await stored('AUTHORIZED');
    await supplierSays(supplierId, { type: 'RETURN_RECEIVED', fulfillmentId: f['fulfillmentId'], returnId, lines: [{ lineNo: 1, condition: 'as_new' }] });
    await stored('REFUND_REQUESTED');

    const refund = JSON.stringify({ id: 991, order_id: Number.MAX_SAFE_INTEGER, created_at: '2026-12-07T10:00:00Z', refund_line_items: [{ line_item_id: 1, quantity: 1, restock_type: 'no_restock' }], transactions: [] }).replace(
      String(Number.MAX_SAFE_INTEGER),
      external,
    );
    const refunded = await shopifyPost('refunds/create', refund);
    expect(refunded.status).toBeLessThan(300);
    const closed = await stored('CLOSED');
    expect(closed['closure']).toMatchObject({ by: 'platform_refund', refundId: '991' });
  }, TEST_MS);
});

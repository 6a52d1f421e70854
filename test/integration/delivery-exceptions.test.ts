/**
 * Delivery exceptions end to end on the local runtime: the synthesized state machine, the real supplier inbound
 * consumer and a SCRIPTED supplier (messages on its inbound queue), the ops API routes of lib/constructs/after-delivery/scorecards.ts
 * and the lost-parcel sweep's schedule rule fired on demand. Every wait has a deadline.
 */
import { describe, expect, it } from 'vitest';
import { trackingFor } from '../../local/tools/supplier-plan';
import { opsFetch } from '../../local/tools/ops-client';
import { endpoints, http, obj } from './helpers';
import { dispatchedFulfillment, fulfilHappily, fulfillments, fulfillmentWhen, getOrder, placeOrder, supplierSays, timelineTypes, waitFor, waitForStatus } from './workflow-helpers';

const NORDIC = 'nordic-home';

async function ops(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const e = endpoints();
  if (e.ops === null || e.ops === undefined) throw new Error('no ops API in the template');
  const res = await opsFetch(e, method, path, body);
  return { status: res.status, json: obj(await res.json().catch(() => ({}))) };
}

/** Accept, ship and scan the first fulfillment; then the carrier's `event`. Returns the fulfillment id. */
async function shipThen(orderId: string, event: string): Promise<{ fulfillmentId: string; trackingNumber: string }> {
  const f = await dispatchedFulfillment(orderId, NORDIC);
  const fulfillmentId = String(f['fulfillmentId']);
  const { carrier, trackingNumber } = trackingFor('DHL Paket');
  await supplierSays(NORDIC, { type: 'ACCEPTED', fulfillmentId });
  await fulfillmentWhen(orderId, fulfillmentId, 'ACCEPTED', (x) => x['status'] === 'ACCEPTED');
  await supplierSays(NORDIC, { type: 'SHIPPED', fulfillmentId, carrier, trackingNumber, lines: [{ lineNo: 1, quantity: 1 }] });
  await supplierSays(NORDIC, { type: 'TRACKING_EVENT', fulfillmentId, trackingNumber, event: 'CARRIER_PICKED_UP' });
  await fulfillmentWhen(orderId, fulfillmentId, 'in transit', (x) => x['status'] === 'IN_TRANSIT');
  await supplierSays(NORDIC, { type: 'TRACKING_EVENT', fulfillmentId, trackingNumber, event });
  return { fulfillmentId, trackingNumber };
}

describe.concurrent('delivery exceptions on the local runtime (scripted supplier)', () => {
  it('a failed delivery reshipped: EXCEPTION, POST .../reship, the replacement is dispatched and delivered', async () => {
    const orderId = await placeOrder();
    const { fulfillmentId } = await shipThen(orderId, 'FAILURE');
    await fulfillmentWhen(orderId, fulfillmentId, 'EXCEPTION', (x) => x['status'] === 'EXCEPTION');

    const res = await ops('POST', `/ops/orders/${orderId}/fulfillments/${fulfillmentId}/reship`, {});
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ decision: 'RESHIP', code: 'FAILURE', replacements: [{ status: 'DISPATCHED', lines: [{ lineNo: 1, quantity: 1 }] }] });
    const replacement = obj((res.json['replacements'] as unknown[])[0]);
    const again = await ops('POST', `/ops/orders/${orderId}/fulfillments/${fulfillmentId}/reship`, {});
    expect(again.json['replacements']).toEqual(res.json['replacements']);

    // fulfilHappily reads the replacement's purchase order first (the SQS message, or the outbox file of a file supplier).
    const all = await fulfillments(orderId);
    const record = all.find((f) => f['fulfillmentId'] === replacement['fulfillmentId']) ?? {};
    await fulfilHappily(String(replacement['supplierId']), record);
    await fulfillmentWhen(orderId, String(replacement['fulfillmentId']), 'DELIVERED', (x) => x['status'] === 'DELIVERED');
    const order = await getOrder(orderId);
    expect(timelineTypes(order)).toEqual(expect.arrayContaining(['ReplacementCreated', 'DeliveryExceptionResolved', 'FulfillmentDelivered']));
    // The other decision afterwards is refused.
    expect((await ops('POST', `/ops/orders/${orderId}/fulfillments/${fulfillmentId}/refund`, {})).status).toBe(409);
  });

  it('an attempted delivery then DELIVERED: the later scan completes the fulfillment and the order', async () => {
    const orderId = await placeOrder();
    const { fulfillmentId, trackingNumber } = await shipThen(orderId, 'ATTEMPTED_DELIVERY');
    await waitFor('ATTEMPTED_DELIVERY recorded', async () => {
      const f = (await fulfillments(orderId)).find((x) => x['fulfillmentId'] === fulfillmentId);
      return obj(f?.['exception'] ?? {})['code'] === 'ATTEMPTED_DELIVERY' ? true : undefined;
    });
    await supplierSays(NORDIC, { type: 'DELIVERED', fulfillmentId, trackingNumber });
    await waitForStatus(orderId, 'DELIVERED');
    expect((await ops('POST', `/ops/orders/${orderId}/fulfillments/${fulfillmentId}/refund`, {})).status).toBe(409);
  });

  it('a lost parcel: the sweep (fired on demand) opens a carrier claim; refund; the operator closes the claim', async () => {
    const orderId = await placeOrder();
    const { fulfillmentId } = await shipThen(orderId, 'LOST');
    await fulfillmentWhen(orderId, fulfillmentId, 'EXCEPTION', (x) => x['status'] === 'EXCEPTION');
    const rule = endpoints().schedules.rules.find((r) => r.targets.some((t) => /LostParcelSweep/.test(t)));
    expect(rule, 'the lost-parcel schedule rule').toBeDefined();
    const fired = await fetch(`${endpoints().eventBridge.endpoint}/_local/schedules/fire?rule=${encodeURIComponent(rule?.name ?? '')}`, { method: 'POST', signal: AbortSignal.timeout(60_000) });
    expect(((await fired.json()) as { results: { ok: boolean; error?: string }[] }).results.map((r) => r.error ?? 'ok')).toEqual(['ok']);
    const claimId = `clm_${fulfillmentId.slice(4)}`;
    const claims = await waitFor('the claim', async () => {
      const list = await ops('GET', '/ops/claims?limit=100');
      return (list.json['items'] as Record<string, unknown>[]).find((c) => c['claimId'] === claimId);
    });
    expect(claims).toMatchObject({ fulfillmentId, status: 'OPEN', carrier: expect.any(String) as unknown });
    const refund = await ops('POST', `/ops/orders/${orderId}/fulfillments/${fulfillmentId}/refund`, {});
    expect(refund.json).toMatchObject({ decision: 'REFUND', code: 'LOST_IN_TRANSIT', claimId });
    const closed = await ops('POST', `/ops/claims/${claimId}/close`, { outcome: 'PAID', note: 'carrier paid the declared value' });
    expect(closed.json).toMatchObject({ claimId, status: 'CLOSED', outcome: 'PAID' });
    expect(timelineTypes(await getOrder(orderId))).toEqual(expect.arrayContaining(['DeliveryExceptionRaised', 'CarrierClaimOpened', 'RefundRequested', 'CarrierClaimClosed']));
  });
});

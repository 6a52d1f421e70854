/**
 * The ops API through the local runtime: IAM (SigV4) in the local gateway, find, look and the hold /
 * release actions on a real order (scripted suppliers), with the operator's identity on the timeline.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { opsFetch, type OpsEndpoint } from '../../local/tools/ops-client';
import { endpoints, http, obj } from './helpers';
import { dispatchedFulfillment, fulfilHappily, history, placeOrder, statesEntered, waitFor, waitForStatus } from './workflow-helpers';

const NORDIC = 'nordic-home';

function ops(): OpsEndpoint {
  const e = endpoints().ops;
  if (e === null) throw new Error('endpoints.json has no ops entry');
  return e;
}

async function call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await opsFetch({ ops: ops() }, method, path, body, headers === undefined ? {} : { headers });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const items = (page: Record<string, unknown>): Record<string, unknown>[] => (page['items'] as Record<string, unknown>[] | undefined) ?? [];

describe('ops API on the local runtime', () => {
  it('refuses unsigned and badly signed requests (403 FORBIDDEN) and serves signed ones', async () => {
    const unsigned = await http(ops().url, 'GET', '/ops/orders');
    expect(unsigned.status).toBe(403);
    expect(obj(unsigned.json)).toMatchObject({ code: 'FORBIDDEN' });
    const forged = await opsFetch({ ops: { ...ops(), credentials: { accessKeyId: ops().credentials.accessKeyId, secretAccessKey: 'not-the-secret' } } }, 'GET', '/ops/orders');
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ code: 'FORBIDDEN' });
    const signed = await call('GET', '/ops/orders?limit=1');
    expect(signed.status).toBe(200);
    expect(signed.json).toHaveProperty('items');
  });

  it('finds an order by status, external order id and email; a forged cursor is a 400 naming cursor', async () => {
    const email = `ops-${randomUUID().slice(0, 8)}@example.com`;
    const orderId = await placeOrder({ email, payment: 'pending' });
    await waitForStatus(orderId, 'ON_HOLD');
    const byStatus = await call('GET', '/ops/orders?status=ON_HOLD&limit=100');
    expect(items(byStatus.json).map((i) => i['orderId'])).toContain(orderId);
    const byEmail = await call('GET', `/ops/orders?email=${encodeURIComponent(email.toUpperCase())}`);
    expect(items(byEmail.json)).toEqual([expect.objectContaining({ orderId, status: 'ON_HOLD', holdReason: 'AWAITING_PAYMENT', channelId: 'demo-web', total: { amount: '29.80', currency: 'EUR' } })]);
    const look = await call('GET', `/ops/orders/${orderId}`);
    const externalOrderId = String(obj(look.json['order'])['externalOrderId']);
    const byExternal = await call('GET', `/ops/orders?externalOrderId=${encodeURIComponent(externalOrderId)}`);
    expect(items(byExternal.json).map((i) => i['orderId'])).toEqual([orderId]);
    const forged = await call('GET', `/ops/orders?status=ON_HOLD&cursor=${Buffer.from('{"v":1,"src":"status","f":"0000000000000000","k":"x"}').toString('base64url')}`);
    expect(forged.status).toBe(400);
    expect(JSON.stringify(forged.json)).toContain('cursor');
  });

  it('hold -> release -> DELIVERED, with the operator on the timeline; look shows the execution and documents', async () => {
    // A fraud-review hold (a payment hold would hold again at the payment gate after the release).
    const orderId = await placeOrder({ email: 'buyer@mailinator.com', billingCountry: 'FR' });
    await waitForStatus(orderId, 'ON_HOLD');
    await waitFor('AwaitHoldDecision entered', async () => (statesEntered(await history(orderId)).includes('AwaitHoldDecision') ? true : undefined));
    const held = await call('POST', `/ops/orders/${orderId}/hold`, { reason: 'address check' });
    expect(held).toMatchObject({ status: 200, json: { status: 'ON_HOLD', holdReason: 'OPERATOR_HOLD', changed: true } });
    expect((await call('POST', `/ops/orders/${orderId}/hold`, { reason: 'address check' })).json).toMatchObject({ changed: false });
    const released = await call('POST', `/ops/orders/${orderId}/release`, { note: 'address confirmed' });
    expect(released).toMatchObject({ status: 200, json: { decision: 'APPROVE', resumed: true } });
    const f = await dispatchedFulfillment(orderId, NORDIC);
    await fulfilHappily(NORDIC, f);
    await waitForStatus(orderId, 'DELIVERED');

    const look = await call('GET', `/ops/orders/${orderId}`);
    expect(look.status).toBe(200);
    const timeline = look.json['timeline'] as { type: string; actor: string; actorId?: string }[];
    const byOperator = timeline.filter((t) => t.actor === 'operator');
    expect(byOperator.map((t) => t.type)).toEqual(['OrderOnHold', 'OrderReleased']);
    expect(byOperator.every((t) => t.actorId === ops().identity)).toBe(true);
    const execution = obj(look.json['execution']);
    expect(execution['visitedStates']).toEqual(expect.arrayContaining(['ValidateAndRoute', 'AwaitHoldDecision', 'Dispatch']));
    expect(obj(look.json['stateMachineDefinition'])).toHaveProperty('States');
    const documents = look.json['documents'] as { kind: string; href: string }[];
    const slip = documents.find((d) => d.kind === 'packing-slip');
    expect(slip?.href).toMatch(new RegExp(`^/ops/orders/${orderId}/documents/ful_`));
    const pdf = await opsFetch({ ops: ops() }, 'GET', slip?.href ?? '', undefined, { headers: { accept: 'application/pdf' } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    expect(look.json['returns']).toEqual([]);
  });

  it('answers 409 with why for actions that do not apply, 404 for an unknown order', async () => {
    const orderId = await placeOrder({ payment: 'pending' });
    await waitForStatus(orderId, 'ON_HOLD');
    expect((await call('POST', `/ops/orders/${orderId}/redrive`)).status).toBe(409);
    expect((await call('POST', `/ops/orders/${orderId}/retry`)).status).toBe(409);
    expect((await call('POST', `/ops/orders/${orderId}/resolve`, { note: 'nothing open' })).status).toBe(409);
    const cancelled = await call('POST', `/ops/orders/${orderId}/cancel`, { reason: 'fraud', note: 'operator cancel' });
    expect(cancelled).toMatchObject({ status: 200, json: { status: 'CANCELLED' } });
    expect((await call('POST', `/ops/orders/${orderId}/cancel`, { reason: 'fraud', note: 'operator cancel' })).json).toMatchObject({ status: 'CANCELLED' });
    expect((await call('GET', '/ops/orders/ord_0000000000000000000000zzzz')).status).toBe(404);
  });

  it('pause -> new orders route to another supplier; resume -> the supplier routes again', async () => {
    const paused = await call('POST', `/ops/suppliers/${NORDIC}/pause`, { note: 'warehouse move' });
    try {
      expect(paused).toMatchObject({ status: 200, json: { supplierId: NORDIC, paused: true, changed: true } });
      expect((await call('POST', `/ops/suppliers/${NORDIC}/pause`, {})).json).toMatchObject({ changed: false });
      const listed = (await call('GET', '/ops/suppliers')).json as unknown as { supplierId: string; paused: boolean }[];
      expect(listed.find((x) => x.supplierId === NORDIC)).toMatchObject({ paused: true });
      const orderId = await placeOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] });
      const f = await dispatchedFulfillment(orderId, 'atlantic-outfitters');
      expect(f['supplierId']).toBe('atlantic-outfitters');
    } finally {
      const resumed = await call('POST', `/ops/suppliers/${NORDIC}/resume`, {});
      expect(resumed).toMatchObject({ status: 200, json: { paused: false } });
    }
    const listed = (await call('GET', '/ops/suppliers')).json as unknown as { supplierId: string; paused: boolean }[];
    expect(listed.find((x) => x.supplierId === NORDIC)).toMatchObject({ paused: false });
  });

  it('lists dead letters per source and replays none when there are none', async () => {
    const listed = await call('GET', '/ops/dead-letters?source=notifications');
    expect(listed.status).toBe(200);
    expect((listed.json as unknown as { source: string }[]).every((q) => q.source === 'notifications')).toBe(true);
    expect((await call('POST', '/ops/dead-letters/notifications/replay', { messageIds: ['none-such'] })).json).toMatchObject({ replayed: 0, notFound: ['none-such'] });
    expect((await call('GET', '/ops/dead-letters?source=elsewhere')).status).toBe(422);
  });
});

/**
 * Part 4 of `npm run demo` (issue 15, called by demo.ts after part 3), with the simulated suppliers' delivery rules
 * (local/README.md):
 *   J. ship-to line2 `delivery:failure`: the carrier reports FAILURE; an operator reships
 *      (POST /ops/orders/{id}/fulfillments/{fid}/reship) and the replacement is delivered;
 *   K. ship-to line2 `delivery:lost`: the carrier reports LOST; the lost-parcel sweep (fired now) opens a carrier
 *      claim (GET /ops/claims); the operator refunds and closes the claim;
 *   then every supplier's scorecard (GET /ops/suppliers/{id}/scorecard).
 * Every wait has a deadline.
 */
import { randomUUID } from 'node:crypto';
import type { LocalEndpoints } from '../../runtime/runtime';
import { opsFetch } from '../ops-client';

type Json = Record<string, unknown>;

async function call(url: string, method: string, headers: Record<string, string>, body?: Json): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = {};
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = { raw: text.slice(0, 200) };
  }
  return { status: res.status, body: typeof parsed === 'object' && parsed !== null ? (parsed as Json) : {} };
}

/** A signed ops API call (SigV4 with the local operator credentials). */
async function opsCall(e: LocalEndpoints, method: string, path: string, body?: Json): Promise<{ status: number; body: Json }> {
  const res = await opsFetch(e, method, path, body);
  const parsed: unknown = await res.json().catch(() => ({}));
  return { status: res.status, body: typeof parsed === 'object' && parsed !== null ? (parsed as Json) : {} };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const fulfillmentOf = (orderId: string): string => `ful_${orderId.slice(4)}_01`;

async function place(e: LocalEndpoints, apiKey: string, line2: string): Promise<string | undefined> {
  const res = await call(`${e.apiUrl}/orders`, 'POST', { 'x-api-key': apiKey, 'Idempotency-Key': randomUUID() }, {
    externalOrderId: `demo-${randomUUID().slice(0, 8)}`,
    currency: 'EUR',
    customer: { email: 'demo@example.com', firstName: 'Demo', lastName: 'Customer' },
    shippingAddress: { name: 'Demo Customer', line1: 'Invalidenstrasse 117', line2, city: 'Berlin', postcode: '10115', country: 'DE' },
    lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: '24.90' }],
    payment: { status: 'paid', reference: `pay_${randomUUID().slice(0, 8)}` },
  });
  const orderId = res.body['orderId'];
  return res.status === 201 && typeof orderId === 'string' ? orderId : undefined;
}

/** Repeat an ops decision until the exception is there (409 before it), within the deadline. */
async function decide(e: LocalEndpoints, path: string, deadlineMs: number): Promise<{ status: number; body: Json }> {
  const started = Date.now();
  let last = { status: 0, body: {} as Json };
  while (Date.now() - started < deadlineMs) {
    last = await opsCall(e, 'POST', path, {});
    if (last.status !== 409) return last;
    await sleep(500);
  }
  return last;
}

export async function afterDeliveryDemo(e: LocalEndpoints): Promise<void> {
  const web = e.channels.find((c) => c.platform === 'custom' && c.apiKey !== null);
  if (web?.apiKey === null || web === undefined || e.ops === null || e.ops === undefined || !e.simulatedSuppliers) {
    console.log('\n(Part 4, delivery exceptions: needs the ops API and the simulated suppliers; skipped.)');
    return;
  }
  console.log('\nPart 4: delivery exceptions and supplier scorecards');
  const failed = await place(e, web.apiKey, 'delivery:failure');
  const lost = await place(e, web.apiKey, 'delivery:lost');
  if (failed !== undefined) {
    const reship = await decide(e, `/ops/orders/${failed}/fulfillments/${fulfillmentOf(failed)}/reship`, 60_000);
    const replacement = (reship.body['replacements'] as Json[] | undefined)?.[0];
    console.log(`  J  ${failed}: carrier FAILURE -> operator reship: ${reship.status} ${String(replacement?.['fulfillmentId'] ?? reship.body['error'] ?? '')} (${String(replacement?.['supplierId'] ?? '')})`);
    const started = Date.now();
    let status = '';
    while (Date.now() - started < 60_000 && status !== 'DELIVERED') {
      const order = await call(`${e.apiUrl}/orders/${failed}`, 'GET', { 'x-api-key': web.apiKey });
      const fulfillments = (order.body['fulfillments'] as Json[] | undefined) ?? [];
      status = String(fulfillments.find((f) => f['fulfillmentId'] === replacement?.['fulfillmentId'])?.['status'] ?? '');
      if (status !== 'DELIVERED') await sleep(500);
    }
    console.log(`  J  replacement ${String(replacement?.['fulfillmentId'] ?? '')}: ${status || 'not seen'}`);
  }
  if (lost !== undefined) {
    const rule = e.schedules.rules.find((r) => r.targets.some((t) => /LostParcelSweep/.test(t)));
    const fid = fulfillmentOf(lost);
    const claimId = `clm_${fid.slice(4)}`;
    let claim: Json | undefined;
    const started = Date.now();
    while (claim === undefined && Date.now() - started < 60_000) {
      if (rule !== undefined) await call(`${e.eventBridge.endpoint}/_local/schedules/fire?rule=${encodeURIComponent(rule.name)}`, 'POST', {});
      const claims = await opsCall(e, 'GET', '/ops/claims?limit=100');
      claim = ((claims.body['items'] as Json[] | undefined) ?? []).find((c) => c['claimId'] === claimId);
      if (claim === undefined) await sleep(1000);
    }
    console.log(`  K  ${lost}: carrier LOST -> claim ${claim === undefined ? 'not opened in time' : `${claimId} with ${String(claim['carrier'])}, value ${String(claim['valueMinor'])} ${String(claim['currency'])}, file by ${String(claim['fileBy']).slice(0, 10)}`}`);
    const refund = await decide(e, `/ops/orders/${lost}/fulfillments/${fid}/refund`, 30_000);
    console.log(`  K  operator refund: ${refund.status} ${String(refund.body['refundRequestedMinor'] ?? refund.body['error'] ?? '')}`);
    const closed = await opsCall(e, 'POST', `/ops/claims/${claimId}/close`, { outcome: 'PAID', note: 'carrier paid (demo)' });
    console.log(`  K  claim closed: ${closed.status} ${String(closed.body['outcome'] ?? closed.body['error'] ?? '')}`);
  }
  console.log('\nSupplier scorecards (last 30 days):');
  for (const s of e.suppliers) {
    const card = await opsCall(e, 'GET', `/ops/suppliers/${s.id}/scorecard`);
    const w = (card.body['last30Days'] ?? {}) as Json;
    const rate = (k: string): string => {
      const r = (w[k] ?? {}) as Json;
      return r['rate'] === null || r['rate'] === undefined ? '-' : `${Math.round(Number(r['rate']) * 100)}% of ${String(r['sample'])}`;
    };
    console.log(
      `  ${s.id.padEnd(22)} accept p50 ${String(w['acceptanceMinutesP50'] ?? '-')} min, on-time ship ${rate('onTimeShipRate')}, rejected ${rate('rejectionRate')}, late ${rate('lateDeliveryRate')}${card.body['demotion'] ? ' (demoted)' : ''}`,
    );
  }
}

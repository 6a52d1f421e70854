/**
 * `npm run demo`, returns part (issue 15): on the delivered order of scenario A, one unit returned for a refund
 * and one exchanged, an over-return refused; the returns followed in GET /orders/{orderId} until the simulated
 * supplier's answers brought them to REFUND_REQUESTED / CLOSED (rule 6 of supplier-sim.ts). Bounded waits.
 */
import { randomUUID } from 'node:crypto';
import type { LocalEndpoints } from '../../runtime/runtime';

const POLL_MS = 300;

async function post(url: string, apiKey: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'Idempotency-Key': randomUUID() },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

async function returnsOf(e: LocalEndpoints, apiKey: string, orderId: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${e.apiUrl}/orders/${orderId}`, { headers: { 'x-api-key': apiKey }, signal: AbortSignal.timeout(15_000) });
  const order = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return Array.isArray(order['returns']) ? (order['returns'] as Record<string, unknown>[]) : [];
}

export async function returnsDemo(e: LocalEndpoints, apiKey: string, orderId: string, deadlineMs = 60_000): Promise<void> {
  console.log(`\nReturns on order A (${orderId}), the supplier simulated (local/README.md, RETURN_REQUESTED rules):`);
  const url = `${e.apiUrl}/orders/${orderId}/returns`;
  const refund = await post(url, apiKey, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'defective', note: 'stopped working' });
  console.log(`  POST /orders/{id}/returns (1 unit, defective)          -> ${refund.status} ${String(refund.body['returnId'] ?? refund.body['rule'] ?? '')} ${String(refund.body['status'] ?? '')}`);
  const exchange = await post(url, apiKey, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'wrong_item', resolution: 'replacement' });
  console.log(`  POST /orders/{id}/returns (1 unit, exchange)           -> ${exchange.status} ${String(exchange.body['returnId'] ?? exchange.body['rule'] ?? '')} ${String(exchange.body['status'] ?? '')}`);
  const over = await post(url, apiKey, { lines: [{ lineNo: 1, quantity: 1 }], reason: 'changed_mind' });
  console.log(`  POST /orders/{id}/returns (one more: nothing left)     -> ${over.status} ${String(over.body['code'] ?? '')} ${String(over.body['rule'] ?? '')}`);
  const until = Date.now() + deadlineMs;
  let seen = '';
  for (;;) {
    const returns = await returnsOf(e, apiKey, orderId);
    const line = returns.map((r) => `${String(r['returnId']).slice(-10)} ${String(r['status'])}`).join(', ');
    if (line !== seen) console.log(`  returns[]: ${line}`);
    seen = line;
    const done = returns.length > 0 && returns.every((r) => ['REFUND_REQUESTED', 'CLOSED', 'REJECTED'].includes(String(r['status'])));
    if (done) {
      for (const r of returns) {
        const money = r['refund'] as Record<string, unknown> | undefined;
        const detail = money === undefined ? `replacement ${JSON.stringify(r['replacementFulfillmentIds'] ?? [])}` : `refund ${String(money['amount'])} ${String(money['currency'])}`;
        console.log(`  ${String(r['returnId'])}: ${String(r['status'])}, RMA ${String(r['rma'] ?? '-')}, ${detail}`);
      }
      return;
    }
    if (Date.now() > until) {
      console.log(`  (not finished after ${deadlineMs / 1000} s: the simulated suppliers may be off, see local/README.md)`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

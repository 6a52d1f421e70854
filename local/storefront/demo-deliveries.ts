/**
 * `npm run demo`, last part: what each channel's storefront received (the local storefront receiver),
 * one line per request, in arrival order, grouped by channel.
 */
import type { LocalEndpoints } from '../runtime/types';
import type { ReceivedRequest } from './receiver';

/** One line describing a received request (no customer data: types, ids, tracking numbers, statuses). */
export function describeRequest(r: ReceivedRequest): string {
  const body = (typeof r.body === 'object' && r.body !== null ? r.body : {}) as Record<string, unknown>;
  const status = r.status < 300 ? String(r.status) : `${r.status} (failed, retried)`;
  if (r.kind === 'webhook') {
    const data = (body['data'] ?? {}) as Record<string, unknown>;
    const parcel = data['parcel'] as { trackingNumber?: string; carrier?: string | null } | undefined;
    const extra = parcel === undefined ? (typeof data['status'] === 'string' ? ` ${data['status']}` : '') : ` ${parcel.carrier ?? ''} ${parcel.trackingNumber ?? ''}`;
    return `webhook #${String(data['sequence'] ?? '?')} ${String(body['type'] ?? '?')}${extra} order ${String(data['orderId'] ?? '?')} → ${status}`;
  }
  if (r.kind === 'shopify-graphql') {
    const op = /(fulfillmentOrders|fulfillmentCreate|fulfillmentTrackingInfoUpdate|fulfillmentEventCreate|orderCancel)/.exec(String(body['query'] ?? ''))?.[1] ?? 'graphql';
    const vars = (body['variables'] ?? {}) as Record<string, unknown>;
    const event = (vars['fulfillmentEvent'] ?? {}) as Record<string, unknown>;
    const tracking = ((vars['fulfillment'] ?? {}) as { trackingInfo?: { numbers?: string[] } }).trackingInfo ?? (vars['trackingInfoInput'] as { numbers?: string[] } | undefined);
    const extra = typeof event['status'] === 'string' ? ` ${event['status']}` : tracking?.numbers !== undefined ? ` tracking ${tracking.numbers.join(', ')}` : '';
    return `GraphQL ${op}${extra} → ${status}`;
  }
  const extra = typeof body['status'] === 'string' ? ` status ${body['status']}` : typeof body['note'] === 'string' ? ` note "${body['note'].slice(0, 70)}"` : '';
  return `${r.method} ${r.path}${extra} → ${status}`;
}

export async function printChannelDeliveries(e: LocalEndpoints, waitMs = 5_000): Promise<void> {
  const receiver = e.storefrontReceiver;
  if (receiver === undefined) {
    console.log('\n(The running stack has no storefront receiver: skipping part 3.)');
    return;
  }
  // Deliveries trail the state changes by a moment: give the last ones time to land.
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  console.log('\nPart 3: what each channel\'s storefront received (local storefront receiver)');
  for (const channel of e.channels) {
    const res = await fetch(`${receiver.deliveriesUrl}?channel=${encodeURIComponent(channel.id)}`, { signal: AbortSignal.timeout(10_000) });
    const got = (await res.json()) as ReceivedRequest[];
    console.log(`\n  ${channel.id} (${channel.platform}): ${got.length} request(s)`);
    const shown = got.slice(-40);
    if (shown.length < got.length) console.log(`    ... ${got.length - shown.length} earlier`);
    for (const r of shown) console.log(`    ${r.at.slice(11, 23)}  ${describeRequest(r)}`);
  }
  console.log(`\n  All of it as JSON: curl "${receiver.deliveriesUrl}?channel=<id>"`);
}

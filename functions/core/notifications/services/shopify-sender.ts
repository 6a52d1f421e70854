/**
 * Shopify write-back through the Admin GraphQL API (version pinned below):
 * - fulfillment.shipped: the first parcel of a supplier fulfillment → `fulfillmentCreate` on the order's
 *   open fulfillment orders (the parcel's lines when the storefront line ids are known) with its tracking
 *   info; a later parcel of the same supplier fulfillment → `fulfillmentTrackingInfoUpdate` keeping every
 *   tracking number and URL;
 * - fulfillment.tracking_updated / fulfillment.delivered → `fulfillmentEventCreate` on that fulfillment;
 * - order.cancelled by the pipeline (not by the platform itself) → `orderCancel` (refund to the original
 *   payment methods, no restock: the stock is the suppliers');
 * - return.authorized → `returnCreate` with the returned lines' fulfillment line items (shopify-returns.ts).
 * Other notifications have no Shopify counterpart and make no call.
 *
 * Throttling (cost-based leaky bucket): a THROTTLED error or HTTP 429 waits what
 * `extensions.cost.throttleStatus` says (cost − available) / restoreRate and tries again when that is
 * short; otherwise the message is retried later with that delay. Never a failure of the order.
 */
import * as z from 'zod';
import type { Parcel } from '../domain/notifications';
import type { SequencedNotification } from '../domain/payloads';
import { getShopifyFulfillment, putShopifyFulfillment, type NotifyStore } from '../store/notification-state';
import { DeliveryError, expectOk, retryAfterSeconds, send, type FetchFn } from './http';
import { USER_AGENT } from './senders';
import { createShopifyReturn } from './shopify-returns';

export const SHOPIFY_API_VERSION = '2025-10';

const ThrottleStatus = z.object({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number().positive() });
const GraphqlResponse = z.object({
  data: z.record(z.string(), z.unknown()).nullish(),
  errors: z.array(z.object({ message: z.string(), extensions: z.object({ code: z.string().optional() }).loose().optional() })).optional(),
  extensions: z.object({ cost: z.object({ requestedQueryCost: z.number(), throttleStatus: ThrottleStatus }).loose().optional() }).loose().optional(),
});
type GraphqlResponse = z.output<typeof GraphqlResponse>;

export interface ShopifyDeps {
  readonly fetch: FetchFn;
  readonly store: NotifyStore;
  readonly sleep: (ms: number) => Promise<void>;
  /** Longest in-process wait for the bucket to refill before handing the retry to the queue. @default 5 s */
  readonly maxInlineWaitSeconds?: number;
}

export interface ShopifyTarget {
  /** https://{shop}.myshopify.com (or the local receiver's base). */
  readonly baseUrl: string;
  readonly accessToken: string;
}

/** Seconds until the bucket holds `cost` points again. */
export function throttleWaitSeconds(response: GraphqlResponse): number | undefined {
  const cost = response.extensions?.cost;
  if (cost === undefined) return undefined;
  const missing = cost.requestedQueryCost - cost.throttleStatus.currentlyAvailable;
  return Math.max(1, Math.ceil(missing / cost.throttleStatus.restoreRate));
}

const isThrottled = (r: GraphqlResponse): boolean => (r.errors ?? []).some((e) => e.extensions?.code === 'THROTTLED');

/** One GraphQL call, with the throttle waits. Returns `data`; throws a DeliveryError for errors. */
export async function shopifyGraphql(deps: ShopifyDeps, target: ShopifyTarget, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const url = `${target.baseUrl.replace(/\/+$/, '')}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`;
  const maxWait = deps.maxInlineWaitSeconds ?? 5;
  for (let attempt = 1; ; attempt++) {
    const result = await send(deps.fetch, url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, 'x-shopify-access-token': target.accessToken },
      body: JSON.stringify({ query, variables }),
    });
    let parsed: GraphqlResponse | undefined;
    try {
      const body = GraphqlResponse.safeParse(JSON.parse(result.text));
      if (body.success) parsed = body.data;
    } catch {
      parsed = undefined;
    }
    const throttled = result.status === 429 || (parsed !== undefined && isThrottled(parsed));
    if (throttled) {
      const wait = (parsed === undefined ? undefined : throttleWaitSeconds(parsed)) ?? retryAfterSeconds(result.headers) ?? 2;
      if (wait <= maxWait && attempt < 4) {
        await deps.sleep(wait * 1000);
        continue;
      }
      throw new DeliveryError('Shopify throttled the request', true, wait);
    }
    expectOk(result, 'Shopify Admin API');
    if (parsed === undefined) throw new DeliveryError('Shopify answered something that is not a GraphQL response', true);
    if (parsed.errors !== undefined && parsed.errors.length > 0) {
      throw new DeliveryError(`Shopify GraphQL errors: ${parsed.errors.map((e) => e.extensions?.code ?? 'ERROR').join(', ')}`, true);
    }
    return parsed.data ?? {};
  }
}

/** The `userErrors` of a mutation payload, as one DeliveryError (field paths and codes only). */
export function expectNoUserErrors(data: Record<string, unknown>, mutation: string, key = 'userErrors'): Record<string, unknown> {
  const payload = data[mutation];
  if (typeof payload !== 'object' || payload === null) throw new DeliveryError(`Shopify ${mutation} returned no payload`, true);
  const errors = (payload as Record<string, unknown>)[key];
  if (Array.isArray(errors) && errors.length > 0) {
    const fields = errors.map((e: unknown) => (typeof e === 'object' && e !== null ? JSON.stringify((e as { field?: unknown }).field ?? null) : '?'));
    throw new DeliveryError(`Shopify ${mutation} userErrors on ${fields.join(', ')}`, true);
  }
  return payload as Record<string, unknown>;
}

export const FULFILLMENT_ORDERS_QUERY = `query DropshipFulfillmentOrders($id: ID!) {
  order(id: $id) { id fulfillmentOrders(first: 20) { nodes { id status lineItems(first: 100) { nodes { id remainingQuantity lineItem { id } } } } } }
}`;
export const FULFILLMENT_CREATE = `mutation DropshipFulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status } userErrors { field message } }
}`;
export const TRACKING_UPDATE = `mutation DropshipTrackingUpdate($fulfillmentId: ID!, $trackingInfoInput: FulfillmentTrackingInput!, $notifyCustomer: Boolean) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $fulfillmentId, trackingInfoInput: $trackingInfoInput, notifyCustomer: $notifyCustomer) { fulfillment { id } userErrors { field message } }
}`;
export const FULFILLMENT_EVENT_CREATE = `mutation DropshipFulfillmentEvent($fulfillmentEvent: FulfillmentEventInput!) {
  fulfillmentEventCreate(fulfillmentEvent: $fulfillmentEvent) { fulfillmentEvent { id status } userErrors { field message } }
}`;
export const ORDER_CANCEL = `mutation DropshipOrderCancel($orderId: ID!, $reason: OrderCancelReason!, $refundMethod: OrderCancelRefundMethodInput, $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refundMethod: $refundMethod, restock: $restock, notifyCustomer: $notifyCustomer, staffNote: $staffNote) { job { id } orderCancelUserErrors { field code message } }
}`;

const orderGid = (externalOrderId: string) => (externalOrderId.startsWith('gid://') ? externalOrderId : `gid://shopify/Order/${externalOrderId}`);
const lineGid = (externalLineId: string) => (externalLineId.startsWith('gid://') ? externalLineId : `gid://shopify/LineItem/${externalLineId}`);

const FoNodes = z.object({
  order: z
    .object({
      fulfillmentOrders: z.object({
        nodes: z.array(
          z.object({
            id: z.string(),
            status: z.string(),
            lineItems: z.object({ nodes: z.array(z.object({ id: z.string(), remainingQuantity: z.number(), lineItem: z.object({ id: z.string() }) })) }),
          }),
        ),
      }),
    })
    .nullable(),
});

/** The fulfillment orders' line items for a parcel: by the storefront line id when known, else every open fulfillment order whole. */
export function lineItemsByFulfillmentOrder(
  nodes: z.output<typeof FoNodes>['order'],
  parcel: Parcel,
  lines: SequencedNotification['lines'],
): { fulfillmentOrderId: string; fulfillmentOrderLineItems?: { id: string; quantity: number }[] }[] {
  const open = (nodes?.fulfillmentOrders.nodes ?? []).filter((fo) => fo.status === 'OPEN' || fo.status === 'IN_PROGRESS');
  const wanted = parcel.lines.flatMap((pl) => {
    const ext = lines.find((l) => l.lineNo === pl.lineNo)?.externalLineId;
    return ext ? [{ gid: lineGid(ext), quantity: pl.quantity }] : [];
  });
  const out: { fulfillmentOrderId: string; fulfillmentOrderLineItems?: { id: string; quantity: number }[] }[] = [];
  if (wanted.length > 0) {
    for (const fo of open) {
      const items = fo.lineItems.nodes.flatMap((li) => {
        const w = wanted.find((x) => x.gid === li.lineItem.id);
        return w === undefined || li.remainingQuantity <= 0 ? [] : [{ id: li.id, quantity: Math.min(w.quantity, li.remainingQuantity) }];
      });
      if (items.length > 0) out.push({ fulfillmentOrderId: fo.id, fulfillmentOrderLineItems: items });
    }
    if (out.length > 0) return out;
  }
  return open.map((fo) => ({ fulfillmentOrderId: fo.id }));
}

const EVENT_STATUS: Readonly<Record<string, string>> = {
  IN_TRANSIT: 'IN_TRANSIT',
  OUT_FOR_DELIVERY: 'OUT_FOR_DELIVERY',
  ATTEMPTED_DELIVERY: 'ATTEMPTED_DELIVERY',
  DELAYED: 'DELAYED',
  EXCEPTION: 'FAILURE',
  READY_FOR_PICKUP: 'READY_FOR_PICKUP',
};

/** Deliver one notification to Shopify; returns the number of GraphQL calls made. */
export async function sendShopify(
  deps: ShopifyDeps,
  target: ShopifyTarget,
  n: SequencedNotification,
  now: Date,
): Promise<number> {
  const fulfillmentId = typeof n.data['fulfillmentId'] === 'string' ? n.data['fulfillmentId'] : undefined;
  if (n.type === 'fulfillment.shipped' && fulfillmentId !== undefined) {
    const parcel = n.data['parcel'] as Parcel;
    const state = await getShopifyFulfillment(deps.store, n.orderId, fulfillmentId);
    const numbers = [...(state?.numbers ?? [])];
    const urls = [...(state?.urls ?? [])];
    if (numbers.includes(parcel.trackingNumber)) return 0; // already written (a retry after the state was saved)
    numbers.push(parcel.trackingNumber);
    if (parcel.trackingUrl !== null) urls.push(parcel.trackingUrl);
    const company = state?.company ?? parcel.carrier;
    const trackingInfo = { ...(company === null ? {} : { company }), numbers, urls };
    if (state === undefined) {
      const foData = FoNodes.parse(await shopifyGraphql(deps, target, FULFILLMENT_ORDERS_QUERY, { id: orderGid(n.externalOrderId) }));
      const byFo = lineItemsByFulfillmentOrder(foData.order, parcel, n.lines);
      if (byFo.length === 0) throw new DeliveryError('Shopify order has no open fulfillment order', true);
      const data = await shopifyGraphql(deps, target, FULFILLMENT_CREATE, { fulfillment: { lineItemsByFulfillmentOrder: byFo, trackingInfo, notifyCustomer: true } });
      const payload = expectNoUserErrors(data, 'fulfillmentCreate');
      const gid = (payload['fulfillment'] as { id?: unknown } | null)?.id;
      if (typeof gid !== 'string') throw new DeliveryError('Shopify fulfillmentCreate returned no fulfillment id', true);
      await putShopifyFulfillment(deps.store, n.orderId, fulfillmentId, { fulfillmentGid: gid, numbers, urls, company });
      return 2;
    }
    const data = await shopifyGraphql(deps, target, TRACKING_UPDATE, { fulfillmentId: state.fulfillmentGid, trackingInfoInput: trackingInfo, notifyCustomer: true });
    expectNoUserErrors(data, 'fulfillmentTrackingInfoUpdate');
    await putShopifyFulfillment(deps.store, n.orderId, fulfillmentId, { ...state, numbers, urls });
    return 1;
  }
  if ((n.type === 'fulfillment.tracking_updated' || n.type === 'fulfillment.delivered') && fulfillmentId !== undefined) {
    const state = await getShopifyFulfillment(deps.store, n.orderId, fulfillmentId);
    if (state === undefined) return 0; // nothing shipped in Shopify yet: no fulfillment to attach the event to
    const status = n.type === 'fulfillment.delivered' ? 'DELIVERED' : (EVENT_STATUS[String(n.data['status'])] ?? 'IN_TRANSIT');
    const data = await shopifyGraphql(deps, target, FULFILLMENT_EVENT_CREATE, {
      fulfillmentEvent: { fulfillmentId: state.fulfillmentGid, status, happenedAt: n.occurredAt },
    });
    expectNoUserErrors(data, 'fulfillmentEventCreate');
    return 1;
  }
  if (n.type === 'order.cancelled' && n.data['requestedBy'] !== 'platform') {
    const reason = String(n.data['reason'] ?? '');
    const data = await shopifyGraphql(deps, target, ORDER_CANCEL, {
      orderId: orderGid(n.externalOrderId),
      reason: /STOCK|INVENTORY|NO_SUPPLIER/.test(reason) ? 'INVENTORY' : /CUSTOMER/.test(reason) ? 'CUSTOMER' : 'OTHER',
      refundMethod: { originalPaymentMethodsRefund: true },
      restock: false,
      notifyCustomer: true,
      staffNote: `Cancelled by the dropship pipeline (${reason || 'no reason'}) at ${now.toISOString()}`,
    });
    expectNoUserErrors(data, 'orderCancel', 'orderCancelUserErrors');
    return 1;
  }
  if (n.type === 'return.authorized') return createShopifyReturn(deps, target, n);
  return 0;
}

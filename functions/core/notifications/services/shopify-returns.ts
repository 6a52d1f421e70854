/**
 * Shopify write-back of a return (issue 15): when the return is authorized (`return.authorized`, the approval
 * Shopify's `returnCreate` assumes), the order's returnable fulfillment line items are read
 * (`returnableFulfillments`) and the return is created in Shopify (`returnCreate`, OPEN, with the returned lines'
 * fulfillment line items, quantities and reasons). Admin GraphQL, the version pinned in shopify-sender.ts.
 *
 * Idempotent: the Shopify return id is kept per return (`NOTIFY#{orderId}` / `SHOPIFYRETURN#{returnId}`); a retry
 * after a crash between the call and the mark finds no returnable quantity left for the lines (Shopify counts
 * units in open returns as not returnable) and makes no second return.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ReturnReason } from '../../returns/domain/returns';
import { getReturn } from '../../returns/store/returns';
import type { SequencedNotification } from '../domain/payloads';
import { getShopifyFulfillment, type NotifyStore } from '../store/notification-state';
import { expectNoUserErrors, shopifyGraphql, type ShopifyDeps, type ShopifyTarget } from './shopify-sender';

export const RETURNABLE_FULFILLMENTS_QUERY = `query DropshipReturnable($orderId: ID!) {
  returnableFulfillments(orderId: $orderId, first: 20) { nodes { id fulfillment { id } returnableFulfillmentLineItems(first: 100) { nodes { quantity fulfillmentLineItem { id lineItem { id } } } } } }
}`;
export const RETURN_CREATE = `mutation DropshipReturnCreate($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) { return { id status } userErrors { field message } }
}`;

/** The pipeline's reasons as Shopify ReturnReason values (`damaged` has none of its own: DEFECTIVE, noted). */
export const SHOPIFY_RETURN_REASON: Readonly<Record<ReturnReason, string>> = {
  damaged: 'DEFECTIVE',
  defective: 'DEFECTIVE',
  not_as_described: 'NOT_AS_DESCRIBED',
  wrong_item: 'WRONG_ITEM',
  changed_mind: 'UNWANTED',
  other: 'OTHER',
};

const Returnable = z.object({
  returnableFulfillments: z.object({
    nodes: z.array(
      z.object({
        fulfillment: z.object({ id: z.string() }),
        returnableFulfillmentLineItems: z.object({ nodes: z.array(z.object({ quantity: z.number(), fulfillmentLineItem: z.object({ id: z.string(), lineItem: z.object({ id: z.string() }) }) })) }),
      }),
    ),
  }),
});

const lineGid = (externalLineId: string) => (externalLineId.startsWith('gid://') ? externalLineId : `gid://shopify/LineItem/${externalLineId}`);
const orderGid = (externalOrderId: string) => (externalOrderId.startsWith('gid://') ? externalOrderId : `gid://shopify/Order/${externalOrderId}`);
const markKey = (orderId: string, returnId: string) => ({ pk: `NOTIFY#${orderId}`, sk: `SHOPIFYRETURN#${returnId}` });

/** The returnCreate line items of a return: its lines' returnable fulfillment line items (the supplier's Shopify fulfillment first). */
export function returnLineItems(
  returnable: z.output<typeof Returnable>,
  lines: readonly { readonly lineNo: number; readonly quantity: number }[],
  orderLines: SequencedNotification['lines'],
  reason: ReturnReason,
  preferFulfillmentGid: string | undefined,
): { fulfillmentLineItemId: string; quantity: number; returnReason: string; returnReasonNote: string }[] {
  const nodes = [...returnable.returnableFulfillments.nodes].sort((a, b) => Number(b.fulfillment.id === preferFulfillmentGid) - Number(a.fulfillment.id === preferFulfillmentGid));
  const out: { fulfillmentLineItemId: string; quantity: number; returnReason: string; returnReasonNote: string }[] = [];
  for (const line of lines) {
    const ext = orderLines.find((l) => l.lineNo === line.lineNo)?.externalLineId;
    if (!ext) continue;
    let left = line.quantity;
    for (const node of nodes) {
      for (const item of node.returnableFulfillmentLineItems.nodes) {
        if (left <= 0 || item.quantity <= 0 || item.fulfillmentLineItem.lineItem.id !== lineGid(ext)) continue;
        const quantity = Math.min(left, item.quantity);
        left -= quantity;
        out.push({ fulfillmentLineItemId: item.fulfillmentLineItem.id, quantity, returnReason: SHOPIFY_RETURN_REASON[reason], returnReasonNote: reason === 'damaged' ? 'damaged' : '' });
      }
    }
  }
  return out;
}

/** `return.authorized` on a Shopify channel → returnCreate once. Returns the number of GraphQL calls made. */
export async function createShopifyReturn(deps: ShopifyDeps & { readonly store: NotifyStore }, target: ShopifyTarget, n: SequencedNotification): Promise<number> {
  const returnId = typeof n.data['returnId'] === 'string' ? n.data['returnId'] : undefined;
  if (returnId === undefined) return 0;
  const mark = await deps.store.ddb.send(new GetCommand({ TableName: deps.store.tableName, Key: markKey(n.orderId, returnId), ConsistentRead: true }));
  if (mark.Item !== undefined) return 0;
  const record = await getReturn(deps.store, n.orderId, returnId);
  if (record === undefined) return 0;
  const preferFulfillmentGid = (await getShopifyFulfillment(deps.store, n.orderId, record.fulfillmentId))?.fulfillmentGid;
  const returnable = Returnable.parse(await shopifyGraphql(deps, target, RETURNABLE_FULFILLMENTS_QUERY, { orderId: orderGid(n.externalOrderId) }));
  const items = returnLineItems(returnable, record.lines, n.lines, record.reason, preferFulfillmentGid);
  if (items.length === 0) return 1; // nothing returnable left in Shopify for these lines (already returned there, or not fulfilled there)
  const data = await shopifyGraphql(deps, target, RETURN_CREATE, { returnInput: { orderId: orderGid(n.externalOrderId), returnLineItems: items, requestedAt: record.createdAt } });
  const payload = expectNoUserErrors(data, 'returnCreate');
  const gid = (payload['return'] as { id?: unknown } | null)?.id;
  await deps.store.ddb.send(
    new PutCommand({ TableName: deps.store.tableName, Item: { ...markKey(n.orderId, returnId), entity: 'ShopifyReturn', returnGid: typeof gid === 'string' ? gid : null, at: n.occurredAt } }),
  );
  return 2;
}

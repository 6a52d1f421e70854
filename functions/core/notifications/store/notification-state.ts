/**
 * Delivery state of an order's storefront notifications, in the pipeline table under its own partition
 * (never read with the order):
 *
 * | item                         | pk                 | sk                              | attributes                                  |
 * |------------------------------|--------------------|---------------------------------|---------------------------------------------|
 * | sequence counter             | NOTIFY#{orderId}   | #SEQ                            | seq (last number given)                     |
 * | one notification's number    | NOTIFY#{orderId}   | EVENT#{sha256(eventId)}         | sequence, eventId, expiresAt (TTL 60 days)  |
 * | Shopify fulfillment of a PO  | NOTIFY#{orderId}   | SHOPIFY#{fulfillmentId}         | fulfillmentGid, numbers, urls, company      |
 *
 * Numbers are given by the delivery function, which handles an order's messages one at a time (FIFO
 * message group = orderId): a retried message keeps its number, numbers have no gaps.
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface NotifyStore {
  readonly ddb: DynamoDBDocumentClient;
  readonly tableName: string;
}

const TTL_SECONDS = 60 * 24 * 3600;
const pk = (orderId: string) => `NOTIFY#${orderId}`;
export const eventKeyOf = (eventId: string): string => createHash('sha256').update(eventId).digest('hex');

/** The sequence number of one notification: the one it already has, else the next of its order. */
export async function sequenceFor(store: NotifyStore, orderId: string, eventId: string, now: Date): Promise<number> {
  const eventKey = { pk: pk(orderId), sk: `EVENT#${eventKeyOf(eventId)}` };
  const existing = await store.ddb.send(new GetCommand({ TableName: store.tableName, Key: eventKey, ConsistentRead: true }));
  if (typeof existing.Item?.['sequence'] === 'number') return existing.Item['sequence'];
  const counter = await store.ddb.send(new GetCommand({ TableName: store.tableName, Key: { pk: pk(orderId), sk: '#SEQ' }, ConsistentRead: true }));
  const previous = typeof counter.Item?.['seq'] === 'number' ? counter.Item['seq'] : 0;
  const next = previous + 1;
  await store.ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: store.tableName,
            Key: { pk: pk(orderId), sk: '#SEQ' },
            UpdateExpression: 'SET seq = :next, entity = :entity',
            ConditionExpression: previous === 0 ? 'attribute_not_exists(seq)' : 'seq = :previous',
            ExpressionAttributeValues: { ':next': next, ':entity': 'NotificationSequence', ...(previous === 0 ? {} : { ':previous': previous }) },
          },
        },
        {
          Put: {
            TableName: store.tableName,
            Item: { ...eventKey, entity: 'NotificationNumber', eventId, sequence: next, expiresAt: Math.floor(now.getTime() / 1000) + TTL_SECONDS },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    }),
  );
  return next;
}

/** What the Shopify adapter created for one supplier fulfillment (several parcels = several tracking numbers). */
export interface ShopifyFulfillmentState {
  readonly fulfillmentGid: string;
  readonly numbers: readonly string[];
  readonly urls: readonly string[];
  readonly company: string | null;
}

export async function getShopifyFulfillment(store: NotifyStore, orderId: string, fulfillmentId: string): Promise<ShopifyFulfillmentState | undefined> {
  const out = await store.ddb.send(
    new GetCommand({ TableName: store.tableName, Key: { pk: pk(orderId), sk: `SHOPIFY#${fulfillmentId}` }, ConsistentRead: true }),
  );
  const item = out.Item;
  if (item === undefined || typeof item['fulfillmentGid'] !== 'string') return undefined;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    fulfillmentGid: item['fulfillmentGid'],
    numbers: strings(item['numbers']),
    urls: strings(item['urls']),
    company: typeof item['company'] === 'string' ? item['company'] : null,
  };
}

export async function putShopifyFulfillment(store: NotifyStore, orderId: string, fulfillmentId: string, state: ShopifyFulfillmentState): Promise<void> {
  await store.ddb.send(
    new PutCommand({
      TableName: store.tableName,
      Item: { pk: pk(orderId), sk: `SHOPIFY#${fulfillmentId}`, entity: 'ShopifyFulfillment', ...state, company: state.company ?? undefined },
    }),
  );
}

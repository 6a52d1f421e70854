/**
 * Delivery state of an order's storefront notifications, in the pipeline table under its own partition
 * (never read with the order):
 *
 * | item                         | pk                 | sk                              | attributes                                  |
 * |------------------------------|--------------------|---------------------------------|---------------------------------------------|
 * | sequence counter             | NOTIFY#{orderId}   | #SEQ                            | seq (last number given)                     |
 * | one notification's number    | NOTIFY#{orderId}   | EVENT#{sha256(eventId)}         | sequence, eventId, sentAt (once sent), expiresAt (TTL 60 days) |
 * | Shopify fulfillment of a PO  | NOTIFY#{orderId}   | SHOPIFY#{fulfillmentId}         | fulfillmentGid, numbers, urls, company      |
 *
 * | (counter attribute)         |                    | #SEQ                            | throughSk: timeline position of the latest numbered event |
 *
 * Numbers are given by the delivery function, which handles an order's messages one at a time (FIFO
 * message group = orderId): a retried message keeps its number, numbers have no gaps, and numbers
 * follow the order's timeline (services/deliver.ts sends earlier undelivered events first).
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface NotifyStore {
  readonly ddb: DynamoDBDocumentClient;
  readonly tableName: string;
}

const TTL_SECONDS = 60 * 24 * 3600;
const pk = (orderId: string) => `NOTIFY#${orderId}`;
export const eventKeyOf = (eventId: string): string => createHash('sha256').update(eventId).digest('hex');

/**
 * What the order's notifications have been given so far: the last number, the timeline position
 * (`EVENT#{at}#{seq}`) of the latest numbered event, and each numbered event's number and whether
 * its send succeeded.
 *
 * Delivery is strictly in number order, one message at a time per order (FIFO group), and an event
 * only gets a number once every earlier one was sent. So an event whose number is below `last` was
 * sent; the event holding `last` was sent only if `sentAt` was recorded (else a retry sends it again,
 * same number).
 */
export interface NotificationLedger {
  last: number;
  throughSk: string | undefined;
  readonly numbers: Map<string, { readonly sequence: number; sent: boolean }>;
}

export function wasSent(ledger: NotificationLedger, eventId: string): boolean {
  const n = ledger.numbers.get(eventId);
  return n !== undefined && (n.sent || n.sequence < ledger.last);
}

export async function readLedger(store: NotifyStore, orderId: string): Promise<NotificationLedger> {
  const ledger: NotificationLedger = { last: 0, throughSk: undefined, numbers: new Map() };
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await store.ddb.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk AND sk < :upper',
        ExpressionAttributeValues: { ':pk': pk(orderId), ':upper': 'F' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      if (item['sk'] === '#SEQ') {
        ledger.last = typeof item['seq'] === 'number' ? item['seq'] : 0;
        ledger.throughSk = typeof item['throughSk'] === 'string' ? item['throughSk'] : undefined;
      } else if (typeof item['eventId'] === 'string' && typeof item['sequence'] === 'number') {
        ledger.numbers.set(item['eventId'], { sequence: item['sequence'], sent: typeof item['sentAt'] === 'string' });
      }
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
  return ledger;
}

/**
 * Give `eventId` the next number: the counter (conditional on the number read, so two writers cannot
 * both take it) and the event's number in one transaction. Updates `ledger` in place.
 */
export async function assignSequence(store: NotifyStore, ledger: NotificationLedger, orderId: string, eventId: string, eventSk: string | undefined, now: Date): Promise<number> {
  const previous = ledger.last;
  const next = previous + 1;
  const throughSk = eventSk !== undefined && (ledger.throughSk === undefined || eventSk > ledger.throughSk) ? eventSk : ledger.throughSk;
  await store.ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: store.tableName,
            Key: { pk: pk(orderId), sk: '#SEQ' },
            UpdateExpression: `SET seq = :next, entity = :entity${throughSk === undefined ? '' : ', throughSk = :through'}`,
            ConditionExpression: previous === 0 ? 'attribute_not_exists(seq)' : 'seq = :previous',
            ExpressionAttributeValues: {
              ':next': next,
              ':entity': 'NotificationSequence',
              ...(previous === 0 ? {} : { ':previous': previous }),
              ...(throughSk === undefined ? {} : { ':through': throughSk }),
            },
          },
        },
        {
          Put: {
            TableName: store.tableName,
            Item: { pk: pk(orderId), sk: `EVENT#${eventKeyOf(eventId)}`, entity: 'NotificationNumber', eventId, sequence: next, expiresAt: Math.floor(now.getTime() / 1000) + TTL_SECONDS },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    }),
  );
  ledger.last = next;
  ledger.throughSk = throughSk;
  ledger.numbers.set(eventId, { sequence: next, sent: false });
  return next;
}

/** Record that the event's notification reached the storefront (so no catch-up or redelivery sends it again). */
export async function markSent(store: NotifyStore, ledger: NotificationLedger, orderId: string, eventId: string, now: Date): Promise<void> {
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: { pk: pk(orderId), sk: `EVENT#${eventKeyOf(eventId)}` },
      UpdateExpression: 'SET sentAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':now': now.toISOString() },
    }),
  );
  const n = ledger.numbers.get(eventId);
  if (n !== undefined) n.sent = true;
}

/** A stored timeline event of the order (the outbox the bus events came from). */
export interface StoredTimelineEvent {
  readonly sk: string;
  readonly at: string;
  readonly type: unknown;
  readonly actor: string;
  readonly data: Record<string, unknown>;
}

/** The order's timeline events from `fromSk` (inclusive) to `beforeSk` (exclusive), oldest first (`EVENT#{at}#{seq}` sort keys). */
export async function timelineBetween(store: NotifyStore, orderId: string, fromSk: string, beforeSk: string): Promise<StoredTimelineEvent[]> {
  const events: StoredTimelineEvent[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await store.ddb.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :before',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':from': fromSk, ':before': beforeSk },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const sk = item['sk'];
      if (typeof sk !== 'string' || sk === beforeSk || item['entity'] !== 'TimelineEvent' || typeof item['at'] !== 'string') continue;
      const data = item['data'];
      events.push({
        sk,
        at: item['at'],
        type: item['type'],
        actor: typeof item['actor'] === 'string' ? item['actor'] : 'platform',
        data: typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
      });
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
  return events;
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

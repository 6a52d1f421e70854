/**
 * Delivery state of an order's storefront notifications, in the pipeline table under its own partition
 * (never read with the order):
 *
 * | item                         | pk                 | sk                              | attributes                                  |
 * |------------------------------|--------------------|---------------------------------|---------------------------------------------|
 * | delivery ledger              | NOTIFY#{orderId}   | #LEDGER                         | seq, sentSeq, throughSk, n_{hash}: number per event, expiresAt (TTL 400 days) |
 * | Shopify fulfillment of a PO  | NOTIFY#{orderId}   | SHOPIFY#{fulfillmentId}         | fulfillmentGid, numbers, urls, company      |
 *
 * Numbers are given by the delivery function, which handles an order's messages one at a time (FIFO
 * message group = orderId): a retried message keeps its number, numbers have no gaps, and numbers
 * follow the order's timeline (services/deliver.ts sends earlier undelivered events first).
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface NotifyStore {
  readonly ddb: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** The ledger lives 400 days after its last number (an order's notifications must never start again at 1). */
const TTL_SECONDS = 400 * 24 * 3600;
const pk = (orderId: string) => `NOTIFY#${orderId}`;
export const eventKeyOf = (eventId: string): string => createHash('sha256').update(eventId).digest('hex');

/**
 * The order's delivery ledger, one item: the last number given (`seq`), the last number sent
 * (`sentSeq`), the timeline position (`EVENT#{at}#{seq}`) of the latest numbered event (`throughSk`),
 * and each numbered event's number as an attribute `n_{hash of the event id}`.
 *
 * Delivery is strictly in number order, one message at a time per order (FIFO group), and an event
 * only gets a number once every earlier one was sent, so "sent" is one number: an event numbered at
 * or below `sentSeq` reached the storefront. One item (not a counter plus an item per event) keeps a
 * notification at two single-item writes: number, then sent.
 */
export interface NotificationLedger {
  last: number;
  sentSeq: number;
  throughSk: string | undefined;
  /** Event hash (eventNumberKey) → number. */
  readonly numbers: Map<string, number>;
}

const LEDGER_SK = '#LEDGER';
const NUMBER_PREFIX = 'n_';
/** The ledger attribute of one event's number: 64 bits of its id's SHA-256 (unique enough within one order). */
export const eventNumberKey = (eventId: string): string => `${NUMBER_PREFIX}${eventKeyOf(eventId).slice(0, 16)}`;

export function numberOf(ledger: NotificationLedger, eventId: string): number | undefined {
  return ledger.numbers.get(eventNumberKey(eventId));
}

export function wasSent(ledger: NotificationLedger, eventId: string): boolean {
  const n = numberOf(ledger, eventId);
  return n !== undefined && n <= ledger.sentSeq;
}

export async function readLedger(store: NotifyStore, orderId: string): Promise<NotificationLedger> {
  const out = await store.ddb.send(new GetCommand({ TableName: store.tableName, Key: { pk: pk(orderId), sk: LEDGER_SK }, ConsistentRead: true }));
  const item = out.Item ?? {};
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  const numbers = new Map<string, number>();
  for (const [name, value] of Object.entries(item)) if (name.startsWith(NUMBER_PREFIX) && typeof value === 'number') numbers.set(name, value);
  return { last: num(item['seq']), sentSeq: num(item['sentSeq']), throughSk: typeof item['throughSk'] === 'string' ? item['throughSk'] : undefined, numbers };
}

/** Give `eventId` the next number (conditional on the number read, so two writers cannot both take it). Updates `ledger`. */
export async function assignSequence(store: NotifyStore, ledger: NotificationLedger, orderId: string, eventId: string, eventSk: string | undefined, now: Date): Promise<number> {
  const previous = ledger.last;
  const next = previous + 1;
  const throughSk = eventSk !== undefined && (ledger.throughSk === undefined || eventSk > ledger.throughSk) ? eventSk : ledger.throughSk;
  const key = eventNumberKey(eventId);
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: { pk: pk(orderId), sk: LEDGER_SK },
      UpdateExpression: `SET seq = :next, #n = :next, entity = :entity, expiresAt = :expires${throughSk === undefined ? '' : ', throughSk = :through'}`,
      ConditionExpression: previous === 0 ? 'attribute_not_exists(seq)' : 'seq = :previous',
      ExpressionAttributeNames: { '#n': key },
      ExpressionAttributeValues: {
        ':next': next,
        ':entity': 'NotificationLedger',
        ':expires': Math.floor(now.getTime() / 1000) + TTL_SECONDS,
        ...(previous === 0 ? {} : { ':previous': previous }),
        ...(throughSk === undefined ? {} : { ':through': throughSk }),
      },
    }),
  );
  ledger.last = next;
  ledger.throughSk = throughSk;
  ledger.numbers.set(key, next);
  return next;
}

/** Record that notification number `sequence` reached the storefront (never moves `sentSeq` back). */
export async function markSent(store: NotifyStore, ledger: NotificationLedger, orderId: string, sequence: number): Promise<void> {
  if (sequence <= ledger.sentSeq) return;
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: { pk: pk(orderId), sk: LEDGER_SK },
      UpdateExpression: 'SET sentSeq = :n',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(sentSeq) OR sentSeq < :n)',
      ExpressionAttributeValues: { ':n': sequence },
    }),
  );
  ledger.sentSeq = sequence;
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

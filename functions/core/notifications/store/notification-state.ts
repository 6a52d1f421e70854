/**
 * Delivery state of an order's storefront notifications, in the pipeline table under its own partition
 * (never read with the order):
 *
 * | item                         | pk                 | sk                              | attributes                                  |
 * |------------------------------|--------------------|---------------------------------|---------------------------------------------|
 * | delivery ledger              | NOTIFY#{orderId}   | #LEDGER                         | seq, sentSeq, throughSk, n_{hash}: number per event, a_{hash}: attempts per event, expiresAt (TTL 400 days) |
 * | Shopify fulfillment of a PO  | NOTIFY#{orderId}   | SHOPIFY#{fulfillmentId}         | fulfillmentGid, numbers, urls, company      |
 *
 * Numbers are given by the delivery function, which handles an order's messages one at a time (FIFO
 * message group = orderId): a retried message keeps its number, numbers have no gaps, and numbers
 * follow the order's timeline (services/deliver.ts sends earlier undelivered events first).
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../../runtime/table/query';

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

/** How one delivery attempt of an event ended (the ledger's `a_{hash}` list, oldest first). */
export interface DeliveryAttempt {
  /** The SQS receive of the message that carried it (1 = first). */
  readonly n: number;
  readonly at: string;
  readonly result: 'DELIVERED' | 'FAILED' | 'DEAD_LETTERED';
  /** The storefront's HTTP status, when it answered. */
  readonly status?: number | undefined;
  /** The error class (DeliveryError, TimeoutError, ...) and its message, no body or header. */
  readonly error?: string | undefined;
  /** When the message becomes visible again (FAILED). */
  readonly nextRetryAt?: string | undefined;
  /**
   * The domain event notified (the order view's type). A DELIVERED record of an event on the order's timeline
   * leaves it out (readDeliveries takes it from the timeline): that keeps the ledger of a typical order under
   * 1 KB, so every ledger write costs one write unit.
   */
  readonly type?: string | undefined;
  /** The event's timeline position (failure records; read by no one, kept on older records). */
  readonly sk?: string | undefined;
}

const ATTEMPTS_PREFIX = 'a_';
/** The ledger attribute of one event's attempts (same hash as its number). */
export const eventAttemptsKey = (eventId: string): string => `${ATTEMPTS_PREFIX}${eventKeyOf(eventId).slice(0, 16)}`;
/** Attempts kept per event: the queue's maxReceiveCount bounds them; this bounds a misconfiguration. */
export const MAX_ATTEMPTS_KEPT = 100;

/** Record that notification number `sequence` reached the storefront (never moves `sentSeq` back), with that attempt (same write). */
export async function markSent(store: NotifyStore, ledger: NotificationLedger, orderId: string, sequence: number, attempt?: { readonly eventId: string; readonly record: DeliveryAttempt }): Promise<void> {
  if (sequence <= ledger.sentSeq) return;
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: { pk: pk(orderId), sk: LEDGER_SK },
      UpdateExpression: attempt === undefined ? 'SET sentSeq = :n' : 'SET sentSeq = :n, #a = list_append(if_not_exists(#a, :none), :one)',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(sentSeq) OR sentSeq < :n)',
      ...(attempt === undefined
        ? { ExpressionAttributeValues: { ':n': sequence } }
        : { ExpressionAttributeNames: { '#a': eventAttemptsKey(attempt.eventId) }, ExpressionAttributeValues: { ':n': sequence, ':none': [], ':one': [clean(attempt.record)] } }),
    }),
  );
  ledger.sentSeq = sequence;
}

const clean = (a: DeliveryAttempt): Record<string, unknown> => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined));

/**
 * Record a failed attempt (or the one that sends the message to the DLQ): one single-item update of the
 * ledger (created if the failure came before the event was numbered), bounded to MAX_ATTEMPTS_KEPT.
 */
export async function recordFailedAttempt(store: NotifyStore, orderId: string, eventId: string, record: DeliveryAttempt, now: Date): Promise<void> {
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: { pk: pk(orderId), sk: LEDGER_SK },
      UpdateExpression: 'SET #a = list_append(if_not_exists(#a, :none), :one), entity = if_not_exists(entity, :entity), expiresAt = :expires',
      ConditionExpression: 'attribute_not_exists(#a) OR size(#a) < :max',
      ExpressionAttributeNames: { '#a': eventAttemptsKey(eventId) },
      ExpressionAttributeValues: {
        ':none': [],
        ':one': [clean(record)],
        ':entity': 'NotificationLedger',
        ':expires': Math.floor(now.getTime() / 1000) + TTL_SECONDS,
        ':max': MAX_ATTEMPTS_KEPT,
      },
    }),
  );
}

/**
 * Every event's number and attempts, from the ledger item (the ops look). Attempts recorded without their
 * event's type (DELIVERED records of timeline events) get it from the order's timeline: one Query of the
 * timeline's keys and types, made only when such an attempt exists.
 */
export async function readDeliveries(store: NotifyStore, orderId: string): Promise<{ sentSeq: number; events: { key: string; sequence?: number; attempts: DeliveryAttempt[] }[] }> {
  const out = await store.ddb.send(new GetCommand({ TableName: store.tableName, Key: { pk: pk(orderId), sk: LEDGER_SK }, ConsistentRead: true }));
  const item = out.Item ?? {};
  const events = new Map<string, { key: string; sequence?: number; attempts: DeliveryAttempt[] }>();
  const entry = (hash: string) => events.get(hash) ?? events.set(hash, { key: hash, attempts: [] }).get(hash) ?? { key: hash, attempts: [] };
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(NUMBER_PREFIX) && typeof value === 'number') entry(name.slice(NUMBER_PREFIX.length)).sequence = value;
    if (name.startsWith(ATTEMPTS_PREFIX) && Array.isArray(value)) entry(name.slice(ATTEMPTS_PREFIX.length)).attempts = value as DeliveryAttempt[];
  }
  const untyped = [...events.values()].filter((e) => e.attempts.some((a) => typeof a.type !== 'string'));
  if (untyped.length > 0) {
    const types = await timelineTypes(store, orderId);
    for (const e of untyped) {
      const type = types.get(e.key);
      if (type !== undefined) e.attempts = e.attempts.map((a) => (typeof a.type === 'string' ? a : { ...a, type }));
    }
  }
  return { sentSeq: typeof item['sentSeq'] === 'number' ? item['sentSeq'] : 0, events: [...events.values()] };
}

/** The order's timeline event types by ledger hash (the hash of the event id `ORDER#{orderId}|{sk}`). */
async function timelineTypes(store: NotifyStore, orderId: string): Promise<Map<string, string>> {
  const types = new Map<string, string>();
  const events = await queryAll(store, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
    ProjectionExpression: 'sk, #type',
    ExpressionAttributeNames: { '#type': 'type' },
    ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':events': 'EVENT#' },
  });
  for (const event of events) {
    if (typeof event['sk'] === 'string' && typeof event['type'] === 'string') types.set(eventKeyOf(`ORDER#${orderId}|${event['sk']}`).slice(0, 16), event['type']);
  }
  return types;
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
  const items = await queryAll(store, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :before',
    ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':from': fromSk, ':before': beforeSk },
    ConsistentRead: true,
  });
  for (const item of items) {
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

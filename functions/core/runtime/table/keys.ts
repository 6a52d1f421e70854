/**
 * Single-table design for the pipeline table. See docs/data-model.md for the full picture.
 *
 * Table: pk (S), sk (S); TTL attribute `expiresAt` (epoch seconds).
 * GSI1 (gsi1pk, gsi1sk): orders by channel, offers by supplier + supplier SKU, fulfillments by supplier.
 * GSI2 (gsi2pk, gsi2sk): orders by status (operators), fulfillment by supplier reference.
 * GSI3 (gsi3pk, gsi3sk): sparse exceptions index: only items needing operator attention carry gsi3pk.
 *
 * | entity            | pk                              | sk                          | gsi1                                   | gsi2                                      |
 * |-------------------|---------------------------------|-----------------------------|----------------------------------------|-------------------------------------------|
 * | channel           | CHANNEL#{channelId}             | #CHANNEL                    |                                        |                                           |
 * | supplier          | SUPPLIER#{supplierId}           | #SUPPLIER                   |                                        |                                           |
 * | supplier metrics  | SUPPLIER#{supplierId}           | METRICS#{yyyy-mm-dd}        |                                        |                                           |
 * | product           | SKU#{sku}                       | #PRODUCT                    |                                        |                                           |
 * | supplier offer    | SKU#{sku}                       | OFFER#{supplierId}          | SUPPLIER#{supplierId} / SSKU#{supSku}  |                                           |
 * | order (+lines)    | ORDER#{orderId}                 | #ORDER                      | CHANNEL#{channelId} / {createdAt}#{id} | STATUS#{status} / {updatedAt}#{id}        |
 * | timeline event    | ORDER#{orderId}                 | EVENT#{at}#{seq}            |                                        |                                           |
 * | fulfillment       | ORDER#{orderId}                 | FULFILLMENT#{fulfillmentId} | SUPPLIER#{supplierId} / FULFILLMENT#.. | SUPREF#{supplierId}#{ref} / {fid}         |
 * | task token        | TASKTOKEN#{fulfillmentId}       | #TASKTOKEN                  |                                        |                                           |
 * | external-id guard | EXTORDER#{channelId}#{extId}    | #GUARD                      |                                        |                                           |
 * | dedupe record     | DEDUPE#{scope}#{id}             | #DEDUPE                     |  (expiresAt TTL)                       |                                           |
 * | rejected webhook  | WEBHOOK#{channelId}#{webhookId} | #REJECTED                   |  gsi3: EXCEPTION#WEBHOOK_REJECTED / {receivedAt}#{channelId}#{webhookId} (TTL) |
 * | reservation       | ORDER#{orderId}                 | RESERVATION#{fid}#{sku}     |  gsi2 while HELD: RESERVATION#HELD#{0..7} / {holdExpiresAt}#{orderId}#{fid}#{sku} |
 * | hold task token   | TASKTOKEN#HOLD#{orderId}        | #TASKTOKEN                  |                                        |                                           |
 * | address use       | ADDRESS#{sha256 fingerprint}    | ORDER#{at}#{orderId}        |  (expiresAt TTL; fraud address velocity)                                   |
 * | fulfillment exc.  | (on the fulfillment item)       |                             |  gsi3: EXCEPTION#{code} / {since}#{orderId}#{fid}                           |
 * | offer reservations| SKU#{sku}                       | RESERVED#{supplierId}       |  (platform-owned `reserved` counter; the offer item itself is feed-owned)  |
 * | supplier event    | SUPPLIER#{supplierId}           | EVENT#{at}#{seq}            |  (outbox: published on the bus by the stream router, like timeline events) |
 * | supplier file     | FILE#{supplierId}               | {kind}#{s3 key}#{etag}      |  gsi3 when QUARANTINED: EXCEPTION#FILE_QUARANTINED / {at}#{supplierId}      |
 * | sweep state       | SWEEP#{name}                    | #STATE                      |  (cursor of a bounded, resumable sweep)                                     |
 * | stock shortfall   | (on the offer item)             |                             |  gsi3: EXCEPTION#STOCK_SHORTFALL / {since}#{sku}#{supplierId}               |
 * | stuck order       | (on the order item)             |                             |  gsi3: EXCEPTION#ORDER_STUCK / {since}#{orderId}                            |
 * | return            | ORDER#{orderId}                 | RETURN#{returnId}           |  gsi2: RETURN#{status} / {updatedAt}#{returnId} (operators list returns)    |
 */

export const GSI1 = 'gsi1';
export const GSI2 = 'gsi2';
export const GSI3 = 'gsi3';
/** Orders by customer email hash (operators' exact-match search; never the email itself). */
export const GSI4 = 'gsi4';

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export const keys = {
  channel: (channelId: string): ItemKey => ({ pk: `CHANNEL#${channelId}`, sk: '#CHANNEL' }),
  supplier: (supplierId: string): ItemKey => ({ pk: `SUPPLIER#${supplierId}`, sk: '#SUPPLIER' }),
  supplierMetrics: (supplierId: string, day: string): ItemKey => ({ pk: `SUPPLIER#${supplierId}`, sk: `METRICS#${day}` }),
  product: (sku: string): ItemKey => ({ pk: `SKU#${sku}`, sk: '#PRODUCT' }),
  offer: (sku: string, supplierId: string): ItemKey => ({ pk: `SKU#${sku}`, sk: `OFFER#${supplierId}` }),
  order: (orderId: string): ItemKey => ({ pk: `ORDER#${orderId}`, sk: '#ORDER' }),
  timelineEvent: (orderId: string, at: string, seq: number): ItemKey => ({
    pk: `ORDER#${orderId}`,
    sk: `EVENT#${at}#${String(seq).padStart(4, '0')}`,
  }),
  fulfillment: (orderId: string, fulfillmentId: string): ItemKey => ({ pk: `ORDER#${orderId}`, sk: `FULFILLMENT#${fulfillmentId}` }),
  taskToken: (fulfillmentId: string): ItemKey => ({ pk: `TASKTOKEN#${fulfillmentId}`, sk: '#TASKTOKEN' }),
  externalOrderGuard: (channelId: string, externalOrderId: string): ItemKey => ({
    pk: `EXTORDER#${channelId}#${externalOrderId}`,
    sk: '#GUARD',
  }),
  dedupe: (scope: string, id: string): ItemKey => ({ pk: `DEDUPE#${scope}#${id}`, sk: '#DEDUPE' }),
  rejectedWebhook: (channelId: string, webhookId: string): ItemKey => ({
    pk: `WEBHOOK#${channelId}#${webhookId}`,
    sk: '#REJECTED',
  }),
  /** Stock one fulfillment holds of one retailer SKU (the supplier is the fulfillment's). */
  reservation: (orderId: string, fulfillmentId: string, sku: string): ItemKey => ({
    pk: `ORDER#${orderId}`,
    sk: `RESERVATION#${fulfillmentId}#${sku}`,
  }),
  /** The task token of an order's AwaitHoldDecision state (never leaves the platform). */
  holdTaskToken: (orderId: string): ItemKey => ({ pk: `TASKTOKEN#HOLD#${orderId}`, sk: '#TASKTOKEN' }),
  /** One order shipped to an address (fingerprint = SHA-256 of the normalized address: no readable PII). */
  addressUse: (fingerprint: string, at: string, orderId: string): ItemKey => ({ pk: `ADDRESS#${fingerprint}`, sk: `ORDER#${at}#${orderId}` }),
  /**
   * The platform-owned `reserved` counter of one offer. The offer item (`OFFER#{supplierId}`) is written
   * whole by inventory feeds (BatchWriteItem), so what orders hold lives beside it, never on it.
   */
  offerReservations: (sku: string, supplierId: string): ItemKey => ({ pk: `SKU#${sku}`, sk: `RESERVED#${supplierId}` }),
  /** A supplier-level domain event (feed applied, stale, fresh again, file quarantined, stock shortfall): an outbox item. */
  supplierEvent: (supplierId: string, at: string, seq: number): ItemKey => ({
    pk: `SUPPLIER#${supplierId}`,
    sk: `EVENT#${at}#${String(seq).padStart(4, '0')}`,
  }),
  /** One supplier file (inbox or pull source) by kind, S3 key and ETag: processing state and replay guard. */
  supplierFile: (supplierId: string, kind: string, objectKey: string, etag: string): ItemKey => ({
    pk: `FILE#${supplierId}`,
    sk: `${kind}#${objectKey}#${etag}`,
  }),
  /** Where a bounded, resumable sweep stopped last time. */
  sweepState: (name: string): ItemKey => ({ pk: `SWEEP#${name}`, sk: '#STATE' }),
} as const;

export const gsiKeys = {
  offerBySupplierSku: (supplierId: string, supplierSku: string) => ({ gsi1pk: `SUPPLIER#${supplierId}`, gsi1sk: `SSKU#${supplierSku}` }),
  orderByChannel: (channelId: string, createdAt: string, orderId: string) => ({
    gsi1pk: `CHANNEL#${channelId}`,
    gsi1sk: `${createdAt}#${orderId}`,
  }),
  orderByStatus: (status: string, updatedAt: string, orderId: string) => ({ gsi2pk: `STATUS#${status}`, gsi2sk: `${updatedAt}#${orderId}` }),
  fulfillmentBySupplier: (supplierId: string, fulfillmentId: string) => ({
    gsi1pk: `SUPPLIER#${supplierId}`,
    gsi1sk: `FULFILLMENT#${fulfillmentId}`,
  }),
  fulfillmentBySupplierRef: (supplierId: string, reference: string, fulfillmentId: string) => ({
    gsi2pk: `SUPREF#${supplierId}#${reference}`,
    gsi2sk: fulfillmentId,
  }),
  exception: (kind: string, since: string, ref: string) => ({ gsi3pk: `EXCEPTION#${kind}`, gsi3sk: `${since}#${ref}` }),
  /** Returns by status, last change first (operators' GET /ops/returns): the return moves partition with its status. */
  returnByStatus: (status: string, updatedAt: string, returnId: string) => ({ gsi2pk: `RETURN#${status}`, gsi2sk: `${updatedAt}#${returnId}` }),
  /** Orders by the SHA-256 of the customer's normalized email (ops/domain/email-hash.ts): no readable PII in the key. */
  orderByEmailHash: (emailHash: string, createdAt: string, orderId: string) => ({ gsi4pk: `EMAIL#${emailHash}`, gsi4sk: `${createdAt}#${orderId}` }),
  /**
   * Sparse: only HELD reservations carry it, oldest hold expiry first (the reservation sweep's query), spread over
   * HELD_RESERVATION_SHARDS partitions by order id (a flash sale writes thousands of holds a second: one index
   * partition would throttle the table's writes; docs/hot-sku.md).
   */
  heldReservation: (holdExpiresAt: string, orderId: string, fulfillmentId: string, sku: string) => ({
    gsi2pk: `${HELD_RESERVATION_PREFIX}#${heldReservationShard(orderId)}`,
    gsi2sk: `${holdExpiresAt}#${orderId}#${fulfillmentId}#${sku}`,
  }),
} as const;

const HELD_RESERVATION_PREFIX = 'RESERVATION#HELD';
/** Index partitions of HELD reservations (gsi2 `RESERVATION#HELD#{0..7}`). */
export const HELD_RESERVATION_SHARDS = 8;

/** The shard of an order's HELD reservations: FNV-1a of the order id, stable across releases. */
export function heldReservationShard(orderId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) {
    hash ^= orderId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % HELD_RESERVATION_SHARDS;
}

/**
 * Every gsi2 partition the reservation sweep reads: the shards, and the unsharded `RESERVATION#HELD` of
 * reservations written before the index was sharded (empty once they settled).
 */
export function heldReservationPartitions(): string[] {
  return [...Array.from({ length: HELD_RESERVATION_SHARDS }, (_, shard) => `${HELD_RESERVATION_PREFIX}#${shard}`), HELD_RESERVATION_PREFIX];
}

/** Key prefixes used for Query begins_with conditions. */
export const prefixes = {
  timelineEvent: 'EVENT#',
  fulfillment: 'FULFILLMENT#',
  offer: 'OFFER#',
  reservation: 'RESERVATION#',
  addressUse: 'ORDER#',
  offerReservations: 'RESERVED#',
  supplierEvent: 'EVENT#',
  offerBySupplierSku: 'SSKU#',
} as const;

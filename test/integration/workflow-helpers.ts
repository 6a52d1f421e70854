/**
 * Helpers of the workflow integration tests: real orders through the local runtime (API -> table stream
 * -> Step Functions stand-in -> Lambda workers -> SQS), a scripted supplier on the supplier queues, the
 * execution history through the local Step Functions API and the table state from DynamoDB Local.
 * Every wait has a deadline.
 */
import { randomUUID } from 'node:crypto';
import { GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { trackingFor } from '../../local/tools/supplier-plan';
import { documentClient, endpoints, http, obj, partition } from './helpers';

export const TERMINAL_ORDER = new Set(['DELIVERED', 'CANCELLED', 'REJECTED']);

let sfnSingleton: SFNClient | undefined;
let sqsSingleton: SQSClient | undefined;

export function sfn(): SFNClient {
  sfnSingleton ??= new SFNClient({ endpoint: endpoints().stepFunctions.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return sfnSingleton;
}

export function sqs(): SQSClient {
  sqsSingleton ??= new SQSClient({ endpoint: endpoints().sqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return sqsSingleton;
}

/** Poll `probe` until it returns a value (not undefined) or the deadline passes (then throw with `what`). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 150): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

// ---------------------------------------------------------------------------------------------------
// Orders

export interface PlaceOrderOptions {
  readonly lines?: readonly { readonly sku: string; readonly quantity: number; readonly unitPrice?: string }[];
  readonly payment?: 'paid' | 'authorized' | 'pending';
  readonly email?: string;
  readonly billingCountry?: string;
  readonly country?: string;
  readonly postcode?: string;
  readonly city?: string;
  readonly line2?: string;
}

/** A valid order body with a unique street address (many orders to one address are a fraud signal). */
export function workflowOrderBody(opts: PlaceOrderOptions = {}): Record<string, unknown> {
  const lines = (opts.lines ?? [{ sku: 'TSHIRT-BLK-M', quantity: 1 }]).map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice ?? '24.90' }));
  const subtotal = lines.reduce((sum, l) => sum + Math.round(Number(l.unitPrice) * 100) * l.quantity, 0);
  const dec = (minor: number): string => (minor / 100).toFixed(2);
  const street = `Teststrasse ${randomUUID().slice(0, 8)}`;
  return {
    externalOrderId: `wf-${randomUUID()}`,
    customer: { email: opts.email ?? 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: street,
      ...(opts.line2 === undefined ? {} : { line2: opts.line2 }),
      city: opts.city ?? 'Berlin',
      postcode: opts.postcode ?? '10115',
      country: opts.country ?? 'DE',
    },
    ...(opts.billingCountry === undefined
      ? {}
      : { billingAddress: { name: 'Ada Lovelace', line1: '1 Rue de Rivoli', city: 'Paris', postcode: '75001', country: opts.billingCountry } }),
    lines,
    currency: 'EUR',
    totals: { subtotal: dec(subtotal), shipping: '4.90', tax: '0.00', total: dec(subtotal + 490) },
    payment: { reference: `pay_${randomUUID().slice(0, 8)}`, status: opts.payment ?? 'paid' },
  };
}

export function webKey(): string {
  const key = endpoints().channels.find((c) => c.id === 'demo-web')?.apiKey;
  if (key === null || key === undefined) throw new Error('no demo-web API key');
  return key;
}

export async function placeOrder(opts: PlaceOrderOptions = {}): Promise<string> {
  const res = await http(endpoints().apiUrl, 'POST', '/orders', {
    body: JSON.stringify(workflowOrderBody(opts)),
    headers: { 'content-type': 'application/json', 'x-api-key': webKey(), 'Idempotency-Key': randomUUID() },
  });
  if (res.status !== 201) throw new Error(`POST /orders answered ${res.status}: ${res.text}`);
  return String(obj(res.json)['orderId']);
}

export async function getOrder(orderId: string): Promise<Record<string, unknown>> {
  const res = await http(endpoints().apiUrl, 'GET', `/orders/${orderId}`, { headers: { 'x-api-key': webKey() } });
  if (res.status !== 200) throw new Error(`GET /orders/${orderId} answered ${res.status}`);
  return obj(res.json);
}

export async function waitForStatus(orderId: string, status: string | readonly string[], timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const wanted = typeof status === 'string' ? [status] : status;
  let last = '(no answer)';
  try {
    return await waitFor(
      `order ${orderId} to be ${wanted.join('|')}`,
      async () => {
        const order = await getOrder(orderId);
        last = String(order['status']);
        return wanted.includes(last) ? order : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    // The status seen last, so a timeout says where the order stopped.
    throw new Error(`${error instanceof Error ? error.message : String(error)} (last seen ${last})`);
  }
}

export function timelineTypes(order: Record<string, unknown>): string[] {
  return (Array.isArray(order['timeline']) ? (order['timeline'] as Record<string, unknown>[]) : []).map((e) => String(e['type']));
}

export async function fulfillments(orderId: string): Promise<Record<string, unknown>[]> {
  const items = await partition(documentClient(), `ORDER#${orderId}`);
  return items.filter((i) => i['entity'] === 'Fulfillment').sort((a, b) => String(a['fulfillmentId']).localeCompare(String(b['fulfillmentId'])));
}

export async function reservations(orderId: string): Promise<Record<string, unknown>[]> {
  const items = await partition(documentClient(), `ORDER#${orderId}`);
  return items.filter((i) => String(i['sk']).startsWith('RESERVATION#'));
}

/** The fulfillment of `supplierId` once it is DISPATCHED (its purchase order is on the outbound queue). */
export async function dispatchedFulfillment(orderId: string, supplierId: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  return waitFor(`a DISPATCHED fulfillment of ${orderId} at ${supplierId}`, async () =>
    (await fulfillments(orderId)).find((f) => f['supplierId'] === supplierId && f['status'] === 'DISPATCHED'),
  timeoutMs);
}

export async function offer(sku: string, supplierId: string): Promise<Record<string, unknown>> {
  const out = await documentClient().send(new GetCommand({ TableName: endpoints().dynamodb.tableName, Key: { pk: `SKU#${sku}`, sk: `OFFER#${supplierId}` }, ConsistentRead: true }));
  if (out.Item === undefined) throw new Error(`no offer ${sku} at ${supplierId}`);
  return out.Item;
}

/**
 * The units orders hold of an offer: its platform-owned counter `RESERVED#{supplierId}` (absent = 0), plus, for a
 * hot offer split over allocation shards (the counter's `shards`, docs/hot-sku.md), every shard's `reserved`.
 */
export async function reservedUnits(sku: string, supplierId: string): Promise<number> {
  const table = endpoints().dynamodb.tableName;
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: `SKU#${sku}`, sk: `RESERVED#${supplierId}` }, ConsistentRead: true }));
  let reserved = Number(out.Item?.['reserved'] ?? 0);
  for (let shard = 0; shard < Number(out.Item?.['shards'] ?? 0); shard++) {
    const item = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: `SKUSHARD#${sku}#${supplierId}#${shard}`, sk: '#ALLOCATION' }, ConsistentRead: true }));
    reserved += Number(item.Item?.['reserved'] ?? 0);
  }
  return reserved;
}

export async function exceptionsOfKind(kind: string): Promise<Record<string, unknown>[]> {
  const out = await documentClient().send(
    new QueryCommand({ TableName: endpoints().dynamodb.tableName, IndexName: 'gsi3', KeyConditionExpression: 'gsi3pk = :pk', ExpressionAttributeValues: { ':pk': `EXCEPTION#${kind}` } }),
  );
  return out.Items ?? [];
}

// ---------------------------------------------------------------------------------------------------
// Executions

export function executionArn(orderId: string): string {
  const machine = endpoints().stepFunctions.stateMachineArn;
  if (machine === null) throw new Error('no state machine in the template');
  return `${machine.replace(':stateMachine:', ':execution:')}:${orderId}`;
}

export async function history(orderId: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const out = await sfn().send(new GetExecutionHistoryCommand({ executionArn: executionArn(orderId), maxResults: 1000, ...(nextToken === undefined ? {} : { nextToken }) }));
    events.push(...(out.events ?? []));
    nextToken = out.nextToken;
  } while (nextToken !== undefined);
  return events;
}

/** Names of the states entered, in order. */
export function statesEntered(events: readonly HistoryEvent[]): string[] {
  return events.filter((e) => e.type?.endsWith('StateEntered') === true).map((e) => e.stateEnteredEventDetails?.name ?? '?');
}

export async function waitForExecutionEnd(orderId: string, timeoutMs = 30_000): Promise<HistoryEvent[]> {
  return waitFor(`the execution of ${orderId} to end`, async () => {
    const events = await history(orderId).catch(() => []);
    return events.some((e) => /^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(e.type ?? '')) ? events : undefined;
  }, timeoutMs, 250);
}

/** Local-only: shorten this execution's waits (scale) or pin a state's timeout, even before it starts. */
export async function overrideTimeouts(orderId: string, overrides: { timeScale?: number; stateTimeoutSeconds?: Record<string, number> }): Promise<void> {
  const res = await fetch(`${endpoints().stepFunctions.endpoint}/_local/overrides`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ executionName: orderId, ...overrides }),
    signal: AbortSignal.timeout(5_000),
  });
  if (res.status !== 200) throw new Error(`overrides answered ${res.status}`);
}

/** Domain events on the local bus whose detail mentions `text` (e.g. an order id). */
export async function busEvents(text: string, detailType?: string): Promise<{ 'detail-type': string; source: string; detail: Record<string, unknown> }[]> {
  const q = new URLSearchParams({ contains: text, ...(detailType === undefined ? {} : { detailType }) });
  const res = await fetch(`${endpoints().eventBridge.endpoint}/_local/events?${q.toString()}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { events: { event: { 'detail-type': string; source: string; detail: Record<string, unknown> } }[] };
  return body.events.map((e) => e.event);
}

// ---------------------------------------------------------------------------------------------------
// Scripted suppliers

export function supplierQueues(supplierId: string): { inbound: string; outbound: string; inboundDlq: string } {
  const s = endpoints().suppliers.find((x) => x.id === supplierId);
  if (s?.inboundQueueUrl === null || s?.outboundQueueUrl === null || s?.inboundDlqUrl === null || s === undefined) {
    throw new Error(`supplier ${supplierId} has no queues in endpoints.json`);
  }
  return { inbound: s.inboundQueueUrl, outbound: s.outboundQueueUrl, inboundDlq: s.inboundDlqUrl };
}

const inbox = new Map<string, Record<string, unknown>[]>();

/**
 * The platform's messages to a supplier for one fulfillment (PURCHASE_ORDER, CANCELLATION), read from
 * the supplier's outbound queue. Messages of other fulfillments are kept for later callers.
 */
export async function outboundMessages(supplierId: string, fulfillmentId: string, type: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const { outbound } = supplierQueues(supplierId);
  return waitFor(`${type} for ${fulfillmentId} on ${supplierId}'s outbound queue`, async () => {
    const hit = (inbox.get(fulfillmentId) ?? []).find((m) => m['type'] === type);
    if (hit !== undefined) return hit;
    const out = await sqs().send(new ReceiveMessageCommand({ QueueUrl: outbound, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
    for (const m of out.Messages ?? []) {
      const body = obj(JSON.parse(m.Body ?? '{}'));
      const id = String(body['fulfillmentId']);
      inbox.set(id, [...(inbox.get(id) ?? []), body]);
      await sqs().send(new DeleteMessageCommand({ QueueUrl: outbound, ReceiptHandle: m.ReceiptHandle ?? '' }));
    }
    return (inbox.get(fulfillmentId) ?? []).find((m) => m['type'] === type);
  }, timeoutMs, 100);
}

/** Send a supplier message on `supplierId`'s inbound queue (messageId and occurredAt filled in). */
export async function supplierSays(supplierId: string, message: Record<string, unknown>): Promise<string> {
  const messageId = typeof message['messageId'] === 'string' ? message['messageId'] : `it-${randomUUID()}`;
  await sqs().send(
    new SendMessageCommand({
      QueueUrl: supplierQueues(supplierId).inbound,
      MessageBody: JSON.stringify({ occurredAt: new Date().toISOString(), ...message, messageId }),
    }),
  );
  return messageId;
}

/** Everything currently in a queue (received and deleted). */
export async function drainQueue(url: string): Promise<{ body: string; attributes: Record<string, string> }[]> {
  const out: { body: string; attributes: Record<string, string> }[] = [];
  for (;;) {
    const r = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
    if ((r.Messages ?? []).length === 0) return out;
    for (const m of r.Messages ?? []) {
      const attributes: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) if (v.StringValue !== undefined) attributes[k] = v.StringValue;
      out.push({ body: m.Body ?? '', attributes });
      await sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle ?? '' }));
    }
  }
}

/** The fulfillment item once `check` holds for it. */
export async function fulfillmentWhen(orderId: string, fulfillmentId: string, what: string, check: (f: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  return waitFor(`${fulfillmentId} ${what}`, async () => (await fulfillments(orderId)).find((f) => f['fulfillmentId'] === fulfillmentId && check(f)), timeoutMs);
}

export function shipmentCount(f: Record<string, unknown>): number {
  return Array.isArray(f['shipments']) ? f['shipments'].length : 0;
}

/**
 * The lines a supplier was asked for: from the PURCHASE_ORDER message on its outbound queue (`sqs`
 * suppliers), or, for `file` suppliers (their purchase order is a file in their outbox instead), from the
 * DISPATCHED fulfillment, whose `documents.purchaseOrderKey` must name that outbox file.
 */
async function purchaseOrderLines(supplierId: string, fulfillment: Record<string, unknown>): Promise<{ lineNo: number; quantity: number }[]> {
  const fulfillmentId = String(fulfillment['fulfillmentId']);
  const documents = obj(fulfillment['documents'] ?? {});
  if (typeof documents['purchaseOrderKey'] === 'string') {
    if (!documents['purchaseOrderKey'].startsWith(`suppliers/${supplierId}/outbox/purchase-orders/${fulfillmentId}.`)) {
      throw new Error(`purchase order of ${fulfillmentId} is not in ${supplierId}'s outbox: ${documents['purchaseOrderKey']}`);
    }
    return (fulfillment['lines'] as { lineNo: number; quantity: number }[]).map((l) => ({ lineNo: l.lineNo, quantity: l.quantity }));
  }
  const po = await outboundMessages(supplierId, fulfillmentId, 'PURCHASE_ORDER');
  return (po['lines'] as { lineNo: number; quantity: number }[]).map((l) => ({ lineNo: l.lineNo, quantity: l.quantity }));
}

/** A scripted, well-behaved supplier: accept, ship every line in one parcel, first scan, deliver (each step applied before the next). */
export async function fulfilHappily(supplierId: string, fulfillment: Record<string, unknown>, carrierMethod = 'DHL Paket'): Promise<string> {
  const orderId = String(fulfillment['orderId']);
  const fulfillmentId = String(fulfillment['fulfillmentId']);
  const lines = await purchaseOrderLines(supplierId, fulfillment);
  const { carrier, trackingNumber } = trackingFor(carrierMethod);
  await supplierSays(supplierId, { type: 'ACCEPTED', fulfillmentId });
  await fulfillmentWhen(orderId, fulfillmentId, 'ACCEPTED', (f) => f['status'] === 'ACCEPTED');
  await supplierSays(supplierId, { type: 'SHIPPED', fulfillmentId, carrier, trackingNumber, lines });
  await fulfillmentWhen(orderId, fulfillmentId, 'with a shipment', (f) => shipmentCount(f) > 0);
  await supplierSays(supplierId, { type: 'TRACKING_EVENT', fulfillmentId, trackingNumber, event: 'CARRIER_PICKED_UP' });
  await fulfillmentWhen(orderId, fulfillmentId, 'shipped', (f) => f['status'] !== 'ACCEPTED');
  await supplierSays(supplierId, { type: 'DELIVERED', fulfillmentId, trackingNumber });
  return trackingNumber;
}

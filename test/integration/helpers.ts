/** Shared helpers of the integration tests: real HTTP with deadlines, DynamoDB Local access, signing. */
import { createHmac, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { LocalEndpoints } from '../../local/runtime/runtime';
import { storedTimelineType } from '../../functions/core/events/domain/events';

export const REQUEST_TIMEOUT_MS = 10_000;

export function endpoints(): LocalEndpoints {
  return inject('endpoints');
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body (undefined when the body is not JSON). */
  readonly json: unknown;
}

export async function http(
  baseUrl: string,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: opts.headers ?? {},
    ...(opts.body === undefined ? {} : { body: opts.body }),
    signal: AbortSignal.timeout(opts.timeoutMs ?? REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Narrow a JSON body to an object for property assertions. */
export function obj(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

export function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: endpoints().dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
}

/** Every item of one partition (order + its timeline events, ...), straight from DynamoDB Local. */
export async function partition(ddb: DynamoDBDocumentClient, pk: string): Promise<Record<string, unknown>[]> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: endpoints().dynamodb.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
    { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
  );
  return out.Items ?? [];
}

/** Shopify's X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the shared secret. */
export function shopifyHmac(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export interface OrderBodyOptions {
  readonly externalOrderId?: string;
  readonly sku?: string;
  readonly quantity?: number;
}

/** A valid POST /orders body (EUR, Berlin address, totals that add up). */
export function orderBody(opts: OrderBodyOptions = {}): Record<string, unknown> {
  const quantity = opts.quantity ?? 2;
  const unitMinor = 2490;
  const subtotal = quantity * unitMinor;
  const shipping = 490;
  const dec = (minor: number): string => (minor / 100).toFixed(2);
  return {
    externalOrderId: opts.externalOrderId ?? `it-${randomUUID()}`,
    customer: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
    shippingAddress: { name: 'Ada Lovelace', line1: 'Hauptstrasse 1', city: 'Berlin', postcode: '10115', country: 'DE' },
    lines: [{ sku: opts.sku ?? endpoints().demo.skus[1] ?? 'TSHIRT-BLK-M', quantity, unitPrice: dec(unitMinor) }],
    currency: 'EUR',
    totals: { subtotal: dec(subtotal), shipping: dec(shipping), tax: '0.00', total: dec(subtotal + shipping) },
    payment: { reference: `pay_${randomUUID().slice(0, 8)}`, status: 'paid' },
  };
}

/**
 * The intake's own timeline events among an order's items. The workflow starts as soon as the order
 * is written and adds its own events (OrderValidated, ...), so intake assertions count only these.
 */
export function receivedEvents(items: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const stored = items.filter((i) => i['entity'] === 'TimelineEvent' && i['type'] === storedTimelineType('OrderReceived'));
  // Single-write intake: the order item carries the ORDER_RECEIVED event (orders/domain/order-received.ts).
  return [...stored, ...(stored.length > 0 ? [] : items.filter((i) => i['entity'] === 'Order'))];
}

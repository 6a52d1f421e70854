/**
 * The custom (Standard Webhooks) and WooCommerce (REST v3) senders. Shopify is services/shopify-sender.ts.
 */
import { Webhook } from 'standardwebhooks';
import { webhookBody, webhookId, wooRequests, type SequencedNotification } from '../domain/payloads';
import { DeliveryError, expectOk, send, type FetchFn } from './http';

export const USER_AGENT = 'dropship-pipeline-notifications/1';

/** A signing secret as stored: `whsec_<base64>`; a bare base64 value (as Secrets Manager generates it) is accepted. */
export function signingSecret(stored: string): string {
  const value = stored.trim();
  return value.startsWith('whsec_') ? value : `whsec_${value}`;
}

export interface SignedRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The signed webhook request of one notification (Standard Webhooks headers). */
export function signedWebhook(n: SequencedNotification, secret: string, now: Date): SignedRequest {
  const id = webhookId(n);
  const body = JSON.stringify(webhookBody(n));
  const signature = new Webhook(signingSecret(secret)).sign(id, now, body);
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
  };
}

export async function sendWebhook(fetchFn: FetchFn, url: string, n: SequencedNotification, secret: string, now: Date): Promise<void> {
  const request = signedWebhook(n, secret, now);
  const result = await send(fetchFn, url, { method: 'POST', headers: request.headers, body: request.body });
  expectOk(result, 'webhook endpoint');
}

/** HTTP Basic credentials of the WooCommerce REST API (consumer key and secret), over HTTPS only in AWS. */
export function wooAuthorization(consumerKey: string, consumerSecret: string): string {
  return `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`;
}

export async function sendWoo(
  fetchFn: FetchFn,
  storeUrl: string,
  n: SequencedNotification,
  credentials: { consumerKey: string; consumerSecret: string },
): Promise<number> {
  const base = storeUrl.replace(/\/+$/, '');
  const requests = wooRequests(n);
  for (const r of requests) {
    const result = await send(fetchFn, `${base}${r.path}`, {
      method: r.method,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, authorization: wooAuthorization(credentials.consumerKey, credentials.consumerSecret) },
      body: JSON.stringify(r.body),
    });
    if (result.status === 404) throw new DeliveryError(`WooCommerce order not found (HTTP 404 on ${r.method} ${r.path.split('/').slice(0, 5).join('/')})`, true);
    expectOk(result, 'WooCommerce REST API');
  }
  return requests.length;
}

/**
 * Deterministic order ids: the same (channel, source, key) always maps to the same order id, so a
 * retried request (same Idempotency-Key, or the same Shopify order re-sent under a new webhook id)
 * lands on the same DynamoDB item and the conditional write detects it.
 */
import { createHash } from 'node:crypto';
import type { OrderSource } from '../orders/domain/order';

/** Crockford base32, lower case (no i, l, o, u: unambiguous when read aloud or retyped). */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** `ord_` + 26 base32 characters (130 bits of SHA-256). */
export const ORDER_ID_PATTERN = /^ord_[0-9a-hjkmnp-tv-z]{26}$/;

export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * `key` is the Idempotency-Key for API orders and the storefront's order id for webhooks.
 * The parts are JSON-encoded before hashing so no separator can make two tuples collide.
 */
export function deriveOrderId(channelId: string, source: OrderSource, key: string): string {
  const digest = createHash('sha256').update(JSON.stringify([channelId, source, key]), 'utf8').digest();
  return `ord_${base32(digest).slice(0, 26)}`;
}

export function isOrderId(value: string): boolean {
  return ORDER_ID_PATTERN.test(value);
}

/**
 * The id of a storefront's order on a channel, whatever the intake path (POST /orders or a Shopify
 * orders/create webhook): one order per (channel, externalOrderId), the order item being its own guard.
 * It is the derivation Shopify orders always had (their externalOrderId is the Shopify order id), so
 * existing Shopify order ids do not change.
 */
export function orderIdForExternalOrder(channelId: string, storefrontOrderId: string): string {
  return deriveOrderId(channelId, 'shopify', storefrontOrderId);
}

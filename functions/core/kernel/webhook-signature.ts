/**
 * Shopify-style webhook signatures: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(secret, raw body)).
 * Compared in constant time over the decoded digest bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const DIGEST_BYTES = 32;

export function computeHmacBase64(secret: string | Uint8Array, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * True only when `signature` is the canonical base64 encoding of the HMAC-SHA256 of `rawBody`.
 * The raw bytes must be the bytes as received (decode API Gateway's base64 first), never re-serialized JSON.
 */
export function verifyHmacSignature(secret: string | Uint8Array, rawBody: Uint8Array, signature: string | undefined): boolean {
  if (signature === undefined || secret.length === 0) return false;
  const provided = Buffer.from(signature.trim(), 'base64');
  // Reject junk that Node's lenient base64 decoder would accept; this depends only on the header, not the secret.
  if (provided.length !== DIGEST_BYTES || provided.toString('base64') !== signature.trim()) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, provided);
}

/**
 * WordPress `wp_specialchars_decode($secret, ENT_QUOTES)`: WooCommerce signs with the secret's
 * entity-decoded form (WC_Webhook::generate_signature), so a secret saved as `a&amp;b` signs with `a&b`.
 */
export function wpSpecialcharsDecode(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;/g, "'")
    .replace(/&#x27;/gi, "'")
    .replace(/&amp;/g, '&');
}

/**
 * WooCommerce webhooks: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(secret, raw body)), the same
 * construction as Shopify's, keyed with the entity-decoded secret. Constant-time compare.
 */
export function verifyWooCommerceSignature(secret: string, rawBody: Uint8Array, signature: string | undefined): boolean {
  return verifyHmacSignature(wpSpecialcharsDecode(secret), rawBody, signature);
}

/**
 * The customer email as an index key: SHA-256 (hex) of the trimmed, lower-cased address. Operators find
 * orders by exact email (GET /ops/orders?email=) through this hash; the email itself is never a key and
 * never logged.
 */
import { createHash } from 'node:crypto';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function emailHash(email: string): string {
  return createHash('sha256').update(normalizeEmail(email), 'utf8').digest('hex');
}

/**
 * Opaque, validated page cursors of the ops API: base64url of a small JSON object checked with a strict
 * schema on the way back in. A cursor names the listing it belongs to (`src`, the filters' fingerprint `f`)
 * and where the previous page stopped (`k`: an index sort key, strictly `<date>#<id>`-shaped). A garbled,
 * forged or foreign cursor is a 400 naming `cursor`, never a 500 and never a query with attacker-chosen keys.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { BadRequestError } from '../kernel/errors';

const SORT_KEY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,12}Z#[A-Za-z0-9_#-]{1,200}$|^FULFILLMENT#[A-Za-z0-9_-]{1,120}$/;

const CursorBody = z.strictObject({
  v: z.literal(1),
  src: z.enum(['status', 'all', 'channel', 'email', 'supplier', 'returns', 'returns-all', 'returns-unanswered']),
  f: z.string().regex(/^[0-9a-f]{16}$/),
  k: z.string().max(300).regex(SORT_KEY),
});
export type CursorBody = z.output<typeof CursorBody>;

/** A short fingerprint of the filters a cursor was made for (a cursor is only valid with the same filters). */
export function filtersFingerprint(filters: Readonly<Record<string, unknown>>): string {
  const stable = Object.keys(filters)
    .filter((k) => k !== 'cursor' && k !== 'limit' && filters[k] !== undefined)
    .sort()
    .map((k) => [k, filters[k]]);
  return createHash('sha256').update(JSON.stringify(stable)).digest('hex').slice(0, 16);
}

export function encodeCursor(body: CursorBody): string {
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function invalid(message: string): BadRequestError {
  return new BadRequestError('Invalid cursor', { issues: [{ path: 'queryStringParameters.cursor', message }] });
}

export function decodeCursor(cursor: string, expected: { readonly src: CursorBody['src']; readonly f: string }): CursorBody {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw invalid('is not a cursor from a previous page');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a cursor from a previous page');
  }
  const parsed = CursorBody.safeParse(value);
  if (!parsed.success) throw invalid('is not a cursor from a previous page');
  if (parsed.data.src !== expected.src || parsed.data.f !== expected.f) throw invalid('belongs to another listing (use it with the same filters)');
  return parsed.data;
}

/**
 * Building blocks shared by the API schemas, plus the conversion of zod issues into the API's
 * `{ path, message }` issues. Schemas are the single source of truth: they parse the input, type the
 * code and generate docs/openapi.json (scripts/generate-docs.ts).
 */
import * as z from 'zod';
import type { FieldIssue } from './errors';
import { DECIMAL_PATTERN, isCurrencyCode } from './money';

export const DecimalString = z
  .string()
  .regex(DECIMAL_PATTERN, 'must be a non-negative decimal string such as "12.50"')
  .meta({
    description:
      'Non-negative decimal amount as a string (no floats): at most 11 integer digits; decimals beyond the currency exponent must be zeros.',
    examples: ['12.50'],
  });

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as "EUR"')
  .refine(isCurrencyCode, 'is not a known ISO 4217 currency code')
  .meta({ description: 'ISO 4217 currency code', examples: ['EUR'] });

/** Trimmed required text with a maximum length. */
export function text(max: number) {
  return z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
}

export const PhoneNumber = z
  .string()
  .trim()
  .min(3, 'must have at least 3 characters')
  .max(32, 'must be at most 32 characters')
  .regex(/^\+?[0-9 ()./-]+$/, 'must contain only digits, spaces, + ( ) . / -');

export const Issue = z
  .object({
    path: z.string().meta({ description: 'Dotted path of the offending field, e.g. `shippingAddress.postcode` or `headers.idempotency-key`' }),
    message: z.string(),
  })
  .meta({ description: 'One problem with the request' });

export const ErrorResponse = z
  .object({
    error: z.string().meta({ description: 'Human-readable summary' }),
    issues: z.array(Issue).optional().meta({ description: 'Present on every 4xx; absent on the generic 500' }),
  })
  .meta({ description: 'Every error response. Unknown failures are a generic 500 `{ "error": "Internal error" }`.' });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const OrderFlag = z.object({
  code: z.string().meta({ description: 'e.g. UNKNOWN_SKU, UNPAID, CANCELLED_AT_SOURCE (see ORDER_FLAG_CODES)' }),
  message: z.string(),
  lineNo: z.int().optional(),
});

/** Render a zod issue path as the API's dotted path (`lines.0.quantity`); the root is `body` (or the given prefix). */
export function formatPath(path: readonly PropertyKey[], prefix?: string): string {
  const parts = path.map((part) => (typeof part === 'symbol' ? part.description ?? '' : String(part)));
  if (prefix !== undefined && prefix !== '') return [prefix, ...parts].join('.');
  return parts.length === 0 ? 'body' : parts.join('.');
}

/** Convert zod issues into API issues. Messages never echo input values (no PII). */
export function toFieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, prefix), message: issue.message }));
}

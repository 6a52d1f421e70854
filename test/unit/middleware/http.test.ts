import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConflictError, PipelineError, ValidationError } from '../../../functions/core/kernel/errors';
import { MAX_BODY_BYTES, errorResponse, getHeader, parseJson, rawBody, requireHeader, validate } from '../../../functions/core/runtime/http';
import { captureOutput } from '../fixtures/handler-env';
import { apiEvent } from '../fixtures/requests';

describe('getHeader', () => {
  it('is case-insensitive and falls back to multiValueHeaders', () => {
    const event = apiEvent({ headers: { 'X-Shopify-Hmac-Sha256': 'abc' } });
    expect(getHeader(event, 'x-shopify-hmac-sha256')).toBe('abc');
    expect(getHeader({ headers: {}, multiValueHeaders: { 'idempotency-key': ['k1', 'k2'] } }, 'Idempotency-Key')).toBe('k1');
    expect(getHeader({ headers: {}, multiValueHeaders: {} }, 'missing')).toBeUndefined();
  });
});

describe('requireHeader', () => {
  it('trims and returns the value', () => {
    expect(requireHeader(apiEvent({ headers: { 'Idempotency-Key': ' k1 ' } }), 'Idempotency-Key')).toBe('k1');
  });
  it.each<Record<string, string>>([{}, { 'Idempotency-Key': '   ' }])('missing → 400 at headers.idempotency-key (%j)', (headers) => {
    expect(() => requireHeader(apiEvent({ headers }), 'Idempotency-Key')).toThrow(
      expect.objectContaining({ statusCode: 400, issues: [{ path: 'headers.idempotency-key', message: 'is required' }] }),
    );
  });
});

describe('rawBody', () => {
  it('decodes base64 and enforces the limit on decoded bytes', () => {
    const exact = 'a'.repeat(MAX_BODY_BYTES);
    expect(rawBody({ body: Buffer.from(exact).toString('base64'), isBase64Encoded: true }).length).toBe(MAX_BODY_BYTES);
    expect(() => rawBody({ body: `${exact}a`, isBase64Encoded: false })).toThrow(expect.objectContaining({ statusCode: 413 }));
    expect(() => rawBody({ body: 'é'.repeat(MAX_BODY_BYTES / 2 + 1), isBase64Encoded: false })).toThrow(expect.objectContaining({ statusCode: 413 }));
    expect(rawBody({ body: null, isBase64Encoded: false }).length).toBe(0);
  });
});

describe('parseJson', () => {
  it.each(['{', 'undefined', "{'a':1}", '\u0000'])('malformed %j → 400', (text) => {
    expect(() => parseJson(Buffer.from(text))).toThrow(expect.objectContaining({ statusCode: 400, issues: [{ path: 'body', message: 'must be valid JSON' }] }));
  });
});

describe('validate', () => {
  it('throws a 422 ValidationError with dotted paths', () => {
    const schema = z.object({ a: z.array(z.object({ b: z.int() })) });
    try {
      validate(schema, { a: [{ b: 1 }, { b: 'x' }] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['a.1.b']);
    }
  });
});

describe('errorResponse', () => {
  it('exposes 4xx PipelineErrors as {error, issues}', () => {
    const output = captureOutput();
    const result = errorResponse(new ConflictError('taken', { issues: [{ path: 'externalOrderId', message: 'taken' }] }));
    output.restore();
    expect(result.statusCode).toBe(409);
    expect(JSON.parse(result.body)).toEqual({ error: 'taken', issues: [{ path: 'externalOrderId', message: 'taken' }] });
  });

  it.each([
    ['a plain Error', new Error('secret detail')],
    ['a 500 PipelineError', new PipelineError('secret detail')],
    ['a thrown string', 'secret detail'],
  ])('hides %s behind a generic 500 (detail only in the log)', (_label, error) => {
    const output = captureOutput();
    let result: ReturnType<typeof errorResponse>;
    try {
      result = errorResponse(error);
    } finally {
      output.restore();
    }
    expect(result.statusCode).toBe(500);
    expect(result.body).toBe('{"error":"Internal error"}');
    expect(output.text()).toContain('secret detail');
  });
});

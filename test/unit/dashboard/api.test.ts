import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import * as z from 'zod';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, getJson, loadConfig, postAction, queryString } from '../../../dashboard/src/api';

/** Node's hash for the independent re-signing (the dashboard signs with the browser's WebCrypto one). */
class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret as ArrayBuffer));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {}
}

const credentials = { accessKeyId: 'ASIALOCALOPERATOR', secretAccessKey: 'local-secret' };
const calls: { url: string; init: RequestInit }[] = [];
let answer: () => Response;

beforeEach(async () => {
  calls.length = 0;
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
    if (url === 'config.json') return Promise.resolve(Response.json({ apiUrl: 'http://127.0.0.1:3000/prod', fetchBase: '/api', region: 'us-east-1', credentials }));
    calls.push({ url, init });
    return Promise.resolve(answer());
  });
  answer = () => Response.json({ items: [] });
  await loadConfig();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('dashboard API client', () => {
  it('signs for the API URL (host, stage path, query) and sends to the same-origin proxy', async () => {
    await getJson(`/ops/orders${queryString({ status: 'ON_HOLD', limit: 25, email: '' })}`, z.object({ items: z.array(z.unknown()) }));
    const [call] = calls;
    expect(call?.url).toBe('/api/ops/orders?limit=25&status=ON_HOLD');
    const headers = call?.init.headers as Record<string, string>;
    expect(headers['host']).toBeUndefined();
    expect(headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIALOCALOPERATOR\/\d{8}\/us-east-1\/execute-api\/aws4_request, SignedHeaders=host;/);
    // What a verifier computes for the request as the API sees it: the same signature.
    const amzDate = headers['x-amz-date'] ?? '';
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const verifier = new SignatureV4({ service: 'execute-api', region: 'us-east-1', credentials, sha256: NodeSha256 });
    const again = await verifier.sign(
      { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 3000, path: '/prod/ops/orders', query: { limit: '25', status: 'ON_HOLD' }, headers: { host: '127.0.0.1:3000' } },
      { signingDate },
    );
    expect(headers['authorization']).toBe(again.headers['authorization']);
  });

  it('posts an action with a fresh Idempotency-Key and no empty fields', async () => {
    answer = () => Response.json({ orderId: 'ord_1', decision: 'APPROVE' });
    await postAction('/ops/orders/ord_1/approve', { note: 'checked', reason: '' });
    await postAction('/ops/orders/ord_1/approve', { note: 'checked' });
    const [first, second] = calls;
    expect(first?.init.body).toBe('{"note":"checked"}');
    const key = (c: typeof first) => (c?.init.headers as Record<string, string>)['idempotency-key'];
    expect(key(first)).toMatch(/^[0-9a-f-]{36}$/);
    expect(key(first)).not.toBe(key(second));
    expect((first?.init.headers as Record<string, string>)['authorization']).toContain('idempotency-key');
  });

  it('turns an error answer into an ApiError with the code and message of the body', async () => {
    answer = () => Response.json({ code: 'FORBIDDEN', message: 'The request signature we calculated does not match' }, { status: 403 });
    const error = await getJson('/ops/orders', z.object({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, code: 'FORBIDDEN', message: 'The request signature we calculated does not match' });
  });

  it('rejects an answer that does not have the expected shape (zod), instead of drawing half a page', async () => {
    answer = () => Response.json({ items: 'nope' });
    await expect(getJson('/ops/orders', z.object({ items: z.array(z.unknown()) }))).rejects.toThrow(/items/);
  });
});

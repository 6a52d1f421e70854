/**
 * The local gateway's IAM check (local/emulators/gateway/iam.ts) against the ops client's signatures
 * (local/tools/ops-client.ts: @smithy/signature-v4, and the synchronous signer of the HTTP corpus).
 */
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { newLocalOperator, verifyIamRequest } from '../../../local/emulators/gateway/iam';
import { signOpsHeadersSync, signOpsRequest, type OpsEndpoint } from '../../../local/tools/ops-client';

const operator = newLocalOperator();
const ops: OpsEndpoint = { url: 'http://127.0.0.1:3000/v1', region: 'us-east-1', credentials: { accessKeyId: operator.accessKeyId, secretAccessKey: operator.secretAccessKey } };
const NOW = new Date('2026-12-07T00:30:00Z');

/** What the gateway sees: the request line, the headers (lower case) and the body. */
function incoming(method: string, url: URL, headers: Record<string, string>): { req: http.IncomingMessage; url: URL } {
  const lower = Object.fromEntries(Object.entries({ host: url.host, ...headers }).map(([k, v]) => [k.toLowerCase(), v]));
  return { req: { method, headers: lower } as unknown as http.IncomingMessage, url };
}

async function signed(method: string, path: string, body?: string, signingDate: Date = NOW) {
  const s = await signOpsRequest({ ops }, method, path, body, { signingDate });
  return incoming(method, s.url, s.headers);
}

describe('local IAM authorization (SigV4)', () => {
  it('accepts a request signed by the ops client and names the operator', async () => {
    const { req, url } = await signed('POST', '/ops/orders/ord_0123456789abcdefghjkmnpqrs/hold?x=1&a=b', '{"reason":"check"}');
    const check = await verifyIamRequest(req, url, Buffer.from('{"reason":"check"}'), [operator], NOW);
    expect(check).toMatchObject({ ok: true, operator: { identity: 'arn:aws:sts::000000000000:assumed-role/Operator/local-operator' } });
  });

  it('accepts the synchronous signer too (same canonical request)', async () => {
    const target = 'http://127.0.0.1:3000/v1/ops/orders?status=ON_HOLD&limit=5&email=a%2Bb%40example.com';
    const headers = signOpsHeadersSync(ops, 'GET', target, undefined, {}, NOW);
    const { req, url } = incoming('GET', new URL(target), headers);
    expect(await verifyIamRequest(req, url, Buffer.alloc(0), [operator], NOW)).toMatchObject({ ok: true });
  });

  it.each<[string, (r: { req: http.IncomingMessage; url: URL }) => { req: http.IncomingMessage; url: URL; body: string }, string]>([
    ['an unsigned request', (r) => ({ ...r, req: { ...r.req, headers: { host: r.url.host } } as http.IncomingMessage, body: '{}' }), 'MISSING_AUTHENTICATION_TOKEN'],
    ['a changed body', (r) => ({ ...r, body: '{"reason":"other"}' }), 'INVALID_SIGNATURE'],
    ['a changed path', (r) => ({ ...r, url: new URL(r.url.href.replace('/hold', '/cancel')), body: '{}' }), 'INVALID_SIGNATURE'],
    ['a changed query', (r) => ({ ...r, url: new URL(`${r.url.href}&extra=1`), body: '{}' }), 'INVALID_SIGNATURE'],
  ])('refuses %s (%s)', async (_name, tamper, type) => {
    const base = await signed('POST', '/ops/orders/ord_0123456789abcdefghjkmnpqrs/hold?x=1', '{}');
    const t = tamper(base);
    expect(await verifyIamRequest(t.req, t.url, Buffer.from(t.body), [operator], NOW)).toMatchObject({ ok: false, type });
  });

  it('refuses other credentials and signatures older than 15 minutes', async () => {
    const other = newLocalOperator();
    const { req, url } = await signed('GET', '/ops/orders');
    expect(await verifyIamRequest(req, url, Buffer.alloc(0), [other], NOW)).toMatchObject({ ok: false, type: 'INVALID_SIGNATURE' });
    const old = await signed('GET', '/ops/orders', undefined, new Date(NOW.getTime() - 16 * 60_000));
    expect(await verifyIamRequest(old.req, old.url, Buffer.alloc(0), [operator], NOW)).toMatchObject({ ok: false, type: 'INVALID_SIGNATURE', message: 'Signature expired' });
  });
});

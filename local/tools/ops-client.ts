/**
 * A small client for the ops API: every request signed with AWS Signature Version 4 (service
 * `execute-api`), as the ops API's IAM authorization requires. Locally it signs with the operator
 * credentials of `.local/endpoints.json` (`ops.credentials`); against AWS, pass the credentials of a role
 * with the OperatorPolicy (see docs/ops-api.md).
 *
 *   const res = await opsFetch(endpoints, 'GET', '/ops/orders?status=ON_HOLD');
 *   const body = await res.json();
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../emulators/gateway/iam';

export interface OpsEndpoint {
  /** Base URL of the ops API (the deployed stage URL, or the local gateway). */
  readonly url: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** The caller's identity the API will record (informational). */
  readonly identity?: string;
}

export interface OpsFetchOptions {
  /** Extra headers (e.g. Idempotency-Key); signed with the rest. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sign at this time instead of now (tests of expired signatures). */
  readonly signingDate?: Date;
}

/** The `ops` entry of endpoints.json, or a clear error when the running stack has none. */
export function opsEndpoint(endpoints: { readonly ops?: OpsEndpoint | null }): OpsEndpoint {
  if (endpoints.ops === undefined || endpoints.ops === null) throw new Error('endpoints.json has no ops API entry (is the local runtime current?)');
  return endpoints.ops;
}

/** The URL and SigV4-signed headers of one ops API request (`path` starts with `/ops/`, may carry a query string). */
export async function signOpsRequest(
  endpoints: { readonly ops?: OpsEndpoint | null },
  method: string,
  path: string,
  payload: string | undefined,
  options: OpsFetchOptions = {},
): Promise<{ url: URL; headers: Record<string, string> }> {
  const ops = opsEndpoint(endpoints);
  const url = new URL(path.replace(/^\//, ''), ops.url.endsWith('/') ? ops.url : `${ops.url}/`);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  const headers: Record<string, string> = {
    host: url.host,
    ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const signer = new SignatureV4({ service: 'execute-api', region: ops.region, credentials: ops.credentials, sha256: Sha256 });
  const signed = await signer.sign(
    { method: method.toUpperCase(), protocol: url.protocol, hostname: url.hostname, port: url.port === '' ? undefined : Number(url.port), path: url.pathname, query, headers, body: payload },
    options.signingDate === undefined ? {} : { signingDate: options.signingDate },
  );
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') sent[k] = String(v);
  return { url, headers: sent };
}

/** Sign and send one ops API request; `path` starts with `/ops/` and may carry a query string. */
export async function opsFetch(
  endpoints: { readonly ops?: OpsEndpoint | null },
  method: string,
  path: string,
  body?: unknown,
  options: OpsFetchOptions = {},
): Promise<Response> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const { url, headers } = await signOpsRequest(endpoints, method, path, payload, options);
  return fetch(url, { method: method.toUpperCase(), headers, ...(payload === undefined ? {} : { body: payload }) });
}

function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * The SigV4 headers (`x-amz-date`, `authorization`) of one request, computed synchronously with node:crypto
 * (same canonical form as @smithy/signature-v4, which the local gateway verifies with): for callers that
 * cannot await, such as the HTTP corpus runner. Signs `host`, `x-amz-date` and `content-type` when given.
 */
export function signOpsHeadersSync(
  ops: OpsEndpoint,
  method: string,
  url: string,
  body: string | Buffer | undefined,
  headers: Readonly<Record<string, string>> = {},
  now: Date = new Date(),
): Record<string, string> {
  const u = new URL(url);
  const longDate = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  const shortDate = longDate.slice(0, 8);
  const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  const signed: Record<string, string> = { host: u.host, 'x-amz-date': longDate, ...(contentType === undefined ? {} : { 'content-type': contentType }) };
  const names = Object.keys(signed).sort();
  const segments: string[] = [];
  for (const s of u.pathname.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  const normalized = `/${segments.join('/')}${segments.length > 0 && u.pathname.endsWith('/') ? '/' : ''}`;
  const byKey = new Map<string, string[]>();
  for (const [k, v] of u.searchParams) byKey.set(escapeUri(k), [...(byKey.get(escapeUri(k)) ?? []), `${escapeUri(k)}=${escapeUri(v)}`]);
  const query = [...byKey.keys()]
    .sort()
    .map((k) => (byKey.get(k) ?? []).sort().join('&'))
    .join('&');
  const canonical = [
    method.toUpperCase(),
    escapeUri(normalized).replace(/%2F/g, '/'),
    query,
    ...names.map((n) => `${n}:${(signed[n] ?? '').trim().replace(/\s+/g, ' ')}`),
    '',
    names.join(';'),
    createHash('sha256').update(body ?? '').digest('hex'),
  ].join('\n');
  const scope = `${shortDate}/${ops.region}/execute-api/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', longDate, scope, createHash('sha256').update(canonical, 'utf8').digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${ops.credentials.secretAccessKey}`, shortDate), ops.region), 'execute-api'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return {
    'x-amz-date': longDate,
    authorization: `AWS4-HMAC-SHA256 Credential=${ops.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

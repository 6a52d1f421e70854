/**
 * IAM authorization (AuthorizationType AWS_IAM) of the local API Gateway: the request must carry an AWS
 * Signature Version 4 (`Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`
 * and `X-Amz-Date`) made with the local operator's credentials for service `execute-api`. The gateway
 * re-signs the same request (same signed headers, same date, same body) with @smithy/signature-v4 and
 * compares the signatures in constant time, as API Gateway does; a signature older or newer than 15 minutes
 * is refused. The caller then appears in `requestContext.identity` like an assumed role in AWS
 * (`userArn` arn:aws:sts::000000000000:assumed-role/Operator/local-operator, `caller`, `accessKey`).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { LOCAL_ACCOUNT, LOCAL_REGION, localRoleId } from '../../template/local-ids';

/** The role the local operator "assumes", and its session name. */
export const LOCAL_OPERATOR_ROLE = 'Operator';
export const LOCAL_OPERATOR_SESSION = 'local-operator';
/** API Gateway refuses a signature dated more than 15 minutes from its clock. */
export const SIGNATURE_SKEW_MS = 15 * 60 * 1000;

export interface LocalOperator {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The caller's ARN API Gateway would put in `requestContext.identity.userArn`. */
  readonly identity: string;
  /** `requestContext.identity.caller` (`<RoleId>:<session>` for an assumed role). */
  readonly caller: string;
}

/** Fresh local operator credentials (random per start of the local API). */
export function newLocalOperator(): LocalOperator {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const accessKeyId = `ASIA${[...randomBytes(16)].map((b) => alphabet[b % 32]).join('')}`;
  return {
    accessKeyId,
    secretAccessKey: randomBytes(30).toString('base64'),
    identity: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${LOCAL_OPERATOR_ROLE}/${LOCAL_OPERATOR_SESSION}`,
    caller: `${localRoleId(LOCAL_OPERATOR_ROLE)}:${LOCAL_OPERATOR_SESSION}`,
  };
}

export type IamCheck =
  | { readonly ok: true; readonly operator: LocalOperator }
  | { readonly ok: false; readonly type: 'MISSING_AUTHENTICATION_TOKEN' | 'INVALID_SIGNATURE' | 'ACCESS_DENIED'; readonly message: string };

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `20261206T235959Z` → Date (undefined when malformed). */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (m === null) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Verify the request's SigV4 signature against the known operators; `now` is the gateway's clock. */
export async function verifyIamRequest(
  req: http.IncomingMessage,
  url: URL,
  body: Buffer,
  operators: readonly LocalOperator[],
  now: Date,
): Promise<IamCheck> {
  const authorization = header(req, 'authorization');
  if (authorization === undefined) return { ok: false, type: 'MISSING_AUTHENTICATION_TOKEN', message: 'Missing Authentication Token' };
  const m = AUTH.exec(authorization.trim());
  if (m === null) return { ok: false, type: 'INVALID_SIGNATURE', message: 'Authorization header is not an AWS Signature Version 4' };
  const [, accessKeyId, day, region, service, signedHeaderList, signature] = m as unknown as [string, string, string, string, string, string, string];
  const operator = operators.find((o) => o.accessKeyId === accessKeyId);
  if (operator === undefined) return { ok: false, type: 'INVALID_SIGNATURE', message: 'The security token included in the request is invalid.' };
  if (service !== 'execute-api') return { ok: false, type: 'INVALID_SIGNATURE', message: `Credential should be scoped to correct service: 'execute-api'.` };
  const signingDate = parseAmzDate(header(req, 'x-amz-date'));
  if (signingDate === undefined || !signingDate.toISOString().replaceAll('-', '').startsWith(day)) {
    return { ok: false, type: 'INVALID_SIGNATURE', message: 'X-Amz-Date is missing or does not match the credential scope' };
  }
  if (Math.abs(now.getTime() - signingDate.getTime()) > SIGNATURE_SKEW_MS) return { ok: false, type: 'INVALID_SIGNATURE', message: 'Signature expired' };
  const signed = signedHeaderList.split(';');
  if (!signed.includes('host')) return { ok: false, type: 'INVALID_SIGNATURE', message: "'Host' must be a signed header" };
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = header(req, name);
    if (value === undefined) return { ok: false, type: 'INVALID_SIGNATURE', message: `Signed header ${name} is missing` };
    headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  // The payload hash is the body's (a signed x-amz-content-sha256 must say the same), as API Gateway checks it.
  const bodyHash = createHash('sha256').update(body).digest('hex');
  if (headers['x-amz-content-sha256'] !== undefined && headers['x-amz-content-sha256'] !== bodyHash) {
    return { ok: false, type: 'INVALID_SIGNATURE', message: 'The provided x-amz-content-sha256 header does not match what was computed.' };
  }
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: { accessKeyId, secretAccessKey: operator.secretAccessKey }, sha256: Sha256 });
  const resigned = await signer.sign(
    { method: (req.method ?? 'GET').toUpperCase(), protocol: 'http:', hostname: url.hostname, path: url.pathname, query, headers, body: body.length === 0 ? undefined : body },
    // Sign exactly the client's SignedHeaders (the signer would add x-amz-content-sha256 by itself).
    { signingDate, signingRegion: region, ...(signed.includes('x-amz-content-sha256') ? {} : { unsignableHeaders: new Set(['x-amz-content-sha256']) }) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers['authorization'] ?? ''))?.[1] ?? '';
  const ok = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  if (!ok) {
    return { ok: false, type: 'INVALID_SIGNATURE', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.' };
  }
  return { ok: true, operator };
}

/** The region local operators sign for (the local world's region). */
export const LOCAL_SIGNING_REGION = LOCAL_REGION;

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** A @smithy hash constructor (SHA-256, or HMAC-SHA-256 with a secret) on node:crypto. */
export class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/**
 * The ops API client of the dashboard: every request SigV4-signed (service execute-api) for the API's URL,
 * sent to `fetchBase` (locally the dashboard server's same-origin proxy, which forwards it unchanged to the
 * API with the signed host; in AWS the API itself, CORS). Responses parsed with zod (schemas.ts).
 */
import { Sha256 } from '@aws-crypto/sha256-browser';
import { SignatureV4 } from '@smithy/signature-v4';
import type * as z from 'zod';
import { ApiErrorBody, DashboardConfig } from './schemas';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let config: DashboardConfig | undefined;

export async function loadConfig(url = 'config.json'): Promise<DashboardConfig> {
  const res = await fetch(url); // served with Cache-Control: no-store
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  config = DashboardConfig.parse(await res.json());
  return config;
}

export function currentConfig(): DashboardConfig {
  if (config === undefined) throw new Error('config not loaded');
  return config;
}

/** Query string from the set values only (empty strings dropped), in a stable order. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params).sort(([a], [b]) => a.localeCompare(b))) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

async function signedRequest(method: string, pathAndQuery: string, body?: string, extra: Record<string, string> = {}): Promise<Response> {
  const cfg = currentConfig();
  const api = new URL(cfg.apiUrl);
  const target = new URL(api.pathname.replace(/\/$/, '') + pathAndQuery, api.origin);
  let headers: Record<string, string> = { host: target.host, ...extra };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cfg.opsApiKey !== undefined) headers['x-api-key'] = cfg.opsApiKey;
  if (cfg.credentials !== undefined) {
    const signer = new SignatureV4({ service: 'execute-api', region: cfg.region, credentials: cfg.credentials, sha256: Sha256 });
    const query: Record<string, string> = {};
    target.searchParams.forEach((v, k) => (query[k] = v));
    const signed = await signer.sign({
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port === '' ? {} : { port: Number(target.port) }),
      path: target.pathname,
      query,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    headers = { ...signed.headers };
  }
  delete headers['host']; // the browser sets it (the local proxy restores the signed one)
  const base = (cfg.fetchBase ?? cfg.apiUrl).replace(/\/$/, '');
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  return fetch(base + pathAndQuery, init);
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  let code = `HTTP_${res.status}`;
  let message = text.slice(0, 300) || res.statusText;
  try {
    const parsed = ApiErrorBody.safeParse(JSON.parse(text));
    if (parsed.success) {
      code = parsed.data.code ?? code;
      message = parsed.data.message ?? parsed.data.error ?? message;
    }
  } catch {
    // not JSON: the text itself
  }
  return new ApiError(res.status, code, message);
}

export async function getJson<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  const res = await signedRequest('GET', path);
  if (!res.ok) throw await failure(res);
  return schema.parse(await res.json());
}

/** What an action's body may hold (JSON). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** POST an operator action; a new Idempotency-Key per click (a retried click repeats nothing). Unset and empty top-level fields are left out. */
export async function postAction(path: string, body: Readonly<Record<string, JsonValue | undefined>> = {}): Promise<unknown> {
  const clean = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== ''));
  const res = await signedRequest('POST', path, JSON.stringify(clean), { 'idempotency-key': crypto.randomUUID() });
  if (!res.ok) throw await failure(res);
  return res.status === 204 ? {} : res.json();
}

/** A document (packing slip PDF, purchase order CSV): fetched signed, opened as a blob URL in a new tab. */
export async function openDocument(href: string): Promise<string> {
  const cfg = currentConfig();
  const api = new URL(cfg.apiUrl);
  // href is an API path (/ops/orders/{id}/documents/{documentId}) or an absolute URL of the API.
  const path = href.startsWith('http') ? new URL(href).pathname.slice(api.pathname.replace(/\/$/, '').length) + new URL(href).search : href;
  const res = await signedRequest('GET', path);
  if (!res.ok) throw await failure(res);
  const blob = await res.blob();
  return URL.createObjectURL(blob);
}

/**
 * Local API Gateway (REST API, v1 proxy integration) on a localhost port, serving the template's routes.
 *
 * What it does as API Gateway does:
 * - route matching on the template's resources (static segments beat `{param}`, which beats `{proxy+}`);
 *   unknown path or method -> 403 `{"message":"Missing Authentication Token"}`;
 * - API keys: a method with ApiKeyRequired needs `x-api-key` matching an enabled key that is in a usage
 *   plan attached to this API's stage, else 403 `{"message":"Forbidden"}`;
 * - payloads over 10 MB -> 413; a Lambda error, timeout or malformed proxy response -> 502
 *   `{"message":"Internal server error"}`; no answer within 29 s -> 504;
 * - the handler receives an APIGatewayProxyEvent (headers + multiValueHeaders, path and query parameters,
 *   body as text or base64 for the API's binary media types, requestContext with requestId, stage,
 *   resourcePath, httpMethod, identity.sourceIp / apiKey / apiKeyId);
 * - paths may carry the stage prefix (`/dev/orders`) like the deployed URL, or not (`/orders`).
 * - IAM authorization (AuthorizationType AWS_IAM, the ops API): a SigV4 signature made with the local
 *   operator's credentials (`gateway.operator`, written to endpoints.json `ops.credentials`), else 403
 *   (MISSING_AUTHENTICATION_TOKEN / INVALID_SIGNATURE through the API's gateway responses); the caller
 *   appears in requestContext.identity (userArn, caller, accessKey) as an assumed role does in AWS (iam.ts).
 * Not emulated: usage plan throttling and quotas, authorizers other than NONE and AWS_IAM, request validators.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { RestApiSpec, RouteSpec, UsagePlanSpec } from '../../template/apis';
import type { InvokeResult } from '../lambda/lambda';
import { isErrno, PortInUseError } from '../../runtime/ports';
import { newLocalOperator, verifyIamRequest, type LocalOperator } from './iam';
import { proxyEvent, type IamIdentity } from './proxy-event';
import { parseProxyResult, renderGatewayError } from './responses';
import { createRouter, type Match } from './router';

export { createRouter } from './router';
export { newLocalOperator, type LocalOperator } from './iam';
export { parseProxyResult, renderGatewayError, type GatewayErrorContext } from './responses';

/** API Gateway's maximum payload size. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** API Gateway's maximum integration timeout for REST APIs. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

export interface LocalApiKey {
  readonly logicalId: string;
  readonly id: string;
  readonly value: string;
  readonly enabled: boolean;
}

export interface AccessLogEntry {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly route?: RouteSpec;
  /** Why the gateway answered itself (no route, bad key, Lambda error, ...). */
  readonly note?: string;
}

export interface GatewayConfig {
  readonly apis: readonly RestApiSpec[];
  readonly apiKeys: readonly LocalApiKey[];
  readonly usagePlans: readonly UsagePlanSpec[];
  readonly invoke: (functionLogicalId: string, event: APIGatewayProxyEvent) => Promise<InvokeResult>;
  readonly onRequest?: (entry: AccessLogEntry) => void;
  readonly maxPayloadBytes?: number;
  readonly integrationTimeoutMs?: number;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  /** The local operator's credentials: SigV4 with them passes the IAM-authorized routes (the ops API). */
  readonly operator: LocalOperator;
  /** Start serving the routes (until then every request gets 503). */
  serve(config: GatewayConfig): void;
  stop(): Promise<void>;
}


/** What serve() set: the routes, the keys by value, the usage plans' keys by `<api> <stage>`. */
interface Served {
  readonly config: GatewayConfig;
  readonly router: (p: string) => Match | undefined;
  readonly keysByValue: ReadonlyMap<string, LocalApiKey>;
  readonly plansByApiStage: ReadonlyMap<string, ReadonlySet<string>>;
}

function served(config: GatewayConfig): Served {
  const plansByApiStage = new Map<string, Set<string>>();
  for (const plan of config.usagePlans) {
    for (const stage of plan.apiStages) {
      const k = `${stage.apiLogicalId} ${stage.stageName}`;
      const set = plansByApiStage.get(k) ?? new Set<string>();
      for (const id of plan.apiKeyLogicalIds) set.add(id);
      plansByApiStage.set(k, set);
    }
  }
  return { config, router: createRouter(config.apis), keysByValue: new Map(config.apiKeys.map((k) => [k.value, k])), plansByApiStage };
}

/** One request and its answer (with the access log entry). */
class Exchange {
  readonly started = performance.now();
  readonly requestId = randomUUID();
  readonly method: string;
  readonly url: URL;
  readonly sourceIp: string;
  readonly baseHeaders: Record<string, string>;

  constructor(
    readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly served: () => Served | undefined,
  ) {
    this.method = (req.method ?? 'GET').toUpperCase();
    this.url = new URL(req.url ?? '/', 'http://localhost');
    this.sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    this.baseHeaders = {
      'x-amzn-RequestId': this.requestId,
      'x-amz-apigw-id': this.requestId.slice(0, 16),
      'X-Amzn-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${this.requestId.replaceAll('-', '').slice(0, 24)}`,
    };
  }

  finish(status: number, headers: Record<string, string | string[]>, body: Buffer | string, route?: RouteSpec, note?: string): void {
    this.res.writeHead(status, { ...this.baseHeaders, ...headers });
    this.res.end(body);
    this.served()?.config.onRequest?.({
      requestId: this.requestId,
      method: this.method,
      path: this.url.pathname,
      status,
      durationMs: performance.now() - this.started,
      ...(route === undefined ? {} : { route }),
      ...(note === undefined ? {} : { note }),
    });
  }

  gatewayError(type: string, message: string, api?: RestApiSpec, route?: RouteSpec, note?: string): void {
    const rendered = renderGatewayError(api?.gatewayResponses ?? this.served()?.config.apis[0]?.gatewayResponses ?? [], type, message, {
      requestId: this.requestId,
      httpMethod: this.method,
      path: this.url.pathname,
      sourceIp: this.sourceIp,
      ...(api === undefined ? {} : { stage: api.stageName, apiId: api.apiId }),
      ...(route === undefined ? {} : { resourcePath: route.path }),
    });
    this.finish(rendered.status, rendered.headers, rendered.body, route, note ?? rendered.responseType);
  }
}

/** The body up to the payload limit; beyond it keep draining so the client sees the 413 (undefined: the socket was cut). */
function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean } | undefined> {
  // 'data' events rather than an async iterator: no promise per chunk on the intake path.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? '0') > limit;
    req.on('data', (buf: Buffer) => {
      size += buf.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(buf);
      if (size > limit * 5) {
        req.destroy();
        resolve(undefined);
      }
    });
    req.on('end', () => resolve({ body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), tooLarge }));
    req.on('error', reject);
    req.on('close', () => resolve(undefined)); // no-op after 'end' (a promise settles once)
  });
}

/** The API key, as API Gateway checks it: known, enabled, and in a usage plan of this API stage. */
function apiKeyOf(s: Served, api: RestApiSpec, req: http.IncomingMessage): { keyValue: string | undefined; key: LocalApiKey | undefined; allowed: boolean } {
  const rawKey = req.headers['x-api-key'];
  const keyValue = Array.isArray(rawKey) ? rawKey[0] : rawKey;
  const key = keyValue === undefined ? undefined : s.keysByValue.get(keyValue);
  const allowed = key !== undefined && key.enabled && (s.plansByApiStage.get(`${api.logicalId} ${api.stageName}`)?.has(key.logicalId) ?? false);
  return { keyValue, key, allowed };
}

/** The Lambda proxy integration: invoke within the integration timeout, answer its proxy result. */
async function integrate(x: Exchange, config: GatewayConfig, api: RestApiSpec, route: RouteSpec, functionLogicalId: string, event: APIGatewayProxyEvent): Promise<void> {
  const timeoutMs = config.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([config.invoke(functionLogicalId, event), timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    x.gatewayError('INTEGRATION_TIMEOUT', 'Endpoint request timed out', api, route, `no answer within ${timeoutMs} ms`);
    return;
  }
  if (!result.ok) {
    x.gatewayError('LAMBDA_ERROR', 'Internal server error', api, route, `${result.error.errorType}: ${result.error.errorMessage}`);
    return;
  }
  const proxy = parseProxyResult(result.value);
  if (proxy === undefined) {
    x.gatewayError('LAMBDA_ERROR', 'Internal server error', api, route, 'Malformed Lambda proxy response');
    return;
  }
  if (!Object.keys(proxy.headers).some((h) => h.toLowerCase() === 'content-type')) proxy.headers['Content-Type'] = ['application/json'];
  x.finish(proxy.statusCode, proxy.headers, proxy.body, route);
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, current: () => Served | undefined, operator: LocalOperator): Promise<void> {
  const x = new Exchange(req, res, current);
  const limit = current()?.config.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  const read = await readBody(req, limit);
  if (read === undefined) return;
  const s = current();
  if (s === undefined) return x.gatewayError('STARTING', 'Local runtime is starting, try again in a few seconds');
  if (read.tooLarge) return x.gatewayError('REQUEST_TOO_LARGE', 'Request Too Long', s.config.apis[0], undefined, `payload over ${limit} bytes`);
  const match = s.router(x.url.pathname);
  const compiled = match?.routes.find((r) => r.route.method === x.method) ?? match?.routes.find((r) => r.route.method === 'ANY');
  if (match === undefined || compiled === undefined) return x.gatewayError('MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token', match?.api, undefined, 'no such route');
  const { api, route } = compiled;
  const { keyValue, key, allowed } = apiKeyOf(s, api, req);
  if (route.apiKeyRequired && !allowed) return x.gatewayError('INVALID_API_KEY', 'Forbidden', api, route, keyValue === undefined ? 'missing x-api-key' : 'invalid x-api-key');
  let iam: IamIdentity | undefined;
  if (route.authorizationType === 'AWS_IAM') {
    const check = await verifyIamRequest(req, x.url, read.body, [operator], new Date());
    if (!check.ok) return x.gatewayError(check.type, check.message, api, route, `IAM: ${check.message}`);
    iam = { userArn: check.operator.identity, caller: check.operator.caller, accessKey: check.operator.accessKeyId };
  }
  const missing = [...route.requiredHeaders.filter((h) => req.headers[h.toLowerCase()] === undefined), ...route.requiredQueryStrings.filter((q) => !x.url.searchParams.has(q))];
  if (missing.length > 0) return x.gatewayError('BAD_REQUEST_PARAMETERS', `Missing required request parameters: [${missing.join(', ')}]`, api, route);
  const integration = route.integration;
  if (integration.type === 'MOCK') return x.finish(integration.statusCode, { 'content-type': 'application/json', ...integration.headers }, integration.body, route);
  if (integration.type === 'UNSUPPORTED') return x.gatewayError('UNSUPPORTED_INTEGRATION', 'Internal server error', api, route, integration.description);
  const request = { req, url: x.url, method: x.method, requestId: x.requestId, extendedRequestId: x.baseHeaders['x-amz-apigw-id'] as string, sourceIp: x.sourceIp, body: read.body };
  const shownKey = route.apiKeyRequired || allowed ? { value: keyValue, id: key?.id } : undefined;
  await integrate(x, s.config, api, route, integration.functionLogicalId, proxyEvent(request, api, route, match, shownKey, iam));
}

export async function listenGateway(opts: { port: number; host?: string }): Promise<Gateway> {
  const host = opts.host ?? '127.0.0.1';
  let current: Served | undefined;
  const operator = newLocalOperator();
  const server = http.createServer((req, res) => {
    void handle(req, res, () => current, operator).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal server error' }));
      }
      console.error('local gateway failure:', error);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(
        isErrno(error, 'EADDRINUSE')
          ? new PortInUseError(opts.port, 'local API', 'Stop the other program or choose another port: npm start -- --port 3001 (or PORT=3001).')
          : error,
      );
    });
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    operator,
    serve(next) {
      current = served(next);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

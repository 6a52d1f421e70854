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
 * Not emulated: usage plan throttling and quotas, authorizers other than NONE, request validators.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT } from '../../template/resolve';
import type { GatewayResponseSpec, RestApiSpec, RouteSpec, UsagePlanSpec } from '../../template/apis';
import type { InvokeResult } from '../lambda/lambda';
import { isErrno, PortInUseError } from '../../runtime/ports';

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
  /** Start serving the routes (until then every request gets 503). */
  serve(config: GatewayConfig): void;
  stop(): Promise<void>;
}

interface CompiledRoute {
  readonly api: RestApiSpec;
  readonly route: RouteSpec;
  readonly segments: readonly string[];
}

interface Match {
  readonly api: RestApiSpec;
  readonly resourcePath: string;
  /** The request path without a stage prefix. */
  readonly path: string;
  readonly pathParameters: Record<string, string>;
  readonly routes: readonly CompiledRoute[];
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '');
}

function segmentRank(segment: string): number {
  if (/^\{[^}]+\+\}$/.test(segment)) return 2;
  if (/^\{[^}]+\}$/.test(segment)) return 1;
  return 0;
}

/** Match `segments` against a resource path; returns its path parameters or undefined. */
function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const rank = segmentRank(p);
    if (rank === 2) {
      if (i >= segments.length) return undefined;
      params[p.slice(1, -2)] = segments.slice(i).join('/');
      return params;
    }
    const s = segments[i];
    if (s === undefined) return undefined;
    if (rank === 1) params[p.slice(1, -1)] = s;
    else if (p !== s) return undefined;
  }
  return pattern.length === segments.length ? params : undefined;
}

function compareSpecificity(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ra = a[i] === undefined ? 3 : segmentRank(a[i] as string);
    const rb = b[i] === undefined ? 3 : segmentRank(b[i] as string);
    if (ra !== rb) return ra - rb;
  }
  return 0;
}

export function createRouter(apis: readonly RestApiSpec[]): (rawPath: string) => Match | undefined {
  const byResource = new Map<string, CompiledRoute[]>();
  for (const api of apis) {
    for (const route of api.routes) {
      const key = `${api.logicalId} ${route.path}`;
      const list = byResource.get(key) ?? [];
      list.push({ api, route, segments: splitPath(route.path) });
      byResource.set(key, list);
    }
  }
  const resources = [...byResource.values()].sort((a, b) => compareSpecificity((a[0] as CompiledRoute).segments, (b[0] as CompiledRoute).segments));
  const stageNames = new Set(apis.map((a) => a.stageName));
  const find = (segments: readonly string[], path: string): Match | undefined => {
    for (const routes of resources) {
      const first = routes[0] as CompiledRoute;
      const params = matchSegments(first.segments, segments);
      if (params !== undefined) return { api: first.api, resourcePath: first.route.path, path, pathParameters: params, routes };
    }
    return undefined;
  };
  return (rawPath) => {
    const rawSegments = splitPath(rawPath);
    const segments = rawSegments.map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
    const direct = find(segments, `/${rawSegments.join('/')}`);
    if (direct !== undefined) return direct;
    if (segments.length > 0 && stageNames.has(segments[0] as string)) {
      const staged = find(segments.slice(1), `/${rawSegments.slice(1).join('/')}`);
      if (staged !== undefined && staged.api.stageName === segments[0]) return staged;
    }
    return undefined;
  };
}

function mediaTypeMatches(contentType: string | undefined, patterns: readonly string[]): boolean {
  if (contentType === undefined || patterns.length === 0) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return patterns.some((p) => {
    const pattern = p.replaceAll('~1', '/').toLowerCase();
    if (pattern === '*/*') return true;
    if (pattern.endsWith('/*')) return type.startsWith(pattern.slice(0, -1));
    return pattern === type;
  });
}

function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

interface ProxyResult {
  statusCode: number;
  headers: Record<string, string[]>;
  body: Buffer;
}

/** Validate a Lambda proxy response the way API Gateway does; undefined = malformed. */
export function parseProxyResult(value: unknown): ProxyResult | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const allowed = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded', 'cookies']);
  if (Object.keys(r).some((k) => !allowed.has(k))) return undefined;
  const status = typeof r['statusCode'] === 'string' ? Number(r['statusCode']) : r['statusCode'];
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  if (r['body'] !== undefined && r['body'] !== null && typeof r['body'] !== 'string') return undefined;
  const headers: Record<string, string[]> = {};
  const lower = new Set<string>();
  const multi = r['multiValueHeaders'];
  if (multi !== undefined && multi !== null) {
    if (typeof multi !== 'object' || Array.isArray(multi)) return undefined;
    for (const [k, v] of Object.entries(multi)) {
      if (!Array.isArray(v)) return undefined;
      headers[k] = v.map(String);
      lower.add(k.toLowerCase());
    }
  }
  const single = r['headers'];
  if (single !== undefined && single !== null) {
    if (typeof single !== 'object' || Array.isArray(single)) return undefined;
    for (const [k, v] of Object.entries(single)) {
      if (typeof v === 'object' && v !== null) return undefined;
      if (!lower.has(k.toLowerCase())) headers[k] = [String(v)];
    }
  }
  const text = typeof r['body'] === 'string' ? r['body'] : '';
  const body = r['isBase64Encoded'] === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { statusCode: status, headers, body };
}

/** API Gateway's own error responses: default status and message per response type. */
const RESPONSE_TYPES: Readonly<Record<string, { status: number; message: string }>> = {
  MISSING_AUTHENTICATION_TOKEN: { status: 403, message: 'Missing Authentication Token' },
  INVALID_API_KEY: { status: 403, message: 'Forbidden' },
  REQUEST_TOO_LARGE: { status: 413, message: 'Request Too Long' },
  BAD_REQUEST_PARAMETERS: { status: 400, message: 'Missing required request parameters' },
  INTEGRATION_TIMEOUT: { status: 504, message: 'Endpoint request timed out' },
  LAMBDA_ERROR: { status: 502, message: 'Internal server error' },
  UNSUPPORTED_INTEGRATION: { status: 500, message: 'Internal server error' },
  STARTING: { status: 503, message: 'Local runtime is starting, try again in a few seconds' },
};

export interface GatewayErrorContext {
  readonly requestId: string;
  readonly stage?: string;
  readonly resourcePath?: string;
  readonly httpMethod: string;
  readonly path: string;
  readonly sourceIp: string;
  readonly apiId?: string;
}

/**
 * Render one of API Gateway's own errors through the API's GatewayResponses (the specific type, else
 * DEFAULT_4XX / DEFAULT_5XX), substituting the $context variables API Gateway offers in templates.
 */
export function renderGatewayError(
  responses: readonly GatewayResponseSpec[],
  type: string,
  message: string,
  ctx: GatewayErrorContext,
): { status: number; headers: Record<string, string>; body: string; responseType: string } {
  const defaults = RESPONSE_TYPES[type] ?? { status: 500, message };
  // Lambda errors and unsupported integrations have no own type: they use DEFAULT_5XX.
  const publicType = type === 'LAMBDA_ERROR' || type === 'UNSUPPORTED_INTEGRATION' || type === 'STARTING' ? 'DEFAULT_5XX' : type;
  const specific = type === 'STARTING' ? undefined : responses.find((r) => r.responseType === publicType);
  const fallback = responses.find((r) => r.responseType === (defaults.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'));
  const chosen = specific ?? (type === 'STARTING' ? undefined : fallback);
  const status = specific?.statusCode ?? defaults.status;
  const vars: Record<string, string> = {
    'context.error.message': message,
    'context.error.messageString': JSON.stringify(message),
    'context.error.responseType': publicType,
    'context.error.validationErrorString': '',
    'context.requestId': ctx.requestId,
    'context.extendedRequestId': ctx.requestId,
    'context.stage': ctx.stage ?? '',
    'context.resourcePath': ctx.resourcePath ?? '',
    'context.httpMethod': ctx.httpMethod,
    'context.path': ctx.path,
    'context.apiId': ctx.apiId ?? '',
    'context.identity.sourceIp': ctx.sourceIp,
    'context.accountId': LOCAL_ACCOUNT,
  };
  const body =
    chosen?.template === undefined
      ? JSON.stringify({ message })
      : chosen.template.replace(/\$(?:\{([a-zA-Z.]+)\}|([a-zA-Z][a-zA-Z.]*[a-zA-Z]))/g, (_m, a: string | undefined, b: string | undefined) => vars[a ?? b ?? ''] ?? '');
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': errorTypeHeader(publicType, status), ...(chosen?.headers ?? {}) },
    body,
    responseType: publicType,
  };
}

function errorTypeHeader(type: string, status: number): string {
  switch (type) {
    case 'MISSING_AUTHENTICATION_TOKEN':
      return 'MissingAuthenticationTokenException';
    case 'INVALID_API_KEY':
      return 'ForbiddenException';
    case 'REQUEST_TOO_LARGE':
      return 'RequestTooLongException';
    case 'BAD_REQUEST_PARAMETERS':
      return 'BadRequestException';
    case 'INTEGRATION_TIMEOUT':
      return 'IntegrationTimeoutException';
    default:
      return status === 503 ? 'ServiceUnavailableException' : 'InternalServerErrorException';
  }
}

export async function listenGateway(opts: { port: number; host?: string }): Promise<Gateway> {
  const host = opts.host ?? '127.0.0.1';
  let config: GatewayConfig | undefined;
  let router: ((p: string) => Match | undefined) | undefined;
  let keysByValue = new Map<string, LocalApiKey>();
  let plansByApiStage = new Map<string, Set<string>>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal server error' }));
      }
      console.error('local gateway failure:', error);
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const baseHeaders: Record<string, string> = {
      'x-amzn-RequestId': requestId,
      'x-amz-apigw-id': requestId.slice(0, 16),
      'X-Amzn-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${requestId.replaceAll('-', '').slice(0, 24)}`,
    };
    const finish = (status: number, headers: Record<string, string | string[]>, body: Buffer | string, route?: RouteSpec, note?: string): void => {
      res.writeHead(status, { ...baseHeaders, ...headers });
      res.end(body);
      config?.onRequest?.({
        requestId,
        method,
        path: url.pathname,
        status,
        durationMs: performance.now() - started,
        ...(route === undefined ? {} : { route }),
        ...(note === undefined ? {} : { note }),
      });
    };
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const gatewayError = (type: string, message: string, api?: RestApiSpec, route?: RouteSpec, note?: string): void => {
      const rendered = renderGatewayError(api?.gatewayResponses ?? config?.apis[0]?.gatewayResponses ?? [], type, message, {
        requestId,
        httpMethod: method,
        path: url.pathname,
        sourceIp,
        ...(api === undefined ? {} : { stage: api.stageName, apiId: api.apiId }),
        ...(route === undefined ? {} : { resourcePath: route.path }),
      });
      finish(rendered.status, rendered.headers, rendered.body, route, note ?? rendered.responseType);
    };

    // Read the body (up to the payload limit; beyond it keep draining so the client sees the 413).
    const limit = config?.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? '0') > limit;
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(buf);
      if (size > limit * 5) {
        req.destroy();
        return;
      }
    }
    if (config === undefined || router === undefined) {
      gatewayError('STARTING', 'Local runtime is starting, try again in a few seconds');
      return;
    }
    if (tooLarge) {
      gatewayError('REQUEST_TOO_LARGE', 'Request Too Long', config.apis[0], undefined, `payload over ${limit} bytes`);
      return;
    }

    const match = router(url.pathname);
    const compiled = match?.routes.find((r) => r.route.method === method) ?? match?.routes.find((r) => r.route.method === 'ANY');
    if (match === undefined || compiled === undefined) {
      gatewayError('MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token', match?.api, undefined, 'no such route');
      return;
    }
    const { api, route } = compiled;

    // API key, as API Gateway checks it: known, enabled, and in a usage plan of this API stage.
    const rawKey = req.headers['x-api-key'];
    const keyValue = Array.isArray(rawKey) ? rawKey[0] : rawKey;
    const key = keyValue === undefined ? undefined : keysByValue.get(keyValue);
    const keyAllowed = key !== undefined && key.enabled && (plansByApiStage.get(`${api.logicalId} ${api.stageName}`)?.has(key.logicalId) ?? false);
    if (route.apiKeyRequired && !keyAllowed) {
      gatewayError('INVALID_API_KEY', 'Forbidden', api, route, keyValue === undefined ? 'missing x-api-key' : 'invalid x-api-key');
      return;
    }
    const missing = [
      ...route.requiredHeaders.filter((h) => req.headers[h.toLowerCase()] === undefined),
      ...route.requiredQueryStrings.filter((q) => !url.searchParams.has(q)),
    ];
    if (missing.length > 0) {
      gatewayError('BAD_REQUEST_PARAMETERS', `Missing required request parameters: [${missing.join(', ')}]`, api, route);
      return;
    }

    if (route.integration.type === 'MOCK') {
      finish(route.integration.statusCode, { 'content-type': 'application/json', ...route.integration.headers }, route.integration.body, route);
      return;
    }
    if (route.integration.type === 'UNSUPPORTED') {
      gatewayError('UNSUPPORTED_INTEGRATION', 'Internal server error', api, route, route.integration.description);
      return;
    }

    // The APIGatewayProxyEvent.
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      const value = req.rawHeaders[i + 1] as string;
      const existing = Object.keys(multiValueHeaders).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
      multiValueHeaders[existing] = [...(multiValueHeaders[existing] ?? []), value];
      headers[existing] = value;
    }
    const forwarded = { 'X-Forwarded-For': sourceIp, 'X-Forwarded-Port': String(req.socket.localPort ?? ''), 'X-Forwarded-Proto': 'http' };
    for (const [k, v] of Object.entries(forwarded)) {
      if (Object.keys(headers).some((h) => h.toLowerCase() === k.toLowerCase())) continue;
      headers[k] = v;
      multiValueHeaders[k] = [v];
    }
    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) {
      query[k] = v;
      multiQuery[k] = [...(multiQuery[k] ?? []), v];
    }
    const raw = Buffer.concat(chunks);
    const contentType = req.headers['content-type'];
    const binary = mediaTypeMatches(contentType, api.binaryMediaTypes);
    const now = new Date();
    const hasParams = Object.keys(match.pathParameters).length > 0;
    const event: APIGatewayProxyEvent = {
      resource: route.path,
      path: match.path,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
      pathParameters: hasParams ? match.pathParameters : null,
      stageVariables: null,
      body: raw.length === 0 ? null : binary ? raw.toString('base64') : raw.toString('utf8'),
      isBase64Encoded: binary && raw.length > 0,
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        apiId: api.apiId,
        authorizer: null,
        domainName: req.headers.host ?? 'localhost',
        domainPrefix: (req.headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
        extendedRequestId: baseHeaders['x-amz-apigw-id'] as string,
        httpMethod: method,
        path: `/${api.stageName}${match.path}`,
        protocol: `HTTP/${req.httpVersion}`,
        requestId,
        requestTime: requestTime(now),
        requestTimeEpoch: now.getTime(),
        resourceId: route.resourceLogicalId,
        resourcePath: route.path,
        stage: api.stageName,
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: route.apiKeyRequired || keyAllowed ? (keyValue ?? null) : null,
          apiKeyId: route.apiKeyRequired || keyAllowed ? (key?.id ?? null) : null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp,
          user: null,
          userAgent: req.headers['user-agent'] ?? null,
          userArn: null,
        },
      },
    };

    const timeoutMs = config.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([config.invoke(route.integration.functionLogicalId, event), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      gatewayError('INTEGRATION_TIMEOUT', 'Endpoint request timed out', api, route, `no answer within ${timeoutMs} ms`);
      return;
    }
    if (!result.ok) {
      gatewayError('LAMBDA_ERROR', 'Internal server error', api, route, `${result.error.errorType}: ${result.error.errorMessage}`);
      return;
    }
    const proxy = parseProxyResult(result.value);
    if (proxy === undefined) {
      gatewayError('LAMBDA_ERROR', 'Internal server error', api, route, 'Malformed Lambda proxy response');
      return;
    }
    if (!Object.keys(proxy.headers).some((h) => h.toLowerCase() === 'content-type')) proxy.headers['Content-Type'] = ['application/json'];
    finish(proxy.statusCode, proxy.headers, proxy.body, route);
  }

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
    serve(next) {
      config = next;
      router = createRouter(next.apis);
      keysByValue = new Map(next.apiKeys.map((k) => [k.value, k]));
      plansByApiStage = new Map();
      for (const plan of next.usagePlans) {
        for (const stage of plan.apiStages) {
          const k = `${stage.apiLogicalId} ${stage.stageName}`;
          const set = plansByApiStage.get(k) ?? new Set<string>();
          for (const id of plan.apiKeyLogicalIds) set.add(id);
          plansByApiStage.set(k, set);
        }
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

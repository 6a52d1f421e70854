/**
 * What the local API Gateway answers: the Lambda proxy result read as API Gateway reads it, and its own
 * errors rendered through the API's gateway responses (status, headers, `$context` mapping template).
 */
import type { GatewayResponseSpec } from '../../template/apis';
import { LOCAL_ACCOUNT } from '../../template/local-ids';

export function mediaTypeMatches(contentType: string | undefined, patterns: readonly string[]): boolean {
  if (contentType === undefined || patterns.length === 0) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return patterns.some((p) => {
    const pattern = p.replaceAll('~1', '/').toLowerCase();
    if (pattern === '*/*') return true;
    if (pattern.endsWith('/*')) return type.startsWith(pattern.slice(0, -1));
    return pattern === type;
  });
}

export function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

export interface ProxyResult {
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
  INVALID_SIGNATURE: { status: 403, message: 'The request signature we calculated does not match the signature you provided.' },
  ACCESS_DENIED: { status: 403, message: 'User is not authorized to access this resource' },
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
    case 'INVALID_SIGNATURE':
      return 'InvalidSignatureException';
    case 'ACCESS_DENIED':
      return 'AccessDeniedException';
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

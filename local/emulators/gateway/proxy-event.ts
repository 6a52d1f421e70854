/**
 * The APIGatewayProxyEvent the local API Gateway hands a Lambda proxy integration: headers and
 * multiValueHeaders (plus X-Forwarded-*), path and query parameters, body as text or base64 for the API's
 * binary media types, requestContext with requestId, stage, resourcePath, httpMethod and identity.
 */
import type http from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { RestApiSpec, RouteSpec } from '../../template/apis';
import { LOCAL_ACCOUNT } from '../../template/local-ids';
import { mediaTypeMatches, requestTime } from './responses';
import type { Match } from './router';

export interface ProxyRequest {
  readonly req: http.IncomingMessage;
  readonly url: URL;
  readonly method: string;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly sourceIp: string;
  readonly body: Buffer;
}

function headersOf(req: http.IncomingMessage, sourceIp: string): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  // Lower-cased name -> the casing seen first (a repeated header keeps it): one pass, no scan per header.
  const names = new Map<string, string>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    const lower = name.toLowerCase();
    const existing = names.get(lower);
    if (existing === undefined) {
      names.set(lower, name);
      multiValueHeaders[name] = [value];
      headers[name] = value;
    } else {
      (multiValueHeaders[existing] as string[]).push(value);
      headers[existing] = value;
    }
  }
  const forwarded = { 'X-Forwarded-For': sourceIp, 'X-Forwarded-Port': String(req.socket.localPort ?? ''), 'X-Forwarded-Proto': 'http' };
  for (const [k, v] of Object.entries(forwarded)) {
    if (names.has(k.toLowerCase())) continue;
    headers[k] = v;
    multiValueHeaders[k] = [v];
  }
  return { headers, multiValueHeaders };
}

function queryOf(url: URL): { query: Record<string, string>; multiQuery: Record<string, string[]> } {
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  return { query, multiQuery };
}

/** The IAM caller of a SigV4-signed request (AuthorizationType AWS_IAM), as API Gateway shows it. */
export interface IamIdentity {
  readonly userArn: string;
  readonly caller: string;
  readonly accessKey: string;
}

function identityOf(
  r: ProxyRequest,
  apiKey: { readonly value: string | undefined; readonly id: string | undefined } | undefined,
  iam: IamIdentity | undefined,
): APIGatewayProxyEvent['requestContext']['identity'] {
  return {
    accessKey: iam?.accessKey ?? null,
    accountId: iam === undefined ? null : LOCAL_ACCOUNT,
    apiKey: apiKey === undefined ? null : (apiKey.value ?? null),
    apiKeyId: apiKey === undefined ? null : (apiKey.id ?? null),
    caller: iam?.caller ?? null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: r.sourceIp,
    user: iam?.caller ?? null,
    userAgent: r.req.headers['user-agent'] ?? null,
    userArn: iam?.userArn ?? null,
  };
}

/** `apiKey`: the key to show in the identity (undefined: none shown). */
export function proxyEvent(
  r: ProxyRequest,
  api: RestApiSpec,
  route: RouteSpec,
  match: Match,
  apiKey: { value: string | undefined; id: string | undefined } | undefined,
  iam?: IamIdentity,
): APIGatewayProxyEvent {
  const { headers, multiValueHeaders } = headersOf(r.req, r.sourceIp);
  const { query, multiQuery } = queryOf(r.url);
  const binary = mediaTypeMatches(r.req.headers['content-type'], api.binaryMediaTypes);
  const now = new Date();
  const host = r.req.headers.host ?? 'localhost';
  return {
    resource: route.path,
    path: match.path,
    httpMethod: r.method,
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
    pathParameters: Object.keys(match.pathParameters).length > 0 ? match.pathParameters : null,
    stageVariables: null,
    body: r.body.length === 0 ? null : binary ? r.body.toString('base64') : r.body.toString('utf8'),
    isBase64Encoded: binary && r.body.length > 0,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: api.apiId,
      authorizer: null,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? 'localhost',
      extendedRequestId: r.extendedRequestId,
      httpMethod: r.method,
      path: `/${api.stageName}${match.path}`,
      protocol: `HTTP/${r.req.httpVersion}`,
      requestId: r.requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: route.resourceLogicalId,
      resourcePath: route.path,
      stage: api.stageName,
      identity: identityOf(r, apiKey, iam),
    },
  };
}

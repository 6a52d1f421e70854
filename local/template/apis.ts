/**
 * REST APIs of the template: routes (resources and methods), integrations, gateway responses, API keys
 * and usage plans.
 */
import { isRecord } from '../../functions/core/kernel/guards';
import { bool, list, num, props, resourcesOfType, targetOf, type CfnTemplate } from './cfn';
import type { FunctionSpec } from './functions';
import type { Resolver } from './resolve';

export type Integration =
  | { readonly type: 'LAMBDA_PROXY'; readonly functionLogicalId: string }
  | { readonly type: 'MOCK'; readonly statusCode: number; readonly headers: Readonly<Record<string, string>>; readonly body: string }
  | { readonly type: 'UNSUPPORTED'; readonly description: string };

export interface RouteSpec {
  readonly apiLogicalId: string;
  readonly methodLogicalId: string;
  readonly resourceLogicalId: string;
  /** Upper-case HTTP method, or ANY. */
  readonly method: string;
  /** Full resource path, e.g. `/orders/{orderId}`. */
  readonly path: string;
  /** Names of the path parameters, in order (`proxy` for `{proxy+}`). */
  readonly pathParams: readonly string[];
  readonly apiKeyRequired: boolean;
  readonly authorizationType: string;
  readonly integration: Integration;
  /** Required request parameters, checked when the method's RequestValidator validates parameters. */
  readonly requiredHeaders: readonly string[];
  readonly requiredQueryStrings: readonly string[];
}

/** An AWS::ApiGateway::GatewayResponse: how API Gateway words its own errors for this API. */
export interface GatewayResponseSpec {
  /** e.g. DEFAULT_4XX, DEFAULT_5XX, MISSING_AUTHENTICATION_TOKEN, INVALID_API_KEY, REQUEST_TOO_LARGE. */
  readonly responseType: string;
  readonly statusCode?: number;
  /** Response headers (static values only). */
  readonly headers: Readonly<Record<string, string>>;
  /** Mapping template for application/json, with $context variables. */
  readonly template?: string;
}

export interface RestApiSpec {
  readonly logicalId: string;
  readonly name: string;
  /** Local API id (what `Ref` of the RestApi resolves to). */
  readonly apiId: string;
  /** Deployed stage name (from AWS::ApiGateway::Stage or the Deployment). */
  readonly stageName: string;
  readonly binaryMediaTypes: readonly string[];
  readonly routes: readonly RouteSpec[];
  readonly gatewayResponses: readonly GatewayResponseSpec[];
}

export interface ApiKeySpec {
  readonly logicalId: string;
  readonly enabled: boolean;
  /** A value fixed in the template (rare; CDK lets API Gateway generate it). */
  readonly value?: string;
  readonly name?: string;
}

export interface UsagePlanSpec {
  readonly logicalId: string;
  readonly apiStages: readonly { readonly apiLogicalId: string; readonly stageName: string }[];
  readonly apiKeyLogicalIds: readonly string[];
  readonly throttle?: { readonly rateLimit?: number; readonly burstLimit?: number };
  readonly quota?: { readonly limit?: number; readonly period?: string };
}

/** Build each ApiGateway::Resource's full path by walking its ParentId chain. */
export function resourcePaths(template: CfnTemplate): Map<string, { apiLogicalId: string | undefined; path: string }> {
  const resources = new Map(resourcesOfType(template, 'AWS::ApiGateway::Resource'));
  const cache = new Map<string, { apiLogicalId: string | undefined; path: string }>();
  const visit = (id: string, seen: Set<string>): { apiLogicalId: string | undefined; path: string } => {
    const cached = cache.get(id);
    if (cached !== undefined) return cached;
    const resource = resources.get(id);
    if (resource === undefined) throw new Error(`ApiGateway resource ${id} not found`);
    if (seen.has(id)) throw new Error(`ApiGateway resource ${id} has a cyclic ParentId chain`);
    seen.add(id);
    const p = props(resource);
    const part = p['PathPart'];
    if (typeof part !== 'string') throw new Error(`ApiGateway resource ${id} has no literal PathPart`);
    const parentId = p['ParentId'];
    const parent = targetOf(parentId);
    let result: { apiLogicalId: string | undefined; path: string };
    const att = isRecord(parentId) ? parentId['Fn::GetAtt'] : undefined;
    const isRoot = Array.isArray(att) && att[1] === 'RootResourceId';
    if (parent === undefined || isRoot) {
      result = { apiLogicalId: isRoot ? parent : targetOf(p['RestApiId']), path: `/${part}` };
    } else {
      const up = visit(parent, seen);
      result = { apiLogicalId: up.apiLogicalId, path: `${up.path}/${part}` };
    }
    cache.set(id, result);
    return result;
  };
  for (const id of resources.keys()) visit(id, new Set());
  return cache;
}

const LAMBDA_URI = /:function:([^/:]+)(?::[^/]+)?\/invocations$/;

function readIntegration(
  methodId: string,
  raw: unknown,
  resolver: Resolver,
  functionsByName: ReadonlyMap<string, string>,
): Integration {
  if (!isRecord(raw)) return { type: 'UNSUPPORTED', description: `method ${methodId} has no Integration` };
  const type = raw['Type'];
  if (type === 'AWS_PROXY') {
    const uri = resolver.resolveString(raw['Uri'], `method ${methodId} Integration.Uri`);
    const match = LAMBDA_URI.exec(uri);
    const fnName = match?.[1];
    const fnId = fnName === undefined ? undefined : functionsByName.get(fnName);
    if (fnId === undefined) {
      return { type: 'UNSUPPORTED', description: `method ${methodId}: integration ${uri} is not a function of this template` };
    }
    return { type: 'LAMBDA_PROXY', functionLogicalId: fnId };
  }
  if (type === 'MOCK') {
    const responses = list(raw['IntegrationResponses']).filter(isRecord);
    const first = responses[0];
    const headers: Record<string, string> = {};
    const params = first?.['ResponseParameters'];
    if (isRecord(params)) {
      for (const [key, value] of Object.entries(params)) {
        const header = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
        const resolved = resolver.resolve(value);
        if (header !== undefined && typeof resolved === 'string') headers[header] = resolved.replace(/^'(.*)'$/, '$1');
      }
    }
    const templates = first?.['ResponseTemplates'];
    const body = isRecord(templates) && typeof templates['application/json'] === 'string' ? templates['application/json'] : '';
    return { type: 'MOCK', statusCode: num(first?.['StatusCode'], 200), headers, body };
  }
  return { type: 'UNSUPPORTED', description: `method ${methodId}: integration type ${String(type)} is not emulated locally` };
}

function paramsOf(routePath: string): string[] {
  return [...routePath.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1] as string);
}

/** Each API's stage name (its Stage, else the Deployment's StageName). */
function stageNames(template: CfnTemplate): Map<string, string> {
  const stages = new Map<string, string>();
  for (const type of ['AWS::ApiGateway::Stage', 'AWS::ApiGateway::Deployment']) {
    for (const [, resource] of resourcesOfType(template, type)) {
      const api = targetOf(props(resource)['RestApiId']);
      const name = props(resource)['StageName'];
      if (api !== undefined && typeof name === 'string' && !stages.has(api)) stages.set(api, name);
    }
  }
  return stages;
}

function readGatewayResponse(id: string, p: Readonly<Record<string, unknown>>, resolver: Resolver): { api: string; response: GatewayResponseSpec } {
  const api = targetOf(p['RestApiId']);
  const type = p['ResponseType'];
  if (api === undefined || typeof type !== 'string') throw new Error(`GatewayResponse ${id} needs RestApiId and ResponseType`);
  const headers: Record<string, string> = {};
  const params = resolver.resolve(p['ResponseParameters']);
  if (isRecord(params)) {
    for (const [key, value] of Object.entries(params)) {
      const header = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
      if (header !== undefined && typeof value === 'string') headers[header] = value.replace(/^'(.*)'$/, '$1');
    }
  }
  const templates = resolver.resolve(p['ResponseTemplates']);
  const json = isRecord(templates) ? templates['application/json'] : undefined;
  const status = p['StatusCode'];
  return {
    api,
    response: { responseType: type, ...(status === undefined ? {} : { statusCode: num(status, 0) }), headers, ...(typeof json === 'string' ? { template: json } : {}) },
  };
}

/** Each API's gateway responses, in template order. */
function gatewayResponsesByApi(template: CfnTemplate, resolver: Resolver): Map<string, GatewayResponseSpec[]> {
  const out = new Map<string, GatewayResponseSpec[]>();
  for (const [id, resource] of resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse')) {
    const { api, response } = readGatewayResponse(id, props(resource), resolver);
    out.set(api, [...(out.get(api) ?? []), response]);
  }
  return out;
}

interface RouteContext {
  readonly paths: Map<string, { apiLogicalId: string | undefined; path: string }>;
  /** RequestValidator logical id -> ValidateRequestParameters. */
  readonly validators: ReadonlyMap<string, boolean>;
  readonly functionsByName: ReadonlyMap<string, string>;
  readonly resolver: Resolver;
}

function readRoute(methodId: string, p: Readonly<Record<string, unknown>>, ctx: RouteContext): RouteSpec {
  const resourceRef = p['ResourceId'];
  const resourceTarget = targetOf(resourceRef);
  const att = isRecord(resourceRef) ? resourceRef['Fn::GetAtt'] : undefined;
  const onRoot = Array.isArray(att) && att[1] === 'RootResourceId';
  const apiLogicalId = targetOf(p['RestApiId']) ?? (onRoot ? resourceTarget : undefined);
  if (apiLogicalId === undefined || resourceTarget === undefined) {
    throw new Error(`ApiGateway method ${methodId} has no RestApiId/ResourceId reference`);
  }
  const routePath = onRoot ? '/' : ctx.paths.get(resourceTarget)?.path;
  if (routePath === undefined) throw new Error(`ApiGateway method ${methodId}: resource ${resourceTarget} not found`);
  const httpMethod = p['HttpMethod'];
  if (typeof httpMethod !== 'string') throw new Error(`ApiGateway method ${methodId} has no HttpMethod`);
  const validatorId = targetOf(p['RequestValidatorId']);
  const validateParams = validatorId !== undefined && ctx.validators.get(validatorId) === true;
  const required = (kind: string): string[] => {
    const params = p['RequestParameters'];
    if (!validateParams || !isRecord(params)) return [];
    return Object.entries(params)
      .filter(([k, v]) => k.startsWith(`method.request.${kind}.`) && bool(v, false))
      .map(([k]) => k.slice(`method.request.${kind}.`.length));
  };
  return {
    apiLogicalId,
    methodLogicalId: methodId,
    resourceLogicalId: onRoot ? `${apiLogicalId}-root` : resourceTarget,
    method: httpMethod.toUpperCase(),
    path: routePath,
    pathParams: paramsOf(routePath),
    apiKeyRequired: bool(ctx.resolver.resolve(p['ApiKeyRequired']), false),
    authorizationType: typeof p['AuthorizationType'] === 'string' ? p['AuthorizationType'] : 'NONE',
    integration: readIntegration(methodId, p['Integration'], ctx.resolver, ctx.functionsByName),
    requiredHeaders: required('header'),
    requiredQueryStrings: required('querystring'),
  };
}

export function readApis(template: CfnTemplate, resolver: Resolver, functions: readonly FunctionSpec[]): RestApiSpec[] {
  const validators = new Map<string, boolean>();
  for (const [id, validator] of resourcesOfType(template, 'AWS::ApiGateway::RequestValidator')) {
    validators.set(id, bool(props(validator)['ValidateRequestParameters'], false));
  }
  const ctx: RouteContext = { paths: resourcePaths(template), validators, functionsByName: new Map(functions.map((f) => [f.functionName, f.logicalId])), resolver };
  const routesByApi = new Map<string, RouteSpec[]>();
  for (const [methodId, method] of resourcesOfType(template, 'AWS::ApiGateway::Method')) {
    const route = readRoute(methodId, props(method), ctx);
    routesByApi.set(route.apiLogicalId, [...(routesByApi.get(route.apiLogicalId) ?? []), route]);
  }
  const stages = stageNames(template);
  const gatewayResponses = gatewayResponsesByApi(template, resolver);
  return resourcesOfType(template, 'AWS::ApiGateway::RestApi').map(([logicalId, api]) => {
    const p = props(api);
    const name = resolver.resolve(p['Name']);
    return {
      logicalId,
      name: typeof name === 'string' ? name : logicalId,
      apiId: resolver.resolveString({ Ref: logicalId }, `api ${logicalId}`),
      stageName: stages.get(logicalId) ?? 'prod',
      binaryMediaTypes: list(resolver.resolve(p['BinaryMediaTypes'])).filter((t): t is string => typeof t === 'string'),
      routes: (routesByApi.get(logicalId) ?? []).sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method)),
      gatewayResponses: gatewayResponses.get(logicalId) ?? [],
    };
  });
}

export function readApiKeys(template: CfnTemplate, resolver: Resolver): ApiKeySpec[] {
  return resourcesOfType(template, 'AWS::ApiGateway::ApiKey').map(([logicalId, key]) => {
    const p = props(key);
    const value = resolver.resolve(p['Value']);
    const name = resolver.resolve(p['Name']);
    return {
      logicalId,
      // CloudFormation's default is false; CDK writes Enabled: true.
      enabled: bool(resolver.resolve(p['Enabled']), false),
      ...(typeof value === 'string' ? { value } : {}),
      ...(typeof name === 'string' ? { name } : {}),
    };
  });
}

export function readUsagePlans(template: CfnTemplate, resolver: Resolver): UsagePlanSpec[] {
  const planKeys = new Map<string, string[]>();
  for (const [id, link] of resourcesOfType(template, 'AWS::ApiGateway::UsagePlanKey')) {
    const plan = targetOf(props(link)['UsagePlanId']);
    const key = targetOf(props(link)['KeyId']);
    if (plan === undefined || key === undefined) throw new Error(`UsagePlanKey ${id} must Ref its UsagePlanId and KeyId`);
    planKeys.set(plan, [...(planKeys.get(plan) ?? []), key]);
  }
  return resourcesOfType(template, 'AWS::ApiGateway::UsagePlan').map(([logicalId, plan]) => {
    const p = props(plan);
    const apiStages = list(p['ApiStages'])
      .filter(isRecord)
      .map((s) => {
        const apiLogicalId = targetOf(s['ApiId']);
        if (apiLogicalId === undefined) throw new Error(`UsagePlan ${logicalId}: ApiStages.ApiId must Ref a RestApi`);
        return { apiLogicalId, stageName: resolver.resolveString(s['Stage'], `UsagePlan ${logicalId} stage`) };
      });
    const throttle = resolver.resolve(p['Throttle']);
    const quota = resolver.resolve(p['Quota']);
    return {
      logicalId,
      apiStages,
      apiKeyLogicalIds: planKeys.get(logicalId) ?? [],
      ...(isRecord(throttle)
        ? { throttle: { rateLimit: num(throttle['RateLimit'], Number.NaN), burstLimit: num(throttle['BurstLimit'], Number.NaN) } }
        : {}),
      ...(isRecord(quota)
        ? { quota: { limit: num(quota['Limit'], Number.NaN), period: typeof quota['Period'] === 'string' ? quota['Period'] : 'DAY' } }
        : {}),
    };
  });
}

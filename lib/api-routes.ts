/**
 * The HTTP routes of a synthesized template: every AWS::ApiGateway::Method with its full path, built from
 * the AWS::ApiGateway::Resource parent chain. Pure (template in, routes out): the OpenAPI test compares it
 * with docs/openapi.json, so a route added to a construct but not documented (or documented but gone) fails.
 */
import { isRecord } from '../functions/core/kernel/guards';

/** One method of one REST API, e.g. `{ restApi: 'StorefrontRestApi', method: 'POST', path: '/orders/{orderId}/payment' }`. */
export interface ApiRoute {
  /** Logical id of the AWS::ApiGateway::RestApi. */
  readonly restApi: string;
  /** HTTP method as in the template (upper case; `ANY` when so declared). */
  readonly method: string;
  /** Path from the API root, starting with "/" (the stage name is not part of it). */
  readonly path: string;
  readonly apiKeyRequired: boolean;
  /** NONE, AWS_IAM (the ops API), ... */
  readonly authorizationType: string;
}

type Json = Record<string, unknown>;

/** `{ Ref: id }` → id; `{ 'Fn::GetAtt': [id, attribute] }` → [id, attribute]. */
function refOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.Ref === 'string' ? value.Ref : undefined;
}
function getAttOf(value: unknown): readonly [string, string] | undefined {
  if (!isRecord(value)) return undefined;
  const att = value['Fn::GetAtt'];
  return Array.isArray(att) && typeof att[0] === 'string' && typeof att[1] === 'string' ? [att[0], att[1]] : undefined;
}

/** Every API Gateway method of `template`, sorted by API, path and method. */
export function apiRoutesFromTemplate(template: Json): ApiRoute[] {
  const resources = isRecord(template.Resources) ? template.Resources : {};
  const byId = (id: string): Json | undefined => {
    const r = resources[id];
    return isRecord(r) ? r : undefined;
  };
  const props = (r: Json | undefined): Json => (r !== undefined && isRecord(r.Properties) ? r.Properties : {});

  /** Path of a resource id expression (the API root or an AWS::ApiGateway::Resource), guarding against loops. */
  const pathOf = (expression: unknown, seen: ReadonlySet<string> = new Set()): string => {
    const root = getAttOf(expression);
    if (root !== undefined && root[1] === 'RootResourceId') return '';
    const id = refOf(expression);
    const resource = id === undefined ? undefined : byId(id);
    if (id === undefined || resource?.Type !== 'AWS::ApiGateway::Resource' || seen.has(id)) {
      throw new Error(`Cannot resolve API Gateway resource ${JSON.stringify(expression)}`);
    }
    const { ParentId, PathPart } = props(resource);
    if (typeof PathPart !== 'string') throw new Error(`API Gateway resource ${id} has no PathPart`);
    return `${pathOf(ParentId, new Set([...seen, id]))}/${PathPart}`;
  };

  const routes: ApiRoute[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (!isRecord(resource) || resource.Type !== 'AWS::ApiGateway::Method') continue;
    const p = props(resource);
    const restApi = refOf(p.RestApiId);
    if (restApi === undefined || typeof p.HttpMethod !== 'string') throw new Error(`API Gateway method ${id} has no RestApiId Ref or HttpMethod`);
    routes.push({ restApi, method: p.HttpMethod.toUpperCase(), path: pathOf(p.ResourceId) || '/', apiKeyRequired: p.ApiKeyRequired === true, authorizationType: typeof p.AuthorizationType === 'string' ? p.AuthorizationType : 'NONE' });
  }
  return routes.sort((a, b) => a.restApi.localeCompare(b.restApi) || a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

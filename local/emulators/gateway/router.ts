/**
 * Route matching of the local API Gateway on the template's resources: static segments beat `{param}`,
 * which beats `{proxy+}`; paths may carry the stage prefix (`/dev/orders`) like the deployed URL, or not.
 */
import type { RestApiSpec, RouteSpec } from '../../template/apis';

export interface CompiledRoute {
  readonly api: RestApiSpec;
  readonly route: RouteSpec;
  readonly segments: readonly string[];
}

export interface Match {
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

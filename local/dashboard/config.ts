/**
 * The dashboard's config.json, from the running stack's endpoints: the API URL the browser signs for, and
 * the local operator credentials of the ops API (`ops` in endpoints.json, SigV4) or, on a stack whose ops API
 * is still key-based, its API key. Locally only: a deployed dashboard gets short-lived credentials from
 * Cognito (docs/dashboard.md).
 */
import * as z from 'zod';
import type { LocalEndpoints } from '../runtime/types';
import type { DashboardConfigJson } from './server';

const OpsEndpoint = z.object({
  url: z.string(),
  region: z.string().default('us-east-1'),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
  identity: z.string().optional(),
});

export function dashboardConfig(endpoints: LocalEndpoints): DashboardConfigJson {
  const ops = OpsEndpoint.safeParse(endpoints['ops']);
  const refreshMs = 2000;
  if (ops.success) {
    const { url, region, credentials, identity } = ops.data;
    return { apiUrl: url, fetchBase: '/api', region, credentials, ...(identity === undefined ? {} : { identity }), refreshMs };
  }
  return {
    apiUrl: endpoints.opsApiUrl ?? endpoints.apiUrl,
    fetchBase: '/api',
    region: 'us-east-1',
    ...(endpoints.opsApiKey === null ? {} : { opsApiKey: endpoints.opsApiKey }),
    identity: 'ops API key (local)',
    refreshMs,
  };
}

/**
 * The running local world is what the CDK app synthesizes, not a second hand-written list: routes,
 * API key requirements, target functions and tables (with GSIs, TTL and stream) are compared with a
 * template synthesized independently here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { synthesizeTemplate } from '../../lib/synth';
import { warmOrder } from '../../local/runtime/model-views';
import { REPO_ROOT } from '../../local/runtime/runtime';
import { Resolver } from '../../local/template/resolve';
import { asTemplate } from '../../local/template/cfn';
import { readTemplate, type LocalModel } from '../../local/template/reader';
import { endpoints } from './helpers';

interface RawResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

let resources: [string, RawResource][] = [];
let model: LocalModel | undefined;
const ofType = (type: string): [string, RawResource][] => resources.filter(([, r]) => r.Type === type);

beforeAll(async () => {
  const { template, stackName } = await synthesizeTemplate();
  resources = Object.entries(template['Resources'] as Record<string, RawResource>);
  const cfn = asTemplate(template, 'synthesized');
  model = readTemplate(cfn, new Resolver(cfn, { stackName }), REPO_ROOT);
}, 60_000);

describe('the local runtime is built from the synthesized template', () => {
  // Start-up time is a figure for `npm run bench` and the closing note, not an assertion (a loaded
  // machine must not fail the suite); this only checks that the runtime reported it.
  it('reports its start-up time', () => {
    const seconds = inject('startupSeconds');
    console.log(`local runtime ready in ${seconds} s (in-memory, workers warmed)`);
    expect(seconds).toBeGreaterThan(0);
  });

  it('serves exactly one route per AWS::ApiGateway::Method, with the same HTTP method and API key requirement', () => {
    const methods = ofType('AWS::ApiGateway::Method').map(([, m]) => `${String(m.Properties?.['HttpMethod'])} key=${String(m.Properties?.['ApiKeyRequired'] === true)}`);
    const served = endpoints().routes.map((r) => `${r.method} key=${String(r.apiKeyRequired)}`);
    expect(served.sort()).toEqual(methods.sort());
  });

  it('routes each method to the function its integration URI names', () => {
    const targets = ofType('AWS::ApiGateway::Method')
      .map(([, m]) => JSON.stringify(m.Properties?.['Integration']))
      .map((uri) => /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(uri)?.[1] ?? null)
      .sort();
    expect(endpoints().routes.map((r) => r.function).sort()).toEqual(targets);
  });

  it('has the storefront routes of the contract, API key on storefront routes only', () => {
    const routes = endpoints().routes.map((r) => [r.method, r.path, r.apiKeyRequired]);
    expect(routes).toEqual(
      expect.arrayContaining([
        ['POST', '/orders', true],
        ['GET', '/orders/{orderId}', true],
        ['POST', '/webhooks/shopify/{channelId}/orders-create', false],
        ['POST', '/webhooks/shopify/orders-create', false],
      ]),
    );
  });

  it('runs every project function from the entry its template metadata names', () => {
    const entries = ofType('AWS::Lambda::Function')
      .map(([, f]) => f.Metadata?.['dropship:entry'])
      .filter((e): e is string => typeof e === 'string');
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(existsSync(path.join(REPO_ROOT, entry))).toBe(true);
  });

  it('created every template table in DynamoDB Local with its key schema, GSIs, TTL and stream', async () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.map(([id]) => id).sort()).toEqual([...endpoints().dynamodb.tables].sort());
    const client = new DynamoDBClient({
      endpoint: endpoints().dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      for (const [id, table] of tables) {
        const p = table.Properties ?? {};
        const live = (await client.send(new DescribeTableCommand({ TableName: id }), { abortSignal: AbortSignal.timeout(10_000) })).Table;
        expect(live?.KeySchema).toEqual(p['KeySchema']);
        const wantGsis = ((p['GlobalSecondaryIndexes'] ?? []) as { IndexName: string; KeySchema: unknown }[]).map((g) => [g.IndexName, g.KeySchema]);
        const liveGsis = (live?.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g.KeySchema]);
        expect(liveGsis.sort()).toEqual(wantGsis.sort());
        const stream = p['StreamSpecification'] as { StreamViewType?: string } | undefined;
        if (stream !== undefined) expect(live?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: stream.StreamViewType });
        const ttl = p['TimeToLiveSpecification'] as { AttributeName?: string } | undefined;
        if (ttl !== undefined) {
          const liveTtl = await client.send(new DescribeTimeToLiveCommand({ TableName: id }));
          expect(liveTtl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: ttl.AttributeName });
        }
      }
    } finally {
      client.destroy();
    }
  });

  it('gives every channel of the template a local API key and webhook secret', () => {
    const keys = ofType('AWS::ApiGateway::ApiKey');
    const channels = endpoints().channels;
    // One key per channel, plus the ops API's own key.
    const ops = endpoints().opsApiKey;
    expect(channels.length).toBe(keys.length - (ops === null ? 0 : 1));
    if (ops !== null) expect(channels.map((c) => c.apiKey)).not.toContain(ops);
    for (const c of channels) {
      expect(c.apiKey).toMatch(/^[A-Za-z0-9]{40}$/);
      expect(c.webhookSecret?.length ?? 0).toBeGreaterThanOrEqual(32);
    }
    expect(channels.map((c) => c.id)).toEqual(['demo-web', 'demo-shopify', 'demo-woo']);
    // Each platform channel has its topic-aware inbound webhook URL; custom channels have none.
    expect(channels.map((c) => c.webhookUrl?.replace(/^https?:\/\/[^/]+/, '') ?? null)).toEqual([null, '/webhooks/shopify/demo-shopify', '/webhooks/woocommerce/demo-woo']);
  });

  it('warms a first order\'s functions first: its API, stream router, happy-path tasks, supplier inbound and the bus targets its events reach', () => {
    if (model === undefined) throw new Error('no model');
    const { firstOrder, rest } = warmOrder(model);
    const all = [...firstOrder, ...rest];
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual(model.functions.map((f) => f.logicalId).sort());
    const at = (prefix: string): number => firstOrder.findIndex((id) => id.startsWith(prefix));
    for (const prefix of ['StorefrontCreateOrder', 'EventsRouter', 'OrderWorkflowValidateAndRoute', 'OrderWorkflowDispatch', 'SuppliersInbound', 'OrderWorkflowComplete', 'StorefrontNotificationsEnqueue', 'AfterDeliveryScorecardUpdater']) {
      expect(at(prefix), prefix).toBeGreaterThanOrEqual(0);
    }
    expect(at('StorefrontCreateOrder')).toBe(0);
    // The order's bus targets come before the tasks a happy order never runs; returns-only targets wait.
    expect(at('AfterDeliveryScorecardUpdater')).toBeLessThan(at('OrderWorkflowCancelOrder'));
    expect(rest.some((id) => id.startsWith('OpsDeliveryDecisions'))).toBe(true);
  });
});

/**
 * The ops API and the payment route (dev stack): routes, the separation of ops and storefront keys
 * (enforced by API Gateway: each key belongs only to usage plans of its own API; and again in the handlers),
 * and the hold-resuming permissions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OPS_API_KEY_ENV, OPS_API_LOGICAL_IDS, OPS_ENTRIES } from '../../lib/constructs/ops-api';
import { type Synthesized, actionsOf, apiMethods, arr, functionEnv, functionIdByEntry, props, rec, referencedId, renderIntrinsics, resourcesOfType, roleOfFunction, roleStatements, synthesize } from './support';

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
});

const OPS_ROUTES: Record<string, string> = {
  'POST /ops/orders/{orderId}/approve': OPS_ENTRIES.approve,
  'POST /ops/orders/{orderId}/reject': OPS_ENTRIES.reject,
  'GET /ops/exceptions': OPS_ENTRIES.exceptions,
  'POST /ops/returns/{returnId}/authorize': OPS_ENTRIES.returns,
};
const STOREFRONT_KEYS = ['StorefrontApiKeyDemoWeb', 'StorefrontApiKeyDemoShopify'];

/** Usage plan logical id → [API ids of its stages, key ids bound to it]. */
function plans(): Map<string, { apis: string[]; keys: string[] }> {
  const out = new Map<string, { apis: string[]; keys: string[] }>();
  for (const [id, plan] of resourcesOfType(s.json, 'AWS::ApiGateway::UsagePlan')) {
    out.set(id, { apis: arr(props(plan).ApiStages).map((st) => referencedId(rec(st).ApiId) ?? '?'), keys: [] });
  }
  for (const [, link] of resourcesOfType(s.json, 'AWS::ApiGateway::UsagePlanKey')) {
    out.get(referencedId(props(link).UsagePlanId) ?? '')?.keys.push(referencedId(props(link).KeyId) ?? '?');
  }
  return out;
}
/** The APIs a key is valid for (through every usage plan it is bound to). */
const apisOfKey = (key: string): string[] => [...new Set([...plans().values()].filter((p) => p.keys.includes(key)).flatMap((p) => p.apis))];

describe('ops API', () => {
  it('is a REST API of its own under a pinned logical id, with one pinned key', () => {
    expect(resourcesOfType(s.json, 'AWS::ApiGateway::RestApi').map(([id]) => id).sort()).toEqual([OPS_API_LOGICAL_IDS.restApi, 'StorefrontRestApi']);
    expect(s.json.Resources[OPS_API_LOGICAL_IDS.apiKey]?.Type).toBe('AWS::ApiGateway::ApiKey');
  });

  it('serves exactly the ops routes, each with an API key, proxied to its handler', () => {
    const methods = apiMethods(s.json).filter((m) => m.apiLogicalId === OPS_API_LOGICAL_IDS.restApi);
    expect(methods.map((m) => m.route).sort()).toEqual(Object.keys(OPS_ROUTES).sort());
    for (const m of methods) {
      expect(m.properties.ApiKeyRequired, m.route).toBe(true);
      const fnId = /<([A-Za-z0-9]+)\.Arn>/.exec(renderIntrinsics(rec(m.properties.Integration).Uri))?.[1];
      expect(s.json.Resources[fnId ?? '']?.Metadata?.['dropship:entry'], m.route).toBe(OPS_ROUTES[m.route]);
    }
  });

  it('logs access as JSON, traces and throttles its stage with the ops throttle', () => {
    const stage = resourcesOfType(s.json, 'AWS::ApiGateway::Stage').find(([, st]) => referencedId(props(st).RestApiId) === OPS_API_LOGICAL_IDS.restApi);
    const p = props(stage?.[1] ?? { Type: '' });
    expect(p).toMatchObject({ StageName: 'v1', TracingEnabled: true });
    expect(rec(arr(p.MethodSettings)[0])).toMatchObject({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, LoggingLevel: 'ERROR', DataTraceEnabled: false });
    expect(rec(p.AccessLogSetting).Format).toBeDefined();
  });

  it('publishes its URL and key id', () => {
    expect(s.json.Outputs?.OpsApiKeyId?.Value).toEqual({ Ref: OPS_API_LOGICAL_IDS.apiKey });
    expect(renderIntrinsics(s.json.Outputs?.OpsApiUrl?.Value)).toMatch(/^https:\/\/<Ref:OpsRestApi>\.execute-api\./);
  });
});

describe('key separation', () => {
  it('the ops key is valid for the ops API only', () => {
    expect(apisOfKey(OPS_API_LOGICAL_IDS.apiKey)).toEqual([OPS_API_LOGICAL_IDS.restApi]);
  });

  it.each(STOREFRONT_KEYS)('storefront key %s is valid for the storefront API only (API Gateway refuses it on /ops)', (key) => {
    expect(apisOfKey(key)).toEqual(['StorefrontRestApi']);
  });

  it('no usage plan mixes the two APIs or the two kinds of keys', () => {
    for (const [id, plan] of plans()) {
      expect(plan.apis, id).toHaveLength(1);
      const opsPlan = plan.apis[0] === OPS_API_LOGICAL_IDS.restApi;
      expect(plan.keys, id).toEqual(opsPlan ? [OPS_API_LOGICAL_IDS.apiKey] : [expect.stringMatching(/^StorefrontApiKey/)]);
    }
  });

  it(`the ops handlers also know the ops key id (${OPS_API_KEY_ENV}) and get no channel keys`, () => {
    for (const entry of Object.values(OPS_ENTRIES)) {
      const env = functionEnv(s.json, functionIdByEntry(s.json, entry));
      expect(env[OPS_API_KEY_ENV], entry).toEqual({ Ref: OPS_API_LOGICAL_IDS.apiKey });
      expect(env.CHANNELS, entry).toBeUndefined();
    }
  });

  it('the storefront handlers map only channel keys (CHANNELS never names the ops key) and do not know the ops key id', () => {
    const storefrontFns = resourcesOfType(s.json, 'AWS::Lambda::Function').filter(([id]) => 'CHANNELS' in functionEnv(s.json, id));
    expect(storefrontFns.length).toBe(9); // create-order, get-order, shopify-webhook, update-payment, availability, woocommerce-webhook, change-address, cancel-order, create-return
    for (const [id] of storefrontFns) {
      const env = functionEnv(s.json, id);
      expect(renderIntrinsics(env.CHANNELS), id).not.toContain(OPS_API_LOGICAL_IDS.apiKey);
      expect(env[OPS_API_KEY_ENV], id).toBeUndefined();
    }
  });
});

describe('hold decisions and payment updates', () => {
  it('POST /orders/{orderId}/payment is a storefront route with the channel keys', () => {
    const method = apiMethods(s.json).find((m) => m.route === 'POST /orders/{orderId}/payment');
    expect(method?.apiLogicalId).toBe('StorefrontRestApi');
    expect(method?.properties.ApiKeyRequired).toBe(true);
    expect(method?.properties.RequestParameters).toEqual({ 'method.request.path.orderId': true });
    const fnId = /<([A-Za-z0-9]+)\.Arn>/.exec(renderIntrinsics(rec(method?.properties.Integration).Uri))?.[1];
    expect(s.json.Resources[fnId ?? '']?.Metadata?.['dropship:entry']).toBe('functions/api/update-payment.ts');
  });

  it.each([OPS_ENTRIES.approve, OPS_ENTRIES.reject, 'functions/api/update-payment.ts'])('%s may resume the workflow (task responses) and write items', (entry) => {
    const statements = roleStatements(s.json, roleOfFunction(s.json, functionIdByEntry(s.json, entry)));
    const states = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('states:')));
    expect(states.flatMap(actionsOf).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
    expect(states.flatMap((st) => arr(st.Resource)).map(renderIntrinsics)).toEqual(['<Ref:OrderWorkflowStateMachine>']);
    expect(statements.flatMap(actionsOf)).toContain('dynamodb:UpdateItem');
  });

  it.each([...Object.values(OPS_ENTRIES), 'functions/api/update-payment.ts'])('%s gets the workflow settings of the stage', (entry) => {
    expect(functionEnv(s.json, functionIdByEntry(s.json, entry))).toMatchObject({ SHIP_GRACE_DAYS: '7', DELIVERY_GRACE_DAYS: '7', TABLE_NAME: { Ref: 'PipelineTable' } });
  });

  it('GET /ops/exceptions can only read items (the exceptions index)', () => {
    const statements = roleStatements(s.json, roleOfFunction(s.json, functionIdByEntry(s.json, OPS_ENTRIES.exceptions)));
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(actions.filter((a) => a.startsWith('states:'))).toEqual([]);
  });
});

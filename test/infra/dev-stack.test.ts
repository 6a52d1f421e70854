/**
 * The dev stage template, synthesized once (no bundling): one targeted assertion per behaviour.
 */
import { AFTER_DELIVERY_ENTRIES } from '../../lib/constructs/after-delivery/scorecards';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STORE_INDEX_PROJECTIONS } from '../../lib/constructs/order-store';
import { SCHEDULED_ENTRIES } from '../../lib/constructs/inventory-sync';
import { WORKFLOW_ENTRIES } from '../../lib/constructs/order-workflow';
import { ENTRY_METADATA_KEY, HANDLER_METADATA_KEY, METRICS_NAMESPACE } from '../../lib/constructs/pipeline-function';
import { SUPPLIER_FILE_ENTRIES } from '../../lib/constructs/supplier-files';
import { repoFileExists } from '../../lib/paths';
import { NOTIFY_DELIVER_ENTRY, NOTIFY_ENQUEUE_ENTRY } from '../../lib/constructs/storefront-notifications';
import {
  type Synthesized,
  actionsOf,
  apiMethods,
  arr,
  errorAlarmsByFunction,
  policyStatements,
  props,
  rec,
  referencedId,
  renderIntrinsics,
  resourcesOfType,
  roleStatements,
  synthesize,
} from './support';

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
});

const CHANNELS = ['demo-web', 'demo-shopify', 'demo-woo'] as const;
/** Storefront API routes (the ops API's are in ops-api.test.ts). */
const ROUTES: Record<string, string> = {
  'POST /orders': 'functions/api/create-order.ts',
  'GET /orders/{orderId}': 'functions/api/get-order.ts',
  'POST /orders/{orderId}/payment': 'functions/api/update-payment.ts',
  'POST /orders/{orderId}/cancel': 'functions/api/cancel-order.ts',
  'GET /availability': 'functions/api/availability.ts',
  'POST /availability': 'functions/api/availability.ts',
  'POST /webhooks/shopify/orders-create': 'functions/api/shopify-webhook.ts',
  'POST /webhooks/shopify/{channelId}/orders-create': 'functions/api/shopify-webhook.ts',
  'POST /webhooks/shopify/{channelId}': 'functions/api/shopify-webhook.ts',
  'POST /webhooks/woocommerce/{channelId}': 'functions/api/woocommerce-webhook.ts',
  'POST /orders/{orderId}/address': 'functions/api/change-address.ts',
  'POST /orders/{orderId}/returns': 'functions/api/create-return.ts',
  'POST /orders/{orderId}/returns/{returnId}/refund': 'functions/api/create-return.ts',
};
/** Every function: entry → Powertools service name. */
const FUNCTIONS: Record<string, string> = {
  'functions/api/create-order.ts': 'storefront-api',
  'functions/api/get-order.ts': 'storefront-api',
  'functions/api/shopify-webhook.ts': 'storefront-api',
  'functions/api/update-payment.ts': 'storefront-api',
  'functions/api/cancel-order.ts': 'storefront-api',
  'functions/api/availability.ts': 'storefront-api',
  'functions/api/woocommerce-webhook.ts': 'storefront-api',
  'functions/api/change-address.ts': 'storefront-api',
  'functions/api/create-return.ts': 'storefront-api',
  'functions/ops/returns.ts': 'ops-api',
  'functions/ops/orders-find.ts': 'ops-api',
  'functions/ops/order-look.ts': 'ops-api',
  'functions/ops/order-act.ts': 'ops-api',
  'functions/ops/exceptions.ts': 'ops-api',
  'functions/ops/documents.ts': 'ops-api',
  'functions/ops/suppliers.ts': 'ops-api',
  'functions/ops/dead-letters.ts': 'ops-api',
  'functions/streams/stream-router.ts': 'stream-router',
  'functions/suppliers/inbound.ts': 'supplier-gateway',
  ...Object.fromEntries(Object.values(WORKFLOW_ENTRIES).map((entry) => [entry, 'order-workflow'])),
  [SUPPLIER_FILE_ENTRIES.feedFile]: 'supplier-files',
  [SUPPLIER_FILE_ENTRIES.messageFile]: 'supplier-files',
  [SCHEDULED_ENTRIES.refreshFeeds]: 'supplier-files',
  [SCHEDULED_ENTRIES.sweepReservations]: 'sweeps',
  [SCHEDULED_ENTRIES.sweepDispatches]: 'sweeps',
  [SCHEDULED_ENTRIES.sweepOrders]: 'sweeps',
  [SCHEDULED_ENTRIES.sweepStaleFeeds]: 'sweeps',
  [NOTIFY_ENQUEUE_ENTRY]: 'storefront-notifications',
  [NOTIFY_DELIVER_ENTRY]: 'storefront-notifications',
  // After delivery (lib/constructs/after-delivery/scorecards.ts): its ops routes are ops API functions; the updater and the sweep its own.
  [AFTER_DELIVERY_ENTRIES.deliveryDecisions]: 'ops-api',
  [AFTER_DELIVERY_ENTRIES.claims]: 'ops-api',
  [AFTER_DELIVERY_ENTRIES.scorecard]: 'ops-api',
  [AFTER_DELIVERY_ENTRIES.lostParcelSweep]: 'sweeps',
  [AFTER_DELIVERY_ENTRIES.scorecardUpdater]: 'scorecards',
};
/** Timeout (s) per service. */
const TIMEOUTS: Record<string, number> = { 'storefront-api': 10, 'ops-api': 10, 'stream-router': 60, 'supplier-gateway': 30, 'order-workflow': 30, sweeps: 60 };
/** Functions that stream whole files get more memory (CPU) and minutes: entry → [memory MB, timeout s]. */
const FILE_FUNCTION_SIZES: Record<string, readonly [number, number]> = {
  [SUPPLIER_FILE_ENTRIES.feedFile]: [1024, 300],
  [SUPPLIER_FILE_ENTRIES.messageFile]: [512, 120],
  [SCHEDULED_ENTRIES.refreshFeeds]: [1024, 600],
  // The storefront notification functions are small (one event / a batch of 5 HTTP deliveries).
  [NOTIFY_ENQUEUE_ENTRY]: [256, 10],
  [NOTIFY_DELIVER_ENTRY]: [256, 60],
  [AFTER_DELIVERY_ENTRIES.scorecardUpdater]: [256, 15],
};
const WEBHOOK_ROUTES = [
  'POST /webhooks/shopify/orders-create',
  'POST /webhooks/shopify/{channelId}/orders-create',
  'POST /webhooks/shopify/{channelId}',
  'POST /webhooks/woocommerce/{channelId}',
];

function functionEntry(logicalId: string): string {
  const r = s.json.Resources[logicalId];
  return String(r?.Metadata?.[ENTRY_METADATA_KEY]);
}
function functionIdByEntry(entry: string): string {
  const found = resourcesOfType(s.json, 'AWS::Lambda::Function').find(([, r]) => r.Metadata?.[ENTRY_METADATA_KEY] === entry);
  if (found === undefined) throw new Error(`no function for ${entry}`);
  return found[0];
}
function roleOfFunction(logicalId: string): string {
  const role = referencedId(props(s.json.Resources[logicalId] ?? { Type: '' }).Role);
  if (role === undefined) throw new Error(`function ${logicalId} has no role`);
  return role;
}

describe('stack', () => {
  it('is named DropshipPipeline-dev and not termination-protected in dev', () => {
    expect(s.stack.stackName).toBe('DropshipPipeline-dev');
    expect(s.stack.terminationProtection).toBe(false);
  });
});

describe('order store', () => {
  it('is exactly one table with the pinned logical id PipelineTable', () => {
    s.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(s.json.Resources.PipelineTable?.Type).toBe('AWS::DynamoDB::Table');
  });

  it('has pk/sk string keys and on-demand billing', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('is encrypted with its customer managed, rotated KMS key', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': ['PipelineTableKey', 'Arn'] } },
    });
    expect(s.json.Resources.PipelineTableKey?.Type).toBe('AWS::KMS::Key');
    expect(props(s.json.Resources.PipelineTableKey ?? { Type: '' }).EnableKeyRotation).toBe(true);
  });

  it('has point-in-time recovery, TTL on expiresAt and a NEW_AND_OLD_IMAGES stream', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it.each([
    ['gsi1', { ProjectionType: 'INCLUDE', NonKeyAttributes: [...(ORDER_STORE_INDEX_PROJECTIONS.gsi1 ?? [])] }],
    ['gsi2', { ProjectionType: 'INCLUDE', NonKeyAttributes: [...(ORDER_STORE_INDEX_PROJECTIONS.gsi2 ?? [])] }],
    ['gsi3', { ProjectionType: 'ALL' }],
  ])('has index %s on <index>pk/<index>sk projecting %j (what its readers use)', (index, projection) => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: index,
          KeySchema: [
            { AttributeName: `${index}pk`, KeyType: 'HASH' },
            { AttributeName: `${index}sk`, KeyType: 'RANGE' },
          ],
          Projection: projection,
        },
      ]),
    });
  });

  it('has exactly four indexes', () => {
    expect(arr(props(s.json.Resources.PipelineTable ?? { Type: '' }).GlobalSecondaryIndexes)).toHaveLength(4);
  });

  it('can be deleted with the dev stack (retainData false): no deletion protection, policy Delete', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe('storefront API', () => {
  it('is a regional REST API with the pinned logical id StorefrontRestApi (the ops API is another one)', () => {
    expect(resourcesOfType(s.json, 'AWS::ApiGateway::RestApi').map(([id]) => id).sort()).toEqual(['OpsRestApi', 'StorefrontRestApi']);
    expect(props(s.json.Resources.StorefrontRestApi ?? { Type: '' }).EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
  });

  it('exposes exactly the contract routes, each proxied to its handler', () => {
    const methods = apiMethods(s.json).filter((m) => m.apiLogicalId === 'StorefrontRestApi');
    expect(methods.map((m) => m.route).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const m of methods) {
      const integration = rec(m.properties.Integration);
      expect(integration.Type, m.route).toBe('AWS_PROXY');
      const uri = renderIntrinsics(integration.Uri);
      const fnId = /<([A-Za-z0-9]+)\.Arn>/.exec(uri)?.[1];
      expect(fnId, m.route).toBeDefined();
      expect(functionEntry(fnId ?? ''), m.route).toBe(ROUTES[m.route]);
    }
  });

  it.each(Object.keys(ROUTES).filter((r) => !WEBHOOK_ROUTES.includes(r)))('%s requires an API key', (route) => {
    const method = apiMethods(s.json).find((m) => m.route === route);
    expect(method?.properties.ApiKeyRequired).toBe(true);
  });

  it.each(WEBHOOK_ROUTES)('%s takes no API key (HMAC-authenticated in the handler)', (route) => {
    const method = apiMethods(s.json).find((m) => m.route === route);
    expect(method).toBeDefined();
    expect(method?.properties.ApiKeyRequired ?? false).toBe(false);
    expect(method?.properties.AuthorizationType).toBe('NONE');
  });

  it('every method that is not a webhook requires an API key, or IAM (the ops API)', () => {
    const open = apiMethods(s.json).filter((m) => !m.route.startsWith('POST /webhooks/') && m.properties.ApiKeyRequired !== true && m.properties.AuthorizationType !== 'AWS_IAM');
    expect(open.map((m) => m.route)).toEqual([]);
  });

  it('validates declared request parameters with a request validator', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    const get = apiMethods(s.json).find((m) => m.route === 'GET /orders/{orderId}');
    expect(get?.properties.RequestParameters).toEqual({ 'method.request.path.orderId': true });
    expect(referencedId(get?.properties.RequestValidatorId)).toBeDefined();
  });

  it('stage v1 logs access as JSON to a log group with the stage retention', () => {
    const [, stage] = resourcesOfType(s.json, 'AWS::ApiGateway::Stage')[0] ?? [];
    expect(stage).toBeDefined();
    const p = props(stage ?? { Type: '' });
    expect(p.StageName).toBe('v1');
    const accessLog = rec(p.AccessLogSetting);
    const format: unknown = JSON.parse(String(accessLog.Format));
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', apiKeyId: '$context.identity.apiKeyId' });
    const logGroupId = referencedId(accessLog.DestinationArn);
    expect(s.json.Resources[logGroupId ?? '']?.Type).toBe('AWS::Logs::LogGroup');
    expect(props(s.json.Resources[logGroupId ?? ''] ?? { Type: '' }).RetentionInDays).toBe(14);
  });

  it('stage throttles all methods with the stage config, logs errors only, never request data, and traces', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: true,
        },
      ],
    });
  });

  it('sets the regional CloudWatch logging role (kept when the stack is deleted)', () => {
    s.template.hasResource('AWS::ApiGateway::Account', { Properties: { CloudWatchRoleArn: Match.anyValue() } });
    s.template.hasResource('AWS::IAM::Role', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] }) }),
    });
  });

  it.each(['DEFAULT_4XX', 'DEFAULT_5XX'])('answers its own %s errors with the JSON error shape', (type) => {
    s.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: type,
      ResponseTemplates: { 'application/json': '{"error":$context.error.messageString,"code":"$context.error.responseType","issues":[]}' },
    });
  });

  it('answers unknown routes 404 instead of 403 Missing Authentication Token', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
    });
  });
});

describe('channels', () => {
  it('has one API key per channel under pinned logical ids (the ops API is IAM-authorized, no key)', () => {
    expect(resourcesOfType(s.json, 'AWS::ApiGateway::ApiKey').map(([id]) => id).sort()).toEqual(['StorefrontApiKeyDemoShopify', 'StorefrontApiKeyDemoWeb', 'StorefrontApiKeyDemoWoo']);
  });

  it('has one usage plan per channel, each with throttle and quota on the v1 stage', () => {
    const plans = resourcesOfType(s.json, 'AWS::ApiGateway::UsagePlan').filter(([, plan]) =>
      arr(props(plan).ApiStages).some((st) => referencedId(rec(st).ApiId) === 'StorefrontRestApi'),
    );
    expect(plans).toHaveLength(CHANNELS.length);
    for (const [, plan] of plans) {
      const p = props(plan);
      expect(p.Throttle).toEqual({ RateLimit: 50, BurstLimit: 100 });
      expect(p.Quota).toEqual({ Limit: 100000, Period: 'DAY' });
      const stage = rec(arr(p.ApiStages)[0]);
      expect(referencedId(stage.ApiId)).toBe('StorefrontRestApi');
      expect(renderIntrinsics(stage.Stage)).toMatch(/<Ref:StorefrontApiDeploymentStagev1/);
    }
  });

  it('binds each channel key to its own usage plan', () => {
    const bindings = resourcesOfType(s.json, 'AWS::ApiGateway::UsagePlanKey')
      .map(([, r]) => [referencedId(props(r).KeyId), referencedId(props(r).UsagePlanId)])
      .filter(([key]) => key?.startsWith('StorefrontApiKey'));
    expect(bindings.map(([key]) => key).sort()).toEqual(['StorefrontApiKeyDemoShopify', 'StorefrontApiKeyDemoWeb', 'StorefrontApiKeyDemoWoo']);
    expect(new Set(bindings.map(([, plan]) => plan)).size).toBe(CHANNELS.length);
  });

  it('has one webhook secret per channel with a generated placeholder value', () => {
    for (const id of ['WebhookSecretDemoWeb', 'WebhookSecretDemoShopify', 'WebhookSecretDemoWoo']) {
      const secret = s.json.Resources[id];
      expect(secret?.Type, id).toBe('AWS::SecretsManager::Secret');
      expect(rec(props(secret ?? { Type: '' }).GenerateSecretString).PasswordLength).toBe(64);
    }
    // + one outbound secret per notified channel (storefront-notifications.test.ts)
    s.template.resourceCountIs('AWS::SecretsManager::Secret', CHANNELS.length * 2);
  });

  it('passes CHANNELS (contract shape) to every storefront API function', () => {
    const storefront = resourcesOfType(s.json, 'AWS::Lambda::Function').filter(([, fn]) => rec(rec(props(fn).Environment).Variables).POWERTOOLS_SERVICE_NAME === 'storefront-api');
    expect(storefront).toHaveLength(9);
    for (const [id, fn] of storefront) {
      const variables = rec(rec(props(fn).Environment).Variables);
      const channels: unknown = JSON.parse(renderIntrinsics(variables.CHANNELS));
      expect(channels, id).toEqual([
        {
          channelId: 'demo-web',
          platform: 'custom',
          currency: 'EUR',
          shopDomain: null,
          apiKeyId: '<Ref:StorefrontApiKeyDemoWeb>',
          webhookSecretArn: '<Ref:WebhookSecretDemoWeb>',
        },
        {
          channelId: 'demo-shopify',
          platform: 'shopify',
          currency: 'EUR',
          shopDomain: 'dropship-demo.myshopify.com',
          apiKeyId: '<Ref:StorefrontApiKeyDemoShopify>',
          webhookSecretArn: '<Ref:WebhookSecretDemoShopify>',
        },
        {
          channelId: 'demo-woo',
          platform: 'woocommerce',
          currency: 'EUR',
          shopDomain: null,
          apiKeyId: '<Ref:StorefrontApiKeyDemoWoo>',
          webhookSecretArn: '<Ref:WebhookSecretDemoWoo>',
        },
      ]);
    }
  });
});

describe('functions', () => {
  const fns = (): ReturnType<typeof resourcesOfType> => resourcesOfType(s.json, 'AWS::Lambda::Function');

  it('are exactly the contract handlers, each built once', () => {
    expect(fns().map(([id]) => functionEntry(id)).sort()).toEqual(Object.keys(FUNCTIONS).sort());
  });

  it('run Node.js 22 on ARM64 with active tracing, explicit memory and the timeout of their kind', () => {
    for (const [id, fn] of fns()) {
      const p = props(fn);
      expect(p.Runtime, id).toBe('nodejs22.x');
      expect(p.Architectures, id).toEqual(['arm64']);
      expect(p.TracingConfig, id).toEqual({ Mode: 'Active' });
      const [memory, timeout] = FILE_FUNCTION_SIZES[functionEntry(id)] ?? [512, TIMEOUTS[FUNCTIONS[functionEntry(id)] ?? '']];
      expect(p.MemorySize, id).toBe(memory);
      expect(p.Timeout, id).toBe(timeout);
      expect(p.Handler, id).toBe('index.handler');
    }
  });

  it('API functions answer well within API Gateway\'s 29 s integration timeout', () => {
    for (const [id, fn] of fns()) {
      if (functionEntry(id).startsWith('functions/api/')) expect(props(fn).Timeout, id).toBeLessThanOrEqual(10);
    }
  });

  it('each log to their own JSON log group with the stage retention', () => {
    const groups = new Set<string>();
    for (const [id, fn] of fns()) {
      const logging = rec(props(fn).LoggingConfig);
      expect(logging.LogFormat, id).toBe('JSON');
      const groupId = referencedId(logging.LogGroup);
      expect(groupId, id).toBeDefined();
      const group = s.json.Resources[groupId ?? ''];
      expect(group?.Type, id).toBe('AWS::Logs::LogGroup');
      expect(props(group ?? { Type: '' }).RetentionInDays, id).toBe(14);
      expect(group?.DeletionPolicy, id).toBe('Delete');
      groups.add(groupId ?? '');
    }
    expect(groups.size).toBe(fns().length);
  });

  it('carry dropship:entry metadata naming an existing repo file and dropship:handler', () => {
    for (const [id, fn] of fns()) {
      const entry = fn.Metadata?.[ENTRY_METADATA_KEY];
      expect(typeof entry, id).toBe('string');
      expect(String(entry)).not.toMatch(/^\/|\\/);
      expect(repoFileExists(String(entry)), String(entry)).toBe(true);
      expect(fn.Metadata?.[HANDLER_METADATA_KEY], id).toBe('handler');
    }
  });

  it('get the shared environment: TABLE_NAME, STAGE, Powertools settings (service per kind), source maps', () => {
    for (const [id, fn] of fns()) {
      const variables = rec(rec(props(fn).Environment).Variables);
      // The ops dead-letters function works on queues only (no table access, so no TABLE_NAME).
      const usesTable = functionEntry(id) !== 'functions/ops/dead-letters.ts';
      expect(variables, id).toMatchObject({
        ...(usesTable ? { TABLE_NAME: { Ref: 'PipelineTable' } } : {}),
        STAGE: 'dev',
        POWERTOOLS_SERVICE_NAME: FUNCTIONS[functionEntry(id)],
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });

  it('use roles without AWS managed policies', () => {
    for (const [id, fn] of fns()) {
      const role = s.json.Resources[roleOfFunction(id)];
      expect(props(role ?? { Type: '' }).ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe('IAM', () => {
  const dynamoActions = (roleId: string): string[] =>
    roleStatements(s.json, roleId)
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:'))
      .sort();

  it('no identity or resource policy we write allows a wildcard action', () => {
    const offending = policyStatements(s.json)
      .filter((st) => st.Effect === 'Allow')
      // The default KMS key policy delegates the key to the account's IAM (principal: account root).
      // It is AWS's documented default, not a grant to any workload; it is checked separately below.
      .filter((st) => !isKeyPolicyAccountDelegation(st))
      .flatMap((st) => actionsOf(st).filter((a) => a.includes('*')).map((a) => `${st.source}: ${a}`));
    expect(offending).toEqual([]);
  });

  it('the only kms:* statement is the account-root delegation in key policies', () => {
    const wildcard = policyStatements(s.json).filter((st) => actionsOf(st).includes('kms:*'));
    expect(wildcard.length).toBeGreaterThan(0);
    for (const st of wildcard) {
      expect(st.source).toMatch(/\(key policy\)$/);
      expect(isKeyPolicyAccountDelegation(st), st.source).toBe(true);
    }
  });

  it('nothing may Scan the table or use index/* resources', () => {
    const statements = policyStatements(s.json);
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:Scan');
    const resources = statements.flatMap((st) => arr(st.Resource)).map((r) => (typeof r === 'string' ? r : renderIntrinsics(r)));
    expect(resources.filter((r) => r.endsWith('/index/*'))).toEqual([]);
  });

  it('get-order can only read items', () => {
    const role = roleOfFunction(functionIdByEntry('functions/api/get-order.ts'));
    expect(dynamoActions(role)).toEqual(['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query']);
  });

  it.each([
    ['functions/api/create-order.ts', []],
    // It resumes held orders: their used task tokens are no longer deleted, so no DeleteItem either.
    ['functions/api/shopify-webhook.ts', []],
  ])('%s can read and write items (no DeleteItem, never BatchWriteItem)', (entry, extra) => {
    const role = roleOfFunction(functionIdByEntry(entry));
    expect(dynamoActions(role)).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        ...extra,
      ].sort(),
    );
  });

  it('table key use is limited to calls made through DynamoDB (the stream reader may only decrypt)', () => {
    const routerRole = roleOfFunction(functionIdByEntry('functions/streams/stream-router.ts'));
    const routerPolicies = resourcesOfType(s.json, 'AWS::IAM::Policy')
      .filter(([, p]) => arr(props(p).Roles).map(referencedId).includes(routerRole))
      .map(([id]) => id);
    const kmsStatements = resourcesOfType(s.json, 'AWS::IAM::Policy')
      .flatMap(([id]) => policyStatements({ Resources: { [id]: s.json.Resources[id] ?? { Type: '' } } }))
      .filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')));
    const tableUsers = resourcesOfType(s.json, 'AWS::Lambda::Function').filter(([id]) =>
      roleStatements(s.json, roleOfFunction(id)).some((st) => actionsOf(st).includes('dynamodb:GetItem') || actionsOf(st).includes('dynamodb:PutItem')),
    );
    expect(kmsStatements.length).toBe(tableUsers.length + 1);
    for (const st of kmsStatements) {
      expect(arr(st.Resource).map(renderIntrinsics)).toEqual(['<PipelineTableKey.Arn>']);
      if (routerPolicies.some((id) => st.source.startsWith(`${id} `))) {
        expect(actionsOf(st).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
        continue;
      }
      expect(renderIntrinsics(rec(rec(st.Condition).StringEquals)['kms:ViaService'])).toBe('dynamodb.<AWS::Region>.amazonaws.com');
    }
  });

  it('only the webhook functions may read webhook secrets, and only GetSecretValue on their platform\'s channel secrets', () => {
    const webhookRole = roleOfFunction(functionIdByEntry('functions/api/shopify-webhook.ts'));
    const wooRole = roleOfFunction(functionIdByEntry('functions/api/woocommerce-webhook.ts'));
    // The notification deliverer reads only the outbound secrets (storefront-notifications.test.ts).
    const deliverRole = roleOfFunction(functionIdByEntry(NOTIFY_DELIVER_ENTRY));
    for (const [id] of resourcesOfType(s.json, 'AWS::IAM::Role')) {
      const secretStatements = roleStatements(s.json, id).filter((st) => actionsOf(st).some((a) => a.startsWith('secretsmanager:')));
      if (id === deliverRole) continue;
      if (id !== webhookRole && id !== wooRole) {
        expect(secretStatements, id).toEqual([]);
        continue;
      }
      expect(secretStatements.flatMap(actionsOf)).toEqual(['secretsmanager:GetSecretValue']);
      expect(secretStatements.flatMap((st) => arr(st.Resource)).map(referencedId).sort()).toEqual(
        id === wooRole ? ['WebhookSecretDemoWoo'] : ['WebhookSecretDemoShopify', 'WebhookSecretDemoWeb'],
      );
    }
  });
});

describe('observability', () => {
  it('publishes alarms to a KMS-encrypted topic that refuses non-TLS publishing', () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets CloudWatch use the topic key (otherwise alarms cannot publish)', () => {
    const statements = policyStatements(s.json).filter(
      (st) => typeof st.Principal === 'object' && st.Principal !== null && rec(st.Principal).Service === 'cloudwatch.amazonaws.com',
    );
    expect(statements.flatMap(actionsOf).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('alarms on API 5xx, every function\'s errors (groups of 10), failed/timed-out/throttled executions, each DLQ, the supplier-file metrics and WAF blocks, notifying the topic', () => {
    const alarms = resourcesOfType(s.json, 'AWS::CloudWatch::Alarm');
    const functions = resourcesOfType(s.json, 'AWS::Lambda::Function').length;
    const dlqs = 3 * 2 + 1 + 2 + 2 + 1; // supplier queues, the stream router, file events, scheduled jobs, storefront notifications (2), after delivery
    const fileAndSweepMetrics = 4; // quarantined, refused, rejected rows, stale suppliers (inventory-sync.test.ts)
    const waf = 1; // blocked requests of the storefront web ACL (web-firewall.test.ts)
    // Platform health (alarms.test.ts): throttles per group of 10 functions, DynamoDB throttles and system errors, stream
    // iterator age, 4 queue ages, aborted executions, webhook signatures, notification failures, 5xx rate of 2 APIs.
    const platform = Math.ceil(functions / 10) + 2 + 1 + 4 + 1 + 2 + 2;
    // Function errors: one alarm per group of at most 10 functions (observability.ts), every function in exactly one.
    const errorAlarms = errorAlarmsByFunction(s.json);
    expect(errorAlarms.size).toBe(functions);
    expect([...errorAlarms.values()].every((ids) => ids.length === 1)).toBe(true);
    const errorGroups = new Set([...errorAlarms.values()].flat()).size;
    expect(errorGroups).toBeLessThan(functions / 3);
    expect(alarms).toHaveLength(1 + errorGroups + 3 + dlqs + fileAndSweepMetrics + waf + platform);
    const count = (metric: string): number => alarms.filter(([, a]) => props(a).MetricName === metric).length;
    expect(count('5XXError')).toBe(1);
    expect(count('ApproximateNumberOfMessagesVisible')).toBe(dlqs);
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled']) {
      const [, alarm] = alarms.find(([, a]) => props(a).MetricName === metric) ?? [];
      expect(props(alarm ?? { Type: '' }).Namespace, metric).toBe('AWS/States');
      expect(referencedId(rec(arr(props(alarm ?? { Type: '' }).Dimensions)[0]).Value), metric).toBe('OrderWorkflowStateMachine');
    }
    for (const [id, a] of alarms) {
      expect(arr(props(a).AlarmActions).map(referencedId), id).toEqual([expect.stringMatching(/^ObservabilityAlarmTopic/)]);
    }
  });

  it('has a dashboard', () => {
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('outputs', () => {
  it('publish the API URLs, the table, the alarm topic, per-channel key ids, secret ARNs and webhook URLs, the ops key, workflow, bus and supplier queues', () => {
    const outputs = s.json.Outputs ?? {};
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'ApiKeyIdDemoShopify',
        'ApiKeyIdDemoWeb',
        'ApiKeyIdDemoWoo',
        'ApiUrl',
        'DashboardName',
        'TableName',
        'WebhookSecretArnDemoShopify',
        'WebhookSecretArnDemoWeb',
        'WebhookSecretArnDemoWoo',
        'WebhookUrlDemoShopify',
        'WebhookUrlDemoWeb',
        'WebhookUrlDemoWoo',
        'OpsApiUrl',
        'OpsOperatorPolicyArn',
        'StateMachineArn',
        'EventBusName',
        'FilesBucketName',
        ...['NordicHome', 'AtlanticOutfitters', 'PacificGadgets'].flatMap((p) => [`SupplierInboundQueueUrl${p}`, `SupplierOutboundQueueUrl${p}`]),
      ].sort(),
    );
    expect(outputs.StateMachineArn?.Value).toEqual({ Ref: 'OrderWorkflowStateMachine' });
    expect(outputs.ApiKeyIdDemoWeb?.Value).toEqual({ Ref: 'StorefrontApiKeyDemoWeb' });
    expect(outputs.WebhookSecretArnDemoShopify?.Value).toEqual({ Ref: 'WebhookSecretDemoShopify' });
    expect(renderIntrinsics(outputs.WebhookUrlDemoShopify?.Value)).toMatch(
      /^https:\/\/<Ref:StorefrontRestApi>\.execute-api\..*\/<Ref:StorefrontApiDeploymentStagev1[0-9A-F]+>\/webhooks\/shopify\/demo-shopify\/orders-create$/,
    );
  });
});

function isKeyPolicyAccountDelegation(st: { source: string; Effect: unknown; Action: unknown; Principal?: unknown; Resource?: unknown }): boolean {
  if (!st.source.endsWith('(key policy)') || st.Effect !== 'Allow') return false;
  const principal = st.Principal === undefined ? undefined : rec(st.Principal).AWS;
  const rendered = principal === undefined ? '' : renderIntrinsics(principal);
  return rendered === 'arn:<AWS::Partition>:iam::<AWS::AccountId>:root' && arr(st.Resource).every((r) => r === '*');
}

/**
 * The ops API (dev stack): IAM authorization on every method (no API key, no usage plan), the operator
 * policy, the routes and their handlers, the refusals' shape, and least privilege of the ops functions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OPS_API_LOGICAL_IDS, OPS_ENTRIES, OPS_FORBIDDEN_TEMPLATE, OPS_ORDER_ACTIONS } from '../../lib/constructs/ops-api';
import { AFTER_DELIVERY_ENTRIES } from '../../lib/constructs/after-delivery/scorecards';
import { type Synthesized, actionsOf, apiMethods, arr, functionEnv, functionIdByEntry, props, rec, referencedId, renderIntrinsics, resourcesOfType, roleOfFunction, roleStatements, synthesize } from './support';

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
});

const OPS_ROUTES: Record<string, string> = {
  'GET /ops/orders': OPS_ENTRIES.find,
  'GET /ops/orders/{orderId}': OPS_ENTRIES.look,
  ...Object.fromEntries(OPS_ORDER_ACTIONS.map((a) => [`POST /ops/orders/{orderId}/${a}`, OPS_ENTRIES.act])),
  'GET /ops/orders/{orderId}/documents/{documentId}': OPS_ENTRIES.documents,
  'GET /ops/suppliers': OPS_ENTRIES.suppliers,
  'POST /ops/suppliers/{supplierId}/pause': OPS_ENTRIES.suppliers,
  'POST /ops/suppliers/{supplierId}/resume': OPS_ENTRIES.suppliers,
  'GET /ops/dead-letters': OPS_ENTRIES.deadLetters,
  'POST /ops/dead-letters/{source}/replay': OPS_ENTRIES.deadLetters,
  'GET /ops/exceptions': OPS_ENTRIES.exceptions,
  // issue 15 (lib/constructs/after-delivery/scorecards.ts)
  'POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/reship': AFTER_DELIVERY_ENTRIES.deliveryDecisions,
  'POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/refund': AFTER_DELIVERY_ENTRIES.deliveryDecisions,
  'GET /ops/claims': AFTER_DELIVERY_ENTRIES.claims,
  'POST /ops/claims/{claimId}/close': AFTER_DELIVERY_ENTRIES.claims,
  'GET /ops/suppliers/{supplierId}/scorecard': AFTER_DELIVERY_ENTRIES.scorecard,
  'POST /ops/returns/{returnId}/authorize': OPS_ENTRIES.returns,
  'POST /ops/returns/{returnId}/close': OPS_ENTRIES.returns,
  'POST /ops/returns/{returnId}/receive': OPS_ENTRIES.returns,
  'GET /ops/returns': OPS_ENTRIES.returns,
};

const opsMethods = () => apiMethods(s.json).filter((m) => m.apiLogicalId === OPS_API_LOGICAL_IDS.restApi);

describe('ops API: IAM authorization', () => {
  it('is a REST API of its own under a pinned logical id', () => {
    expect(resourcesOfType(s.json, 'AWS::ApiGateway::RestApi').map(([id]) => id).sort()).toEqual([OPS_API_LOGICAL_IDS.restApi, 'StorefrontRestApi']);
  });

  it('every ops method is AWS_IAM-authorized and needs no API key', () => {
    const methods = opsMethods();
    expect(methods.length).toBeGreaterThanOrEqual(Object.keys(OPS_ROUTES).length);
    for (const m of methods) {
      expect(m.properties.AuthorizationType, m.route).toBe('AWS_IAM');
      expect(m.properties.ApiKeyRequired ?? false, m.route).toBe(false);
    }
  });

  it('has no API key and no usage plan (only the storefront channels have keys)', () => {
    expect(resourcesOfType(s.json, 'AWS::ApiGateway::ApiKey').map(([id]) => id).every((id) => id.startsWith('StorefrontApiKey'))).toBe(true);
    for (const [id, plan] of resourcesOfType(s.json, 'AWS::ApiGateway::UsagePlan')) {
      expect(arr(props(plan).ApiStages).map((st) => referencedId(rec(st).ApiId)), id).not.toContain(OPS_API_LOGICAL_IDS.restApi);
    }
  });

  it('serves the ops routes, each proxied to its handler', () => {
    const byRoute = new Map(opsMethods().map((m) => [m.route, m]));
    for (const [route, entry] of Object.entries(OPS_ROUTES)) {
      const m = byRoute.get(route);
      expect(m, route).toBeDefined();
      const fnId = /<([A-Za-z0-9]+)\.Arn>/.exec(renderIntrinsics(rec(m?.properties.Integration).Uri))?.[1];
      expect(s.json.Resources[fnId ?? '']?.Metadata?.['dropship:entry'], route).toBe(entry);
    }
  });

  it('answers IAM refusals (unsigned, bad signature, expired, not allowed) with one 403 FORBIDDEN shape', () => {
    const responses = resourcesOfType(s.json, 'AWS::ApiGateway::GatewayResponse').filter(([, r]) => referencedId(props(r).RestApiId) === OPS_API_LOGICAL_IDS.restApi);
    const byType = new Map(responses.map(([, r]) => [props(r).ResponseType, props(r)]));
    for (const type of ['MISSING_AUTHENTICATION_TOKEN', 'INVALID_SIGNATURE', 'EXPIRED_TOKEN', 'ACCESS_DENIED']) {
      expect(byType.get(type)?.StatusCode, type).toBe('403');
      expect(rec(byType.get(type)?.ResponseTemplates)['application/json'], type).toBe(OPS_FORBIDDEN_TEMPLATE);
    }
  });

  it('creates the operator policy: execute-api:Invoke on the ops paths of its stage only, published as an output', () => {
    const policy = s.json.Resources[OPS_API_LOGICAL_IDS.operatorPolicy];
    expect(policy?.Type).toBe('AWS::IAM::ManagedPolicy');
    const statements = arr(rec(props(policy ?? { Type: '' }).PolicyDocument).Statement).map(rec);
    expect(statements.flatMap((st) => arr(st.Action))).toEqual(['execute-api:Invoke']);
    expect(renderIntrinsics(statements[0]?.Resource)).toMatch(/<Ref:OpsRestApi>\/v1\/\*\/ops\/\*$/);
    expect(s.json.Outputs?.OpsOperatorPolicyArn?.Value).toEqual({ Ref: OPS_API_LOGICAL_IDS.operatorPolicy });
    expect(s.json.Outputs?.OpsApiKeyId).toBeUndefined();
  });

  it('logs access as JSON, traces and throttles its stage with the ops throttle', () => {
    const stage = resourcesOfType(s.json, 'AWS::ApiGateway::Stage').find(([, st]) => referencedId(props(st).RestApiId) === OPS_API_LOGICAL_IDS.restApi);
    const p = props(stage?.[1] ?? { Type: '' });
    expect(p).toMatchObject({ StageName: 'v1', TracingEnabled: true });
    expect(rec(arr(p.MethodSettings)[0])).toMatchObject({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, LoggingLevel: 'ERROR', DataTraceEnabled: false });
  });
});

describe('ops functions: least privilege', () => {
  const statementsOf = (entry: string) => roleStatements(s.json, roleOfFunction(s.json, functionIdByEntry(s.json, entry)));

  it('the order actions may resume the workflow (task responses) and write items', () => {
    const statements = statementsOf(OPS_ENTRIES.act);
    const states = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('states:SendTask')));
    expect(states.flatMap(actionsOf).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
    expect(statements.flatMap(actionsOf)).toContain('dynamodb:UpdateItem');
  });

  it('the order actions may redrive the order\'s execution, and ask suppliers (cancel)', () => {
    const statements = statementsOf(OPS_ENTRIES.act);
    const redrive = statements.find((st) => actionsOf(st).includes('states:RedriveExecution'));
    expect(renderIntrinsics(redrive?.Resource)).toMatch(/:execution:<OrderWorkflowStateMachine\.Name>:\*$/);
    expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['sqs:SendMessage', 's3:PutObject']));
    expect(functionEnv(s.json, functionIdByEntry(s.json, OPS_ENTRIES.act))).toHaveProperty('SUPPLIER_QUEUES');
  });

  it('dead letters reads and deletes only on the DLQs, and sends only to their source queues', () => {
    const statements = statementsOf(OPS_ENTRIES.deadLetters);
    const receive = statements.filter((st) => actionsOf(st).includes('sqs:ReceiveMessage'));
    expect(receive.flatMap((st) => arr(st.Resource)).map(renderIntrinsics).every((r) => /Dlq/i.test(r))).toBe(true);
    const send = statements.filter((st) => actionsOf(st).includes('sqs:SendMessage'));
    expect(send.flatMap((st) => arr(st.Resource)).map(renderIntrinsics).some((r) => /Dlq/i.test(r))).toBe(false);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  it('documents reads the supplier outboxes only', () => {
    const s3 = statementsOf(OPS_ENTRIES.documents).filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap(actionsOf).sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(s3.flatMap((st) => arr(st.Resource)).map(renderIntrinsics).every((r) => r.endsWith('/suppliers/*/outbox/*'))).toBe(true);
  });

  it.each([OPS_ENTRIES.find, OPS_ENTRIES.look, OPS_ENTRIES.exceptions, OPS_ENTRIES.documents])('%s only reads items', (entry) => {
    const actions = statementsOf(entry).flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(actions.filter((a) => a.startsWith('states:Send'))).toEqual([]);
  });

  it('look reads the workflow definition and the order executions, nothing else of Step Functions', () => {
    const states = statementsOf(OPS_ENTRIES.look).filter((st) => actionsOf(st).some((a) => a.startsWith('states:')));
    expect(states.flatMap(actionsOf).sort()).toEqual(['states:DescribeExecution', 'states:DescribeStateMachine', 'states:GetExecutionHistory']);
  });

  it('find knows the channels (external ids without a channel) but no channel keys', () => {
    const env = functionEnv(s.json, functionIdByEntry(s.json, OPS_ENTRIES.find));
    expect(env.OPS_CHANNEL_IDS).toBe('demo-web,demo-shopify,demo-woo');
    expect(env.CHANNELS).toBeUndefined();
  });

  it.each(Object.values(OPS_ENTRIES).filter((e) => e !== OPS_ENTRIES.deadLetters))('%s gets the workflow settings of the stage', (entry) => {
    expect(functionEnv(s.json, functionIdByEntry(s.json, entry))).toMatchObject({ SHIP_GRACE_DAYS: '7', DELIVERY_GRACE_DAYS: '7', TABLE_NAME: { Ref: 'PipelineTable' } });
  });
});

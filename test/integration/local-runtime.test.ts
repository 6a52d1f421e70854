/**
 * The local runtime itself, on a hand-written template shaped like CDK output
 * (fixtures/template.json) with probe handlers: template reading and intrinsic resolution, API Gateway
 * behaviour (routing, API keys, payload limit, binary bodies, errors), Lambda emulation (own env per
 * function, context, timeouts, crashes, overhead) and the Secrets Manager stand-in.
 * It shares the run's DynamoDB Local (no second JVM).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resolver } from '../../local/template/resolve';
import { REPO_ROOT, startLocalRuntime, type LocalRuntime } from '../../local/runtime/runtime';
import { readTemplate } from '../../local/template/reader';
import { asTemplate } from '../../local/template/cfn';
import { endpoints, http, obj } from './helpers';

const fixture = asTemplate(JSON.parse(await readFile(new URL('./fixtures/template.json', import.meta.url), 'utf8')), 'fixture');

describe('template reader and resolver (fixture)', () => {
  const resolver = new Resolver(fixture, { refs: { FixtureKeyInPlan: 'keyid00001' }, stackName: 'Fixture' });
  const model = readTemplate(fixture, resolver, REPO_ROOT);

  it('reads the table with its GSI, TTL and stream', () => {
    expect(model.tables).toEqual([
      {
        logicalId: 'FixtureTable1234ABCD',
        tableName: 'FixtureTable1234ABCD',
        keySchema: [
          { attributeName: 'pk', keyType: 'HASH' },
          { attributeName: 'sk', keyType: 'RANGE' },
        ],
        attributeDefinitions: [
          { attributeName: 'pk', attributeType: 'S' },
          { attributeName: 'sk', attributeType: 'S' },
          { attributeName: 'gsi1pk', attributeType: 'S' },
          { attributeName: 'gsi1sk', attributeType: 'N' },
        ],
        globalSecondaryIndexes: [
          {
            indexName: 'gsi1',
            keySchema: [
              { attributeName: 'gsi1pk', keyType: 'HASH' },
              { attributeName: 'gsi1sk', keyType: 'RANGE' },
            ],
            projection: { projectionType: 'INCLUDE', nonKeyAttributes: ['status'] },
          },
        ],
        localSecondaryIndexes: [],
        ttlAttribute: 'expiresAt',
        streamViewType: 'NEW_IMAGE',
      },
    ]);
  });

  it.each([
    ['TABLE_NAME', 'FixtureTable1234ABCD'],
    ['TABLE_ARN', 'arn:aws:dynamodb:us-east-1:000000000000:table/FixtureTable1234ABCD'],
    ['SECRET_ARN', 'arn:aws:secretsmanager:us-east-1:000000000000:secret:FixtureSecretAAAA0001'],
    ['API_KEY_ID', 'keyid00001'],
    [
      'SUB',
      'us-east-1/000000000000/aws/amazonaws.com/FixtureTable1234ABCD/arn:aws:dynamodb:us-east-1:000000000000:table/FixtureTable1234ABCD/${Literal}',
    ],
    ['SUB_VARS', 'hello, FixtureTable1234ABCD'],
    ['SELECT', 'b'],
    ['IF', 'yes'],
    ['MAPPED', '128'],
    [
      'CHANNELS',
      '[{"channelId":"fixture","platform":"custom","currency":"EUR","shopDomain":null,"apiKeyId":"keyid00001","webhookSecretArn":"arn:aws:secretsmanager:us-east-1:000000000000:secret:FixtureSecretAAAA0001"}]',
    ],
  ])('resolves %s in a function environment', (name, expected) => {
    const fn = model.functions.find((f) => f.logicalId === 'EnvFunction1234ABCD');
    expect(fn?.environment[name]).toBe(expected);
  });

  it('reads functions from dropship:entry metadata and skips the others', () => {
    const slow = model.functions.find((f) => f.logicalId === 'SlowFunction1234ABCD');
    expect(slow).toMatchObject({ entry: 'test/integration/fixtures/handlers/probe.ts', handlerExport: 'slow', timeoutSeconds: 1, memoryMb: 256 });
    expect(model.skippedFunctions.map((s) => s.logicalId)).toEqual(['CustomResourceProviderHandlerAAAA0001']);
  });

  it('builds full route paths by walking ParentId chains, with path params, keys and targets', () => {
    const api = model.apis[0];
    expect(api?.stageName).toBe('test');
    const routes = api?.routes.map((r) => [
      r.method,
      r.path,
      r.pathParams.join(','),
      r.apiKeyRequired,
      r.integration.type === 'LAMBDA_PROXY' ? r.integration.functionLogicalId : r.integration.type,
    ]);
    expect(routes).toEqual(
      expect.arrayContaining([
        ['GET', '/', '', false, 'EchoFunction1234ABCD'],
        ['GET', '/echo', '', true, 'EchoFunction1234ABCD'],
        ['OPTIONS', '/echo', '', false, 'MOCK'],
        ['GET', '/echo/{id}', 'id', true, 'EchoFunction1234ABCD'],
        ['GET', '/echo/{id}/static', 'id', true, 'EchoFunction1234ABCD'],
        ['ANY', '/files/{proxy+}', 'proxy', false, 'EchoFunction1234ABCD'],
        ['GET', '/open', '', false, 'EchoFunction1234ABCD'],
      ]),
    );
    expect(api?.routes).toHaveLength(16);
  });

  it('reads usage plans with their keys and stages, and secrets with their generation rules', () => {
    expect(model.usagePlans.find((p) => p.logicalId === 'FixturePlanAAAA0001')).toMatchObject({
      apiStages: [{ apiLogicalId: 'FixtureApiC0FFEE01', stageName: 'test' }],
      apiKeyLogicalIds: ['FixtureKeyInPlan', 'FixtureKeyDisabled', 'FixtureKeyFixedValue'],
    });
    expect(model.apiKeys.find((k) => k.logicalId === 'FixtureKeyDisabled')?.enabled).toBe(false);
    expect(model.secrets.find((s) => s.logicalId === 'FixtureJsonSecretAAAA0002')).toMatchObject({
      name: 'fixture/json',
      generate: { secretStringTemplate: '{"user":"app"}', generateStringKey: 'password', passwordLength: 16 },
    });
  });
});

describe('local runtime on the fixture template', () => {
  let runtime: LocalRuntime;
  let dataDir: string;
  let base: string;
  let keys: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-fixture-'));
    runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      quiet: true,
      seed: false,
      warm: true,
      template: { stackName: 'Fixture', template: fixture },
      dynamodbEndpoint: endpoints().dynamodb.endpoint,
    });
    base = runtime.endpoints.apiUrl;
    const state = JSON.parse(await readFile(path.join(dataDir, 'state.json'), 'utf8')) as { apiKeys: Record<string, { value: string }> };
    keys = Object.fromEntries(Object.entries(state.apiKeys).map(([id, k]) => [id, k.value]));
  });

  afterAll(async () => {
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates the template table in DynamoDB Local with its GSI, TTL and stream', async () => {
    const client = new DynamoDBClient({
      endpoint: endpoints().dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const table = (await client.send(new DescribeTableCommand({ TableName: 'FixtureTable1234ABCD' }))).Table;
    expect(table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([['gsi1', 'INCLUDE']]);
    expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'FixtureTable1234ABCD' }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    client.destroy();
  });

  describe('API keys, as API Gateway checks them', () => {
    it.each([
      ['no key', undefined, 403],
      ['unknown key', 'not-a-key', 403],
      ['key in no usage plan', 'FixtureKeyNoPlan', 403],
      ['disabled key', 'FixtureKeyDisabled', 403],
      ['key of a plan for another stage', 'FixtureKeyOtherStage', 403],
      ['key in a plan of this stage', 'FixtureKeyInPlan', 200],
      ['key with a value fixed in the template', 'FixtureKeyFixedValue', 200],
    ])('%s (%s) -> %i', async (_label, key, status) => {
      const value = key === undefined ? undefined : (keys[key] ?? key);
      const res = await http(base, 'GET', '/echo', { headers: value === undefined ? {} : { 'x-api-key': value } });
      expect(res.status).toBe(status);
      if (status === 403) {
        // The fixture's DEFAULT_4XX gateway response shapes API Gateway's own errors.
        expect(res.json).toEqual({ fault: 'Forbidden', type: 'INVALID_API_KEY', rid: res.headers.get('x-amzn-requestid') });
        expect(res.headers.get('x-fixture')).toBe('4xx');
      }
    });

    it('keeps the fixed template value and passes key and key id in requestContext.identity', async () => {
      expect(keys['FixtureKeyFixedValue']).toBe('fixture-fixed-key-value-0123456789abcdef');
      const res = await http(base, 'GET', '/echo', { headers: { 'x-api-key': keys['FixtureKeyInPlan'] ?? '' } });
      const identity = obj(obj(obj(obj(res.json)['event'])['requestContext'])['identity']);
      expect(identity['apiKey']).toBe(keys['FixtureKeyInPlan']);
      const env = obj((await http(base, 'GET', '/env')).json);
      expect(identity['apiKeyId']).toBe(env['API_KEY_ID']);
    });

    it('evaluates ApiKeyRequired through Fn::If', async () => {
      expect((await http(base, 'GET', '/open')).status).toBe(200);
    });
  });

  describe('routing and the proxy event', () => {
    const key = (): Record<string, string> => ({ 'x-api-key': keys['FixtureKeyInPlan'] ?? '' });

    it('builds an API Gateway v1 proxy event', async () => {
      const res = await http(base, 'GET', '/echo/a%20b?x=1&x=2&y=3', { headers: { ...key(), 'X-Multi': 'one', 'User-Agent': 'it-test' } });
      expect(res.status).toBe(200);
      const event = obj(obj(res.json)['event']);
      expect(event).toMatchObject({
        resource: '/echo/{id}',
        path: '/echo/a%20b',
        httpMethod: 'GET',
        pathParameters: { id: 'a b' },
        queryStringParameters: { x: '2', y: '3' },
        multiValueQueryStringParameters: { x: ['1', '2'], y: ['3'] },
        stageVariables: null,
        body: null,
        isBase64Encoded: false,
      });
      expect(obj(event['headers'])['X-Multi']).toBe('one');
      expect(obj(event['multiValueHeaders'])['X-Multi']).toEqual(['one']);
      expect(obj(event['requestContext'])).toMatchObject({
        stage: 'test',
        resourcePath: '/echo/{id}',
        httpMethod: 'GET',
        path: '/test/echo/a%20b',
        accountId: '000000000000',
        identity: { sourceIp: '127.0.0.1', userAgent: 'it-test' },
      });
      expect(obj(event['requestContext'])['requestId']).toBe(res.headers.get('x-amzn-requestid'));
    });

    it.each([
      ['/echo/fixed', '/echo/fixed'],
      ['/echo/other', '/echo/{id}'],
      ['/echo/other/static', '/echo/{id}/static'],
      ['/test/echo/fixed', '/echo/fixed'],
    ])('%s matches resource %s (static beats {param}; stage prefix optional)', async (p, resource) => {
      const res = await http(base, 'GET', p, { headers: key() });
      expect(res.status).toBe(200);
      expect(obj(obj(res.json)['event'])['resource']).toBe(resource);
    });

    it('matches {proxy+} greedily for any method', async () => {
      const res = await http(base, 'DELETE', '/files/a/b/c.txt');
      expect(obj(obj(res.json)['event'])).toMatchObject({ resource: '/files/{proxy+}', pathParameters: { proxy: 'a/b/c.txt' }, httpMethod: 'DELETE' });
    });

    it.each([
      ['GET', '/nope'],
      ['DELETE', '/echo'],
      ['GET', '/files'],
    ])('%s %s (no such route or method) -> 403 Missing Authentication Token', async (method, p) => {
      const res = await http(base, method, p, { headers: key() });
      expect(res.status).toBe(403);
      expect(obj(res.json)).toMatchObject({ fault: 'Missing Authentication Token', type: 'MISSING_AUTHENTICATION_TOKEN' });
    });

    it('answers MOCK integrations (CORS preflight) from the template', async () => {
      const res = await http(base, 'OPTIONS', '/echo');
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
    });

    it('checks required request parameters of a validated method', async () => {
      const missing = await http(base, 'GET', '/headers');
      expect(missing.status).toBe(400);
      expect(obj(missing.json)['fault']).toBe('Missing required request parameters: [X-Required, q]');
      expect((await http(base, 'GET', '/headers?q=1', { headers: { 'X-Required': 'yes' } })).status).toBe(200);
    });

    it('passes the handler multiValueHeaders and headers back merged', async () => {
      const res = await http(base, 'GET', '/echo', { headers: key() });
      expect(res.headers.get('x-probe')).toBe('echo');
      expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    });
  });

  describe('bodies', () => {
    it('base64-encodes binary media types and decodes base64 responses', async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 255]);
      const res = await fetch(`${base}/binary`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
        signal: AbortSignal.timeout(10_000),
      });
      expect(res.headers.get('x-was-base64')).toBe('true');
      expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([255, 250, 2, 1, 0]);
    });

    it('passes text bodies as strings', async () => {
      const res = await fetch(`${base}/binary`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'abc',
        signal: AbortSignal.timeout(10_000),
      });
      expect(res.headers.get('x-was-base64')).toBe('false');
      expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('cba');
    });

    it('rejects payloads over 10 MB with 413 before any function runs', async () => {
      const res = await http(base, 'POST', '/binary', {
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(10 * 1024 * 1024 + 1, 1),
        timeoutMs: 20_000,
      });
      expect(res.status).toBe(413);
      expect(obj(res.json)).toMatchObject({ fault: 'Request Too Long', type: 'REQUEST_TOO_LARGE' });
    });
  });

  describe('Lambda emulation', () => {
    it('turns a handler throw into 502 Internal server error, without leaking the detail', async () => {
      const res = await http(base, 'GET', '/boom');
      expect(res.status).toBe(502);
      expect(res.json).toEqual({ message: 'Internal server error' });
      expect(res.text).not.toContain('secret detail');
    });

    it('turns a malformed proxy response into 502', async () => {
      const res = await http(base, 'GET', '/malformed');
      expect(res.status).toBe(502);
      expect(res.json).toEqual({ message: 'Internal server error' });
    });

    it('enforces the template timeout and replaces the timed-out worker', async () => {
      const first = await http(base, 'GET', '/slow?sleep=3000');
      expect(first.status).toBe(502);
      const second = await http(base, 'GET', '/slow?sleep=10');
      expect(second.status).toBe(200);
      // A fresh container: its module state starts over.
      expect(obj(second.json)['invocations']).toBe(1);
    });

    it('gives each function its own process.env: template variables plus local endpoints only', async () => {
      const env = obj((await http(base, 'GET', '/env')).json);
      expect(env).toMatchObject({
        TABLE_NAME: 'FixtureTable1234ABCD',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_DYNAMODB: endpoints().dynamodb.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: runtime.endpoints.secretsManager.endpoint,
        AWS_LAMBDA_FUNCTION_NAME: 'EnvFunction1234ABCD',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      });
      // Nothing leaks in from the parent process (AWS would not have it either).
      expect(env['PATH']).toBeUndefined();
    });

    it('passes a Lambda-shaped context with the template timeout', async () => {
      const res = await http(base, 'GET', '/echo', { headers: { 'x-api-key': keys['FixtureKeyInPlan'] ?? '' } });
      const context = obj(obj(res.json)['context']);
      expect(context).toMatchObject({
        functionName: 'EchoFunction1234ABCD',
        memoryLimitInMB: '256',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:EchoFunction1234ABCD',
      });
      expect(context['remainingMs']).toBeGreaterThan(4000);
      expect(context['remainingMs']).toBeLessThanOrEqual(5000);
    });

    it('supports callback-style handlers through direct invoke', async () => {
      const out = await runtime.invoke('DoubleFunction1234ABCD', { n: 21 });
      expect(out).toMatchObject({ ok: true, value: { n: 42 } });
    });

    // Speed is measured by `npm run bench`, never asserted here: this checks that many back-to-back
    // invocations on the reused worker all answer correctly.
    it('serves many back-to-back invocations from the reused worker, each with its own answer', async () => {
      const n = 500;
      for (let i = 0; i < n; i++) {
        await expect(runtime.invoke('DoubleFunction1234ABCD', { n: i })).resolves.toMatchObject({ ok: true, value: { n: i * 2 } });
      }
    });
  });

  describe('Secrets Manager stand-in', () => {
    it('serves the generated secret to a handler through the normal SDK', async () => {
      const res = obj((await http(base, 'GET', '/secret')).json);
      const state = JSON.parse(await readFile(path.join(dataDir, 'state.json'), 'utf8')) as { secrets: Record<string, string> };
      expect(res).toEqual({
        arn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:FixtureSecretAAAA0001',
        name: 'FixtureSecretAAAA0001',
        value: state.secrets['FixtureSecretAAAA0001'],
      });
      expect(res['value']).toMatch(/^[A-Za-z0-9]{48}$/);
    });

    it.each([
      ['fixture/json', /^\{"user":"app","password":"[^"@/\\]{16}"\}$/],
      ['FixtureLiteralSecretAAAA0003', /^literal-value$/],
    ])('finds %s by name and honours the template generation rules', async (id, pattern) => {
      const res = obj((await http(base, 'GET', `/secret?id=${encodeURIComponent(id)}`)).json);
      expect(String(res['value'])).toMatch(pattern);
    });

    it('answers ResourceNotFoundException for an unknown secret', async () => {
      const res = obj((await http(base, 'GET', '/secret?id=missing')).json);
      expect(res).toEqual({ error: 'ResourceNotFoundException' });
    });
  });
});

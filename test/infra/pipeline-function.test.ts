/**
 * The PipelineFunction construct on its own (a tiny stack, no bundling, a fixture entry file).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { BUNDLING_STACKS_CONTEXT } from '../../lib/app-builder';
import { OrderStore } from '../../lib/constructs/order-store';
import { PipelineFunction, type PipelineFunctionProps, toRetention } from '../../lib/constructs/pipeline-function';
import { type Stage, parseStageConfig } from '../../lib/stage-config';
import { type CfnTemplate, acknowledgements, actionsOf, arr, props, rec, referencedId, renderIntrinsics, resourcesOfType, roleStatements, logicalIdOf } from './support';

const ENTRY = 'test/infra/fixtures/noop-handler.ts';

function stageWith(overrides: Record<string, unknown> = {}): Stage {
  return {
    name: 'test',
    config: parseStageConfig('test', {
      logRetentionDays: 30,
      retainData: false,
      apiThrottle: { rateLimit: 1, burstLimit: 2 },
      channels: [{ id: 'web', name: 'Web', platform: 'custom', currency: 'EUR' }],
      ...overrides,
    }),
  };
}

function newStack(): Stack {
  const app = new App({
    context: { [BUNDLING_STACKS_CONTEXT]: [] },
    analyticsReporting: false,
    stackTraces: false,
    builtinCloudFormationValidation: false,
  });
  return new Stack(app, 'FnTest');
}

function make(overrides: Partial<PipelineFunctionProps> = {}, stack = newStack()): { stack: Stack; fn: PipelineFunction } {
  const fn = new PipelineFunction(stack, 'Fn', {
    entry: ENTRY,
    description: 'test function',
    stage: stageWith(),
    serviceName: 'test-service',
    invocation: 'synchronous',
    ...overrides,
  });
  return { stack, fn };
}

function templateOf(stack: Stack): CfnTemplate {
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

function onlyFunction(json: CfnTemplate): Record<string, unknown> {
  const fns = resourcesOfType(json, 'AWS::Lambda::Function');
  expect(fns).toHaveLength(1);
  return props(fns[0]?.[1] ?? { Type: '' });
}

describe('PipelineFunction', () => {
  it('refuses an entry file that does not exist', () => {
    expect(() => make({ entry: 'functions/api/does-not-exist.ts' })).toThrow(/entry file functions\/api\/does-not-exist\.ts does not exist/);
  });

  it.each(['/abs/handler.ts', '../outside.ts'])('refuses an entry outside the repository: %s', (entry) => {
    expect(() => make({ entry })).toThrow(/must be relative to the repository root/);
  });

  it('applies the shared defaults', () => {
    const { stack } = make();
    const p = onlyFunction(templateOf(stack));
    expect(p).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 512,
      Timeout: 10,
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' },
    });
    expect(rec(rec(p.Environment).Variables)).toEqual({
      STAGE: 'test',
      POWERTOOLS_SERVICE_NAME: 'test-service',
      POWERTOOLS_METRICS_NAMESPACE: 'DropshipPipeline',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('writes the entry and handler metadata for the local runtime', () => {
    const { stack } = make({ handler: 'main' });
    const [, fn] = resourcesOfType(templateOf(stack), 'AWS::Lambda::Function')[0] ?? [];
    expect(fn?.Metadata).toMatchObject({ 'dropship:entry': ENTRY, 'dropship:handler': 'main' });
    expect(props(fn ?? { Type: '' }).Handler).toBe('index.main');
  });

  it('follows the stage log level', () => {
    const { stack } = make({ stage: stageWith({ logLevel: 'DEBUG' }) });
    const p = onlyFunction(templateOf(stack));
    expect(rec(rec(p.Environment).Variables).POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    expect(rec(p.LoggingConfig).ApplicationLogLevel).toBe('DEBUG');
  });

  it('merges extra environment variables over the defaults', () => {
    const { stack } = make({ environment: { FEATURE: 'on', POWERTOOLS_SERVICE_NAME: 'override' } });
    expect(rec(rec(onlyFunction(templateOf(stack)).Environment).Variables)).toMatchObject({ FEATURE: 'on', POWERTOOLS_SERVICE_NAME: 'override', STAGE: 'test' });
  });

  it('owns a log group with the stage retention, writable only by its role', () => {
    const { stack, fn } = make();
    const json = templateOf(stack);
    const groupId = referencedId(rec(onlyFunction(json).LoggingConfig).LogGroup);
    expect(props(json.Resources[groupId ?? ''] ?? { Type: '' }).RetentionInDays).toBe(30);
    const logActions = roleStatements(json, logicalIdOf(fn.executionRole)).flatMap(actionsOf).filter((a) => a.startsWith('logs:'));
    expect(logActions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('sets reserved concurrency when asked', () => {
    const { stack } = make({ reservedConcurrentExecutions: 5 });
    expect(onlyFunction(templateOf(stack)).ReservedConcurrentExecutions).toBe(5);
  });

  it('synchronous functions have no DLQ and say why', () => {
    const { stack, fn } = make();
    expect(onlyFunction(templateOf(stack)).DeadLetterConfig).toBeUndefined();
    expect(acknowledgements(fn).map((a) => a.id)).toContain('Serverless-LambdaDLQ');
  });

  it('asynchronous functions send failed events to their queue after two retries', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Failed');
    const { fn } = make({ invocation: { asyncFailureQueue: queue } }, stack);
    const json = templateOf(stack);
    const p = onlyFunction(json);
    expect(referencedId(rec(p.DeadLetterConfig).TargetArn)).toBe(logicalIdOf(queue));
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    expect(acknowledgements(fn).map((a) => a.id)).not.toContain('Serverless-LambdaDLQ');
  });

  it('keeps its log group when the stage retains data', () => {
    const { stack } = make({ stage: stageWith({ retainData: true }) });
    const [, group] = resourcesOfType(templateOf(stack), 'AWS::Logs::LogGroup')[0] ?? [];
    expect(group?.DeletionPolicy).toBe('Retain');
  });
});

describe('binding helpers', () => {
  it('useTable("read") sets TABLE_NAME and grants item reads on the table and each named index', () => {
    const stack = newStack();
    const store = new OrderStore(stack, 'Store', { stage: stageWith() });
    const { fn } = make({}, stack);
    fn.useTable(store, 'read');
    const json = templateOf(stack);
    const variables = rec(rec(onlyFunction(json).Environment).Variables);
    expect(variables.TABLE_NAME).toEqual({ Ref: logicalIdOf(store.table) });
    const statements = roleStatements(json, logicalIdOf(fn.executionRole));
    const dynamo = statements.find((st) => actionsOf(st).includes('dynamodb:GetItem'));
    expect(actionsOf(dynamo ?? { source: '', Effect: '', Action: [] }).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(arr(dynamo?.Resource).map(renderIntrinsics)).toEqual([
      '<PipelineTable.Arn>',
      '<PipelineTable.Arn>/index/gsi1',
      '<PipelineTable.Arn>/index/gsi2',
      '<PipelineTable.Arn>/index/gsi3',
      '<PipelineTable.Arn>/index/gsi4',
    ]);
    const key = statements.find((st) => actionsOf(st).includes('kms:Decrypt'));
    expect(actionsOf(key ?? { source: '', Effect: '', Action: [] }).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
  });

  it('useTable("write") grants item writes on the table only', () => {
    const stack = newStack();
    const store = new OrderStore(stack, 'Store', { stage: stageWith() });
    const { fn } = make({}, stack);
    fn.useTable(store, 'write', 'ORDERS_TABLE');
    const json = templateOf(stack);
    expect(Object.keys(rec(rec(onlyFunction(json).Environment).Variables))).toContain('ORDERS_TABLE');
    const statements = roleStatements(json, logicalIdOf(fn.executionRole));
    const dynamo = statements.find((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    expect(actionsOf(dynamo ?? { source: '', Effect: '', Action: [] }).sort()).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(arr(dynamo?.Resource).map(renderIntrinsics)).toEqual(['<PipelineTable.Arn>']);
  });

  it('useSecret grants GetSecretValue on that secret only and can pass its ARN', () => {
    const stack = newStack();
    const secret = new secretsmanager.Secret(stack, 'S');
    const { fn } = make({}, stack);
    fn.useSecret(secret, 'SIGNING_SECRET_ARN');
    const json = templateOf(stack);
    const secretId = logicalIdOf(secret);
    expect(rec(rec(onlyFunction(json).Environment).Variables).SIGNING_SECRET_ARN).toEqual({ Ref: secretId });
    const statements = roleStatements(json, logicalIdOf(fn.executionRole)).filter((st) =>
      actionsOf(st).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(statements.flatMap(actionsOf)).toEqual(['secretsmanager:GetSecretValue']);
    expect(statements.flatMap((st) => arr(st.Resource)).map(referencedId)).toEqual([secretId]);
  });
});

describe('toRetention', () => {
  it.each([
    [1, logs.RetentionDays.ONE_DAY],
    [14, logs.RetentionDays.TWO_WEEKS],
    [15, logs.RetentionDays.ONE_MONTH],
    [90, logs.RetentionDays.THREE_MONTHS],
    [100, logs.RetentionDays.FOUR_MONTHS],
    [3653, logs.RetentionDays.TEN_YEARS],
  ])('%i days -> %i', (days, expected) => {
    expect(toRetention(days)).toBe(expected);
  });

  it('refuses more than CloudWatch Logs allows', () => {
    expect(() => toRetention(4000)).toThrow(/longer than CloudWatch Logs allows/);
  });
});

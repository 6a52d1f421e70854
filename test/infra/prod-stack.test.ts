/**
 * The prod stage (retainData: true): stateful resources survive stack deletion and are protected.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_ENTRIES } from '../../lib/constructs/order-workflow';
import { type Synthesized, arr, props, rec, renderIntrinsics, resourcesOfType, synthesize } from './support';

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ stage: 'prod' });
});

describe('prod stage', () => {
  it('is DropshipPipeline-prod with termination protection', () => {
    expect(s.stack.stackName).toBe('DropshipPipeline-prod');
    expect(s.stack.terminationProtection).toBe(true);
  });

  it('protects the table from deletion and retains it', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('retains the table key (backups stay readable) with the longest deletion window', () => {
    s.template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ PendingWindowInDays: 30, EnableKeyRotation: true }),
    });
    expect(s.json.Resources.PipelineTableKey?.DeletionPolicy).toBe('Retain');
  });

  it.each(['WebhookSecretWeb', 'WebhookSecretShopify'])('retains the channel secret %s', (id) => {
    expect(s.json.Resources[id]?.Type).toBe('AWS::SecretsManager::Secret');
    expect(s.json.Resources[id]?.DeletionPolicy).toBe('Retain');
  });

  it('keys and plans follow the prod channels (the ops API is IAM-authorized: no key, no plan)', () => {
    expect(resourcesOfType(s.json, 'AWS::ApiGateway::ApiKey').map(([id]) => id).sort()).toEqual(['StorefrontApiKeyShopify', 'StorefrontApiKeyWeb']);
    const throttles = resourcesOfType(s.json, 'AWS::ApiGateway::UsagePlan').map(([, plan]) => props(plan).Throttle);
    expect(throttles).toHaveLength(2);
    expect(throttles.filter((t) => rec(t).RateLimit === 200 && rec(t).BurstLimit === 400)).toHaveLength(2);
  });

  it('keeps every log group 90 days and retains them', () => {
    const groups = resourcesOfType(s.json, 'AWS::Logs::LogGroup');
    const functions = resourcesOfType(s.json, 'AWS::Lambda::Function').length;
    expect(groups.length).toBe(functions + 3); // one per function + two API access logs + the state machine's
    for (const [id, group] of groups) {
      expect(props(group).RetentionInDays, id).toBe(90);
      expect(group.DeletionPolicy, id).toBe('Retain');
    }
  });

  it('retains the supplier queues and their DLQs (messages in flight)', () => {
    const queues = resourcesOfType(s.json, 'AWS::SQS::Queue');
    expect(queues.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^AfterDeliveryDlq/),
      'ScheduledJobsDlq',
      'StorefrontNotifyDlq',
      'StorefrontNotifyEnqueueDlq',
      'StorefrontNotifyQueue',
      'StreamRouterDlq',
      'SupplierFileEventsDlq',
      'SupplierInboundDlqExampleSupplier',
      'SupplierInboundQueueExampleSupplier',
      'SupplierOutboundDlqExampleSupplier',
      'SupplierOutboundQueueExampleSupplier',
    ]);
    for (const [id, q] of queues) expect(q.DeletionPolicy, id).toBe('Retain');
  });

  it('retains the supplier files bucket (purchase orders, packing slips, reports) and its access logs', () => {
    for (const id of ['SupplierFilesBucket', 'SupplierFilesAccessLogs']) {
      expect(s.json.Resources[id]?.Type, id).toBe('AWS::S3::Bucket');
      expect(s.json.Resources[id]?.DeletionPolicy, id).toBe('Retain');
    }
    expect(renderIntrinsics(props(s.json.Resources.SupplierFilesBucket ?? { Type: '' }).BucketName)).toMatch(/^dropship-prod-files-<AWS::AccountId>-/);
  });

  it('every prod supplier has an access role for its configured account, guarded by its external id (required outside dev)', () => {
    const roles = resourcesOfType(s.json, 'AWS::IAM::Role').filter(([id]) => id.startsWith('SupplierAccessRole'));
    expect(roles).toHaveLength(1);
    const trust = JSON.stringify(props(roles[0]?.[1] ?? { Type: '' }).AssumeRolePolicyDocument);
    expect(trust).toContain(':iam::123456789012:root');
    expect(trust).toContain('"sts:ExternalId":"replace-with-the-agreed-external-id"');
    expect(Object.keys(s.json.Outputs ?? {}).filter((k) => k.startsWith('SupplierRoleArn'))).toEqual(['SupplierRoleArnExampleSupplier']);
  });

  it('limits executions to the prod setting (90 days) and archives events a year', () => {
    const sm = props(s.json.Resources.OrderWorkflowStateMachine ?? { Type: '' });
    expect(renderIntrinsics(sm.DefinitionString)).toContain('"TimeoutSeconds":7776000');
    expect(props(s.json.Resources.DomainEventArchive ?? { Type: '' }).RetentionDays).toBe(365);
  });

  it('passes the prod grace periods to the workflow tasks', () => {
    const variables = resourcesOfType(s.json, 'AWS::Lambda::Function')
      .map(([, fn]) => rec(rec(props(fn).Environment).Variables))
      .filter((v) => v.POWERTOOLS_SERVICE_NAME === 'order-workflow');
    expect(variables).toHaveLength(Object.keys(WORKFLOW_ENTRIES).length);
    for (const v of variables) expect(v).toMatchObject({ SHIP_GRACE_DAYS: '7', DELIVERY_GRACE_DAYS: '10' });
  });

  it('throttles the stage with the prod limits', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 })],
    });
  });

  it('tags resources with the project and the stage', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      Tags: Match.arrayWith([
        { Key: 'project', Value: 'dropship-pipeline' },
        { Key: 'stage', Value: 'prod' },
      ]),
    });
  });
});

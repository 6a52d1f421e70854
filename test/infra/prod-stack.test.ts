/**
 * The prod stage (retainData: true): stateful resources survive stack deletion and are protected.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, props, resourcesOfType, synthesize } from './support';

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

  it('keys and plans follow the prod channels', () => {
    expect(resourcesOfType(s.json, 'AWS::ApiGateway::ApiKey').map(([id]) => id).sort()).toEqual(['StorefrontApiKeyShopify', 'StorefrontApiKeyWeb']);
    for (const [, plan] of resourcesOfType(s.json, 'AWS::ApiGateway::UsagePlan')) {
      expect(props(plan).Throttle).toEqual({ RateLimit: 200, BurstLimit: 400 });
    }
  });

  it('keeps every log group 90 days and retains them', () => {
    const groups = resourcesOfType(s.json, 'AWS::Logs::LogGroup');
    expect(groups.length).toBe(4); // 3 functions + API access logs
    for (const [id, group] of groups) {
      expect(props(group).RetentionInDays, id).toBe(90);
      expect(group.DeletionPolicy, id).toBe('Retain');
    }
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

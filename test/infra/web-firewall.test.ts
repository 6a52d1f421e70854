/**
 * The storefront web ACL (dev stack): REGIONAL, associated with the API stage, a rate-based rule and a
 * Content-Length rule scoped to the webhook routes, no managed rule groups, and an alarm on blocked requests.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { API_GATEWAY_BODY_INSPECTION_LIMIT, WEB_FIREWALL_RULES, greaterThanRegex } from '../../lib/constructs/web-firewall';
import { type Synthesized, arr, props, rec, referencedId, renderIntrinsics, resourcesOfType, synthesize } from './support';

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
});

const webAcl = (): Record<string, unknown> => {
  const acls = resourcesOfType(s.json, 'AWS::WAFv2::WebACL');
  expect(acls).toHaveLength(1);
  return props(acls[0]?.[1] ?? { Type: '' });
};
const rule = (name: string): Record<string, unknown> => {
  const found = arr(webAcl().Rules).map(rec).find((r) => r.Name === name);
  expect(found, name).toBeDefined();
  return found ?? {};
};
const webhookScope = {
  ByteMatchStatement: {
    FieldToMatch: { UriPath: {} },
    PositionalConstraint: 'CONTAINS',
    SearchString: '/webhooks/',
    TextTransformations: [
      { Priority: 0, Type: 'URL_DECODE' },
      { Priority: 1, Type: 'LOWERCASE' },
    ],
  },
};

describe('web ACL', () => {
  it('is regional, allows by default, keeps the default 16 KB body window and has only our two rules (no managed groups)', () => {
    const acl = webAcl();
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    expect(acl.AssociationConfig).toEqual({ RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: API_GATEWAY_BODY_INSPECTION_LIMIT } } });
    const rules = arr(acl.Rules).map(rec);
    expect(rules.map((r) => r.Name)).toEqual([WEB_FIREWALL_RULES.webhookRate, WEB_FIREWALL_RULES.webhookBodySize]);
    expect(JSON.stringify(rules)).not.toContain('ManagedRuleGroupStatement');
  });

  it('is associated with the storefront API stage', () => {
    const associations = resourcesOfType(s.json, 'AWS::WAFv2::WebACLAssociation');
    expect(associations).toHaveLength(1);
    const association = props(associations[0]?.[1] ?? { Type: '' });
    expect(referencedId(association.WebACLArn)).toBe(resourcesOfType(s.json, 'AWS::WAFv2::WebACL')[0]?.[0]);
    expect(renderIntrinsics(association.ResourceArn)).toMatch(/^arn:<AWS::Partition>:apigateway:<AWS::Region>::\/restapis\/<Ref:StorefrontRestApi>\/stages\/<Ref:StorefrontApiDeploymentStage/);
  });

  it('rate-limits webhook requests per IP with the stage limit (dev: 1000 per 5 minutes), answering 429', () => {
    const r = rule(WEB_FIREWALL_RULES.webhookRate);
    expect(r.Statement).toEqual({
      RateBasedStatement: { Limit: 1000, EvaluationWindowSec: 300, AggregateKeyType: 'IP', ScopeDownStatement: webhookScope },
    });
    expect(r.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'TooManyRequests' } } });
  });

  it('blocks webhook requests whose Content-Length is above the stage cap (1 MiB), answering 413, without inspecting the body', () => {
    const r = rule(WEB_FIREWALL_RULES.webhookBodySize);
    expect(r.Statement).toEqual({
      AndStatement: {
        Statements: [
          webhookScope,
          {
            RegexMatchStatement: {
              FieldToMatch: { SingleHeader: { Name: 'content-length' } },
              RegexString: greaterThanRegex(1_048_576),
              TextTransformations: [{ Priority: 0, Type: 'NONE' }],
            },
          },
        ],
      },
    });
    expect(r.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'PayloadTooLarge' } } });
    expect(JSON.stringify(r)).not.toMatch(/"Body"|JsonBody|SizeConstraint/);
  });

  it('alarms on blocked requests (AWS/WAFV2 BlockedRequests, all rules) at the stage threshold', () => {
    const alarms = resourcesOfType(s.json, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a)).filter((a) => a.MetricName === 'BlockedRequests');
    expect(alarms).toHaveLength(1);
    const alarm = alarms[0] ?? {};
    expect(alarm).toMatchObject({ Namespace: 'AWS/WAFV2', Threshold: 20, Statistic: 'Sum', Period: 300 });
    expect(arr(alarm.Dimensions).map((d) => rec(d).Name).sort()).toEqual(['Region', 'Rule', 'WebACL']);
    expect(arr(alarm.AlarmActions)).toHaveLength(1);
  });
});

describe('greaterThanRegex', () => {
  const matches = (limit: number, value: string): boolean => new RegExp(greaterThanRegex(limit)).test(value);

  it.each([
    [1_048_576, '1048577', true],
    [1_048_576, '1048576', false],
    [1_048_576, '999999', false],
    [1_048_576, '1049000', true],
    [1_048_576, '2000000', true],
    [1_048_576, '10000000', true],
    [1_048_576, '0001048576', false],
    [1_048_576, ' 5000000 ', true],
    [1_048_576, '250000', false],
    [99_999, '100000', true],
    [99_999, '99999', false],
    [100_000, '100001', true],
    [100_000, '100000', false],
  ])('limit %i, Content-Length "%s" → blocked %s', (limit, value, expected) => {
    expect(matches(limit, value)).toBe(expected);
  });

  it('agrees with numeric comparison on every value around the limit', () => {
    for (const limit of [65_536, 1_048_576, 10_485_760]) {
      for (let v = limit - 2000; v <= limit + 2000; v++) expect(matches(limit, String(v)), `${v} vs ${limit}`).toBe(v > limit);
    }
  });

  it('stays within the WAF regex length limit (512)', () => {
    expect(greaterThanRegex(10_485_760).length).toBeLessThan(512);
  });
});

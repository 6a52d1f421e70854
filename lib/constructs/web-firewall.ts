import { Aws, Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { FirewallConfig } from '../stage-config';

/** Path segment of every webhook route (no API key: authenticated by the platform's HMAC in the handler). */
export const WEBHOOK_PATH_SEGMENT = '/webhooks/';

/** Names of the rules (also their CloudWatch metric names, `Rule` dimension of AWS/WAFV2). */
export const WEB_FIREWALL_RULES = {
  webhookRate: 'WebhookRateLimit',
  webhookBodySize: 'WebhookBodySize',
} as const;

/**
 * How much of a body API Gateway forwards to WAF. No rule of this ACL inspects the body (the size rule reads
 * Content-Length, which WAF sees whole), so the default 16 KB is kept: a larger window costs extra and
 * would still be smaller than a legitimate 100-line order webhook.
 */
export const API_GATEWAY_BODY_INSPECTION_LIMIT = 'KB_16';

/**
 * A regex that matches a decimal integer strictly greater than `limit` (leading zeros and surrounding
 * blanks allowed), for a Content-Length header. WAF has no numeric comparison on a header value, and a
 * SizeConstraint on the body only sees the first 16-64 KB of it.
 */
export function greaterThanRegex(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`limit must be a non-negative integer, got ${limit}`);
  const digits = String(limit);
  const n = digits.length;
  const alternatives = [`[1-9][0-9]{${n},}`];
  for (let i = 0; i < n; i++) {
    const d = Number(digits[i]);
    if (d === 9) continue;
    const rest = n - i - 1;
    const head = i === 0 ? `[${d + 1}-9]` : `${digits.slice(0, i)}[${d + 1}-9]`;
    alternatives.push(rest === 0 ? head : `${head}[0-9]{${rest}}`);
  }
  return `^\\s*0*(${alternatives.join('|')})\\s*$`;
}

export interface WebFirewallProps {
  /** Limits of the stage (cdk.json `firewall`). */
  readonly config: FirewallConfig;
  /** The REST API whose deployment stage the ACL protects. */
  readonly api: apigw.RestApi;
}

/**
 * The storefront API's regional AWS WAF web ACL, associated with its stage. Default action: allow. Two
 * rules, both scoped to the webhook routes (`/webhooks/` in the URI path), which carry no API key:
 *
 * - WebhookRateLimit: more than `webhookRateLimitPer5Minutes` requests from one IP within 5 minutes → 429;
 * - WebhookBodySize: a Content-Length above `webhookMaxBodyBytes` → 413 (the body itself is not inspected:
 *   API Gateway forwards at most 64 KB of it to WAF, less than a legitimate 100-line order webhook).
 *
 * No AWS managed rule groups: their body rules (e.g. SizeRestrictions_BODY, 8 KB) would block real order
 * webhooks. Storefront routes keep their per-channel API keys, usage plans and stage throttling.
 */
export class WebFirewall extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;
  /** The web ACL's name (the `WebACL` dimension of its AWS/WAFV2 metrics). */
  public readonly webAclName: string;

  constructor(scope: Construct, id: string, props: WebFirewallProps) {
    super(scope, id);
    const { config } = props;
    this.webAclName = `${Aws.STACK_NAME}-storefront`;

    const webhookPath: wafv2.CfnWebACL.StatementProperty = {
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'CONTAINS',
        searchString: WEBHOOK_PATH_SEGMENT,
        textTransformations: [
          { priority: 0, type: 'URL_DECODE' },
          { priority: 1, type: 'LOWERCASE' },
        ],
      },
    };
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const block = (statusCode: number, bodyKey: string): wafv2.CfnWebACL.RuleActionProperty => ({
      block: { customResponse: { responseCode: statusCode, customResponseBodyKey: bodyKey } },
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: this.webAclName,
      description: 'Storefront API: rate and body-size limits on the webhook routes, which carry no API key',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('StorefrontWebAcl'),
      associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: API_GATEWAY_BODY_INSPECTION_LIMIT } } },
      // Same JSON shape as every other error of the API (GATEWAY_ERROR_TEMPLATE).
      customResponseBodies: {
        TooManyRequests: { contentType: 'APPLICATION_JSON', content: '{"error":"Too many requests","code":"WAF_RATE_LIMITED","issues":[]}' },
        PayloadTooLarge: { contentType: 'APPLICATION_JSON', content: '{"error":"Request body too large","code":"WAF_BODY_TOO_LARGE","issues":[]}' },
      },
      rules: [
        {
          name: WEB_FIREWALL_RULES.webhookRate,
          priority: 0,
          action: block(429, 'TooManyRequests'),
          statement: {
            rateBasedStatement: {
              limit: config.webhookRateLimitPer5Minutes,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
              scopeDownStatement: webhookPath,
            },
          },
          visibilityConfig: visibility(WEB_FIREWALL_RULES.webhookRate),
        },
        {
          name: WEB_FIREWALL_RULES.webhookBodySize,
          priority: 1,
          action: block(413, 'PayloadTooLarge'),
          statement: {
            andStatement: {
              statements: [
                webhookPath,
                {
                  regexMatchStatement: {
                    fieldToMatch: { singleHeader: { Name: 'content-length' } },
                    regexString: greaterThanRegex(config.webhookMaxBodyBytes),
                    textTransformations: [{ priority: 0, type: 'NONE' }],
                  },
                },
              ],
            },
          },
          visibilityConfig: visibility(WEB_FIREWALL_RULES.webhookBodySize),
        },
      ],
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  /** Requests the ACL blocked (all rules), summed over 5 minutes. */
  public metricBlockedRequests(): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: 'BlockedRequests',
      dimensionsMap: { WebACL: this.webAclName, Region: Aws.REGION, Rule: 'ALL' },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }
}

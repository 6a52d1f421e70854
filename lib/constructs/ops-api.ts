import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeNag } from '../nag';
import { DEFAULT_QUOTA, type Stage } from '../stage-config';
import type { OrderStore } from './order-store';
import { PipelineFunction, toRetention } from './pipeline-function';
import { workflowSettingsEnvironment } from './workflow-settings';
import { ACCESS_LOG_FORMAT, API_STAGE_NAME, addJsonGatewayResponses } from './storefront-api';

/** Pinned: the key id is configured in operators' tools, the API id is in their URLs. */
export const OPS_API_LOGICAL_IDS = {
  restApi: 'OpsRestApi',
  apiKey: 'OpsApiKey',
} as const;

/** Environment variable naming the ops API key id; the ops handlers refuse any other key (defence in depth). */
export const OPS_API_KEY_ENV = 'OPS_API_KEY_ID';

export const OPS_ENTRIES = {
  approve: 'functions/api/ops-approve.ts',
  reject: 'functions/api/ops-reject.ts',
  exceptions: 'functions/api/ops-exceptions.ts',
  returns: 'functions/ops/returns.ts',
} as const;

export interface OpsApiProps {
  readonly stage: Stage;
  readonly store: OrderStore;
  /** The order workflow whose hold decisions approve/reject resume (task tokens). */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * The account-level API Gateway logging setting (AWS::ApiGateway::Account) created with the storefront API:
   * this API's stage logs only once it exists.
   */
  readonly accountLoggingSetup?: IConstruct;
}

/**
 * The operators' API, a REST API of its own with one API key and one usage plan:
 *
 *   POST /ops/orders/{orderId}/approve   ops-approve     release a held order (resumes the workflow)
 *   POST /ops/orders/{orderId}/reject    ops-reject      reject a held order (the workflow cancels it)
 *   GET  /ops/exceptions                 ops-exceptions  open exceptions (sparse index gsi3)
 *   POST /ops/returns/{returnId}/authorize  ops/returns  authorize a return on the supplier's behalf
 *
 * Why a separate API and not more routes on the storefront API: a REST API key is valid for every
 * method of every API stage in its usage plans, so on one API a channel key would pass `apiKeyRequired` on
 * the ops routes (and the ops key on the storefront routes). With two APIs, API Gateway itself refuses a
 * channel key here and the ops key on the storefront (403 before any Lambda runs); the ops handlers also
 * compare the caller's key id with OPS_API_KEY_ID, and the storefront handlers only serve key ids that map to
 * a channel.
 */
export class OpsApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly apiKey: apigw.ApiKey;
  public readonly usagePlan: apigw.UsagePlan;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly approveFunction: PipelineFunction;
  public readonly rejectFunction: PipelineFunction;
  public readonly exceptionsFunction: PipelineFunction;
  /** POST /ops/returns/{returnId}/authorize. */
  public readonly returnsFunction: PipelineFunction;
  /** Base URL of the deployed stage, ending with "/". */
  public readonly url: string;

  // Long: declarative CDK wiring of the ops REST API.
  constructor(scope: Construct, id: string, props: OpsApiProps) {
    super(scope, id);
    const { stage, store } = props;
    const retain = stage.config.retainData;

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: toRetention(stage.config.logRetentionDays),
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const throttle = stage.config.opsApiThrottle;
    this.api = new apigw.RestApi(this, 'Api', {
      description: `Dropship pipeline ops API (${stage.name}): hold decisions and exceptions`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // The account-level logging role is set up once, by the storefront API.
      cloudWatchRole: false,
      deployOptions: {
        stageName: API_STAGE_NAME,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      },
    });
    (this.api.node.defaultChild as apigw.CfnRestApi).overrideLogicalId(OPS_API_LOGICAL_IDS.restApi);
    this.api.node.tryRemoveChild('Endpoint');
    if (props.accountLoggingSetup !== undefined) this.api.deploymentStage.node.addDependency(props.accountLoggingSetup);
    this.url = this.api.url;
    addJsonGatewayResponses(this.api);

    this.apiKey = new apigw.ApiKey(this, 'Key', { description: `Operators of the dropship pipeline (${stage.name})`, enabled: true });
    (this.apiKey.node.defaultChild as apigw.CfnApiKey).overrideLogicalId(OPS_API_LOGICAL_IDS.apiKey);
    this.usagePlan = this.api.addUsagePlan('UsagePlan', {
      description: `Operators: ${throttle.rateLimit} req/s (burst ${throttle.burstLimit}), ${DEFAULT_QUOTA.limit} per ${DEFAULT_QUOTA.period.toLowerCase()}`,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      quota: { limit: DEFAULT_QUOTA.limit, period: apigw.Period[DEFAULT_QUOTA.period] },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    this.usagePlan.addApiKey(this.apiKey);

    const opsFunction = (fnId: string, entry: string, description: string): PipelineFunction =>
      new PipelineFunction(this, fnId, {
        entry,
        description,
        stage,
        serviceName: 'ops-api',
        memorySize: 512,
        invocation: 'synchronous',
        environment: { [OPS_API_KEY_ENV]: this.apiKey.keyId, ...workflowSettingsEnvironment(stage) },
      });
    this.approveFunction = opsFunction('Approve', OPS_ENTRIES.approve, 'POST /ops/orders/{orderId}/approve: release a held order');
    this.rejectFunction = opsFunction('Reject', OPS_ENTRIES.reject, 'POST /ops/orders/{orderId}/reject: reject a held order (the workflow cancels it)');
    this.exceptionsFunction = opsFunction('Exceptions', OPS_ENTRIES.exceptions, 'GET /ops/exceptions: open exceptions for operators');
    for (const decision of [this.approveFunction, this.rejectFunction]) {
      decision.useTable(store, 'readWrite');
      decision.allowTaskResponses(props.stateMachine);
    }
    this.exceptionsFunction.useTable(store, 'read');

    const validator = this.api.addRequestValidator('RequestValidator', { validateRequestBody: true, validateRequestParameters: true });
    const integration = (fn: PipelineFunction): apigw.LambdaIntegration => new apigw.LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });
    const ops = this.api.root.addResource('ops');
    const order = ops.addResource('orders').addResource('{orderId}');
    const withOrderId = { apiKeyRequired: true, requestValidator: validator, requestParameters: { 'method.request.path.orderId': true } };
    this.opsMethod(order.addResource('approve').addMethod('POST', integration(this.approveFunction), withOrderId));
    this.opsMethod(order.addResource('reject').addMethod('POST', integration(this.rejectFunction), withOrderId));
    this.opsMethod(ops.addResource('exceptions').addMethod('GET', integration(this.exceptionsFunction), { apiKeyRequired: true, requestValidator: validator }));

    // Returns (issue 15): an operator authorizes a return on the supplier's behalf (lib/constructs/returns.ts adds the policy).
    this.returnsFunction = opsFunction('Returns', OPS_ENTRIES.returns, 'POST /ops/returns/{returnId}/authorize: authorize a return on the supplier\'s behalf');
    this.returnsFunction.useTable(store, 'readWrite');
    this.opsMethod(
      ops
        .addResource('returns')
        .addResource('{returnId}')
        .addResource('authorize')
        .addMethod('POST', integration(this.returnsFunction), { apiKeyRequired: true, requestValidator: validator, requestParameters: { 'method.request.path.returnId': true } }),
    );

    acknowledgeNag(
      this.api.deploymentStage.node.defaultChild ?? this.api.deploymentStage,
      'AwsSolutions-APIG3',
      'No AWS WAF web ACL by default (it costs per ACL and request): every ops route needs the ops API key (its own usage plan with a low throttle and quota) and the stage is throttled. Attach a web ACL to the stage where a retailer\'s policy requires one.',
    );
  }

  public get functions(): readonly PipelineFunction[] {
    return [this.approveFunction, this.rejectFunction, this.exceptionsFunction, this.returnsFunction];
  }

  private opsMethod(method: apigw.Method): void {
    const reason =
      'Operators\' tools call the ops API server-to-server with the ops API key, which belongs to this API\'s usage plan only (a channel key is refused by API Gateway), and the handlers check the key id again (OPS_API_KEY_ID). No end users, so no Cognito/IAM authorizer.';
    acknowledgeNag(method.node.defaultChild ?? method, 'AwsSolutions-APIG4', reason);
    acknowledgeNag(method.node.defaultChild ?? method, 'AwsSolutions-COG4', reason);
  }
}

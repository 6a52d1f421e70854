import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeNag, wildcardResourceFinding } from '../nag';
import type { Stage } from '../stage-config';
import type { OrderStore } from './order-store';
import { FILE_KEY_PATTERNS, FILE_READ_ACTIONS, type SupplierFiles } from './supplier-files';
import type { SupplierGateway } from './supplier-gateway';
import type { StorefrontNotifications } from './storefront-notifications';
import { PipelineFunction, toRetention } from './pipeline-function';
import { workflowSettingsEnvironment } from './workflow-settings';
import { ACCESS_LOG_FORMAT, API_STAGE_NAME, GATEWAY_ERROR_TEMPLATE } from './storefront-api';

/** Pinned: the API id is in operators' URLs and policies. */
export const OPS_API_LOGICAL_IDS = {
  restApi: 'OpsRestApi',
  operatorPolicy: 'OpsOperatorPolicy',
} as const;

export const OPS_ENTRIES = {
  find: 'functions/ops/orders-find.ts',
  look: 'functions/ops/order-look.ts',
  act: 'functions/ops/order-act.ts',
  exceptions: 'functions/ops/exceptions.ts',
  documents: 'functions/ops/documents.ts',
  suppliers: 'functions/ops/suppliers.ts',
  deadLetters: 'functions/ops/dead-letters.ts',
  returns: 'functions/ops/returns.ts',
} as const;

/** What the dead-letters function may do on the DLQs it lists and replays (and SendMessage on their source queues). */
export const OPS_DLQ_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

/** The order actions (POST /ops/orders/{orderId}/{action}), all served by the order-act function. */
export const OPS_ORDER_ACTIONS = ['approve', 'reject', 'hold', 'release', 'cancel', 'redrive', 'retry', 'resolve'] as const;

/** What the act function may do on the workflow's executions: look, and redrive a failed one. */
export const OPS_EXECUTION_ACT_ACTIONS = ['states:DescribeExecution', 'states:RedriveExecution'] as const;

/** What the look and act functions may do on the workflow's executions (execution ARNs end with the order id). */
export const OPS_EXECUTION_READ_ACTIONS = ['states:DescribeExecution', 'states:GetExecutionHistory'] as const;

/** 403 body of API Gateway's own IAM refusals (unsigned, bad signature, no execute-api:Invoke). */
export const OPS_FORBIDDEN_TEMPLATE = '{"error":$context.error.messageString,"code":"FORBIDDEN","reason":"$context.error.responseType","issues":[]}';

export interface OpsApiProps {
  readonly stage: Stage;
  readonly store: OrderStore;
  /** The order workflow: hold decisions resume it (task tokens), look reads its executions, redrive restarts them. */
  readonly stateMachine: sfn.StateMachine;
  /**
   * The account-level API Gateway logging setting (AWS::ApiGateway::Account) created with the storefront API:
   * this API's stage logs only once it exists.
   */
  readonly accountLoggingSetup?: IConstruct;
}

/**
 * The operators' API, a REST API of its own where every method uses IAM authorization (SigV4): operators call
 * it with the credentials of a role that has the OperatorPolicy (`execute-api:Invoke` on this API's stage
 * only), e.g. an IAM Identity Center permission set. API Gateway refuses unsigned or badly signed requests
 * and callers without the policy (403 FORBIDDEN) before any Lambda runs; the handlers also refuse an event
 * without an IAM caller, and record the caller's ARN (`requestContext.identity.userArn`) as the `actorId`
 * of every action (timeline and logs). Routes: docs/ops-api.md.
 */
export class OpsApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly accessLogGroup: logs.LogGroup;
  /** Grants execute-api:Invoke on every ops route of this stage: attach it to the operators' role or permission set. */
  public readonly operatorPolicy: iam.ManagedPolicy;
  public readonly findFunction: PipelineFunction;
  public readonly lookFunction: PipelineFunction;
  public readonly actFunction: PipelineFunction;
  public readonly exceptionsFunction: PipelineFunction;
  /** GET /ops/returns and POST /ops/returns/{returnId}/authorize. */
  public readonly returnsFunction: PipelineFunction;
  /** Base URL of the deployed stage, ending with "/". */
  public readonly url: string;
  protected readonly stage: Stage;
  protected readonly validator: apigw.RequestValidator;
  protected readonly opsResource: apigw.Resource;
  protected readonly orderResource: apigw.Resource;
  protected readonly store: OrderStore;
  private readonly allFunctions: PipelineFunction[] = [];

  // Long: declarative CDK wiring of the ops REST API.
  constructor(scope: Construct, id: string, props: OpsApiProps) {
    super(scope, id);
    const { stage, store, stateMachine } = props;
    this.stage = stage;
    this.store = store;
    const retain = stage.config.retainData;

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: toRetention(stage.config.logRetentionDays),
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const throttle = stage.config.opsApiThrottle;
    this.api = new apigw.RestApi(this, 'Api', {
      description: `Dropship pipeline ops API (${stage.name}): find, look at and act on orders, suppliers and dead letters (IAM)`,
      // Unique per API and stage: CloudWatch's API Gateway metrics (5xx rate alarms) are keyed by ApiName.
      restApiName: `dropship-${stage.name}-ops-api`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // The account-level logging role is set up once, by the storefront API.
      cloudWatchRole: false,
      // Documents (GET /ops/orders/{orderId}/documents/{documentId}) come back as bytes when asked for with this Accept.
      binaryMediaTypes: ['application/pdf', 'text/csv', 'application/octet-stream'],
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
    const jsonTemplate = { 'application/json': GATEWAY_ERROR_TEMPLATE };
    this.api.addGatewayResponse('Default4xx', { type: apigw.ResponseType.DEFAULT_4XX, templates: jsonTemplate });
    this.api.addGatewayResponse('Default5xx', { type: apigw.ResponseType.DEFAULT_5XX, templates: jsonTemplate });
    // IAM refusals: one 403 shape (an unsigned request to an unknown path is indistinguishable, as in AWS).
    const forbidden = { statusCode: '403', templates: { 'application/json': OPS_FORBIDDEN_TEMPLATE } };
    this.api.addGatewayResponse('Unsigned', { type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, ...forbidden });
    this.api.addGatewayResponse('BadSignature', { type: apigw.ResponseType.INVALID_SIGNATURE, ...forbidden });
    this.api.addGatewayResponse('ExpiredToken', { type: apigw.ResponseType.EXPIRED_TOKEN, ...forbidden });
    this.api.addGatewayResponse('NotAnOperator', { type: apigw.ResponseType.ACCESS_DENIED, ...forbidden });

    const invokeArn = this.api.arnForExecuteApi('*', '/ops/*', API_STAGE_NAME);
    this.operatorPolicy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description: `Operators of the dropship pipeline (${stage.name}): call the ops API (execute-api:Invoke on its stage only)`,
      statements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [invokeArn] })],
    });
    (this.operatorPolicy.node.defaultChild as iam.CfnManagedPolicy).overrideLogicalId(OPS_API_LOGICAL_IDS.operatorPolicy);
    acknowledgeNag(
      this.operatorPolicy,
      wildcardResourceFinding(this.operatorPolicy, invokeArn),
      'execute-api:Invoke on every method of this API\'s ops paths in its deployed stage only (arn:...:<api id>/v1/*/ops/*): an operator uses all of them.',
    );

    this.findFunction = this.opsFunction('Find', OPS_ENTRIES.find, 'GET /ops/orders: find orders (status, channel, supplier, age, external id, email)');
    this.lookFunction = this.opsFunction('Look', OPS_ENTRIES.look, 'GET /ops/orders/{orderId}: an order with execution, documents and deliveries');
    this.actFunction = this.opsFunction('Act', OPS_ENTRIES.act, 'POST /ops/orders/{orderId}/{action}: operator actions on an order');
    this.exceptionsFunction = this.opsFunction('Exceptions', OPS_ENTRIES.exceptions, 'GET /ops/exceptions: open exceptions for operators');
    this.findFunction.useTable(store, 'read').addEnvironment('OPS_CHANNEL_IDS', stage.config.channels.map((c) => c.id).join(','));
    this.lookFunction.useTable(store, 'read').addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
    this.exceptionsFunction.useTable(store, 'read');
    this.actFunction.useTable(store, 'readWrite').allowTaskResponses(stateMachine).addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
    iam.Grant.addToPrincipal({ grantee: this.lookFunction, actions: ['states:DescribeStateMachine'], resourceArns: [stateMachine.stateMachineArn] });
    this.grantExecutions(this.lookFunction, stateMachine, OPS_EXECUTION_READ_ACTIONS, 'it shows the order\'s execution (status, states, failures)');
    this.grantExecutions(this.actFunction, stateMachine, OPS_EXECUTION_ACT_ACTIONS, 'redrive and retry restart a FAILED, TIMED_OUT or ABORTED execution of the order');

    this.validator = this.api.addRequestValidator('RequestValidator', { validateRequestBody: true, validateRequestParameters: true });
    this.opsResource = this.api.root.addResource('ops');
    const orders = this.opsResource.addResource('orders');
    this.orderResource = orders.addResource('{orderId}');
    this.addRoute(orders, 'GET', this.findFunction);
    this.addRoute(this.orderResource, 'GET', this.lookFunction);
    for (const action of OPS_ORDER_ACTIONS) this.addRoute(this.orderResource.addResource(action), 'POST', this.actFunction);
    this.addRoute(this.opsResource.addResource('exceptions'), 'GET', this.exceptionsFunction);

    // Suppliers: list (feed freshness, stock alerts), pause / resume (routing skips a paused supplier).
    const suppliers = this.opsFunction('Suppliers', OPS_ENTRIES.suppliers, 'GET /ops/suppliers, POST /ops/suppliers/{supplierId}/pause|resume');
    suppliers.useTable(store, 'readWrite').addEnvironment('OPS_SUPPLIER_IDS', stage.config.suppliers.map((s) => s.id).join(','));
    const suppliersResource = this.opsResource.addResource('suppliers');
    this.addRoute(suppliersResource, 'GET', suppliers);
    const supplier = suppliersResource.addResource('{supplierId}');
    for (const action of ['pause', 'resume']) this.addRoute(supplier.addResource(action), 'POST', suppliers);

    // Returns (issue 15): an operator authorizes a return on the supplier's behalf (lib/constructs/after-delivery/returns.ts adds the policy).
    this.returnsFunction = this.opsFunction('Returns', OPS_ENTRIES.returns, 'GET /ops/returns (list), POST /ops/returns/{returnId}/authorize (on the supplier\'s behalf)');
    this.returnsFunction.useTable(store, 'readWrite');
    const returnsResource = this.opsResource.addResource('returns');
    this.addRoute(returnsResource, 'GET', this.returnsFunction);
    this.addRoute(returnsResource.addResource('{returnId}').addResource('authorize'), 'POST', this.returnsFunction);

    acknowledgeNag(
      this.api.deploymentStage.node.defaultChild ?? this.api.deploymentStage,
      'AwsSolutions-APIG3',
      'No AWS WAF web ACL by default (it costs per ACL and request): every ops route is IAM-authorized (SigV4, execute-api:Invoke through the OperatorPolicy only) and the stage is throttled. Attach a web ACL to the stage where a retailer\'s policy requires one.',
    );
  }

  /**
   * What the ops API needs from constructs built after it (called by the stack once they exist): the documents
   * route (read the supplier outboxes), and the supplier channels the operator's cancel asks.
   */
  public connectOperations(props: { readonly files: SupplierFiles; readonly suppliers: SupplierGateway; readonly notifications: StorefrontNotifications }): void {
    const documents = this.opsFunction('Documents', OPS_ENTRIES.documents, 'GET /ops/orders/{orderId}/documents/{documentId}: a document sent to a supplier');
    documents.useTable(this.store, 'read');
    props.files.useBucket(documents);
    props.files.grantObjects(documents, FILE_READ_ACTIONS, [FILE_KEY_PATTERNS.outbox], 'the documents operators open (packing slips, purchase orders, cancellations under suppliers/{id}/outbox/)');
    this.addRoute(this.orderResource.addResource('documents').addResource('{documentId}'), 'GET', documents);
    props.suppliers.allowCancellationRequests(this.actFunction);
    props.files.grantOutboxWrite(this.actFunction);

    // Dead letters: supplier inbound messages and storefront notifications, replayed to their source queue.
    const queues = [
      ...props.suppliers.suppliers.map((s) => ({ source: 'supplier-inbound', name: `${s.config.id} inbound`, dlq: s.inboundDlq, target: s.inboundQueue, fifo: false })),
      { source: 'notifications', name: 'storefront notifications', dlq: props.notifications.dlq, target: props.notifications.queue, fifo: true },
    ];
    const deadLetters = this.opsFunction('DeadLetters', OPS_ENTRIES.deadLetters, 'GET /ops/dead-letters, POST /ops/dead-letters/{source}/replay');
    deadLetters.addEnvironment(
      'OPS_DEAD_LETTERS',
      Stack.of(this).toJsonString(queues.map((q) => ({ source: q.source, name: q.name, dlqUrl: q.dlq.queueUrl, targetUrl: q.target.queueUrl, fifo: q.fifo }))),
    );
    iam.Grant.addToPrincipal({ grantee: deadLetters, actions: [...OPS_DLQ_ACTIONS], resourceArns: queues.map((q) => q.dlq.queueArn) });
    for (const q of queues) q.dlq.encryptionMasterKey?.grantDecrypt(deadLetters);
    deadLetters.allowSendMessage(queues.map((q) => q.target));
    const dead = this.opsResource.addResource('dead-letters');
    this.addRoute(dead, 'GET', deadLetters);
    this.addRoute(dead.addResource('{source}').addResource('replay'), 'POST', deadLetters);
  }

  public get functions(): readonly PipelineFunction[] {
    return [...this.allFunctions];
  }

  /** One ops Lambda (service ops-api, synchronous, the workflow settings of the stage). */
  public opsFunction(fnId: string, entry: string, description: string): PipelineFunction {
    const fn = new PipelineFunction(this, fnId, {
      entry,
      description,
      stage: this.stage,
      serviceName: 'ops-api',
      memorySize: 512,
      invocation: 'synchronous',
      environment: { ...workflowSettingsEnvironment(this.stage) },
    });
    this.allFunctions.push(fn);
    return fn;
  }

  /** An IAM-authorized method on `resource`, proxied to `fn` (path parameters of the resource required). */
  public addRoute(resource: apigw.IResource, httpMethod: string, fn: PipelineFunction): apigw.Method {
    const params = [...resource.path.matchAll(/\{([^}+]+)\}/g)].map((m) => [`method.request.path.${m[1] ?? ''}`, true] as const);
    // One invoke permission per function for this API (not one per method): several routes share a function, and the
    // stack stays under CloudFormation's 500 resources. API Gateway still reaches a function only through its routes.
    const method = resource.addMethod(httpMethod, new apigw.LambdaIntegration(fn, { proxy: true, scopePermissionToMethod: false }), {
      authorizationType: apigw.AuthorizationType.IAM,
      requestValidator: this.validator,
      ...(params.length === 0 ? {} : { requestParameters: Object.fromEntries(params) }),
    });
    acknowledgeNag(
      method.node.defaultChild ?? method,
      'AwsSolutions-COG4',
      'Operators authenticate with IAM (SigV4; a role or IAM Identity Center permission set with the OperatorPolicy), not a Cognito user pool: the caller ARN is the identity recorded on every action.',
    );
    return method;
  }

  /** Grant `actions` on the workflow's executions (ARNs end with the order id, known at run time only). */
  public grantExecutions(fn: PipelineFunction, stateMachine: sfn.StateMachine, actions: readonly string[], why: string): void {
    const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${stateMachine.stateMachineName}:*`;
    iam.Grant.addToPrincipal({ grantee: fn, actions: [...actions], resourceArns: [executions] });
    const policy = fn.executionRole.node.tryFindChild('DefaultPolicy');
    if (policy !== undefined) {
      acknowledgeNag(policy, wildcardResourceFinding(policy, executions), `${actions.join(', ')} on the executions of the order workflow only (execution name = order id): ${why}.`);
    }
  }
}

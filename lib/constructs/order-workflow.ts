import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { WORKFLOW_ERROR_NAMES } from '../../functions/core/kernel/errors';
import { transientRetrySchedule } from '../../functions/core/workflow/domain/failure-policy';
import { DEFAULT_DISPATCH_DELAY_MINUTES } from '../../functions/core/workflow/services/workflow-settings';
import { acknowledgeNag } from '../nag';
import type { Stage } from '../stage-config';
import type { OrderStore } from './order-store';
import { PipelineFunction, toRetention } from './pipeline-function';
import type { SupplierGateway } from './supplier-gateway';
import { workflowSettingsEnvironment } from './workflow-settings';

/** Pinned: replacing the state machine would stop every order execution in flight. */
export const ORDER_WORKFLOW_LOGICAL_IDS = {
  stateMachine: 'OrderWorkflowStateMachine',
} as const;

/**
 * `{ channelId: dispatchDelayMinutes }` of the channels that set it (DISPATCH_DELAY_MINUTES; a channel absent
 * from it waits DEFAULT_DISPATCH_DELAY_MINUTES).
 */
export function dispatchDelaysJson(stage: Stage): string {
  const delays: Record<string, number> = {};
  for (const channel of stage.config.channels) if (channel.dispatchDelayMinutes !== undefined) delays[channel.id] = channel.dispatchDelayMinutes;
  return JSON.stringify(delays);
}

/** Whether some channel of the stage waits before dispatch (absent = DEFAULT_DISPATCH_DELAY_MINUTES): else no DispatchDelay state. */
export function delaysDispatch(stage: Stage): boolean {
  return stage.config.channels.some((channel) => (channel.dispatchDelayMinutes ?? DEFAULT_DISPATCH_DELAY_MINUTES) > 0);
}

/** One Lambda entry per task kind (several states may share one: flag-exception, await-milestone, cancel-order). */
export const WORKFLOW_ENTRIES = {
  validateAndRoute: 'functions/workflow/validate-and-route.ts',
  awaitHold: 'functions/workflow/await-hold.ts',
  dispatch: 'functions/workflow/dispatch.ts',
  reroute: 'functions/workflow/reroute.ts',
  awaitMilestone: 'functions/workflow/await-milestone.ts',
  flagException: 'functions/workflow/flag-exception.ts',
  cancelFulfillment: 'functions/workflow/cancel-fulfillment.ts',
  complete: 'functions/workflow/complete.ts',
  cancelOrder: 'functions/workflow/cancel-order.ts',
  holdOnFailure: 'functions/workflow/hold-on-failure.ts',
} as const;
export type WorkflowTask = keyof typeof WORKFLOW_ENTRIES;

/**
 * Errors worth retrying: Lambda service-side failures (the names Step Functions reports for them) and the
 * handlers' own `TransientError` (throttled or conflicting DynamoDB writes, SQS hiccups).
 */
export const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  WORKFLOW_ERROR_NAMES.transient,
] as const;

/**
 * A synchronous task that ran out of time: the function's own timeout (`Sandbox.Timedout`; reported as
 * `Lambda.Unknown` by older runtimes) or the state's TimeoutSeconds (`States.Timeout`). Every synchronous
 * forward task is re-entrant from the stored order, so it is retried (the next attempt finds what the
 * timed-out one committed) before the catch holds a good order for an operator.
 */
export const SYNC_TIMEOUT_ERRORS = ['Sandbox.Timedout', 'Lambda.Unknown', 'States.Timeout'] as const;

/** Error a supplier's rejection is reported with (SendTaskFailure from the inbound handler). */
export const SUPPLIER_REJECTED_ERROR = WORKFLOW_ERROR_NAMES.supplierRejected;

/** Synchronous task functions: Lambda timeout, and the (longer) state timeout that bounds the whole task. */
const TASK_FUNCTION_TIMEOUT = Duration.seconds(30);
const SYNC_TASK_TIMEOUT = Duration.seconds(60);

export interface OrderWorkflowProps {
  readonly stage: Stage;
  readonly store: OrderStore;
  /** Supplier queues: dispatch and the cancellations send to the outbound queues. */
  readonly suppliers: SupplierGateway;
  /** Override entry files (construct tests point them at a fixture). @default WORKFLOW_ENTRIES */
  readonly entries?: Partial<Record<WorkflowTask, string>>;
}

/**
 * The order workflow: one Standard execution per order (name = orderId, started by the stream router),
 * written in JSONPath (the local interpreter runs the same definition). See docs/infrastructure.md and the
 * workflow contract for the states.
 *
 * Happy single-supplier path (6 state transitions; 7 when a channel delays dispatch): ValidateAndRoute → [DispatchDelay
 * (Wait)] → Fulfill (Map: Dispatch → AwaitShipment → AwaitDelivery) → Complete (ends the execution). Other outcomes are named errors
 * the Catches route (OrderOnHold, OrderRejected, OrderOutOfStock, OrderClosed, MoreFulfillments, FulfillmentCancelled). Validation, the payment/fraud screen,
 * the reservation and the routing are ONE task (each still writes its own transaction and timeline events):
 * every state costs a Standard transition, so synchronous steps are not split into states.
 *
 * - Synchronous tasks invoke the function directly (`payloadResponseOnly`: the result is the handler's
 *   return value) and write it under their own ResultPath; callback tasks use
 *   `lambda:invoke.waitForTaskToken` with the timeout read from the input (TimeoutSecondsPath).
 * - Every task retries transient errors with exponential backoff and jitter for the stage's
 *   transientRetryMinutes; past that, a forward step's catch-all goes to HoldOnFailure, which holds the order for
 *   an operator (TRANSIENT_FAILURE) or marks an order already with suppliers: a failure never compensates.
 *   Only business outcomes (out of stock, a rejected or expired hold) reach CancelOrder, which retries longer
 *   and ends in Cancelled, or in CompensationFailed (a Fail state with an error and a cause).
 * - Logging ALL without execution data (inputs and outputs carry addresses), X-Ray tracing, and an
 *   execution timeout from the stage config.
 */
export class OrderWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;
  /** The task functions, by task kind. */
  public readonly functions: Readonly<Record<WorkflowTask, PipelineFunction>>;

  // Long: the state machine definition reads top to bottom as the diagram in docs/workflow.md; splitting it scatters the states.
  constructor(scope: Construct, id: string, props: OrderWorkflowProps) {
    super(scope, id);
    const { stage, store, suppliers } = props;
    const wf = stage.config.workflow;
    const retain = stage.config.retainData;

    const fn = (task: WorkflowTask, fnId: string, description: string, environment: Record<string, string> = {}): PipelineFunction =>
      new PipelineFunction(this, fnId, {
        entry: props.entries?.[task] ?? WORKFLOW_ENTRIES[task],
        description,
        stage,
        serviceName: 'order-workflow',
        timeout: TASK_FUNCTION_TIMEOUT,
        invocation: 'synchronous',
        environment: { ...settingsEnv, ...environment },
      });
    const supplierEnv = { SUPPLIER_QUEUES: suppliers.supplierQueuesJson };
    const settingsEnv = workflowSettingsEnvironment(stage);
    this.functions = {
      validateAndRoute: fn(
        'validateAndRoute',
        'ValidateAndRouteFunction',
        'Workflow: validate, payment and fraud screen, then reserve stock for all lines in one transaction and route them to suppliers',
        { DISPATCH_DELAY_MINUTES: dispatchDelaysJson(stage) },
      ),
      awaitHold: fn('awaitHold', 'AwaitHoldFunction', 'Workflow callback: store the hold task token (resumed by ops or a payment update)'),
      dispatch: fn('dispatch', 'DispatchFunction', 'Workflow callback: store the acceptance token and send the purchase order to the supplier', supplierEnv),
      reroute: fn('reroute', 'RerouteFunction', 'Workflow: release a rejected fulfillment and route its lines to the next supplier, or cancel them'),
      awaitMilestone: fn('awaitMilestone', 'AwaitMilestoneFunction', 'Workflow callback: store the shipment/delivery token (resumed by supplier messages)'),
      flagException: fn('flagException', 'FlagExceptionFunction', 'Workflow: flag a fulfillment exception (ship-by or deliver-by passed, lost) for operators'),
      cancelFulfillment: fn('cancelFulfillment', 'CancelFulfillmentFunction', 'Workflow: cancel a fulfillment at its supplier, release stock, request the refund', supplierEnv),
      complete: fn('complete', 'CompleteFunction', 'Workflow: derive the final order status from its fulfillments'),
      cancelOrder: fn('cancelOrder', 'CancelOrderFunction', 'Workflow compensation: release reservations, cancel fulfillments, cancel the order, request refunds', supplierEnv),
      holdOnFailure: fn('holdOnFailure', 'HoldOnFailureFunction', 'Workflow: a task failed past its retries: hold the order for an operator (TRANSIENT_FAILURE) or mark it, never compensate', {
        FAILURE_RETRY_MINUTES: String(wf.failureRetryMinutes),
      }),
    };
    const f = this.functions;
    for (const task of Object.values(f)) task.useTable(store, 'readWrite');
    // Purchase orders and cancellations go to the supplier outbound queues.
    for (const sender of [f.dispatch, f.cancelFulfillment, f.cancelOrder]) sender.allowSendMessage(suppliers.outboundQueues);

    // ---------------------------------------------------------------- states
    const sync = (stateId: string, target: PipelineFunction, payload: Record<string, unknown>, resultPath: string): tasks.LambdaInvoke =>
      tasks.LambdaInvoke.jsonPath(this, stateId, {
        lambdaFunction: target,
        payloadResponseOnly: true,
        payload: sfn.TaskInput.fromObject(payload),
        resultPath,
        retryOnServiceExceptions: false,
        taskTimeout: sfn.Timeout.duration(SYNC_TASK_TIMEOUT),
      });
    const callback = (stateId: string, target: PipelineFunction, payload: Record<string, unknown>, timeout: sfn.Timeout, resultPath: string): tasks.LambdaInvoke =>
      tasks.LambdaInvoke.jsonPath(this, stateId, {
        lambdaFunction: target,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({ taskToken: sfn.JsonPath.taskToken, ...payload }),
        resultPath,
        retryOnServiceExceptions: false,
        taskTimeout: timeout,
      });
    // Transient errors retry for the stage's transientRetryMinutes (un-jittered sum; full jitter ends sooner), then
    // the catch-all holds the order for an operator (HoldOnFailure): a transient failure never compensates an order.
    const schedule = transientRetrySchedule(wf.transientRetryMinutes);
    const forwardRetry = <T extends sfn.TaskStateBase>(state: T): T => {
      state.addRetry({
        errors: [...TRANSIENT_ERRORS],
        interval: Duration.seconds(schedule.intervalSeconds),
        maxAttempts: schedule.maxAttempts,
        backoffRate: schedule.backoffRate,
        maxDelay: Duration.seconds(schedule.maxDelaySeconds),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return state;
    };
    /** forwardRetry + a retry of timeouts, for synchronous (re-entrant) tasks only: a callback's timeout is its answer. */
    const forwardSyncRetry = <T extends sfn.TaskStateBase>(state: T): T => {
      forwardRetry(state);
      // A timed-out attempt of a re-entrant task is transient too (a slow dependency): the same bounded budget.
      state.addRetry({
        errors: [...SYNC_TIMEOUT_ERRORS],
        interval: Duration.seconds(schedule.intervalSeconds),
        maxAttempts: schedule.maxAttempts,
        backoffRate: schedule.backoffRate,
        maxDelay: Duration.seconds(schedule.maxDelaySeconds),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return state;
    };
    const compensationRetry = <T extends sfn.TaskStateBase>(state: T): T => {
      state.addRetry({
        errors: [...TRANSIENT_ERRORS],
        interval: Duration.seconds(5),
        maxAttempts: 8,
        backoffRate: 2,
        maxDelay: Duration.minutes(5),
        jitterStrategy: sfn.JitterType.FULL,
      });
      // A compensation must not give up on the first unexpected error either (a conflicting write, a cold dependency).
      state.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(30), maxAttempts: 3, backoffRate: 3 });
      return state;
    };
    const orderId = sfn.JsonPath.stringAt('$.orderId');
    const fulfillment = sfn.JsonPath.objectAt('$.fulfillment');

    // Terminal states.
    const rejected = sfn.Succeed.jsonPath(this, 'Rejected', { comment: 'Validation rejected the order (a business outcome, not an error).' });
    const done = sfn.Succeed.jsonPath(this, 'Done', { comment: 'The order was already terminal (re-entered execution).' });
    const cancelled = sfn.Succeed.jsonPath(this, 'Cancelled', { comment: 'The order was cancelled (hold rejected or expired, out of stock).' });
    const failed = sfn.Fail.jsonPath(this, 'Failed', {
      errorPath: '$.error.Error',
      cause: 'The order workflow stopped on an error it could not recover from after retries (nothing was compensated: the order stays as it is, surfaced by the stuck-order sweep). The original error and cause are in the execution history.',
    });
    const compensationFailed = sfn.Fail.jsonPath(this, 'CompensationFailed', {
      error: 'CompensationFailed',
      cause: 'A compensation (cancel order) failed after all its retries: reservations, supplier cancellations or the refund request may be incomplete. An operator must finish them; the execution history shows the error.',
    });

    // Compensations.
    const cancelOrder = compensationRetry(
      sync('CancelOrder', f.cancelOrder, { orderId, reason: sfn.JsonPath.stringAt('$.cancellation.reason') }, '$.cancellation.result'),
    )
      .addCatch(compensationFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    // A forward step failed past its retries (not a business outcome): surface the order, never compensate it.
    // HoldOnFailure holds it (TRANSIENT_FAILURE) and the hold path waits for the operator's decision, or (already
    // with suppliers) marks it and RetryAfterFailure waits before the hold path re-enters ValidateAndRoute.
    const holdOnFailure = compensationRetry(
      sync('HoldOnFailure', f.holdOnFailure, { orderId, error: sfn.JsonPath.objectAt('$.error') }, '$.failureHold'),
    ).addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.failureHoldError' });
    const retryAfterFailure = sfn.Wait.jsonPath(this, 'RetryAfterFailure', {
      comment: '0 s for a held order (the hold waits for the operator); failureRetryMinutes for an order already with suppliers.',
      time: sfn.WaitTime.secondsPath('$.failureHold.retryAfterSeconds'),
    });
    holdOnFailure.next(retryAfterFailure);
    const cancelBecause = (stateId: string, reason: string): sfn.Pass => {
      const pass = sfn.Pass.jsonPath(this, stateId, { result: sfn.Result.fromObject({ reason }), resultPath: '$.cancellation' });
      pass.next(cancelOrder);
      return pass;
    };
    const holdRejected = cancelBecause('HoldRejected', 'HOLD_REJECTED');
    const holdExpired = cancelBecause('HoldExpired', 'HOLD_TIMEOUT');
    const outOfStock = cancelBecause('OutOfStock', 'OUT_OF_STOCK');
    const unexpectedOutcome = sfn.Pass.jsonPath(this, 'UnexpectedOutcome', {
      comment: 'A task returned an outcome this definition does not know: hold the order for an operator instead of guessing.',
      result: sfn.Result.fromObject({ Error: 'UnexpectedOutcome', Cause: 'A workflow task returned an outcome the state machine does not handle.' }),
      resultPath: '$.error',
    });
    unexpectedOutcome.next(holdOnFailure);

    // 1. Validate, payment and fraud screen, reserve and route: one task (re-entrant from the stored order). ROUTED
    // is its result; the other outcomes are named errors (no Choice state on the happy path: every state entered
    // is a paid transition).
    const validateAndRoute = forwardSyncRetry(sync('ValidateAndRoute', f.validateAndRoute, { orderId }, '$.route'));
    const outcomeCatch = { resultPath: '$.outcome' };

    // 2. Hold: HoldDeadline asks the same task for the hold's time left (AwaitHoldDecision's TimeoutSecondsPath),
    // then wait for an operator decision or a payment update.
    const holdDeadline = forwardSyncRetry(sync('HoldDeadline', f.validateAndRoute, { orderId, report: 'HOLD' }, '$.route'));
    holdDeadline.addCatch(holdOnFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const awaitHoldDecision = forwardRetry(
      callback('AwaitHoldDecision', f.awaitHold, { orderId }, sfn.Timeout.at('$.route.holdTimeoutSeconds'), '$.hold'),
    );
    awaitHoldDecision.addCatch(holdExpired, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.holdTimeout' });
    awaitHoldDecision.addCatch(holdOnFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const holdDecided = sfn.Choice.jsonPath(this, 'HoldDecided?')
      .when(sfn.Condition.stringEquals('$.hold.decision', 'APPROVE'), validateAndRoute)
      .when(sfn.Condition.stringEquals('$.hold.decision', 'REJECT'), holdRejected)
      .otherwise(unexpectedOutcome);
    holdDeadline.next(awaitHoldDecision);
    retryAfterFailure.next(holdDeadline);
    awaitHoldDecision.next(holdDecided);

    validateAndRoute.addCatch(holdDeadline, { errors: [WORKFLOW_ERROR_NAMES.orderOnHold], ...outcomeCatch });
    validateAndRoute.addCatch(rejected, { errors: [WORKFLOW_ERROR_NAMES.orderRejected], ...outcomeCatch });
    validateAndRoute.addCatch(outOfStock, { errors: [WORKFLOW_ERROR_NAMES.orderOutOfStock], ...outcomeCatch });
    validateAndRoute.addCatch(done, { errors: [WORKFLOW_ERROR_NAMES.orderClosed], ...outcomeCatch });
    validateAndRoute.addCatch(holdOnFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    // A hold that timed out just as it was resolved is not cancelled (CancelOrder answers the live status): continue.
    cancelOrder.next(
      sfn.Choice.jsonPath(this, 'CancelOrderApplied?')
        .when(sfn.Condition.or(...['RECEIVED', 'VALIDATED'].map((st) => sfn.Condition.stringEquals('$.cancellation.result.status', st))), validateAndRoute)
        .otherwise(cancelled),
    );

    // 3. The channel's dispatch delay: cancellations and address edits that follow checkout land before the supplier
    // sees the order. Only when some channel delays (a Wait is a paid transition; orders come from the stage's channels).
    const delayComment = "The channel's dispatchDelayMinutes, counted from checkout (ValidateAndRoute computes the seconds left).";
    const dispatchDelay = delaysDispatch(stage) ? sfn.Wait.jsonPath(this, 'DispatchDelay', { comment: delayComment, time: sfn.WaitTime.secondsPath('$.route.dispatchDelaySeconds') }) : undefined;

    // 4. Per fulfillment, in parallel. Each iteration's state is `{ fulfillment: FulfillmentTask }`; a callback
    // resumes with the same FulfillmentTask, its timeouts recomputed from the stored deadlines, which
    // replaces `$.fulfillment` (so the next wait ends at the real ship-by / deliver-by).
    const dispatch = forwardRetry(
      callback('Dispatch', f.dispatch, { fulfillment }, sfn.Timeout.at('$.fulfillment.acceptanceTimeoutSeconds'), '$.fulfillment'),
    );
    const reroute = forwardSyncRetry(sync('Reroute', f.reroute, { fulfillment, error: sfn.JsonPath.objectAt('$.rejection') }, '$.reroute'));
    const dispatchRerouted = sfn.Pass.jsonPath(this, 'DispatchRerouted', {
      comment: 'Continue with the new fulfillment (next supplier) as the iteration state.',
      parameters: { fulfillment: sfn.JsonPath.objectAt('$.reroute.fulfillment') },
    });
    dispatchRerouted.next(dispatch);
    const linesCancelled = sfn.Succeed.jsonPath(this, 'LinesCancelled', { comment: 'No other supplier could take the lines: cancelled, refund requested.' });
    const rerouted = sfn.Choice.jsonPath(this, 'Rerouted?')
      .when(sfn.Condition.stringEquals('$.reroute.outcome', 'REROUTED'), dispatchRerouted)
      .when(sfn.Condition.stringEquals('$.reroute.outcome', 'LINES_CANCELLED'), linesCancelled)
      .otherwise(
        sfn.Fail.jsonPath(this, 'UnexpectedRerouteOutcome', {
          error: 'UnexpectedOutcome',
          cause: 'Reroute returned an outcome the state machine does not handle; the Map catch surfaces the order (HoldOnFailure).',
        }),
      );
    dispatch.addCatch(reroute, { errors: [SUPPLIER_REJECTED_ERROR, sfn.Errors.TIMEOUT], resultPath: '$.rejection' });
    reroute.next(rerouted);

    const milestone = (stateId: string, name: 'SHIPPED' | 'DELIVERED', timeoutPath: string): tasks.LambdaInvoke =>
      forwardRetry(callback(stateId, f.awaitMilestone, { fulfillment, milestone: name }, sfn.Timeout.at(timeoutPath), '$.fulfillment'));
    const flag = (stateId: string, exception: 'SHIP_BY_PASSED' | 'DELIVER_BY_PASSED' | 'LOST'): tasks.LambdaInvoke =>
      forwardSyncRetry(sync(stateId, f.flagException, { fulfillment, exception }, '$.exception'));

    const awaitShipment = milestone('AwaitShipment', 'SHIPPED', '$.fulfillment.shipTimeoutSeconds');
    const shipmentLate = flag('ShipmentLate', 'SHIP_BY_PASSED');
    const awaitShipmentAfterDeadline = milestone('AwaitShipmentAfterDeadline', 'SHIPPED', '$.fulfillment.shipGraceTimeoutSeconds');
    const cancelFulfillment = compensationRetry(
      sync('CancelFulfillment', f.cancelFulfillment, { fulfillment, reason: 'SHIP_BY_PASSED' }, '$.cancellation'),
    );
    const fulfillmentCancelled = sfn.Succeed.jsonPath(this, 'FulfillmentCancelled', { comment: 'Never shipped: cancelled at the supplier, refund requested.' });
    // A fulfillment cancelled while a state waited on it (a customer / platform cancellation before dispatch, or
    // one the supplier accepted): the waiting token is failed with FulfillmentCancelled, and this short path
    // settles what the cancellation left (reservations, a CANCELLATION still owed: idempotent) and ends the iteration.
    const releaseCancelled = compensationRetry(
      sync('ReleaseCancelled', f.cancelFulfillment, { fulfillment, reason: 'CANCELLED' }, '$.cancellation'),
    );
    releaseCancelled.next(fulfillmentCancelled);
    const awaitDelivery = milestone('AwaitDelivery', 'DELIVERED', '$.fulfillment.deliveryTimeoutSeconds');
    const deliveryLate = flag('DeliveryLate', 'DELIVER_BY_PASSED');
    const awaitDeliveryAfterDeadline = milestone('AwaitDeliveryAfterDeadline', 'DELIVERED', '$.fulfillment.deliveryGraceTimeoutSeconds');
    const deliveryLost = flag('DeliveryLost', 'LOST');

    for (const waiting of [dispatch, awaitShipment, awaitShipmentAfterDeadline, awaitDelivery, awaitDeliveryAfterDeadline]) {
      waiting.addCatch(releaseCancelled, { errors: [WORKFLOW_ERROR_NAMES.fulfillmentCancelled], resultPath: '$.cancelledWhileWaiting' });
    }
    awaitShipment.addCatch(shipmentLate, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.timeout' });
    // A supplier may withdraw its acceptance (REJECTED after ACCEPTED) until it ships: the inbound handler (or
    // await-milestone itself) fails the SHIPPED wait with SupplierRejected, and the lines go to the next
    // supplier exactly as a rejection at dispatch does (Reroute reads the same `$.rejection`). Without this
    // catch the Map would fail and the order would be surfaced as a failure (HoldOnFailure).
    awaitShipment.addCatch(reroute, { errors: [SUPPLIER_REJECTED_ERROR], resultPath: '$.rejection' });
    shipmentLate.next(awaitShipmentAfterDeadline);
    awaitShipmentAfterDeadline.addCatch(cancelFulfillment, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.timeout' });
    awaitShipmentAfterDeadline.addCatch(reroute, { errors: [SUPPLIER_REJECTED_ERROR], resultPath: '$.rejection' });
    awaitShipmentAfterDeadline.next(awaitDelivery);
    cancelFulfillment.next(fulfillmentCancelled);
    awaitDelivery.addCatch(deliveryLate, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.timeout' });
    deliveryLate.next(awaitDeliveryAfterDeadline);
    awaitDeliveryAfterDeadline.addCatch(deliveryLost, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.timeout' });
    dispatch.next(awaitShipment);
    awaitShipment.next(awaitDelivery);

    const fulfill = sfn.Map.jsonPath(this, 'Fulfill', {
      comment: 'One iteration per supplier fulfillment, all in parallel.',
      itemsPath: '$.route.fulfillments',
      itemSelector: { fulfillment: sfn.JsonPath.objectAt('$$.Map.Item.Value') },
      maxConcurrency: 0,
      resultPath: '$.fulfilled',
    });
    fulfill.itemProcessor(dispatch);
    fulfill.addCatch(holdOnFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    validateAndRoute.next(dispatchDelay === undefined ? fulfill : dispatchDelay.next(fulfill));

    // 5. Complete: the final status from the fulfillments; it ENDS the execution (DELIVERED, CANCELLED, or
    // EXCEPTION: a lost parcel stays on the exceptions index), so the happy path has no Choice after it. A reroute
    // that split lines onto further suppliers is reported as MoreFulfillments: NextFulfillments reads their
    // PENDING fulfillments and they go through the Map again. A failure here goes to HoldOnFailure like any
    // other (Complete is re-entrant: the hold path re-enters and finishes the order).
    const complete = forwardSyncRetry(sync('Complete', f.complete, { orderId }, '$.route'));
    const nextFulfillments = forwardSyncRetry(sync('NextFulfillments', f.complete, { orderId, report: 'PENDING' }, '$.route'));
    nextFulfillments.addCatch(holdOnFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    nextFulfillments.next(fulfill);
    complete.addCatch(nextFulfillments, { errors: [WORKFLOW_ERROR_NAMES.moreFulfillments], ...outcomeCatch });
    complete.addCatch(holdOnFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    fulfill.next(complete);

    // ---------------------------------------------------------------- state machine
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: toRetention(stage.config.logRetentionDays),
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `Dropship order workflow (${stage.name}): one execution per order, name = orderId`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(validateAndRoute),
      timeout: Duration.days(wf.stateMachineTimeoutDays),
      tracingEnabled: true,
      // Execution data (inputs, outputs) would copy order addresses into CloudWatch Logs: log events only.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    (this.stateMachine.node.defaultChild as sfn.CfnStateMachine).overrideLogicalId(ORDER_WORKFLOW_LOGICAL_IDS.stateMachine);

    // Callback tasks answer their own token when the awaited event already happened (a hold resolved, a
    // rejection or a first carrier scan recorded before the token was stored). The grant is a separate
    // policy (see PipelineFunction.allowTaskResponses): the state machine already depends on these functions.
    for (const resumer of [f.awaitHold, f.dispatch, f.awaitMilestone]) resumer.allowTaskResponses(this.stateMachine);

    this.acknowledgeRoleFindings();
  }

  /** Every task function (for dashboards and alarms). */
  public get allFunctions(): readonly PipelineFunction[] {
    return Object.values(this.functions);
  }

  private acknowledgeRoleFindings(): void {
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (policy === undefined) return;
    acknowledgeNag(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'Resource "*" only for the CloudWatch Logs delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets, which support no resource-level permissions.',
    );
    for (const task of Object.values(this.functions)) {
      const logicalId = String(Stack.of(this).resolve((task.node.defaultChild as lambda.CfnFunction).logicalId));
      acknowledgeNag(
        policy,
        `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        `lambda:InvokeFunction on the versions and aliases of ${task.entryPath} only (the ARN followed by ":*", added by the Step Functions Lambda task): the function itself is named exactly.`,
      );
    }
  }
}

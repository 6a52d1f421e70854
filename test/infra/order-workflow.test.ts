/**
 * The order workflow as synthesized (dev stage): the definition's shape (states, retries, catches, callback
 * timeouts, the happy path's length), the state machine's settings and permissions, and the definition run by
 * the local interpreter (aws-local-stepfunctions) with stub task handlers, asserting on the states entered.
 */
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { RerouteInput } from '../../functions/core/workflow/schemas/workflow';
import { transientRetrySchedule } from '../../functions/core/workflow/domain/failure-policy';
import { ORDER_WORKFLOW_LOGICAL_IDS, SUPPLIER_REJECTED_ERROR, SYNC_TIMEOUT_ERRORS, TRANSIENT_ERRORS, WORKFLOW_ENTRIES } from '../../lib/constructs/order-workflow';
import { type AslMachine, type AslState, allStates, isCallbackTask, localizeDefinition, stateMachineDefinition, successors, taskFunction, walkPath } from './asl';
import { readCdkJsonContext } from '../../lib/app-builder';
import { type Synthesized, actionsOf, arr, findDependencyCycle, props, rec, referencedId, renderIntrinsics, resourcesOfType, roleStatements, synthesize } from './support';

let s: Synthesized;
let machine: AslMachine;
let smLogicalId: string;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
  ({ logicalId: smLogicalId, definition: machine } = stateMachineDefinition(s.json));
});

const TOP_LEVEL_STATES = [
  'ValidateAndRoute',
  'HoldDeadline',
  'AwaitHoldDecision',
  'HoldDecided?',
  'Fulfill',
  'Complete',
  'NextFulfillments',
  'HoldRejected',
  'HoldExpired',
  'OutOfStock',
  'CancelOrder',
  'CancelOrderApplied?',
  'HoldOnFailure',
  'RetryAfterFailure',
  'UnexpectedOutcome',
  'Rejected',
  'Done',
  'Cancelled',
  'Failed',
  'CompensationFailed',
];
const ITERATION_STATES = [
  'Dispatch',
  'Reroute',
  'Rerouted?',
  'DispatchRerouted',
  'LinesCancelled',
  'UnexpectedRerouteOutcome',
  'AwaitShipment',
  'ShipmentLate',
  'AwaitShipmentAfterDeadline',
  'CancelFulfillment',
  'ReleaseCancelled',
  'FulfillmentCancelled',
  'AwaitDelivery',
  'DeliveryLate',
  'AwaitDeliveryAfterDeadline',
  'DeliveryLost',
];
/** Task state → entry file of the function it invokes. */
const TASK_ENTRIES: Record<string, string> = {
  ValidateAndRoute: WORKFLOW_ENTRIES.validateAndRoute,
  HoldDeadline: WORKFLOW_ENTRIES.validateAndRoute,
  NextFulfillments: WORKFLOW_ENTRIES.complete,
  AwaitHoldDecision: WORKFLOW_ENTRIES.awaitHold,
  Complete: WORKFLOW_ENTRIES.complete,
  CancelOrder: WORKFLOW_ENTRIES.cancelOrder,
  HoldOnFailure: WORKFLOW_ENTRIES.holdOnFailure,
  Dispatch: WORKFLOW_ENTRIES.dispatch,
  Reroute: WORKFLOW_ENTRIES.reroute,
  AwaitShipment: WORKFLOW_ENTRIES.awaitMilestone,
  AwaitShipmentAfterDeadline: WORKFLOW_ENTRIES.awaitMilestone,
  AwaitDelivery: WORKFLOW_ENTRIES.awaitMilestone,
  AwaitDeliveryAfterDeadline: WORKFLOW_ENTRIES.awaitMilestone,
  ShipmentLate: WORKFLOW_ENTRIES.flagException,
  DeliveryLate: WORKFLOW_ENTRIES.flagException,
  DeliveryLost: WORKFLOW_ENTRIES.flagException,
  CancelFulfillment: WORKFLOW_ENTRIES.cancelFulfillment,
  ReleaseCancelled: WORKFLOW_ENTRIES.cancelFulfillment,
};
/** Compensations and HoldOnFailure (the last resort of a failed step): they retry longer, everything. */
const COMPENSATIONS = ['CancelOrder', 'HoldOnFailure', 'CancelFulfillment', 'ReleaseCancelled'];
/** The happy path has no Choice state left: non-happy outcomes are named errors the Catches route. */
const HAPPY_CHOICES = {};

const state = (name: string): AslState => {
  const found = allStates(machine).find((st) => st.name === name);
  if (found === undefined) throw new Error(`no state ${name}`);
  return found.state;
};
const tasks = (): ReturnType<typeof allStates> => allStates(machine).filter((st) => st.state.Type === 'Task');

describe('definition', () => {
  it('is JSONPath (the local interpreter ignores JSONata) and starts at ValidateAndRoute', () => {
    expect(machine.QueryLanguage).toBe('JSONPath');
    expect(machine.StartAt).toBe('ValidateAndRoute');
    expect(JSON.stringify(machine)).not.toMatch(/JSONata|\{%/);
  });

  it('has exactly the states of the workflow contract', () => {
    expect(Object.keys(machine.States).sort()).toEqual([...TOP_LEVEL_STATES].sort());
    expect(Object.keys(state('Fulfill').ItemProcessor?.States ?? {}).sort()).toEqual([...ITERATION_STATES].sort());
  });

  it('times out executions after the stage setting (60 days in dev)', () => {
    expect(machine.TimeoutSeconds).toBe(60 * 86400);
  });

  it('every state is reachable and every transition names an existing state', () => {
    const check = (m: AslMachine): void => {
      const reachable = new Set<string>([m.StartAt]);
      const queue = [m.StartAt];
      while (queue.length > 0) {
        const current = m.States[queue.shift() ?? ''];
        expect(current).toBeDefined();
        for (const next of successors(current ?? { Type: '' })) {
          expect(Object.keys(m.States), next).toContain(next);
          if (!reachable.has(next)) {
            reachable.add(next);
            queue.push(next);
          }
        }
      }
      expect([...reachable].sort()).toEqual(Object.keys(m.States).sort());
    };
    check(machine);
    check(state('Fulfill').ItemProcessor ?? machine);
  });

  it.each(Object.entries(TASK_ENTRIES))('task %s invokes %s', (name, entry) => {
    const fnId = taskFunction(state(name));
    expect(fnId, name).toBeDefined();
    expect(s.json.Resources[fnId ?? '']?.Metadata?.['dropship:entry']).toBe(entry);
  });

  it('has no other task than those', () => {
    expect(tasks().map((t) => t.name).sort()).toEqual(Object.keys(TASK_ENTRIES).sort());
  });

  it('every task writes its result under its own ResultPath (never over the whole state by accident)', () => {
    for (const { name, state: st } of tasks()) {
      expect(typeof st.ResultPath, name).toBe('string');
      expect(st.ResultPath, name).not.toBe('$');
    }
  });

  it('synchronous tasks invoke the function directly with a state timeout; callback tasks read theirs from the input', () => {
    for (const { name, state: st } of tasks()) {
      if (isCallbackTask(st)) {
        expect(st.TimeoutSecondsPath, name).toMatch(/^\$\.(route|fulfillment)\.[A-Za-z]+Seconds$/);
        expect(st.TimeoutSeconds, name).toBeUndefined();
        expect(rec(st.Parameters?.Payload)['taskToken.$'], name).toBe('$$.Task.Token');
      } else {
        expect(st.Resource, name).toMatch(/^<[A-Za-z0-9]+\.Arn>$/);
        expect(st.TimeoutSeconds, name).toBe(60);
      }
    }
  });

  it.each([
    ['AwaitHoldDecision', '$.route.holdTimeoutSeconds'],
    ['Dispatch', '$.fulfillment.acceptanceTimeoutSeconds'],
    ['AwaitShipment', '$.fulfillment.shipTimeoutSeconds'],
    ['AwaitShipmentAfterDeadline', '$.fulfillment.shipGraceTimeoutSeconds'],
    ['AwaitDelivery', '$.fulfillment.deliveryTimeoutSeconds'],
    ['AwaitDeliveryAfterDeadline', '$.fulfillment.deliveryGraceTimeoutSeconds'],
  ])('callback task %s waits for a task token with TimeoutSecondsPath %s', (name, path) => {
    const st = state(name);
    expect(isCallbackTask(st)).toBe(true);
    expect(st.TimeoutSecondsPath).toBe(path);
  });

  it('every task retries the transient errors with exponential backoff, and never retries a timeout of a callback', () => {
    for (const { name, state: st } of tasks()) {
      const transient = (st.Retry ?? []).find((r) => r.ErrorEquals.includes('TransientError'));
      expect(transient?.ErrorEquals, name).toEqual([...TRANSIENT_ERRORS]);
      expect(transient?.BackoffRate ?? 0, name).toBeGreaterThan(1);
      expect(transient?.MaxAttempts ?? 0, name).toBeGreaterThanOrEqual(3);
      if (!COMPENSATIONS.includes(name)) {
        // The stage's transientRetryMinutes (10 in dev): 2 s doubling to 60 s, 14 attempts.
        const { maxAttempts, intervalSeconds, maxDelaySeconds } = transientRetrySchedule(10);
        expect(transient, name).toMatchObject({ MaxAttempts: maxAttempts, IntervalSeconds: intervalSeconds, MaxDelaySeconds: maxDelaySeconds, JitterStrategy: 'FULL' });
      }
      if (isCallbackTask(st)) {
        expect((st.Retry ?? []).flatMap((r) => r.ErrorEquals), name).not.toContain('States.Timeout');
        expect((st.Retry ?? []).flatMap((r) => r.ErrorEquals), name).not.toContain('States.ALL');
      }
    }
  });

  it('synchronous forward tasks (re-entrant) retry a timeout before anything compensates; callbacks and compensations do not need to', () => {
    const syncForward = tasks().filter(({ name, state: st }) => !isCallbackTask(st) && !COMPENSATIONS.includes(name));
    expect(syncForward.map((t) => t.name).sort()).toEqual(['Complete', 'DeliveryLate', 'DeliveryLost', 'HoldDeadline', 'NextFulfillments', 'Reroute', 'ShipmentLate', 'ValidateAndRoute']);
    for (const { name, state: st } of syncForward) {
      const timeouts = (st.Retry ?? []).find((r) => r.ErrorEquals.includes('Sandbox.Timedout'));
      expect(timeouts?.ErrorEquals, name).toEqual([...SYNC_TIMEOUT_ERRORS]);
      expect(timeouts?.MaxAttempts ?? 0, name).toBeGreaterThanOrEqual(2);
    }
    for (const { name, state: st } of tasks().filter((t) => isCallbackTask(t.state))) {
      expect((st.Retry ?? []).flatMap((r) => r.ErrorEquals), name).not.toContain('Sandbox.Timedout');
    }
  });

  it('a ValidateAndRoute that timed out is retried (it continues from the stored order) instead of compensating the order', async () => {
    let attempts = 0;
    const r = run(
      happyHandlers({
        ValidateAndRoute: async () => {
          attempts += 1;
          if (attempts === 1) throw namedError('Sandbox.Timedout', 'Task timed out after 30.00 seconds');
          return { outcome: 'ROUTED', fulfillments: [FULFILLMENT], dispatchDelaySeconds: 0 };
        },
      }),
    );
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    expect(attempts).toBe(2);
    expect(r.entered).not.toContain('HoldOnFailure');
  });

  it('compensations retry longer than forward steps, including unexpected errors', () => {
    for (const name of COMPENSATIONS) {
      const retry = state(name).Retry ?? [];
      expect(retry.find((r) => r.ErrorEquals.includes('TransientError'))?.MaxAttempts, name).toBeGreaterThan(4);
      expect(retry.at(-1)?.ErrorEquals, name).toEqual(['States.ALL']);
    }
  });

  it('every top-level forward task catches everything into HoldOnFailure (never a compensation); CancelOrder into a Fail', () => {
    for (const { name, state: st, inMap } of tasks()) {
      if (inMap !== undefined) continue;
      const all = (st.Catch ?? []).find((c) => c.ErrorEquals.includes('States.ALL'));
      expect(all, name).toBeDefined();
      if (name === 'CancelOrder') expect(all?.Next, name).toBe('CompensationFailed');
      else if (name === 'HoldOnFailure') expect(machine.States[all?.Next ?? '']?.Type, name).toBe('Fail');
      else expect(all, name).toMatchObject({ ResultPath: '$.error', Next: 'HoldOnFailure' });
    }
    // No failure path reaches a cancellation: only the business outcomes (OutOfStock, HoldRejected, HoldExpired) do.
    expect(machine.States.CompensateOrder).toBeUndefined();
    const intoCancel = allStates(machine).filter(({ state: st }) => successors(st).includes('CancelOrder')).map((x) => x.name);
    expect(intoCancel.sort()).toEqual(['HoldExpired', 'HoldRejected', 'OutOfStock']);
  });

  it('HoldOnFailure holds or marks the order, then RetryAfterFailure waits (0 s for a hold) and the hold path takes over', () => {
    expect(state('HoldOnFailure')).toMatchObject({ Parameters: { 'orderId.$': '$.orderId', 'error.$': '$.error' }, ResultPath: '$.failureHold', Next: 'RetryAfterFailure' });
    expect(state('RetryAfterFailure')).toMatchObject({ Type: 'Wait', SecondsPath: '$.failureHold.retryAfterSeconds', Next: 'HoldDeadline' });
    expect(state('UnexpectedOutcome').Next).toBe('HoldOnFailure');
  });

  it('an error inside a fulfillment that no iteration state handles fails the Map, which surfaces the order (HoldOnFailure)', () => {
    expect(state('Fulfill').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'HoldOnFailure' }]);
  });

  it('a supplier rejection or silence reroutes', () => {
    expect(state('Dispatch').Catch).toEqual([
      { ErrorEquals: [SUPPLIER_REJECTED_ERROR, 'States.Timeout'], ResultPath: '$.rejection', Next: 'Reroute' },
      { ErrorEquals: ['FulfillmentCancelled'], ResultPath: '$.cancelledWhileWaiting', Next: 'ReleaseCancelled' },
    ]);
    expect(state('Reroute').Parameters).toEqual({ 'fulfillment.$': '$.fulfillment', 'error.$': '$.rejection' });
    expect(state('DispatchRerouted').Parameters).toEqual({ 'fulfillment.$': '$.reroute.fulfillment' });
    expect(state('DispatchRerouted').Next).toBe('Dispatch');
  });

  it.each(['AwaitShipment', 'AwaitShipmentAfterDeadline'])(
    'a supplier withdrawing its acceptance before shipping (SupplierRejected during %s) reroutes like a rejection at dispatch',
    (name) => {
      const catches = state(name).Catch ?? [];
      expect(catches).toContainEqual({ ErrorEquals: [SUPPLIER_REJECTED_ERROR], ResultPath: '$.rejection', Next: 'Reroute' });
      // The timeout and cancellation catches are still there, and nothing catches everything inside the iteration (the Map does).
      expect(catches.flatMap((c) => c.ErrorEquals).sort()).toEqual(['FulfillmentCancelled', SUPPLIER_REJECTED_ERROR, 'States.Timeout'].sort());
    },
  );

  it('no wait after shipping reroutes (a shipped parcel cannot go to another supplier)', () => {
    for (const name of ['AwaitDelivery', 'AwaitDeliveryAfterDeadline']) {
      expect((state(name).Catch ?? []).flatMap((c) => c.ErrorEquals), name).not.toContain(SUPPLIER_REJECTED_ERROR);
    }
  });

  it.each([
    ['AwaitHoldDecision', 'HoldExpired'],
    ['AwaitShipment', 'ShipmentLate'],
    ['AwaitShipmentAfterDeadline', 'CancelFulfillment'],
    ['AwaitDelivery', 'DeliveryLate'],
    ['AwaitDeliveryAfterDeadline', 'DeliveryLost'],
  ])('a timeout of %s goes to %s', (name, next) => {
    expect(state(name).Catch?.find((c) => c.ErrorEquals.includes('States.Timeout'))?.Next).toBe(next);
  });

  it('cancellations name their reason before CancelOrder, which ends in Cancelled', () => {
    for (const [pass, reason] of [
      ['HoldRejected', 'HOLD_REJECTED'],
      ['HoldExpired', 'HOLD_TIMEOUT'],
      ['OutOfStock', 'OUT_OF_STOCK'],
    ] as const) {
      expect(state(pass)).toMatchObject({ Type: 'Pass', Result: { reason }, ResultPath: '$.cancellation', Next: 'CancelOrder' });
    }
    expect(state('CancelOrder').Parameters).toEqual({ 'orderId.$': '$.orderId', 'reason.$': '$.cancellation.reason' });
    expect(state('CancelOrder').Next).toBe('CancelOrderApplied?');
    // A hold resolved as its wait timed out is not cancelled: CancelOrder answers the live status, the order continues.
    expect(state('CancelOrderApplied?').Choices?.map((c) => c.Next)).toEqual(['ValidateAndRoute']);
    expect(state('CancelOrderApplied?').Default).toBe('Cancelled');
  });

  it('Fail states say what happened (error and cause)', () => {
    expect(state('Failed')).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error' });
    expect((state('Failed').Cause ?? '').length).toBeGreaterThan(40);
    expect(state('CompensationFailed')).toMatchObject({ Type: 'Fail', Error: 'CompensationFailed' });
    expect((state('CompensationFailed').Cause ?? '').length).toBeGreaterThan(40);
  });

  it('every Choice has a Default (an unknown outcome compensates instead of failing with States.NoChoiceMatched)', () => {
    for (const { name, state: st } of allStates(machine).filter((x) => x.state.Type === 'Choice')) {
      expect(st.Default, name).toBeDefined();
    }
  });

  it('fans fulfillments out in parallel, one iteration state `{ fulfillment }` per FulfillmentTask', () => {
    expect(state('Fulfill')).toMatchObject({
      ItemsPath: '$.route.fulfillments',
      ItemSelector: { 'fulfillment.$': '$$.Map.Item.Value' },
      ResultPath: '$.fulfilled',
    });
    expect(state('Fulfill').MaxConcurrency ?? 0).toBe(0);
  });

  it('Complete ends the execution; MoreFulfillments (a split reroute) goes through NextFulfillments and the Map again', () => {
    expect(state('Complete')).toMatchObject({ ResultPath: '$.route', End: true });
    expect(state('Complete').Catch?.[0]).toEqual({ ErrorEquals: ['MoreFulfillments'], ResultPath: '$.outcome', Next: 'NextFulfillments' });
    expect(state('NextFulfillments')).toMatchObject({ ResultPath: '$.route', Next: 'Fulfill', Parameters: { 'orderId.$': '$.orderId', report: 'PENDING' } });
  });

  it('ValidateAndRoute writes ROUTED under $.route and reports every other outcome as a named error its Catch routes', () => {
    expect(state('ValidateAndRoute')).toMatchObject({ ResultPath: '$.route', Parameters: { 'orderId.$': '$.orderId' }, Next: 'Fulfill' });
    const catches = state('ValidateAndRoute').Catch ?? [];
    const routes = Object.fromEntries(catches.map((c) => [c.ErrorEquals.join(','), c.Next]));
    expect(routes).toEqual({
      OrderOnHold: 'HoldDeadline',
      OrderRejected: 'Rejected',
      OrderOutOfStock: 'OutOfStock',
      OrderClosed: 'Done',
      'States.ALL': 'HoldOnFailure',
    });
    expect(catches.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
    expect(state('HoldDeadline')).toMatchObject({ ResultPath: '$.route', Next: 'AwaitHoldDecision', Parameters: { 'orderId.$': '$.orderId', report: 'HOLD' } });
    // An approved hold goes back into the same task, which continues from the stored order.
    expect(state('HoldDecided?').Choices?.find((c) => c.StringEquals === 'APPROVE')?.Next).toBe('ValidateAndRoute');
  });

  it('has no DispatchDelay when no channel delays dispatch (every dev channel sets 0): ValidateAndRoute goes straight to the Map', () => {
    expect(JSON.stringify(machine)).not.toContain('DispatchDelay');
    // Every path that led to the delay (ROUTED, an approved hold, a cancellation that did not apply) re-enters ValidateAndRoute.
    expect(state('ValidateAndRoute').Next).toBe('Fulfill');
  });

  it('the happy single-supplier path has 6 transitions (cost goal: at most 7 with a dispatch delay)', () => {
    const path = walkPath(machine, HAPPY_CHOICES);
    expect(path).toEqual(['ValidateAndRoute', 'Fulfill', 'Dispatch', 'AwaitShipment', 'AwaitDelivery', 'Complete']);
  });

  it.each(['Dispatch', 'AwaitShipment', 'AwaitShipmentAfterDeadline', 'AwaitDelivery', 'AwaitDeliveryAfterDeadline'])(
    'a fulfillment cancelled while %s waits ends its iteration through ReleaseCancelled',
    (name) => {
      expect(state(name).Catch).toContainEqual({ ErrorEquals: ['FulfillmentCancelled'], ResultPath: '$.cancelledWhileWaiting', Next: 'ReleaseCancelled' });
      expect(state('ReleaseCancelled')).toMatchObject({ Next: 'FulfillmentCancelled', Parameters: { 'fulfillment.$': '$.fulfillment', reason: 'CANCELLED' } });
    },
  );
});

describe('state machine', () => {
  it('is a Standard state machine under the pinned logical id', () => {
    expect(smLogicalId).toBe(ORDER_WORKFLOW_LOGICAL_IDS.stateMachine);
    expect(props(s.json.Resources[smLogicalId] ?? { Type: '' }).StateMachineType).toBe('STANDARD');
  });

  it('traces with X-Ray and logs ALL events without execution data (inputs carry addresses)', () => {
    const p = props(s.json.Resources[smLogicalId] ?? { Type: '' });
    expect(p.TracingConfiguration).toEqual({ Enabled: true });
    const logging = rec(p.LoggingConfiguration);
    expect(logging.Level).toBe('ALL');
    expect(logging.IncludeExecutionData).toBe(false);
    const group = referencedId(rec(rec(arr(logging.Destinations)[0]).CloudWatchLogsLogGroup).LogGroupArn);
    expect(props(s.json.Resources[group ?? ''] ?? { Type: '' }).RetentionInDays).toBe(14);
  });

  it('may invoke exactly the workflow task functions (and their versions)', () => {
    const role = referencedId(props(s.json.Resources[smLogicalId] ?? { Type: '' }).RoleArn);
    const invoke = roleStatements(s.json, role ?? '').filter((st) => actionsOf(st).includes('lambda:InvokeFunction'));
    expect(invoke.flatMap(actionsOf).every((a) => a === 'lambda:InvokeFunction')).toBe(true);
    const targets = new Set(invoke.flatMap((st) => arr(st.Resource)).map((r) => renderIntrinsics(r).replace(/:\*$/, '')));
    const entries = [...targets].map((t) => String(s.json.Resources[/^<([A-Za-z0-9]+)\.Arn>$/.exec(t)?.[1] ?? '']?.Metadata?.['dropship:entry']));
    expect(entries.sort()).toEqual(Object.values(WORKFLOW_ENTRIES).sort());
  });

  it('only the callback tasks may answer task tokens, in a policy of their own (no dependency cycle)', () => {
    const resumers: string[] = [WORKFLOW_ENTRIES.awaitHold, WORKFLOW_ENTRIES.dispatch, WORKFLOW_ENTRIES.awaitMilestone];
    for (const [id, fn] of resourcesOfType(s.json, 'AWS::Lambda::Function')) {
      const entry = String(fn.Metadata?.['dropship:entry']);
      if (!Object.values<string>(WORKFLOW_ENTRIES).includes(entry)) continue;
      const role = referencedId(props(fn).Role) ?? '';
      const responses = resourcesOfType(s.json, 'AWS::IAM::Policy').filter(
        ([, p]) => arr(props(p).Roles).map(referencedId).includes(role) && JSON.stringify(props(p).PolicyDocument).includes('states:SendTask'),
      );
      expect(responses.length, entry).toBe(resumers.includes(entry) ? 1 : 0);
      for (const [policyId, p] of responses) {
        expect(arr(fn.DependsOn), entry).not.toContain(policyId);
        const [statement] = arr(rec(props(p).PolicyDocument).Statement).map(rec);
        expect(arr(statement?.Action).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
        expect(statement?.Resource).toEqual({ Ref: 'OrderWorkflowStateMachine' });
      }
    }
  });

  it('the template has no dependency cycle (CloudFormation would refuse it; cdk synth does not check)', () => {
    expect(findDependencyCycle(s.json)).toBeUndefined();
  });

  it('task functions get the stage workflow settings and only the dispatchers get SUPPLIER_QUEUES', () => {
    const senders: string[] = [WORKFLOW_ENTRIES.dispatch, WORKFLOW_ENTRIES.cancelFulfillment, WORKFLOW_ENTRIES.cancelOrder];
    for (const [id, fn] of resourcesOfType(s.json, 'AWS::Lambda::Function')) {
      const entry = String(fn.Metadata?.['dropship:entry']);
      if (!Object.values<string>(WORKFLOW_ENTRIES).includes(entry)) continue;
      const variables = rec(rec(props(fn).Environment).Variables);
      expect(variables, id).toMatchObject({ TABLE_NAME: { Ref: 'PipelineTable' }, SHIP_GRACE_DAYS: '7', DELIVERY_GRACE_DAYS: '7', POWERTOOLS_SERVICE_NAME: 'order-workflow' });
      // No hot offer in dev (cdk.json): every offer keeps its one counter.
      expect('HOT_SKUS' in variables, id).toBe(false);
      expect('SUPPLIER_QUEUES' in variables, entry).toBe(senders.includes(entry));
      expect(props(fn).Timeout, entry).toBe(30);
    }
  });
});

// ---------------------------------------------------------------------------------------------- local interpreter

type Handler = (input: Record<string, unknown>) => Promise<unknown>;
type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JsonValue = Parameters<LocalHandlers[string]>[0];

/** Plain handlers as the interpreter wants them (JSON in, JSON out). */
function asLocalHandlers(handlers: Record<string, Handler>): LocalHandlers {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [
      name,
      async (input: JsonValue): Promise<JsonValue> => {
        const output: JsonValue = JSON.parse(JSON.stringify((await h(rec(input))) ?? null));
        return output;
      },
    ]),
  );
}
interface Run {
  readonly entered: string[];
  readonly result: Promise<unknown>;
}

const FULFILLMENT = {
  orderId: 'ord_01JTEST0000000000000000000',
  fulfillmentId: 'ful_01JTEST0000000000000000000_01',
  supplierId: 'nordic-home',
  acceptanceTimeoutSeconds: 1,
  shipTimeoutSeconds: 1,
  deliveryTimeoutSeconds: 1,
  shipGraceTimeoutSeconds: 1,
  deliveryGraceTimeoutSeconds: 1,
};
const namedError = (name: string, message = name): Error => Object.assign(new Error(message), { name });
const never: Handler = () => new Promise(() => undefined);

/** What the ValidateAndRoute / Complete handlers do with a non-happy outcome: raise it as a named error. */
const OUTCOME_ERRORS: Record<string, string> = {
  HOLD: 'OrderOnHold',
  REJECTED: 'OrderRejected',
  OUT_OF_STOCK: 'OrderOutOfStock',
  DONE: 'OrderClosed',
  MORE: 'MoreFulfillments',
};
/** A stub for ValidateAndRoute / Complete from the outcomes it answers in turn (as the real handlers report them). */
function outcomes(...results: Record<string, unknown>[]): Handler {
  let call = 0;
  return async () => {
    const result = results[Math.min(call, results.length - 1)] ?? {};
    call += 1;
    const error = OUTCOME_ERRORS[String(result.outcome)];
    if (error !== undefined) throw namedError(error, `outcome ${String(result.outcome)}`);
    return result;
  };
}

/** Handlers for a clean run: everything succeeds, callbacks resume at once. */
function happyHandlers(overrides: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    ValidateAndRoute: async () => ({ outcome: 'ROUTED', fulfillments: [FULFILLMENT], dispatchDelaySeconds: 0 }),
    Dispatch: async (input) => ({ ...rec(rec(input.Payload).fulfillment), stage: 'ACCEPTANCE', accepted: true, reachedAt: 'now' }),
    AwaitShipment: async (input) => ({ ...rec(rec(input.Payload).fulfillment), stage: 'SHIPPED', reachedAt: 'now' }),
    AwaitDelivery: async (input) => ({ ...rec(rec(input.Payload).fulfillment), stage: 'DELIVERED', reachedAt: 'now' }),
    Complete: async () => ({ outcome: 'DELIVERED', status: 'DELIVERED', fulfillments: [] }),
    CancelOrder: async (input) => ({ cancelled: true, reason: input.reason }),
    HoldOnFailure: async () => ({ disposition: 'HOLD', retryAfterSeconds: 0 }),
    ...overrides,
  };
}

function run(handlers: Record<string, Handler>, asl: AslMachine = machine): Run {
  const definition: StateMachineDefinition = JSON.parse(JSON.stringify(localizeDefinition(asl)));
  const sm = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const retryIntervalOverrides = Object.fromEntries(allStates(machine).filter((x) => x.state.Retry !== undefined).map((x) => [x.name, 0]));
  const execution = sm.run(
    { orderId: FULFILLMENT.orderId },
    { overrides: { taskResourceLocalHandlers: asLocalHandlers(handlers), retryIntervalOverrides }, context: { Task: { Token: 'local-task-token' } } },
  );
  const entered: string[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') entered.push(event.state.name);
    }
  })();
  return { entered, result: execution.result.finally(() => collecting) };
}

describe('definition run by the local interpreter (stub tasks)', () => {
  it('the happy single-supplier order enters 6 states and succeeds at Complete', async () => {
    const r = run(happyHandlers());
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(r.entered).toEqual(walkPath(machine, HAPPY_CHOICES));
    expect(r.entered).toHaveLength(6);
  });

  it.each([
    ['REJECTED', 'OrderRejected', 'Rejected'],
    ['DONE', 'OrderClosed', 'Done'],
  ])('ValidateAndRoute answering %s (%s) ends in %s (a business outcome, not a failure)', async (outcome, error, end) => {
    const r = run(happyHandlers({ ValidateAndRoute: outcomes({ outcome, fulfillments: [] }) }));
    await expect(r.result).resolves.toMatchObject({ outcome: { Error: error } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(r.entered).toEqual(['ValidateAndRoute', end]);
  });

  it('a fulfillment cancelled while it waits (FulfillmentCancelled) releases and ends its iteration; Complete ends the order', async () => {
    const released: unknown[] = [];
    const r = run(
      happyHandlers({
        Dispatch: async () => Promise.reject(namedError('FulfillmentCancelled', '{"reason":"customer_request"}')),
        ReleaseCancelled: async (input) => {
          released.push(input);
          return { outcome: 'ALREADY_CLOSED', fulfillmentId: FULFILLMENT.fulfillmentId, refundRequestedMinor: 0 };
        },
        Complete: async () => ({ outcome: 'CANCELLED', status: 'CANCELLED', fulfillments: [] }),
      }),
    );
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'CANCELLED' } });
    expect(r.entered).toEqual(['ValidateAndRoute', 'Fulfill', 'Dispatch', 'ReleaseCancelled', 'FulfillmentCancelled', 'Complete']);
    expect(released).toEqual([{ fulfillment: FULFILLMENT, reason: 'CANCELLED' }]);
  });

  it('MoreFulfillments from Complete sends the PENDING fulfillments through the Map again', async () => {
    const next = { ...FULFILLMENT, fulfillmentId: 'ful_01JTEST0000000000000000000_02' };
    const r = run(
      happyHandlers({
        Complete: outcomes({ outcome: 'MORE', status: 'IN_FULFILLMENT', fulfillments: [] }, { outcome: 'DELIVERED', status: 'DELIVERED', fulfillments: [] }),
        NextFulfillments: async () => ({ outcome: 'MORE', status: 'IN_FULFILLMENT', fulfillments: [next] }),
      }),
    );
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    expect(r.entered.slice(5)).toEqual(['Complete', 'NextFulfillments', 'Fulfill', 'Dispatch', 'AwaitShipment', 'AwaitDelivery', 'Complete']);
  });

  it('a payload reaches each task as the handler contract says', async () => {
    const seen: Record<string, unknown> = {};
    const spy = (name: string, inner: Handler): Handler => async (input) => {
      seen[name] = input;
      return inner(input);
    };
    const h = happyHandlers();
    const r = run(Object.fromEntries(Object.entries(h).map(([k, v]) => [k, spy(k, v)])));
    await r.result;
    expect(seen.ValidateAndRoute).toEqual({ orderId: FULFILLMENT.orderId });
    expect(rec(rec(seen.Dispatch).Payload)).toEqual({ taskToken: 'local-task-token', fulfillment: FULFILLMENT });
    expect(rec(seen.Dispatch).timeoutSeconds).toBe(FULFILLMENT.acceptanceTimeoutSeconds);
    expect(rec(rec(seen.AwaitShipment).Payload)).toMatchObject({ milestone: 'SHIPPED', fulfillment: { ...FULFILLMENT, stage: 'ACCEPTANCE' } });
    expect(rec(rec(seen.AwaitDelivery).Payload)).toMatchObject({ milestone: 'DELIVERED', fulfillment: { stage: 'SHIPPED' } });
  });

  it('a supplier rejection reroutes to the next supplier, which accepts', async () => {
    const next = { ...FULFILLMENT, fulfillmentId: 'ful_01JTEST0000000000000000000_02', supplierId: 'atlantic-outfitters' };
    let dispatches = 0;
    const reroutes: unknown[] = [];
    const r = run(
      happyHandlers({
        Dispatch: async (input) => {
          dispatches += 1;
          if (dispatches === 1) throw namedError(SUPPLIER_REJECTED_ERROR, '{"reasons":[{"reason":"OUT_OF_STOCK"}]}');
          return { ...rec(rec(input.Payload).fulfillment), stage: 'ACCEPTANCE', accepted: true };
        },
        Reroute: async (input) => {
          reroutes.push(input);
          return { outcome: 'REROUTED', fulfillment: next, additionalFulfillments: 0 };
        },
      }),
    );
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    expect(r.entered).toEqual(expect.arrayContaining(['Reroute', 'Rerouted?', 'DispatchRerouted']));
    expect(rec(reroutes[0])).toMatchObject({ fulfillment: FULFILLMENT, error: { Error: SUPPLIER_REJECTED_ERROR } });
    expect(dispatches).toBe(2);
  });

  it('a supplier withdrawing its acceptance before shipping reroutes to the next supplier, which ships and delivers', async () => {
    const next = { ...FULFILLMENT, fulfillmentId: 'ful_01JTEST0000000000000000000_02', supplierId: 'atlantic-outfitters' };
    let shipmentWaits = 0;
    const reroutes: unknown[] = [];
    const dispatched: unknown[] = [];
    const cause = JSON.stringify({ fulfillmentId: FULFILLMENT.fulfillmentId, supplierId: FULFILLMENT.supplierId, reasons: [{ reason: 'OUT_OF_STOCK' }] });
    const r = run(
      happyHandlers({
        Dispatch: async (input) => {
          dispatched.push(rec(rec(input.Payload).fulfillment).fulfillmentId);
          return { ...rec(rec(input.Payload).fulfillment), stage: 'ACCEPTANCE', accepted: true, reachedAt: 'now' };
        },
        AwaitShipment: async (input) => {
          shipmentWaits += 1;
          if (shipmentWaits === 1) throw namedError(SUPPLIER_REJECTED_ERROR, cause);
          return { ...rec(rec(input.Payload).fulfillment), stage: 'SHIPPED', reachedAt: 'now' };
        },
        Reroute: async (input) => {
          reroutes.push(input);
          return { outcome: 'REROUTED', fulfillment: next, additionalFulfillments: 0 };
        },
      }),
    );
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    expect(r.entered).toEqual(expect.arrayContaining(['AwaitShipment', 'Reroute', 'Rerouted?', 'DispatchRerouted']));
    expect(r.entered).not.toContain('HoldOnFailure');
    expect(reroutes).toHaveLength(1);
    // Reroute gets the accepted fulfillment (a MilestoneResult: the task drops the extra keys) and the rejection.
    expect(rec(reroutes[0])).toMatchObject({ fulfillment: { ...FULFILLMENT, stage: 'ACCEPTANCE' }, error: { Error: SUPPLIER_REJECTED_ERROR, Cause: cause } });
    // What the reroute Lambda parses (RerouteInput): every FulfillmentTask field, and the caught error as { Error, Cause }.
    const payload = rec(reroutes[0]);
    expect(Object.keys(rec(payload.fulfillment))).toEqual(expect.arrayContaining(Object.keys(RerouteInput.shape.fulfillment.shape)));
    expect(RerouteInput.shape.error.safeParse(payload.error)).toMatchObject({ success: true, data: { Error: SUPPLIER_REJECTED_ERROR, Cause: cause } });
    expect(dispatched).toEqual([FULFILLMENT.fulfillmentId, next.fulfillmentId]);
    expect(shipmentWaits).toBe(2);
  });

  it('supplier silence past the acceptance SLA reroutes; no supplier left cancels the lines', async () => {
    const r = run(
      happyHandlers({
        Dispatch: never,
        Reroute: async () => ({ outcome: 'LINES_CANCELLED', refundRequestedMinor: 1990 }),
        Complete: async () => ({ outcome: 'CANCELLED', status: 'CANCELLED', fulfillments: [] }),
      }),
    );
    await expect(r.result).resolves.toBeDefined();
    expect(r.entered).toEqual(expect.arrayContaining(['Dispatch', 'Reroute', 'LinesCancelled', 'Complete']));
    expect(r.entered.at(-1)).toBe('Complete');
  });

  it('a hold approved by an operator validates again and continues', async () => {
    let screens = 0;
    const r = run(
      happyHandlers({
        ValidateAndRoute: async () => {
          screens += 1;
          if (screens === 1) throw namedError('OrderOnHold', 'HIGH_RISK_OF_FRAUD');
          return { outcome: 'ROUTED', fulfillments: [FULFILLMENT], dispatchDelaySeconds: 0 };
        },
        HoldDeadline: async () => ({ outcome: 'HOLD', fulfillments: [], holdReason: 'HIGH_RISK_OF_FRAUD', holdTimeoutSeconds: 60 }),
        AwaitHoldDecision: async () => ({ decision: 'APPROVE' }),
      }),
    );
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    expect(r.entered.slice(0, 7)).toEqual(['ValidateAndRoute', 'HoldDeadline', 'AwaitHoldDecision', 'HoldDecided?', 'ValidateAndRoute', 'Fulfill', 'Dispatch']);
    expect(screens).toBe(2);
  });

  it('a hold that times out cancels the order with reason HOLD_TIMEOUT', async () => {
    const cancels: unknown[] = [];
    const r = run(
      happyHandlers({
        ValidateAndRoute: outcomes({ outcome: 'HOLD', fulfillments: [] }),
        HoldDeadline: async () => ({ outcome: 'HOLD', fulfillments: [], holdReason: 'AWAITING_PAYMENT', holdTimeoutSeconds: 1 }),
        AwaitHoldDecision: never,
        CancelOrder: async (input) => {
          cancels.push(input);
          return { status: 'CANCELLED' };
        },
      }),
    );
    await expect(r.result).resolves.toBeDefined();
    expect(r.entered.slice(-5)).toEqual(['AwaitHoldDecision', 'HoldExpired', 'CancelOrder', 'CancelOrderApplied?', 'Cancelled']);
    expect(cancels).toEqual([{ orderId: FULFILLMENT.orderId, reason: 'HOLD_TIMEOUT' }]);
  });

  it('a hold approved just as its wait timed out is not cancelled: CancelOrder answers VALIDATED and the order continues', async () => {
    let screens = 0;
    const r = run(
      happyHandlers({
        ValidateAndRoute: async () => {
          screens += 1;
          if (screens === 1) throw namedError('OrderOnHold', 'AWAITING_PAYMENT');
          return { outcome: 'ROUTED', fulfillments: [FULFILLMENT], dispatchDelaySeconds: 0 };
        },
        HoldDeadline: async () => ({ outcome: 'HOLD', fulfillments: [], holdReason: 'AWAITING_PAYMENT', holdTimeoutSeconds: 1 }),
        AwaitHoldDecision: never,
        CancelOrder: async () => ({ orderId: FULFILLMENT.orderId, status: 'VALIDATED', reason: 'HOLD_TIMEOUT', refundRequestedMinor: 0, cancelledFulfillmentIds: [] }),
      }),
    );
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    expect(r.entered.slice(0, 8)).toEqual(['ValidateAndRoute', 'HoldDeadline', 'AwaitHoldDecision', 'HoldExpired', 'CancelOrder', 'CancelOrderApplied?', 'ValidateAndRoute', 'Fulfill']);
  });

  it('out of stock cancels with reason OUT_OF_STOCK', async () => {
    const cancels: unknown[] = [];
    const r = run(
      happyHandlers({
        ValidateAndRoute: outcomes({ outcome: 'OUT_OF_STOCK', fulfillments: [] }),
        CancelOrder: async (input) => {
          cancels.push(input);
          return { status: 'CANCELLED' };
        },
      }),
    );
    await r.result;
    expect(cancels).toEqual([{ orderId: FULFILLMENT.orderId, reason: 'OUT_OF_STOCK' }]);
    expect(r.entered.at(-1)).toBe('Cancelled');
  });

  it('a forward step failing transiently past its retries holds the order for an operator; approved, it continues (never compensated)', async () => {
    let attempts = 0;
    const holds: unknown[] = [];
    const r = run(
      happyHandlers({
        ValidateAndRoute: async () => {
          attempts += 1;
          if (attempts <= transientRetrySchedule(10).maxAttempts + 1) throw namedError('TransientError', 'throttled');
          return { outcome: 'ROUTED', fulfillments: [FULFILLMENT], dispatchDelaySeconds: 0 };
        },
        HoldOnFailure: async (input) => {
          holds.push(input);
          return { disposition: 'HOLD', retryAfterSeconds: 0 };
        },
        HoldDeadline: async () => ({ outcome: 'HOLD', fulfillments: [], holdReason: 'TRANSIENT_FAILURE', holdTimeoutSeconds: 600 }),
        AwaitHoldDecision: async () => ({ decision: 'APPROVE' }),
        CancelOrder: async () => Promise.reject(new Error('a transient failure must not cancel the order')),
      }),
    );
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    expect(attempts).toBe(transientRetrySchedule(10).maxAttempts + 2); // 1 + MaxAttempts, then once more after the approval
    expect(holds).toEqual([{ orderId: FULFILLMENT.orderId, error: { Error: 'TransientError', Cause: 'throttled' } }]);
    expect(r.entered.slice(0, 7)).toEqual(['ValidateAndRoute', 'HoldOnFailure', 'RetryAfterFailure', 'HoldDeadline', 'AwaitHoldDecision', 'HoldDecided?', 'ValidateAndRoute']);
    expect(r.entered).not.toContain('CancelOrder');
  });

  it('a fulfillment that fails unexpectedly fails the Map, which marks the order and re-enters it from the stored state', async () => {
    let waits = 0;
    const r = run(
      happyHandlers({
        AwaitShipment: async (input) => {
          waits += 1;
          if (waits === 1) throw namedError('WorkflowStateError', 'fulfillment missing');
          return { ...rec(rec(input.Payload).fulfillment), stage: 'SHIPPED', reachedAt: 'now' };
        },
        HoldOnFailure: async () => ({ disposition: 'MARK', retryAfterSeconds: 0 }),
        HoldDeadline: async () => ({ outcome: 'HOLD', fulfillments: [], holdTimeoutSeconds: 900 }),
        AwaitHoldDecision: async () => ({ decision: 'APPROVE' }),
      }),
    );
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    const at = r.entered.indexOf('HoldOnFailure');
    expect(r.entered.slice(at - 1, at + 7)).toEqual(['AwaitShipment', 'HoldOnFailure', 'RetryAfterFailure', 'HoldDeadline', 'AwaitHoldDecision', 'HoldDecided?', 'ValidateAndRoute', 'Fulfill']);
    expect(r.entered).not.toContain('CancelOrder');
  });

  it('HoldOnFailure that keeps failing ends the execution in Failed (the order is left as it is, for the stuck-order sweep)', async () => {
    const r = run(
      happyHandlers({
        ValidateAndRoute: async () => Promise.reject(namedError('WorkflowStateError', 'order missing')),
        HoldOnFailure: async () => Promise.reject(namedError('TransientError', 'still throttled')),
      }),
    );
    await expect(r.result).rejects.toBeDefined();
    expect(r.entered.slice(-2)).toEqual(['HoldOnFailure', 'Failed']);
    expect(r.entered).not.toContain('CancelOrder');
  });

  it('late shipment raises the exception, waits the grace period, then cancels the fulfillment', async () => {
    const flags: unknown[] = [];
    const r = run(
      happyHandlers({
        AwaitShipment: never,
        ShipmentLate: async (input) => {
          flags.push(input);
          return { flagged: true };
        },
        AwaitShipmentAfterDeadline: never,
        CancelFulfillment: async () => ({ outcome: 'CANCELLED', fulfillmentId: FULFILLMENT.fulfillmentId, refundRequestedMinor: 100 }),
        Complete: async () => ({ outcome: 'CANCELLED', status: 'CANCELLED', fulfillments: [] }),
      }),
    );
    await r.result;
    expect(r.entered).toEqual(expect.arrayContaining(['AwaitShipment', 'ShipmentLate', 'AwaitShipmentAfterDeadline', 'CancelFulfillment', 'FulfillmentCancelled']));
    expect(rec(flags[0])).toMatchObject({ fulfillment: FULFILLMENT, exception: 'SHIP_BY_PASSED' });
  }, 20_000);
});

describe('a stage whose channel delays dispatch (demo-woo without dispatchDelayMinutes: the default 5 minutes)', () => {
  let delayed: Synthesized;
  let delayedMachine: AslMachine;
  beforeAll(() => {
    const stages = rec(readCdkJsonContext().stages);
    const dev = rec(stages.dev);
    const channels = arr(dev.channels).map((c) => rec(c));
    const withDelay = channels.map((c) => (c.id === 'demo-woo' ? Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'dispatchDelayMinutes')) : c));
    delayed = synthesize({ stage: 'dev', context: { stages: { ...stages, dev: { ...dev, channels: withDelay } } } });
    delayedMachine = stateMachineDefinition(delayed.json).definition;
  });

  it('keeps the DispatchDelay Wait between ValidateAndRoute and the Map, under the same pinned logical id', () => {
    expect(stateMachineDefinition(delayed.json).logicalId).toBe(smLogicalId);
    expect(delayedMachine.States.ValidateAndRoute?.Next).toBe('DispatchDelay');
    expect(delayedMachine.States.DispatchDelay).toMatchObject({ Type: 'Wait', SecondsPath: '$.route.dispatchDelaySeconds', Next: 'Fulfill' });
    expect(Object.keys(delayedMachine.States).sort()).toEqual([...TOP_LEVEL_STATES, 'DispatchDelay'].sort());
    // The other states are the same as without the delay.
    const { DispatchDelay: _wait, ValidateAndRoute: before, ...rest } = delayedMachine.States;
    const { ValidateAndRoute: without, ...restWithout } = machine.States;
    expect(rest).toEqual(restWithout);
    expect({ ...before, Next: 'Fulfill' }).toEqual(without);
  });

  it('the happy single-supplier path has 7 transitions: the delay costs one', async () => {
    const path = walkPath(delayedMachine, HAPPY_CHOICES);
    expect(path).toEqual(['ValidateAndRoute', 'DispatchDelay', 'Fulfill', 'Dispatch', 'AwaitShipment', 'AwaitDelivery', 'Complete']);
    const r = run(happyHandlers(), delayedMachine);
    await expect(r.result).resolves.toMatchObject({ route: { outcome: 'DELIVERED' } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(r.entered).toEqual(path);
  });
});

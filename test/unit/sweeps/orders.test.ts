import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_STUCK_ORDER_MINUTES } from '../../../functions/core/sweeps/domain/rules';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { ORDER_STUCK, sweepOrders, type OrderSweepDeps } from '../../../functions/core/sweeps/services/sweep-orders';
import { stuckOrderMinutesFromEnv } from '../../../functions/core/sweeps/services/sweeps';
import { stripKeys } from '../../../functions/core/runtime/table/context';
import { nextOrder } from '../../../functions/core/workflow/store/order-aggregate';
import { orderItem } from '../../../functions/core/orders/store/orders';
import { FakeTable } from '../workflow/support/fake-table';
import { sfnClient } from '../workflow/support/world';
import { T0, harness, order, orderIdOf, plusMinutes, putOrder, type Harness } from './support';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:OrderWorkflow';
const executionArn = (orderId: string) => `arn:aws:states:us-east-1:000000000000:execution:OrderWorkflow:${orderId}`;
const doesNotExist = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

let table: FakeTable;
let h: Harness;

beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  h = harness(plusMinutes(T0, 120));
});

const deps = (pageLimit = 200): OrderSweepDeps => ({ ...h.deps(pageLimit), sfn: sfnClient, stateMachineArn: STATE_MACHINE, minutes: DEFAULT_STUCK_ORDER_MINUTES });
const stored = (orderId: string) => table.get(`ORDER#${orderId}`, '#ORDER') ?? {};
const stuckEvents = (orderId: string) => table.entities('TimelineEvent', `ORDER#${orderId}`).filter((e) => e.type === 'OrderStuck');
const metric = (name: string) => h.metrics.addMetric.mock.calls.filter((c) => c[0] === name).map((c) => c[2]);

function seed(n: number, patch: Partial<WorkflowOrder>): string {
  const orderId = orderIdOf(n);
  putOrder(table, order(orderId, patch));
  return orderId;
}

describe('order sweep: lost workflow starts', () => {
  it('starts the workflow of a RECEIVED order that has no execution (its start was lost)', async () => {
    const orderId = seed(1, { status: 'RECEIVED' });
    sfnMock.on(DescribeExecutionCommand).rejects(doesNotExist());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArn(orderId), startDate: new Date() });

    const result = await sweepOrders(deps());
    expect(result).toMatchObject({ examined: 1, started: 1, stuck: 0, startFailures: 0 });
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: executionArn(orderId) });
    expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: STATE_MACHINE, name: orderId, input: JSON.stringify({ orderId }) },
    ]);
    expect(stored(orderId).gsi3pk).toBeUndefined();
    expect(stuckEvents(orderId)).toEqual([]);
    expect(metric('WorkflowStartsRecovered')).toEqual([1]);
  });

  it('a start that races another (ExecutionAlreadyExists) is fine: nothing surfaced', async () => {
    const orderId = seed(1, { status: 'RECEIVED' });
    sfnMock.on(DescribeExecutionCommand).rejects(doesNotExist());
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const result = await sweepOrders(deps());
    expect(result).toMatchObject({ started: 0, stuck: 0, startFailures: 0, failed: 0 });
    expect(stuckEvents(orderId)).toEqual([]);
  });

  it('a failed start is surfaced (never lost) and retried by the next run', async () => {
    const orderId = seed(1, { status: 'RECEIVED' });
    sfnMock.on(DescribeExecutionCommand).rejects(doesNotExist());
    sfnMock.on(StartExecutionCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })).resolves({ executionArn: executionArn(orderId), startDate: new Date() });

    const first = await sweepOrders(deps());
    expect(first).toMatchObject({ started: 0, startFailures: 1, stuck: 1 });
    expect(stored(orderId)).toMatchObject({ gsi3pk: `EXCEPTION#${ORDER_STUCK}` });
    expect(stuckEvents(orderId).map((e) => (e.data as Record<string, unknown>).reason)).toEqual(['START_FAILED']);

    const second = await sweepOrders(deps());
    expect(second).toMatchObject({ started: 1, startFailures: 0, stuck: 0 });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(2);
    expect(stuckEvents(orderId)).toHaveLength(1);
    expect(metric('WorkflowStartsFailed')).toEqual([1, 0]);
  });

  it('a RECEIVED order younger than its deadline is not looked at', async () => {
    seed(1, { status: 'RECEIVED', updatedAt: plusMinutes(T0, 110) });
    const result = await sweepOrders(deps());
    expect(result.examined).toBe(0);
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('order sweep: stuck orders', () => {
  it('surfaces an order past its stage deadline once, with the execution status', async () => {
    const orderId = seed(1, { status: 'VALIDATED' });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', executionArn: executionArn(orderId), stateMachineArn: STATE_MACHINE, startDate: new Date(), input: '{}' });

    const first = await sweepOrders(deps());
    expect(first).toMatchObject({ examined: 1, stuck: 1, started: 0 });
    const since = plusMinutes(T0, 60);
    expect(stored(orderId)).toMatchObject({ status: 'VALIDATED', version: 1, gsi3pk: `EXCEPTION#${ORDER_STUCK}`, gsi3sk: `${since}#${orderId}` });
    expect(stuckEvents(orderId)).toEqual([
      expect.objectContaining({
        actor: 'platform',
        channelId: 'demo-web',
        data: { status: 'VALIDATED', since, deadlineMinutes: 60, lastChangedAt: T0, execution: 'FAILED', reason: 'WORKFLOW_ENDED' },
      }),
    ]);
    // No customer data in the event.
    expect(JSON.stringify(stuckEvents(orderId))).not.toMatch(/ada|Lovelace|Invalidenstrasse/i);

    h.clock.ms += 3_600_000;
    const second = await sweepOrders(deps());
    expect(second).toMatchObject({ examined: 1, stuck: 0 });
    expect(stuckEvents(orderId)).toHaveLength(1);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
    expect(metric('OrdersStuck')).toEqual([1, 0]);
  });

  it('a RECEIVED order whose execution runs but does not move is surfaced, not restarted', async () => {
    const orderId = seed(1, { status: 'RECEIVED' });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', executionArn: executionArn(orderId), stateMachineArn: STATE_MACHINE, startDate: new Date(), input: '{}' });
    const result = await sweepOrders(deps());
    expect(result).toMatchObject({ stuck: 1, started: 0 });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(stuckEvents(orderId).map((e) => (e.data as Record<string, unknown>).reason)).toEqual(['DEADLINE_PASSED']);
  });

  it('an order that moves on leaves the exceptions index; stuck again later, it is surfaced again', async () => {
    const orderId = seed(1, { status: 'VALIDATED' });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', executionArn: executionArn(orderId), stateMachineArn: STATE_MACHINE, startDate: new Date(), input: '{}' });
    await sweepOrders(deps());
    // The workflow writes the order whole (it never carries index attributes): the mark is gone.
    const current = stripKeys(stored(orderId)) as unknown as WorkflowOrder;
    table.seed(orderItem(nextOrder(current, { status: 'RESERVED' }, new Date(h.clock.ms).toISOString())));
    expect(stored(orderId).gsi3pk).toBeUndefined();

    h.clock.ms += 30 * 60_000;
    expect((await sweepOrders(deps())).stuck).toBe(0);
    h.clock.ms += 31 * 60_000;
    expect((await sweepOrders(deps())).stuck).toBe(1);
    expect(stuckEvents(orderId).map((e) => (e.data as Record<string, unknown>).status)).toEqual(['VALIDATED', 'RESERVED']);
  });

  it('ON_HOLD is never stuck before its hold timeout; terminal orders are never read', async () => {
    h.clock.ms = Date.parse(plusMinutes(T0, 76 * 60));
    const waiting = seed(1, { status: 'ON_HOLD', holdReason: 'HIGH_RISK_OF_FRAUD', holdExpiresAt: plusMinutes(T0, 96 * 60) });
    const expired = seed(2, { status: 'ON_HOLD', holdReason: 'AWAITING_PAYMENT', holdExpiresAt: plusMinutes(T0, 72 * 60) });
    seed(3, { status: 'DELIVERED' });
    seed(4, { status: 'CANCELLED' });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', executionArn: 'x', stateMachineArn: STATE_MACHINE, startDate: new Date(), input: '{}' });
    const result = await sweepOrders(deps());
    expect(result).toMatchObject({ examined: 2, stuck: 1 });
    expect(stored(waiting).gsi3pk).toBeUndefined();
    expect(stuckEvents(expired)).toHaveLength(1);
    expect(stuckEvents(expired)[0]?.data).toMatchObject({ holdReason: 'AWAITING_PAYMENT', since: plusMinutes(T0, 75 * 60), deadlineMinutes: 75 * 60 });
  });

  it('is bounded and resumable over the status queries', async () => {
    const ids = [1, 2, 3, 4, 5].map((n) => seed(n, { status: n <= 3 ? 'VALIDATED' : 'RESERVED', updatedAt: plusMinutes(T0, n) }));
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', executionArn: 'x', stateMachineArn: STATE_MACHINE, startDate: new Date(), input: '{}' });
    h.clock.ms += 60 * 60_000;
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await sweepOrders(deps(2)));
    // VALIDATED ×3 then RESERVED ×2, 2 per run; a run that finishes a query goes on with the next ones
    // (wrapping around), so run 3 ends in the VALIDATED orders again (already surfaced: nothing new).
    expect(runs.map((r) => [r.examined, r.stuck])).toEqual([
      [2, 2],
      [2, 2],
      [2, 1],
      [2, 0],
    ]);
    expect(ids.every((id) => stuckEvents(id).length === 1)).toBe(true);
  });
});

describe('STUCK_ORDER_MINUTES', () => {
  it('merges overrides over the defaults; null switches a status off', () => {
    const m = stuckOrderMinutesFromEnv({ STUCK_ORDER_MINUTES: '{"RECEIVED":5,"SHIPPED":null}' });
    expect(m).toEqual({ ...DEFAULT_STUCK_ORDER_MINUTES, RECEIVED: 5, SHIPPED: null });
    expect(stuckOrderMinutesFromEnv({})).toEqual(DEFAULT_STUCK_ORDER_MINUTES);
  });

  it.each(['{"RECEIVED":0}', '{"DELIVERED":5}', '[1]', 'not json', '{"RECEIVED":"15"}'])('refuses %s at cold start', (value) => {
    expect(() => stuckOrderMinutesFromEnv({ STUCK_ORDER_MINUTES: value })).toThrow(/STUCK_ORDER_MINUTES/);
  });
});

/**
 * A workflow task that failed past its retries: the pure policy (retry schedule, disposition per status, the
 * error as operators see it) and HoldOnFailure on the fake table (hold + exception mark, mark once, approve
 * continues and never skips validation).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../../functions/core/orders/domain/order';
import { describeFailure, failureDisposition, retryBudgetSeconds, transientRetrySchedule } from '../../../functions/core/workflow/domain/failure-policy';
import { holdOnFailure } from '../../../functions/core/workflow/failures/hold-on-failure';
import { approveHold, rejectHold } from '../../../functions/core/workflow/services/hold-decisions';
import { screenForRouting } from '../../../functions/core/workflow/services/validate-and-screen';
import { holdDecisionFor } from '../../../functions/core/workflow/services/workflow-common';
import { keys } from '../../../functions/core/runtime/table/keys';
import { FakeTable } from './support/fake-table';
import { NOW, ORDER_ID, catalogItems, makeWorld, order, putOrder, storedOrder, timelineTypes, type World } from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
let table: FakeTable;
let world: World;

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
});

const THROTTLED = { Error: 'TransientError', Cause: JSON.stringify({ errorType: 'TransientError', errorMessage: 'ReserveAndRoute: concurrent updates kept winning, retry later', trace: ['at x (/var/task/index.js:1:1)'] }) };
const orderItem = () => table.get(keys.order(ORDER_ID).pk, '#ORDER') ?? {};

describe('failure policy (pure)', () => {
  it.each([1, 5, 10, 30])('retries transient errors for %i minutes at most (un-jittered sum), with the fewest attempts that reach it', (minutes) => {
    const schedule = transientRetrySchedule(minutes);
    expect(retryBudgetSeconds(schedule)).toBeGreaterThanOrEqual(minutes * 60);
    expect(retryBudgetSeconds({ ...schedule, maxAttempts: schedule.maxAttempts - 1 })).toBeLessThan(minutes * 60);
    expect(schedule).toMatchObject({ intervalSeconds: 2, backoffRate: 2, maxDelaySeconds: 60 });
  });

  it('10 minutes is 14 attempts: 2, 4, 8, 16, 32 s then 60 s apart', () => {
    expect(transientRetrySchedule(10).maxAttempts).toBe(14);
  });

  it.each([
    ['RECEIVED', 'HOLD'],
    ['VALIDATED', 'HOLD'],
    ['RESERVED', 'HOLD'],
    ['ON_HOLD', 'KEEP'],
    ['IN_FULFILLMENT', 'MARK'],
    ['PARTIALLY_SHIPPED', 'MARK'],
    ['SHIPPED', 'MARK'],
    ['DELIVERED', 'DONE'],
    ['CANCELLED', 'DONE'],
    ['REJECTED', 'DONE'],
  ] as const)('an order %s is %s', (status, disposition) => {
    expect(failureDisposition(status)).toBe(disposition);
  });

  it('every status has a disposition (a new status cannot slip through)', () => {
    for (const status of ORDER_STATUSES) expect(['HOLD', 'MARK', 'KEEP', 'DONE']).toContain(failureDisposition(status));
  });

  it('describes the failure by its name and message, without the stack trace, bounded', () => {
    expect(describeFailure(THROTTLED)).toEqual({ error: 'TransientError', message: 'ReserveAndRoute: concurrent updates kept winning, retry later' });
    expect(describeFailure({ Error: 'States.Timeout' })).toEqual({ error: 'States.Timeout', message: '' });
    expect(describeFailure(undefined).error).toBe('UnknownError');
    expect(describeFailure({ Error: 'X', Cause: 'y'.repeat(1000) }).message.length).toBeLessThanOrEqual(300);
  });
});

describe('HoldOnFailure', () => {
  it('holds a VALIDATED order for an operator: ON_HOLD TRANSIENT_FAILURE, the exception mark and OrderOnHold naming the error, in one transaction', async () => {
    putOrder(table, order({ status: 'VALIDATED', screening: { decision: 'ACCEPT', score: 0, rules: [], at: NOW.toISOString() } }));
    await expect(holdOnFailure(world.deps, { orderId: ORDER_ID, error: THROTTLED })).resolves.toEqual({ disposition: 'HOLD', retryAfterSeconds: 0 });
    expect(storedOrder(table)).toMatchObject({ status: 'ON_HOLD', holdReason: 'TRANSIENT_FAILURE', version: 2 });
    expect(orderItem()).toMatchObject({ gsi3pk: 'EXCEPTION#TRANSIENT_FAILURE', gsi3sk: `${NOW.toISOString()}#${ORDER_ID}` });
    expect(timelineTypes(table)).toEqual(['OrderOnHold']);
    expect(JSON.stringify(table.entities('TimelineEvent'))).toContain('concurrent updates kept winning');
    expect(JSON.stringify(table.entities('TimelineEvent'))).not.toContain('/var/task');
  });

  it('a held order never expires into a cancellation: its hold outlasts any execution (the screen reports the time left)', async () => {
    putOrder(table, order({ status: 'VALIDATED', screening: { decision: 'ACCEPT', score: 0, rules: [], at: NOW.toISOString() } }));
    await holdOnFailure(world.deps, { orderId: ORDER_ID, error: THROTTLED });
    const { result } = await screenForRouting({ ...world.deps, settings: { ...world.deps.settings, holdTimeoutHours: 72 } }, { orderId: ORDER_ID });
    expect(result).toMatchObject({ outcome: 'HOLD', holdReason: 'TRANSIENT_FAILURE' });
    expect(result.holdTimeoutSeconds ?? 0).toBeGreaterThan(365 * 86_400);
  });

  it('is idempotent: a second call on the held order writes nothing', async () => {
    putOrder(table, order({ status: 'VALIDATED' }));
    await holdOnFailure(world.deps, { orderId: ORDER_ID, error: THROTTLED });
    await expect(holdOnFailure(world.deps, { orderId: ORDER_ID, error: THROTTLED })).resolves.toEqual({ disposition: 'KEEP', retryAfterSeconds: 0 });
    expect(timelineTypes(table)).toEqual(['OrderOnHold']);
    expect(storedOrder(table).version).toBe(2);
  });

  it('approving it continues the workflow; an order held before validation goes back to RECEIVED (validated, not skipped)', async () => {
    putOrder(table, order({ status: 'RECEIVED' }));
    await holdOnFailure(world.deps, { orderId: ORDER_ID, error: THROTTLED });
    const approved = await approveHold({ ...world.deps, sfn: world.sfn }, { orderId: ORDER_ID });
    expect(approved).toMatchObject({ decision: 'APPROVE', status: 'RECEIVED', resumed: false });
    const stored = storedOrder(table);
    expect(holdDecisionFor(stored)).toEqual({ decision: 'APPROVE' });
    expect(orderItem().gsi3pk).toBeUndefined();
    // The next ValidateAndRoute validates and screens it as a new order would be.
    await expect(screenForRouting(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ result: { outcome: 'CONTINUE' } });
    expect(timelineTypes(table)).toEqual(['OrderOnHold', 'OrderReleased', 'OrderValidated']);
  });

  it('an operator may still reject it (the operator decides: cancelled and refunded)', async () => {
    putOrder(table, order({ status: 'VALIDATED' }));
    await holdOnFailure(world.deps, { orderId: ORDER_ID, error: THROTTLED });
    await expect(rejectHold({ ...world.deps, sfn: world.sfn }, { orderId: ORDER_ID, reason: 'duplicate' })).resolves.toMatchObject({ status: 'CANCELLED' });
  });

  it('marks an order already with suppliers once (exception + OrderStuck), without changing its status, and asks to re-enter later', async () => {
    putOrder(table, order({ status: 'IN_FULFILLMENT' }));
    const first = await holdOnFailure(world.deps, { orderId: ORDER_ID, error: THROTTLED });
    expect(first).toEqual({ disposition: 'MARK', retryAfterSeconds: 3600 });
    expect(storedOrder(table)).toMatchObject({ status: 'IN_FULFILLMENT', version: 1 });
    expect(orderItem()).toMatchObject({ gsi3pk: 'EXCEPTION#TRANSIENT_FAILURE' });
    world.advance(60_000);
    await holdOnFailure(world.deps, { orderId: ORDER_ID, error: THROTTLED });
    expect(timelineTypes(table)).toEqual(['OrderStuck']);
    expect(orderItem().gsi3sk).toBe(`${NOW.toISOString()}#${ORDER_ID}`);
  });

  it.each(['DELIVERED', 'CANCELLED', 'REJECTED'] as const)('writes nothing for a %s order', async (status) => {
    putOrder(table, order({ status }));
    await expect(holdOnFailure(world.deps, { orderId: ORDER_ID, error: THROTTLED })).resolves.toEqual({ disposition: 'DONE', retryAfterSeconds: 0 });
    expect(timelineTypes(table)).toEqual([]);
  });
});

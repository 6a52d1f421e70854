import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SupplierRejected, TransientError, WorkflowStateError } from '../../../functions/core/kernel/errors';
import { toTaskError } from '../../../functions/workflow/task';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { lambdaContext } from '../fixtures/requests';
import { FakeTable } from './support/fake-table';
import { F1, NOW, ORDER_ID, catalogItems, order, putOrder, storedOrder } from './support/world';

const ENTRIES = {
  'validate-and-route': () => import('../../../functions/workflow/validate-and-route'),
  'await-hold': () => import('../../../functions/workflow/await-hold'),
  dispatch: () => import('../../../functions/workflow/dispatch'),
  reroute: () => import('../../../functions/workflow/reroute'),
  'await-milestone': () => import('../../../functions/workflow/await-milestone'),
  'flag-exception': () => import('../../../functions/workflow/flag-exception'),
  'cancel-fulfillment': () => import('../../../functions/workflow/cancel-fulfillment'),
  'cancel-order': () => import('../../../functions/workflow/cancel-order'),
  complete: () => import('../../../functions/workflow/complete'),
} as const;
type Entry = keyof typeof ENTRIES;
type TaskHandler = (event: unknown, context: typeof lambdaContext) => Promise<unknown>;

const ddbMock = mockClient(DynamoDBDocumentClient);
const handlers = new Map<Entry, TaskHandler>();
let table: FakeTable;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  for (const [name, load] of Object.entries(ENTRIES) as [Entry, () => Promise<{ handler: TaskHandler }>][]) {
    const { handler } = await importWithEnv(load, { SUPPLIER_QUEUES: '[]', TIMEOUT_SCALE: '1' });
    handlers.set(name, handler);
  }
});
afterAll(() => vi.unstubAllEnvs());
beforeEach(() => {
  // The entry files build their deps with the wall clock; pin it to the fixtures' moment so feed
  // freshness and promises are computed as they would be on the day the world describes.
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  vi.useRealTimers();
});

const task = { orderId: ORDER_ID, fulfillmentId: F1, supplierId: 'nordic-home', acceptanceTimeoutSeconds: 60, shipTimeoutSeconds: 60, deliveryTimeoutSeconds: 60, shipGraceTimeoutSeconds: 60, deliveryGraceTimeoutSeconds: 60 };

describe('workflow task handlers', () => {
  it.each<[Entry, unknown]>([
    ['validate-and-route', { orderId: 'nope' }],
    ['validate-and-route', {}],
    ['await-hold', { orderId: ORDER_ID }],
    ['dispatch', { taskToken: 't', fulfillment: { ...task, acceptanceTimeoutSeconds: 0 } }],
    ['reroute', { fulfillment: { ...task, fulfillmentId: 'ful_x' } }],
    ['await-milestone', { taskToken: 't', fulfillment: task, milestone: 'ACCEPTED' }],
    ['flag-exception', { fulfillment: task, exception: 'LATE' }],
    ['cancel-fulfillment', { reason: 'x' }],
    ['cancel-order', { orderId: ORDER_ID, reason: 'BECAUSE' }],
    ['complete', null],
  ])('%s refuses a payload that breaks its contract with TaskInputError (field paths, no values)', async (name, payload) => {
    const handler = handlers.get(name);
    await expect(handler?.(payload, lambdaContext)).rejects.toMatchObject({ name: 'TaskInputError' });
    expect(table.log).toEqual([]);
    expect(output.text()).toContain('"errorName":"TaskInputError"');
  });

  it('runs the business function with the parsed payload (extra state keys are ignored)', async () => {
    putOrder(table, order());
    await expect(handlers.get('validate-and-route')?.({ orderId: ORDER_ID, route: { outcome: 'HOLD' }, extra: 1 }, lambdaContext)).resolves.toMatchObject({
      outcome: 'ROUTED',
      fulfillments: [{ orderId: ORDER_ID, fulfillmentId: F1, supplierId: 'nordic-home' }],
    });
    expect(storedOrder(table).status).toBe('IN_FULFILLMENT');
    expect(output.text()).toContain('"task":"ValidateAndRoute"');
    expect(output.text()).toContain(`"orderId":"${ORDER_ID}"`);
    expect(output.text()).not.toMatch(/ada@example\.com|Invalidenstrasse|Lovelace/);
  });

  it('a DynamoDB throttle reaches Step Functions as TransientError (retried), not as a failure to compensate', async () => {
    putOrder(table, order());
    table.failNext.push({ command: 'Get', error: Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException', $fault: 'client' }) });
    await expect(handlers.get('validate-and-route')?.({ orderId: ORDER_ID }, lambdaContext)).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('toTaskError', () => {
  it.each<[string, unknown, string]>([
    ['pipeline errors keep their name', new SupplierRejected('x'), 'SupplierRejected'],
    ['workflow state errors are not retried', new WorkflowStateError('x'), 'WorkflowStateError'],
    ['transient stays transient', new TransientError('x'), 'TransientError'],
    ['throttling', Object.assign(new Error('x'), { name: 'ThrottlingException' }), 'TransientError'],
    ['server faults', Object.assign(new Error('x'), { name: 'InternalServerError', $fault: 'server' }), 'TransientError'],
    ['an unhandled cancelled transaction', new TransactionCanceledException({ message: 'x', $metadata: {} }), 'TransientError'],
    ['client faults (a bug) keep their name', Object.assign(new Error('x'), { name: 'ValidationException', $fault: 'client' }), 'ValidationException'],
    ['plain bugs keep their name', new TypeError('x'), 'TypeError'],
  ])('%s', (_name, error, name) => {
    expect(toTaskError(error).name).toBe(name);
  });
});

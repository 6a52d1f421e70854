import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { putTaskToken } from '../../../functions/core/workflow/store/task-tokens';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { SHOP_KEY_ID, WEB_KEY_ID, apiEvent, lambdaContext } from '../fixtures/requests';
import { FakeTable } from '../workflow/support/fake-table';
import { OPERATOR_ARN, asOperator } from './support';
import { NOW, ORDER_ID, catalogItems, makeWorld, order, putOrder, storedOrder, timelineTypes } from '../workflow/support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
type Handler = (event: ReturnType<typeof apiEvent>, context: typeof lambdaContext) => Promise<APIGatewayProxyResult>;
let approve: Handler;
let reject: Handler;
let payment: Handler;
let table: FakeTable;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  const env = { STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:OrderWorkflow' };
  ({ handler: approve } = await importWithEnv(() => import('../../../functions/ops/order-act'), env));
  reject = approve;
  ({ handler: payment } = await importWithEnv(() => import('../../../functions/api/update-payment'), env));
});
afterAll(() => vi.unstubAllEnvs());
beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  sfnMock.resolves({});
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  output = captureOutput();
});
afterEach(() => output.restore());

const held = (overrides: Partial<WorkflowOrder> = {}) =>
  order({ status: 'ON_HOLD', holdReason: 'HIGH_RISK_OF_FRAUD', holdExpiresAt: new Date(NOW.getTime() + 3600_000).toISOString(), ...overrides });
const storeToken = () =>
  putTaskToken(makeWorld(table).store, { taskToken: 'hold-token', stage: 'HOLD', orderId: ORDER_ID, storedAt: NOW.toISOString(), expiresAt: 1 });
/** `caller`: the operator's IAM ARN on /ops routes, the storefront API key id on the payment route. */
const post = (handler: Handler, path: string, body: unknown, caller: string | null = OPERATOR_ARN, orderId: string = ORDER_ID) => {
  const ops = path.startsWith('/ops/');
  const event = apiEvent({
    method: 'POST',
    path,
    pathParameters: { orderId },
    ...(ops ? {} : { apiKeyId: caller }),
    body: body === undefined ? null : JSON.stringify(body),
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  });
  return handler(ops ? asOperator(event, caller) : event, lambdaContext);
};
const decisions = () => sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => [c.args[0].input.taskToken, JSON.parse(c.args[0].input.output ?? '{}')]);

describe('POST /ops/orders/{orderId}/approve', () => {
  it('releases the hold (operator on the timeline) and resumes the waiting workflow', async () => {
    putOrder(table, held());
    await storeToken();
    const res = await post(approve, `/ops/orders/${ORDER_ID}/approve`, { note: 'called the customer' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ orderId: ORDER_ID, decision: 'APPROVE', status: 'VALIDATED', resumed: true });
    expect(storedOrder(table)).toMatchObject({ status: 'VALIDATED', holdRelease: { decision: 'APPROVE', actor: 'operator', holdReason: 'HIGH_RISK_OF_FRAUD', note: 'called the customer' } });
    expect(storedOrder(table).holdReason).toBeUndefined();
    const released = table.entities('TimelineEvent').find((e) => e.type === 'OrderReleased');
    expect(released).toMatchObject({ actor: 'operator', actorId: OPERATOR_ARN });
    expect(decisions()).toEqual([['hold-token', { decision: 'APPROVE' }]]);
    expect(table.log.filter((l) => l.command === 'Delete')).toEqual([]);
  });

  it('works without a body, and before the workflow stored its token (resumed: false; it resumes itself)', async () => {
    putOrder(table, held());
    const res = await post(approve, `/ops/orders/${ORDER_ID}/approve`, undefined);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ resumed: false, status: 'VALIDATED' });
  });

  it('a repeat of an approval answers the same and resumes again (idempotent)', async () => {
    putOrder(table, held());
    await post(approve, `/ops/orders/${ORDER_ID}/approve`, undefined);
    await storeToken();
    const res = await post(approve, `/ops/orders/${ORDER_ID}/approve`, undefined);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ decision: 'APPROVE', resumed: true });
    expect(timelineTypes(table)).toEqual(['OrderReleased']);
  });

  it.each<[string, Partial<WorkflowOrder> | undefined, number]>([
    ['unknown order', undefined, 404],
    ['order not on hold', { status: 'IN_FULFILLMENT' }, 409],
    ['order rejected at validation', { status: 'REJECTED' }, 409],
  ])('%s → %i', async (_name, overrides, status) => {
    if (overrides !== undefined) putOrder(table, order(overrides));
    const res = await post(approve, `/ops/orders/${ORDER_ID}/approve`, undefined);
    expect(res.statusCode).toBe(status);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it.each<[string, string | null, string, number]>([
    ['a caller that is not an IAM principal', 'not-an-arn', ORDER_ID, 403],
    ['no IAM identity (e.g. an API key caller)', null, ORDER_ID, 403],
    ['a malformed order id', OPERATOR_ARN, 'ord_bad', 400],
  ])('%s → %i', async (_name, key, orderId, status) => {
    putOrder(table, held());
    const res = await post(approve, `/ops/orders/${orderId}/approve`, undefined, key, orderId);
    expect(res.statusCode).toBe(status);
    expect(storedOrder(table).status).toBe('ON_HOLD');
  });
});

describe('POST /ops/orders/{orderId}/reject', () => {
  it('cancels the held order (refund requested: it was paid) and resumes the workflow with REJECT', async () => {
    putOrder(table, held());
    await storeToken();
    const res = await post(reject, `/ops/orders/${ORDER_ID}/reject`, { reason: 'stolen card reported' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ orderId: ORDER_ID, decision: 'REJECT', status: 'CANCELLED', resumed: true });
    expect(storedOrder(table)).toMatchObject({
      status: 'CANCELLED',
      cancellation: { reason: 'HOLD_REJECTED', actor: 'operator' },
      holdRelease: { decision: 'REJECT', actor: 'operator' },
      refundRequestedMinor: 4488,
    });
    expect(timelineTypes(table)).toEqual(['OrderCancelled', 'RefundRequested']);
    expect(table.entities('TimelineEvent').every((e) => e.actor === 'operator')).toBe(true);
    expect(decisions()).toEqual([['hold-token', { decision: 'REJECT' }]]);
  });

  it('422 without a reason; 409 for an order that is not on hold', async () => {
    putOrder(table, held());
    expect((await post(reject, `/ops/orders/${ORDER_ID}/reject`, {})).statusCode).toBe(422);
    putOrder(table, order({ status: 'SHIPPED' }));
    expect((await post(reject, `/ops/orders/${ORDER_ID}/reject`, { reason: 'x' })).statusCode).toBe(409);
  });
});

describe('POST /orders/{orderId}/payment (storefront)', () => {
  it('releases an AWAITING_PAYMENT hold and resumes the workflow (which screens the paid order again)', async () => {
    putOrder(table, held({ holdReason: 'AWAITING_PAYMENT', payment: { reference: 'pi_1', status: 'pending' }, screening: { decision: 'HOLD_PAYMENT', score: 0, rules: [], at: NOW.toISOString() } }));
    await storeToken();
    const res = await post(payment, `/orders/${ORDER_ID}/payment`, { status: 'paid', reference: 'ch_9' }, WEB_KEY_ID);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ orderId: ORDER_ID, status: 'VALIDATED', payment: { status: 'paid', reference: 'ch_9' }, resumed: true });
    const stored = storedOrder(table);
    expect(stored).toMatchObject({ status: 'VALIDATED', payment: { status: 'paid', reference: 'ch_9' }, holdRelease: { actor: 'retailer', holdReason: 'AWAITING_PAYMENT' } });
    expect(stored.screening).toBeUndefined();
    expect(timelineTypes(table)).toEqual(['PaymentUpdated', 'OrderReleased']);
    expect(decisions()).toEqual([['hold-token', { decision: 'APPROVE' }]]);
  });

  it('records the payment of an order not waiting for it, without resuming anything', async () => {
    putOrder(table, order({ status: 'IN_FULFILLMENT', payment: { reference: 'pi_1', status: 'authorized' } }));
    const res = await post(payment, `/orders/${ORDER_ID}/payment`, { status: 'paid' }, WEB_KEY_ID);
    expect(JSON.parse(res.body)).toEqual({ orderId: ORDER_ID, status: 'IN_FULFILLMENT', payment: { status: 'paid', reference: 'pi_1' }, resumed: false });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it.each<[string, Partial<WorkflowOrder>, unknown, string, number]>([
    ["another channel's order (indistinguishable from none)", {}, { status: 'paid' }, SHOP_KEY_ID, 404],
    ['a cancelled order', { status: 'CANCELLED' }, { status: 'paid' }, WEB_KEY_ID, 409],
    ['a downgrade from paid to authorized', { payment: { reference: 'pi', status: 'paid' } }, { status: 'authorized' }, WEB_KEY_ID, 409],
    ['an unknown status', {}, { status: 'refunded' }, WEB_KEY_ID, 422],
    ['an unexpected field', {}, { status: 'paid', amount: '10.00' }, WEB_KEY_ID, 422],
  ])('%s → %i', async (_name, overrides, body, key, status) => {
    putOrder(table, order(overrides));
    const res = await post(payment, `/orders/${ORDER_ID}/payment`, body, key);
    expect(res.statusCode).toBe(status);
  });

  it('a repeated payment update is idempotent (200, nothing written twice)', async () => {
    putOrder(table, held({ holdReason: 'AWAITING_PAYMENT', payment: { reference: 'pi_1', status: 'pending' } }));
    await post(payment, `/orders/${ORDER_ID}/payment`, { status: 'paid' }, WEB_KEY_ID);
    const res = await post(payment, `/orders/${ORDER_ID}/payment`, { status: 'paid' }, WEB_KEY_ID);
    expect(res.statusCode).toBe(200);
    expect(timelineTypes(table)).toEqual(['PaymentUpdated', 'OrderReleased']);
  });

  it('logs no customer data', async () => {
    putOrder(table, held({ holdReason: 'AWAITING_PAYMENT', payment: { reference: 'pi_1', status: 'pending' } }));
    await post(payment, `/orders/${ORDER_ID}/payment`, { status: 'paid' }, WEB_KEY_ID);
    expect(output.text()).not.toMatch(/ada@example\.com|Invalidenstrasse|Lovelace/);
  });
});

/**
 * DynamoDB throttling on an API call (after the SDK's own retries gave up) answers 503 with Retry-After
 * and a body code, never a 500: the classification (functions/core/runtime/http-unavailable.ts) and the
 * real handlers with the document client mocked (aws-sdk-client-mock).
 */
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { deriveOrderId } from '../../../functions/core/kernel/order-id';
import { PipelineError, TransientError, ValidationError } from '../../../functions/core/kernel/errors';
import { errorResponse } from '../../../functions/core/runtime/http';
import { RETRY_AFTER_SECONDS, unavailableCode } from '../../../functions/core/runtime/http-unavailable';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { apiEvent, createOrderEvent, lambdaContext, validOrderRequest } from '../fixtures/requests';

const meta = { $metadata: { httpStatusCode: 400 } };
const throttled = new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', ...meta });
const namedError = (name: string): Error => Object.assign(new Error(`${name} (after 3 attempts)`), { name });

describe('which errors are a 503', () => {
  it.each<[string, unknown, string | undefined]>([
    ['ProvisionedThroughputExceededException', throttled, 'THROTTLED'],
    ['ThrottlingException', namedError('ThrottlingException'), 'THROTTLED'],
    ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'account limit', ...meta }), 'THROTTLED'],
    ['TransactionConflictException', new TransactionConflictException({ message: 'conflict', ...meta }), 'THROTTLED'],
    [
      'a transaction cancelled by conflicts only',
      new TransactionCanceledException({ message: 'cancelled', CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }], ...meta }),
      'THROTTLED',
    ],
    ['an SDK error marked $retryable throttling', Object.assign(namedError('SomethingNew'), { $retryable: { throttling: true } }), 'THROTTLED'],
    ['a throttling error wrapped as a cause', new PipelineError('store failed', { cause: throttled }), 'THROTTLED'],
    ['TransientError', new TransientError('concurrent updates kept winning'), 'TEMPORARILY_UNAVAILABLE'],
    [
      'a transaction cancelled by a failed condition',
      new TransactionCanceledException({ message: 'cancelled', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'TransactionConflict' }], ...meta }),
      undefined,
    ],
    ['ConditionalCheckFailedException', new ConditionalCheckFailedException({ message: 'failed', ...meta }), undefined],
    ['a plain Error', new Error('bug'), undefined],
    ['a ValidationError', new ValidationError('bad', { issues: [{ path: 'lines', message: 'x' }] }), undefined],
    ['a thrown string', 'ThrottlingException', undefined],
  ])('%s → %s', (_label, error, code) => {
    expect(unavailableCode(error)).toBe(code);
  });

  it('stops walking a cause chain that loops', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(unavailableCode(a)).toBeUndefined();
  });

  it('errorResponse: 503, Retry-After, a body code and no detail; a 4xx keeps its answer', () => {
    const output = captureOutput();
    let unavailable: APIGatewayProxyResult;
    let invalid: APIGatewayProxyResult;
    try {
      unavailable = errorResponse(throttled);
      invalid = errorResponse(new ValidationError('bad', { issues: [{ path: 'lines', message: 'x' }] }));
    } finally {
      output.restore();
    }
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.headers).toMatchObject({ 'Retry-After': String(RETRY_AFTER_SECONDS), 'Content-Type': 'application/json' });
    expect(JSON.parse(unavailable.body)).toEqual({ error: expect.any(String), code: 'THROTTLED', issues: [] });
    expect(unavailable.body).not.toContain('Rate of requests');
    expect(invalid.statusCode).toBe(422);
  });
});

describe('API handlers under DynamoDB throttling (aws-sdk-client-mock)', () => {
  const ddbMock = mockClient(DynamoDBDocumentClient);
  let getOrder: (typeof import('../../../functions/api/get-order'))['handler'];
  let createOrder: (typeof import('../../../functions/api/create-order'))['handler'];
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    ({ handler: getOrder } = await importWithEnv(() => import('../../../functions/api/get-order')));
    ({ handler: createOrder } = await importWithEnv(() => import('../../../functions/api/create-order')));
  });
  afterAll(() => vi.unstubAllEnvs());
  beforeEach(() => {
    ddbMock.reset();
    output = captureOutput();
  });
  afterEach(() => output.restore());

  it.each([
    ['ProvisionedThroughputExceededException', throttled],
    ['ThrottlingException', namedError('ThrottlingException')],
    ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'account limit', ...meta })],
  ])('GET /orders/{orderId}: Query fails with %s → 503 THROTTLED with Retry-After', async (_label, error) => {
    ddbMock.on(QueryCommand).rejects(error);
    const orderId = deriveOrderId('demo-web', 'api', 'k-throttle');
    const result = await getOrder(apiEvent({ method: 'GET', path: `/orders/${orderId}`, pathParameters: { orderId } }), lambdaContext);
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['Retry-After']).toBe(String(RETRY_AFTER_SECONDS));
    expect(JSON.parse(result.body)).toMatchObject({ code: 'THROTTLED' });
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(1);
  });

  it('POST /orders: the intake PutItem throttled → 503 THROTTLED, and a retry of the same request is created', async () => {
    ddbMock.on(PutCommand).rejectsOnce(throttled).resolves({});
    const event = createOrderEvent(validOrderRequest(), { key: 'key-throttled-1' });
    const first = await createOrder(event, lambdaContext);
    expect(first.statusCode).toBe(503);
    expect(first.headers?.['Retry-After']).toBe(String(RETRY_AFTER_SECONDS));
    expect(JSON.parse(first.body)).toMatchObject({ code: 'THROTTLED' });
    const retry = await createOrder(event, lambdaContext);
    expect(retry.statusCode).toBe(201);
  });

  it('POST /orders: a bug is still a 500 (not hidden as a 503)', async () => {
    ddbMock.on(PutCommand).rejects(new Error('ValidationException: One or more parameter values were invalid'));
    const result = await createOrder(createOrderEvent(validOrderRequest(), { key: 'key-bug-1' }), lambdaContext);
    expect(result.statusCode).toBe(500);
    expect(result.headers?.['Retry-After']).toBeUndefined();
  });
});

import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { channelMap, deliverNotification, type DeliverDeps } from '../../../functions/core/notifications/services/deliver';
import type { QueuedNotification } from '../../../functions/core/notifications/schemas/notifications';
import { eventAttemptsKey, eventNumberKey } from '../../../functions/core/notifications/store/notification-state';
import { startStorefrontReceiver, type StorefrontReceiver } from '../../../local/storefront/receiver';

vi.hoisted(() => {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.TABLE_NAME = 'table';
  process.env.NOTIFY_QUEUE_URL = 'https://sqs.local/q.fifo';
  process.env.NOTIFY_DLQ_URL = 'https://sqs.local/dlq.fifo';
  process.env.NOTIFY_MAX_RECEIVES = '5';
  process.env.NOTIFY_CHANNELS = JSON.stringify([{ channelId: 'web', platform: 'custom', url: 'https://shop.example/hooks', secretArn: 'arn:web' }]);
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const { deliverRecord } = await import('../../../functions/notifications/deliver');

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
const NOW = new Date('2031-05-06T07:08:09.000Z');

const message = (over: Partial<QueuedNotification> = {}): QueuedNotification => ({
  version: 1,
  eventId: 'ORDER#o1|EVENT#2031-05-06T07:08:00.000Z#0001',
  orderId: 'o1',
  channelId: 'woo',
  occurredAt: '2031-05-06T07:08:00.000Z',
  eventType: 'OrderShipped',
  type: 'order.shipped',
  data: {},
  order: { externalOrderId: '4321', currency: 'EUR', lines: [{ lineNo: 1, sku: 'SKU-1', quantity: 1 }] },
  ...over,
});

let receiver: StorefrontReceiver;
beforeAll(async () => {
  receiver = await startStorefrontReceiver({ clock: () => NOW });
});
afterAll(() => receiver.stop());
beforeEach(() => {
  ddbMock.reset();
  sqsMock.reset();
  receiver.clear();
});

/** The order's delivery ledger item and timeline (ORDER# partition) as DynamoDB returns them; numbers by event id. */
function ledger(state: { seq?: number; sentSeq?: number; throughSk?: string; numbers?: Record<string, number> } | undefined, timeline: Record<string, unknown>[] = []): void {
  const numbers = Object.fromEntries(Object.entries(state?.numbers ?? {}).map(([eventId, n]) => [eventNumberKey(eventId), n]));
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(GetCommand, { Key: { pk: 'NOTIFY#o1', sk: '#LEDGER' } }).resolves(state === undefined ? {} : { Item: { pk: 'NOTIFY#o1', sk: '#LEDGER', ...state, numbers: undefined, ...numbers } });
  ddbMock.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
    Items: timeline
      .filter((i) => String(i['sk']) >= input.ExpressionAttributeValues[':from']! && String(i['sk']) <= input.ExpressionAttributeValues[':before']!)
      .map((i) => ({ pk: 'ORDER#o1', orderId: 'o1', ...i })),
  }));
  ddbMock.on(UpdateCommand).resolves({});
}

function deps(over: Partial<DeliverDeps> = {}): DeliverDeps {
  return {
    channels: channelMap([
      { channelId: 'woo', platform: 'woocommerce', url: 'https://woo.example', secretArn: 'arn:woo' },
      { channelId: 'web', platform: 'custom', url: 'https://shop.example/hooks', secretArn: 'arn:web' },
    ]),
    store: { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'table' },
    fetch: (url, init) => fetch(url, init),
    secret: (arn) => Promise.resolve(arn === 'arn:woo' ? JSON.stringify({ consumerKey: 'ck_1', consumerSecret: 'cs_1' }) : 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
    clock: () => NOW,
    sleep: () => Promise.resolve(),
    receiverBaseUrl: receiver.url,
    ...over,
  };
}

describe('deliverNotification', () => {
  it('gives the next per-order sequence number (one conditional write), marks it sent, and keeps it on a retry', async () => {
    ledger({ seq: 4, sentSeq: 4, throughSk: 'EVENT#2031-05-06T07:07:00.000Z#0001' });
    await expect(deliverNotification(deps(), message())).resolves.toMatchObject({ sequence: 5, platform: 'woocommerce', requests: 2, caughtUp: 0 });
    const [numbering, sent] = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(numbering).toMatchObject({
      Key: { pk: 'NOTIFY#o1', sk: '#LEDGER' },
      ConditionExpression: 'seq = :previous',
      ExpressionAttributeNames: { '#n': eventNumberKey(message().eventId) },
      ExpressionAttributeValues: { ':next': 5, ':previous': 4, ':through': 'EVENT#2031-05-06T07:08:00.000Z#0001' },
    });
    // The attempt's outcome rides on the same "sent" write (no extra write for a delivery that went through).
    expect(sent).toMatchObject({
      UpdateExpression: 'SET sentSeq = :n, #a = list_append(if_not_exists(#a, :none), :one)',
      ExpressionAttributeNames: { '#a': eventAttemptsKey(message().eventId) },
    });
    // A timeline event's DELIVERED record carries no type or position (the ops look reads the type from the timeline).
    expect(sent?.ExpressionAttributeValues?.[':one']).toEqual([{ n: 1, at: NOW.toISOString(), result: 'DELIVERED' }]);

    // The send failed after numbering (the retry): same number, sent again, no new number.
    ddbMock.reset();
    ledger({ seq: 5, sentSeq: 4, throughSk: 'EVENT#2031-05-06T07:08:00.000Z#0001', numbers: { [message().eventId]: 5 } });
    await expect(deliverNotification(deps(), message(), 2)).resolves.toMatchObject({ sequence: 5, requests: 2, alreadySent: false });
    const retried = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(retried.map((u) => u.UpdateExpression)).toEqual(['SET sentSeq = :n, #a = list_append(if_not_exists(#a, :none), :one)']);
    expect(retried[0]?.ExpressionAttributeValues?.[':one']).toEqual([expect.objectContaining({ n: 2, result: 'DELIVERED' })]);
  });

  it('an event numbered at or below the last sent number was sent (by an earlier message\'s catch-up): acknowledged without a request', async () => {
    ledger({ seq: 6, sentSeq: 6, throughSk: 'EVENT#2031-05-06T07:09:00.000Z#0001', numbers: { [message().eventId]: 5 } });
    await expect(deliverNotification(deps(), message())).resolves.toMatchObject({ sequence: 5, requests: 0, alreadySent: true });
    expect(receiver.deliveries('woo')).toEqual([]);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('in timeline order: earlier customer-visible events without a number are sent first, whatever order the bus delivered them in', async () => {
    ledger(
      { seq: 1, sentSeq: 1, throughSk: 'EVENT#2031-05-06T07:01:00.000Z#0001', numbers: { 'ORDER#o1|EVENT#2031-05-06T07:01:00.000Z#0001': 1 } },
      [
        { sk: 'EVENT#2031-05-06T07:01:00.000Z#0001', entity: 'TimelineEvent', at: '2031-05-06T07:01:00.000Z', type: 'FulfillmentAccepted', actor: 'supplier', data: { fulfillmentId: 'f1' } },
        { sk: 'EVENT#2031-05-06T07:02:00.000Z#0001', entity: 'TimelineEvent', at: '2031-05-06T07:02:00.000Z', type: 'OrderValidated', actor: 'platform', data: {} },
        { sk: 'EVENT#2031-05-06T07:05:00.000Z#0001', entity: 'TimelineEvent', at: '2031-05-06T07:05:00.000Z', type: 'OrderShipped', actor: 'platform', data: {} },
      ],
    );
    const delivered = message({ eventId: 'ORDER#o1|EVENT#2031-05-06T07:08:00.000Z#0001', eventType: 'OrderDelivered', type: 'order.delivered', channelId: 'web' });
    await expect(deliverNotification(deps(), delivered)).resolves.toMatchObject({ sequence: 3, caughtUp: 1 });
    const timeline = ddbMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(timeline).toMatchObject({ ExpressionAttributeValues: { ':pk': 'ORDER#o1', ':from': 'EVENT#2031-05-06T07:01:00.000Z#0001', ':before': delivered.eventId.split('|')[1] } });
    expect(receiver.deliveries('web').map((r) => [(r.body as { type: string }).type, r.headers['webhook-id']])).toEqual([
      ['order.shipped', 'msg_o1_000002'],
      ['order.delivered', 'msg_o1_000003'],
    ]);
    const updates = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.ExpressionAttributeValues?.[':next'] ?? `sent ${String(u.ExpressionAttributeValues?.[':n'])}`)).toEqual([2, 'sent 2', 3, 'sent 3']);
    expect(updates[0]?.ExpressionAttributeNames).toEqual({ '#n': eventNumberKey('ORDER#o1|EVENT#2031-05-06T07:05:00.000Z#0001') });
  });

  it('an earlier event numbered by an attempt that failed before sending it is sent first, with its number', async () => {
    const shipped = 'ORDER#o1|EVENT#2031-05-06T07:05:00.000Z#0001';
    ledger(
      { seq: 2, sentSeq: 1, throughSk: 'EVENT#2031-05-06T07:05:00.000Z#0001', numbers: { [shipped]: 2 } },
      [{ sk: 'EVENT#2031-05-06T07:05:00.000Z#0001', entity: 'TimelineEvent', at: '2031-05-06T07:05:00.000Z', type: 'OrderShipped', actor: 'platform', data: {} }],
    );
    const delivered = message({ eventId: 'ORDER#o1|EVENT#2031-05-06T07:08:00.000Z#0001', eventType: 'OrderDelivered', type: 'order.delivered', channelId: 'web' });
    await expect(deliverNotification(deps(), delivered)).resolves.toMatchObject({ sequence: 3, caughtUp: 1 });
    expect(receiver.deliveries('web').map((r) => [(r.body as { type: string }).type, r.headers['webhook-id']])).toEqual([
      ['order.shipped', 'msg_o1_000002'],
      ['order.delivered', 'msg_o1_000003'],
    ]);
  });

  it('woocommerce: the receiver gets the status update and a customer note, authenticated', async () => {
    ledger(undefined);
    await deliverNotification(deps(), message());
    const got = receiver.deliveries('woo');
    expect(got.map((r) => `${r.kind} ${r.method} ${r.path} ${r.status}`)).toEqual([
      'woocommerce-rest PUT /wp-json/wc/v3/orders/4321 200',
      'woocommerce-rest POST /wp-json/wc/v3/orders/4321/notes 201',
    ]);
    expect(got[0]?.body).toMatchObject({ status: 'completed', meta_data: [{ key: '_dropship_sequence', value: '1' }] });
    expect(got[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('ck_1:cs_1').toString('base64')}`);
  });

  it('a failing storefront is a retryable error; a secret that is not the key pair JSON too', async () => {
    ledger(undefined);
    receiver.failNext('woo', 1, 503);
    await expect(deliverNotification(deps(), message())).rejects.toMatchObject({ name: 'DeliveryError', retryable: true });
    await expect(deliverNotification(deps({ secret: () => Promise.resolve('not json') }), message())).rejects.toThrow(/consumerKey/);
  });
});

const record = (body: string, receiveCount = '1'): SQSRecord => ({
  messageId: 'm-1',
  receiptHandle: 'rh-1',
  body,
  attributes: { ApproximateReceiveCount: receiveCount, SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: 'o1' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
  awsRegion: 'us-east-1',
});

describe('deliver handler', () => {
  it('moves a malformed message to the DLQ at once, with its reason, and acknowledges it', async () => {
    sqsMock.on(SendMessageCommand).resolves({});
    await expect(deliverRecord(record('{"version":1,"orderId":"o1"}'))).resolves.toBe('malformed');
    const sent = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent).toMatchObject({ QueueUrl: 'https://sqs.local/dlq.fifo', MessageGroupId: 'o1', MessageDeduplicationId: 'm-1' });
    expect(sent?.MessageAttributes?.['errorMessage']?.StringValue).toMatch(/malformed notification: .*eventId/);
  });

  it('a notification for a channel without outbound settings goes to the DLQ at once (no retry can help)', async () => {
    sqsMock.on(SendMessageCommand).resolves({});
    await expect(deliverRecord(record(JSON.stringify(message({ channelId: 'unknown' }))))).resolves.toBe('undeliverable');
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes?.['errorMessage']?.StringValue).toMatch(/unknown has no outbound settings/);
  });

  it('a failed delivery backs off exponentially (visibility) and is reported failed', async () => {
    ledger({ seq: 1, sentSeq: 0, numbers: { [message().eventId]: 1 } });
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    mockClient(SecretsManagerClient).on(GetSecretValueCommand).resolves({ SecretString: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('', { status: 500 }));
    try {
      await expect(deliverRecord(record(JSON.stringify(message({ channelId: 'web' })), '4'))).rejects.toThrow(/HTTP 500/);
    } finally {
      fetchSpy.mockRestore();
    }
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toMatchObject({ ReceiptHandle: 'rh-1', VisibilityTimeout: 240 });
    // The attempt is recorded: one single-item ledger update with the HTTP status and when it is retried.
    const attempt = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input).find((u) => u.ExpressionAttributeNames?.['#a'] !== undefined);
    expect(attempt?.ExpressionAttributeNames).toEqual({ '#a': eventAttemptsKey(message().eventId) });
    expect(attempt?.ExpressionAttributeValues?.[':one']).toEqual([
      expect.objectContaining({ n: 4, result: 'FAILED', status: 500, error: expect.stringMatching(/^DeliveryError: .*HTTP 500/) as unknown, nextRetryAt: expect.any(String) as unknown }),
    ]);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('a notification that goes to the DLQ records DEAD_LETTERED (no retry time)', async () => {
    sqsMock.on(SendMessageCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    await deliverRecord(record(JSON.stringify(message({ channelId: 'unknown' })), '2'));
    const attempt = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input)[0];
    expect(attempt?.ExpressionAttributeValues?.[':one']).toEqual([{ n: 2, at: expect.any(String) as unknown, result: 'DEAD_LETTERED', error: expect.stringContaining('no outbound settings') as unknown, type: 'OrderShipped', sk: expect.any(String) as unknown }]);
  });

  it('the failure of the last receive (maxReceiveCount) records DEAD_LETTERED: SQS moves it to the DLQ next', async () => {
    ledger({ seq: 1, sentSeq: 0, numbers: { [message().eventId]: 1 } });
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('', { status: 502 }));
    try {
      await expect(deliverRecord(record(JSON.stringify(message({ channelId: 'web' })), '5'))).rejects.toThrow(/HTTP 502/);
    } finally {
      fetchSpy.mockRestore();
    }
    const attempt = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input).find((u) => u.ExpressionAttributeNames?.['#a'] !== undefined);
    const [one] = attempt?.ExpressionAttributeValues?.[':one'] as Record<string, unknown>[];
    expect(one).toMatchObject({ n: 5, result: 'DEAD_LETTERED', status: 502 });
    expect(one?.['nextRetryAt']).toBeUndefined();
  });

  it('a failure the storefront answers with the recording itself failing still leaves the message for a retry', async () => {
    ledger({ seq: 1, sentSeq: 0, numbers: { [message().eventId]: 1 } });
    ddbMock.on(UpdateCommand).rejects(new Error('throttled'));
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('', { status: 503 }));
    try {
      await expect(deliverRecord(record(JSON.stringify(message({ channelId: 'web' })), '1'))).rejects.toThrow(/HTTP 503/);
    } finally {
      fetchSpy.mockRestore();
    }
  });
});

import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { channelMap, deliverNotification, type DeliverDeps } from '../../../functions/core/notifications/services/deliver';
import type { QueuedNotification } from '../../../functions/core/notifications/schemas/notifications';
import { startStorefrontReceiver, type StorefrontReceiver } from '../../../local/storefront/receiver';

vi.hoisted(() => {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.TABLE_NAME = 'table';
  process.env.NOTIFY_QUEUE_URL = 'https://sqs.local/q.fifo';
  process.env.NOTIFY_DLQ_URL = 'https://sqs.local/dlq.fifo';
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
  it('gives the next per-order sequence number (counter and number written in one transaction) and keeps it on a retry', async () => {
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(GetCommand, { Key: { pk: 'NOTIFY#o1', sk: '#SEQ' } }).resolves({ Item: { seq: 4 } });
    ddbMock.on(TransactWriteCommand).resolves({});
    await expect(deliverNotification(deps(), message())).resolves.toMatchObject({ sequence: 5, platform: 'woocommerce', requests: 2 });
    const tx = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(tx[0]?.Update).toMatchObject({ ConditionExpression: 'seq = :previous', ExpressionAttributeValues: { ':next': 5, ':previous': 4 } });
    expect(tx[1]?.Put?.Item).toMatchObject({ pk: 'NOTIFY#o1', sequence: 5 });

    ddbMock.reset();
    ddbMock.on(GetCommand).resolves({ Item: { sequence: 5 } });
    await expect(deliverNotification(deps(), message())).resolves.toMatchObject({ sequence: 5 });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('woocommerce: the receiver gets the status update and a customer note, authenticated', async () => {
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
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
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
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
    ddbMock.on(GetCommand).resolves({ Item: { sequence: 1 } });
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    mockClient(SecretsManagerClient).on(GetSecretValueCommand).resolves({ SecretString: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('', { status: 500 }));
    try {
      await expect(deliverRecord(record(JSON.stringify(message({ channelId: 'web' })), '4'))).rejects.toThrow(/HTTP 500/);
    } finally {
      fetchSpy.mockRestore();
    }
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toMatchObject({ ReceiptHandle: 'rh-1', VisibilityTimeout: 240 });
  });
});

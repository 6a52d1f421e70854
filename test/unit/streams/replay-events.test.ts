/**
 * local/tools/replay-events.ts: a stream DLQ message's window → the table's items written in it → the stream
 * router's own bus entries (same eventIds, so consumers dedupe a replay), the message deleted only when every
 * entry went on the bus.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { orderItem, timelineEventItem } from '../../../functions/core/orders/store/orders';
import { entryOf, replay, windowOf, type ReplayDeps } from '../../../local/tools/replay-events';
import { sampleOrder } from '../fixtures/orders';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
const ebMock = mockClient(EventBridgeClient);
const BUS = 'dropship-domain';
const DLQ = 'http://127.0.0.1/000000000000/StreamRouterDlq';

const order = { ...sampleOrder(), createdAt: '2026-12-07T03:00:01.000Z', status: 'CANCELLED' as const };
const inside = timelineEventItem({ orderId: order.orderId, at: '2026-12-07T03:00:02.000Z', actor: 'platform', type: 'OrderCancelled', message: 'Cancelled', channelId: 'demo-web' }, 1001);
const outside = timelineEventItem({ orderId: order.orderId, at: '2026-12-07T02:00:00.000Z', actor: 'platform', type: 'OrderValidated', message: 'Validated', channelId: 'demo-web' }, 1002);
const supplierEvent = { pk: 'SUPPLIER#nordic-home', sk: 'EVENT#2026-12-07T03:00:03.000Z#1000', entity: 'SupplierEvent', supplierId: 'nordic-home', at: '2026-12-07T03:00:03.000Z', type: 'SupplierStale', message: 'Stale', data: {} };
const dlqBody = JSON.stringify({
  requestContext: { condition: 'RetryAttemptsExhausted' },
  DDBStreamBatchInfo: {
    shardId: 'shardId-1',
    startSequenceNumber: '100',
    endSequenceNumber: '120',
    approximateArrivalOfFirstRecord: '2026-12-07T03:00:01.000Z',
    approximateArrivalOfLastRecord: '2026-12-07T03:00:03.000Z',
    batchSize: 3,
  },
});

const lines: string[] = [];
const deps: ReplayDeps = {
  ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } })),
  sqs: new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } }),
  eventBridge: new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } }),
  tableName: 'PipelineTable',
  dlqUrl: DLQ,
  busName: BUS,
  supplierIds: ['nordic-home'],
  log: (line) => lines.push(line),
};
const options = { dryRun: false, keep: false, orderIds: [], slackSeconds: 5 };
const eventIds = (entries: readonly PutEventsRequestEntry[]) => entries.map((e) => (JSON.parse(e.Detail ?? '{}') as { eventId: string }).eventId);
const published = () => ebMock.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);

beforeEach(() => {
  ddbMock.reset();
  sqsMock.reset();
  ebMock.reset();
  lines.length = 0;
  ddbMock.on(QueryCommand).callsFake((input: { IndexName?: string; ExpressionAttributeValues?: Record<string, unknown> }) => {
    const pk = input.ExpressionAttributeValues?.[':pk'];
    if (input.IndexName === 'gsi2') return { Items: pk === 'STATUS#CANCELLED' ? [{ orderId: order.orderId, gsi2pk: pk, gsi2sk: `2026-12-07T03:00:02.000Z#${order.orderId}` }] : [] };
    if (pk === `ORDER#${order.orderId}`) return { Items: [orderItem(order), inside, outside, { pk, sk: 'FULFILLMENT#x', entity: 'Fulfillment' }] };
    if (pk === 'SUPPLIER#nordic-home') return { Items: [supplierEvent] };
    return { Items: [] };
  });
  sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: dlqBody }] }).resolves({ Messages: [] });
  ebMock.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({ FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e-${i}` })) }));
});

describe('replay-events', () => {
  it('reads the window off the on-failure record (with slack) and refuses other bodies', () => {
    expect(windowOf(dlqBody, 5)).toEqual({ from: '2026-12-07T02:59:56.000Z', to: '2026-12-07T03:00:08.000Z', shardId: 'shardId-1' });
    expect(windowOf('{"hello":1}', 5)).toBeUndefined();
    expect(windowOf('not json', 5)).toBeUndefined();
  });

  it('republishes exactly the events written in the window, as the router builds them, then deletes the message', async () => {
    const reports = await replay(deps, options);
    expect(reports).toEqual([expect.objectContaining({ shardId: 'shardId-1', orders: 1, events: 3, published: 3, failed: 0, deleted: true })]);
    const expected = [entryOf(orderItem(order), BUS), entryOf(inside, BUS), entryOf(supplierEvent, BUS)];
    expect(eventIds(published())).toEqual(eventIds(expected.filter((e): e is PutEventsRequestEntry => e !== undefined)));
    expect(published().map((e) => e.DetailType)).toEqual(['OrderReceived', 'OrderCancelled', 'SupplierStale']);
    expect(eventIds(published())).toContain(`${String(inside.pk)}|${String(inside.sk)}`);
    expect(sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(['r1']);
  });

  it('is idempotent: a second run over the same window publishes the same eventIds (the consumers dedupe on them)', async () => {
    const window = { from: '2026-12-07T03:00:00.000Z', to: '2026-12-07T03:00:05.000Z' };
    await replay(deps, { ...options, window });
    const first = eventIds(published());
    ebMock.resetHistory();
    await replay(deps, { ...options, window });
    expect(eventIds(published())).toEqual(first);
    expect(first).toHaveLength(3);
  });

  it('keeps the message when an entry failed, and in a dry run publishes and deletes nothing', async () => {
    ebMock.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({
      FailedEntryCount: 1,
      Entries: (input.Entries ?? []).map((_, i) => (i === 1 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: `e-${i}` })),
    }));
    const [report] = await replay(deps, options);
    expect(report).toEqual(expect.objectContaining({ published: 2, failed: 1, deleted: false }));
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(lines.some((l) => l.includes('InternalFailure'))).toBe(true);

    ebMock.resetHistory();
    sqsMock.reset();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'm2', ReceiptHandle: 'r2', Body: dlqBody }] }).resolves({ Messages: [] });
    const [dry] = await replay(deps, { ...options, dryRun: true });
    expect(dry).toEqual(expect.objectContaining({ events: 3, published: 0, deleted: false }));
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('leaves a message that is not a stream on-failure record in the queue', async () => {
    sqsMock.reset();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'm3', ReceiptHandle: 'r3', Body: '{"unexpected":true}' }] }).resolves({ Messages: [] });
    expect(await replay(deps, options)).toEqual([]);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(lines.some((l) => l.includes('m3'))).toBe(true);
  });
});

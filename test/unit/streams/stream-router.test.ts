import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TimelineEvent } from '../../../functions/core/events/domain/events';
import { classify, domainEventType } from '../../../functions/core/events/services/stream-router';
import { orderItem, receivedEvent, timelineEventItem } from '../../../functions/core/orders/store/orders';
import { handler } from '../../../functions/streams/stream-router';
import { lambdaContext } from '../fixtures/requests';
import { sampleOrder } from '../fixtures/orders';

vi.hoisted(() => {
  process.env.STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:OrderWorkflow';
  process.env.EVENT_BUS_NAME = 'dropship-domain';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const sfnMock = mockClient(SFNClient);
const ebMock = mockClient(EventBridgeClient);

beforeEach(() => {
  sfnMock.reset();
  ebMock.reset();
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
  ebMock.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({ FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e-${i}` })) }));
});

let seq = 100;
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', item: Record<string, unknown>): DynamoDBRecord {
  seq += 1;
  return {
    eventID: `ev-${seq}`,
    eventName,
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
      NewImage: eventName === 'REMOVE' ? undefined : (marshall(item, { removeUndefinedValues: true }) as never),
      SequenceNumber: String(seq),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

const order = sampleOrder();
const event = (type: string, extra: Partial<TimelineEvent> = {}, s = 0) =>
  timelineEventItem({ orderId: order.orderId, at: '2026-11-25T10:00:01.000Z', actor: 'platform', type, message: `${type} happened`, channelId: 'demo-web', ...extra }, 1000 + s);

describe('stream router', () => {
  it('starts ONE execution named after a newly inserted order and publishes its OrderReceived; ignores updates and other entities', async () => {
    const records = [record('INSERT', orderItem(order)), record('MODIFY', orderItem({ ...order, status: 'VALIDATED' })), record('INSERT', { pk: 'X', sk: 'Y', entity: 'Fulfillment' })];
    await expect(handler({ Records: records }, lambdaContext)).resolves.toEqual({ batchItemFailures: [] });
    const starts = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toEqual([{ stateMachineArn: process.env.STATE_MACHINE_ARN, name: order.orderId, input: JSON.stringify({ orderId: order.orderId }) }]);
    // single-write intake: the order item carries the first timeline event; its eventId is the key the stored event item had
    const entries = ebMock.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => e.DetailType)).toEqual(['OrderReceived']);
    expect(JSON.parse(entries[0]?.Detail ?? '{}')).toEqual({
      eventId: `ORDER#${order.orderId}|EVENT#${order.createdAt}#0000`,
      orderId: order.orderId,
      channelId: order.channelId,
      at: order.createdAt,
      actor: 'retailer',
      type: 'OrderReceived',
      message: 'Order received through the API',
      data: { source: 'api', externalOrderId: order.externalOrderId, lines: order.lines.length, flags: [] },
    });
    expect(JSON.stringify(entries)).not.toMatch(/ada@example\.com|Invalidenstrasse|Lovelace/);
  });

  it('ExecutionAlreadyExists is success (a retried start is not an error)', async () => {
    sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));
    await expect(handler({ Records: [record('INSERT', orderItem(order))] }, lambdaContext)).resolves.toEqual({ batchItemFailures: [] });
  });

  it('a failed start is a batch item failure (that record only)', async () => {
    const other = sampleOrder({ orderId: 'ord_zzzzzzzzzzzzzzzzzzzzzzzzzz' });
    sfnMock.on(StartExecutionCommand, { name: other.orderId }).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const records = [record('INSERT', orderItem(order)), record('INSERT', orderItem(other))];
    const response = await handler({ Records: records }, lambdaContext);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]?.dynamodb?.SequenceNumber }]);
  });

  it('publishes domain timeline events, 10 per PutEvents call, with ids and without PII', async () => {
    const records = Array.from({ length: 23 }, (_, i) => record('INSERT', event('TrackingUpdated', { data: { trackingNumber: `T${i}` } }, i)));
    records.push(record('INSERT', timelineEventItem(receivedEvent(order), 0)));
    records.push(record('INSERT', event('SOMETHING_INTERNAL')));
    await handler({ Records: records }, lambdaContext);
    const calls = ebMock.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 4]);
    const entries = calls.flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries[0]).toMatchObject({ EventBusName: 'dropship-domain', Source: 'dropship.pipeline', DetailType: 'TrackingUpdated' });
    const detail = JSON.parse(entries[0]?.Detail ?? '{}');
    expect(detail).toMatchObject({ orderId: order.orderId, channelId: 'demo-web', type: 'TrackingUpdated', actor: 'platform', data: { trackingNumber: 'T0' } });
    expect(detail.eventId).toMatch(/^ORDER#ord_.+\|EVENT#/);
    // the intake's ORDER_RECEIVED is published as OrderReceived; unknown types are not published
    expect(entries.map((e) => e.DetailType)).toContain('OrderReceived');
    expect(entries.map((e) => e.DetailType)).not.toContain('SOMETHING_INTERNAL');
    expect(JSON.stringify(entries)).not.toMatch(/ada@example\.com|Invalidenstrasse|Lovelace/);
  });

  it('failed PutEvents entries fail exactly their records', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ EventId: 'ok' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    const records = [record('INSERT', event('OrderValidated')), record('INSERT', event('OrderRouted', {}, 1))];
    const response = await handler({ Records: records } satisfies DynamoDBStreamEvent, lambdaContext);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]?.dynamodb?.SequenceNumber }]);
  });

  it('a PutEvents call that throws fails its whole chunk (an order insert too: its OrderReceived is retried, the start is idempotent)', async () => {
    ebMock.on(PutEventsCommand).rejects(Object.assign(new Error('down'), { name: 'InternalException' }));
    const records = [record('INSERT', event('OrderValidated')), record('INSERT', orderItem(order)), record('INSERT', { pk: 'X', sk: 'Y', entity: 'Fulfillment' })];
    const response = await handler({ Records: records }, lambdaContext);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber }, { itemIdentifier: records[1]?.dynamodb?.SequenceNumber }]);
  });

  it.each([
    ['OrderShipped', 'OrderShipped'],
    ['ORDER_RECEIVED', 'OrderReceived'],
    ['ORDER_VALIDATED', undefined],
    [42, undefined],
  ])('domain event type of %j is %j', (type, expected) => {
    expect(domainEventType(type)).toBe(expected);
  });

  it('REMOVE records (TTL expiry) are ignored', () => {
    expect(classify(record('REMOVE', { pk: 'DEDUPE#x', sk: '#DEDUPE', entity: 'Dedupe' }), 'bus')).toEqual({ kind: 'ignore' });
  });

  it('an INSERTed supplier event is published with its supplier id', () => {
    const item = { pk: 'SUPPLIER#nordic-home', sk: 'EVENT#2026-11-25T10:00:00.000Z#0001', entity: 'SupplierEvent', supplierId: 'nordic-home', at: '2026-11-25T10:00:00.000Z', type: 'SupplierStale', message: 'Feed older than 24 h' };
    const action = classify(record('INSERT', item), 'bus');
    expect(action.kind).toBe('publish');
    if (action.kind !== 'publish') return;
    expect(action.entry.DetailType).toBe('SupplierStale');
    expect(JSON.parse(action.entry.Detail ?? '{}')).toMatchObject({ supplierId: 'nordic-home', type: 'SupplierStale', eventId: `${item.pk}|${item.sk}` });
  });

  it('a supplier event of an unknown type is not published', () => {
    const item = { pk: 'SUPPLIER#x', sk: 'EVENT#1', entity: 'SupplierEvent', supplierId: 'x', at: '2026-11-25T10:00:00.000Z', type: 'Whatever', message: '' };
    expect(classify(record('INSERT', item), 'bus')).toEqual({ kind: 'ignore' });
  });
});

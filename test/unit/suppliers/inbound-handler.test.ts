import { SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/suppliers/inbound';
import { lambdaContext } from '../fixtures/requests';
import { FakeTable } from '../workflow/support/fake-table';
import { F1, NOW, catalogItems, makeWorld, order, routedOrder, storedFulfillment } from '../workflow/support/world';
import { sqsRecord } from './support';

vi.hoisted(() => {
  const queue = (id: string) => ({
    supplierId: id,
    inboundQueueArn: `arn:aws:sqs:us-east-1:000000000000:${id}-inbound`,
    inboundQueueUrl: `https://sqs.us-east-1.amazonaws.com/000000000000/${id}-inbound`,
    outboundQueueUrl: `https://sqs.us-east-1.amazonaws.com/000000000000/${id}-outbound`,
    inboundDlqUrl: `https://sqs.us-east-1.amazonaws.com/000000000000/${id}-dlq`,
  });
  process.env.TABLE_NAME = 'PipelineTable';
  process.env.SUPPLIER_QUEUES = JSON.stringify(['nordic-home', 'atlantic-outfitters', 'pacific-gadgets'].map(queue));
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
let table: FakeTable;

beforeEach(async () => {
  ddbMock.reset();
  sfnMock.reset();
  sqsMock.reset();
  sfnMock.resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  await routedOrder(makeWorld(table), order(), (r) => ({ ...r, status: 'DISPATCHED', dispatchedAt: NOW.toISOString() }));
});

const accepted = (messageId: string) => ({ type: 'ACCEPTED', messageId, fulfillmentId: F1, occurredAt: NOW.toISOString() });

describe('supplier inbound handler (SQS event source, ReportBatchItemFailures)', () => {
  it('reports only the records a retry can help: applied and poison ones are acknowledged', async () => {
    const good = sqsRecord('nordic-home', accepted('a-1'));
    const poison = sqsRecord('nordic-home', '{not json');
    const unknownQueue = sqsRecord('nordic-home', accepted('a-2'), { eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:somebody-else' });
    const event: SQSEvent = { Records: [good, poison, unknownQueue] };

    const response = await handler(event, lambdaContext);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: unknownQueue.messageId }] });
    expect(storedFulfillment(table, F1).status).toBe('ACCEPTED');
    const dlq = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(dlq).toEqual([expect.objectContaining({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/nordic-home-dlq', MessageBody: '{not json' })]);
    expect(dlq[0]?.MessageAttributes?.errorCode?.StringValue).toBe('INVALID_JSON');
  });

  it('a batch where everything fails returns every record (no exception: the queue retries them)', async () => {
    ddbMock.reset();
    ddbMock.rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    const records = [sqsRecord('nordic-home', accepted('b-1')), sqsRecord('nordic-home', accepted('b-2'))];
    const response = await handler({ Records: records }, lambdaContext);
    expect(response).toEqual({ batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })) });
  });
});

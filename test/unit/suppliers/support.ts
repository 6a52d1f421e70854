/** SQS records and supplier messages for the inbound tests. */
import type { SQSRecord } from 'aws-lambda';
import { queueArn } from '../workflow/support/world';

let counter = 0;

export function sqsRecord(supplierId: string, body: unknown, overrides: Partial<SQSRecord> = {}): SQSRecord {
  counter += 1;
  return {
    messageId: `sqs-${counter}`,
    receiptHandle: `rh-${counter}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'supplier',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn(supplierId, 'inbound'),
    awsRegion: 'us-east-1',
    ...overrides,
  };
}

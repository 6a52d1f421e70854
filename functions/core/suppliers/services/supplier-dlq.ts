/**
 * Poison supplier messages: moved to the supplier's inbound DLQ by the consumer itself, WITH the
 * reason (message attributes errorCode / errorMessage), and acknowledged, so they never loop.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SupplierQueueConfig } from './supplier-outbound';

export interface PoisonMessage {
  readonly body: string;
  readonly sqsMessageId: string;
  readonly code: string;
  readonly message: string;
  readonly receiveCount?: string | undefined;
}

export async function moveToDlq(sqs: SQSClient, queue: SupplierQueueConfig, poison: PoisonMessage): Promise<void> {
  if (queue.inboundDlqUrl === undefined) {
    throw new Error(`Supplier ${queue.supplierId} has no inboundDlqUrl: the message is left to the queue's redrive policy`);
  }
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queue.inboundDlqUrl,
      MessageBody: poison.body,
      MessageAttributes: {
        errorCode: { DataType: 'String', StringValue: poison.code },
        errorMessage: { DataType: 'String', StringValue: poison.message.slice(0, 1000) || poison.code },
        supplierId: { DataType: 'String', StringValue: queue.supplierId },
        sourceMessageId: { DataType: 'String', StringValue: poison.sqsMessageId },
        ...(poison.receiveCount === undefined ? {} : { receiveCount: { DataType: 'Number', StringValue: poison.receiveCount } }),
      },
    }),
  );
}

/**
 * GET /ops/dead-letters?source=supplier-inbound|notifications and POST /ops/dead-letters/{source}/replay
 * `{ messageIds? }`: what sits in the dead-letter queues operators can redrive after a fix, and the replay
 * itself. Replay moves messages back to their source queue by receive → send → delete (bounded per call; a
 * FIFO queue keeps the message group, so an order's notifications stay in order), the given ids only when
 * `messageIds` is set. Listing peeks (visibility timeout 0: nothing is hidden from a concurrent replay) and
 * shows ids, times, receive counts and the recorded reason, never the body (it may describe an order).
 */
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';

export const DEAD_LETTER_SOURCES = ['supplier-inbound', 'notifications'] as const;
export type DeadLetterSource = (typeof DEAD_LETTER_SOURCES)[number];

/** OPS_DEAD_LETTERS: one entry per DLQ (from the stack). */
export const DeadLetterQueues = z.array(
  z.object({ source: z.enum(DEAD_LETTER_SOURCES), name: z.string(), dlqUrl: z.string().min(1), targetUrl: z.string().min(1), fifo: z.boolean() }),
);
export type DeadLetterQueue = z.output<typeof DeadLetterQueues>[number];

export interface DeadLetterDeps {
  readonly sqs: SQSClient;
  readonly queues: readonly DeadLetterQueue[];
}

/** Messages replayed per call at most (call again for more). */
export const MAX_REPLAY = 100;

export interface DeadLetterView {
  readonly source: DeadLetterSource;
  readonly name: string;
  readonly approximateCount: number;
  readonly messages: readonly {
    readonly messageId: string;
    readonly sentAt?: string | undefined;
    readonly receiveCount?: number | undefined;
    readonly reason?: string | undefined;
    /** FIFO queues: the message group (the order id of a notification). */
    readonly group?: string | undefined;
    /** The message type attribute (supplier message or notification type), when set. */
    readonly type?: string | undefined;
  }[];
}

/**
 * The reason recorded with the message: `errorCode` + `errorMessage` (supplier-dlq.ts, the notifications
 * deliver function), or a plain `reason`. A message SQS moved after maxReceiveCount has none.
 */
export function reasonOf(m: Pick<Message, 'MessageAttributes'>): string | undefined {
  const attr = (name: string) => m.MessageAttributes?.[name]?.StringValue;
  const code = attr('errorCode');
  const text = attr('errorMessage') ?? attr('reason') ?? attr('Reason');
  const reason = code === undefined ? text : text === undefined || text === code ? code : `${code}: ${text}`;
  return reason?.slice(0, 500);
}

function brief(m: Message): DeadLetterView['messages'][number] {
  const sent = Number(m.Attributes?.SentTimestamp);
  const reason = reasonOf(m);
  const type = m.MessageAttributes?.['type']?.StringValue;
  return {
    messageId: m.MessageId ?? '',
    ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(m.Attributes?.ApproximateReceiveCount === undefined ? {} : { receiveCount: Number(m.Attributes.ApproximateReceiveCount) }),
    ...(reason === undefined ? {} : { reason }),
    ...(m.Attributes?.MessageGroupId === undefined ? {} : { group: m.Attributes.MessageGroupId }),
    ...(type === undefined ? {} : { type }),
  };
}

export async function listDeadLetters(deps: DeadLetterDeps, source: DeadLetterSource | undefined): Promise<DeadLetterView[]> {
  const queues = deps.queues.filter((q) => source === undefined || q.source === source);
  return Promise.all(
    queues.map(async (q): Promise<DeadLetterView> => {
      const attrs = await deps.sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      const peek = await deps.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: q.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
      );
      return { source: q.source, name: q.name, approximateCount: Number(attrs.Attributes?.ApproximateNumberOfMessages ?? '0'), messages: (peek.Messages ?? []).map(brief) };
    }),
  );
}

export interface ReplayResult {
  readonly source: DeadLetterSource;
  readonly replayed: number;
  readonly messageIds: readonly string[];
  /** Ids asked for that were not found in the queue (already replayed, or never there). */
  readonly notFound: readonly string[];
}

/** Move messages (all, or the given ids) from the source's DLQs back to their queues. */
export async function replayDeadLetters(deps: DeadLetterDeps, source: DeadLetterSource, messageIds?: readonly string[]): Promise<ReplayResult> {
  const wanted = messageIds === undefined ? undefined : new Set(messageIds);
  const moved: string[] = [];
  for (const q of deps.queues.filter((x) => x.source === source)) {
    for (let round = 0; round < 20 && moved.length < MAX_REPLAY; round++) {
      const batch = await deps.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: q.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
      );
      const messages = batch.Messages ?? [];
      if (messages.length === 0) break;
      let touched = 0;
      for (const m of messages) {
        if (m.MessageId === undefined || m.ReceiptHandle === undefined || (wanted !== undefined && !wanted.has(m.MessageId))) continue;
        touched++;
        await deps.sqs.send(
          new SendMessageCommand({
            QueueUrl: q.targetUrl,
            MessageBody: m.Body ?? '',
            ...(m.MessageAttributes === undefined ? {} : { MessageAttributes: m.MessageAttributes }),
            ...(q.fifo ? { MessageGroupId: m.Attributes?.MessageGroupId ?? 'replay', MessageDeduplicationId: `replay-${m.MessageId}`.slice(0, 128) } : {}),
          }),
        );
        await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: q.dlqUrl, ReceiptHandle: m.ReceiptHandle }));
        moved.push(m.MessageId);
      }
      // Only other ids left in this batch: they become visible again after the short timeout; stop here.
      if (touched === 0) break;
    }
  }
  return { source, replayed: moved.length, messageIds: moved, notFound: wanted === undefined ? [] : [...wanted].filter((id) => !moved.includes(id)) };
}

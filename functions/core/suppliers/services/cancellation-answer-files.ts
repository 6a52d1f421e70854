/**
 * Cancellation answers as files (`suppliers/{id}/inbox/cancellation-answers/<name>.json`): one
 * CANCELLATION_ACCEPTED / CANCELLATION_REJECTED message body, or an array of them (at most 100), exactly the
 * schemas of the inbound queue (supplier-messages.ts). Each is sent to the supplier's OWN inbound queue, so the
 * consumer applies it with the same rules (ownership of the fulfillment, the open request, once per messageId:
 * a file processed again only repeats messages the consumer recognizes as duplicates).
 * A file written by another supplier's role is refused; an unreadable one is logged and ignored (nothing sent).
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { toFieldIssues } from '../../kernel/schemas';
import { CancellationAcceptedMessage, CancellationRejectedMessage } from '../schemas/supplier-messages';
import { checkInboxOwnership } from './file-reports';
import { sendToInbound, type MessageFileDeps, type MessageFileInput, type MessageFileOutcome } from './message-files';

/** The inbox folder of cancellation answers. */
export const CANCELLATION_ANSWERS_FOLDER = 'cancellation-answers';
const KEY = /^suppliers\/([^/]+)\/inbox\/cancellation-answers\/[^/]+\.json$/;
/** Bytes per answers file. */
export const MAX_ANSWER_FILE_BYTES = 256 * 1024;

const Answer = z.discriminatedUnion('type', [CancellationAcceptedMessage, CancellationRejectedMessage]);
const AnswersFile = z.union([Answer.transform((a) => [a]), z.array(Answer).min(1).max(100)]);

/** The supplier of a cancellation-answers key, or undefined for any other key. */
export function cancellationAnswersSupplier(key: string): string | undefined {
  return KEY.exec(key)?.[1];
}

export async function processCancellationAnswerFile(deps: MessageFileDeps, input: MessageFileInput): Promise<MessageFileOutcome> {
  const supplierId = cancellationAnswersSupplier(input.key);
  if (supplierId === undefined) return { status: 'IGNORED', reason: 'not a cancellation answers key' };
  const ownership = checkInboxOwnership(deps.supplierFiles, supplierId, input.principalId);
  if (!ownership.ok) {
    deps.logger.warn('Cancellation answers file refused', { supplierId, key: input.key, code: ownership.code });
    return { status: 'REFUSED', reason: ownership.code };
  }
  const queue = deps.suppliers.bySupplierId(supplierId);
  if (queue === undefined) return { status: 'FAILED', reason: 'no inbound queue' };
  if (input.size !== undefined && input.size > MAX_ANSWER_FILE_BYTES) {
    deps.logger.warn('Cancellation answers file too large: ignored', { supplierId, key: input.key, size: input.size });
    return { status: 'IGNORED', reason: `larger than ${MAX_ANSWER_FILE_BYTES} bytes` };
  }
  const object = await deps.s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: input.key }));
  const text = (await object.Body?.transformToString('utf8')) ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    deps.logger.warn('Cancellation answers file is not JSON: ignored', { supplierId, key: input.key });
    return { status: 'IGNORED', reason: 'not JSON' };
  }
  const parsed = AnswersFile.safeParse(json);
  if (!parsed.success) {
    const paths = toFieldIssues(parsed.error).map((i) => i.path);
    deps.logger.warn('Cancellation answers file does not match the schema: ignored', { supplierId, key: input.key, paths });
    return { status: 'IGNORED', reason: `schema: ${paths.join(', ')}`.slice(0, 500) };
  }
  await sendToInbound(deps.sqs, queue.inboundQueueUrl, parsed.data);
  deps.logger.info('Cancellation answers sent to the inbound queue', { supplierId, key: input.key, messages: parsed.data.length });
  return { status: 'APPLIED', messages: parsed.data.length };
}

/** Authentic webhooks that could not be mapped to an order, kept for operators (sparse gsi3 exceptions index). */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RejectedWebhook } from '../domain/channel';
import type { StoreContext } from '../../runtime/table/context';
import { gsiKeys, keys } from '../../runtime/table/keys';
import { isConditionalCheckFailed } from '../../runtime/table/transactions';

export const WEBHOOK_REJECTED = 'WEBHOOK_REJECTED';

/** Bytes of the raw body kept on the record (DynamoDB items are at most 400 KB; bodies may be up to the API's limit). */
export const MAX_STORED_BODY_BYTES = 64 * 1024;

export function rejectedWebhookItem(record: RejectedWebhook): Record<string, unknown> {
  const bytes = Buffer.byteLength(record.rawBody, 'utf8');
  const truncated = bytes > MAX_STORED_BODY_BYTES;
  return {
    ...record,
    topic: record.topic?.slice(0, 128),
    externalOrderId: record.externalOrderId?.slice(0, 64),
    issues: record.issues.slice(0, 50).map((issue) => ({ path: issue.path.slice(0, 256), message: issue.message.slice(0, 512) })),
    ...(truncated ? { rawBody: Buffer.from(record.rawBody, 'utf8').subarray(0, MAX_STORED_BODY_BYTES).toString('utf8'), rawBodyTruncated: true, rawBodyBytes: bytes } : {}),
    ...keys.rejectedWebhook(record.channelId, record.webhookId),
    ...gsiKeys.exception(WEBHOOK_REJECTED, record.receivedAt, `${record.channelId}#${record.webhookId}`),
    entity: 'RejectedWebhook',
  };
}

/** Store once per (channel, webhook id); a redelivery of the same webhook id is a no-op ('duplicate'). */
export async function putRejectedWebhook(ctx: StoreContext, record: RejectedWebhook): Promise<'stored' | 'duplicate'> {
  try {
    await ctx.ddb.send(
      new PutCommand({ TableName: ctx.tableName, Item: rejectedWebhookItem(record), ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return 'stored';
  } catch (error) {
    if (isConditionalCheckFailed(error)) return 'duplicate';
    throw error;
  }
}

/** Authentic webhooks that could not be mapped to an order, kept for operators (sparse gsi3 exceptions index). */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RejectedWebhook } from '../domain/channel';
import type { StoreContext } from '../../runtime/table/context';
import { gsiKeys, keys } from '../../runtime/table/keys';
import { isConditionalCheckFailed } from '../../runtime/table/transactions';

export const WEBHOOK_REJECTED = 'WEBHOOK_REJECTED';

export function rejectedWebhookItem(record: RejectedWebhook): Record<string, unknown> {
  return {
    ...record,
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

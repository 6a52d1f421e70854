/**
 * Audit entries on the order's timeline for operator actions that change no order item themselves (redrive,
 * retry, resolve): a timeline item `type: 'OperatorAction'`, `actor: 'operator'`, the caller's `actorId` and
 * the note. Not a domain event (the stream router publishes only DOMAIN_EVENT_TYPES): it is the order's
 * audit trail, read by GET /orders/{orderId} and the ops look.
 *
 * Idempotent: the sort key is `EVENT#{at}#{seq}` with `at` the time of the fact audited (e.g. the execution's
 * redriveDate) and `seq` (0000-0999, below the writers' 1000-9999) derived from what was done, and the put is
 * conditional: a retried request that audits the same fact writes nothing.
 */
import { createHash } from 'node:crypto';
import { isConditionalCheckFailed, type TransactItem } from '../../runtime/table/transactions';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { timelineEventItem } from '../../orders/store/orders';
import type { StoreContext } from '../../runtime/table/context';

export const OPERATOR_ACTION = 'OperatorAction';

export interface OperatorAudit {
  readonly orderId: string;
  readonly channelId?: string | undefined;
  /** When the audited fact happened (ISO). */
  readonly at: string;
  readonly actorId: string;
  readonly action: string;
  readonly message: string;
  readonly note?: string | undefined;
  /** What identifies the fact (same fact, same key → same item). */
  readonly factKey: string;
  readonly data?: Readonly<Record<string, unknown>> | undefined;
}

/** 0-999 from the fact key: stable across retries, outside the range timeline writers use (1000-9999). */
export function auditSeq(factKey: string): number {
  return createHash('sha256').update(factKey).digest().readUInt16BE(0) % 1000;
}

export function operatorAuditPut(ctx: StoreContext, audit: OperatorAudit): TransactItem {
  const item = timelineEventItem(
    {
      orderId: audit.orderId,
      at: audit.at,
      actor: 'operator',
      actorId: audit.actorId,
      type: OPERATOR_ACTION,
      message: audit.message,
      data: { action: audit.action, ...(audit.note === undefined ? {} : { note: audit.note }), ...audit.data },
      ...(audit.channelId === undefined ? {} : { channelId: audit.channelId }),
    },
    auditSeq(audit.factKey),
  );
  return { Put: { TableName: ctx.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** Write the audit entry once: false when it already was (a retried request). */
export async function writeOperatorAudit(ctx: StoreContext, audit: OperatorAudit): Promise<boolean> {
  const put = operatorAuditPut(ctx, audit).Put;
  if (put === undefined) return false;
  try {
    await ctx.ddb.send(new PutCommand({ TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression }));
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

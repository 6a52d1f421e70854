/**
 * Timeline events written by the workflow: each goes into the SAME transaction as the change it
 * describes (transactional outbox: the stream router publishes it as a domain event).
 *
 * Keys are `EVENT#{at}#{seq}`; events get increasing sequence numbers (see takeSeq), and every put is
 * conditional (`attribute_not_exists`) so a same-millisecond collision with another writer cancels the
 * transaction (retried) instead of overwriting an event.
 */
import type { Actor, DomainEventType, TimelineEvent } from '../domain/events';
import type { OrderEventData } from '../schemas/domain-events';
import { timelineEventItem } from '../../orders/store/orders';
import { actingOperator } from '../../ops/actor-context';
import type { StoreContext } from '../../runtime/table/context';
import type { TransactItem } from '../../runtime/table/transactions';

/** One event to write: its payload is typed by the event's schema (events/schemas/domain-events.ts). */
export type TimelineDraft = {
  readonly [T in DomainEventType]: {
    readonly type: T;
    readonly actor: Actor;
    /** The operator's IAM identity on ops actions. */
    readonly actorId?: string | undefined;
    readonly message: string;
    readonly data?: OrderEventData<T> | undefined;
  };
}[DomainEventType];

/**
 * Sequence numbers: a per-container counter from a random start, so events one container writes in
 * the same millisecond keep their write order, and two containers rarely pick the same number (when
 * they do, the conditional put cancels the transaction and the writer retries).
 */
let nextSeq = 1000 + Math.floor(Math.random() * 8000);
function takeSeq(count: number): number {
  if (nextSeq + count > 9999) nextSeq = 1000;
  const base = nextSeq;
  nextSeq += Math.max(1, count);
  return base;
}

/** Collects the events of one change; `items()` renders them as conditional puts. */
export class TimelineBatch {
  private readonly drafts: TimelineDraft[] = [];

  constructor(
    readonly orderId: string,
    readonly channelId: string | undefined,
    readonly at: string,
  ) {}

  add(draft: TimelineDraft): this {
    this.drafts.push(draft);
    return this;
  }

  get size(): number {
    return this.drafts.length;
  }

  get types(): readonly DomainEventType[] {
    return this.drafts.map((d) => d.type);
  }

  events(): TimelineEvent[] {
    const operator = actingOperator();
    const actorIdOf = (d: TimelineDraft): string | undefined => d.actorId ?? (d.actor === 'operator' ? operator : undefined);
    return this.drafts.map((d) => ({
      orderId: this.orderId,
      at: this.at,
      actor: d.actor,
      ...(actorIdOf(d) === undefined ? {} : { actorId: actorIdOf(d) }),
      type: d.type,
      message: d.message,
      ...(d.data === undefined ? {} : { data: d.data }),
      ...(this.channelId === undefined ? {} : { channelId: this.channelId }),
    }));
  }

  items(ctx: StoreContext): TransactItem[] {
    const base = takeSeq(this.drafts.length);
    return this.events().map((event, index) => ({
      Put: {
        TableName: ctx.tableName,
        Item: timelineEventItem(event, base + index),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
  }
}

/**
 * An in-memory single table behind aws-sdk-client-mock: Get / Put / Update / Delete / Query /
 * BatchGet / TransactWrite with conditions, GSIs (gsi1-3) and DynamoDB's transaction semantics
 * (all or nothing; TransactionCanceledException with one reason per item; one operation per item).
 * Each command is applied atomically; `jitterMs` adds a random delay before each command so
 * concurrent callers interleave between their reads and writes like real clients do.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchGetCommandInput,
  type BatchWriteCommandInput,
  type DeleteCommandInput,
  type GetCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { parseCondition, parseUpdate, type Item } from './expressions';

export const TABLE = 'PipelineTable';

const keyOf = (pk: unknown, sk: unknown): string => `${String(pk)}\u0000${String(sk)}`;

/** What DocumentClient's removeUndefinedValues does: drop undefined members (deeply). */
function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => clean(v)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = clean(v);
    return out as T;
  }
  return value;
}

function conditionalFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export class FakeTable {
  readonly items = new Map<string, Item>();
  /** Every command, in order (name + input), for assertions. */
  readonly log: { readonly command: string; readonly input: unknown }[] = [];
  jitterMs = 0;
  /** Throw this (once per entry) instead of running the next matching command. */
  readonly failNext: { command: string; error: Error }[] = [];
  /** Called before each command runs (after the jitter): a test can change the table "between" a read and a write. */
  before: ((command: string, input: unknown) => void) | undefined;

  seed(...items: Item[]): this {
    for (const item of items) this.items.set(keyOf(item.pk, item.sk), structuredClone(clean(item)));
    return this;
  }

  get(pk: string, sk: string): Item | undefined {
    const item = this.items.get(keyOf(pk, sk));
    return item === undefined ? undefined : structuredClone(item);
  }

  /** Items of an entity (optionally of one partition). */
  entities(entity: string, pk?: string): Item[] {
    return [...this.items.values()].filter((i) => i.entity === entity && (pk === undefined || i.pk === pk)).map((i) => structuredClone(i));
  }

  /** Install on a fresh aws-sdk-client-mock of the DocumentClient. */
  install(mock: AwsClientStub<DynamoDBDocumentClient> = mockClient(DynamoDBDocumentClient)): AwsClientStub<DynamoDBDocumentClient> {
    mock.on(GetCommand).callsFake((input: GetCommandInput) => this.run('Get', input, () => this.doGet(input)));
    mock.on(PutCommand).callsFake((input: PutCommandInput) => this.run('Put', input, () => this.doPut(input)));
    mock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => this.run('Update', input, () => this.doUpdate(input)));
    mock.on(DeleteCommand).callsFake((input: DeleteCommandInput) => this.run('Delete', input, () => this.doDelete(input)));
    mock.on(QueryCommand).callsFake((input: QueryCommandInput) => this.run('Query', input, () => this.doQuery(input)));
    mock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => this.run('BatchGet', input, () => this.doBatchGet(input)));
    mock.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => this.run('TransactWrite', input, () => this.doTransact(input)));
    mock.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => this.run('BatchWrite', input, () => this.doBatchWrite(input)));
    return mock;
  }

  private async run<T>(command: string, input: unknown, fn: () => T): Promise<T> {
    if (this.jitterMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * this.jitterMs));
    else await Promise.resolve();
    this.log.push({ command, input: structuredClone(input) });
    this.before?.(command, input);
    const forced = this.failNext.findIndex((f) => f.command === command);
    if (forced >= 0) {
      const [entry] = this.failNext.splice(forced, 1);
      if (entry !== undefined) throw entry.error;
    }
    return fn();
  }

  /** Unconditional puts and deletes; nothing is ever left unprocessed. */
  private doBatchWrite(input: BatchWriteCommandInput): { UnprocessedItems: Record<string, never> } {
    for (const [tableName, requests] of Object.entries(input.RequestItems ?? {})) {
      for (const request of requests) {
        if (request.PutRequest?.Item !== undefined) this.doPut({ TableName: tableName, Item: request.PutRequest.Item });
        else if (request.DeleteRequest?.Key !== undefined) this.doDelete({ TableName: tableName, Key: request.DeleteRequest.Key });
      }
    }
    return { UnprocessedItems: {} };
  }

  private doGet(input: GetCommandInput): { Item?: Item } {
    const item = this.items.get(keyOf(input.Key?.pk, input.Key?.sk));
    return item === undefined ? {} : { Item: structuredClone(item) };
  }

  private check(existing: Item | undefined, expression: string | undefined, names?: Record<string, string>, values?: Record<string, unknown>): boolean {
    if (expression === undefined) return true;
    return parseCondition(expression, names ?? {}, values ?? {})(existing ?? {});
  }

  private doPut(input: PutCommandInput): Record<string, never> {
    const item = clean(input.Item ?? {});
    const key = keyOf(item.pk, item.sk);
    if (!this.check(this.items.get(key), input.ConditionExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) throw conditionalFailed();
    this.items.set(key, structuredClone(item));
    return {};
  }

  private updated(input: UpdateCommandInput): Item {
    const key = keyOf(input.Key?.pk, input.Key?.sk);
    const base = this.items.get(key) ?? { pk: input.Key?.pk, sk: input.Key?.sk };
    return parseUpdate(input.UpdateExpression ?? '', input.ExpressionAttributeNames ?? {}, clean(input.ExpressionAttributeValues ?? {}))(base);
  }

  private doUpdate(input: UpdateCommandInput): { Attributes?: Item } {
    const key = keyOf(input.Key?.pk, input.Key?.sk);
    if (!this.check(this.items.get(key), input.ConditionExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) throw conditionalFailed();
    const previous = this.items.get(key);
    const next = this.updated(input);
    this.items.set(key, next);
    if (input.ReturnValues === 'ALL_OLD') return previous === undefined ? {} : { Attributes: structuredClone(previous) };
    return input.ReturnValues === 'ALL_NEW' ? { Attributes: structuredClone(next) } : {};
  }

  private doDelete(input: DeleteCommandInput): Record<string, never> {
    const key = keyOf(input.Key?.pk, input.Key?.sk);
    if (!this.check(this.items.get(key), input.ConditionExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) throw conditionalFailed();
    this.items.delete(key);
    return {};
  }

  private doQuery(input: QueryCommandInput): { Items: Item[]; LastEvaluatedKey?: Item; Count: number } {
    const index = input.IndexName;
    const pkName = index === undefined ? 'pk' : `${index}pk`;
    const skName = index === undefined ? 'sk' : `${index}sk`;
    const keyCondition = parseCondition(input.KeyConditionExpression ?? '', input.ExpressionAttributeNames ?? {}, input.ExpressionAttributeValues ?? {});
    const filter =
      input.FilterExpression === undefined ? () => true : parseCondition(input.FilterExpression, input.ExpressionAttributeNames ?? {}, input.ExpressionAttributeValues ?? {});
    let matches = [...this.items.values()]
      .filter((item) => item[pkName] !== undefined && item[skName] !== undefined)
      .filter((item) => {
        // Key conditions name pk/sk or the index's keys: evaluate on a view where both spellings work.
        const view = { ...item, pk: item[pkName], sk: item[skName] };
        return keyCondition(view) || keyCondition(item);
      })
      .sort((a, b) => {
        const x = String(a[skName]);
        const y = String(b[skName]);
        const primary = x < y ? -1 : x > y ? 1 : 0;
        if (primary !== 0 || index === undefined) return primary;
        return keyOf(a.pk, a.sk) < keyOf(b.pk, b.sk) ? -1 : 1;
      });
    if (input.ScanIndexForward === false) matches.reverse();
    if (input.ExclusiveStartKey !== undefined) {
      const start = input.ExclusiveStartKey;
      const at = matches.findIndex((m) => m.pk === start.pk && m.sk === start.sk);
      matches = at < 0 ? matches : matches.slice(at + 1);
    }
    let lastKey: Item | undefined;
    if (input.Limit !== undefined && matches.length > input.Limit) {
      matches = matches.slice(0, input.Limit);
      const last = matches[matches.length - 1] as Item;
      lastKey = { pk: last.pk, sk: last.sk, ...(index === undefined ? {} : { [pkName]: last[pkName], [skName]: last[skName] }) };
    }
    const items = matches.filter(filter).map((m) => structuredClone(m));
    return { Items: items, Count: items.length, ...(lastKey === undefined ? {} : { LastEvaluatedKey: lastKey }) };
  }

  private doBatchGet(input: BatchGetCommandInput): { Responses: Record<string, Item[]>; UnprocessedKeys: Record<string, never> } {
    const responses: Record<string, Item[]> = {};
    for (const [table, request] of Object.entries(input.RequestItems ?? {})) {
      responses[table] = (request.Keys ?? []).flatMap((k) => {
        const item = this.items.get(keyOf(k.pk, k.sk));
        return item === undefined ? [] : [structuredClone(item)];
      });
    }
    return { Responses: responses, UnprocessedKeys: {} };
  }

  private itemKey(op: TransactItem): string {
    if (op.Put !== undefined) return keyOf(op.Put.Item?.pk, op.Put.Item?.sk);
    const key = op.Update?.Key ?? op.Delete?.Key ?? op.ConditionCheck?.Key;
    return keyOf(key?.pk, key?.sk);
  }

  private doTransact(input: TransactWriteCommandInput): Record<string, never> {
    const ops = input.TransactItems ?? [];
    if (ops.length > 100) throw Object.assign(new Error('Member must have length less than or equal to 100'), { name: 'ValidationException' });
    const keys = ops.map((op) => this.itemKey(op));
    if (new Set(keys).size !== keys.length) {
      throw Object.assign(new Error('Transaction request cannot include multiple operations on one item'), { name: 'ValidationException' });
    }
    const reasons = ops.map((op, i) => {
      const existing = this.items.get(keys[i] as string);
      const spec = op.Put ?? op.Update ?? op.Delete ?? op.ConditionCheck;
      const ok = this.check(existing, spec?.ConditionExpression, spec?.ExpressionAttributeNames, spec?.ExpressionAttributeValues);
      return ok ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
    });
    if (reasons.some((r) => r.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
    }
    // Compute every new item first (all conditions and right-hand sides see the state before the transaction).
    const writes = ops.map((op, i) => {
      const key = keys[i] as string;
      if (op.Put !== undefined) return { key, item: clean(op.Put.Item ?? {}) as Item | undefined };
      if (op.Update !== undefined) return { key, item: this.updated(op.Update as UpdateCommandInput) as Item | undefined };
      if (op.Delete !== undefined) return { key, item: undefined };
      return { key, item: this.items.get(key), keep: true };
    });
    for (const write of writes) {
      if ('keep' in write) continue;
      if (write.item === undefined) this.items.delete(write.key);
      else this.items.set(write.key, structuredClone(write.item));
    }
    return {};
  }
}

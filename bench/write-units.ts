/**
 * DynamoDB write request units, computed the way DynamoDB bills them, from the table stream.
 *
 * DynamoDB Local's `ConsumedCapacity` is right for single-item writes and reads but not for transactions
 * (3 small Puts in one TransactWriteItems report 2 units instead of 6). So writes are costed here instead:
 * - every successful write a function makes is recorded by the counting proxy (caller, item key, whether it
 *   was inside a TransactWriteItems) in a `WriteLedger`;
 * - the table stream (NEW_AND_OLD_IMAGES) gives each write's before and after image, in order per item;
 * - each stream record is matched to the ledger entry of its key (same order) and costed by DynamoDB's rules:
 *   table = ceil(size / 1 KB) with size = the new item (INSERT), the larger of old and new (MODIFY), the old
 *   item (REMOVE); each GSI the old or new image belongs to: an index write of the projected size, two (delete
 *   + put) when the index key changed, none when the key stayed and no projected attribute changed (the
 *   DynamoDB developer guide, "Provisioned throughput considerations for global secondary indexes"); x2
 *   inside a transaction.
 * - writes without a stream record (e.g. deleting an absent item) count 1 unit (2 in a transaction);
 *   ConditionCheck items 2 units; failed conditional writes are estimated by the caller of this module.
 * Item size: attribute name bytes + value bytes (strings UTF-8, numbers ~1 byte per 2 digits + 1, booleans and
 * nulls 1, lists and maps 3 + their elements (+1 each)), as the DynamoDB developer guide describes it.
 */
import type { IndexSpec, TableSpec } from '../local/template/tables';
import { DynamoStreamsClient, type StreamRecord } from '../local/emulators/dynamodb/streams';
import { isRecord } from '../functions/core/kernel/guards';


const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Size of one DynamoDB-JSON attribute value (`{ "S": "..." }`, `{ "M": {...} }`, ...). */
export function attributeValueSize(value: unknown): number {
  if (!isRecord(value)) return 0;
  const [type, v] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return typeof v === 'string' ? utf8(v) : 0;
    case 'N':
      return typeof v === 'string' ? Math.min(21, Math.ceil(v.replace(/^-|\./g, '').replace(/^0+/, '').length / 2) + 1) : 1;
    case 'B':
      return typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return Array.isArray(v) ? v.reduce<number>((s, x) => s + (typeof x === 'string' ? utf8(x) : 0), 0) : 0;
    case 'NS':
      return Array.isArray(v) ? v.reduce<number>((s, x) => s + attributeValueSize({ N: x }), 0) : 0;
    case 'BS':
      return Array.isArray(v) ? v.reduce<number>((s, x) => s + (typeof x === 'string' ? Buffer.from(x, 'base64').length : 0), 0) : 0;
    case 'L':
      return 3 + (Array.isArray(v) ? v.reduce<number>((s, x) => s + 1 + attributeValueSize(x), 0) : 0);
    case 'M':
      return 3 + (isRecord(v) ? Object.entries(v).reduce((s, [k, x]) => s + 1 + utf8(k) + attributeValueSize(x), 0) : 0);
    default:
      return 0;
  }
}

export function itemSize(item: Record<string, unknown> | undefined, only?: ReadonlySet<string>): number {
  if (item === undefined) return 0;
  return Object.entries(item).reduce((s, [k, v]) => (only === undefined || only.has(k) ? s + utf8(k) + attributeValueSize(v) : s), 0);
}

const kb = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));

/**
 * AS_DEFINED: the template's indexes; KEYS_ONLY: what if every GSI projected keys only; ALL_ALWAYS: the model
 * before single-write intake (every GSI projecting ALL, an index write on every write of an indexed item), to
 * compare item kinds before/after from the same stream images.
 */
export type ProjectionOverride = 'AS_DEFINED' | 'KEYS_ONLY' | 'ALL_ALWAYS';

function indexKeyOf(item: Record<string, unknown> | undefined, index: IndexSpec): string | undefined {
  if (item === undefined) return undefined;
  const parts: string[] = [];
  for (const k of index.keySchema) {
    const v = item[k.attributeName];
    if (v === undefined) return undefined; // sparse: not in this index
    parts.push(JSON.stringify(v));
  }
  return parts.join('|');
}

function projectedSize(item: Record<string, unknown> | undefined, index: IndexSpec, table: TableSpec, override: ProjectionOverride): number {
  const keys = new Set([...table.keySchema, ...index.keySchema].map((k) => k.attributeName));
  const type = override === 'KEYS_ONLY' ? 'KEYS_ONLY' : override === 'ALL_ALWAYS' ? 'ALL' : index.projection.projectionType;
  if (type === 'ALL') return itemSize(item);
  if (type === 'INCLUDE') for (const a of index.projection.nonKeyAttributes ?? []) keys.add(a);
  return itemSize(item, keys);
}

/** The projected part of an image, canonical (sorted attribute names), to tell whether an index entry changed. */
function projectedImage(item: Record<string, unknown> | undefined, index: IndexSpec, table: TableSpec, override: ProjectionOverride): string {
  if (item === undefined) return '';
  const type = override === 'KEYS_ONLY' ? 'KEYS_ONLY' : index.projection.projectionType;
  const keys = new Set([...table.keySchema, ...index.keySchema].map((k) => k.attributeName));
  if (type === 'INCLUDE') for (const a of index.projection.nonKeyAttributes ?? []) keys.add(a);
  const names = Object.keys(item).filter((k) => type === 'ALL' || keys.has(k)).sort();
  return JSON.stringify(names.map((k) => [k, item[k]]));
}

/** Write units of one stream record (not yet doubled for transactions). */
export function recordWriteUnits(record: StreamRecord, table: TableSpec, override: ProjectionOverride = 'AS_DEFINED'): { table: number; index: number } {
  const oldImage = record.dynamodb.OldImage;
  const newImage = record.dynamodb.NewImage;
  const size = Math.max(itemSize(oldImage), itemSize(newImage));
  let index = 0;
  for (const gsi of table.globalSecondaryIndexes) {
    const before = indexKeyOf(oldImage, gsi);
    const after = indexKeyOf(newImage, gsi);
    if (before === undefined && after === undefined) continue;
    if (before !== undefined && after !== undefined && before === after) {
      // Same index key: DynamoDB writes the index entry only when a projected attribute changed.
      if (override !== 'ALL_ALWAYS' && projectedImage(oldImage, gsi, table, override) === projectedImage(newImage, gsi, table, override)) continue;
      index += kb(Math.max(projectedSize(oldImage, gsi, table, override), projectedSize(newImage, gsi, table, override)));
    } else {
      if (before !== undefined) index += kb(projectedSize(oldImage, gsi, table, override));
      if (after !== undefined) index += kb(projectedSize(newImage, gsi, table, override));
    }
  }
  return { table: kb(size), index };
}

function entityOf(record: StreamRecord): string {
  const image = record.dynamodb.NewImage ?? record.dynamodb.OldImage;
  const entity = image?.['entity'];
  return isRecord(entity) && typeof entity['S'] === 'string' ? entity['S'] : '(none)';
}

interface LedgerEntry {
  readonly caller: string;
  readonly transactional: boolean;
}

export interface WriteUnitTotals {
  table: number;
  index: number;
  /** Index units if every GSI projected KEYS_ONLY (what-if). */
  indexIfKeysOnly: number;
  /** Units (table + index, x2 in transactions) of order-item rewrites that left the order's status as it was. */
  orderRewritesWithoutStatusChange: number;
  records: number;
  writesWithoutRecord: number;
  conditionChecks: number;
}

/** Write units (table + index, x2 in transactions) of one item kind (`entity`). */
export interface ItemKindUnits {
  records: number;
  table: number;
  index: number;
  /** table + index under ALL_ALWAYS (the previous projections and index rule). */
  unitsIfAllAlways: number;
}

export interface WriteUnitReport {
  readonly total: WriteUnitTotals;
  /** By the written item's `entity` (stream records only). */
  readonly byItemKind: Record<string, ItemKindUnits>;
  readonly byCaller: Record<string, WriteUnitTotals>;
  /** Stream records no function's write explains (should be 0). */
  readonly unattributedRecords: number;
}

/** Successful writes by caller and item key, in the order DynamoDB answered them. */
export class WriteLedger {
  private readonly byKey = new Map<string, LedgerEntry[]>();
  private readonly conditionChecks = new Map<string, number>();

  static keyOf(key: Record<string, unknown>, table: TableSpec): string {
    return table.keySchema.map((k) => JSON.stringify(key[k.attributeName] ?? null)).join('|');
  }

  write(caller: string, key: string, transactional: boolean): void {
    const list = this.byKey.get(key) ?? [];
    list.push({ caller, transactional });
    this.byKey.set(key, list);
  }

  conditionCheck(caller: string): void {
    this.conditionChecks.set(caller, (this.conditionChecks.get(caller) ?? 0) + 1);
  }

  reset(): void {
    this.byKey.clear();
    this.conditionChecks.clear();
  }

  /** Match the stream records (in stream order) to the recorded writes and cost them. */
  cost(records: readonly StreamRecord[], table: TableSpec): WriteUnitReport {
    const empty = (): WriteUnitTotals => ({ table: 0, index: 0, indexIfKeysOnly: 0, orderRewritesWithoutStatusChange: 0, records: 0, writesWithoutRecord: 0, conditionChecks: 0 });
    const total = empty();
    const byCaller: Record<string, WriteUnitTotals> = {};
    const byItemKind: Record<string, ItemKindUnits> = {};
    const add = (caller: string, f: (t: WriteUnitTotals) => void): void => {
      f(total);
      f((byCaller[caller] ??= empty()));
    };
    const queues = new Map([...this.byKey].map(([k, v]) => [k, [...v]]));
    let unattributed = 0;
    for (const r of records) {
      const key = WriteLedger.keyOf(r.dynamodb.Keys ?? {}, table);
      const entry = queues.get(key)?.shift();
      if (entry === undefined) {
        unattributed++;
        continue;
      }
      const x = entry.transactional ? 2 : 1;
      const units = recordWriteUnits(r, table);
      const keysOnly = recordWriteUnits(r, table, 'KEYS_ONLY');
      const allAlways = recordWriteUnits(r, table, 'ALL_ALWAYS');
      const kind = byItemKind[entityOf(r)] ??= { records: 0, table: 0, index: 0, unitsIfAllAlways: 0 };
      kind.records++;
      kind.table += x * units.table;
      kind.index += x * units.index;
      kind.unitsIfAllAlways += x * (allAlways.table + allAlways.index);
      const o = r.dynamodb.OldImage;
      const n = r.dynamodb.NewImage;
      const unchangedOrder =
        r.eventName === 'MODIFY' && isRecord(n?.['entity']) && n['entity']['S'] === 'Order' && JSON.stringify(o?.['status']) === JSON.stringify(n['status']);
      add(entry.caller, (t) => {
        t.table += x * units.table;
        t.index += x * units.index;
        t.indexIfKeysOnly += x * keysOnly.index;
        if (unchangedOrder) t.orderRewritesWithoutStatusChange += x * (units.table + units.index);
        t.records++;
      });
    }
    for (const list of queues.values()) {
      for (const e of list) add(e.caller, (t) => {
        t.table += e.transactional ? 2 : 1;
        t.writesWithoutRecord++;
      });
    }
    for (const [caller, n] of this.conditionChecks) add(caller, (t) => {
      t.table += 2 * n;
      t.conditionChecks += n;
    });
    return { total, byCaller, byItemKind, unattributedRecords: unattributed };
  }
}

/** Reads the table stream: `mark()` remembers where it ends, `since()` returns what was written after. */
export class StreamTap {
  private readonly client: DynamoStreamsClient;
  private positions = new Map<string, string | undefined>();

  constructor(
    endpoint: string,
    private readonly streamArn: string,
  ) {
    this.client = new DynamoStreamsClient(endpoint);
  }

  private async readAll(from: ReadonlyMap<string, string | undefined>): Promise<{ records: StreamRecord[]; positions: Map<string, string | undefined> }> {
    const records: StreamRecord[] = [];
    const positions = new Map(from);
    const shards = await this.client.listShards(this.streamArn);
    for (const shard of shards) {
      const last = positions.get(shard.ShardId);
      let iterator = await this.client.shardIterator(
        this.streamArn,
        shard.ShardId,
        last === undefined ? { type: 'TRIM_HORIZON' } : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last },
      );
      for (let page = 0; iterator !== undefined && page < 10_000; page++) {
        const out = await this.client.records(iterator, 1000);
        records.push(...out.records);
        const tail = out.records[out.records.length - 1];
        if (tail !== undefined) positions.set(shard.ShardId, tail.dynamodb.SequenceNumber);
        if (out.records.length === 0) break;
        iterator = out.next;
      }
      if (!positions.has(shard.ShardId)) positions.set(shard.ShardId, undefined);
    }
    return { records, positions };
  }

  async mark(): Promise<void> {
    this.positions = (await this.readAll(this.positions)).positions;
  }

  async since(): Promise<StreamRecord[]> {
    const { records, positions } = await this.readAll(this.positions);
    this.positions = positions;
    return records;
  }
}

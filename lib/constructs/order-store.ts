import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Stage } from '../stage-config';

/**
 * Logical IDs of the stateful resources. They are pinned (overrideLogicalId) so that moving or renaming a
 * construct can never make CloudFormation replace the table (and lose the data) or its key.
 * Changing one of these is a data migration, not a refactoring.
 */
export const ORDER_STORE_LOGICAL_IDS = {
  table: 'PipelineTable',
  key: 'PipelineTableKey',
} as const;

/** Global secondary indexes (see functions/core/runtime/table/keys.ts and docs/data-model.md). `undefined` projection = ALL, `[]` = KEYS_ONLY. */
export const ORDER_STORE_INDEXES = ['gsi1', 'gsi2', 'gsi3', 'gsi4'] as const;
export type OrderStoreIndex = (typeof ORDER_STORE_INDEXES)[number];

/**
 * What each GSI projects besides the table and index keys: only what its readers use (docs/data-model.md,
 * "Index projections"). Fewer projected attributes = smaller index entries, and an item update that changes
 * neither the index key nor a projected attribute writes nothing to the index. `undefined` = ALL.
 * Changing a projection in CloudFormation replaces that index only (rebuilt from the table, no data loss;
 * queries on it fail until it is ACTIVE again): do it in a quiet window, one index per deployment.
 */
export const ORDER_STORE_INDEX_PROJECTIONS: Readonly<Record<OrderStoreIndex, readonly string[] | undefined>> = {
  // Supplier feeds: offers by supplier SKU (inventory/store/inventory.ts OFFER_ATTRIBUTES, toFeedOffer).
  // Orders and fulfillments also carry gsi1 keys; nothing queries them there, so they project only these.
  gsi1: ['entity', 'sku', 'supplierId', 'supplierSku', 'wholesaleCostMinor', 'currency', 'stock', 'mapMinor', 'discontinued', 'lastFeedAt', 'shortfall', 'gsi3pk', 'gsi3sk'],
  // Sweeps: orders by status (sweep-orders: stuckCheck, markStuckItems; sweep-dispatches: orderId) and HELD
  // reservations (sweep-reservations: toReservation, the whole Reservation).
  gsi2: [
    'entity',
    'orderId',
    'channelId',
    'status',
    'updatedAt',
    'holdExpiresAt',
    'holdReason',
    'gsi3pk',
    'fulfillmentId',
    'sku',
    'supplierId',
    'quantity',
    'createdAt',
    'settledAt',
    'settleReason',
    // The allocation shard of a hot offer's reservation (the sweep's fallback releases the indexed copy to it).
    'shard',
  ],
  // Operators list exceptions with everything the item says (GET /ops/exceptions): sparse, so ALL is cheap.
  gsi3: undefined,
  // Operators find orders by customer email (GET /ops/orders?email=): gsi4pk = EMAIL#{sha256 of the normalized
  // email}, gsi4sk = {createdAt}#{orderId}. KEYS_ONLY: the reader loads the orders it found (BatchGetItem).
  gsi4: [],
};

/** TTL attribute (epoch seconds) of records that expire: dedupe records (webhooks, supplier messages), rejected webhooks, task tokens, address uses. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** What a function may do with the items of the table. */
export type TableAccess = 'read' | 'write' | 'readWrite';

/** Item-level read actions. Scan is deliberately absent: nothing in the pipeline scans the single table. */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;
/**
 * Item-level write actions every writer gets (TransactWriteItems is authorized through these). DeleteItem and
 * BatchWriteItem are not among them: only the functions whose code sends them get them (TABLE_EXTRA_ACTIONS).
 */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'] as const;

/** Write actions granted per function, only where its code uses them. */
export type TableExtraAction = 'dynamodb:DeleteItem' | 'dynamodb:BatchWriteItem';

const BATCH_WRITES: readonly TableExtraAction[] = ['dynamodb:BatchWriteItem'];

/**
 * Per function entry: the extra write actions its bundle sends (test/infra/table-actions.test.ts checks this
 * map against the built bundles, so a new DeleteCommand or BatchWriteCommand cannot ship without its grant).
 * DeleteItem: no function sends it since used task tokens are no longer deleted (the next wait overwrites them,
 * TTL removes the last: functions/core/workflow/store/task-tokens.ts). BatchWriteItem: offer writes of inventory
 * feeds (functions/core/inventory/store/inventory.ts).
 */
export const TABLE_EXTRA_ACTIONS: Readonly<Record<string, readonly TableExtraAction[]>> = {
  'functions/suppliers/inbound.ts': BATCH_WRITES,
  'functions/suppliers/message-file.ts': BATCH_WRITES,
  'functions/inventory/feed-file.ts': BATCH_WRITES,
  'functions/inventory/refresh-feeds.ts': BATCH_WRITES,
  'functions/sweeps/sweep-stale-feeds.ts': BATCH_WRITES,
};
/** Partition-key patterns (`dynamodb:LeadingKeys`, StringLike) a function's table grant is limited to: reads, and writes (default: the reads). */
export interface TableLeadingKeys {
  readonly read: readonly string[];
  readonly write?: readonly string[];
  /** The indexes it queries (an unconditioned Query-only grant on each; none when absent). */
  readonly indexes?: readonly OrderStoreIndex[];
}

/**
 * Per function entry: the partitions its code touches, where every key it reads or writes has one of a few prefixes
 * (docs/infrastructure.md "Table permissions per function"). The grant on the table carries `ForAllValues:StringLike` on
 * `dynamodb:LeadingKeys` (every item of a BatchGet or transaction is checked); the indexes it queries get an
 * unconditioned Query-only grant each (`indexes`, checked against the bundle's IndexName use). Functions absent here touch order partitions together
 * with catalog, supplier, guard or token partitions chosen by the request (see the doc for why each cannot be scoped).
 */
export const TABLE_LEADING_KEYS: Readonly<Record<string, TableLeadingKeys>> = {
  'functions/api/availability.ts': { read: ['SKU#*', 'SKUSHARD#*', 'SUPPLIER#*'] },
  'functions/api/get-order.ts': { read: ['ORDER#*'] },
  'functions/notifications/enqueue.ts': { read: ['ORDER#*'] },
  'functions/notifications/deliver.ts': { read: ['NOTIFY#*', 'ORDER#*'], write: ['NOTIFY#*'] },
  'functions/ops/suppliers.ts': { read: ['SUPPLIER#*'], indexes: ['gsi3'] },
  'functions/ops/scorecard.ts': { read: ['SUPPLIER#*', 'SCORECARD#*'] },
  'functions/ops/claims.ts': { read: ['CLAIM#*', 'ORDER#*'], indexes: ['gsi3'] },
  'functions/scorecards/on-domain-event.ts': { read: ['ORDER#*', 'SCORECARD#*'], write: ['SCORECARD#*'] },
  'functions/sweeps/sweep-stale-feeds.ts': { read: ['SUPPLIER#*'] },
  'functions/sweeps/sweep-reservations.ts': { read: ['ORDER#*', 'SKU#*', 'SKUSHARD#*', 'SWEEP#*'], indexes: ['gsi2'] },
  'functions/inventory/feed-file.ts': { read: ['SKU#*', 'SKUSHARD#*', 'SUPPLIER#*', 'FILE#*'], indexes: ['gsi1'] },
  'functions/inventory/refresh-feeds.ts': { read: ['SKU#*', 'SKUSHARD#*', 'SUPPLIER#*', 'FILE#*'], indexes: ['gsi1'] },
};

/** KMS actions DynamoDB performs with the caller's permissions on a customer managed table key, written out (no wildcards). */
export const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'] as const;
export const KEY_WRITE_ACTIONS = [
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
] as const;

function projectionOf(nonKeyAttributes: readonly string[] | undefined): Pick<dynamodb.GlobalSecondaryIndexProps, 'projectionType' | 'nonKeyAttributes'> {
  if (nonKeyAttributes !== undefined && nonKeyAttributes.length === 0) return { projectionType: dynamodb.ProjectionType.KEYS_ONLY };
  return nonKeyAttributes === undefined
    ? { projectionType: dynamodb.ProjectionType.ALL }
    : { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...nonKeyAttributes] };
}

export interface OrderStoreProps {
  /** The deployment stage: `retainData` turns on deletion protection and RETAIN for the table and its key. */
  readonly stage: Stage;
}

/**
 * The pipeline's single DynamoDB table: pk/sk, gsi1..gsi3 (projections: ORDER_STORE_INDEX_PROJECTIONS), TTL on `expiresAt`, on-demand
 * billing, streams with new and old images (the workflow starter consumes them), point-in-time recovery,
 * encryption with a customer managed KMS key (rotated yearly), deletion protection and RETAIN when the
 * stage keeps its data.
 */
export class OrderStore extends Construct {
  /** The table. Its Ref (table name) is TABLE_NAME in every function. */
  public readonly table: dynamodb.Table;
  /** Customer managed key encrypting the table, its indexes, stream and backups. */
  public readonly encryptionKey: kms.Key;
  /** Names of the global secondary indexes. */
  public readonly indexNames: readonly OrderStoreIndex[] = ORDER_STORE_INDEXES;

  constructor(scope: Construct, id: string, props: OrderStoreProps) {
    super(scope, id);
    const retain = props.stage.config.retainData;
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the dropship pipeline table (${props.stage.name})`,
      enableKeyRotation: true,
      // Deleting the key would make the table's backups unreadable: keep it as long as the data.
      removalPolicy,
      pendingWindow: Duration.days(retain ? 30 : 7),
    });
    (this.encryptionKey.node.defaultChild as kms.CfnKey).overrideLogicalId(ORDER_STORE_LOGICAL_IDS.key);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      deletionProtection: retain,
      removalPolicy,
    });
    for (const index of ORDER_STORE_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index,
        partitionKey: { name: `${index}pk`, type: dynamodb.AttributeType.STRING },
        sortKey: { name: `${index}sk`, type: dynamodb.AttributeType.STRING },
        ...projectionOf(ORDER_STORE_INDEX_PROJECTIONS[index]),
      });
    }
    (this.table.node.defaultChild as dynamodb.CfnTable).overrideLogicalId(ORDER_STORE_LOGICAL_IDS.table);
  }

  /**
   * Grant item access: the listed DynamoDB actions (plus `extraWrites` when it writes) on the table (reads also on each named index, never
   * `index/*`), plus the matching KMS actions on the table key, only when called through DynamoDB.
   */
  public grantItemAccess(grantee: iam.IGrantable, access: TableAccess, extraWrites: readonly TableExtraAction[] = [], leadingKeys?: TableLeadingKeys): iam.Grant {
    const reads = access === 'read' || access === 'readWrite';
    const writes = access === 'write' || access === 'readWrite';
    const actions = [...new Set([...(reads ? TABLE_READ_ACTIONS : []), ...(writes ? [...TABLE_WRITE_ACTIONS, ...extraWrites] : [])])];
    const indexArn = (name: string) => `${this.table.tableArn}/index/${name}`;
    const grant =
      leadingKeys === undefined
        ? iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn, ...(reads ? this.indexNames.map(indexArn) : [])] })
        : this.grantScoped(grantee, reads, writes ? [...TABLE_WRITE_ACTIONS, ...extraWrites] : [], (leadingKeys.indexes ?? []).filter((n) => this.indexNames.includes(n)).map(indexArn), leadingKeys);
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...KEY_READ_ACTIONS, ...(writes ? KEY_WRITE_ACTIONS : [])],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
    });
    return grant;
  }

  /** Item actions on the table limited to partitions by `dynamodb:LeadingKeys` (reads and writes apart), index queries apart. */
  private grantScoped(grantee: iam.IGrantable, reads: boolean, writeActions: readonly string[], indexArns: readonly string[], leadingKeys: TableLeadingKeys): iam.Grant {
    const scoped = (patterns: readonly string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] } });
    const resourceArns = [this.table.tableArn];
    let grant = reads
      ? iam.Grant.addToPrincipal({ grantee, actions: [...TABLE_READ_ACTIONS], resourceArns, conditions: scoped(leadingKeys.read) })
      : iam.Grant.addToPrincipal({ grantee, actions: [...writeActions], resourceArns, conditions: scoped(leadingKeys.write ?? leadingKeys.read) });
    if (reads && writeActions.length > 0) {
      grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: [...writeActions], resourceArns, conditions: scoped(leadingKeys.write ?? leadingKeys.read) }));
    }
    if (indexArns.length > 0) grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [...indexArns] }));
    return grant;
  }
}

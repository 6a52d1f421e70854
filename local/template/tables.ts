/**
 * DynamoDB tables of the template (AWS::DynamoDB::Table): keys, indexes, streams.
 */
import { isRecord } from '../../functions/core/kernel/guards';
import { bool, list, props, resourcesOfType, type CfnTemplate } from './cfn';
import type { Resolver } from './resolve';

export interface KeyElement {
  readonly attributeName: string;
  readonly keyType: 'HASH' | 'RANGE';
}

export interface AttributeDefinition {
  readonly attributeName: string;
  readonly attributeType: 'S' | 'N' | 'B';
}

export interface Projection {
  readonly projectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly nonKeyAttributes?: readonly string[];
}

export interface IndexSpec {
  readonly indexName: string;
  readonly keySchema: readonly KeyElement[];
  readonly projection: Projection;
}

export interface TableSpec {
  readonly logicalId: string;
  /** Local physical name (TableName if the template sets one, else the logical id). */
  readonly tableName: string;
  readonly keySchema: readonly KeyElement[];
  readonly attributeDefinitions: readonly AttributeDefinition[];
  readonly globalSecondaryIndexes: readonly IndexSpec[];
  readonly localSecondaryIndexes: readonly IndexSpec[];
  /** TTL attribute name when TTL is enabled. */
  readonly ttlAttribute?: string;
  /** Stream view type when streams are enabled. */
  readonly streamViewType?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
}

function keySchema(value: unknown, where: string): KeyElement[] {
  return list(value).map((k) => {
    if (!isRecord(k) || typeof k['AttributeName'] !== 'string' || (k['KeyType'] !== 'HASH' && k['KeyType'] !== 'RANGE')) {
      throw new Error(`${where}: bad KeySchema element ${JSON.stringify(k)}`);
    }
    return { attributeName: k['AttributeName'], keyType: k['KeyType'] };
  });
}

function projection(value: unknown): Projection {
  if (!isRecord(value)) return { projectionType: 'ALL' };
  const type = value['ProjectionType'];
  const projectionType = type === 'KEYS_ONLY' || type === 'INCLUDE' ? type : 'ALL';
  const nonKey = list(value['NonKeyAttributes']).filter((a): a is string => typeof a === 'string');
  return nonKey.length > 0 ? { projectionType, nonKeyAttributes: nonKey } : { projectionType };
}

function indexes(value: unknown, where: string): IndexSpec[] {
  return list(value).map((i) => {
    if (!isRecord(i) || typeof i['IndexName'] !== 'string') throw new Error(`${where}: index without IndexName`);
    return {
      indexName: i['IndexName'],
      keySchema: keySchema(i['KeySchema'], `${where}.${i['IndexName']}`),
      projection: projection(i['Projection']),
    };
  });
}

export function readTables(template: CfnTemplate, resolver: Resolver): TableSpec[] {
  const tables = [
    ...resourcesOfType(template, 'AWS::DynamoDB::Table'),
    ...resourcesOfType(template, 'AWS::DynamoDB::GlobalTable'),
  ];
  return tables.map(([logicalId, resource]) => {
    const p = props(resource);
    const where = `table ${logicalId}`;
    const attributeDefinitions = list(p['AttributeDefinitions']).map((a): AttributeDefinition => {
      const type = isRecord(a) ? a['AttributeType'] : undefined;
      if (!isRecord(a) || typeof a['AttributeName'] !== 'string' || (type !== 'S' && type !== 'N' && type !== 'B')) {
        throw new Error(`${where}: bad AttributeDefinition ${JSON.stringify(a)}`);
      }
      return { attributeName: a['AttributeName'], attributeType: type };
    });
    const ttl = p['TimeToLiveSpecification'];
    const ttlAttribute =
      isRecord(ttl) && bool(ttl['Enabled'], false) && typeof ttl['AttributeName'] === 'string' ? ttl['AttributeName'] : undefined;
    const stream = p['StreamSpecification'];
    const viewType = isRecord(stream) ? stream['StreamViewType'] : undefined;
    const streamEnabled = isRecord(stream) && bool(stream['StreamEnabled'], true);
    const streamViewType =
      streamEnabled &&
      (viewType === 'NEW_IMAGE' || viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES' || viewType === 'KEYS_ONLY')
        ? viewType
        : undefined;
    return {
      logicalId,
      tableName: resolver.resolveString({ Ref: logicalId }, where),
      keySchema: keySchema(p['KeySchema'], where),
      attributeDefinitions,
      globalSecondaryIndexes: indexes(p['GlobalSecondaryIndexes'], where),
      localSecondaryIndexes: indexes(p['LocalSecondaryIndexes'], where),
      ...(ttlAttribute === undefined ? {} : { ttlAttribute }),
      ...(streamViewType === undefined ? {} : { streamViewType }),
    };
  });
}

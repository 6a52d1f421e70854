import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What every store function needs: the DocumentClient (injected) and the table name (from config). */
export interface StoreContext {
  readonly ddb: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** Attributes that are keys or bookkeeping, not part of the domain object. */
export const STORE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk', 'entity'] as const;

/** Strip key/bookkeeping attributes from an item, leaving the domain object. */
export function stripKeys(item: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...item };
  for (const attribute of STORE_ATTRIBUTES) delete copy[attribute];
  return copy;
}

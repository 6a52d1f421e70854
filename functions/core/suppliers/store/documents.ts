/**
 * The documents published for a fulfillment (packing slip, purchase-order and cancellation files in
 * the supplier's outbox), recorded on the fulfillment item as `documents: FulfillmentDocuments`.
 *
 * A small UpdateItem that merges keys into the map and bumps `version`: every other writer of the
 * fulfillment is a Put conditional on the version it read, so a writer that read before this update
 * fails its condition and re-reads (nothing it writes can drop the documents).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FulfillmentDocuments } from '../../workflow/domain/fulfillment-status';
import type { StoreContext } from '../../runtime/table/context';
import { toFulfillmentRecord } from '../../workflow/store/fulfillments';
import { type FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { keys } from '../../runtime/table/keys';

const DOCUMENT_FIELDS = ['packingSlipKey', 'purchaseOrderKey', 'cancellationKey'] as const;

/** The defined keys of `documents`, in a stable order. */
function entries(documents: FulfillmentDocuments): [(typeof DOCUMENT_FIELDS)[number], string][] {
  return DOCUMENT_FIELDS.flatMap((field) => {
    const value = documents[field];
    return value === undefined ? [] : [[field, value] as [(typeof DOCUMENT_FIELDS)[number], string]];
  });
}

/** Whether `current` already holds every key of `documents` with the same value. */
export function hasDocuments(current: FulfillmentDocuments | undefined, documents: FulfillmentDocuments): boolean {
  return entries(documents).every(([field, value]) => current?.[field] === value);
}

/**
 * Merge `documents` into the fulfillment's `documents` map. Returns the fulfillment as stored after
 * the update, or undefined when the fulfillment does not exist.
 */
export async function recordDocuments(
  store: StoreContext,
  orderId: string,
  fulfillmentId: string,
  documents: FulfillmentDocuments,
): Promise<FulfillmentRecord | undefined> {
  const fields = entries(documents);
  if (fields.length === 0) throw new RangeError('recordDocuments: no document keys given');
  const key = keys.fulfillment(orderId, fulfillmentId);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // The map exists: set the given members only (keeps the others).
      const names: Record<string, string> = { '#documents': 'documents', '#version': 'version' };
      const values: Record<string, unknown> = { ':one': 1 };
      const sets = fields.map(([field, value], i) => {
        names[`#f${i}`] = field;
        values[`:v${i}`] = value;
        return `#documents.#f${i} = :v${i}`;
      });
      const result = await store.ddb.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}, #version = #version + :one`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_exists(#documents)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes === undefined ? undefined : toFulfillmentRecord(result.Attributes);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    try {
      // No map yet: create it (fails when it appeared meanwhile, or when the fulfillment does not exist).
      const result = await store.ddb.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: key,
          UpdateExpression: 'SET #documents = :documents, #version = #version + :one',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#documents)',
          ExpressionAttributeNames: { '#documents': 'documents', '#version': 'version' },
          ExpressionAttributeValues: { ':documents': Object.fromEntries(fields), ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes === undefined ? undefined : toFulfillmentRecord(result.Attributes);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  // Both conditions failed three times: the fulfillment does not exist.
  return undefined;
}

/** A fulfillment item's documents (the field is not part of FulfillmentRecord's declared shape yet). */
export type WithDocuments = { readonly documents?: FulfillmentDocuments | undefined };

export function documentsOf(record: FulfillmentRecord | Record<string, unknown>): FulfillmentDocuments | undefined {
  const documents = (record as WithDocuments).documents;
  return typeof documents === 'object' && documents !== null ? documents : undefined;
}

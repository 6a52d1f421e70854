/**
 * GET /ops/orders/{orderId}/documents/{documentId}: the bytes of a document published to a supplier
 * (packing slip PDF, purchase order / cancellation file), read from the supplier files bucket at the key
 * the fulfillment recorded. `documentId` = `{fulfillmentId}.{kind}` (look-order.ts documentsOf).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { BadRequestError, ConflictError, NotFoundError } from '../../kernel/errors';
import type { StoreContext } from '../../runtime/table/context';
import { keys } from '../../runtime/table/keys';
import type { FulfillmentDocuments } from '../../workflow/domain/fulfillment-status';
import { DOCUMENT_KINDS, type DocumentKind } from '../schemas/look';

export interface DocumentDeps {
  readonly store: StoreContext;
  readonly s3: S3Client;
  readonly bucket: string;
}

/** Lambda answers at most 6 MB; base64 makes bytes 4/3 larger. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

const FIELD: Readonly<Record<DocumentKind, keyof FulfillmentDocuments>> = {
  'packing-slip': 'packingSlipKey',
  'purchase-order': 'purchaseOrderKey',
  cancellation: 'cancellationKey',
};

export function parseDocumentId(documentId: string): { fulfillmentId: string; kind: DocumentKind } {
  const m = /^(ful_[A-Za-z0-9_-]{1,80})\.([a-z-]{1,20})$/.exec(documentId);
  const kind = DOCUMENT_KINDS.find((k) => k === m?.[2]);
  if (m === null || kind === undefined) {
    throw new BadRequestError('Invalid document id', { issues: [{ path: 'pathParameters.documentId', message: `must be {fulfillmentId}.{${DOCUMENT_KINDS.join('|')}} (from GET /ops/orders/{orderId} documents)` }] });
  }
  return { fulfillmentId: m[1] as string, kind };
}

const CONTENT_TYPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\.pdf$/i, 'application/pdf'],
  [/\.csv$/i, 'text/csv'],
  [/\.json$/i, 'application/json'],
];

export async function readDocument(deps: DocumentDeps, orderId: string, documentId: string): Promise<{ key: string; contentType: string; bytes: Buffer }> {
  const { fulfillmentId, kind } = parseDocumentId(documentId);
  const item = await deps.store.ddb.send(new GetCommand({ TableName: deps.store.tableName, Key: keys.fulfillment(orderId, fulfillmentId), ProjectionExpression: 'documents' }));
  const documents = (item.Item?.documents ?? {}) as FulfillmentDocuments;
  const key = documents[FIELD[kind]];
  if (typeof key !== 'string') throw new NotFoundError('Document not found', { issues: [{ path: 'pathParameters.documentId', message: `order ${orderId} has no ${kind} for ${fulfillmentId}` }] });
  let object;
  try {
    object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
  } catch (error) {
    if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) {
      throw new NotFoundError('Document not found', { issues: [{ path: 'pathParameters.documentId', message: 'is recorded but its object is gone from the files bucket' }] });
    }
    throw error;
  }
  if ((object.ContentLength ?? 0) > MAX_DOCUMENT_BYTES) {
    throw new ConflictError('Document too large for the API', { issues: [{ path: 'pathParameters.documentId', message: `is over ${MAX_DOCUMENT_BYTES} bytes: read ${key} from the files bucket` }] });
  }
  const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
  const contentType = CONTENT_TYPES.find(([re]) => re.test(key))?.[1] ?? object.ContentType ?? 'application/octet-stream';
  return { key, contentType, bytes };
}

/**
 * Amending a dispatched purchase order (the customer's ship-to changed before the parcel left):
 * PURCHASE_ORDER_AMENDED with the same PO number (fulfillmentId) and a revision number, over the
 * supplier's outbound queue, or as a JSON file in its outbox for suppliers that work with files
 * (`suppliers/{id}/outbox/purchase-orders/{fulfillmentId}-r{revision}.json`). Reuses the PO delivery
 * channels of supplier-outbound.ts. Idempotent: the same revision gives the same message id and key.
 */
import { getSupplier } from '../../inventory/store/catalog';
import type { WorkflowOrder } from '../../orders/domain/order';
import type { FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { PurchaseOrderAmendedMessage } from '../schemas/supplier-messages';
import { outboxKeys } from '../schemas/supplier-files';
import { fileBody, putObject, sendToQueue, shipTo, type OutboundDeps } from './supplier-outbound';

export function purchaseOrderAmendedMessage(order: Pick<WorkflowOrder, 'shippingAddress'>, fulfillmentId: string, revision: number, issuedAt: Date): PurchaseOrderAmendedMessage {
  return PurchaseOrderAmendedMessage.parse({
    type: 'PURCHASE_ORDER_AMENDED',
    messageId: `po-${fulfillmentId}-r${revision}`,
    fulfillmentId,
    revision,
    issuedAt: issuedAt.toISOString(),
    changes: ['shipTo'],
    shipTo: shipTo(order.shippingAddress),
  });
}

export async function sendPurchaseOrderAmendment(
  deps: OutboundDeps,
  input: { readonly order: WorkflowOrder; readonly fulfillment: FulfillmentRecord; readonly revision: number; readonly issuedAt: Date },
): Promise<{ readonly via: 'sqs' | 'file'; readonly delivery: 'sent' | 'no-channel'; readonly key?: string | undefined }> {
  const { fulfillment } = input;
  const message = purchaseOrderAmendedMessage(input.order, fulfillment.fulfillmentId, input.revision, input.issuedAt);
  const files = deps.files;
  if (files !== undefined && (await getSupplier(files.store, fulfillment.supplierId))?.channel === 'file') {
    const key = outboxKeys.purchaseOrderAmendment(fulfillment.supplierId, fulfillment.fulfillmentId, input.revision);
    const { body, contentType } = fileBody(message, 'json');
    await putObject(files, key, body, contentType);
    return { via: 'file', delivery: 'sent', key };
  }
  return { via: 'sqs', delivery: await sendToQueue(deps, fulfillment.supplierId, message) };
}

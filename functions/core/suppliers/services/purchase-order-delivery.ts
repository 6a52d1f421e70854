/**
 * Publishing a fulfillment's purchase order: the packing slip PDF (pdf-lib, packing-slip.ts) and the
 * purchase-order file or PURCHASE_ORDER message. Apart from supplier-outbound.ts (the directory,
 * cancellations, the plain senders) so that only the Dispatch bundle carries pdf-lib.
 */
import type { Channel } from '../../orders/domain/channel';
import type { WorkflowOrder } from '../../orders/domain/order';
import type { FulfillmentDocuments } from '../../workflow/domain/fulfillment-status';
import type { FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import type { TaskLogger } from '../../workflow/services/workflow-common';
import { slipBranding } from '../domain/packing-slip';
import type { Supplier } from '../domain/supplier';
import { outboxKeys } from '../schemas/supplier-files';
import { packingSlipPdf } from './packing-slip';
import { fileBody, formatOf, purchaseOrderMessage, putObject, sendToQueue, type OutboundDeps } from './supplier-outbound';

export interface PurchaseOrderDelivery {
  readonly delivery: 'sent' | 'no-channel';
  readonly via: 'sqs' | 'file';
  /** What was published in the supplier's outbox (empty without the files bucket). */
  readonly documents: FulfillmentDocuments;
}

/**
 * Publish the purchase order of a fulfillment: the packing slip first (its key goes into the order),
 * then the purchase-order file (`file` suppliers) or the PURCHASE_ORDER message (everyone else).
 * Idempotent: the same fulfillment and `issuedAt` give the same keys and the same content.
 */
export async function deliverPurchaseOrder(
  deps: OutboundDeps & { readonly logger?: Pick<TaskLogger, 'warn'> | undefined },
  input: {
    readonly order: WorkflowOrder;
    readonly fulfillment: FulfillmentRecord;
    readonly supplier: Supplier | undefined;
    readonly channel: Channel | undefined;
    readonly issuedAt: Date;
  },
): Promise<PurchaseOrderDelivery> {
  const { order, fulfillment, supplier, channel, issuedAt } = input;
  const files = deps.files;
  if (files === undefined) {
    const delivery = await sendToQueue(deps, fulfillment.supplierId, purchaseOrderMessage(order, fulfillment, supplier, channel, issuedAt));
    return { delivery, via: 'sqs', documents: {} };
  }

  const packingSlipKey = outboxKeys.packingSlip(fulfillment.supplierId, fulfillment.fulfillmentId);
  const titles = new Map(order.lines.map((l) => [l.lineNo, l.title]));
  const pdf = await packingSlipPdf(
    {
      orderRef: order.externalOrderName ?? order.externalOrderId,
      fulfillmentId: fulfillment.fulfillmentId,
      issuedAt: issuedAt.toISOString(),
      shipTo: order.shippingAddress,
      shippingMethod: fulfillment.shippingMethod.name,
      lines: fulfillment.purchaseLines.map((l) => ({ supplierSku: l.supplierSku, title: l.title ?? titles.get(l.lineNo) ?? l.sku, quantity: l.quantity })),
      branding: slipBranding(supplier, channel, files.bucket),
    },
    { s3: files.s3, logger: deps.logger },
  );
  await putObject(files, packingSlipKey, pdf, 'application/pdf');

  const message = purchaseOrderMessage(order, fulfillment, supplier, channel, issuedAt, { packingSlipKey });
  if (supplier?.channel === 'file') {
    const format = formatOf(supplier);
    const purchaseOrderKey = outboxKeys.purchaseOrder(fulfillment.supplierId, fulfillment.fulfillmentId, format);
    const { body, contentType } = fileBody(message, format);
    await putObject(files, purchaseOrderKey, body, contentType);
    return { delivery: 'sent', via: 'file', documents: { packingSlipKey, purchaseOrderKey } };
  }
  const delivery = await sendToQueue(deps, fulfillment.supplierId, message);
  return { delivery, via: 'sqs', documents: { packingSlipKey } };
}

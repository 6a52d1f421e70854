/**
 * The supplier directory (SUPPLIER_QUEUES, written by CDK) and the outbound messages the platform
 * sends to a supplier's queue: PURCHASE_ORDER and CANCELLATION (schemas/supplier-messages.ts).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { jsonEnv } from '../config';
import type { Address, Channel, Supplier, WorkflowOrder } from '../domain/types';
import { CancellationMessage, PurchaseOrderMessage, type SupplierOutboundMessage } from '../schemas/supplier-messages';
import type { FulfillmentRecord } from '../store/fulfillments';

export const SupplierQueueConfig = z.object({
  supplierId: z.string().min(1),
  inboundQueueArn: z.string().min(1),
  inboundQueueUrl: z.string().min(1),
  outboundQueueUrl: z.string().min(1),
  /** Where the consumer moves poison inbound messages (with errorCode / errorMessage attributes). */
  inboundDlqUrl: z.string().min(1).optional(),
});
export type SupplierQueueConfig = z.output<typeof SupplierQueueConfig>;

export class SupplierDirectory {
  private readonly bySupplier = new Map<string, SupplierQueueConfig>();
  private readonly byInboundArn = new Map<string, SupplierQueueConfig>();

  constructor(readonly entries: readonly SupplierQueueConfig[]) {
    for (const entry of entries) {
      if (this.bySupplier.has(entry.supplierId)) throw new Error(`Duplicate supplier ${entry.supplierId} in SUPPLIER_QUEUES`);
      this.bySupplier.set(entry.supplierId, entry);
      this.byInboundArn.set(entry.inboundQueueArn, entry);
    }
  }

  bySupplierId(supplierId: string): SupplierQueueConfig | undefined {
    return this.bySupplier.get(supplierId);
  }

  /** The supplier an inbound message belongs to: decided by the queue it arrived on, never by its content. */
  byInboundQueueArn(arn: string): SupplierQueueConfig | undefined {
    return this.byInboundArn.get(arn);
  }
}

export function loadSupplierDirectory(env: NodeJS.ProcessEnv = process.env): SupplierDirectory {
  return jsonEnv('SUPPLIER_QUEUES', (value) => new SupplierDirectory(z.array(SupplierQueueConfig).parse(value)), env);
}

function shipTo(address: Address): PurchaseOrderMessage['shipTo'] {
  return {
    name: address.name,
    company: address.company,
    line1: address.line1,
    line2: address.line2,
    city: address.city,
    region: address.region,
    postcode: address.postcode,
    country: address.country,
    phone: address.phone,
  };
}

export function purchaseOrderMessage(
  order: WorkflowOrder,
  fulfillment: FulfillmentRecord,
  supplier: Pick<Supplier, 'blindShipping'> | undefined,
  channel: Pick<Channel, 'branding'> | undefined,
  issuedAt: Date,
): PurchaseOrderMessage {
  const branding = channel?.branding;
  const acceptBy = new Date(issuedAt.getTime() + fulfillment.acceptanceSlaMinutes * 60_000).toISOString();
  return PurchaseOrderMessage.parse({
    type: 'PURCHASE_ORDER',
    messageId: `po-${fulfillment.fulfillmentId}`,
    fulfillmentId: fulfillment.fulfillmentId,
    orderRef: order.externalOrderName ?? order.externalOrderId,
    issuedAt: issuedAt.toISOString(),
    acceptBy,
    lines: fulfillment.purchaseLines.map((l) => ({ lineNo: l.lineNo, supplierSku: l.supplierSku, quantity: l.quantity, title: l.title })),
    shipTo: shipTo(order.shippingAddress),
    shippingMethod: { code: fulfillment.shippingMethod.code, name: fulfillment.shippingMethod.name },
    shipBy: fulfillment.promise.shipBy,
    deliverBy: fulfillment.promise.deliverBy,
    ...(supplier?.blindShipping === true && branding !== undefined
      ? { packingSlip: { blind: true, displayName: branding.displayName, logoUrl: branding.logoUrl, returnInstructions: branding.returnInstructions } }
      : {}),
  });
}

export function cancellationMessage(fulfillmentId: string, reason: string, issuedAt: Date): CancellationMessage {
  return CancellationMessage.parse({
    type: 'CANCELLATION',
    messageId: `cancel-${fulfillmentId}`,
    fulfillmentId,
    issuedAt: issuedAt.toISOString(),
    reason,
  });
}

export interface OutboundDeps {
  readonly sqs: SQSClient;
  readonly suppliers: SupplierDirectory;
}

/** Send to the supplier's outbound queue; 'no-channel' when the supplier has no queue configured. */
export async function sendToSupplier(deps: OutboundDeps, supplierId: string, message: SupplierOutboundMessage): Promise<'sent' | 'no-channel'> {
  const queue = deps.suppliers.bySupplierId(supplierId);
  if (queue === undefined) return 'no-channel';
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: queue.outboundQueueUrl,
      MessageBody: JSON.stringify(message),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: message.type },
        fulfillmentId: { DataType: 'String', StringValue: message.fulfillmentId },
      },
    }),
  );
  return 'sent';
}

/** Fulfillment statuses and the documents published for a fulfillment. Pure types. */
export const FULFILLMENT_STATUSES = [
  'PENDING',
  'DISPATCHED',
  'ACCEPTED',
  'REJECTED',
  'SHIPPED',
  'IN_TRANSIT',
  'DELIVERED',
  'EXCEPTION',
  'CANCELLED',
] as const;
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

/** Documents published for a fulfillment in the supplier's outbox (S3 keys in the supplier files bucket). */
export interface FulfillmentDocuments {
  readonly packingSlipKey?: string | undefined;
  readonly purchaseOrderKey?: string | undefined;
  readonly cancellationKey?: string | undefined;
}

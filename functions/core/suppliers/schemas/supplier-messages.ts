/**
 * The supplier channel's message contracts (SQS, JSON bodies). Single source of truth: the inbound
 * consumer parses with these schemas and docs/supplier-messages.md is generated from them
 * (`npm run openapi`). Suppliers only ever see fulfillment ids, never task tokens or order internals.
 */
import * as z from 'zod';
import { InventoryUpdateMessage } from '../../inventory/schemas/inventory';
import { REJECT_REASONS } from '../../workflow/domain/fulfillment';
import { FULFILLMENT_ID_PATTERN } from '../../workflow/domain/fulfillment-record';
import { RETURN_CONDITIONS, RETURN_ID_PATTERN, RETURN_REASONS, RETURN_REJECT_REASONS } from '../../returns/domain/returns';

/** Rejection reasons a supplier may send (Shopify fulfillment-order reasons; TIMED_OUT is the platform's own). */
export const SUPPLIER_REJECT_REASONS = REJECT_REASONS.filter((r) => r !== 'TIMED_OUT') as readonly Exclude<(typeof REJECT_REASONS)[number], 'TIMED_OUT'>[];

export const TRACKING_EVENTS = [
  'LABEL_CREATED',
  'CARRIER_PICKED_UP',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'DELAYED',
  'ATTEMPTED_DELIVERY',
  'DELIVERED',
  'FAILURE',
  'EXCEPTION',
  'LOST',
  'RETURNED_TO_SENDER',
  // issue 15: delivery exceptions (the parcel waits at a pickup point; it is on its way back)
  'READY_FOR_PICKUP',
  'RETURNING_TO_SENDER',
] as const;

const MessageId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces')
  .meta({ description: 'Unique per supplier: a message id seen before is acknowledged and not applied again (kept 14 days)', examples: ['msg-000123'] });
const FulfillmentRef = z
  .string()
  .regex(FULFILLMENT_ID_PATTERN, 'must be a fulfillment id from a PURCHASE_ORDER')
  .meta({ description: 'The `fulfillmentId` of the PURCHASE_ORDER', examples: ['ful_3q9x0c1m2k4v6b8n0p2r4t6w8y_01'] });
const Instant = z.iso
  .datetime({ offset: true })
  .meta({ description: 'When it happened at the supplier / carrier (ISO 8601 with time zone)', examples: ['2026-11-25T10:15:00Z'] });
const IsoDate = z.iso.date().meta({ examples: ['2026-11-27'] });
const TrackingNumber = z
  .string()
  .trim()
  .min(4)
  .max(64)
  .meta({ description: 'Carrier tracking number; validated for the carrier (format and check digit); a plausible number of a format no rule knows is accepted and flagged UNVERIFIED_TRACKING for operators', examples: ['1Z999AA10123456784'] });
const Carrier = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .meta({ description: 'Carrier name as free text (UPS, USPS, FedEx, DHL Express, DHL eCommerce, Amazon, DPD, GLS, Evri, PostNL, Royal Mail, Canada Post, Australia Post, China Post/EMS, Cainiao, YunExpress, 4PX, Yanwen, or any national post using UPU S10 numbers; see docs/domain-rules.md). An unknown carrier is accepted unverified.', examples: ['UPS'] });

const LineRefShape = {
  lineNo: z.int().min(1).optional().meta({ description: 'Line number from the PURCHASE_ORDER' }),
  supplierSku: z.string().min(1).max(64).optional().meta({ description: 'Your SKU (alternative to lineNo)' }),
};
function hasLineRef(line: { lineNo?: number | undefined; supplierSku?: string | undefined }): boolean {
  return line.lineNo !== undefined || line.supplierSku !== undefined;
}
const LINE_REF_MESSAGE = { message: 'must name the line by lineNo or supplierSku', path: ['lineNo'] };

export const ShippedLine = z.strictObject({ ...LineRefShape, quantity: z.int().min(1).max(9999) }).refine(hasLineRef, LINE_REF_MESSAGE);
export const RejectedLine = z
  .strictObject({
    ...LineRefShape,
    reason: z.enum(SUPPLIER_REJECT_REASONS),
    message: z.string().max(500).optional().meta({ description: 'Free text for the retailer (no customer data)' }),
  })
  .refine(hasLineRef, LINE_REF_MESSAGE);

const Base = {
  messageId: MessageId,
  fulfillmentId: FulfillmentRef,
  occurredAt: Instant,
};

export const AcceptedMessage = z
  .strictObject({ type: z.literal('ACCEPTED'), ...Base, estimatedShipDate: IsoDate.optional() })
  .meta({ description: 'The supplier accepts the purchase order (within its acceptance SLA).' });

export const RejectedMessage = z
  .strictObject({ type: z.literal('REJECTED'), ...Base, lines: z.array(RejectedLine).min(1).max(100) })
  .meta({ description: 'The supplier rejects the purchase order (or withdraws an acceptance before shipping), with a reason per line. The lines are rerouted to another supplier or cancelled.' });

export const Parcel = z.strictObject({
  trackingNumber: TrackingNumber,
  carrier: Carrier.optional().meta({ description: 'Defaults to the message carrier' }),
  lines: z.array(ShippedLine).min(1).max(100),
});

export const ShippedMessage = z
  .strictObject({
    type: z.literal('SHIPPED'),
    ...Base,
    carrier: Carrier,
    trackingNumber: TrackingNumber.optional().meta({ description: 'One parcel: its tracking number (with `lines`)' }),
    lines: z.array(ShippedLine).min(1).max(100).optional().meta({ description: 'One parcel: what is in it' }),
    parcels: z.array(Parcel).min(1).max(20).optional().meta({ description: 'Several parcels (instead of trackingNumber + lines)' }),
  })
  .refine((m) => (m.parcels !== undefined) !== (m.trackingNumber !== undefined || m.lines !== undefined), {
    message: 'give either trackingNumber with lines, or parcels',
    path: ['parcels'],
  })
  .refine((m) => m.parcels !== undefined || (m.trackingNumber !== undefined && m.lines !== undefined), {
    message: 'trackingNumber and lines go together',
    path: ['trackingNumber'],
  })
  .meta({ description: 'A label was created and goods are packed: a parcel with its tracking number and line quantities. Partial shipments are several SHIPPED messages (or parcels). The fulfillment counts as shipped at the first carrier scan (TRACKING_EVENT), not at the label.' });

export const TrackingEventMessage = z
  .strictObject({
    type: z.literal('TRACKING_EVENT'),
    ...Base,
    trackingNumber: TrackingNumber,
    event: z.enum(TRACKING_EVENTS),
    location: z.string().max(200).optional().meta({ description: 'City / facility, free text', examples: ['Leipzig hub'] }),
    message: z.string().max(500).optional(),
  })
  .meta({ description: 'A carrier scan of a parcel. CARRIER_PICKED_UP / IN_TRANSIT (any scan but LABEL_CREATED) make it shipped.' });

export const DeliveredMessage = z
  .strictObject({
    type: z.literal('DELIVERED'),
    ...Base,
    trackingNumber: TrackingNumber.optional().meta({ description: 'The delivered parcel; omit when the whole fulfillment was delivered' }),
  })
  .meta({ description: 'A parcel (or, without trackingNumber, the whole fulfillment) was delivered.' });

/** Why a supplier refuses a cancellation request. */
export const CANCELLATION_REJECT_REASONS = ['ALREADY_SHIPPED', 'ALREADY_PACKED', 'OTHER'] as const;

const CancellationRequestRef = z
  .string()
  .regex(/^creq-[0-9a-f]{16}$/, 'must be the requestId of a CANCELLATION_REQUESTED')
  .meta({ description: 'The `requestId` of the CANCELLATION_REQUESTED you answer', examples: ['creq-5f0c8e1a9b2d4c6e'] });

export const CancellationAcceptedMessage = z
  .strictObject({ type: z.literal('CANCELLATION_ACCEPTED'), ...Base, requestId: CancellationRequestRef })
  .meta({ description: 'The supplier accepts a cancellation request: the requested units will not ship (the rest of the purchase order, if any, still does).' });

export const CancellationRejectedMessage = z
  .strictObject({
    type: z.literal('CANCELLATION_REJECTED'),
    ...Base,
    requestId: CancellationRequestRef,
    reason: z.enum(CANCELLATION_REJECT_REASONS),
    message: z.string().max(500).optional().meta({ description: 'Free text for the retailer (no customer data)' }),
  })
  .meta({ description: 'The supplier refuses a cancellation request (e.g. the goods already left): the purchase order stands as it was.' });

// ---------------------------------------------------------------- returns (issue 15)

const ReturnRef = z
  .string()
  .regex(RETURN_ID_PATTERN, 'must be the returnId of a RETURN_REQUESTED')
  .meta({ description: 'The `returnId` of the RETURN_REQUESTED you answer', examples: ['ret_3q9x0c1m2k4v6b8n0p2r4t6w8y_5f0c8e1a9b'] });
const ReturnBase = { ...Base, returnId: ReturnRef };
const ReturnAddress = z.strictObject({
  name: z.string().trim().min(1).max(100),
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).optional(),
  city: z.string().trim().min(1).max(100),
  postcode: z.string().trim().min(1).max(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2'),
});

export const ReturnAuthorizedMessage = z
  .strictObject({
    type: z.literal('RETURN_AUTHORIZED'),
    ...ReturnBase,
    rma: z.string().trim().min(1).max(64).meta({ description: 'Your RMA number (printed on the parcel)', examples: ['RMA-48213'] }),
    returnAddress: ReturnAddress.meta({ description: 'Where the customer sends the goods' }),
    instructions: z.string().trim().max(1000).optional().meta({ description: 'Packing / drop-off instructions for the customer' }),
    labelRef: z.string().trim().max(256).optional().meta({ description: 'A prepaid return label: its reference or URL' }),
  })
  .meta({ description: 'The supplier accepts a return: RMA number, return address, instructions or a label.' });

export const ReturnRejectedMessage = z
  .strictObject({
    type: z.literal('RETURN_REJECTED'),
    ...ReturnBase,
    reason: z.enum(RETURN_REJECT_REASONS),
    message: z.string().max(500).optional().meta({ description: 'Free text for the retailer (no customer data)' }),
  })
  .meta({ description: 'The supplier refuses a return; the units can be asked for again in a new return.' });

export const ReturnShippedMessage = z
  .strictObject({ type: z.literal('RETURN_SHIPPED'), ...ReturnBase, carrier: Carrier, trackingNumber: TrackingNumber })
  .meta({ description: 'The return parcel is on its way (validated like shipment tracking numbers).' });

export const ReturnReceivedMessage = z
  .strictObject({
    type: z.literal('RETURN_RECEIVED'),
    ...ReturnBase,
    lines: z
      .array(z.strictObject({ lineNo: z.int().min(1), condition: z.enum(RETURN_CONDITIONS) }))
      .min(1)
      .max(100)
      .meta({ description: 'The condition of every returned line (`missing`: not in the parcel, not refunded)' }),
  })
  .meta({ description: 'The supplier received the return parcel: the refund is computed and requested.' });

export type ReturnMessage =
  | z.output<typeof ReturnAuthorizedMessage>
  | z.output<typeof ReturnRejectedMessage>
  | z.output<typeof ReturnShippedMessage>
  | z.output<typeof ReturnReceivedMessage>;
export const RETURN_MESSAGE_TYPES = ['RETURN_AUTHORIZED', 'RETURN_REJECTED', 'RETURN_SHIPPED', 'RETURN_RECEIVED'] as const;

export const SupplierInboundMessage = z
  .discriminatedUnion('type', [
    AcceptedMessage,
    RejectedMessage,
    ShippedMessage,
    TrackingEventMessage,
    DeliveredMessage,
    CancellationAcceptedMessage,
    CancellationRejectedMessage,
    ReturnAuthorizedMessage,
    ReturnRejectedMessage,
    ReturnShippedMessage,
    ReturnReceivedMessage,
  ])
  .meta({ description: 'A message from a supplier to the platform (its inbound queue).' });
export type SupplierInboundMessage = z.output<typeof SupplierInboundMessage>;
export type CancellationAnswerMessage = z.output<typeof CancellationAcceptedMessage> | z.output<typeof CancellationRejectedMessage>;
export type ShippedMessage = z.output<typeof ShippedMessage>;

/**
 * Everything a supplier's inbound queue carries: the fulfillment messages and INVENTORY_UPDATE, told
 * apart by `type`. The inbound consumer parses a body once with it and dispatches on `type`.
 */
export const SupplierInboundBody = z.discriminatedUnion('type', [SupplierInboundMessage, InventoryUpdateMessage]);
export type SupplierInboundBody = z.output<typeof SupplierInboundBody>;

// ---------------------------------------------------------------- outbound (platform → supplier)

export const PurchaseOrderLine = z.object({
  lineNo: z.int().min(1),
  supplierSku: z.string(),
  quantity: z.int().min(1),
  title: z.string().optional(),
});

export const ShipTo = z.object({
  name: z.string(),
  company: z.string().optional(),
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  region: z.string().optional(),
  postcode: z.string(),
  country: z.string().meta({ description: 'ISO 3166-1 alpha-2' }),
  phone: z.string().optional(),
});

export const PurchaseOrderMessage = z
  .object({
    type: z.literal('PURCHASE_ORDER'),
    messageId: z.string().meta({ description: '`po-{fulfillmentId}`: a re-sent purchase order has the same id (deduplicate on it)' }),
    fulfillmentId: FulfillmentRef,
    orderRef: z.string().meta({ description: "The retailer's order number, for the packing slip" }),
    issuedAt: Instant,
    acceptBy: Instant.meta({ description: 'Accept or reject before this instant, or the lines go to another supplier' }),
    lines: z.array(PurchaseOrderLine).min(1),
    shipTo: ShipTo,
    shippingMethod: z.object({ code: z.string(), name: z.string() }),
    shipBy: IsoDate.meta({ description: 'Hand the parcel to the carrier by this date' }),
    deliverBy: IsoDate.meta({ description: 'Promised delivery date' }),
    packingSlip: z
      .object({
        blind: z.literal(true).meta({ description: 'Ship without your branding (blind / white-label shipping)' }),
        displayName: z.string(),
        logoUrl: z.string().optional(),
        returnInstructions: z.string().optional(),
      })
      .optional()
      .meta({ description: "Present for blind shipping: print the retailer's branding instead of yours" }),
    packingSlipKey: z
      .string()
      .optional()
      .meta({
        description:
          'S3 key of the ready-made packing slip (PDF) in your outbox of the supplier files bucket: print it and put it in the parcel (see docs/supplier-files.md)',
        examples: ['suppliers/nordic-home/outbox/packing-slips/ful_3q9x0c1m2k4v6b8n0p2r4t6w8y_01.pdf'],
      }),
  })
  .meta({ description: 'A purchase order (platform → supplier, the supplier\'s outbound queue).' });
export type PurchaseOrderMessage = z.output<typeof PurchaseOrderMessage>;

export const CancellationMessage = z
  .object({
    type: z.literal('CANCELLATION'),
    messageId: z.string().meta({ description: '`cancel-{fulfillmentId}`' }),
    fulfillmentId: FulfillmentRef,
    issuedAt: Instant,
    reason: z.string().meta({ examples: ['ORDER_CANCELLED', 'SHIP_BY_PASSED'] }),
  })
  .meta({ description: 'Do not ship this fulfillment (platform → supplier). Sent again if you accept or ship a cancelled fulfillment.' });
export type CancellationMessage = z.output<typeof CancellationMessage>;

export const PurchaseOrderAmendedMessage = z
  .object({
    type: z.literal('PURCHASE_ORDER_AMENDED'),
    messageId: z.string().meta({ description: '`po-{fulfillmentId}-r{revision}`: the same amendment sent again has the same id (deduplicate on it)' }),
    fulfillmentId: FulfillmentRef.meta({ description: 'The purchase order (same PO number) this amends' }),
    revision: z.int().min(1).meta({ description: 'Amendment number of this purchase order (1, 2, ...): apply the highest' }),
    issuedAt: Instant,
    changes: z.array(z.enum(['shipTo'])).min(1).meta({ description: 'What changed' }),
    shipTo: ShipTo.meta({ description: 'The new ship-to address: use it instead of the one on the purchase order' }),
  })
  .meta({ description: "A change to a purchase order not yet shipped (platform → supplier): the customer's new ship-to address." });
export type PurchaseOrderAmendedMessage = z.output<typeof PurchaseOrderAmendedMessage>;

export const CancellationRequestedMessage = z
  .object({
    type: z.literal('CANCELLATION_REQUESTED'),
    messageId: z.string().meta({ description: '`{requestId}-{fulfillmentId}`: a re-sent request has the same id' }),
    requestId: CancellationRequestRef.meta({ description: 'Answer with CANCELLATION_ACCEPTED or CANCELLATION_REJECTED naming this id' }),
    fulfillmentId: FulfillmentRef,
    issuedAt: Instant,
    respondBy: Instant.meta({ description: 'Answer before this instant; silence is escalated to the retailer\'s operators' }),
    reason: z.string().meta({ examples: ['CUSTOMER_REQUEST', 'PLATFORM_CANCELLED'] }),
    whole: z.boolean().meta({ description: 'true: every line of the purchase order; false: only the units in `lines` (ship the rest)' }),
    lines: z.array(z.object({ lineNo: z.int().min(1), supplierSku: z.string(), quantity: z.int().min(1) })).min(1),
  })
  .meta({ description: 'Please do not ship these units if they have not left yet (platform → supplier). Answer CANCELLATION_ACCEPTED or CANCELLATION_REJECTED.' });
export type CancellationRequestedMessage = z.output<typeof CancellationRequestedMessage>;

export const ReturnRequestedMessage = z
  .object({
    type: z.literal('RETURN_REQUESTED'),
    messageId: z.string().meta({ description: '`{returnId}`: a re-sent request has the same id' }),
    returnId: ReturnRef.meta({ description: 'Answer with RETURN_AUTHORIZED or RETURN_REJECTED naming this id, then RETURN_SHIPPED / RETURN_RECEIVED' }),
    fulfillmentId: FulfillmentRef,
    issuedAt: Instant,
    respondBy: Instant.meta({ description: 'Authorize or reject before this instant; silence is escalated to the retailer\'s operators' }),
    reason: z.enum(RETURN_REASONS),
    note: z.string().optional().meta({ description: 'The customer\'s words about the problem' }),
    lines: z.array(z.object({ lineNo: z.int().min(1), supplierSku: z.string(), quantity: z.int().min(1) })).min(1),
  })
  .meta({ description: 'A customer wants to return these units (platform → supplier). Answer RETURN_AUTHORIZED or RETURN_REJECTED.' });
export type ReturnRequestedMessage = z.output<typeof ReturnRequestedMessage>;

export const SupplierOutboundMessage = z.discriminatedUnion('type', [
  PurchaseOrderMessage,
  CancellationMessage,
  CancellationRequestedMessage,
  PurchaseOrderAmendedMessage,
  ReturnRequestedMessage,
]);
export type SupplierOutboundMessage = z.output<typeof SupplierOutboundMessage>;

/** errorCode values the consumer puts on messages it moves to the inbound DLQ. */
export const INBOUND_ERROR_CODES = [
  'INVALID_JSON',
  'SCHEMA_INVALID',
  'UNKNOWN_FULFILLMENT',
  'SUPPLIER_MISMATCH',
  'UNKNOWN_LINE',
  'INVALID_TRACKING_NUMBER',
  'INVALID_EVENT',
  'OVER_SHIPPED',
  'TRACKING_CONFLICT',
  'ALREADY_SHIPPED',
  'ACCEPTED_AFTER_CLOSE',
  'GOODS_MOVED_AFTER_CLOSE',
  'UNKNOWN_RETURN',
] as const;
export type InboundErrorCode = (typeof INBOUND_ERROR_CODES)[number];

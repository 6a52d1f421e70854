import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { AcceptedMessage, CancellationAcceptedMessage, CancellationMessage, CancellationRejectedMessage, CancellationRequestedMessage, DeliveredMessage, INBOUND_ERROR_CODES, PurchaseOrderMessage, RejectedMessage, ShippedMessage, SupplierInboundMessage, SupplierOutboundMessage, TrackingEventMessage } from '../../functions/core/suppliers/schemas/supplier-messages';
import { InventoryUpdateMessage, MAX_INVENTORY_MESSAGE_ROWS } from '../../functions/core/inventory/schemas/inventory';
import { jsonSchemaOf, messageSection } from './markdown';

// ---------------------------------------------------------------------------------------------
// docs/supplier-messages.md: the supplier channel contract, from functions/core/suppliers/schemas/supplier-messages.ts
// (fulfillment messages) and functions/core/inventory/schemas/inventory.ts (INVENTORY_UPDATE)
// ---------------------------------------------------------------------------------------------

export const SUPPLIER_MESSAGES_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'supplier-messages.md');

const EXAMPLE_FULFILLMENT = 'ful_3q9x0c1m2k4v6b8n0p2r4t6w8y_01';

/** One example per message, checked against its schema by test/unit/docs/supplier-messages.test.ts. */
export const SUPPLIER_MESSAGE_EXAMPLES: ReadonlyArray<{ readonly title: string; readonly schema: z.ZodType; readonly example: Record<string, unknown> }> = [
  {
    title: 'ACCEPTED',
    schema: AcceptedMessage,
    example: { type: 'ACCEPTED', messageId: 'nh-20261125-0001', fulfillmentId: EXAMPLE_FULFILLMENT, occurredAt: '2026-11-25T10:05:00Z', estimatedShipDate: '2026-11-26' },
  },
  {
    title: 'REJECTED',
    schema: RejectedMessage,
    example: {
      type: 'REJECTED',
      messageId: 'nh-20261125-0002',
      fulfillmentId: EXAMPLE_FULFILLMENT,
      occurredAt: '2026-11-25T10:06:00Z',
      lines: [{ supplierSku: 'NH-TS-0101-M', reason: 'OUT_OF_STOCK', message: 'Back in stock in December' }],
    },
  },
  {
    title: 'SHIPPED (one parcel)',
    schema: ShippedMessage,
    example: {
      type: 'SHIPPED',
      messageId: 'nh-20261126-0003',
      fulfillmentId: EXAMPLE_FULFILLMENT,
      occurredAt: '2026-11-26T15:30:00Z',
      carrier: 'UPS',
      trackingNumber: '1Z5R89390357567127',
      lines: [{ lineNo: 1, quantity: 2 }],
    },
  },
  {
    title: 'SHIPPED (several parcels)',
    schema: ShippedMessage,
    example: {
      type: 'SHIPPED',
      messageId: 'nh-20261126-0004',
      fulfillmentId: EXAMPLE_FULFILLMENT,
      occurredAt: '2026-11-26T15:30:00Z',
      carrier: 'UPS',
      parcels: [
        { trackingNumber: '1Z5R89390357567127', lines: [{ lineNo: 1, quantity: 2 }] },
        { trackingNumber: '1Z879E930346834440', lines: [{ supplierSku: 'NH-MG-2201', quantity: 1 }] },
      ],
    },
  },
  {
    title: 'TRACKING_EVENT',
    schema: TrackingEventMessage,
    example: {
      type: 'TRACKING_EVENT',
      messageId: 'nh-20261126-0005',
      fulfillmentId: EXAMPLE_FULFILLMENT,
      occurredAt: '2026-11-26T18:02:00Z',
      trackingNumber: '1Z5R89390357567127',
      event: 'CARRIER_PICKED_UP',
      location: 'Hamburg depot',
    },
  },
  {
    title: 'DELIVERED',
    schema: DeliveredMessage,
    example: { type: 'DELIVERED', messageId: 'nh-20261130-0006', fulfillmentId: EXAMPLE_FULFILLMENT, occurredAt: '2026-11-30T11:45:00Z', trackingNumber: '1Z5R89390357567127' },
  },
  {
    title: 'INVENTORY_UPDATE',
    schema: InventoryUpdateMessage,
    example: {
      type: 'INVENTORY_UPDATE',
      messageId: 'nh-inv-20261125-0900',
      sentAt: '2026-11-25T09:00:00Z',
      rows: [
        { supplierSku: 'NH-TS-0101-M', quantity: 4200, cost: '9.80' },
        { supplierSku: 'NH-MG-2201', quantity: 0 },
        { sku: 'NH-BL-9001', quantity: 25, map: '79.90', discontinued: false },
        { supplierSku: 'NH-LP-3100', quantity: 0, discontinued: true },
      ],
    },
  },
  {
    title: 'PURCHASE_ORDER',
    schema: PurchaseOrderMessage,
    example: {
      type: 'PURCHASE_ORDER',
      messageId: `po-${EXAMPLE_FULFILLMENT}`,
      fulfillmentId: EXAMPLE_FULFILLMENT,
      orderRef: '#1001',
      issuedAt: '2026-11-25T10:00:02Z',
      acceptBy: '2026-11-25T11:00:02Z',
      lines: [{ lineNo: 1, supplierSku: 'NH-TS-0101-M', quantity: 2, title: 'Organic cotton T-shirt, black, M' }],
      shipTo: { name: 'Ada Example', line1: 'Invalidenstrasse 1', city: 'Berlin', postcode: '10115', country: 'DE' },
      shippingMethod: { code: 'STANDARD', name: 'DHL Paket' },
      shipBy: '2026-11-26',
      deliverBy: '2026-12-02',
      packingSlip: { blind: true, displayName: 'Northwind Goods', returnInstructions: 'Returns within 30 days.' },
    },
  },
  {
    title: 'CANCELLATION',
    schema: CancellationMessage,
    example: { type: 'CANCELLATION', messageId: `cancel-${EXAMPLE_FULFILLMENT}`, fulfillmentId: EXAMPLE_FULFILLMENT, issuedAt: '2026-11-28T00:00:05Z', reason: 'SHIP_BY_PASSED' },
  },
  {
    title: 'CANCELLATION_REQUESTED',
    schema: CancellationRequestedMessage,
    example: {
      type: 'CANCELLATION_REQUESTED',
      messageId: `creq-5f0c8e1a9b2d4c6e-${EXAMPLE_FULFILLMENT}`,
      requestId: 'creq-5f0c8e1a9b2d4c6e',
      fulfillmentId: EXAMPLE_FULFILLMENT,
      issuedAt: '2026-11-25T10:20:00Z',
      respondBy: '2026-11-27T10:20:00Z',
      reason: 'CUSTOMER_REQUEST',
      whole: false,
      lines: [{ lineNo: 1, supplierSku: 'NH-TS-0101-M', quantity: 1 }],
    },
  },
  {
    title: 'CANCELLATION_ACCEPTED',
    schema: CancellationAcceptedMessage,
    example: { type: 'CANCELLATION_ACCEPTED', messageId: 'nh-20261125-0009', fulfillmentId: EXAMPLE_FULFILLMENT, occurredAt: '2026-11-25T10:30:00Z', requestId: 'creq-5f0c8e1a9b2d4c6e' },
  },
  {
    title: 'CANCELLATION_REJECTED',
    schema: CancellationRejectedMessage,
    example: {
      type: 'CANCELLATION_REJECTED',
      messageId: 'nh-20261125-0010',
      fulfillmentId: EXAMPLE_FULFILLMENT,
      occurredAt: '2026-11-25T10:30:00Z',
      requestId: 'creq-5f0c8e1a9b2d4c6e',
      reason: 'ALREADY_SHIPPED',
      message: 'Handed to DHL at 10:10',
    },
  },
];
const ERROR_CODE_MEANINGS: Readonly<Record<(typeof INBOUND_ERROR_CODES)[number], string>> = {
  INVALID_JSON: 'The body is not JSON.',
  SCHEMA_INVALID: 'The body does not match the message schema (errorMessage lists the field paths).',
  UNKNOWN_FULFILLMENT: 'No fulfillment has this id.',
  SUPPLIER_MISMATCH: 'The fulfillment belongs to another supplier (you can only act on your own purchase orders).',
  UNKNOWN_LINE: 'A line named by lineNo / supplierSku is not in the purchase order (or the SKU is on several lines: use lineNo).',
  INVALID_TRACKING_NUMBER: 'The tracking number is not valid for the carrier (format or check digit), or the carrier is not one the platform can verify.',
  INVALID_EVENT: 'The event is malformed (e.g. an empty tracking number).',
  OVER_SHIPPED: 'More units declared shipped than the fulfillment holds.',
  TRACKING_CONFLICT: 'This tracking number was already reported with other lines or another carrier.',
  ALREADY_SHIPPED: 'A rejection after goods were shipped.',
  ACCEPTED_AFTER_CLOSE: 'An acceptance of a fulfillment the platform cancelled or that was rejected: the CANCELLATION is sent again.',
  GOODS_MOVED_AFTER_CLOSE: 'A shipment or scan on a cancelled / rejected fulfillment.',
};

// Long: one markdown document template.
export function renderSupplierMessages(): string {
  const inbound = SUPPLIER_MESSAGE_EXAMPLES.filter((e) => !['PURCHASE_ORDER', 'CANCELLATION', 'CANCELLATION_REQUESTED', 'INVENTORY_UPDATE'].includes(e.title));
  const inventory = SUPPLIER_MESSAGE_EXAMPLES.filter((e) => e.title === 'INVENTORY_UPDATE');
  const outbound = SUPPLIER_MESSAGE_EXAMPLES.filter((e) => ['PURCHASE_ORDER', 'CANCELLATION', 'CANCELLATION_REQUESTED'].includes(e.title));
  const schemaBlock = (title: string, schema: z.ZodType, io: 'input' | 'output') =>
    [`### ${title}`, '', '```json', JSON.stringify(jsonSchemaOf(schema, io), null, 2), '```', ''].join('\n');
  return [
    '# Supplier messages (SQS)',
    '',
    '<!-- Generated from functions/core/suppliers/schemas/supplier-messages.ts and inventory.ts by `npm run openapi`; do not edit by hand. -->',
    '',
    'How a supplier exchanges purchase orders, acceptances, shipments, tracking and stock with the pipeline.',
    'Suppliers that exchange files instead: [supplier-files.md](supplier-files.md) (the same rules, as CSV / JSON files).',
    '',
    '## Transport',
    '',
    '- Every supplier has two SQS queues (SSE, TLS only), each with a dead-letter queue:',
    '  - **outbound** (platform → supplier): `PURCHASE_ORDER`, `CANCELLATION` and `CANCELLATION_REQUESTED`. Receive, process, delete.',
    '  - **inbound** (supplier → platform): `ACCEPTED`, `REJECTED`, `SHIPPED`, `TRACKING_EVENT`, `DELIVERED`,',
    '    `CANCELLATION_ACCEPTED`, `CANCELLATION_REJECTED`, and',
    '    `INVENTORY_UPDATE` (stock rows, for suppliers with an API instead of inventory feed files).',
    '- Access: an IAM role in the retailer\'s account that the supplier\'s AWS account assumes (optionally with an external id),',
    '  allowed only `sqs:SendMessage` on its inbound queue and `sqs:ReceiveMessage` / `DeleteMessage` /',
    '  `ChangeMessageVisibility` on its outbound queue.',
    '- Bodies are UTF-8 JSON, one message per SQS message. Unknown fields are refused (`SCHEMA_INVALID`).',
    '',
    '## Rules',
    '',
    '- **Isolation.** The platform knows the supplier from the queue a message arrives on, never from its content.',
    '  A message about another supplier\'s fulfillment is refused (`SUPPLIER_MISMATCH`) and never applied.',
    '- **Once.** `messageId` must be unique per supplier; a message id applied before (14 days) is acknowledged',
    '  and not applied again, `INVENTORY_UPDATE` included (a late duplicate never brings older stock back).',
    '  Re-sending after a timeout is safe.',
    '- **Any order.** Messages may arrive out of order or twice: nothing moves a fulfillment backwards (a scan',
    '  older than the delivery changes nothing; a scan before `SHIPPED` creates the parcel, `SHIPPED` fills in its',
    '  lines). Use the real `occurredAt`: between contradicting answers (accept / reject) time decides.',
    '- **Acceptance.** Answer every `PURCHASE_ORDER` with `ACCEPTED` or `REJECTED` before its `acceptBy`: silence',
    '  counts as a rejection (`TIMED_OUT`) and the lines go to another supplier. `REJECTED` after `ACCEPTED` (before',
    '  shipping) withdraws the acceptance.',
    '- **Shipped means scanned.** `SHIPPED` reports a label and what is in the parcel; the fulfillment counts as',
    '  shipped at the parcel\'s first carrier scan (`TRACKING_EVENT` other than `LABEL_CREATED`). Ship by `shipBy`:',
    '  after it the order shows an exception, and after a grace period the fulfillment is cancelled.',
    '- **Partial shipments** are several `SHIPPED` messages (or one with several `parcels`); line quantities can',
    '  never exceed the purchase order\'s. Several tracking numbers per fulfillment are kept.',
    '- **Tracking numbers** are checked for the carrier (format and check digit). Supported carriers: UPS, USPS,',
    '  FedEx, DHL (Express), Amazon Logistics, OnTrac, and national posts with UPU S10 numbers (Royal Mail, La',
    '  Poste, Deutsche Post, ...).',
    '- **Purchase orders** carry the customer\'s shipping address: keep it only as long as the shipment needs it.',
    '- **Cancellation requests** (Shopify\'s fulfillment-order protocol). A customer or the storefront cancels after',
    '  you received the purchase order: `CANCELLATION_REQUESTED` names the units (`whole`: all of them). Answer before',
    '  `respondBy` with `CANCELLATION_ACCEPTED` (do not ship those units; ship the rest of a partial one) or',
    '  `CANCELLATION_REJECTED` with a reason (e.g. `ALREADY_SHIPPED`: the order goes on). Silence is escalated to the',
    '  retailer\'s operators. `CANCELLATION` (no question) is different: the platform has cancelled, do not ship.',
    '  A re-sent purchase order has the same `messageId` (`po-{fulfillmentId}`): deduplicate on it.',
    '',
    '## Messages the platform refuses',
    '',
    'A message that cannot be applied and never will be is moved to the supplier\'s inbound dead-letter queue with',
    'the message attributes `errorCode`, `errorMessage`, `supplierId` and `sourceMessageId`, and is not retried.',
    'Anything a retry can fix (throttling, a dependency briefly unavailable) is retried by SQS (up to 5 receives).',
    '',
    '| errorCode | meaning |',
    '|---|---|',
    ...INBOUND_ERROR_CODES.map((code) => `| \`${code}\` | ${ERROR_CODE_MEANINGS[code]} |`),
    '',
    '## Supplier → platform (inbound queue)',
    '',
    'Every message has `type`, `messageId`, `fulfillmentId` and `occurredAt`.',
    '',
    ...inbound.map((e) => messageSection(e.title, e.schema, e.example, 'input')),
    '## Stock (inbound queue)',
    '',
    `The rows of an inventory feed file ([supplier-files.md](supplier-files.md#inventory-feed-inboxinventory)), sent as a message: at most ${MAX_INVENTORY_MESSAGE_ROWS} rows per message, one row per SKU`,
    '(a SKU listed twice: the last row wins). Applied by the same service as feed files: only rows that change',
    'stock, cost, MAP, the discontinued flag or the currency are written; a SKU the retailer does not sell from you',
    'is ignored; stock below what open orders hold never makes availability negative (operators see the',
    'shortfall). `complete: true` says the rows are your whole catalog: it counts as a feed for your feed',
    'freshness SLA (without any message or file within the SLA your SKUs stop being sold). The message is taken',
    'whole or not at all: one invalid row sends it to the dead-letter queue (`SCHEMA_INVALID`, `errorMessage`',
    'names the rows, e.g. `rows.2.quantity`). Rows are applied when the message arrives, not in `sentAt` order: a',
    'standard queue can deliver two messages out of order, so keep updates of one SKU a few seconds apart, and a',
    'periodic complete snapshot corrects any drift.',
    '',
    ...inventory.map((e) => messageSection(e.title, e.schema, e.example, 'input')),
    '## Platform → supplier (outbound queue)',
    '',
    'Each SQS message also carries the message attributes `type` and `fulfillmentId`.',
    '',
    ...outbound.map((e) => messageSection(e.title, e.schema, e.example, 'output')),
    '## JSON Schema',
    '',
    'The same contracts as JSON Schema (draft 2020-12), for validators and code generators.',
    '',
    schemaBlock('Inbound (supplier → platform)', SupplierInboundMessage, 'input'),
    schemaBlock('Inbound stock (supplier → platform): INVENTORY_UPDATE', InventoryUpdateMessage, 'input'),
    schemaBlock('Outbound (platform → supplier)', SupplierOutboundMessage, 'output'),
  ].join('\n');
}

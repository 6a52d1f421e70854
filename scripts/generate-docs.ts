/**
 * Generates docs/openapi.json (OpenAPI 3.1) and docs/supplier-messages.md (the supplier channel contract,
 * fulfillment messages and INVENTORY_UPDATE) from the zod schemas in functions/core/schemas (the single
 * source of truth) with zod's native
 * z.toJSONSchema: `npm run openapi`. test/unit/docs/openapi.test.ts and supplier-messages.test.ts
 * regenerate them in memory and fail when a committed file is stale; the OpenAPI test also fails when a
 * route of the synthesized template (storefront or ops API) is missing here, or documented but not deployed.
 *
 * Two REST APIs, one document: the storefront API (top-level `servers`, tags Orders and Webhooks) and the
 * ops API (its own `servers` on each /ops path, tag Ops, security scheme OpsApiKey: its key is valid on
 * the ops API only).
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { MAX_BODY_BYTES } from '../functions/core/runtime/http';
import {
  AddressInput,
  Address,
  CreateOrderRequest,
  ErrorResponse,
  Issue,
  Order,
  OrderFlag,
  OrderLine,
  OrderView,
  ShopifyId,
  ShopifyOrderWebhook,
  TimelineEntry,
  WebhookAck,
} from '../functions/core/orders/schemas';
import {
  ApproveHoldRequest,
  ExceptionEntry,
  ExceptionsQuery,
  ExceptionsResponse,
  HoldDecisionResponse,
  RejectHoldRequest,
  UpdatePaymentRequest,
  UpdatePaymentResponse,
} from '../functions/core/workflow/schemas/ops';
import {
  AcceptedMessage,
  CancellationMessage,
  DeliveredMessage,
  INBOUND_ERROR_CODES,
  PurchaseOrderMessage,
  RejectedMessage,
  ShippedMessage,
  SupplierInboundMessage,
  SupplierOutboundMessage,
  TrackingEventMessage,
} from '../functions/core/suppliers/schemas/supplier-messages';
import { InventoryUpdateMessage, MAX_INVENTORY_MESSAGE_ROWS } from '../functions/core/inventory/schemas/inventory';
import {
  AvailabilityQuery,
  AvailabilityRequest,
  AvailabilityResponse,
  CartAvailabilityResponse,
  MAX_AVAILABILITY_ITEMS,
} from '../functions/core/inventory/schemas/availability';
import { API_STAGE_NAME } from '../lib/constructs/storefront-api';

export const OPENAPI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'openapi.json');

type JsonObject = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Component schemas for one direction (request bodies are documented as input, responses as output). */
function components(entries: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => {
      // Shopify ids are 64-bit JSON integers on the wire (parsed losslessly), not "string or safe integer".
      if ((ctx.zodSchema as unknown) === ShopifyId) {
        const description = ctx.jsonSchema.description;
        for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonObject)[key];
        Object.assign(ctx.jsonSchema, { type: 'integer', format: 'int64', minimum: 0, description, examples: [450789469] });
      }
    },
  });
  const out: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as JsonObject;
    out[id] = rest;
  }
  return out;
}

const json = (schema: JsonObject) => ({ 'application/json': { schema } });

function errorResponses(statuses: Record<number, string>): Record<string, JsonObject> {
  const responses: Record<string, JsonObject> = {};
  for (const [status, description] of Object.entries(statuses)) {
    responses[status] = { description, content: json(ref('ErrorResponse')) };
  }
  return responses;
}

const API_ERRORS = {
  403: 'API key missing or invalid (answered by API Gateway as `{"message":"Forbidden"}`), key not mapped to a channel, or `channel` in the body is not the key\'s channel',
  429: 'Usage plan throttle or quota exceeded (answered by API Gateway)',
  500: 'Unexpected failure: generic `{ "error": "Internal error" }`; the detail is only in the logs',
};

const webhookHeaders = (shopDomainRequired: boolean) => [
  {
    name: 'X-Shopify-Hmac-Sha256',
    in: 'header',
    required: true,
    description: 'base64(HMAC-SHA256(channel webhook secret, raw request body)); compared in constant time',
    schema: { type: 'string' },
  },
  {
    name: 'X-Shopify-Webhook-Id',
    in: 'header',
    required: true,
    description: 'Delivery id; a repeated id is acknowledged with 200 `duplicate` and nothing is written twice (kept 7 days)',
    schema: { type: 'string', maxLength: 128 },
  },
  { name: 'X-Shopify-Topic', in: 'header', required: false, schema: { type: 'string', examples: ['orders/create'] } },
  {
    name: 'X-Shopify-Shop-Domain',
    in: 'header',
    required: shopDomainRequired,
    description: shopDomainRequired ? 'Selects the channel (its configured shopDomain)' : 'Ignored on this route (the path names the channel)',
    schema: { type: 'string', examples: ['dropship-demo.myshopify.com'] },
  },
];

const webhookResponses = (unknownChannel: JsonObject) => ({
  '200': { description: 'Duplicate: this delivery id, or this Shopify order, was already received', content: json(ref('WebhookAck')) },
  '201': { description: 'Order created; business problems are listed in `flags`', content: json(ref('WebhookAck')) },
  '202': { description: 'Authentic but cannot be mapped to an order (e.g. no shipping address): kept for operators', content: json(ref('WebhookAck')) },
  ...errorResponses({
    400: 'Authentic body that is not valid JSON, or missing X-Shopify-Webhook-Id',
    401: 'Missing or wrong signature (nothing is read or written)',
    413: `Body larger than ${MAX_BODY_BYTES} bytes`,
    500: API_ERRORS[500],
  }),
  ...unknownChannel,
});

const ORDER_ID_PATTERN_TEXT = '^ord_[0-9a-hjkmnp-tv-z]{26}$';
const orderIdParameter = { name: 'orderId', in: 'path', required: true, schema: { type: 'string', pattern: ORDER_ID_PATTERN_TEXT } };

/** The stage name is part of every URL (`/v1/orders`); local runtime URLs have none. */
const STOREFRONT_SERVERS = [
  {
    url: `https://{restApiId}.execute-api.{region}.amazonaws.com/${API_STAGE_NAME}`,
    description: 'Storefront API (stack output ApiUrl)',
    variables: { restApiId: { default: 'example' }, region: { default: 'eu-west-1' } },
  },
  { url: 'http://127.0.0.1:{port}', description: 'Local runtime (`npm start`; `apiUrl` in .local/endpoints.json)', variables: { port: { default: '3000' } } },
];
const OPS_SERVERS = [
  {
    url: `https://{opsRestApiId}.execute-api.{region}.amazonaws.com/${API_STAGE_NAME}`,
    description: 'Ops API, a REST API of its own (stack output OpsApiUrl)',
    variables: { opsRestApiId: { default: 'example-ops' }, region: { default: 'eu-west-1' } },
  },
  { url: 'http://127.0.0.1:{port}', description: 'Local runtime (`npm start`; `opsApiUrl` in .local/endpoints.json)', variables: { port: { default: '3000' } } },
];

const OPS_ERRORS = {
  403: 'Ops API key missing or invalid (answered by API Gateway: a storefront channel key is not valid on this API), or a key other than the ops key (the handler checks OPS_API_KEY_ID)',
  429: 'Ops usage plan throttle or quota exceeded (answered by API Gateway)',
  500: API_ERRORS[500],
};

/** Query parameters from a zod object schema (its JSON Schema properties, `required` from the schema). */
function queryParameters(schema: z.ZodType): JsonObject[] {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as { properties?: Record<string, JsonObject>; required?: string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: 'query', required: required.has(name), ...(description === undefined ? {} : { description }), schema: rest };
  });
}

function availabilityPaths(): Record<string, JsonObject> {
  const rules =
    'Counted: offers not discontinued, of suppliers ACTIVE with a feed within their freshness SLA (a STALE supplier sells nothing until its next good feed), shipping to the destination country, MAP respected (against `unitPrice`, else the catalog retail price) and in the channel\'s currency. sellableQuantity = max(0, Σ counted (stock − reserved)): never negative, never more than the fresh suppliers hold minus what orders reserved. The supplier, shipping method and delivery window are what routing would choose for an order placed now (same rule order), in business days (cut-off 14:00 UTC). Reads are strongly consistent; nothing is written.';
  return {
    '/availability': {
      get: {
        operationId: 'getAvailability',
        tags: ['Availability'],
        summary: 'Sellable quantity and delivery estimate of one SKU for a destination',
        description: rules,
        security: [{ ApiKey: [] }],
        parameters: queryParameters(AvailabilityQuery),
        responses: {
          '200': {
            description: 'Availability (also when nothing can be sold: `available: false` with `reasons`, e.g. UNKNOWN_SKU, FEED_STALE, NO_SHIPPING_ZONE)',
            content: json(ref('AvailabilityResponse')),
          },
          ...errorResponses({
            403: API_ERRORS[403],
            422: 'Query string is invalid: missing `sku` / `country`, unknown country, postcode not valid for the country, `quantity` outside 1-999, a price with more decimals than the currency, an unknown or repeated parameter (one issue per parameter)',
            429: API_ERRORS[429],
            500: API_ERRORS[500],
          }),
        },
      },
      post: {
        operationId: 'checkCartAvailability',
        tags: ['Availability'],
        summary: `Availability of a cart (1-${MAX_AVAILABILITY_ITEMS} items) and the delivery window of the whole cart`,
        description: `${rules} Items of the same SKU are added up; \`cart\` routes everything together (fewest shipments first) when every SKU is available.`,
        security: [{ ApiKey: [] }],
        requestBody: { required: true, content: json(ref('AvailabilityRequest')) },
        responses: {
          '200': { description: 'Availability per SKU, and of the whole cart', content: json(ref('CartAvailabilityResponse')) },
          ...errorResponses({
            400: 'Empty or malformed JSON',
            403: API_ERRORS[403],
            413: `Body larger than ${MAX_BODY_BYTES} bytes`,
            415: 'Content-Type is not application/json',
            422: 'Body is JSON but invalid: one issue per problem with its dotted path (e.g. `destination.postcode`, `items.0.quantity`, `items.1.unitPrice`)',
            429: API_ERRORS[429],
            500: API_ERRORS[500],
          }),
        },
      },
    },
  };
}

function opsPaths(): Record<string, JsonObject> {
  const holdResponses = (decision: 'APPROVE' | 'REJECT', bodyRequired: boolean) => ({
    '200': {
      description:
        decision === 'APPROVE'
          ? 'Hold released (timeline `OrderReleased`, actor operator). `resumed`: the waiting workflow was resumed now; false when the workflow has not reached the hold yet (it continues by itself when it does).'
          : 'Order cancelled (`status: CANCELLED`, timeline `OrderCancelled` and `RefundRequested` when money was taken). `resumed`: the waiting workflow was resumed now (it then finds the order cancelled).',
      content: json(ref('HoldDecisionResponse')),
    },
    ...errorResponses({
      400: bodyRequired ? 'Malformed order id, empty or malformed JSON body' : 'Malformed order id, or a body that is not valid JSON',
      403: OPS_ERRORS[403],
      404: 'No such order',
      409: 'The order is not on hold (its current status is in the issue)',
      413: `Body larger than ${MAX_BODY_BYTES} bytes`,
      415: 'A body was sent and Content-Type is not application/json',
      422: bodyRequired ? 'Body is JSON but invalid (e.g. `reason` missing or longer than 500 characters)' : 'Body is JSON but invalid (e.g. an unknown field)',
      429: OPS_ERRORS[429],
      500: OPS_ERRORS[500],
    }),
  });
  return {
    '/ops/orders/{orderId}/approve': {
      servers: OPS_SERVERS,
      post: {
        operationId: 'approveHold',
        tags: ['Ops'],
        summary: 'Release an order on hold (fraud review, payment or operator hold)',
        description:
          'The workflow validates and screens the order again and continues. The body is optional; a `note` is shown on the timeline (no customer data).',
        security: [{ OpsApiKey: [] }],
        parameters: [orderIdParameter],
        requestBody: { required: false, content: json(ref('ApproveHoldRequest')) },
        responses: holdResponses('APPROVE', false),
      },
    },
    '/ops/orders/{orderId}/reject': {
      servers: OPS_SERVERS,
      post: {
        operationId: 'rejectHold',
        tags: ['Ops'],
        summary: 'Reject an order on hold: it is cancelled (refund requested when money was taken)',
        security: [{ OpsApiKey: [] }],
        parameters: [orderIdParameter],
        requestBody: { required: true, content: json(ref('RejectHoldRequest')) },
        responses: holdResponses('REJECT', true),
      },
    },
    '/ops/exceptions': {
      servers: OPS_SERVERS,
      get: {
        operationId: 'listExceptions',
        tags: ['Ops'],
        summary: 'Open exceptions for operators, newest first',
        description:
          'From the sparse exceptions index (the `kind` enum lists them): fulfillments past ship-by / deliver-by, lost or with a carrier exception, authentic webhooks that could not be mapped to an order, and what the scheduled sweeps and feeds surface (purchase orders not acknowledged, stuck orders, quarantined files, stock shortfalls) when those kinds are listed. Without `kind`: the newest `limit` entries over every kind (one page). With `kind`: that kind, paged with `cursor`. Entries carry ids, codes and statuses only (no customer data).',
        security: [{ OpsApiKey: [] }],
        parameters: queryParameters(ExceptionsQuery),
        responses: {
          '200': { description: 'Open exceptions; `cursor` when more entries of this `kind` follow', content: json(ref('ExceptionsResponse')) },
          ...errorResponses({
            400: 'Invalid cursor, or a cursor without `kind`',
            403: OPS_ERRORS[403],
            422: 'Query string is invalid (unknown `kind`, `limit` outside 1-100, unknown parameter)',
            429: OPS_ERRORS[429],
            500: OPS_ERRORS[500],
          }),
        },
      },
    },
  };
}

export function buildOpenApiDocument(): JsonObject {
  const schemas = {
    ...components({ CreateOrderRequest, AddressInput, ShopifyOrderWebhook, UpdatePaymentRequest, ApproveHoldRequest, RejectHoldRequest, AvailabilityRequest }, 'input'),
    ...components(
      {
        Order,
        OrderView,
        Address,
        OrderLine,
        OrderFlag,
        TimelineEntry,
        WebhookAck,
        UpdatePaymentResponse,
        HoldDecisionResponse,
        ExceptionsResponse,
        ExceptionEntry,
        AvailabilityResponse,
        CartAvailabilityResponse,
        ErrorResponse,
        Issue,
      },
      'output',
    ),
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Dropship order pipeline: storefront and ops APIs',
      version: '1.2.0',
      description:
        'Storefront order intake, payment updates and availability before checkout (API key per channel), Shopify order webhooks (HMAC), and the operators\' API (hold decisions, exceptions), which is a separate REST API with its own key and servers. Generated from the zod schemas by `npm run openapi`; do not edit by hand.',
    },
    servers: STOREFRONT_SERVERS,
    tags: [
      { name: 'Orders', description: 'Storefront API: one API key and usage plan per channel' },
      { name: 'Availability', description: 'Storefront API: sellable quantity and delivery estimate before checkout (same API key as orders)' },
      { name: 'Webhooks', description: 'Storefront API: commerce-platform webhooks, authenticated by their HMAC signature' },
      { name: 'Ops', description: 'Ops API (separate REST API, see the servers of each /ops path): one ops API key, not valid on the storefront API' },
    ],
    paths: {
      '/orders': {
        post: {
          operationId: 'createOrder',
          tags: ['Orders'],
          summary: 'Create an order (idempotent)',
          description:
            'The channel is the API key\'s channel. The same Idempotency-Key with the same body returns the stored order again (201 + `Idempotent-Replayed: true`); with a different body it is a 409. One order per `externalOrderId` per channel (409 names the existing order).',
          security: [{ ApiKey: [] }],
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: true,
              description: 'Client-chosen key, 1-255 printable ASCII characters (a UUID is typical). Retries reuse it.',
              schema: { type: 'string', pattern: '^[\\x21-\\x7E]{1,255}$' },
            },
          ],
          requestBody: { required: true, content: json(ref('CreateOrderRequest')) },
          responses: {
            '201': {
              description: 'Order received (or an identical earlier request replayed)',
              headers: {
                'Idempotent-Replayed': { description: 'Present (`true`) when this is a replay of an earlier identical request', schema: { type: 'string', enum: ['true'] } },
              },
              content: json(ref('Order')),
            },
            ...errorResponses({
              400: 'Missing/invalid Idempotency-Key header, empty or malformed JSON',
              403: API_ERRORS[403],
              409: 'Idempotency-Key reused with a different body, or externalOrderId already belongs to another order',
              413: `Body larger than ${MAX_BODY_BYTES} bytes`,
              415: 'Content-Type is not application/json',
              422: 'Body is JSON but invalid: one issue per problem with its dotted path (e.g. `shippingAddress.postcode`, `totals.total`)',
              429: API_ERRORS[429],
              500: API_ERRORS[500],
            }),
          },
        },
      },
      '/orders/{orderId}': {
        get: {
          operationId: 'getOrder',
          tags: ['Orders'],
          summary: "An order with its lines, status and timeline (this channel's orders only)",
          security: [{ ApiKey: [] }],
          parameters: [orderIdParameter],
          responses: {
            '200': { description: 'The order', content: json(ref('OrderView')) },
            ...errorResponses({
              400: 'Malformed order id',
              403: API_ERRORS[403],
              404: "No such order for this channel (another channel's order is indistinguishable from a missing one)",
              429: API_ERRORS[429],
              500: API_ERRORS[500],
            }),
          },
        },
      },
      '/orders/{orderId}/payment': {
        post: {
          operationId: 'updatePayment',
          tags: ['Orders'],
          summary: 'Record that an order was paid or authorized (resumes an order waiting for payment)',
          description:
            "This channel's orders only. An order on hold `AWAITING_PAYMENT` is released and its workflow resumed (it screens the order again, now paid). Repeating the same update changes nothing; going backwards (paid to authorized) is a 409.",
          security: [{ ApiKey: [] }],
          parameters: [orderIdParameter],
          requestBody: { required: true, content: json(ref('UpdatePaymentRequest')) },
          responses: {
            '200': {
              description: 'Payment recorded. `resumed`: an order waiting for payment was released now.',
              content: json(ref('UpdatePaymentResponse')),
            },
            ...errorResponses({
              400: 'Malformed order id, empty or malformed JSON',
              403: API_ERRORS[403],
              404: "No such order for this channel (another channel's order is indistinguishable from a missing one)",
              409: 'The order is cancelled or rejected, or the payment would go backwards (paid to authorized, or already refunded / voided)',
              413: `Body larger than ${MAX_BODY_BYTES} bytes`,
              415: 'Content-Type is not application/json',
              422: 'Body is JSON but invalid (`status` not paid/authorized, unknown field)',
              429: API_ERRORS[429],
              500: API_ERRORS[500],
            }),
          },
        },
      },
      '/webhooks/shopify/{channelId}/orders-create': {
        post: {
          operationId: 'shopifyOrderCreatedForChannel',
          tags: ['Webhooks'],
          summary: 'Shopify orders/create webhook for a named channel',
          description:
            'No API key: authenticated by the HMAC signature. An authentic, parseable delivery always gets a 2xx so Shopify does not retry or drop the subscription.',
          security: [{ ShopifyHmac: [] }],
          parameters: [{ name: 'channelId', in: 'path', required: true, schema: { type: 'string', examples: ['demo-shopify'] } }, ...webhookHeaders(false)],
          requestBody: { required: true, content: json(ref('ShopifyOrderWebhook')) },
          responses: webhookResponses(errorResponses({ 404: 'Unknown channel (or a channel without a webhook secret)' })),
        },
      },
      '/webhooks/shopify/orders-create': {
        post: {
          operationId: 'shopifyOrderCreated',
          tags: ['Webhooks'],
          summary: 'Shopify orders/create webhook; the channel comes from X-Shopify-Shop-Domain',
          security: [{ ShopifyHmac: [] }],
          parameters: webhookHeaders(true),
          requestBody: { required: true, content: json(ref('ShopifyOrderWebhook')) },
          responses: webhookResponses({}),
        },
      },
      ...availabilityPaths(),
      ...opsPaths(),
    },
    components: {
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'API Gateway API key of the storefront channel (one usage plan per channel)' },
        OpsApiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: 'The ops API key (stack output OpsApiKeyId; its own usage plan on the ops API only). Storefront channel keys are refused here, and the ops key on the storefront API.',
        },
        ShopifyHmac: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Shopify-Hmac-Sha256',
          description: "base64 HMAC-SHA256 of the raw body with the channel's webhook signing secret (Secrets Manager)",
        },
      },
      schemas,
    },
  };
}

/** The exact file content: stable key order as built, 2-space indent, trailing newline. */
export function renderOpenApi(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}


// ---------------------------------------------------------------------------------------------
// docs/supplier-messages.md: the supplier channel contract, from functions/core/schemas/supplier-messages.ts
// (fulfillment messages) and functions/core/schemas/inventory.ts (INVENTORY_UPDATE)
// ---------------------------------------------------------------------------------------------

export const SUPPLIER_MESSAGES_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'supplier-messages.md');

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
];

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; enum?: unknown[]; const?: unknown; format?: string; pattern?: string; description?: string; minimum?: number; maximum?: number; minItems?: number; maxItems?: number; minLength?: number; maxLength?: number; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema & { $schema?: string };
  return rest;
}

function typeText(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum !== undefined) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.anyOf !== undefined && s.type === undefined) return s.anyOf.map((branch) => typeText(branch)).join(' \\| ');
  if (s.type === 'array') return `array of ${s.items === undefined ? 'any' : s.items.type === 'object' ? 'objects' : typeText(s.items)}`;
  const base = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  const bits: string[] = [];
  if (s.format !== undefined) bits.push(s.format);
  if (s.minLength !== undefined || s.maxLength !== undefined) bits.push(`${s.minLength ?? 0}-${s.maxLength ?? '∞'} chars`);
  const max = s.maximum === Number.MAX_SAFE_INTEGER ? undefined : s.maximum;
  if (s.minimum !== undefined && max === undefined) bits.push(`≥ ${s.minimum}`);
  else if (max !== undefined) bits.push(`${s.minimum ?? '-∞'}..${max}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) bits.push(`${s.minItems ?? 0}-${s.maxItems ?? '∞'} items`);
  return bits.length === 0 ? base : `${base} (${bits.join(', ')})`;
}

function fieldRows(s: JsonSchema, prefix = ''): string[] {
  const rows: string[] = [];
  const required = new Set(s.required ?? []);
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    const path = `${prefix}${name}`;
    const description = (prop.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    rows.push(`| \`${path}\` | ${typeText(prop)} | ${required.has(name) ? 'yes' : 'no'} | ${description} |`);
    if (prop.type === 'object') rows.push(...fieldRows(prop, `${path}.`));
    if (prop.type === 'array' && prop.items?.type === 'object') rows.push(...fieldRows(prop.items, `${path}[].`));
  }
  return rows;
}

function messageSection(title: string, schema: z.ZodType, example: Record<string, unknown>, io: 'input' | 'output'): string {
  const json = jsonSchemaOf(schema, io);
  return [
    `### ${title}`,
    '',
    json.description ?? '',
    '',
    '| field | type | required | description |',
    '|---|---|---|---|',
    ...fieldRows(json),
    '',
    '```json',
    JSON.stringify(example, null, 2),
    '```',
    '',
  ].join('\n');
}

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

export function renderSupplierMessages(): string {
  const inbound = SUPPLIER_MESSAGE_EXAMPLES.filter((e) => !['PURCHASE_ORDER', 'CANCELLATION', 'INVENTORY_UPDATE'].includes(e.title));
  const inventory = SUPPLIER_MESSAGE_EXAMPLES.filter((e) => e.title === 'INVENTORY_UPDATE');
  const outbound = SUPPLIER_MESSAGE_EXAMPLES.filter((e) => ['PURCHASE_ORDER', 'CANCELLATION'].includes(e.title));
  const schemaBlock = (title: string, schema: z.ZodType, io: 'input' | 'output') =>
    [`### ${title}`, '', '```json', JSON.stringify(jsonSchemaOf(schema, io), null, 2), '```', ''].join('\n');
  return [
    '# Supplier messages (SQS)',
    '',
    '<!-- Generated from functions/core/schemas/supplier-messages.ts and inventory.ts by `npm run openapi`; do not edit by hand. -->',
    '',
    'How a supplier exchanges purchase orders, acceptances, shipments, tracking and stock with the pipeline.',
    'Suppliers that exchange files instead: [supplier-files.md](supplier-files.md) (the same rules, as CSV / JSON files).',
    '',
    '## Transport',
    '',
    '- Every supplier has two SQS queues (SSE, TLS only), each with a dead-letter queue:',
    '  - **outbound** (platform → supplier): `PURCHASE_ORDER` and `CANCELLATION`. Receive, process, delete.',
    '  - **inbound** (supplier → platform): `ACCEPTED`, `REJECTED`, `SHIPPED`, `TRACKING_EVENT`, `DELIVERED`, and',
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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(OPENAPI_PATH, renderOpenApi());
  console.log(`wrote ${OPENAPI_PATH}`);
  writeFileSync(SUPPLIER_MESSAGES_PATH, renderSupplierMessages());
  console.log(`wrote ${SUPPLIER_MESSAGES_PATH}`);
}

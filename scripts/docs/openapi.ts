/** docs/openapi.json: the storefront and ops REST APIs as one OpenAPI 3.1 document. */
import { MAX_BODY_BYTES } from '../../functions/core/runtime/http';
import { ChangeAddressResponse } from '../../functions/core/orders/schemas/order';
import { inboundPaths, WOOCOMMERCE_HMAC_SCHEME } from './openapi-inbound';
import { afterDeliveryPaths, afterDeliverySchemas } from './openapi-afterdelivery';
import { AddressInput, Address, CreateOrderRequest, ErrorResponse, Issue, Order, OrderFlag, OrderLine, OrderView, ShopifyOrderWebhook, TimelineEntry, WebhookAck } from '../../functions/core/orders/schemas';
import { ApproveHoldRequest, ExceptionEntry, ExceptionsResponse, HoldDecisionResponse, RejectHoldRequest, UpdatePaymentRequest, UpdatePaymentResponse } from '../../functions/core/workflow/schemas/ops';
import { AvailabilityRequest, AvailabilityResponse, CartAvailabilityResponse } from '../../functions/core/inventory/schemas/availability';
import { CancelOrderRequest, CancellationOutcomeResponse } from '../../functions/core/orders/schemas/cancellation';
import { type JsonObject, ref, components, json, errorResponses, API_ERRORS, webhookHeaders, webhookResponses, orderIdParameter, STOREFRONT_SERVERS, availabilityPaths } from './openapi-parts';
import { OPS_SECURITY_SCHEME, opsPaths } from './openapi-ops';
import { OrdersPage, OrderSummary } from '../../functions/core/ops/schemas/find';
import { OrderLookResponse } from '../../functions/core/ops/schemas/look';
import { ReturnSummary, ReturnsPage } from '../../functions/core/ops/schemas/returns';

import { HoldRequest, OpsCancelRequest, PauseRequest, ReleaseRequest, ReplayRequest, ResolveRequest } from '../../functions/core/ops/schemas/act';
import { returnsPaths, returnsSchemas } from './openapi-returns';

// Long: one OpenAPI document literal (paths and components), data rather than logic.
export function buildOpenApiDocument(): JsonObject {
  const schemas = {
    ...components({ CreateOrderRequest, AddressInput, ShopifyOrderWebhook, UpdatePaymentRequest, ApproveHoldRequest, RejectHoldRequest, AvailabilityRequest, CancelOrderRequest, HoldRequest, ReleaseRequest, OpsCancelRequest, ResolveRequest, PauseRequest, ReplayRequest }, 'input'),
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
        ChangeAddressResponse,
        ErrorResponse,
        Issue,
        CancellationOutcomeResponse,
        OrdersPage,
        OrderSummary,
        OrderLookResponse,
        ReturnsPage,
        ReturnSummary,
      },
      'output',
    ),
    ...returnsSchemas(),
    ...afterDeliverySchemas(),
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Dropship order pipeline: storefront and ops APIs',
      version: '1.2.0',
      description:
        'Storefront order intake, payment updates and availability before checkout (API key per channel), Shopify order webhooks (HMAC), and the operators\' API (find, look at and act on orders; exceptions), which is a separate REST API authorized with IAM (SigV4) with its own servers. Generated from the zod schemas by `npm run openapi`; do not edit by hand.',
    },
    servers: STOREFRONT_SERVERS,
    tags: [
      { name: 'Orders', description: 'Storefront API: one API key and usage plan per channel' },
      { name: 'Availability', description: 'Storefront API: sellable quantity and delivery estimate before checkout (same API key as orders)' },
      { name: 'Webhooks', description: 'Storefront API: commerce-platform webhooks, authenticated by their HMAC signature' },
      { name: 'Ops', description: 'Ops API (separate REST API, see the servers of each /ops path): IAM authorization (SigV4, the OperatorPolicy); the caller is recorded on every action' },
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
      '/orders/{orderId}/cancel': {
        post: {
          operationId: 'cancelOrder',
          tags: ['Orders'],
          summary: 'Cancel an order or some of its lines (before dispatch at once; after dispatch the supplier is asked)',
          description:
            "This channel's orders only; `Idempotency-Key` required (same key and body: the same answer; same key, other body: 409). Not yet at a supplier (including the channel's dispatch delay): stock released, lines cancelled, refund requested, 200. Dispatched but not shipped: the supplier gets a cancellation request and answers later, 202 (the timeline and the storefront notifications carry CancellationAccepted / CancellationRejected). Shipped or delivered: 409 with the reason and a pointer to returns. `lines` absent = the whole order; a line's `quantity` absent = all of its open units.",
          security: [{ ApiKey: [] }],
          parameters: [orderIdParameter, { name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 255 } }],
          requestBody: { required: true, content: json(ref('CancelOrderRequest')) },
          responses: {
            '200': { description: 'Cancelled now (status CANCELLED)', content: json(ref('CancellationOutcomeResponse')) },
            '202': { description: 'The supplier was asked (status CANCELLATION_REQUESTED)', content: json(ref('CancellationOutcomeResponse')) },
            '409': { description: 'NOT_CANCELLABLE (shipped or delivered; `returns` points to the returns route), or the Idempotency-Key was used with another body', content: json(ref('CancellationOutcomeResponse')) },
            ...errorResponses({
              400: 'Malformed order id, missing Idempotency-Key, empty or malformed JSON, or a line the order does not have / more units than are open (the issue names `lines.N.lineNo` / `lines.N.quantity`)',
              403: API_ERRORS[403],
              404: "No such order for this channel (another channel's order is indistinguishable from a missing one)",
              413: `Body larger than ${MAX_BODY_BYTES} bytes`,
              415: 'Content-Type is not application/json',
              422: 'Body is JSON but invalid (unknown `reason`, unknown field)',
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
          responses: webhookResponses({}),
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
      ...inboundPaths(),
      ...opsPaths(),
      ...returnsPaths(),
      ...afterDeliveryPaths(),
    },
    components: {
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'API Gateway API key of the storefront channel (one usage plan per channel)' },
        OpsIam: OPS_SECURITY_SCHEME,
        ShopifyHmac: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Shopify-Hmac-Sha256',
          description: "base64 HMAC-SHA256 of the raw body with the channel's webhook signing secret (Secrets Manager)",
        },
        WooCommerceHmac: WOOCOMMERCE_HMAC_SCHEME,
      },
      schemas,
    },
  };
}

/** The exact file content: stable key order as built, 2-space indent, trailing newline. */
export function renderOpenApi(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

/** docs/openapi.json: the storefront-inbound routes (topic-aware Shopify, WooCommerce, address change). */
import { MAX_BODY_BYTES } from '../../functions/core/runtime/http';
import { type JsonObject, ref, json, errorResponses, API_ERRORS, webhookHeaders, orderIdParameter } from './openapi-parts';

const ackResponses = (signatureHeader: string): Record<string, JsonObject> => ({
  '200': {
    description:
      'Acknowledged: `duplicate` (this order or refund already received), `updated` (payment / shipping address changed), `unchanged` (nothing to change, or older than what the order reflects), `cancellation` (the cancellation flow ran), `refund` (recorded), `ignored` (a topic or an order the pipeline does not handle, or outside the replay window: recorded for operators, never an order; also the WooCommerce ping)',
    content: json(ref('WebhookAck')),
  },
  '201': { description: 'Order created (orders/create, order.created); business problems are listed in `flags`', content: json(ref('WebhookAck')) },
  '202': { description: 'Authentic but cannot be mapped (e.g. no shipping address, an oversized field: the field is named): kept for operators', content: json(ref('WebhookAck')) },
  ...errorResponses({
    400: 'Authentic body that is not valid JSON, a missing delivery id, or a malformed X-Shopify-Triggered-At',
    401: `Missing or wrong ${signatureHeader}, or an unknown channel (or not a channel of this platform): answered identically, so channels cannot be enumerated (nothing is read or written)`,
    413: `Body larger than ${MAX_BODY_BYTES} bytes`,
    500: API_ERRORS[500],
  }),
});

const channelParameter = (example: string) => ({ name: 'channelId', in: 'path', required: true, schema: { type: 'string', examples: [example] } });

export const WOOCOMMERCE_HMAC_SCHEME = {
  type: 'apiKey',
  in: 'header',
  name: 'X-WC-Webhook-Signature',
  description: "base64 HMAC-SHA256 of the raw body with the channel's WooCommerce webhook secret (Secrets Manager)",
};

// Long: three OpenAPI path literals, data rather than logic.
export function inboundPaths(): Record<string, JsonObject> {
  return {
    '/orders/{orderId}/address': {
      post: {
        operationId: 'changeShippingAddress',
        tags: ['Orders'],
        summary: 'Correct or change the shipping address (releases an INCORRECT_ADDRESS hold; amends a dispatched purchase order)',
        description:
          "This channel's orders only. The body is an address as POST /orders takes it, normalized the same way. Before dispatch the order takes it, and an order held `INCORRECT_ADDRESS` is validated again (its workflow resumed). Dispatched but not shipped: each open purchase order is amended at its supplier (`PURCHASE_ORDER_AMENDED`, same PO number, next revision). The same Idempotency-Key with the same address answers the same; with another address it is a 409.",
        security: [{ ApiKey: [] }],
        parameters: [
          orderIdParameter,
          { name: 'Idempotency-Key', in: 'header', required: true, description: '1-255 printable ASCII characters', schema: { type: 'string', maxLength: 255 } },
        ],
        requestBody: { required: true, content: json(ref('AddressInput')) },
        responses: {
          '200': { description: 'Address changed (or already this address: `changed` false)', content: json(ref('ChangeAddressResponse')) },
          ...errorResponses({
            400: 'Malformed order id, missing Idempotency-Key, empty or malformed JSON',
            403: API_ERRORS[403],
            404: "No such order for this channel (another channel's order is indistinguishable from a missing one)",
            409: 'The order has (partly) shipped, is delivered, cancelled or rejected; or the Idempotency-Key was used with another address',
            413: `Body larger than ${MAX_BODY_BYTES} bytes`,
            415: 'Content-Type is not application/json',
            422: 'The address is still invalid: each issue names its field (e.g. `postcode`, `country`)',
            429: API_ERRORS[429],
            500: API_ERRORS[500],
          }),
        },
      },
    },
    '/webhooks/shopify/{channelId}': {
      post: {
        operationId: 'shopifyWebhookForChannel',
        tags: ['Webhooks'],
        summary: 'Shopify webhook for a channel, every topic (X-Shopify-Topic)',
        description:
          'No API key: authenticated by the HMAC signature. Topics: orders/create (the order), orders/updated and orders/paid (payment captured releases an AWAITING_PAYMENT hold; an edited shipping address is re-validated, a dispatched purchase order amended; older than the stored updated_at changes nothing), orders/cancelled (the cancellation flow), refunds/create (recorded once per refund; refunded lines not shipped are cancelled); anything else is recorded and ignored. A change for an unknown order never creates one. Replay window: X-Shopify-Triggered-At older than 48 h (Shopify retries for 4 h) is ignored and recorded.',
        security: [{ ShopifyHmac: [] }],
        parameters: [
          channelParameter('demo-shopify'),
          ...webhookHeaders(false),
          { name: 'X-Shopify-Triggered-At', in: 'header', required: false, description: 'When Shopify triggered the delivery (kept on retries): the replay window', schema: { type: 'string', format: 'date-time' } },
        ],
        requestBody: { required: true, content: json({ type: 'object', description: 'The topic\'s resource (Order for orders/*, Refund for refunds/create)' }) },
        responses: ackResponses('X-Shopify-Hmac-Sha256'),
      },
    },
    '/webhooks/woocommerce/{channelId}': {
      post: {
        operationId: 'wooCommerceWebhookForChannel',
        tags: ['Webhooks'],
        summary: 'WooCommerce order.created / order.updated webhook for a channel',
        description:
          'No API key: authenticated by X-WC-Webhook-Signature. The body is the REST API v3 Order. order.updated: status `processing`/`completed` = paid (releases an AWAITING_PAYMENT hold), `cancelled` / `refunded` run the cancellation flow, an edited shipping address is re-validated; older than the stored date_modified_gmt changes nothing. The form-encoded ping sent when a webhook is saved (`webhook_id=<id>`) is answered 200.',
        security: [{ WooCommerceHmac: [] }],
        parameters: [
          channelParameter('demo-woo'),
          { name: 'X-WC-Webhook-Signature', in: 'header', required: true, description: 'base64(HMAC-SHA256(webhook secret, raw body)); constant-time compare', schema: { type: 'string' } },
          { name: 'X-WC-Webhook-Delivery-ID', in: 'header', required: true, description: 'Delivery id (idempotency key of the cancellation it may start, and of the operator record)', schema: { type: 'string', maxLength: 128 } },
          { name: 'X-WC-Webhook-Topic', in: 'header', required: true, schema: { type: 'string', examples: ['order.created', 'order.updated'] } },
        ],
        requestBody: { required: true, content: json({ type: 'object', description: 'WooCommerce REST API v3 Order' }) },
        responses: ackResponses('X-WC-Webhook-Signature'),
      },
    },
  };
}

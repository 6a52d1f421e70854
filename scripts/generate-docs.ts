/**
 * Generates docs/openapi.json (OpenAPI 3.1) from the zod schemas in functions/core/schemas (the single
 * source of truth) with zod's native z.toJSONSchema: `npm run openapi`.
 * test/unit/docs/openapi.test.ts regenerates it in memory and fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { MAX_BODY_BYTES } from '../functions/core/middleware/http';
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
} from '../functions/core/schemas';

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

export function buildOpenApiDocument(): JsonObject {
  const schemas = {
    ...components({ CreateOrderRequest, AddressInput, ShopifyOrderWebhook }, 'input'),
    ...components({ Order, OrderView, Address, OrderLine, OrderFlag, TimelineEntry, WebhookAck, ErrorResponse, Issue }, 'output'),
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Dropship order pipeline: storefront API',
      version: '1.0.0',
      description:
        'Storefront order intake (API key per channel) and Shopify order webhooks (HMAC). Generated from the zod schemas by `npm run openapi`; do not edit by hand.',
    },
    servers: [
      { url: 'https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}', variables: { restApiId: { default: 'example' }, region: { default: 'eu-west-1' }, stage: { default: 'dev' } } },
      { url: 'http://127.0.0.1:{port}', description: 'Local runtime (`npm start`; see .local/endpoints.json)', variables: { port: { default: '3000' } } },
    ],
    tags: [{ name: 'Orders' }, { name: 'Webhooks' }],
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
          parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string', pattern: '^ord_[0-9a-hjkmnp-tv-z]{26}$' } }],
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
    },
    components: {
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'API Gateway API key of the storefront channel (one usage plan per channel)' },
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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(OPENAPI_PATH, renderOpenApi());
  console.log(`wrote ${OPENAPI_PATH}`);
}

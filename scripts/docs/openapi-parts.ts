/** Building blocks of docs/openapi.json: components from the zod schemas, shared parameters and responses, the availability paths (ops paths: openapi-ops.ts). */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { MAX_BODY_BYTES } from '../../functions/core/runtime/http';
import { ShopifyId } from '../../functions/core/orders/schemas';
import { AvailabilityQuery, MAX_AVAILABILITY_ITEMS } from '../../functions/core/inventory/schemas/availability';
import { API_STAGE_NAME } from '../../lib/constructs/storefront-api';

export const OPENAPI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'openapi.json');

export type JsonObject = Record<string, unknown>;

export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Component schemas for one direction (request bodies are documented as input, responses as output). */
export function components(entries: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonObject> {
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

export const json = (schema: JsonObject) => ({ 'application/json': { schema } });

export function errorResponses(statuses: Record<number, string>): Record<string, JsonObject> {
  const responses: Record<string, JsonObject> = {};
  for (const [status, description] of Object.entries(statuses)) {
    responses[status] = { description, content: json(ref('ErrorResponse')) };
  }
  return responses;
}

export const API_ERRORS = {
  403: 'API key missing or invalid (answered by API Gateway as `{"message":"Forbidden"}`), key not mapped to a channel, or `channel` in the body is not the key\'s channel',
  429: 'Usage plan throttle or quota exceeded (answered by API Gateway)',
  500: 'Unexpected failure: generic `{ "error": "Internal error" }`; the detail is only in the logs',
};

export const webhookHeaders = (shopDomainRequired: boolean) => [
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

export const webhookResponses = (unknownChannel: JsonObject) => ({
  '200': { description: 'Duplicate: this delivery id, or this Shopify order, was already received', content: json(ref('WebhookAck')) },
  '201': { description: 'Order created; business problems are listed in `flags`', content: json(ref('WebhookAck')) },
  '202': { description: 'Authentic but cannot be mapped to an order (e.g. no shipping address): kept for operators', content: json(ref('WebhookAck')) },
  ...errorResponses({
    400: 'Authentic body that is not valid JSON, or missing X-Shopify-Webhook-Id',
    401: 'Missing or wrong signature, or an unknown channel or shop: answered identically, so channels cannot be enumerated (nothing is read or written)',
    413: `Body larger than ${MAX_BODY_BYTES} bytes`,
    500: API_ERRORS[500],
  }),
  ...unknownChannel,
});

const ORDER_ID_PATTERN_TEXT = '^ord_[0-9a-hjkmnp-tv-z]{26}$';
export const orderIdParameter = { name: 'orderId', in: 'path', required: true, schema: { type: 'string', pattern: ORDER_ID_PATTERN_TEXT } };

/** The stage name is part of every URL (`/v1/orders`); local runtime URLs have none. */
export const STOREFRONT_SERVERS = [
  {
    url: `https://{restApiId}.execute-api.{region}.amazonaws.com/${API_STAGE_NAME}`,
    description: 'Storefront API (stack output ApiUrl)',
    variables: { restApiId: { default: 'example' }, region: { default: 'eu-west-1' } },
  },
  { url: 'http://127.0.0.1:{port}', description: 'Local runtime (`npm start`; `apiUrl` in .local/endpoints.json)', variables: { port: { default: '3000' } } },
];
/** Query parameters from a zod object schema (its JSON Schema properties, `required` from the schema). */
export function queryParameters(schema: z.ZodType): JsonObject[] {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as { properties?: Record<string, JsonObject>; required?: string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: 'query', required: required.has(name), ...(description === undefined ? {} : { description }), schema: rest };
  });
}

export function availabilityPaths(): Record<string, JsonObject> {
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

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH, buildOpenApiDocument, renderOpenApi } from '../../../scripts/generate-docs';

type Json = Record<string, unknown>;

describe('docs/openapi.json', () => {
  it('is up to date with the zod schemas (run `npm run openapi` to regenerate)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(renderOpenApi());
  });

  const doc = buildOpenApiDocument() as Json & { paths: Record<string, Record<string, Json>>; components: Json & { schemas: Record<string, Json>; securitySchemes: Json } };

  it('is OpenAPI 3.1 with every route and both security schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/orders', '/orders/{orderId}', '/webhooks/shopify/orders-create', '/webhooks/shopify/{channelId}/orders-create']);
    expect(doc.components.securitySchemes).toMatchObject({
      ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      ShopifyHmac: { type: 'apiKey', in: 'header', name: 'X-Shopify-Hmac-Sha256' },
    });
  });

  it.each([
    ['/orders', 'post', 'ApiKey', ['201', '400', '403', '409', '413', '415', '422', '500']],
    ['/orders/{orderId}', 'get', 'ApiKey', ['200', '400', '403', '404', '500']],
    ['/webhooks/shopify/{channelId}/orders-create', 'post', 'ShopifyHmac', ['200', '201', '202', '400', '401', '404', '413', '500']],
    ['/webhooks/shopify/orders-create', 'post', 'ShopifyHmac', ['200', '201', '202', '400', '401', '413', '500']],
  ])('%s %s: security %s and responses %j', (path, method, scheme, statuses) => {
    const operation = doc.paths[path]?.[method] as Json & { responses: Json; security: Json[] };
    expect(operation.security).toEqual([{ [scheme]: [] }]);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(statuses));
  });

  it('every $ref points at a component', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const id of refs) expect(doc.components.schemas).toHaveProperty(id ?? '');
  });

  it('documents the request body constraints from the schemas', () => {
    const request = doc.components.schemas.CreateOrderRequest as { required: string[]; properties: Record<string, Json> };
    expect(request.required).toEqual(expect.arrayContaining(['externalOrderId', 'customer', 'shippingAddress', 'lines', 'currency', 'totals', 'payment']));
    expect(request.properties.lines).toMatchObject({ minItems: 1, maxItems: 100 });
    const shopify = doc.components.schemas.ShopifyOrderWebhook as { properties: Record<string, Json> };
    expect(shopify.properties.id).toMatchObject({ type: 'integer', format: 'int64' });
  });
});

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXCEPTION_KINDS } from '../../../functions/core/workflow/domain/exception-kinds';
import { type ApiRoute, apiRoutesFromTemplate } from '../../../lib/api-routes';
import { OPS_API_LOGICAL_IDS } from '../../../lib/constructs/ops-api';
import { API_STAGE_NAME, storefrontLogicalIds } from '../../../lib/constructs/storefront-api';
import { synthesizeTemplate } from '../../../lib/synth';
import { OPENAPI_PATH } from '../../../scripts/docs/openapi-parts';
import { OPS_ROUTES } from '../../../scripts/docs/openapi-ops';
import { buildOpenApiDocument, renderOpenApi } from '../../../scripts/docs/openapi';

type Json = Record<string, unknown>;
type Operation = Json & { responses: Json; security: Json[]; requestBody?: Json & { required: boolean }; parameters?: Json[] };
type PathItem = Json & { servers?: Array<{ url: string }> };

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('docs/openapi.json', () => {
  it('is up to date with the zod schemas (run `npm run openapi` to regenerate)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(renderOpenApi());
  });

  const doc = buildOpenApiDocument() as Json & {
    servers: Array<{ url: string }>;
    tags: Array<{ name: string }>;
    paths: Record<string, PathItem>;
    components: Json & { schemas: Record<string, Json>; securitySchemes: Json };
  };
  const operation = (path: string, method: string): Operation => doc.paths[path]?.[method] as Operation;
  /** `METHOD /path` of every documented operation. */
  const documented = (): string[] =>
    Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((k) => HTTP_METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();

  it('is OpenAPI 3.1 with every route and the three security schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(documented()).toEqual(
      [
        'POST /orders',
        'GET /orders/{orderId}',
        'POST /orders/{orderId}/payment',
        'POST /orders/{orderId}/address',
        'POST /orders/{orderId}/cancel',
        'GET /availability',
        'POST /availability',
        'POST /webhooks/shopify/orders-create',
        'POST /webhooks/shopify/{channelId}/orders-create',
        'POST /webhooks/shopify/{channelId}',
        'POST /webhooks/woocommerce/{channelId}',
        ...OPS_ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`),
        'POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/reship',
        'POST /ops/orders/{orderId}/fulfillments/{fulfillmentId}/refund',
        'GET /ops/claims',
        'POST /ops/claims/{claimId}/close',
        'GET /ops/suppliers/{supplierId}/scorecard',
        'POST /orders/{orderId}/returns',
        'POST /ops/returns/{returnId}/authorize',
        'POST /orders/{orderId}/returns/{returnId}/refund',
        'POST /ops/returns/{returnId}/close',
        'POST /ops/returns/{returnId}/receive',
      ].sort(),
    );
    expect(doc.components.securitySchemes).toMatchObject({
      ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      OpsIam: { type: 'apiKey', in: 'header', name: 'Authorization', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      ShopifyHmac: { type: 'apiKey', in: 'header', name: 'X-Shopify-Hmac-Sha256' },
    });
    expect(doc.tags.map((t) => t.name)).toEqual(['Orders', 'Availability', 'Webhooks', 'Ops']);
  });

  it.each([
    ['/orders', 'post', 'ApiKey', 'Orders', ['201', '400', '403', '409', '413', '415', '422', '500']],
    ['/orders/{orderId}', 'get', 'ApiKey', 'Orders', ['200', '400', '403', '404', '500']],
    ['/orders/{orderId}/payment', 'post', 'ApiKey', 'Orders', ['200', '400', '403', '404', '409', '413', '415', '422', '429', '500']],
    ['/orders/{orderId}/cancel', 'post', 'ApiKey', 'Orders', ['200', '202', '400', '403', '404', '409', '413', '415', '422', '429', '500']],
    ['/availability', 'get', 'ApiKey', 'Availability', ['200', '403', '422', '429', '500']],
    ['/availability', 'post', 'ApiKey', 'Availability', ['200', '400', '403', '413', '415', '422', '429', '500']],
    ['/webhooks/shopify/{channelId}/orders-create', 'post', 'ShopifyHmac', 'Webhooks', ['200', '201', '202', '400', '401', '413', '500']],
    ['/webhooks/shopify/orders-create', 'post', 'ShopifyHmac', 'Webhooks', ['200', '201', '202', '400', '401', '413', '500']],
    ['/ops/orders/{orderId}/approve', 'post', 'OpsIam', 'Ops', ['200', '400', '403', '404', '409', '415', '422', '429', '500']],
    ['/ops/orders/{orderId}/reject', 'post', 'OpsIam', 'Ops', ['200', '400', '403', '404', '409', '415', '422', '429', '500']],
    ['/ops/orders', 'get', 'OpsIam', 'Ops', ['200', '400', '403', '422', '429', '500']],
    ['/ops/orders/{orderId}', 'get', 'OpsIam', 'Ops', ['200', '400', '403', '404', '429', '500']],
    ['/ops/exceptions', 'get', 'OpsIam', 'Ops', ['200', '400', '403', '422', '429', '500']],
    ['/ops/returns', 'get', 'OpsIam', 'Ops', ['200', '400', '403', '422', '429', '500']],
    ['/orders/{orderId}/returns', 'post', 'ApiKey', 'Orders', ['201', '400', '403', '404', '409', '413', '415', '422', '429', '500']],
    ['/ops/returns/{returnId}/authorize', 'post', 'OpsIam', 'Ops', ['200', '400', '403', '404', '409', '422', '429', '500']],
    ['/orders/{orderId}/returns/{returnId}/refund', 'post', 'ApiKey', 'Orders', ['200', '400', '403', '404', '409', '422', '429', '500']],
    ['/ops/returns/{returnId}/close', 'post', 'OpsIam', 'Ops', ['200', '400', '403', '404', '409', '422', '429', '500']],
    ['/ops/returns/{returnId}/receive', 'post', 'OpsIam', 'Ops', ['200', '400', '403', '404', '409', '422', '429', '500']],
  ])('%s %s: security %s, tag %s and responses %j', (path, method, scheme, tag, statuses) => {
    const op = operation(path, method);
    expect(op.security).toEqual([{ [scheme]: [] }]);
    expect(op.tags).toEqual([tag]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(statuses));
  });

  it('the ops paths name the ops API as their server; the storefront paths use the top-level servers', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      if (path.startsWith('/ops/')) {
        expect(item.servers?.map((s) => s.url), path).toEqual([`https://{opsRestApiId}.execute-api.{region}.amazonaws.com/${API_STAGE_NAME}`, `http://127.0.0.1:{port}/${API_STAGE_NAME}`]);
      } else {
        expect(item.servers, path).toBeUndefined();
      }
    }
    expect(doc.servers.map((s) => s.url)).toEqual([`https://{restApiId}.execute-api.{region}.amazonaws.com/${API_STAGE_NAME}`, 'http://127.0.0.1:{port}']);
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

  it('documents the payment update and the ops bodies from the handlers\' schemas', () => {
    expect(operation('/orders/{orderId}/payment', 'post').requestBody).toMatchObject({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/UpdatePaymentRequest' } } } });
    expect(doc.components.schemas.UpdatePaymentRequest).toMatchObject({ required: ['status'], properties: { status: { enum: ['paid', 'authorized'] } }, additionalProperties: false });
    expect(doc.components.schemas.UpdatePaymentResponse).toMatchObject({ required: expect.arrayContaining(['orderId', 'status', 'payment', 'resumed']) });
    // approve: the body is optional; reject: `reason` is required.
    expect(operation('/ops/orders/{orderId}/approve', 'post').requestBody?.required).toBe(false);
    expect(operation('/ops/orders/{orderId}/reject', 'post').requestBody?.required).toBe(true);
    expect(doc.components.schemas.RejectHoldRequest).toMatchObject({ required: ['reason'], properties: { reason: { maxLength: 500 } } });
    expect(doc.components.schemas.HoldDecisionResponse).toMatchObject({ properties: { decision: { enum: ['APPROVE', 'REJECT'] } } });
    expect(doc.components.schemas.ExceptionsResponse).toMatchObject({ properties: { items: { items: { $ref: '#/components/schemas/ExceptionEntry' } } } });
  });

  it('GET /ops/exceptions takes kind, limit and cursor as optional query parameters', () => {
    const parameters = operation('/ops/exceptions', 'get').parameters ?? [];
    expect(parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ['kind', 'query', false],
      ['limit', 'query', false],
      ['cursor', 'query', false],
    ]);
    expect(parameters[0]?.schema).toMatchObject({ enum: [...EXCEPTION_KINDS] });
    expect(parameters[1]?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
  });

  it('documents the availability query parameters and the cart body from their schemas', () => {
    const parameters = operation('/availability', 'get').parameters ?? [];
    expect(parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ['sku', 'query', true],
      ['country', 'query', true],
      ['postcode', 'query', false],
      ['quantity', 'query', false],
      ['unitPrice', 'query', false],
    ]);
    expect(doc.components.schemas.AvailabilityRequest).toMatchObject({
      required: ['destination', 'items'],
      properties: { items: { minItems: 1, maxItems: 50 } },
      additionalProperties: false,
    });
    expect(doc.components.schemas.CartAvailabilityResponse).toMatchObject({ required: expect.arrayContaining(['destination', 'asOf', 'allAvailable', 'items']) });
  });

  describe('against the synthesized template (dev stage)', () => {
    let routes: ApiRoute[];
    beforeAll(async () => {
      routes = apiRoutesFromTemplate((await synthesizeTemplate({ stage: 'dev' })).template);
    });

    it('finds the routes of both REST APIs in the template', () => {
      expect(new Set(routes.map((r) => r.restApi))).toEqual(new Set([storefrontLogicalIds.restApi, OPS_API_LOGICAL_IDS.restApi]));
      expect(routes.length).toBeGreaterThanOrEqual(8);
    });

    it('documents every deployed route, and no route that is not deployed', () => {
      // CORS preflights (OPTIONS), if one is ever added, are not API operations.
      const deployed = routes.filter((r) => r.method !== 'OPTIONS').map((r) => `${r.method} ${r.path}`).sort();
      expect(documented()).toEqual(deployed);
    });

    it('each route is documented with the security and server of the API it is deployed on', () => {
      for (const route of routes) {
        const name = `${route.method} ${route.path}`;
        const op = operation(route.path, route.method.toLowerCase());
        expect(op, name).toBeDefined();
        const ops = route.restApi === OPS_API_LOGICAL_IDS.restApi;
        const scheme = Object.keys(op.security[0] ?? {})[0];
        if (ops) expect(scheme, name).toBe('OpsIam');
        else expect(scheme, name).toBe(route.apiKeyRequired ? 'ApiKey' : route.path.startsWith('/webhooks/woocommerce/') ? 'WooCommerceHmac' : 'ShopifyHmac');
        expect(route.apiKeyRequired || scheme === 'ShopifyHmac' || scheme === 'WooCommerceHmac' || (ops && route.authorizationType === 'AWS_IAM'), name).toBe(true);
        expect(doc.paths[route.path]?.servers !== undefined, name).toBe(ops);
      }
    });
  });
});

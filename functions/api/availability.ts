/**
 * GET /availability?sku=&country=&postcode=&quantity=&unitPrice= and POST /availability (API key):
 * sellable quantity across suppliers with a fresh feed minus what orders hold, the supplier routing
 * would choose, its shipping method and the delivery window, before checkout. Thin seam: validate
 * (400/413/415/422 with the field), call the availability service with the key's channel currency.
 */
import { systemClock } from '../core/kernel/clock';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels } from '../core/runtime/channels';
import { getDocumentClient } from '../core/runtime/clients';
import { requireEnv } from '../core/runtime/config';
import { ValidationError } from '../core/kernel/errors';
import { channelFromApiKey, httpHandler, json, parseJsonBody, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { AvailabilityQuery, AvailabilityRequest } from '../core/inventory/schemas/availability';
import { checkCartAvailability, checkSkuAvailability, type AvailabilityDeps } from '../core/inventory/services/availability';
import { channelDispatchDelayMinutes, loadWorkflowSettings } from '../core/workflow/services/workflow-settings';

const channels = loadChannels();
const settings = loadWorkflowSettings();
const deps: AvailabilityDeps = {
  store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
  now: systemClock,
  // The same routing rules as the workflow (ROUTING_RULE_ORDER / ROUTING_SHIPPING_METHOD when set).
  routing: settings.routing,
};

const QUERY_PARAMETERS: ReadonlySet<string> = new Set(Object.keys(AvailabilityQuery.shape));

/**
 * One value per known parameter: a repeated one (`?sku=A&sku=B`) is refused rather than silently cut,
 * an unknown one (a typo such as `zip`) is named.
 */
function queryOf(event: APIGatewayProxyEvent): Record<string, string> {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {})
    .filter(([, values]) => (values?.length ?? 0) > 1)
    .map(([name]) => ({ path: name, message: name === 'sku' ? 'give one sku; use POST /availability for several' : 'must be given once' }));
  const unknown = Object.keys(event.queryStringParameters ?? {})
    .filter((name) => !QUERY_PARAMETERS.has(name))
    // `?=x` has a parameter without a name: the issue still names where it is (the query string).
    .map((name) => ({ path: name === '' ? 'query' : name, message: `is not a parameter of this route (${[...QUERY_PARAMETERS].join(', ')})` }));
  if (repeated.length + unknown.length > 0) throw new ValidationError('Query string is invalid', { issues: [...repeated, ...unknown] });
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) out[name] = value;
  return out;
}

export async function availabilityHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const channel = channelFromApiKey(event, channels);
  logger.appendKeys({ channelId: channel.channelId });
  if (event.httpMethod === 'POST') {
    const request = validate(AvailabilityRequest, parseJsonBody(event));
    const result = await checkCartAvailability(deps, {
      currency: channel.currency,
      destination: request.destination,
      items: request.items,
      dispatchDelayMinutes: channelDispatchDelayMinutes(settings, channel.channelId),
    });
    metrics.addMetric('AvailabilityCartChecked', MetricUnit.Count, 1);
    logger.info('Cart availability', { skus: result.items.length, allAvailable: result.allAvailable, country: result.destination.country });
    return json(200, result);
  }
  const query = validate(AvailabilityQuery, queryOf(event), 'Query string is invalid');
  const result = await checkSkuAvailability(deps, {
    currency: channel.currency,
    destination: { country: query.country, postcode: query.postcode },
    items: [{ sku: query.sku, quantity: query.quantity, unitPrice: query.unitPrice }],
    dispatchDelayMinutes: channelDispatchDelayMinutes(settings, channel.channelId),
  });
  metrics.addMetric('AvailabilityChecked', MetricUnit.Count, 1);
  logger.info('Availability', { sku: result.sku, sellable: result.sellableQuantity, available: result.available, country: result.destination.country });
  return json(200, result);
}

export const handler = httpHandler(availabilityHandler);

/**
 * POST /orders/{orderId}/address (storefront API key, channel-scoped like GET /orders/{orderId},
 * `Idempotency-Key` header). Body: the address as POST /orders takes it (`shippingAddress`), normalized
 * the same way. 200 { orderId, status, changed, stage, releasedHold, amendedFulfillments, resumed };
 * 422 the address is still invalid (the field named); 404 unknown order or another channel's;
 * 409 shipped / closed order, or the Idempotency-Key reused with another address.
 * An order held INCORRECT_ADDRESS is released and validated again; a dispatched one has its purchase
 * order amended at the supplier.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadChannels } from '../core/runtime/channels';
import { channelFromApiKey, httpHandler, json, parseJsonBody, requireHeader, validate } from '../core/runtime/http';
import { logger, metrics } from '../core/runtime/observability';
import { AddressInput } from '../core/orders/schemas/order';
import { toAddress } from '../core/orders/services/create-order';
import { changeShippingAddress } from '../core/orders/services/address-change';
import { orderIdParameter } from '../ops/common';
import { addressChangeDeps } from './platform-deps';

/** Same rule as POST /orders (1-255 printable ASCII characters). */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;

const channels = loadChannels();
const deps = addressChangeDeps();

export async function changeAddressHandler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const channel = channelFromApiKey(event, channels);
  logger.appendKeys({ channelId: channel.channelId });
  const orderId = orderIdParameter(event);
  const idempotencyKey = requireHeader(event, 'Idempotency-Key', {
    pattern: IDEMPOTENCY_KEY_PATTERN,
    description: 'must be 1-255 printable ASCII characters without spaces',
  });
  const address = validate(AddressInput, parseJsonBody(event), 'The address is not valid');
  const result = await changeShippingAddress(deps, { channelId: channel.channelId, orderId, address: toAddress(address), source: 'api', idempotencyKey });
  metrics.addMetric(result.releasedHold ? 'AddressCorrectedReleased' : result.stage === 'DISPATCHED' ? 'AddressAmended' : 'AddressChanged', MetricUnit.Count, 1);
  return json(200, result);
}

export const handler = httpHandler(changeAddressHandler);

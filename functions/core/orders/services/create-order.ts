/**
 * POST /orders business function: build the order from a validated request and create it exactly once.
 *
 * One order per storefront order: orderId = orderIdForExternalOrder(channel, externalOrderId) (kernel/order-id.ts),
 * so the order item is its own guard and intake is one conditional PutItem. When the id is taken, the
 * stored Idempotency-Key and request hash decide (docs/api.md "Idempotency"):
 * - same key, same body → the stored order (replay, no write);
 * - same key, other body → 409;
 * - another key (or a Shopify webhook created it) → 409: the externalOrderId already belongs to that order.
 */
import type { Clock } from '../../kernel/clock';
import { normalizeAddress } from '../../kernel/address';
import { decimalToMinor } from '../../kernel/money';
import { orderIdForExternalOrder } from '../../kernel/order-id';
import { requestHash } from '../../kernel/request-hash';
import type { Address } from '../../kernel/values';
import type { Order } from '../domain/order';
import { ConflictError } from '../../kernel/errors';
import type { ChannelConfig } from '../../runtime/channels';
import type { AddressInput, CreateOrderRequest } from '../schemas/order';
import type { StoreContext } from '../../runtime/table/context';
import { createOrder } from '../store/orders';

export interface CreateApiOrderDeps {
  readonly store: StoreContext;
  readonly now: Clock;
}

export interface CreateApiOrderInput {
  readonly channel: ChannelConfig;
  readonly idempotencyKey: string;
  readonly request: CreateOrderRequest;
}

export interface CreateApiOrderResult {
  readonly order: Order;
  /** True when this was a replay of an earlier identical request (no write happened). */
  readonly replayed: boolean;
}

function minor(value: string, currency: string): number {
  const parsed = decimalToMinor(value, currency);
  // The schema already rejected anything else; reaching this is a bug, not bad input.
  if (!parsed.ok) throw new Error(`Unvalidated amount reached the order builder (${parsed.message})`);
  return parsed.minor;
}

export function toAddress(input: AddressInput): Address {
  return normalizeAddress({ ...input, postcode: input.postcode ?? '' });
}

/** The hash of what makes two requests "the same": the validated body, minus the redundant `channel`. */
export function hashCreateOrderRequest(request: CreateOrderRequest): string {
  const { channel: _channel, ...rest } = request;
  return requestHash(rest);
}

export function buildApiOrder(input: CreateApiOrderInput, now: Date): Order {
  const { request, channel } = input;
  const at = now.toISOString();
  return {
    orderId: orderIdForExternalOrder(channel.channelId, request.externalOrderId),
    channelId: channel.channelId,
    externalOrderId: request.externalOrderId,
    source: 'api',
    status: 'RECEIVED',
    currency: request.currency,
    customer: { ...request.customer, email: request.customer.email.toLowerCase() },
    shippingAddress: toAddress(request.shippingAddress),
    billingAddress: request.billingAddress === undefined ? undefined : toAddress(request.billingAddress),
    lines: request.lines.map((line, index) => ({
      lineNo: index + 1,
      sku: line.sku,
      title: line.title,
      quantity: line.quantity,
      unitPriceMinor: minor(line.unitPrice, request.currency),
    })),
    totals: {
      subtotalMinor: minor(request.totals.subtotal, request.currency),
      shippingMinor: minor(request.totals.shipping, request.currency),
      taxMinor: minor(request.totals.tax, request.currency),
      discountMinor: minor(request.totals.discount ?? '0', request.currency),
      totalMinor: minor(request.totals.total, request.currency),
      taxIncluded: request.totals.taxIncluded === true,
    },
    payment: request.payment,
    flags: [],
    createdAt: at,
    updatedAt: at,
    version: 1,
    requestHash: hashCreateOrderRequest(request),
    idempotencyKey: input.idempotencyKey,
  };
}

export async function createApiOrder(deps: CreateApiOrderDeps, input: CreateApiOrderInput): Promise<CreateApiOrderResult> {
  const order = buildApiOrder(input, deps.now());
  const outcome = await createOrder(deps.store, order);
  if (outcome.kind === 'created') return { order: outcome.order, replayed: false };
  const { existing } = outcome;
  if (existing.source === 'api' && existing.idempotencyKey === input.idempotencyKey) {
    if (existing.requestHash === order.requestHash) return { order: existing, replayed: true };
    throw new ConflictError('Idempotency-Key was already used with a different request body', {
      issues: [{ path: 'headers.idempotency-key', message: `was already used for order ${existing.orderId} with a different body` }],
    });
  }
  throw new ConflictError(`externalOrderId already belongs to order ${existing.orderId}`, {
    issues: [{ path: 'externalOrderId', message: `already belongs to order ${existing.orderId}` }],
  });
}

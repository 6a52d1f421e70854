/** Domain order (minor units) → API response (decimal strings). Picks fields explicitly: nothing internal leaks. */
import { minorToDecimal } from '../../kernel/money';
import type { Address } from '../../kernel/values';
import type { FulfillmentDocuments } from '../../workflow/domain/fulfillment-status';
import type { Order, OrderWorkflowFields } from '../domain/order';
import type { StoredTimelineEvent } from '../../events/domain/events';
import type { FulfillmentViewResponse, OrderResponse, OrderViewResponse } from '../schemas/order';
import type { FulfillmentRecord } from '../../workflow/domain/fulfillment-record';

function address(a: Address): OrderResponse['shippingAddress'] {
  return {
    name: a.name,
    company: a.company,
    line1: a.line1,
    line2: a.line2,
    city: a.city,
    region: a.region,
    postcode: a.postcode,
    country: a.country,
    phone: a.phone,
  };
}

export function toOrderResponse(order: Order & Pick<OrderWorkflowFields, 'addressIssues'>): OrderResponse {
  const money = (minor: number) => minorToDecimal(minor, order.currency);
  return {
    orderId: order.orderId,
    status: order.status,
    holdReason: order.holdReason,
    ...(order.holdReason === 'INCORRECT_ADDRESS' && order.addressIssues !== undefined
      ? { addressIssues: order.addressIssues.map((i) => ({ field: i.field, code: i.code, message: i.message })) }
      : {}),
    channelId: order.channelId,
    externalOrderId: order.externalOrderId,
    externalOrderName: order.externalOrderName,
    source: order.source,
    currency: order.currency,
    customer: {
      email: order.customer.email,
      phone: order.customer.phone,
      firstName: order.customer.firstName,
      lastName: order.customer.lastName,
    },
    shippingAddress: address(order.shippingAddress),
    billingAddress: order.billingAddress === undefined ? undefined : address(order.billingAddress),
    lines: order.lines.map((line) => ({
      lineNo: line.lineNo,
      sku: line.sku,
      title: line.title,
      quantity: line.quantity,
      unitPrice: money(line.unitPriceMinor),
      externalLineId: line.externalLineId,
    })),
    totals: {
      subtotal: money(order.totals.subtotalMinor),
      shipping: money(order.totals.shippingMinor),
      tax: money(order.totals.taxMinor),
      discount: money(order.totals.discountMinor),
      total: money(order.totals.totalMinor),
      taxIncluded: order.totals.taxIncluded === true,
    },
    payment: { reference: order.payment.reference, status: order.payment.status, gateway: order.payment.gateway },
    flags: order.flags.map((flag) => ({ code: flag.code, message: flag.message, lineNo: flag.lineNo })),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** A stored fulfillment item → its public view (ids, status, lines, published documents; no costs, no address). */
export function toFulfillmentView(item: Readonly<Record<string, unknown>>): FulfillmentViewResponse {
  const record = item as Partial<FulfillmentRecord> & { readonly documents?: FulfillmentDocuments };
  const documents = record.documents ?? {};
  return {
    fulfillmentId: String(record.fulfillmentId),
    supplierId: String(record.supplierId),
    status: record.status ?? 'PENDING',
    lines: (record.lines ?? []).map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
    documents: {
      packingSlipKey: documents.packingSlipKey,
      purchaseOrderKey: documents.purchaseOrderKey,
      cancellationKey: documents.cancellationKey,
    },
  };
}

export function toOrderViewResponse(
  order: Order & Pick<OrderWorkflowFields, 'cancelledLines' | 'refundRequestedMinor'>,
  timeline: readonly StoredTimelineEvent[],
  fulfillments: readonly Readonly<Record<string, unknown>>[] = [],
): OrderViewResponse {
  return {
    ...toOrderResponse(order),
    timeline: timeline.map((event) => ({
      at: event.at,
      actor: event.actor,
      ...(event.actorId === undefined ? {} : { actorId: event.actorId }),
      type: event.type,
      message: event.message,
    })),
    fulfillments: fulfillments.map(toFulfillmentView),
    cancelledLines: (order.cancelledLines ?? []).map((l) => ({ lineNo: l.lineNo, quantity: l.quantity })),
    ...(order.refundRequestedMinor === undefined || order.refundRequestedMinor === 0 ? {} : { refundRequested: minorToDecimal(order.refundRequestedMinor, order.currency) }),
  };
}

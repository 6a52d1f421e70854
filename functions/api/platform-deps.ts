/**
 * Dependencies of the handlers that change orders from outside the workflow (platform webhooks,
 * POST /orders/{orderId}/address): the workflow responder (store, settings, clock, logger, Step
 * Functions), the cancellation flow, and the purchase-order amendment (SQS and the outbox, built on
 * first use so a function that never amends needs no supplier configuration at cold start).
 */
import type { AddressChangeDeps } from '../core/orders/services/address-change';
import type { PlatformChangeDeps } from '../core/orders/services/platform-changes';
import { sendPurchaseOrderAmendment } from '../core/suppliers/services/po-amendment';
import { cancellationDeps, requestCancellation } from '../core/workflow/services/cancel-requests';
import { outboundDeps, responderDeps } from '../core/workflow/services/runtime-deps';

export function addressChangeDeps(): AddressChangeDeps {
  return {
    ...responderDeps(),
    amendPurchaseOrder: async (input) => {
      await sendPurchaseOrderAmendment(outboundDeps(), input);
    },
  };
}

export function platformChangeDeps(): PlatformChangeDeps {
  return { ...addressChangeDeps(), requestCancellation: (input) => requestCancellation(cancellationDeps(), input) };
}

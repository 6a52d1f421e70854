/**
 * Names of the Powertools metrics that alarms and the dashboard read (lib/constructs/dashboard-panels.ts):
 * defined once here, imported by the functions that emit them and by lib/. Namespace `DropshipPipeline`,
 * dimension `service` (the function's POWERTOOLS_SERVICE_NAME) plus the dimensions named below.
 */

/** A webhook delivery refused for a missing or wrong signature (storefront-api: Shopify and WooCommerce handlers). */
export const WEBHOOK_SIGNATURE_FAILED = 'WebhookSignatureFailed';

/** Stream router (service `stream-router`), from the table stream's NEW_AND_OLD_IMAGES. */
export const STREAM_METRICS = {
  /** An order entered a status (dimension `status`): the order funnel. */
  orderStatusEntered: 'OrderStatusEntered',
  /** An order passed its stage deadline (OrderStuck from the order sweep; dimension `status`): SLA breaches by stage. */
  orderSlaBreached: 'OrderSlaBreached',
  /** A fulfillment is overdue (FulfillmentOverdue from the dispatch sweep; dimension `supplierId`). */
  fulfillmentOverdue: 'FulfillmentOverdue',
  /** Minutes from dispatch to the supplier's acceptance (dimension `supplierId`). */
  supplierAcceptanceMinutes: 'SupplierAcceptanceMinutes',
  /** Minutes from dispatch to the first parcel (dimension `supplierId`). */
  supplierShipMinutes: 'SupplierShipMinutes',
} as const;

/** Storefront notifications (service `storefront-notifications`, functions/notifications/deliver.ts). */
export const NOTIFICATION_METRICS = {
  delivered: 'NotificationDelivered',
  failed: 'NotificationFailed',
  undeliverable: 'NotificationUndeliverable',
  malformed: 'NotificationMalformed',
} as const;

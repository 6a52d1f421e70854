import type { Stage } from '../stage-config';

/**
 * The workflow settings the tasks read at cold start (functions/core/workflow/services/workflow-settings.ts), from
 * the stage config: only what the stage sets, so the tasks' defaults apply otherwise. Locally, TIMEOUT_SCALE
 * (set by the local runtime, never here) shrinks every wait.
 */
export function workflowSettingsEnvironment(stage: Stage): Record<string, string> {
  const wf = stage.config.workflow;
  return {
    SHIP_GRACE_DAYS: String(wf.shipGraceDays),
    DELIVERY_GRACE_DAYS: String(wf.deliveryGraceDays),
    ...(wf.holdTimeoutHours === undefined ? {} : { HOLD_TIMEOUT_HOURS: String(wf.holdTimeoutHours) }),
    ...(wf.routingRuleOrder === undefined ? {} : { ROUTING_RULE_ORDER: wf.routingRuleOrder.join(',') }),
    ...(wf.routingShippingMethod === undefined ? {} : { ROUTING_SHIPPING_METHOD: wf.routingShippingMethod }),
    ...(wf.fraud === undefined ? {} : { FRAUD_CONFIG: JSON.stringify(wf.fraud) }),
    ...(wf.hotSkus === undefined || wf.hotSkus.length === 0 ? {} : { HOT_SKUS: JSON.stringify(wf.hotSkus) }),
  };
}
